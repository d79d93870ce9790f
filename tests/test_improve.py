"""Notebook 02's building blocks: harder test set, augmentation, tuning, transfer, explanations."""

import gzip
from dataclasses import replace

import numpy as np
import pytest

from mnist_cnn.config import Config
from mnist_cnn.data import MnistDataError, one_hot, preprocess
from mnist_cnn.evaluate import format_results, scorecard, shift_and_rotate
from mnist_cnn.explain import grad_cam
from mnist_cnn.fashion import load_fashion_mnist, read_idx
from mnist_cnn.model import build_model
from mnist_cnn.train import train
from mnist_cnn.transfer import conv_base, few_labels, learning_curve, transfer_model, unfreeze_for_fine_tuning

TINY = replace(Config(), filters=(4, 8), dense_units=16, batch_size=32, epochs=1,
               validation_split=0.0)


@pytest.fixture(scope="module")
def trained(request):
    from tests.conftest import make_digits

    x, y = make_digits(256)
    model, _ = train(preprocess(x), y, TINY, verbose=0)
    return model, preprocess(x), y


def test_shift_and_rotate_is_reproducible_and_changes_images(digits):
    x = preprocess(digits[0][:20])
    a, b = shift_and_rotate(x, seed=3), shift_and_rotate(x, seed=3)
    assert a.shape == x.shape and a.dtype == np.float32 and np.array_equal(a, b)
    assert not np.array_equal(a, x) and a.min() >= 0
    assert np.array_equal(shift_and_rotate(x, max_shift=0, max_rotation=0), x)


def test_scorecard_row(trained):
    model, x, y = trained
    predicted = model.predict(x, verbose=0).argmax(1)
    flipped = np.where(predicted == y, (predicted + 1) % 10, predicted)  # right exactly where it erred
    row = scorecard("m", model, {"val": (x, y), "flipped": (x, flipped)})
    assert row["val"] == pytest.approx((predicted == y).mean())
    assert row["flipped"] == pytest.approx(1 - row["val"])
    assert row["params"] == model.count_params()
    table = format_results([row, {**row, "model": "n"}]).splitlines()
    assert table[0] == "| model | val | flipped | params |"
    assert table[2].startswith(f"| m | {row['val']:.2%} |")


@pytest.mark.slow
def test_notebook_02_search_and_rebuilt_winner(digits):
    """Notebook 02's own build(hp), searched briefly; the winner rebuilt by tuner.hypermodel.build."""
    keras_tuner = pytest.importorskip("keras_tuner")
    import tempfile
    from pathlib import Path

    import jupytext
    import keras

    from mnist_cnn.tuning import trials_table

    source = Path(__file__).resolve().parents[1] / "notebooks" / "02_improving_the_model.py"
    cell = next(c.source for c in jupytext.read(source).cells if c.source.startswith("def build(hp)"))
    namespace = {"keras": keras}
    exec(cell, namespace)  # noqa: S102 - our own notebook's cell
    x, y = preprocess(digits[0][:96]), one_hot(digits[1][:96])
    tuner = keras_tuner.RandomSearch(namespace["build"], objective="val_accuracy", max_trials=2, seed=0,
                                     directory=tempfile.mkdtemp(), project_name="t")
    tuner.search(x[:64], y[:64], epochs=1, validation_data=(x[64:], y[64:]), verbose=0)
    table = trials_table(tuner)
    assert len(table) == 2 and list(table["val_accuracy"]) == sorted(table["val_accuracy"], reverse=True)
    assert {"filters_1", "filters_2", "dense_units", "dropout", "learning_rate"} <= set(table.columns)
    best = tuner.get_best_hyperparameters()[0]
    assert best.values == {k: v for k, v in table.iloc[0].items() if k != "val_accuracy"}
    winner = tuner.hypermodel.build(best)
    assert winner.layers[0].filters == best.values["filters_1"]
    assert winner.optimizer.learning_rate.numpy() == pytest.approx(best.values["learning_rate"])


def test_few_labels_is_balanced(digits):
    x, y = few_labels(*digits, per_class=3)
    assert len(y) == 30 and np.bincount(y, minlength=10).tolist() == [3] * 10


def test_transfer_model_on_a_frozen_copy_of_the_base(trained):
    source, x, y = trained
    base = conv_base(source)
    base.trainable = False
    model = transfer_model(base)
    assert [w.name for w in model.trainable_weights if "new_" not in w.path] == []  # only the head learns
    np.testing.assert_array_equal(base.get_layer("conv1").get_weights()[0],
                                  source.get_layer("conv1").get_weights()[0])
    assert base.get_layer("conv1") is not source.get_layer("conv1")  # a copy: training it cannot touch source
    fresh = conv_base(source, fresh=True)
    assert not np.array_equal(fresh.get_layer("conv1").get_weights()[0],
                              source.get_layer("conv1").get_weights()[0])
    import keras

    with pytest.raises(ValueError, match="no layer named 'flatten'"):
        conv_base(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.GlobalAveragePooling2D()]))
    table = learning_curve(source, x, y, x[:50], y[:50], per_class=(2,), epochs=1, fine_tune_epochs=1,
                           seeds=(0, 1))
    assert list(table["mode"]) == ["frozen", "fine-tune", "scratch"] * 2
    assert table["seed"].tolist() == [0, 0, 0, 1, 1, 1]
    assert table["test_accuracy"].between(0, 1).all()


