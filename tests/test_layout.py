"""The package's layout: the lesson's core never imports the photo reader (mnist_cnn.reading).

``lint-imports`` (import-linter, contract in pyproject.toml) checks the rule on every import,
in-function ones included; these tests run it, show that it catches a planted violation, keep its
list of core modules complete, and check what notebook 01 actually loads.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
ENTRY_POINTS = {"__init__", "__main__", "cli"}  # the doors: cli is the front end of both halves


def contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return config["contracts"][0]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": ""})


def test_the_core_does_not_import_the_photo_reader():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_lint_imports_fails_on_a_planted_violation(tmp_path):
    shutil.copytree(ROOT / "mnist_cnn", tmp_path / "mnist_cnn",
                    ignore=shutil.ignore_patterns("__pycache__", "models"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    plots = tmp_path / "mnist_cnn" / "plots.py"
    # a lazy import, inside a function, as a shortcut would be written
    plots.write_text(plots.read_text() + "\n\ndef _shortcut():\n"
                     "    from mnist_cnn.reading.figures import plot_number_reading\n\n"
                     "    return plot_number_reading\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "mnist_cnn.plots -> mnist_cnn.reading.figures" in done.stdout


def test_every_core_module_is_under_the_contract():
    core = {f"mnist_cnn.{p.stem}" for p in (ROOT / "mnist_cnn").glob("*.py") if p.stem not in ENTRY_POINTS}
    assert set(contract()["source_modules"]) == core, (
        "a core module was added or removed: list it in pyproject.toml's importlinter contract")
    assert contract()["forbidden_modules"] == ["mnist_cnn.reading", "mnist_cnn.exercises"]


def notebook_imports(source: Path) -> list[str]:
    """The import statements of the package in a notebook's jupytext source, as code."""
    tree = ast.parse(source.read_text())
    return [ast.unparse(node) for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and ((node.module or "") if isinstance(node, ast.ImportFrom) else node.names[0].name)
            .startswith("mnist_cnn")]


def loaded_modules(imports: list[str]) -> list[str]:
    code = "\n".join([*imports, "import sys", "print(' '.join(sorted(m for m in sys.modules "
                      "if m.startswith('mnist_cnn'))))"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_notebook_01_loads_no_photo_module():
    imports = notebook_imports(ROOT / "notebooks" / "01_mnist_cnn.py")
    assert imports, "notebook 01 imports nothing from mnist_cnn?"
    modules = loaded_modules([*imports, "import mnist_cnn; mnist_cnn.load_mnist"])
    assert "mnist_cnn.plots" in modules and "mnist_cnn.data" in modules
    assert not [m for m in modules if m.startswith("mnist_cnn.reading")], modules


def test_the_closure_check_sees_a_photo_module():
    """The check above can fail: importing the reader shows up in the list."""
    assert "mnist_cnn.reading.page" in loaded_modules(["from mnist_cnn.reading.digit import prepare_image"])
