"""Store a trained ``.keras`` model as the package's shipped model (recipe JSON + weights .npz).

Usage: python scripts/ship_model.py MODEL.keras RECIPE_NAME

The recipe's Config goes to ``mnist_cnn/models/mnist_cnn_small.config.json`` and every layer's
weights to ``mnist_cnn_small.weights.npz`` (plain NumPy arrays keyed ``layer_name/i``), both
written atomically. :func:`mnist_cnn.io.load_shipped_model` rebuilds the model from them with
``build_model``, which works in every Keras 3 (a ``.keras`` file saved by a newer Keras may not).
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
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    model, config = load_model(argv[0]), get_recipe(argv[1])
    arrays = {f"{layer.name}/{i}": np.asarray(w) for layer in model.layers
              for i, w in enumerate(layer.get_weights())}
    with atomic_path(SHIPPED_WEIGHTS, ".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    with atomic_path(SHIPPED_CONFIG, ".json") as tmp:
        Path(tmp).write_text(json.dumps({"recipe": argv[1], "config": config.to_dict()}, indent=1) + "\n")
    print(f"wrote {SHIPPED_WEIGHTS} ({SHIPPED_WEIGHTS.stat().st_size / 1024:.0f} KiB) and {SHIPPED_CONFIG}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
