"""Strip volatile, machine-specific metadata from executed notebooks (outputs stay).

    python scripts/clean_notebooks.py notebooks/*.ipynb

Removes per-cell execution timestamps, widget state and interpreter-version details so that a
re-run changes only what really changed. Execution counts are kept.
"""

from __future__ import annotations

import sys

import nbformat

KEEP_NOTEBOOK_METADATA = {"kernelspec", "colab"}


def clean(path: str) -> None:
    """Clean one notebook in place."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.pop("id", None)
        for key in ("execution", "collapsed", "scrolled", "widgets"):
            cell.metadata.pop(key, None)
    nb.nbformat_minor = 4
    nbformat.write(nb, path)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        clean(arg)
