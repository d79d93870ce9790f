"""mnist_cnn.model: architecture, output, compilation."""

from dataclasses import replace

import keras
import numpy as np
import pytest

from mnist_cnn.config import Config
from mnist_cnn.data import preprocess
from mnist_cnn.model import build_model, compile_model, learning_rate


def test_sequential_cnn_layers():
    model = build_model(Config())
    assert isinstance(model, keras.Sequential)
    kinds = [type(layer).__name__ for layer in model.layers]
    block = ["Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D"]
    assert kinds == block * 2 + ["Flatten", "Dense", "Dropout", "Dense"]
    assert model.layers[-1].activation is keras.activations.softmax


def test_output_is_a_probability_distribution(digits):
    model = build_model(Config())
    probs = np.asarray(model(preprocess(digits[0][:16]), training=False))
    assert probs.shape == (16, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs >= 0).all()


def test_no_batch_norm_no_dropout_variant():
    model = build_model(replace(Config(), batch_norm=False, dropout=0.0, filters=(8, 16)))
    kinds = {type(layer).__name__ for layer in model.layers}
    assert "BatchNormalization" not in kinds and "Dropout" not in kinds
    assert model.output_shape == (None, 10)


def test_compile_uses_adam_and_crossentropy():
    model = compile_model(build_model(Config()), Config(), num_train=1000)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.loss == "categorical_crossentropy"


@pytest.mark.parametrize("schedule", ["onecycle", "constant"])
def test_learning_rate_schedule(schedule):
    config = replace(Config(), lr_schedule=schedule, learning_rate=1e-2, warmup_fraction=0.2)
    lr = learning_rate(config, total_steps=100)
    if schedule == "constant":
        assert lr == 1e-2
        return
    values = [float(lr(step)) for step in (0, 20, 60, 100)]
    assert values[0] == pytest.approx(1e-3)  # warm-up starts at peak / 10
    assert values[1] == pytest.approx(1e-2)  # peak after the warm-up
    assert values[1] > values[2] > values[3]  # cosine decay
    assert values[3] == pytest.approx(0.0, abs=1e-6)
