"""mnist_cnn.model: architecture, output, compilation."""

from dataclasses import replace

import keras
import numpy as np
import pytest

from mnist_cnn.config import Config
from mnist_cnn.data import preprocess
from mnist_cnn.model import build_model, compile_model, learning_rate
from mnist_cnn.saving import load_model, save_model
from mnist_cnn.speed import FusedAdam


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


def _train_steps(digits, fused: bool, steps: int = 5):
    """A few steps of a tiny model from seed 0; return it, its start weights and its end state."""
    config = replace(Config(), filters=(4, 8), dense_units=16, dropout=0.0, batch_size=32, epochs=1,
                     learning_rate=1e-2, adam_beta_1=0.7, adam_beta_2=0.9, fused_adam=fused)
    keras.utils.set_random_seed(0)
    model = compile_model(build_model(config), config, num_train=steps * 32)
    start = [np.asarray(w) for w in model.weights]
    x = preprocess(digits[0][: steps * 32])
    y = keras.utils.to_categorical(digits[1][: steps * 32], 10)
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    end = [np.asarray(w) for w in model.weights] + [np.asarray(v) for v in model.optimizer.variables]
    return model, start, end


def test_fused_adam_matches_keras_adam_step_for_step(digits):
    """Same seed, same batches, warm-up + cosine schedule: weights and Adam's moments agree."""
    fused, start, after_fused = _train_steps(digits, fused=True)
    plain, _, after_plain = _train_steps(digits, fused=False)
    assert type(fused.optimizer) is FusedAdam and type(plain.optimizer) is keras.optimizers.Adam
    assert not np.allclose(start[0], after_fused[0])  # the steps moved the weights
    assert len(after_fused) == len(after_plain)
    for a, b in zip(after_fused, after_plain):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_fused_adam_model_saves_and_loads(digits, tmp_path):
    model, _, _ = _train_steps(digits, fused=True, steps=1)
    loaded = load_model(save_model(model, tmp_path / "fused.keras"))
    x = preprocess(digits[0][:8])
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
