"""mnist_cnn.train: a tiny run learns, seeding makes runs identical, strategies work."""

from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf

from mnist_cnn.config import Config
from mnist_cnn.data import one_hot, preprocess
from mnist_cnn.train import scale_for_replicas, train

TINY = replace(Config(), filters=(8, 16), dense_units=32, batch_size=32, epochs=3,
               learning_rate=3e-3, validation_split=0.0)


def test_a_few_steps_lower_the_loss(digits):
    x, y = preprocess(digits[0]), one_hot(digits[1])
    _, history = train(x, y, TINY, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 3
    assert losses[-1] < 0.7 * losses[0]


@pytest.mark.slow
def test_same_seed_same_weights_different_seed_different(digits):
    x, y = preprocess(digits[0][:128]), digits[1][:128]  # integer labels are one-hot encoded
    config = replace(TINY, epochs=1)
    weights = [train(x, y, replace(config, seed=s), verbose=0)[0].get_weights() for s in (1, 1, 2)]
    for a, b in zip(weights[0], weights[1]):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(weights[0], weights[2]))


@pytest.mark.slow
def test_validation_split_is_held_out(digits):
    x, y = preprocess(digits[0]), digits[1]
    _, history = train(x, y, replace(TINY, epochs=1, validation_split=0.25), verbose=0)
    assert "val_accuracy" in history.history
    assert history.params["steps"] == 6  # 192 training images / 32


def test_mismatched_lengths_are_rejected(digits):
    with pytest.raises(ValueError, match="256 images but y_train has 10 labels"):
        train(preprocess(digits[0]), digits[1][:10], TINY, verbose=0)


@pytest.mark.slow
def test_mirrored_strategy_on_cpu(digits):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    x, y = preprocess(digits[0][:64]), digits[1][:64]
    model, history = train(x, y, replace(TINY, epochs=1), strategy=strategy, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.output_shape == (None, 10)


def test_scale_for_replicas():
    scaled = scale_for_replicas(Config(), 4)
    assert scaled.batch_size == 4 * Config().batch_size
    assert scaled.learning_rate == pytest.approx(4 * Config().learning_rate)
    assert scale_for_replicas(Config(), 1) == Config()
