"""Saving and loading models, and the small model shipped with the package (exports: ``export``).

Models are saved in Keras's ``.keras`` format (a zip of the architecture as JSON and the weights)
and loaded with ``safe_mode=True``, which refuses to deserialise Python code (lambdas). Every
write goes to a temporary file that is renamed into place, so an interrupted save never damages
an existing model file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from mnist_cnn._files import atomic_path

_MODELS = Path(__file__).resolve().parent / "models"
#: The shipped model is stored as its recipe (a Config as JSON) plus its weights as plain NumPy
#: arrays keyed by layer name, and rebuilt with ``build_model``: a ``.keras`` file saved by a newer
#: Keras does not load in an older one (3.15 -> 3.10: "Sequential could not be deserialized").
SHIPPED_CONFIG = _MODELS / "mnist_cnn_small.config.json"
SHIPPED_WEIGHTS = _MODELS / "mnist_cnn_small.weights.npz"
SHIPPED_MODEL = SHIPPED_WEIGHTS  #: kept for existing code: the file that holds the shipped model


class ModelError(RuntimeError):
    """A model file is missing, damaged or not a Keras model; the message names the file."""


def save_model(model, path: str | os.PathLike, include_optimizer: bool = True) -> Path:
    """Save ``model`` as a ``.keras`` file atomically; return the path.

    Args:
        model: A Keras model.
        path: The file to write; must end in ``.keras``.
        include_optimizer: Keep the optimizer's state (to resume training). ``False`` saves
            only what inference needs, about a third of the size with Adam.

    Raises:
        ValueError: ``path`` does not end in ``.keras``.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: a Keras model file must end in .keras")
    if not include_optimizer:  # a fresh, uncompiled copy (clone_model would copy the optimizer)
        copy = model.__class__.from_config(model.get_config())
        copy.set_weights(model.get_weights())
        model = copy
    with atomic_path(path, ".keras") as tmp:
        model.save(tmp)
    return path


def load_model(path: str | os.PathLike):
    """Load a ``.keras`` model with ``safe_mode=True``.

    Raises:
        ModelError: The file is missing, not a ``.keras`` zip, damaged, or holds unsafe code.
    """
    import keras

    import mnist_cnn.model  # noqa: F401  (registers RandomStroke, which the small recipe's models hold)

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not a Keras .keras model file")
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for damaged files
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: cannot load the model ({reason})") from None


def load_shipped_model():
    """Load the small, augmentation-trained model that ships with the package.

    Rebuilds the recipe from ``SHIPPED_CONFIG`` with :func:`mnist_cnn.model.build_model` and sets
    each layer's weights from ``SHIPPED_WEIGHTS`` (``np.load`` without pickles), so it loads in
    every Keras 3 the package supports. When the JSON lists several ``members`` (an *ensemble*:
    models of the same architecture trained from other seeds or on other data), each is rebuilt
    from its own config and the returned model averages their probabilities
    (``keras.layers.Average``): they err on different digits, so the average errs less often.
    Returns an uncompiled Keras model mapping (n, 28, 28, 1) images to (n, 10) probabilities.

    Raises:
        ModelError: A file is missing or does not match the recipe.
    """
    import json

    import keras
    import numpy as np

    from mnist_cnn.config import IMAGE_SHAPE, Config
    from mnist_cnn.model import build_model

    def rebuild(config: dict, arrays, prefix: str, **name):
        model = build_model(Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}),
                            **name)
        for layer in model.layers:
            if layer.weights:
                layer.set_weights([arrays[f"{prefix}{layer.name}/{i}"] for i in range(len(layer.weights))])
        return model

    try:
        recipe = json.loads(SHIPPED_CONFIG.read_text())
        with np.load(SHIPPED_WEIGHTS, allow_pickle=False) as arrays:
            if "members" not in recipe:  # one model, weights keyed "layer/i"
                return rebuild(recipe["config"], arrays, "")
            members = [rebuild(config, arrays, f"member{k}/", name=f"member{k}")  # weights keyed
                       for k, config in enumerate(recipe["members"])]  # "member<k>/layer/i"
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"{SHIPPED_WEIGHTS}: cannot load the shipped model ({exc})") from None
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    average = keras.layers.Average(name="average")([member(inputs) for member in members])
    return keras.Model(inputs, average, name=f"mnist_cnn_ensemble_of_{len(members)}")
