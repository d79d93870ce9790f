"""Inference speed of LiteRT and tf.function settings against the Keras example's ``predict``, in one process.

    python benchmarks/inference.py            # about 3 minutes on 2 CPU cores
    python benchmarks/inference.py --quick    # smoke test: fewer repeats

The main benchmark (``benchmark.py``) measures each recipe's ``predict`` and LiteRT float32
throughput in separate processes, minutes apart, so on a shared machine its ratios span a wide
range. This script answers one question, what setting reaches 4x the reference's
``predict``, with every measurement taken in one process and paired: for each variant, in each of
several rounds, the reference's ``predict`` and the variant are timed back to back on the same
images (the median of a few calls each), so both see the same machine speed. Each ratio is
reported as the median over the rounds and as the range from the slowest to the fastest round;
a target counts only when the low end meets it.

The model is the ``fast`` recipe trained for its one epoch (seed 0; on a CPU with native
bfloat16 trained in bfloat16 and converted from its float32 copy, elsewhere its float32 variant);
the reference is the ``keras_example`` network (speed does not depend on its weights, so it is
not trained). Variants: LiteRT float32 and int8 (calibrated on 300 training images, never on the
test images it is scored on), batches of 250 or 1,000 images, 1 or 2 threads; and one image at a
time. Also the Keras model itself in
a ``tf.function`` with a fixed input signature (TensorFlow's own threads: all cores), as trained,
as its float32 copy, and that copy compiled with XLA (``jit_compile=True``). Accuracy is on the
10,000 test images.

Writes ``benchmarks/results/inference[-float32][-quick].json`` (``-float32`` on CPUs without native
bfloat16, where ``fast`` is its float32 variant) and prints a Markdown table. LiteRT runs on XNNPACK,
which ``ONEDNN_MAX_CPU_ISA`` does not restrict: on an AVX-512 CPU capped to AVX2 its rows still use
AVX-512.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: fewer repeats")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 5

    from mnist_cnn.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    import tensorflow as tf
    from benchmark import cpu_class, cpu_model, median_seconds, results_suffix

    from mnist_cnn.data import load_mnist, preprocess
    from mnist_cnn.export import export_tflite, predict_in_batches, tflite_predict_fn
    from mnist_cnn.model import build_model, compile_model
    from mnist_cnn.recipes import get_recipe
    from mnist_cnn.speed import as_float32
    from mnist_cnn.train import fit_inputs, set_seed

    (x_all, y_all), (x_test, y_test) = load_mnist(verbose=False)
    x_train, y_train, x_test = x_all[:54_000], y_all[:54_000], preprocess(x_test)  # uint8: fit_inputs scales
    config = get_recipe("fast")
    set_seed(0)
    model = compile_model(build_model(config), config, num_train=len(x_train))
    model.fit(**fit_inputs(x_train, y_train, config), epochs=config.epochs, verbose=0)
    reference = build_model(get_recipe("keras_example"))

    def reference_batch():
        reference.predict(x_test, batch_size=1000, verbose=0)

    one = x_test[:1]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        calibration = preprocess(x_train[:300])
        files = {"float32": export_tflite(model, Path(tmp) / "float32.tflite"),
                 "int8": export_tflite(model, Path(tmp) / "int8.tflite", representative=calibration)}
        for kind, path in files.items():
            accuracy = float((tflite_predict_fn(path, 1000, 2)(x_test).argmax(1) == y_test).mean())
            for batch in (250, 1000):
                for threads in (1, 2):
                    predict = tflite_predict_fn(path, batch_size=batch, threads=threads)
                    seconds, ratios = paired(reference_batch, lambda f=predict: f(x_test), repeats)
                    rows.append({"model": kind, "batch": batch, "threads": threads,
                                 "images_per_second": len(x_test) / seconds, **ratios,
                                 "test_accuracy": accuracy})
            single = tflite_predict_fn(path, batch_size=1, threads=1)
            seconds, ratios = paired(lambda: reference.predict(one, verbose=0), lambda f=single: f(one),
                                     repeats, inner=20)
            rows.append({"model": kind, "batch": 1, "threads": 1, "latency_ms": seconds * 1000, **ratios,
                         "test_accuracy": accuracy})
    # The Keras model itself in a tf.function with a fixed input signature (traced once), as
    # trained (bfloat16 compute where the CPU has it) and as its float32 copy, the latter also
    # compiled by XLA (jit_compile): measured, not assumed.
    spec = [tf.TensorSpec((None, *x_test.shape[1:]), tf.float32)]
    one_tensor = tf.constant(one)
    float32 = as_float32(model)
    graphs = {"tf.function": (model, False), "tf.function, float32 copy": (float32, False),
              "tf.function, float32, XLA": (float32, True)}
    for kind, (keras_model, xla) in graphs.items():
        fn = tf.function(lambda x, m=keras_model: m(x, training=False), input_signature=spec, jit_compile=xla)
        accuracy = float((predict_in_batches(fn, x_test).argmax(1) == y_test).mean())
        for batch in (250, 1000):
            seconds, ratios = paired(reference_batch, lambda f=fn, b=batch: predict_in_batches(f, x_test, b),
                                     repeats)
            rows.append({"model": kind, "batch": batch, "threads": os.cpu_count(),
                         "images_per_second": len(x_test) / seconds, **ratios, "test_accuracy": accuracy})
        seconds, ratios = paired(lambda: reference.predict(one, verbose=0), lambda f=fn: f(one_tensor),
                                 repeats, inner=20)
        rows.append({"model": kind, "batch": 1, "threads": os.cpu_count(), "latency_ms": seconds * 1000,
                     **ratios, "test_accuracy": accuracy})
    reference_seconds = median_seconds(reference_batch, repeats)
    reference_one = median_seconds(lambda: reference.predict(one, verbose=0), 10 * repeats)
    result = {"machine": cpu_model(), "reference_predict_images_per_second": len(x_test) / reference_seconds,
              "reference_predict_one_ms": reference_one * 1000, "rows": rows, "quick": args.quick}
    RESULTS.mkdir(exist_ok=True)
    result["cpu_class"] = cpu_class()
    out = RESULTS / f"inference{results_suffix(args.quick)}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(format_table(result))
    print(f"\nwrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


def paired(reference, variant, rounds: int, inner: int = 3) -> tuple[float, dict]:
    """Time ``reference()`` and ``variant()`` back to back in each of ``rounds`` rounds (median of
    ``inner`` calls each, after warm-up) and compare them round by round.

    Returns:
        ``(seconds, ratios)``: the variant's median seconds per call over the rounds, and
        ``{"ratio": [low, high], "ratio_median": m}``, the reference's time over the variant's
        in the slowest round, the fastest round and the median round.
    """
    from benchmark import median_seconds

    times, per_round = [], []
    for _ in range(rounds):
        ref, var = median_seconds(reference, inner), median_seconds(variant, inner)
        times.append(var)
        per_round.append(ref / var)
    per_round.sort()
    return sorted(times)[len(times) // 2], {"ratio": [per_round[0], per_round[-1]],
                                             "ratio_median": per_round[len(per_round) // 2]}


def format_table(result: dict) -> str:
    """The rows of a result as a Markdown table: each ratio as the median round and the range from
    the slowest to the fastest round."""
    lines = [f"Machine: {result['machine']}; reference `predict`: "
             f"{result['reference_predict_images_per_second']:,.0f} img/s (batches of 1,000), "
             f"{result['reference_predict_one_ms']:.1f} ms for one image", "",
             "| model | batch | threads | img/s or ms per image | × reference predict: median "
             "(low–high round) | test acc |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        speed = (f"{r['images_per_second']:,.0f} img/s" if "images_per_second" in r
                 else f"{r['latency_ms']:.3f} ms")
        low, high = r["ratio"]
        span = f"{low:.1f}×" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}×"
        lines.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {speed} | "
                     f"{r['ratio_median']:.1f}× ({span}) | {r['test_accuracy']:.2%} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
