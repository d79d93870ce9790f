"""Write notebooks/*.ipynb (without outputs) from their plain-Python sources in scripts/.

    python scripts/build_notebooks.py            # all notebooks
    python scripts/build_notebooks.py 01_mnist_cnn
    python scripts/build_notebooks.py 02_improving_the_model --markdown-only   # prose edits only

Then `make tutorial` executes them and stores the outputs. Cell metadata is kept minimal so
the committed notebooks stay free of machine-specific fields.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from repo_url import ROOT, read_repo_url, render_notebook  # noqa: E402

SOURCES = {
    "01_mnist_cnn": "notebook_01_source",
    "02_improving_the_model": "notebook_02_source",
    "03_using_the_model": "notebook_03_source",
}


def build(name: str) -> Path:
    """Build ``notebooks/<name>.ipynb`` from its source module; return the path."""
    cells = importlib.import_module(SOURCES[name]).CELLS
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    for kind, text in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = make(text.strip("\n"))
        cell.pop("id", None)
        nb.cells.append(cell)
    nb.nbformat_minor = 4  # no cell ids: they churn on every save
    nb = render_notebook(nb, f"{name}.ipynb", read_repo_url())
    path = ROOT / "notebooks" / f"{name}.ipynb"
    nbformat.write(nbformat.from_dict(nb), path)
    return path


def sync_markdown(name: str) -> Path:
    """Copy the source's markdown cells into the executed notebook, keeping all outputs.

    For prose-only edits: the code cells must be unchanged (else run the notebook again).
    """
    cells = importlib.import_module(SOURCES[name]).CELLS
    path = ROOT / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    if len(nb.cells) != len(cells) or any(
            (c.cell_type == "markdown") != (kind == "md") for c, (kind, _) in zip(nb.cells, cells)):
        raise SystemExit(f"error: {path.name} has other cells than its source; rebuild and re-run it")
    for cell, (kind, text) in zip(nb.cells, cells):
        if kind == "md":
            cell.source = text.strip("\n")
    nb = render_notebook(nb, f"{name}.ipynb", read_repo_url())
    nbformat.write(nbformat.from_dict(nb), path)
    return path


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("--")] or list(SOURCES)
    for name in names:
        done = sync_markdown(name) if "--markdown-only" in sys.argv else build(name)
        print(f"wrote {done.relative_to(ROOT)}")
