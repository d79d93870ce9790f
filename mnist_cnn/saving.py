"""Saving and loading Keras models safely (exports for deployment: :mod:`mnist_cnn.export`).

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

    A model trained with the photo recipe holds a ``RandomStroke`` layer: import
    :mod:`mnist_cnn.reading.photo_model` first (which registers it), or load it with
    :func:`mnist_cnn.reading.shipped.resolve_model`.

    Raises:
        ModelError: The file is missing, not a ``.keras`` zip, damaged, or holds unsafe code.
    """
    import keras  # here, not at the top: the command line imports ModelError before TensorFlow

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
