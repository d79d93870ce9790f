"""Benchmark the training recipes against the keras.io "Simple MNIST convnet", in one run.

    python benchmarks/benchmark.py              # full run (about 25 minutes on 2 CPU cores)
    python benchmarks/benchmark.py --quick      # smoke test: small data, 1 epoch, 1 seed

Every recipe of ``mnist_cnn.recipes`` trains on the same 54,000 training images (MNIST's
training set minus its last 6,000, the validation split that ``validation_split=0.1`` would
leave). After every epoch, outside the timed span, the run records its accuracy on that
validation split (what "time to 99.0 %" is decided on) and on the 10,000 test images (kept for
the plot only, labelled as such); the table reports test accuracy once, at the end of each run.

Training time is the wall clock from just before ``model.fit`` (building the recipe's input
pipeline included) to the end of each epoch, graph tracing included (and also reported on its
own). Recipes fed through NumPy arrays get the images already scaled to [0, 1] (outside the
span, as the notebook does it); a recipe with a ``tf.data`` pipeline starts from the uint8 images
and scales them inside the span. Each run is a separate process, so its peak RSS is its own.
Shared machines drift, so the reference (the Keras example) runs at the start AND at the end of
the run, and every speed is a ratio to it, reported as the range over the two reference runs.
Achieved training GFLOP/s is set against the machine's single-precision matrix-multiply (SGEMM)
rate, measured at the start and end with NumPy and TensorFlow.

Writes ``benchmarks/results/benchmark[-quick].json`` and ``accuracy_vs_time[-quick].png`` and
prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

RESULTS = Path(__file__).resolve().parent / "results"
THRESHOLDS = (0.990, 0.992, 0.995)
REFERENCE = "keras_example"
N_TRAIN, N_VAL = 54_000, 6_000
LITERT_BATCH = 250  # images per LiteRT call (benchmarks/inference.py compares 250 and 1,000)


def cpu_model() -> str:
    """Return the CPU's model name and the vector extensions that matter for TensorFlow."""
    name, flags = platform.processor() or "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    if "amx_bf16" in flags:
        isa += " with AMX"
    elif "avx512_bf16" in flags:
        isa += " with BF16"
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA")
    capped = f", oneDNN capped at ONEDNN_MAX_CPU_ISA={cap}" if cap else ""
    return f"{name}, {os.cpu_count()} cores, {isa}{capped}"


def cpu_class() -> str:
    """``"bfloat16"`` where the CPU computes bfloat16 natively (AVX-512 BF16 or AMX, oneDNN not
    capped below them), else ``"float32"`` (AVX2 CPUs): the recipes' class
    (``mnist_cnn.recipes.get_recipe``). Each class has its own committed results:
    ``results/benchmark.json`` and ``results/benchmark-float32.json``."""
    from mnist_cnn.speed import compute_class

    return compute_class()[0]


def results_suffix(quick: bool) -> str:
    """The ending of a results file's name: ``-float32`` for that class, ``-quick`` for a smoke test."""
    return ("" if cpu_class() == "bfloat16" else f"-{cpu_class()}") + ("-quick" if quick else "")


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls, after two warm-up calls."""
    from mnist_cnn.export import median_ms

    return median_ms(fn, repeats, warmup=2) / 1000


def sgemm_gflops(n: int = 1024, repeats: int = 5) -> dict[str, float]:
    """The machine's float32 matrix-multiply rate in GFLOP/s (``n`` x ``n`` @ ``n`` x ``n``,
    2 n^3 FLOPs), with NumPy's BLAS and with TensorFlow's ``matmul`` (all cores)."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    flops = 2 * n**3
    return {"numpy": flops / median_seconds(lambda: a @ b, repeats) / 1e9,
            "tensorflow": flops / median_seconds(lambda: tf.linalg.matmul(ta, tb).numpy(), repeats) / 1e9}


