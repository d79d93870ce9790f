"""benchmarks/benchmark.py: the table's arithmetic (no timing is asserted anywhere)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import benchmark  # noqa: E402


def fake_run(recipe, seed, curve, fit=None):
    epochs = [{"seconds": t, "test_accuracy": a} for t, a in curve]
    return {"recipe": recipe, "seed": seed, "params": 10, "epochs": epochs,
            "fit_seconds": fit or curve[-1][0], "final_accuracy": curve[-1][1],
            "train_images_per_second": 100.0, "peak_rss_mb": 900.0 + seed,
            "predict_images_per_second": 1000.0, "serve_images_per_second": 5000.0,
            "litert_images_per_second": 6000.0,
            "latency_ms": {"predict": 40.0, "direct_call": 2.0, "tf_function": 0.5, "litert": 0.04}}


def test_time_to_threshold():
    run = fake_run("x", 0, [(10, 0.985), (20, 0.991), (30, 0.993)])
    assert benchmark.time_to(run, 0.990) == 20
    assert benchmark.time_to(run, 0.995) is None


def test_summary_ratios_against_the_keras_example():
    runs = [fake_run("keras_example", 0, [(50, 0.985), (100, 0.990)]),
            fake_run("fast", 0, [(4, 0.991)]), fake_run("fast", 1, [(6, 0.992)])]
    rows = {r["recipe"]: r for r in benchmark.summarise(runs)}
    fast = rows["fast"]
    assert fast["to_0.990"] == 5 and fast["to_0.990_all_seeds"]
    assert fast["speedup_to_0.990"] == 20
    assert fast["serve_throughput_ratio"] == 5 and fast["latency_ratio"] == 80
    assert fast["litert_throughput_ratio"] == 6 and fast["litert_latency_ratio"] == 1000
    assert fast["peak_rss_mb"] == 901 and fast["min_final_accuracy"] == 0.991
    table = benchmark.format_table(list(rows.values()))
    assert "| fast | 2 |" in table and "20.0×" in table


def test_a_seed_that_never_reaches_the_threshold_is_not_averaged_away():
    runs = [fake_run("keras_example", 0, [(100, 0.990)]),
            fake_run("fast", 0, [(4, 0.991)]), fake_run("fast", 1, [(6, 0.989)])]
    fast = benchmark.summarise(runs)[1]
    assert fast["to_0.990"] is None and not fast["to_0.990_all_seeds"]
    assert fast["speedup_to_0.990"] is None
