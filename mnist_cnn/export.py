"""Export a model for serving and compare the formats: file size, test accuracy, latency."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


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
    import tensorflow as tf

    return np.concatenate([np.asarray(fn(tf.constant(x[i:i + batch_size])))
                           for i in range(0, len(x), batch_size)])


def tflite_interpreter(path: Path, threads: int | None = None):
    """A LiteRT interpreter for ``path`` (``ai_edge_litert`` if installed, else ``tf.lite``)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - depends on the environment
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    from mnist_cnn._quiet import silenced

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


def export_all(model, out_dir: Path, int8: bool = True, x_test=None, y_test=None) -> list[dict]:
    """Save ``model`` as .keras, SavedModel, .tflite (float32) and optionally .tflite (int8).

    Args:
        model: A Keras model.
        out_dir: Folder for the files (created).
        int8: Also write a fully int8-quantised LiteRT file (calibrated on 500 training images).
        x_test, y_test: Test images (n, 28, 28, 1) float32 and labels; default: MNIST's test set.

    Returns:
        One dict per format: format, path, size_kib, test_accuracy, latency_ms (one image).
    """
    import tensorflow as tf

    from mnist_cnn.data import load_mnist, preprocess
    from mnist_cnn.io import export_savedmodel, export_tflite, save_model

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if x_test is None:
        (x_train, _), (x_test, y_test) = load_mnist(verbose=False)
        calibration = preprocess(x_train[:500])
        x_test = preprocess(x_test)
    else:
        calibration = np.asarray(x_test[:500], np.float32)
    one = x_test[:1]
    rows = []

    def add(fmt: str, path: Path, predict, single) -> None:
        probs = predict(x_test)
        rows.append({"format": fmt, "path": str(path), "size_kib": _size_kib(path),
                     "test_accuracy": float((np.argmax(probs, 1) == y_test).mean()),
                     "latency_ms": median_ms(single)})

    serve = tf.function(lambda x: model(x, training=False))
    keras_path = save_model(model, out_dir / "model.keras")
    add("Keras .keras (tf.function)", keras_path, lambda x: predict_in_batches(serve, x),
        lambda: serve(tf.constant(one)))

    saved = export_savedmodel(model, out_dir / "saved_model")
    reloaded = tf.saved_model.load(str(saved))
    add("TF SavedModel", saved, lambda x: predict_in_batches(reloaded.serve, x),
        lambda: reloaded.serve(tf.constant(one)))

    variants = [("LiteRT float32", out_dir / "model_float32.tflite", None)]
    if int8:
        variants.append(("LiteRT int8", out_dir / "model_int8.tflite", calibration))
    for fmt, path, representative in variants:
        export_tflite(model, path, representative=representative)
        predict = tflite_predict_fn(path)
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