def forward_flops(model) -> int:
    """Multiply-add FLOPs (2 per multiply-accumulate) of one image through ``model``'s Conv2D
    and Dense layers; a training step costs about 3x this per image (forward + two backward)."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            k_h, k_w, c_in, _ = layer.kernel.shape
            total += 2 * h * w * k_h * k_w * c_in * c_out
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1])
    return int(total)


def worker(recipe: str, seed: int, quick: bool) -> dict:
    """Train one recipe with one seed; return its measurements (runs in its own process)."""
    import math
    from dataclasses import replace

    import keras
    import tensorflow as tf

    from mnist_cnn.data import load_mnist, one_hot, preprocess
    from mnist_cnn.evaluate import shift_averaged
    from mnist_cnn.export import predict_in_batches
    from mnist_cnn.model import build_model, compile_model, steps_per_epoch
    from mnist_cnn.recipes import get_recipe
    from mnist_cnn.train import fit_inputs, set_seed

    config = replace(get_recipe(recipe), seed=seed)
    if quick:
        config = replace(config, epochs=1)
    (x_all, y_all), (x_test, y_test) = load_mnist(verbose=False)
    n_train, n_val = (6_000, 1_000) if quick else (N_TRAIN, N_VAL)
    # Recipes with a tf.data pipeline start from the uint8 images as loaded and scale them in
    # the timed span; the others get them preprocessed, outside it (as the notebook does).
    if config.input_pipeline == "tf.data":
        x_train, y_train = x_all[:n_train], y_all[:n_train]
    else:
        x_train, y_train = preprocess(x_all[:n_train]), one_hot(y_all[:n_train])
    x_val, y_val = preprocess(x_all[N_TRAIN : N_TRAIN + n_val]), y_all[N_TRAIN : N_TRAIN + n_val]
    x_test = preprocess(x_test[:2_000] if quick else x_test)
    y_test = y_test[: len(x_test)]

    set_seed(config.seed)
    model = compile_model(build_model(config), config, num_train=n_train)
    serve = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def accuracy(x, y) -> float:  # with the recipe's test-time shift averaging, if any
        probs = shift_averaged(lambda images: predict_in_batches(serve, images), x, config.shift_average)
        return float((probs.argmax(1) == y).mean())

    class Clock(keras.callbacks.Callback):
        """Per epoch: training seconds and validation / test accuracy (evaluation excluded from
        the time); also the time to the end of the first call into the graph (tracing + steps)."""

        def __init__(self) -> None:
            super().__init__()
            self.start, self.paused, self.points, self.first_call = time.perf_counter(), 0.0, [], None

        def on_train_batch_end(self, batch, logs=None):
            if self.first_call is None:
                self.first_call = time.perf_counter() - self.start

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.points.append({"seconds": now - self.start - self.paused,
                                "val_accuracy": accuracy(x_val, y_val),
                                "test_accuracy": accuracy(x_test, y_test)})
            self.paused += time.perf_counter() - now

    clock = Clock()
    model.fit(**fit_inputs(x_train, y_train, config), epochs=config.epochs, verbose=0, callbacks=[clock])
    fit_seconds = clock.points[-1]["seconds"]
    # Tracing: the first call into the graph minus what a steady call takes.
    calls = math.ceil(steps_per_epoch(n_train, config) / config.steps_per_execution) * config.epochs
    steady_call = (fit_seconds - clock.first_call) / max(calls - 1, 1)
    tracing_seconds = max(clock.first_call - steady_call, 0.0)
    flops = forward_flops(model)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # Inference: Keras's predict vs a tf.function around the model, same weights.
    batch_predict = median_seconds(lambda: model.predict(x_test, batch_size=1000, verbose=0),
                                   1 if quick else 3)
    batch_serve = median_seconds(
        lambda: [serve(tf.constant(x_test[i : i + 1000])) for i in range(0, len(x_test), 1000)],
        1 if quick else 3)
    one = x_test[:1]
    one_tensor = tf.constant(one)
    latency = {
        "predict": median_seconds(lambda: model.predict(one, verbose=0), 5 if quick else 30),
        "direct_call": median_seconds(lambda: model(one_tensor, training=False), 20 if quick else 200),
        "tf_function": median_seconds(lambda: serve(one_tensor), 20 if quick else 500),
    }
    reference = model.predict(x_test, batch_size=1000, verbose=0).argmax(1)
    agree = float((reference == predict_in_batches(serve, x_test).argmax(1)).mean())
    # LiteRT (XNNPACK), float32 and int8 (calibrated on training images): batches of
    # LITERT_BATCH on all cores, and one image at a time.
    import tempfile

    from mnist_cnn.export import export_tflite, tflite_predict_fn

    with tempfile.TemporaryDirectory() as tmp:
        path = export_tflite(model, Path(tmp) / "model.tflite")
        lite_batch = tflite_predict_fn(path, batch_size=LITERT_BATCH, threads=os.cpu_count())
        lite_one = tflite_predict_fn(path, batch_size=1, threads=1)
        batch_litert = median_seconds(lambda: lite_batch(x_test), 1 if quick else 3)
        latency["litert"] = median_seconds(lambda: lite_one(one), 20 if quick else 500)
        litert_agree = float((lite_batch(x_test).argmax(1) == reference).mean())
        int8 = export_tflite(model, Path(tmp) / "int8.tflite", representative=preprocess(x_all[:300]))
        int8_batch = tflite_predict_fn(int8, batch_size=LITERT_BATCH, threads=os.cpu_count())
        batch_int8 = median_seconds(lambda: int8_batch(x_test), 1 if quick else 3)
        int8_test_accuracy = float((int8_batch(x_test).argmax(1) == y_test).mean())
    return {
        "recipe": recipe, "seed": seed, "config": config.to_dict(), "params": model.count_params(),
        "epochs": clock.points,
        "fit_seconds": fit_seconds, "tracing_seconds": tracing_seconds,
        "val_accuracy": clock.points[-1]["val_accuracy"],
        "test_accuracy": clock.points[-1]["test_accuracy"],
        "train_images_per_second": n_train * config.epochs / fit_seconds,
        "forward_mflops_per_image": flops / 1e6,
        "train_gflops_per_second": 3 * flops * n_train * config.epochs / fit_seconds / 1e9,
        "peak_rss_mb": peak_rss_mb,
        "predict_images_per_second": len(x_test) / batch_predict,
        "serve_images_per_second": len(x_test) / batch_serve,
        "latency_ms": {k: v * 1000 for k, v in latency.items()},
        "serve_agrees_with_predict": agree,
        "litert_images_per_second": len(x_test) / batch_litert,
        "litert_agrees_with_predict": litert_agree,
        "litert_int8_images_per_second": len(x_test) / batch_int8,
        "litert_int8_test_accuracy": int8_test_accuracy,
    }


def time_to(run: dict, threshold: float) -> float | None:
    """Training seconds until the VALIDATION accuracy first reached ``threshold`` (None: never).
    The decision "reached" is made on the validation split, never on the test set."""
    return next((e["seconds"] for e in run["epochs"] if e["val_accuracy"] >= threshold), None)


def ratio_range(values: list[float | None]) -> list[float] | None:
    """``[min, max]`` of the ratios measured against each reference run (None if any is missing)."""
    if not values or None in values:
        return None
    return [float(min(values)), float(max(values))]


def summarise(runs: list[dict], sgemm_gflops_per_second: float | None = None) -> list[dict]:
    """One row per recipe: means over its runs, and each speed as a ratio to every reference run
    (the Keras example at the start and at the end), given as a ``[low, high]`` range."""
    import numpy as np

    refs = [r for r in runs if r["recipe"] == REFERENCE]
    rows = []
    for recipe in dict.fromkeys(r["recipe"] for r in runs):
        rs = [r for r in runs if r["recipe"] == recipe]
        row = {"recipe": recipe, "runs": len(rs), "seeds": len({r["seed"] for r in rs}),
               "params": rs[0]["params"], "shift_average": rs[0].get("config", {}).get("shift_average", 0)}
        for th in THRESHOLDS:
            times = [time_to(r, th) for r in rs]
            row[f"to_{th:.3f}"] = None if None in times else float(np.mean(times))
            row[f"to_{th:.3f}_all_runs"] = None not in times
        for key in ("test_accuracy", "val_accuracy", "fit_seconds", "tracing_seconds",
                    "train_images_per_second", "train_gflops_per_second", "predict_images_per_second",
                    "serve_images_per_second", "litert_images_per_second",
                    "litert_int8_images_per_second", "litert_int8_test_accuracy"):
            row[key] = float(np.mean([r[key] for r in rs]))
        row["min_test_accuracy"] = float(min(r["test_accuracy"] for r in rs))
        row["sgemm_fraction"] = (row["train_gflops_per_second"] / sgemm_gflops_per_second
                                 if sgemm_gflops_per_second else None)
        row["peak_rss_mb"] = float(max(r["peak_rss_mb"] for r in rs))
        for k in rs[0]["latency_ms"]:
            row[f"latency_{k}_ms"] = float(np.mean([r["latency_ms"][k] for r in rs]))
        if refs:
            t = row["to_0.990"]
            row["speedup_to_0.990"] = ratio_range(
                [time_to(ref, 0.990) / t if t and time_to(ref, 0.990) else None for ref in refs])
            row["fit_time_ratio"] = ratio_range([row["fit_seconds"] / ref["fit_seconds"] for ref in refs])
            row["serve_throughput_ratio"] = ratio_range(
                [row["serve_images_per_second"] / ref["predict_images_per_second"] for ref in refs])
            row["litert_throughput_ratio"] = ratio_range(
                [row["litert_images_per_second"] / ref["predict_images_per_second"] for ref in refs])
            row["litert_int8_throughput_ratio"] = ratio_range(
                [row["litert_int8_images_per_second"] / ref["predict_images_per_second"] for ref in refs])
            row["latency_ratio"] = ratio_range(
                [ref["latency_ms"]["predict"] / row["latency_tf_function_ms"] for ref in refs])
            row["litert_latency_ratio"] = ratio_range(
                [ref["latency_ms"]["predict"] / row["latency_litert_ms"] for ref in refs])
        rows.append(row)
    return rows


def format_table(rows: list[dict]) -> str:
    """The results as a Markdown table (ratios: low–high over the two reference runs)."""
    def sec(v):
        return "never" if v is None else f"{v:.1f}"

    def ratio(v):
        if v is None:
            return "–"
        lo, hi = v
        return f"{lo:.1f}×" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}–{hi:.1f}×"

    def pct(v):
        return "–" if v is None else f"{v:.0%}"

    def scoring(shift):  # accuracy with test-time shift averaging (Config.shift_average)
        return f" (accuracy: ±{shift} px shift-averaged)" if shift else ""

    head = ("| recipe | runs | params | s to 99.0 % val | s to 99.2 % val | s to 99.5 % val | "
            "test acc at end: mean (min) | fit s (of which tracing) | speed-up to 99.0 % val | "
            "train img/s | train GFLOP/s (of SGEMM) | predict img/s | tf.function img/s (× ref "
            "predict) | LiteRT img/s (× ref predict) | LiteRT int8 img/s (× ref predict), test acc "
            "| 1-image ms: predict / tf.function / LiteRT "
            "(× ref predict) | peak RSS MB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r['recipe']}{scoring(r.get('shift_average'))} | {r['runs']} | {r['params']:,} | "
            f"{sec(r['to_0.990'])} | "
            f"{sec(r['to_0.992'])} | {sec(r['to_0.995'])} | {r['test_accuracy']:.2%} "
            f"({r['min_test_accuracy']:.2%}) | {r['fit_seconds']:.1f} ({r['tracing_seconds']:.1f}) | "
            f"{ratio(r.get('speedup_to_0.990'))} | {r['train_images_per_second']:,.0f} | "
            f"{r['train_gflops_per_second']:.1f} ({pct(r['sgemm_fraction'])}) | "
            f"{r['predict_images_per_second']:,.0f} | {r['serve_images_per_second']:,.0f} "
            f"({ratio(r.get('serve_throughput_ratio'))}) | {r['litert_images_per_second']:,.0f} "
            f"({ratio(r.get('litert_throughput_ratio'))}) | {r['litert_int8_images_per_second']:,.0f} "
            f"({ratio(r.get('litert_int8_throughput_ratio'))}), {r['litert_int8_test_accuracy']:.2%} | "
            f"{r['latency_predict_ms']:.1f} / "
            f"{r['latency_tf_function_ms']:.2f} / {r['latency_litert_ms']:.3f} "
            f"({ratio(r.get('latency_ratio'))} / {ratio(r.get('litert_latency_ratio'))}) | "
            f"{r['peak_rss_mb']:,.0f} |")
    return "\n".join(lines)


def plot(runs: list[dict], path: Path) -> None:
    """Per-epoch TEST accuracy against training seconds, one line per run (for the picture only:
    every decision in the table is made on the validation split)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    colors, labelled = {}, set()
    for run in runs:
        color = colors.setdefault(run["recipe"], f"C{len(colors)}")
        xs = [e["seconds"] for e in run["epochs"]]
        ys = [e["test_accuracy"] * 100 for e in run["epochs"]]
        ax.plot(xs, ys, "o-", color=color, alpha=0.8, markersize=3,
                label=None if run["recipe"] in labelled else run["recipe"])
        labelled.add(run["recipe"])
    for th in THRESHOLDS:
        ax.axhline(th * 100, color="gray", linewidth=0.8, linestyle=":")
    ax.set(xlabel="training wall-clock seconds (fit incl. tracing, evaluation excluded)",
           ylabel="test accuracy per epoch (%) – plot only", ylim=(98.0, 99.8),
           title="MNIST test accuracy vs training time (2-core CPU)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: small data, 1 epoch, 1 seed")
    parser.add_argument("--recipes", default="keras_example,tutorial,fast,accurate",
                        help="comma-separated recipe names (default: all)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds per recipe (the reference runs seed 0 twice: first and last)")
    parser.add_argument("--worker", nargs=2, metavar=("RECIPE", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.quick)))
        return 0

    from mnist_cnn._files import atomic_path
    from mnist_cnn.recipes import RECIPES

    names = [n.strip() for n in args.recipes.split(",") if n.strip()]
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        print(f"error: unknown recipe(s) {', '.join(unknown)}; choose from {', '.join(RECIPES)}",
              file=sys.stderr)
        return 2
    seeds = 1 if args.quick else args.seeds
    # The reference runs first and again last, so drift over the run shows up as a ratio range.
    plan = [(REFERENCE, 0, "start")] if REFERENCE in names else []
    plan += [(name, seed, "") for name in names if name != REFERENCE for seed in range(seeds)]
    plan += [(REFERENCE, 0, "end")] if REFERENCE in names else []
    print(f"Machine: {cpu_model()}; the recipes compute in {cpu_class()}", flush=True)
    sgemm = {"start": sgemm_gflops()}
    runs = []
    for name, seed, position in plan:
        cmd = [sys.executable, __file__, "--worker", name, str(seed)]
        cmd += ["--quick"] if args.quick else []
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"error: recipe {name} seed {seed} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            return 1
        run = json.loads(proc.stdout.strip().splitlines()[-1])
        run["position"] = position
        runs.append(run)
        print(f"{name} seed {seed}{f' ({position})' if position else ''}: val {run['val_accuracy']:.2%}, "
              f"test {run['test_accuracy']:.2%} in {run['fit_seconds']:.1f} s (tracing "
              f"{run['tracing_seconds']:.1f} s), time to 99.0 % val: {time_to(run, 0.99)}", flush=True)
    sgemm["end"] = sgemm_gflops()

    sgemm_tf = (sgemm["start"]["tensorflow"] + sgemm["end"]["tensorflow"]) / 2
    rows = summarise(runs, sgemm_tf)
    table = format_table(rows)
    import keras
    import tensorflow as tf

    meta = {"machine": cpu_model(), "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "quick": args.quick, "date": time.strftime("%Y-%m-%d"),
            "sgemm_gflops_per_second": sgemm}
    compute = cpu_class()
    meta["cpu_class"] = compute
    suffix = results_suffix(args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"benchmark{suffix}.json"
    with atomic_path(out) as tmp:
        Path(tmp).write_text(json.dumps({"meta": meta, "summary": rows, "runs": runs}, indent=1))
    plot(runs, RESULTS / f"accuracy_vs_time{suffix}.png")
    print(f"\nMachine: {meta['machine']} ({compute} class); TensorFlow {meta['tensorflow']}, "
          f"Keras {meta['keras']}; "
          f"SGEMM {fmt_sgemm(sgemm)}\n")
    print(table)
    print(f"\nwrote {out.relative_to(RESULTS.parent.parent)} and accuracy_vs_time{suffix}.png")
    return 0


def fmt_sgemm(sgemm: dict) -> str:
    """'NumPy a–b, TensorFlow c–d GFLOP/s' over the start and end measurements."""
    def span(key):
        lo, hi = sorted(s[key] for s in sgemm.values())
        return f"{lo:.0f}–{hi:.0f}"

    return f"NumPy {span('numpy')}, TensorFlow {span('tensorflow')} GFLOP/s (start–end)"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
