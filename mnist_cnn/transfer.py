"""Transfer learning: reuse a trained CNN's convolutional base for a new 10-class task."""

from __future__ import annotations

import numpy as np

from mnist_cnn.config import IMAGE_SHAPE, NUM_CLASSES


def few_labels(x: np.ndarray, y: np.ndarray, per_class: int, seed: int = 0):
    """A class-balanced subset with ``per_class`` examples of each class (shuffled)."""
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                          for c in range(NUM_CLASSES)])
    rng.shuffle(idx)
    return x[idx], y[idx]


def conv_base(model):
    """The layers of ``model`` up to and including Flatten (no augmentation, no classifier)."""
    layers = []
    for layer in model.layers:
        if layer.name.startswith("augment"):
            continue
        layers.append(layer)
        if layer.name == "flatten":
            return layers
    raise ValueError("the model has no layer named 'flatten'")


def transfer_model(source, mode: str, dense_units: int = 128, dropout: float = 0.3, seed: int = 0):
    """A new classifier on top of ``source``'s convolutional base.

    Args:
        source: A trained model from :func:`mnist_cnn.build_model`.
        mode: ``"frozen"`` (reuse the base as a fixed feature extractor), ``"fine-tune"``
            (start from its weights and train everything) or ``"scratch"`` (same architecture,
            fresh random weights).
        dense_units, dropout: The new head.
        seed: Seed of the new layers' initial weights.

    Returns:
        An uncompiled ``keras.Sequential``.
    """
    import keras

    if mode not in ("frozen", "fine-tune", "scratch"):
        raise ValueError(f"mode must be 'frozen', 'fine-tune' or 'scratch', got {mode!r}")
    keras.utils.set_random_seed(seed)
    base = conv_base(source)
    copies = []
    for layer in base:
        config = layer.get_config()
        if layer.__class__.__name__ == "BatchNormalization":
            # Few labels = few steps: running statistics with Keras's default memory (0.99)
            # would still mostly reflect their starting values when training ends.
            config["momentum"] = 0.9
        copies.append(layer.__class__.from_config(config))
    head = [keras.layers.Dense(dense_units, activation="relu", name="new_dense"),
            keras.layers.Dropout(dropout, name="new_dropout"),
            keras.layers.Dense(NUM_CLASSES, activation="softmax", name="new_output")]
    model = keras.Sequential([keras.Input(IMAGE_SHAPE), *copies, *head], name=f"transfer_{mode}")
    if mode != "scratch":
        for new, old in zip(copies, base):
            new.set_weights(old.get_weights())
            new.trainable = mode == "fine-tune"  # frozen BatchNorm also stays in inference mode
    return model


def learning_curve(source, x_train, y_train, x_test, y_test, per_class=(10, 50, 100, 500),
                   modes=("frozen", "fine-tune", "scratch"), epochs: int = 15, seed: int = 0):
    """Test accuracy of each transfer mode against the number of labels per class.

    Returns:
        A pandas DataFrame with columns ``labels_per_class``, ``mode``, ``test_accuracy``,
        ``train_seconds``.
    """
    import time

    import keras
    import pandas as pd

    rows = []
    for n in per_class:
        x, y = few_labels(x_train, y_train, n, seed)
        for mode in modes:
            model = transfer_model(source, mode, seed=seed)
            lr = 3e-4 if mode == "fine-tune" else 1e-3  # small steps keep the reused features
            model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            start = time.perf_counter()
            model.fit(x, y, batch_size=min(64, len(x)), epochs=epochs, verbose=0)
            seconds = time.perf_counter() - start
            _, acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
            rows.append({"labels_per_class": n, "mode": mode, "test_accuracy": acc,
                         "train_seconds": seconds})
    return pd.DataFrame(rows)
