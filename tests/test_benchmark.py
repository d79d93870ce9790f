"""benchmarks/benchmark.py: the table's arithmetic (no timing is asserted anywhere)."""

import sys
from pathlib import Path

import keras
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import benchmark  # noqa: E402


def fake_run(recipe, seed, curve, fit=None, predict_ips=1000.0, latency_predict=40.0, test=None):
    """A worker result whose validation accuracy follows ``curve`` [(seconds, val_acc), ...]."""
    epochs = [{"seconds": t, "val_accuracy": a, "test_accuracy": a - 0.001} for t, a in curve]
    return {"recipe": recipe, "seed": seed, "params": 10, "epochs": epochs,
            "fit_seconds": fit or curve[-1][0], "tracing_seconds": 0.5,
            "val_accuracy": curve[-1][1], "test_accuracy": test if test is not None else curve[-1][1] - 0.001,
            "train_images_per_second": 100.0, "train_gflops_per_second": 20.0, "peak_rss_mb": 900.0 + seed,
            "predict_images_per_second": predict_ips, "serve_images_per_second": 5000.0,
            "litert_images_per_second": 6000.0, "litert_int8_images_per_second": 8000.0,
            "litert_int8_test_accuracy": 0.99,
            "latency_ms": {"predict": latency_predict, "direct_call": 2.0, "tf_function": 0.5,
                           "litert": 0.04}}


def test_time_to_threshold_is_decided_on_validation_accuracy():
    run = fake_run("x", 0, [(10, 0.985), (20, 0.991), (30, 0.993)])
    run["epochs"][0]["test_accuracy"] = 0.999  # a test score never decides anything
    assert benchmark.time_to(run, 0.990) == 20
    assert benchmark.time_to(run, 0.995) is None


def test_ratios_are_ranges_over_the_reference_at_start_and_end():
    runs = [fake_run("keras_example", 0, [(50, 0.985), (100, 0.990)]),
            fake_run("fast", 0, [(4, 0.991)]), fake_run("fast", 1, [(6, 0.992)]),
            fake_run("keras_example", 0, [(60, 0.985), (120, 0.990)], predict_ips=1250.0,
                     latency_predict=50.0)]
    rows = {r["recipe"]: r for r in benchmark.summarise(runs, sgemm_gflops_per_second=100.0)}
    fast, ref = rows["fast"], rows["keras_example"]
    assert fast["to_0.990"] == 5 and fast["to_0.990_all_runs"]
    assert fast["speedup_to_0.990"] == [20, 24]  # 100 / 5 and 120 / 5
    assert fast["serve_throughput_ratio"] == [4, 5] and fast["litert_throughput_ratio"] == [4.8, 6]
    assert fast["latency_ratio"] == [80, 100] and fast["litert_latency_ratio"] == [1000, 1250]
    assert fast["litert_int8_throughput_ratio"] == [6.4, 8]
    assert ref["runs"] == 2 and ref["seeds"] == 1
    assert ref["fit_time_ratio"] == pytest.approx([110 / 120, 110 / 100])  # the drift itself
    assert fast["peak_rss_mb"] == 901 and fast["min_test_accuracy"] == pytest.approx(0.990)
    assert fast["sgemm_fraction"] == pytest.approx(0.2)
    table = benchmark.format_table(list(rows.values()))
    assert "| fast | 2 |" in table and "20.0–24.0×" in table and "20.0 (20%)" in table


def test_a_run_that_never_reaches_the_threshold_is_not_averaged_away():
    runs = [fake_run("keras_example", 0, [(100, 0.990)]),
            fake_run("fast", 0, [(4, 0.991)]), fake_run("fast", 1, [(6, 0.989)])]
    fast = benchmark.summarise(runs)[1]
    assert fast["to_0.990"] is None and not fast["to_0.990_all_runs"]
    assert fast["speedup_to_0.990"] is None
    assert fast["sgemm_fraction"] is None
    assert "never" in benchmark.format_table([fast])


def test_a_shift_averaged_recipe_says_so_in_the_table():
    run = fake_run("accurate", 0, [(100, 0.996)])
    run["config"] = {"shift_average": 1}
    table = benchmark.format_table(benchmark.summarise([run, fake_run("fast", 0, [(4, 0.991)])]))
    assert "| accurate (accuracy: ±1 px shift-averaged) | 1 |" in table and "| fast | 1 |" in table


def test_without_the_reference_there_are_no_ratios():
    rows = benchmark.summarise([fake_run("fast", 0, [(4, 0.991)])])
    assert "speedup_to_0.990" not in rows[0]
    assert "| fast | 1 |" in benchmark.format_table(rows)


def test_forward_flops_counts_conv_and_dense_multiply_adds():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    conv = 2 * 26 * 26 * 3 * 3 * 1 * 4
    dense = 2 * (26 * 26 * 4) * 10
    assert benchmark.forward_flops(model) == conv + dense


def test_inference_table_gives_each_ratio_as_a_range():
    import inference

    result = {"machine": "cpu", "reference_predict_images_per_second": 10_000.0,
              "reference_predict_one_ms": 50.0,
              "rows": [{"model": "int8", "batch": 250, "threads": 2, "images_per_second": 45_000.0,
                        "ratio": [4.2, 4.8], "ratio_median": 4.5, "test_accuracy": 0.991},
                       {"model": "float32", "batch": 1, "threads": 1, "latency_ms": 0.04,
                        "ratio": [1250.0, 1250.0], "ratio_median": 1250.0,
                        "test_accuracy": 0.9912}]}
    table = inference.format_table(result).splitlines()
    assert table[-2] == "| int8 | 250 | 2 | 45,000 img/s | 4.5× (4.2–4.8×) | 99.10% |"
    assert table[-1] == "| float32 | 1 | 1 | 0.040 ms | 1250.0× (1250.0×) | 99.12% |"


def test_paired_timing_compares_reference_and_variant_round_by_round(monkeypatch):
    import inference

    # Each round times the reference, then the variant; the machine halves its speed in round 2.
    timings = iter([0.4, 0.1, 0.8, 0.25, 0.4, 0.08])
    monkeypatch.setattr(benchmark, "median_seconds", lambda fn, repeats: next(timings))
    seconds, ratios = inference.paired(lambda: None, lambda: None, rounds=3)
    assert seconds == 0.1  # the variant's median round
    assert ratios["ratio"] == pytest.approx([3.2, 5.0])
    assert ratios["ratio_median"] == pytest.approx(4.0)