def test_fine_tuning_keeps_batchnorm_statistics_and_trains_the_base(trained):
    import keras

    source, x, y = trained
    base = conv_base(source)
    base.trainable = False
    model = transfer_model(base)
    before = [w.copy() for w in base.get_weights()]
    head_before = model.get_layer("new_output").get_weights()[0].copy()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(x[:64], y[:64], epochs=1, verbose=0)
    for a, b in zip(before, base.get_weights()):
        np.testing.assert_array_equal(a, b)  # frozen: BatchNorm's running statistics included
    assert not np.array_equal(head_before, model.get_layer("new_output").get_weights()[0])
    unfreeze_for_fine_tuning(base)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(x[:64], y[:64], epochs=1, verbose=0)
    bn = base.get_layer("bn1")
    np.testing.assert_array_equal(bn.moving_mean.numpy(), source.get_layer("bn1").moving_mean.numpy())
    assert not np.array_equal(base.get_layer("conv1").get_weights()[0], before[0])  # the base learned


def test_explanations(trained):
    model, x, y = trained
    heat = grad_cam(model, x[:3], "relu2")
    assert heat.shape == (3, 28, 28) and heat.dtype == np.float32 and heat.min() >= 0 and heat.max() <= 1
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        grad_cam(model, x[:3], "nope")


def test_notebook_02_grad_cam_cell_is_explain_grad_cam_on_a_loaded_model(trained, tmp_path):
    """Notebook 02 works on notebook 01's saved model; a loaded Sequential's inner outputs once gave
    no gradient at all (the cell failed), so the test runs the cell on a model saved and loaded."""
    from pathlib import Path

    import jupytext
    import keras
    import tensorflow as tf

    from mnist_cnn.explain import upsample_heatmaps

    model, x, y = trained
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    source = Path(__file__).resolve().parents[1] / "notebooks" / "02_improving_the_model.py"
    cell = next(c.source for c in jupytext.read(source).cells if "tf.GradientTape()" in c.source)
    cell = cell.split("print(")[0]  # the computation, without the printout and the figure
    namespace = {"keras": keras, "tf": tf, "np": np, "model": loaded, "x_test": x[:40], "y_test": y[:40]}
    exec(cell, namespace)  # noqa: S102 - our own notebook's cell
    pick, pred = namespace["pick"], namespace["pred"]
    np.testing.assert_allclose(upsample_heatmaps(namespace["cam"]), grad_cam(loaded, x[:40][pick], "relu2"),
                               atol=1e-5)
    assert np.asarray(namespace["cam"]).max() > 0 and pred.shape == (40,)


def test_read_idx_and_fashion_errors(tmp_path):
    header = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
    assert read_idx(header + bytes(range(8)), "x").shape == (2, 2, 2)
    with pytest.raises(MnistDataError, match="truncated IDX file"):
        read_idx(header + bytes(3), "x")
    with pytest.raises(MnistDataError, match="not an IDX file"):
        read_idx(b"hello", "x")
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(MnistDataError, match="does not hold the four Fashion-MNIST"):
        load_fashion_mnist(tmp_path, verbose=False)


def test_new_plots_return_figures(trained):
    import pandas as pd
    from matplotlib.figure import Figure

    from mnist_cnn.plots import plot_grad_cam, plot_image_rows, plot_learning_curve

    model, x, y = trained
    assert isinstance(plot_image_rows([x[:3], x[:2]], ["a", "b"]), Figure)
    fig = plot_grad_cam(x[:2], grad_cam(model, x[:2]), y[:2], y[:2])
    assert len(fig.axes) == 2
    table = pd.DataFrame({"labels_per_class": [1, 2, 1, 2], "mode": ["a", "a", "b", "b"],
                          "test_accuracy": [0.1, 0.2, 0.3, 0.4]})
    assert len(plot_learning_curve(table).axes[0].lines) == 2
    assert build_model(TINY).output_shape == (None, 10)


@pytest.mark.slow
def test_grad_cam_heat_falls_on_the_object():
    # Each synthetic class is a bright square at its own place: the evidence for the class is
    # the square, so a trained model's heat should sit there rather than on the background.
    from tests.conftest import make_digits

    x, y = make_digits(512)
    config = replace(Config(), filters=(8, 16), dense_units=32, epochs=4, validation_split=0.0)
    model, _ = train(preprocess(x), y, config, verbose=0)
    images, labels = preprocess(x[:40]), y[:40]
    heat = grad_cam(model, images)
    on, off = [], []
    for h, label in zip(heat, labels):
        mask = np.zeros((28, 28), bool)
        r, c = 3 + 12 * (label // 5), 2 + 5 * (label % 5)
        mask[r:r + 6, c:c + 6] = True
        on.append(h[mask].mean())
        off.append(h[~mask].mean())
    on, off = np.array(on), np.array(off)
    assert (on > off).mean() >= 0.7 and on.mean() > 1.5 * off.mean()
