"""Saving, loading and exporting models, and the small model shipped with the package.

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

SHIPPED_MODEL = Path(__file__).resolve().parent / "models" / "mnist_cnn_small.keras"


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
    """Load the small, augmentation-trained model that ships with the package."""
    return load_model(SHIPPED_MODEL)


def export_savedmodel(model, path: str | os.PathLike) -> Path:
    """Export ``model`` as a TensorFlow SavedModel folder with one ``serve`` endpoint.

    The endpoint calls the model with ``training=False`` explicitly: a plain ``model.export``
    traced the random augmentation layers in training mode (measured with Keras 3.15: two calls
    on the same images gave different answers), which would make served predictions random.
    """
    import keras
    import tensorflow as tf

    from mnist_cnn._quiet import silenced

    path = Path(path)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serve", fn=lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec(shape=(None, *model.input_shape[1:]), dtype=tf.float32)],
    )
    with silenced():  # TensorFlow logs every asset it writes
        archive.write_out(str(path), verbose=False)
    return path


def export_tflite(model, path: str | os.PathLike, representative=None) -> Path:
    """Convert ``model`` to a TensorFlow Lite / LiteRT flat buffer, written atomically.

    Args:
        model: A Keras model.
        path: Output ``.tflite`` file.
        representative: Optional float32 images (n, 28, 28, 1). If given, weights and
            activations are quantised to int8 (inputs and outputs stay float32).
    """
    import numpy as np
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative is not None:
        samples = np.asarray(representative, np.float32)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([samples[i:i + 1]] for i in range(len(samples)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    from mnist_cnn._quiet import silenced

    with silenced():  # the converter prints a SavedModel summary and C++ progress lines
        blob = converter.convert()
    path = Path(path)
    with atomic_path(path, ".tflite") as tmp:
        Path(tmp).write_bytes(blob)
    return path
