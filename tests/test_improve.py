"""Notebook 02's building blocks: harder test set, augmentation, tuning, transfer, explanations."""

import gzip
from dataclasses import replace

import numpy as np
import pytest

from mnist_cnn.config import Config
from mnist_cnn.data import MnistDataError, one_hot, preprocess
from mnist_cnn.evaluate import scorecard, shift_and_rotate
from mnist_cnn.explain import feature_maps, first_layer_filters, grad_cam
from mnist_cnn.fashion import load_fashion_mnist, read_idx
from mnist_cnn.model import build_model
from mnist_cnn.train import train
from mnist_cnn.transfer import few_labels, learning_curve, transfer_model

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
    row = scorecard("m", model, 1.234, x, y, x)
    assert row["test accuracy"] == row["shifted/rotated accuracy"] and row["drop (points)"] == 0
    assert row["params"] == model.count_params() and row["training s"] == 1.2


@pytest.mark.slow
def test_tuner_search_space_and_table(digits):
    keras_tuner = pytest.importorskip("keras_tuner")
    import tempfile

    from mnist_cnn.model import compile_model
    from mnist_cnn.tuning import config_from_hp, trials_table

    hp = keras_tuner.HyperParameters()
    config = config_from_hp(hp, TINY)
    assert config.filters[0] in (16, 24, 32) and 0.0 <= config.dropout <= 0.5
    assert config.epochs == TINY.epochs  # what is not searched comes from the base

    def build(hp):
        chosen = config_from_hp(hp, TINY)
        return compile_model(build_model(chosen), chosen, num_train=64)

    x, y = preprocess(digits[0][:96]), one_hot(digits[1][:96])
    tuner = keras_tuner.RandomSearch(build, objective="val_accuracy", max_trials=2, seed=0,
                                     directory=tempfile.mkdtemp(), project_name="t")
    tuner.search(x[:64], y[:64], epochs=1, validation_data=(x[64:], y[64:]), verbose=0)
    table = trials_table(tuner)
    assert len(table) == 2 and list(table["val_accuracy"]) == sorted(table["val_accuracy"], reverse=True)
    assert {"filters_1", "filters_2", "dense_units", "dropout", "learning_rate"} <= set(table.columns)


def test_few_labels_is_balanced(digits):
    x, y = few_labels(*digits, per_class=3)
    assert len(y) == 30 and np.bincount(y, minlength=10).tolist() == [3] * 10


def test_transfer_modes(trained):
    source, x, y = trained
    frozen = transfer_model(source, "frozen")
    base = frozen.get_layer("conv_base")
    assert not base.trainable and base.count_params() > 0
    assert all(layer.trainable for layer in frozen.layers if layer.name.startswith("new_"))
    np.testing.assert_array_equal(base.get_layer("conv1").get_weights()[0],
                                  source.get_layer("conv1").get_weights()[0])
    assert base.get_layer("conv1") is not source.get_layer("conv1")  # a copy: training it cannot touch source
    fine = transfer_model(source, "fine-tune")
    assert fine.get_layer("conv_base").trainable
    assert fine.get_layer("conv_base").get_layer("bn1").momentum == 0.9
    scratch = transfer_model(source, "scratch")
    assert not np.array_equal(scratch.get_layer("conv_base").get_layer("conv1").get_weights()[0],
                              source.get_layer("conv1").get_weights()[0])
    with pytest.raises(ValueError, match="mode must be"):
        transfer_model(source, "melt")
    table = learning_curve(source, x, y, x[:50], y[:50], per_class=(2,), epochs=1, seeds=(0, 1))
    assert list(table["mode"]) == ["frozen", "fine-tune", "scratch"] * 2
    assert table["seed"].tolist() == [0, 0, 0, 1, 1, 1]
    assert table["test_accuracy"].between(0, 1).all()


def test_frozen_base_keeps_its_weights_while_the_head_learns(trained):
    import keras

    source, x, y = trained
    model = transfer_model(source, "frozen")
    before = [w.copy() for w in model.get_layer("conv_base").get_weights()]
    head_before = model.get_layer("new_output").get_weights()[0].copy()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(x[:64], y[:64], epochs=1, verbose=0)
    for a, b in zip(before, model.get_layer("conv_base").get_weights()):
        np.testing.assert_array_equal(a, b)  # BatchNorm's running statistics included
    assert not np.array_equal(head_before, model.get_layer("new_output").get_weights()[0])


def test_explanations(trained):
    model, x, y = trained
    assert first_layer_filters(model).shape == (4, 5, 5)
    assert feature_maps(model, x[0], "relu1").shape == (24, 24, 4)
    heat = grad_cam(model, x[:3], "relu2")
    assert heat.shape == (3, 28, 28) and heat.dtype == np.float32 and heat.min() >= 0 and heat.max() <= 1
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        feature_maps(model, x[0], "nope")


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
