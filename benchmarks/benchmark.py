"""Benchmark the training recipes against the keras.io "Simple MNIST convnet", in one run.

    python benchmarks/benchmark.py              # full run (about 15 minutes on 2 CPU cores)
    python benchmarks/benchmark.py --quick      # smoke test: small data, 1 epoch, 1 seed

Every recipe of ``mnist_cnn.recipes`` trains on the same 54,000 training images (MNIST's
training set minus the last 10 %, as ``validation_split=0.1`` would leave) and is evaluated on
the 10,000 test images after every epoch. Training time is the wall clock of ``model.fit``,
graph building included and the per-epoch test evaluation excluded. Each run is a separate
process, so its peak RSS is its own. Because shared machines are noisy, the table reports every
speed as a ratio to the Keras example measured in the same run.

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
    return f"{name}, {os.cpu_count()} cores, {isa}"


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls, after two warm-up calls."""
    from mnist_cnn.export import median_ms

    return median_ms(fn, repeats, warmup=2) / 1000


def worker(recipe: str, seed: int, quick: bool) -> dict:
    """Train one recipe with one seed; return its measurements (runs in its own process)."""
    from dataclasses import replace

    import keras
    import tensorflow as tf

    from mnist_cnn.data import load_mnist, one_hot, preprocess
    from mnist_cnn.export import predict_in_batches
    from mnist_cnn.model import build_model, compile_model
    from mnist_cnn.recipes import get_recipe
    from mnist_cnn.train import set_seed

    config = replace(get_recipe(recipe), seed=seed)
    if quick:
        config = replace(config, epochs=1)
    (x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
    n_train = 6_000 if quick else 54_000
    x_train, y_train = preprocess(x_train[:n_train]), one_hot(y_train[:n_train])
    x_test = preprocess(x_test[:2_000] if quick else x_test)
    y_test = y_test[: len(x_test)]

    set_seed(config.seed)
    model = compile_model(build_model(config), config, num_train=n_train)
    serve = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def test_accuracy() -> float:
        return float((predict_in_batches(serve, x_test).argmax(1) == y_test).mean())

    class Clock(keras.callbacks.Callback):
        """Records (training seconds, test accuracy) per epoch, evaluation time excluded."""

        def __init__(self) -> None:
            super().__init__()
            self.start, self.paused, self.points = time.perf_counter(), 0.0, []

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            acc = test_accuracy()
            self.points.append((now - self.start - self.paused, acc))
            self.paused += time.perf_counter() - now

    clock = Clock()
    model.fit(x_train, y_train, batch_size=config.batch_size, epochs=config.epochs,
              verbose=0, callbacks=[clock], shuffle=True)
    fit_seconds = clock.points[-1][0]
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
    # LiteRT (float32, XNNPACK): batches of 250 on all cores, and one image at a time.
    import tempfile

    from mnist_cnn.export import tflite_predict_fn
    from mnist_cnn.export import export_tflite

    with tempfile.TemporaryDirectory() as tmp:
        path = export_tflite(model, Path(tmp) / "model.tflite")
        lite_batch = tflite_predict_fn(path, batch_size=250, threads=os.cpu_count())
        lite_one = tflite_predict_fn(path, batch_size=1, threads=1)
        batch_litert = median_seconds(lambda: lite_batch(x_test), 1 if quick else 3)
        latency["litert"] = median_seconds(lambda: lite_one(one), 20 if quick else 500)
        litert_agree = float((lite_batch(x_test).argmax(1) == reference).mean())
    return {
        "recipe": recipe, "seed": seed, "config": config.to_dict(), "params": model.count_params(),
        "epochs": [{"seconds": t, "test_accuracy": a} for t, a in clock.points],
        "fit_seconds": fit_seconds, "final_accuracy": clock.points[-1][1],
        "train_images_per_second": n_train * config.epochs / fit_seconds,
        "peak_rss_mb": peak_rss_mb,
        "predict_images_per_second": len(x_test) / batch_predict,
        "serve_images_per_second": len(x_test) / batch_serve,
        "latency_ms": {k: v * 1000 for k, v in latency.items()},
        "serve_agrees_with_predict": agree,
        "litert_images_per_second": len(x_test) / batch_litert,
        "litert_agrees_with_predict": litert_agree,
    }


def time_to(run: dict, threshold: float) -> float | None:
    """Training seconds until the test accuracy first reached ``threshold`` (None: never)."""
    return next((e["seconds"] for e in run["epochs"] if e["test_accuracy"] >= threshold), None)


def summarise(runs: list[dict]) -> list[dict]:
    """One row per recipe: means over seeds, and ratios to the reference recipe."""
    import numpy as np

    rows = []
    for recipe in dict.fromkeys(r["recipe"] for r in runs):
        rs = [r for r in runs if r["recipe"] == recipe]
        row = {"recipe": recipe, "seeds": len(rs), "params": rs[0]["params"]}
        for th in THRESHOLDS:
            times = [time_to(r, th) for r in rs]
            row[f"to_{th:.3f}"] = None if None in times else float(np.mean(times))
            row[f"to_{th:.3f}_all_seeds"] = None not in times
        for key in ("final_accuracy", "fit_seconds", "train_images_per_second",
                    "predict_images_per_second", "serve_images_per_second",
                    "litert_images_per_second"):
            row[key] = float(np.mean([r[key] for r in rs]))
        row["min_final_accuracy"] = float(min(r["final_accuracy"] for r in rs))
        row["peak_rss_mb"] = float(max(r["peak_rss_mb"] for r in rs))
        for k in rs[0]["latency_ms"]:
            row[f"latency_{k}_ms"] = float(np.mean([r["latency_ms"][k] for r in rs]))
        rows.append(row)
    ref = next((r for r in rows if r["recipe"] == REFERENCE), None)
    for row in rows:
        if ref is None:
            break
        t_ref, t = ref["to_0.990"], row["to_0.990"]
        row["speedup_to_0.990"] = t_ref / t if t_ref and t else None
        row["fit_time_ratio"] = row["fit_seconds"] / ref["fit_seconds"]
        row["serve_throughput_ratio"] = row["serve_images_per_second"] / ref["predict_images_per_second"]
        row["litert_throughput_ratio"] = row["litert_images_per_second"] / ref["predict_images_per_second"]
        row["latency_ratio"] = ref["latency_predict_ms"] / row["latency_tf_function_ms"]
        row["litert_latency_ratio"] = ref["latency_predict_ms"] / row["latency_litert_ms"]
    return rows


def format_table(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    def sec(v):
        return "never" if v is None else f"{v:.1f}"

    def ratio(v):
        return "–" if v is None else f"{v:.1f}×"

    head = ("| recipe | seeds | params | s to 99.0 % | s to 99.2 % | s to 99.5 % | final acc (min) | "
            "fit s | speed-up to 99.0 % | train img/s | predict img/s | tf.function img/s (× ref "
            "predict) | LiteRT img/s (× ref predict) | 1-image ms: predict / tf.function / LiteRT "
            "(× ref predict) | peak RSS MB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r['recipe']} | {r['seeds']} | {r['params']:,} | {sec(r['to_0.990'])} | "
            f"{sec(r['to_0.992'])} | {sec(r['to_0.995'])} | {r['final_accuracy']:.2%} "
            f"({r['min_final_accuracy']:.2%}) | {r['fit_seconds']:.1f} | "
            f"{ratio(r.get('speedup_to_0.990'))} | {r['train_images_per_second']:,.0f} | "
            f"{r['predict_images_per_second']:,.0f} | {r['serve_images_per_second']:,.0f} "
            f"({ratio(r.get('serve_throughput_ratio'))}) | {r['litert_images_per_second']:,.0f} "
            f"({ratio(r.get('litert_throughput_ratio'))}) | {r['latency_predict_ms']:.1f} / "
            f"{r['latency_tf_function_ms']:.2f} / {r['latency_litert_ms']:.3f} "
            f"({ratio(r.get('latency_ratio'))} / {ratio(r.get('litert_latency_ratio'))}) | "
            f"{r['peak_rss_mb']:,.0f} |")
    return "\n".join(lines)


def plot(runs: list[dict], path: Path) -> None:
    """Test accuracy against training seconds, one line per run."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    colors = {}
    for run in runs:
        color = colors.setdefault(run["recipe"], f"C{len(colors)}")
        xs = [0] + [e["seconds"] for e in run["epochs"]]
        ys = [0.9] + [e["test_accuracy"] * 100 for e in run["epochs"]]
        ax.plot(xs[1:], ys[1:], "o-", color=color, alpha=0.8, markersize=3,
                label=run["recipe"] if run["seed"] == min(r["seed"] for r in runs
                                                          if r["recipe"] == run["recipe"]) else None)
    for th in THRESHOLDS:
        ax.axhline(th * 100, color="gray", linewidth=0.8, linestyle=":")
    ax.set(xlabel="training wall-clock seconds (fit, evaluation excluded)", ylabel="test accuracy (%)",
           ylim=(98.0, 99.8), title="MNIST test accuracy vs training time (2-core CPU)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: small data, 1 epoch, 1 seed")
    parser.add_argument("--recipes", default="keras_example,tutorial,fast,accurate",
                        help="comma-separated recipe names (default: all)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per recipe except the reference")
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
    runs = []
    for name in names:
        for seed in range(1 if name == REFERENCE else seeds):
            cmd = [sys.executable, __file__, "--worker", name, str(seed)]
            cmd += ["--quick"] if args.quick else []
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"error: recipe {name} seed {seed} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                return 1
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            runs.append(run)
            print(f"{name} seed {seed}: {run['final_accuracy']:.2%} in {run['fit_seconds']:.1f} s, "
                  f"time to 99.0 %: {time_to(run, 0.99)}", flush=True)

    rows = summarise(runs)
    table = format_table(rows)
    import keras
    import tensorflow as tf

    meta = {"machine": cpu_model(), "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "quick": args.quick, "date": time.strftime("%Y-%m-%d")}
    suffix = "-quick" if args.quick else ""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"benchmark{suffix}.json"
    with atomic_path(out) as tmp:
        Path(tmp).write_text(json.dumps({"meta": meta, "summary": rows, "runs": runs}, indent=1))
    plot(runs, RESULTS / f"accuracy_vs_time{suffix}.png")
    print(f"\nMachine: {meta['machine']}; TensorFlow {meta['tensorflow']}, Keras {meta['keras']}\n")
    print(table)
    print(f"\nwrote {out.relative_to(RESULTS.parent.parent)} and accuracy_vs_time{suffix}.png")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
