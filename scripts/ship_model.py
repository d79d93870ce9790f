"""Store trained ``.keras`` models as the package's shipped model (recipe JSON + weights .npz).

Usage: python scripts/ship_model.py RECIPE_NAME MODEL.keras [MODEL.keras ...]

The recipe's name and Config go to ``mnist_cnn/models/mnist_cnn_small.config.json`` and every
layer's weights to ``mnist_cnn_small.weights.npz`` (plain NumPy arrays), both written
atomically. One model: arrays keyed ``layer_name/i``. Several: an ensemble, arrays keyed
``member<k>/layer_name/i`` and each member's Config (read from its ``MODEL.history.json``, as
``train`` wrote it) listed under ``members``. :func:`mnist_cnn.io.load_shipped_model` rebuilds the
model(s) from them with ``build_model``, which works in every Keras 3 (a ``.keras`` file saved by
a newer Keras may not), and averages an ensemble's probabilities.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from mnist_cnn._files import atomic_path
from mnist_cnn.io import SHIPPED_CONFIG, SHIPPED_WEIGHTS, load_model
from mnist_cnn.recipes import get_recipe


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    paths = [Path(p) for p in argv[1:]]
    recipe = {"recipe": argv[0], "config": get_recipe(argv[0]).to_dict()}
    if len(paths) > 1:
        recipe["members"] = [json.loads(p.with_suffix(".history.json").read_text())["config"] for p in paths]
    arrays = {}
    for k, path in enumerate(paths):
        prefix = f"member{k}/" if len(paths) > 1 else ""
        arrays |= {f"{prefix}{layer.name}/{i}": np.asarray(w) for layer in load_model(path).layers
                   for i, w in enumerate(layer.get_weights())}
    with atomic_path(SHIPPED_WEIGHTS, ".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    with atomic_path(SHIPPED_CONFIG, ".json") as tmp:
        Path(tmp).write_text(json.dumps(recipe, indent=1) + "\n")
    print(f"wrote {SHIPPED_WEIGHTS} ({SHIPPED_WEIGHTS.stat().st_size / 1024:.0f} KiB) and {SHIPPED_CONFIG}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
