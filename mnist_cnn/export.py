"""Export a model for serving (SavedModel, LiteRT) and compare the formats: size, accuracy, latency.

Every file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn._files import atomic_path
from mnist_cnn.quiet import silenced
from mnist_cnn.saving import save_model
from mnist_cnn.speed import as_float32


def _size_kib(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024
    return path.stat().st_size / 1024


def median_ms(fn, repeats: int = 200, warmup: int = 5) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeats`` calls, after ``warmup``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times)[len(times) // 2]


def predict_in_batches(fn, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Run ``fn`` (a tf.function or SavedModel endpoint) on ``x`` in batches; numpy result."""
    return np.concatenate([np.asarray(fn(tf.constant(x[i:i + batch_size])))
                           for i in range(0, len(x), batch_size)])


def tflite_interpreter(path: Path, threads: int | None = None):
    """A LiteRT interpreter for ``path`` (``ai_edge_litert`` if installed, else ``tf.lite``)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - depends on the environment
        Interpreter = tf.lite.Interpreter
    with silenced():  # "Created TensorFlow Lite XNNPACK delegate for CPU."
        return Interpreter(model_path=str(path), num_threads=threads)


def tflite_predict_fn(path: Path, batch_size: int = 1, threads: int | None = None):
    """Return ``f(x) -> probabilities`` running a .tflite file on batches of ``batch_size``
    images (the last batch is padded), with ``threads`` CPU threads (default: LiteRT's)."""
    interpreter = tflite_interpreter(path, threads)
    inp = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(inp, [batch_size, 28, 28, 1])
    interpreter.allocate_tensors()
    out = interpreter.get_output_details()[0]["index"]

    def predict(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        rows = []
        for start in range(0, len(x), batch_size):
            chunk = x[start:start + batch_size]
            n = len(chunk)
            if n < batch_size:
                chunk = np.concatenate([chunk, np.zeros((batch_size - n, *chunk.shape[1:]), np.float32)])
            interpreter.set_tensor(inp, chunk)
            interpreter.invoke()
            rows.append(interpreter.get_tensor(out)[:n].copy())
        return np.concatenate(rows)

    return predict


def export_savedmodel(model, path: str | os.PathLike) -> Path:
    """Export ``model`` as a TensorFlow SavedModel folder with one ``serve`` endpoint.

    The endpoint calls the model with ``training=False`` explicitly: a plain ``model.export``
    traced the random augmentation layers in training mode (measured with Keras 3.15: two calls
    on the same images gave different answers), which would make served predictions random.
    A mixed-precision model is exported as its float32 copy (the same weights).
    """
    model = as_float32(model)  # serves the same everywhere, also where bfloat16 is emulated
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
    """Convert ``model`` to a TensorFlow Lite / LiteRT flat buffer, written atomically (a
    mixed-precision model is converted as its float32 copy, the same weights).

    Args:
        model: A Keras model.
        path: Output ``.tflite`` file.
        representative: Optional float32 images (n, 28, 28, 1). If given, weights and
            activations are quantised to int8 (inputs and outputs stay float32).
    """
    converter = tf.lite.TFLiteConverter.from_keras_model(as_float32(model))
    if representative is not None:
        samples = np.asarray(representative, np.float32)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([samples[i:i + 1]] for i in range(len(samples)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with silenced():  # the converter prints a SavedModel summary and C++ progress lines
        blob = converter.convert()
    path = Path(path)
    with atomic_path(path, ".tflite") as tmp:
        Path(tmp).write_bytes(blob)
    return path


def export_all(model, out_dir: str | os.PathLike, x_test: np.ndarray, y_test: np.ndarray,
               calibration: np.ndarray | None = None) -> list[dict]:
    """Save ``model`` as .keras, SavedModel, .tflite (float32) and, with ``calibration``, .tflite
    (int8), and measure each on the same test images.

    Args:
        model: A Keras model.
        out_dir: Folder for the files (created).
        x_test, y_test: Images (n, 28, 28, 1) float32 in [0, 1] and integer labels (n,) to score
            each format on.
        calibration: Training images (a few hundred, same format) that set the int8 value
            ranges; ``None`` skips the int8 file. Never calibrate on the images you score on.

    Returns:
        One dict per format: format, path, size_kib, test_accuracy, latency_ms (one image).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keras_path = save_model(model, out_dir / "model.keras")
    saved = export_savedmodel(model, out_dir / "saved_model")
    tflite = {"LiteRT float32": export_tflite(model, out_dir / "model_float32.tflite")}
    if calibration is not None:
        tflite["LiteRT int8"] = export_tflite(model, out_dir / "model_int8.tflite",
                                              representative=calibration)
    return measure_exports(model, keras_path, saved, tflite, x_test, y_test)


def measure_exports(model, keras_path: str | os.PathLike, saved_model: str | os.PathLike,
                    tflite: dict[str, str | os.PathLike], x_test: np.ndarray,
                    y_test: np.ndarray) -> list[dict]:
    """Measure files already written: size, accuracy on ``x_test`` and one-image latency of each.

    Args:
        model: The Keras model the files were made from (its ``.keras`` row runs it through a
            ``tf.function``, as a server would).
        keras_path: Its ``.keras`` file (for the size).
        saved_model: A SavedModel folder with a ``serve`` endpoint.
        tflite: LiteRT files by the name of their row, e.g. ``{"LiteRT int8": "model_int8.tflite"}``.
        x_test, y_test: Images (n, 28, 28, 1) float32 in [0, 1] and integer labels (n,).

    Returns:
        One dict per format: format, path, size_kib, test_accuracy, latency_ms (one image).
    """
    x_test = np.asarray(x_test, np.float32)
    y_test = np.asarray(y_test)
    one = x_test[:1]
    rows = []

    def add(fmt: str, path, predict, single) -> None:
        probs = predict(x_test)
        rows.append({"format": fmt, "path": str(path), "size_kib": _size_kib(Path(path)),
                     "test_accuracy": float((np.argmax(probs, 1) == y_test).mean()),
                     "latency_ms": median_ms(single)})

    serve = tf.function(lambda x: model(x, training=False))
    add("Keras .keras (tf.function)", keras_path, lambda x: predict_in_batches(serve, x),
        lambda: serve(tf.constant(one)))
    reloaded = tf.saved_model.load(str(saved_model))
    add("TF SavedModel", saved_model, lambda x: predict_in_batches(reloaded.serve, x),
        lambda: reloaded.serve(tf.constant(one)))
    for fmt, path in tflite.items():
        predict = tflite_predict_fn(Path(path))
        add(fmt, path, predict, lambda p=predict: p(one))
    return rows


def format_export_table(rows: list[dict]) -> str:
    """The export comparison as a Markdown table."""
    lines = ["| format | file | size (KiB) | test accuracy | 1-image latency (ms) |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['format']} | {Path(r['path']).name} | {r['size_kib']:,.0f} | "
                     f"{r['test_accuracy']:.2%} | {r['latency_ms']:.3f} |")
    return "\n".join(lines)
