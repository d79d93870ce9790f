"""Store trained ``.keras`` models as the package's shipped photo ensemble (recipe JSON + weights).

Usage: python scripts/ship_model.py RECIPE_NAME MODEL.keras [MODEL.keras ...]

The recipe's name and Config go to ``mnist_cnn/reading/models/photo_ensemble.config.json`` and every
layer's weights to ``photo_ensemble.weights.npz`` (plain NumPy arrays), both written
atomically. One model: arrays keyed ``layer_name/i``. Several: an ensemble, arrays keyed
``member<k>/layer_name/i`` and each member's Config (read from its ``MODEL.history.json``, as
``train`` wrote it) listed under ``members``. The format is written and read by
:mod:`mnist_cnn.reading.shipped` (``save_shipped_model``, ``load_shipped_model``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mnist_cnn.reading.photo_model import PHOTO_RECIPES
from mnist_cnn.reading.shipped import SHIPPED_CONFIG, SHIPPED_WEIGHTS, save_shipped_model
from mnist_cnn.saving import load_model


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    paths = [Path(p) for p in argv[1:]]
    configs = ([json.loads(p.with_suffix(".history.json").read_text())["config"] for p in paths]
               if len(paths) > 1 else [PHOTO_RECIPES[argv[0]].to_dict()])
    save_shipped_model(argv[0], [load_model(p) for p in paths], configs)
    print(f"wrote {SHIPPED_WEIGHTS} ({SHIPPED_WEIGHTS.stat().st_size / 1024:.0f} KiB) and {SHIPPED_CONFIG}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
