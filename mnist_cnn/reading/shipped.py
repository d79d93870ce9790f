"""The photo ensemble shipped with the package: its file format (written and read here), and which
model the reader uses when none is given.

The ensemble is four networks of the ``small`` photo recipe (:mod:`mnist_cnn.reading.photo_model`),
their probabilities averaged. It is stored as its recipe (the Configs as JSON) plus every layer's
weights as plain NumPy arrays, and rebuilt with ``build_photo_model``: a ``.keras`` file saved by
a newer Keras does not load in an older one (3.15 -> 3.10: "Sequential could not be
deserialized"), while this format loads in every Keras 3 the package supports.

- One network: arrays keyed ``layer_name/i`` and its Config under ``"config"``.
- Several (an ensemble): arrays keyed ``member<k>/layer_name/i`` and each member's Config
  listed under ``"members"``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

from mnist_cnn._files import atomic_path
from mnist_cnn.config import IMAGE_SHAPE
from mnist_cnn.reading.photo_model import PhotoConfig, build_photo_model
from mnist_cnn.saving import ModelError, load_model

_MODELS = Path(__file__).resolve().parent / "models"
SHIPPED_CONFIG = _MODELS / "photo_ensemble.config.json"  #: the recipe(s), as JSON
SHIPPED_WEIGHTS = _MODELS / "photo_ensemble.weights.npz"  #: every layer's weights, no pickles


def save_shipped_model(recipe: str, models: list, configs: list[dict],
                       config_path: Path | None = None, weights_path: Path | None = None) -> None:
    """Write trained networks in the shipped format, atomically (``scripts/ship_model.py``).

    Args:
        recipe: The recipe's name, recorded in the JSON.
        models: The trained Keras networks (one, or the members of an ensemble).
        configs: Each network's Config as a dict (as ``train`` records it).
        config_path, weights_path: Where to write (default: the package's own files).
    """
    config_path, weights_path = config_path or SHIPPED_CONFIG, weights_path or SHIPPED_WEIGHTS
    if len(models) != len(configs) or not models:
        raise ValueError(f"give one config per model: {len(models)} models, {len(configs)} configs")
    record: dict = {"recipe": recipe, "config": configs[0]}
    if len(models) > 1:
        record["members"] = configs
    arrays = {}
    for k, model in enumerate(models):
        prefix = f"member{k}/" if len(models) > 1 else ""
        arrays |= {f"{prefix}{layer.name}/{i}": np.asarray(w) for layer in model.layers
                   for i, w in enumerate(layer.get_weights())}
    with atomic_path(weights_path, ".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    with atomic_path(config_path, ".json") as tmp:
        Path(tmp).write_text(json.dumps(record, indent=1) + "\n")


def _rebuild(config: dict, arrays, prefix: str, **name) -> keras.Model:
    model = build_photo_model(PhotoConfig(**{k: tuple(v) if isinstance(v, list) else v
                                             for k, v in config.items()}), **name)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([arrays[f"{prefix}{layer.name}/{i}"] for i in range(len(layer.weights))])
    return model


def load_shipped_model(config_path: Path | None = None, weights_path: Path | None = None) -> keras.Model:
    """Load the photo ensemble shipped with the package (or another model in the same format).

    Each member is rebuilt from its own Config and its weights set layer by layer (``np.load``
    without pickles); the returned model averages their probabilities (``keras.layers.Average``):
    they err on different digits, so the average errs less often.

    Args:
        config_path, weights_path: Another model in this format (default: the shipped files).

    Returns:
        An uncompiled Keras model mapping float32 (n, 28, 28, 1) images to (n, 10) probabilities.

    Raises:
        ModelError: A file is missing or does not match the recipe.
    """
    config_path, weights_path = config_path or SHIPPED_CONFIG, weights_path or SHIPPED_WEIGHTS
    try:
        recipe = json.loads(Path(config_path).read_text())
        with np.load(weights_path, allow_pickle=False) as arrays:
            if "members" not in recipe:
                return _rebuild(recipe["config"], arrays, "")
            members = [_rebuild(config, arrays, f"member{k}/", name=f"member{k}")
                       for k, config in enumerate(recipe["members"])]
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"{weights_path}: cannot load the shipped model ({exc})") from None
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    average = keras.layers.Average(name="average")([member(inputs) for member in members])
    return keras.Model(inputs, average, name=f"photo_ensemble_of_{len(members)}")


def resolve_model(model=None) -> keras.Model:
    """The model to read with: ``model`` itself, the ``.keras`` file it names, or (None) the
    shipped photo ensemble. The one place that decides the default model.

    Raises:
        ModelError: a path that is not a loadable ``.keras`` file.
    """
    if model is None:
        return load_shipped_model()
    if isinstance(model, (str, os.PathLike)):
        return load_model(model)  # photo_model, imported above, registers RandomStroke
    return model
