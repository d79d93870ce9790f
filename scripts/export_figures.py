"""Save the figures of the executed tutorial notebook as PNGs under docs/images/ for the README.

    python scripts/export_figures.py

Each figure is found by the plotting function its cell calls, so the README always shows the
figures of the committed run.
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {  # file name -> text that identifies the cell
    "samples.png": "plot_samples(",
    "history.png": "plot_history(",
    "confusion_matrix.png": "plot_confusion_matrix(",
    "mistakes.png": "The most confident mistakes",
}


def export(notebook: Path = ROOT / "notebooks" / "01_mnist_cnn.ipynb",
           out: Path = ROOT / "docs" / "images") -> list[Path]:
    """Write the PNG output of each cell in FIGURES; return the files written."""
    nb = nbformat.read(notebook, as_version=4)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, marker in FIGURES.items():
        for cell in nb.cells:
            if cell.cell_type != "code" or marker not in cell.source:
                continue
            pngs = [o["data"]["image/png"] for o in cell.get("outputs", [])
                    if "image/png" in o.get("data", {})]
            if pngs:
                path = out / name
                path.write_bytes(base64.b64decode(pngs[-1]))
                written.append(path)
                break
        else:
            raise SystemExit(f"error: no figure output for {marker!r} in {notebook}; run it first")
    return written


if __name__ == "__main__":
    for path in export():
        print(f"wrote {path.relative_to(ROOT)}")
