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
@pytest.mark.parametrize("fused_adam", [False, True])
def test_mirrored_strategy_on_cpu(digits, fused_adam):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    x, y = preprocess(digits[0][:64]), digits[1][:64]
    model, history = train(x, y, replace(TINY, epochs=1, fused_adam=fused_adam), strategy=strategy, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.output_shape == (None, 10)


def test_scale_for_replicas():
    scaled = scale_for_replicas(Config(), 4)
    assert scaled.batch_size == 4 * Config().batch_size
    assert scaled.learning_rate == pytest.approx(4 * Config().learning_rate)
    assert scale_for_replicas(Config(), 1) == Config()


def _batches(kwargs):
    images, labels = zip(*[(bx.numpy(), by.numpy()) for bx, by in kwargs["x"]])
    return np.concatenate(images), np.concatenate(labels)


def test_tf_data_pipeline_gives_the_preprocessed_images_shuffled_and_seeded(digits):
    from mnist_cnn.train import fit_inputs

    raw, labels = digits[0][:100], digits[1][:100]
    config = replace(TINY, input_pipeline="tf.data", batch_size=32)
    x, y = _batches(fit_inputs(raw, labels, config))  # uint8 and integer labels as loaded
    assert x.dtype == np.float32 and x.shape == (100, 28, 28, 1) and y.shape == (100, 10)
    # Every image comes once, with its own label, scaled exactly as preprocess does.
    expected = {preprocess(raw)[i].tobytes(): one_hot(labels)[i].tobytes() for i in range(100)}
    assert {a.tobytes(): b.tobytes() for a, b in zip(x, y)} == expected
    assert not np.array_equal(x, preprocess(raw))  # shuffled
    again, _ = _batches(fit_inputs(raw, labels, config))
    np.testing.assert_array_equal(x, again)  # same seed, same order
    for images in (preprocess(raw), raw[..., None]):  # preprocessed, or uint8 with a channel axis
        same, _ = _batches(fit_inputs(images, one_hot(labels), config))
        assert same.shape == x.shape
        np.testing.assert_array_equal(np.sort(same.reshape(100, -1), 0), np.sort(x.reshape(100, -1), 0))


def test_numpy_pipeline_hands_the_arrays_to_fit(digits):
    from mnist_cnn.train import fit_inputs

    kwargs = fit_inputs(digits[0][:10], digits[1][:10], TINY)
    assert kwargs["x"].shape == (10, 28, 28, 1) and kwargs["y"].shape == (10, 10)
    assert kwargs["batch_size"] == TINY.batch_size and kwargs["shuffle"] is True


def test_tf_data_pipeline_rejects_bad_labels(digits):
    from mnist_cnn.train import fit_inputs

    config = replace(TINY, input_pipeline="tf.data")
    with pytest.raises(ValueError, match="digits 0-9"):
        fit_inputs(digits[0][:4], np.array([0, 1, 2, 10]), config)
    with pytest.raises(ValueError, match="4 images but y has 3"):
        fit_inputs(digits[0][:4], digits[1][:3], config)


def test_training_through_the_tf_data_pipeline_lowers_the_loss(digits):
    x, y = preprocess(digits[0]), one_hot(digits[1])
    _, history = train(x, y, replace(TINY, input_pipeline="tf.data"), verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
