"""Transfer learning: reuse a trained CNN's convolutional base for a new 10-class task."""

from __future__ import annotations

import time

import keras
import numpy as np

from mnist_cnn.config import IMAGE_SHAPE, NUM_CLASSES


def few_labels(x: np.ndarray, y: np.ndarray, per_class: int, seed: int = 0):
    """A class-balanced subset with ``per_class`` examples of each class (shuffled)."""
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                          for c in range(NUM_CLASSES)])
    rng.shuffle(idx)
    return x[idx], y[idx]


def conv_base(model, fresh: bool = False):
    """The convolutional base of a copy of ``model``: its input up to the ``flatten`` layer's output.

    The notebook's ``keras.Model(copy.inputs[0], copy.get_layer("flatten").output)`` on a copy made by
    ``keras.models.clone_model``, so that training the base can never change ``model``.

    Args:
        model: A trained Sequential CNN with a layer named ``flatten`` (notebook 01's).
        fresh: Keep the clone's new random weights instead of ``model``'s (training from scratch).

    Returns:
        A ``keras.Model`` named ``conv_base`` mapping (n, 28, 28, 1) images to (n, features).
    """
    if "flatten" not in [layer.name for layer in model.layers]:
        raise ValueError("the model has no layer named 'flatten'")
    copy = keras.models.clone_model(model)
    if not fresh:
        copy.set_weights(model.get_weights())
    return keras.Model(copy.inputs[0], copy.get_layer("flatten").output, name="conv_base")


def transfer_model(base, dense_units: int = 128, dropout: float = 0.3, seed: int = 0):
    """A new 10-class head (Dense, Dropout, Dense softmax) on ``base``, in Keras's functional API."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(IMAGE_SHAPE)
    features = base(inputs)
    x = keras.layers.Dense(dense_units, activation="relu", name="new_dense")(features)
    x = keras.layers.Dropout(dropout, name="new_dropout")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="new_output")(x)
    return keras.Model(inputs, outputs, name="transfer")


def unfreeze_for_fine_tuning(base) -> None:
    """``base.trainable = True``, except its BatchNormalization layers: a BatchNorm with
    ``trainable = False`` runs in inference mode, so it keeps the statistics it learned on MNIST.

    In Keras 3, calling the base with ``training=False`` does not do that once it is unfrozen:
    ``fit`` calls the whole model with ``training=True``, which reaches the base's layers
    (keras-team/keras#20285).
    """
    base.trainable = True
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def _fit_and_score(model, learning_rate, x, y, x_test, y_test, epochs, batch_size):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    return model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1], seconds


def learning_curve(source, x_train, y_train, x_test, y_test, per_class=(10, 50, 200), epochs: int = 15,
                   fine_tune_epochs: int = 5, seeds=(0,), batch_size: int = 64):
    """Test accuracy of three ways to start, against the number of labels per class.

    For each size and seed, on the same class-balanced random subset:

    - ``frozen``: :func:`conv_base` of ``source``, frozen, with a new head (:func:`transfer_model`),
      trained ``epochs`` epochs at learning rate 1e-3;
    - ``fine-tune``: that same model, then unfrozen (:func:`unfreeze_for_fine_tuning`: its
      BatchNorm layers stay frozen, in inference mode), recompiled at 1e-4 and trained
      ``fine_tune_epochs`` more;
    - ``scratch``: the same layers with new random weights, all trained ``epochs`` epochs at 1e-3,
      BatchNorm in training mode (there are no learned statistics to keep) with momentum 0.9, so
      that its running statistics catch up within the few dozen steps a few labels give.

    Integer labels with ``sparse_categorical_crossentropy``; batches of ``batch_size``. Each seed
    draws its own subset and initial weights, so the spread over seeds shows the noise.

    Returns:
        A pandas DataFrame with columns ``labels_per_class``, ``seed``, ``mode``,
        ``test_accuracy``, ``train_seconds``.
    """
    import pandas as pd

    rows = []
    for n, seed in [(n, seed) for n in per_class for seed in seeds]:
        x, y = few_labels(x_train, y_train, n, seed)
        size = min(batch_size, len(x))
        base = conv_base(source)
        base.trainable = False
        model = transfer_model(base, seed=seed)
        results = {"frozen": _fit_and_score(model, 1e-3, x, y, x_test, y_test, epochs, size)}
        unfreeze_for_fine_tuning(base)
        accuracy, seconds = _fit_and_score(model, 1e-4, x, y, x_test, y_test, fine_tune_epochs, size)
        results["fine-tune"] = accuracy, results["frozen"][1] + seconds
        keras.utils.set_random_seed(seed)
        fresh = conv_base(source, fresh=True)
        for layer in fresh.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = 0.9  # its running statistics must catch up within a few dozen steps
        scratch = transfer_model(fresh, seed=seed)
        results["scratch"] = _fit_and_score(scratch, 1e-3, x, y, x_test, y_test, epochs, size)
        for mode, (accuracy, seconds) in results.items():
            rows.append({"labels_per_class": n, "seed": seed, "mode": mode, "test_accuracy": accuracy,
                         "train_seconds": seconds})
    return pd.DataFrame(rows)


def transfer_summary(curve) -> str:
    """A :func:`learning_curve` table as Markdown: one row per number of labels per class, one
    column per mode, each cell "mean % [min–max]" over the seeds."""
    modes = list(dict.fromkeys(curve["mode"]))
    seeds = curve["seed"].nunique() if "seed" in curve else 1
    lines = [f"| labels per class ({seeds} seeds) | " + " | ".join(modes) + " |",
             "|---|" + "---|" * len(modes)]
    for n, part in curve.groupby("labels_per_class"):
        cells = []
        for mode in modes:
            acc = part.loc[part["mode"] == mode, "test_accuracy"] * 100
            cells.append(f"{acc.mean():.1f} % [{acc.min():.1f}–{acc.max():.1f}]")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
