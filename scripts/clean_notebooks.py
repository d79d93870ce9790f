"""Strip volatile, machine-specific content from executed notebooks (outputs stay).

    python scripts/clean_notebooks.py notebooks/*.ipynb

Metadata goes through nbstripout (``--keep-output --keep-count``, plus the kernel's version
details), the standard tool for this; cell ids are dropped (they churn on every save). What
nbstripout cannot know about is removed here: TensorFlow's C++ start-up log lines (they carry a
timestamp and process id, and TensorFlow 2.21 prints them whatever TF_CPP_MIN_LOG_LEVEL says)
and LiteRT's "Created ... XNNPACK delegate" line, so that a re-run changes only what really
changed.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat

TF_STARTUP_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:. ]+\d+ \w+\.cc:\d+\] .*"
    r"|INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    r"|To enable the following instructions:.*)\n?", re.M)
EXTRA_KEYS = " ".join(f"metadata.language_info.{key}"
                      for key in ("version", "codemirror_mode", "pygments_lexer"))


def strip_tf_log(outputs: list) -> list:
    """Drop TensorFlow's C++ log lines from stderr stream outputs; drop emptied outputs."""
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            out["text"] = TF_STARTUP_LOG.sub("", out["text"])
            if not out["text"].strip():
                continue
        kept.append(out)
    return kept


def clean(path: str) -> None:
    """Clean one notebook in place."""
    subprocess.run([sys.executable, "-m", "nbstripout", "--keep-output", "--keep-count",
                    "--extra-keys", EXTRA_KEYS, path], check=True)
    nb = nbformat.read(path, as_version=4)
    nb.nbformat_minor = 4  # no cell ids: editors make new random ones on every save
    for cell in nb.cells:
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = strip_tf_log(cell.outputs)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        clean(arg)
