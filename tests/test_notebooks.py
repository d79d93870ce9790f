"""The committed notebooks: built from their sources, executed, and consistent."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))


def logical_lines(source: str) -> int:
    """Count statements, not physical lines: a call wrapped over lines counts once."""
    count, depth = 0, 0
    for line in source.splitlines():
        stripped = line.strip()
        if depth == 0 and stripped and not stripped.startswith("#"):
            count += 1
        depth = max(0, depth + sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}"))
    return count


def test_logical_lines():
    assert logical_lines("# comment\nf(a,\n  b)\nx = 1\n") == 2


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["01_mnist_cnn.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_outputs_and_thin_cells(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] or "import" in "".join(c["source"]) or
                        "REPO_URL" in "".join(c["source"]) for c in code), "run `make tutorial`"
    for cell in code:
        source = "".join(cell["source"])
        assert logical_lines(source) <= 5, f"cell longer than 5 lines:\n{source}"
        assert "execution" not in cell.get("metadata", {}), "run scripts/clean_notebooks.py"
    kinds = [c["cell_type"] for c in nb["cells"]]
    for i, kind in enumerate(kinds):
        if kind == "code":
            assert kinds[i - 1] == "markdown" or kinds[i - 2:i] == ["markdown", "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_source_matches_the_committed_notebook(path):
    import build_notebooks

    module = build_notebooks.SOURCES.get(path.stem)
    assert module, f"{path.name} has no source module in scripts/"
    cells = __import__(module).CELLS
    nb = json.loads(path.read_text())
    committed = ["".join(c["source"]) for c in nb["cells"]]
    from repo_url import BADGE_RE, REPO_LINE_RE

    def normal(text):
        text = BADGE_RE.sub("<!-- colab-badge -->", text.strip("\n"))
        return REPO_LINE_RE.sub('REPO_URL = ""', text)

    assert [normal(c) for c in committed] == [normal(t) for _, t in cells], (
        "notebook differs from its source: edit scripts/, run build_notebooks.py and make tutorial")


def test_repo_url_is_consistent_everywhere():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "repo_url.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_readme_results_are_the_committed_notebook_run():
    import re

    nb = json.loads((ROOT / "notebooks" / "01_mnist_cnn.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"] if o.get("output_type") == "stream")
    seconds = re.search(r"Training took ([\d.]+) s", text).group(1)
    accuracy = re.search(r"test accuracy ([\d.]+%)", text).group(1)
    readme = (ROOT / "README.md").read_text()
    assert f"**{accuracy.replace('%', ' %')}**" in readme
    assert f"**{seconds} s**" in readme


def test_clean_notebooks_strips_only_tensorflow_start_up_lines():
    from clean_notebooks import strip_tf_log

    log = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
           "I0000 00:00:1795573688.644571    4614 port.cc:153] oneDNN custom operations are on.\n"
           "UserWarning: something a learner should see\n")
    out = strip_tf_log([{"output_type": "stream", "name": "stderr", "text": log},
                        {"output_type": "stream", "name": "stdout", "text": "I0000 kept\n"}])
    assert [o["text"] for o in out] == ["UserWarning: something a learner should see\n", "I0000 kept\n"]


def test_readme_export_table_and_handwriting_score_are_notebook_03s():
    import re

    nb = json.loads((ROOT / "notebooks" / "03_using_the_model.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"] if o.get("output_type") == "stream")
    readme = (ROOT / "README.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 6 and all(line in readme for line in table)
    score = re.search(r"real handwritten digits: ([\d.]+)%", text).group(1)
    assert f"**{score} %**" in readme


def test_readme_benchmark_table_is_the_committed_run():
    text = (ROOT / "benchmarks" / "results" / "benchmark.txt").read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    readme = (ROOT / "README.md").read_text()
    assert len(table) >= 3 and all(line in readme for line in table)
