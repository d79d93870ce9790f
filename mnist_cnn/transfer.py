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


def conv_base(model, copy: bool = True, fresh: bool = False):
    """The convolutional base of ``model``: its input up to the ``flatten`` layer's output.

    Args:
        model: A trained model from :func:`mnist_cnn.build_model` (augmentation layers, if any,
            are kept: they are inactive at inference).
        copy: Return a copy with its own weights (so training it cannot change ``model``);
            ``False`` shares ``model``'s layers.
        fresh: With ``copy``, give the copy new random weights instead of ``model``'s.

    Returns:
        A ``keras.Model`` mapping (n, 28, 28, 1) images to (n, features) vectors.
    """
    if "flatten" not in [layer.name for layer in model.layers]:
        raise ValueError("the model has no layer named 'flatten'")
    if copy:
        def clone_layer(layer):
            config = layer.get_config()
            if layer.__class__.__name__ == "BatchNormalization":
                # Few labels = few steps: running statistics with Keras's default memory (0.99)
                # would still mostly reflect their starting values when training ends.
                config["momentum"] = 0.9
            return layer.__class__.from_config(config)

        clone = keras.models.clone_model(model, clone_function=clone_layer)
        if not fresh:
            clone.set_weights(model.get_weights())
        model = clone
    return keras.Model(model.inputs, model.get_layer("flatten").output, name="conv_base")


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
        An uncompiled ``keras.Sequential``: the base (a nested model) and the new head.
    """
    if mode not in ("frozen", "fine-tune", "scratch"):
        raise ValueError(f"mode must be 'frozen', 'fine-tune' or 'scratch', got {mode!r}")
    keras.utils.set_random_seed(seed)
    base = conv_base(source, copy=True, fresh=mode == "scratch")
    base.trainable = mode != "frozen"  # a frozen BatchNorm also stays in inference mode
    return keras.Sequential([
        keras.Input(IMAGE_SHAPE), base,
        keras.layers.Dense(dense_units, activation="relu", name="new_dense"),
        keras.layers.Dropout(dropout, name="new_dropout"),
        keras.layers.Dense(NUM_CLASSES, activation="softmax", name="new_output"),
    ], name=f"transfer_{mode}")


def learning_curve(source, x_train, y_train, x_test, y_test, per_class=(10, 50, 100, 500),
                   modes=("frozen", "fine-tune", "scratch"), epochs: int = 15, seeds=(0,)):
    """Test accuracy of each transfer mode against the number of labels per class.

    Each seed draws its own labelled subset and its own initial weights of the new layers, so
    the spread over seeds shows how much of a difference is noise.

    Returns:
        A pandas DataFrame with columns ``labels_per_class``, ``seed``, ``mode``,
        ``test_accuracy``, ``train_seconds``.
    """
    import pandas as pd

    rows = []
    for n, seed in [(n, seed) for n in per_class for seed in seeds]:
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
            rows.append({"labels_per_class": n, "seed": seed, "mode": mode, "test_accuracy": acc,
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
