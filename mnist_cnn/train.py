"""Reproducible training: seeding and a one-call ``train`` (optionally on several devices)."""

from __future__ import annotations

import numpy as np

from mnist_cnn.config import Config


def set_seed(seed: int) -> None:
    """Make a run reproducible: seed Python, NumPy and Keras/TensorFlow, and ask TensorFlow
    for deterministic ops (same seed + same data -> identical weights).

    Args:
        seed: Any non-negative integer.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def scale_for_replicas(config: Config, replicas: int) -> Config:
    """Scale batch size and learning rate linearly with the number of replicas (devices), so
    each device sees the original batch size and the step size per image stays the same."""
    from dataclasses import replace

    if replicas <= 1:
        return config
    return replace(config, batch_size=config.batch_size * replicas,
                   learning_rate=config.learning_rate * replicas)


def train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    config: Config = Config(),
    *,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    strategy=None,
    verbose: int | str = 2,
    callbacks: list | None = None,
):
    """Seed, build, compile and fit a model in one call (used by the CLI and the benchmark).

    Args:
        x_train: Preprocessed images, float32 (n, 28, 28, 1) in [0, 1] (see ``preprocess``).
        y_train: One-hot labels (n, 10), or integer labels (n,) which are one-hot encoded.
        config: The recipe; ``config.seed`` is applied with :func:`set_seed` first. With
            ``reink_copies``, re-inked copies of the training images are added (``fit``
            shuffles them in).
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

    Returns:
        ``(model, history)``: the trained model and the ``History`` returned by ``fit``.
    """
    import tensorflow as tf

    from mnist_cnn.data import one_hot
    from mnist_cnn.model import build_model, compile_model

    x_train = np.asarray(x_train)
    y_train = np.asarray(y_train)
    if y_train.ndim == 1:
        y_train = one_hot(y_train)
    if len(x_train) != len(y_train):
        raise ValueError(f"x_train has {len(x_train)} images but y_train has {len(y_train)} labels")
    if validation_data is None and config.validation_split > 0:
        n_val = int(round(len(x_train) * config.validation_split))
        validation_data = (x_train[-n_val:], y_train[-n_val:])
        x_train, y_train = x_train[:-n_val], y_train[:-n_val]
    elif validation_data is not None and np.asarray(validation_data[1]).ndim == 1:
        validation_data = (validation_data[0], one_hot(validation_data[1]))

    if config.reink_copies:  # training images only: validation stays plain MNIST
        from mnist_cnn.reink import reink_images

        x_train = np.concatenate([x_train] + [reink_images(x_train, seed=config.seed + k)
                                              for k in range(config.reink_copies)])
        y_train = np.concatenate([y_train] * (config.reink_copies + 1))
    strategy = strategy or tf.distribute.get_strategy()
    config = scale_for_replicas(config, strategy.num_replicas_in_sync)
    set_seed(config.seed)
    with strategy.scope():
        model = compile_model(build_model(config), config, num_train=len(x_train))
    history = model.fit(
        x_train, y_train, batch_size=config.batch_size, epochs=config.epochs,
        validation_data=validation_data, verbose=verbose, callbacks=callbacks,
    )
    return model, history
