"""Strip volatile, machine-specific metadata from executed notebooks (outputs stay).

    python scripts/clean_notebooks.py notebooks/*.ipynb

Removes per-cell execution timestamps, widget state and interpreter-version details, and
TensorFlow's C++ start-up log lines (they carry a timestamp and process id, and TensorFlow 2.21
prints them whatever TF_CPP_MIN_LOG_LEVEL says), so that a re-run changes only what really
changed. Execution counts and all other outputs are kept.
"""

from __future__ import annotations

import re
import sys

import nbformat

KEEP_NOTEBOOK_METADATA = {"kernelspec", "colab"}
TF_STARTUP_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:. ]+\d+ \w+\.cc:\d+\] .*)\n?", re.M)


def strip_tf_log(outputs: list) -> list:
    """Drop TensorFlow's C++ log lines from stderr stream outputs; drop emptied outputs."""
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            out["text"] = TF_STARTUP_LOG.sub("", out["text"])
            # a wrapped continuation line of the cpu_feature_guard message
            out["text"] = re.sub(r"^To enable the following instructions:.*\n?", "", out["text"], flags=re.M)
            if not out["text"].strip():
                continue
        kept.append(out)
    return kept


def clean(path: str) -> None:
    """Clean one notebook in place."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = strip_tf_log(cell.outputs)
        for key in ("execution", "collapsed", "scrolled", "widgets"):
            cell.metadata.pop(key, None)
    nb.nbformat_minor = 4
    nbformat.write(nb, path)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        clean(arg)
