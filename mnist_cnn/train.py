"""Reproducible training: seeding and a one-call ``train`` (optionally on several devices)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.config import Config
from mnist_cnn.data import one_hot, preprocess
from mnist_cnn.model import build_model, compile_model


def set_seed(seed: int) -> None:
    """Make a run reproducible: seed Python, NumPy and Keras/TensorFlow, and ask TensorFlow
    for deterministic ops (same seed + same data -> identical weights).

    Args:
        seed: Any non-negative integer.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def scale_for_replicas(config: Config, replicas: int) -> Config:
    """Scale batch size and learning rate linearly with the number of replicas (devices), so
    each device sees the original batch size and the step size per image stays the same."""
    if replicas <= 1:
        return config
    return replace(config, batch_size=config.batch_size * replicas,
                   learning_rate=config.learning_rate * replicas)


def fit_inputs(x: np.ndarray, y: np.ndarray, config: Config = Config()) -> dict:
    """The training data as keyword arguments for ``model.fit``, as ``config.input_pipeline`` says.

    ``"numpy"``: the arrays themselves (``fit`` shuffles them each epoch). Keras then copies
    them into its own ``tf.data`` pipeline each time ``fit`` starts, which costs about a second
    for 54,000 float32 images on 2 CPU cores.

    ``"tf.data"``: the images and labels are copied once into TensorFlow variables (uint8
    images stay uint8, a quarter of the bytes) and each batch is gathered from them by a
    shuffled list of indices, then scaled to [0, 1] and one-hot encoded if needed. Same
    images, same values as :func:`mnist_cnn.data.preprocess` and
    :func:`mnist_cnn.data.one_hot` give, in another (seeded) order.

    Args:
        x: Images: uint8 (n, 28, 28) as loaded, or preprocessed float32 (n, 28, 28, 1) in [0, 1]
            (the channel axis is added where it is missing).
        y: Integer labels (n,) or one-hot labels (n, 10).
        config: ``input_pipeline``, ``batch_size`` and ``seed`` (of the shuffle).

    Returns:
        ``{"x": ..., "y": ..., "batch_size": ..., "shuffle": True}`` or
        ``{"x": dataset, "shuffle": False}``.
    """
    if config.input_pipeline == "numpy":
        x = preprocess(x) if np.asarray(x).dtype == np.uint8 else x
        y = one_hot(y) if np.asarray(y).ndim == 1 else y
        return {"x": x, "y": y, "batch_size": config.batch_size, "shuffle": True}
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels")
    scale, encode, add_channel = x.dtype == np.uint8, y.ndim == 1, x.ndim == 3
    if encode and y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError(f"labels must be digits 0-9, got values from {y.min()} to {y.max()}")
    images = tf.Variable(x, trainable=False)
    labels = tf.Variable(y.astype(np.int32) if encode else y, trainable=False)

    def gather(indices):
        batch_x, batch_y = tf.gather(images, indices), tf.gather(labels, indices)
        if scale:
            batch_x = tf.cast(batch_x, tf.float32) / 255.0
        if add_channel:
            batch_x = batch_x[..., None]
        if encode:
            batch_y = tf.one_hot(batch_y, 10)
        return batch_x, batch_y

    options = tf.data.Options()
    # With tf.data's autotuner on, about half of the fits measured here returned ~2 s after their
    # last epoch (while tearing the pipeline down); this pipeline is fixed: nothing to tune.
    options.autotune.enabled = False
    order = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=config.seed)  # reshuffled each epoch
    dataset = order.batch(config.batch_size).map(gather).prefetch(2).with_options(options)
    return {"x": dataset, "shuffle": False}  # the dataset shuffles itself (fit would warn)


def hold_out_validation(x: np.ndarray, y: np.ndarray, config: Config = Config()):
    """Split off the last ``config.validation_split`` of the images, as ``model.fit(validation_split=...)``
    does: ``(x_train, y_train, (x_val, y_val))``, or ``(x, y, None)`` when the split is 0.

    Raises:
        ValueError: ``x`` and ``y`` differ in length.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x_train has {len(x)} images but y_train has {len(y)} labels")
    if config.validation_split <= 0:
        return x, y, None
    n_val = int(round(len(x) * config.validation_split))
    return x[:-n_val], y[:-n_val], (x[-n_val:], y[-n_val:])


def train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    config: Config = Config(),
    *,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    strategy=None,
    verbose: int | str = 2,
    callbacks: list | None = None,
    build: Callable[[Config], keras.Model] = build_model,
):
    """Seed, build, compile and fit a model in one call (used by the CLI and the benchmark).

    Args:
        x_train: Preprocessed images, float32 (n, 28, 28, 1) in [0, 1] (see ``preprocess``).
        y_train: One-hot labels (n, 10), or integer labels (n,) which are one-hot encoded.
        config: The recipe; ``config.seed`` is applied with :func:`set_seed` first.
        validation_data: ``(x_val, y_val)``; default: the last ``config.validation_split`` of
            the training set, as ``model.fit(validation_split=...)`` does.
        strategy: An optional ``tf.distribute.Strategy``: ``MirroredStrategy`` for the GPUs
            (or CPU devices) of one machine. The model is built and compiled inside its scope;
            batch size and learning rate are multiplied by the number of replicas.
            ``MultiWorkerMirroredStrategy`` (several machines) forms its cluster, but Keras 3's
            ``fit`` fails under it (keras-team/keras#20585; ``tests/test_distributed.py`` tracks
            it).
        verbose: Passed to ``model.fit``.
        callbacks: Extra Keras callbacks.
        build: Builds the network from ``config`` after seeding (default :func:`build_model`;
            the photo model passes its own).

    Returns:
        ``(model, history)``: the trained model and the ``History`` returned by ``fit``.
    """
    x_train = np.asarray(x_train)
    y_train = np.asarray(y_train)
    if y_train.ndim == 1:
        y_train = one_hot(y_train)
    if len(x_train) != len(y_train):
        raise ValueError(f"x_train has {len(x_train)} images but y_train has {len(y_train)} labels")
    if validation_data is None:
        x_train, y_train, validation_data = hold_out_validation(x_train, y_train, config)
    elif np.asarray(validation_data[1]).ndim == 1:
        validation_data = (validation_data[0], one_hot(validation_data[1]))

    strategy = strategy or tf.distribute.get_strategy()
    config = scale_for_replicas(config, strategy.num_replicas_in_sync)
    set_seed(config.seed)
    with strategy.scope():
        model = compile_model(build(config), config, num_train=len(x_train))
    history = model.fit(
        **fit_inputs(x_train, y_train, config), epochs=config.epochs,
        validation_data=validation_data, verbose=verbose, callbacks=callbacks,
    )
    return model, history
