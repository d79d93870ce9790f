"""The tutorial's CNN: a Keras ``Sequential`` stack, and how it is compiled."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras

from mnist_cnn.config import IMAGE_SHAPE, NUM_CLASSES, Config
from mnist_cnn.speed import FusedAdam, bfloat16_is_fast


def build_model(config: Config = Config(), name: str = "mnist_cnn",
                first_layers: Sequence[keras.layers.Layer] = ()) -> keras.Sequential:
    """Build the CNN described by ``config`` (not compiled).

    Each block is Conv2D -> [BatchNormalization] -> ReLU -> MaxPooling2D(2), followed by
    Flatten -> [Dense(``dense_units``, ReLU)] -> [Dropout] -> Dense(10, softmax). With
    augmentation (``augment_*``) the model starts with Keras's random rotation / zoom /
    translation layers, which change training images and pass them unchanged at inference.

    Args:
        config: Filters, kernel sizes, batch norm, dense width and dropout.
        name: The model's name (each network of an ensemble needs its own).
        first_layers: Layers put before the augmentation layers (the photo model's random pen,
            :func:`mnist_cnn.reading.photo_model.build_photo_model`).

    Returns:
        A ``keras.Sequential`` mapping float32 images (n, 28, 28, 1) in [0, 1] to class
        probabilities (n, 10) whose rows sum to 1.
    """
    # Mixed precision: the hidden layers compute in bfloat16 (weights stay float32); the output
    # layer computes its softmax in float32. Without it, Keras's default (float32).
    mixed = {"dtype": "mixed_bfloat16"} if config.mixed_precision and bfloat16_is_fast() else {}
    layers: list[keras.layers.Layer] = [keras.Input(shape=IMAGE_SHAPE)]
    layers += [*first_layers, *augmentation_layers(config)]
    for i, (filters, size) in enumerate(zip(config.filters, config.kernel_sizes), start=1):
        if config.batch_norm:  # the BN shift makes the convolution's bias redundant
            layers += [
                keras.layers.Conv2D(filters, size, use_bias=False, name=f"conv{i}", **mixed),
                keras.layers.BatchNormalization(momentum=config.bn_momentum, name=f"bn{i}", **mixed),
                keras.layers.ReLU(name=f"relu{i}", **mixed),
            ]
        else:
            layers.append(keras.layers.Conv2D(filters, size, activation="relu", name=f"conv{i}", **mixed))
        layers.append(keras.layers.MaxPooling2D(2, name=f"pool{i}", **mixed))
    layers.append(keras.layers.Flatten(name="flatten", **mixed))
    if config.dense_units:
        layers.append(keras.layers.Dense(config.dense_units, activation="relu", name="dense", **mixed))
    if config.dropout > 0:
        layers.append(keras.layers.Dropout(config.dropout, name="dropout", **mixed))
    layers.append(keras.layers.Dense(NUM_CLASSES, activation="softmax", name="output",
                                     **({"dtype": "float32"} if mixed else {})))
    return keras.Sequential(layers, name=name)


def augmentation_layers(config: Config) -> list[keras.layers.Layer]:
    """Random rotation, zoom and shift layers for ``config`` (active in training only).

    Keras's preprocessing layers pass images through unchanged at inference, so the same model
    serves predictions without any change. The list is empty when all three are 0.
    """
    layers: list[keras.layers.Layer] = []
    fill = {"fill_mode": "constant", "fill_value": 0.0}
    if config.augment_rotation:
        layers.append(keras.layers.RandomRotation(config.augment_rotation / 360, **fill,
                                                  name="augment_rotation"))
    if config.augment_zoom:
        layers.append(keras.layers.RandomZoom(config.augment_zoom, **fill, name="augment_zoom"))
    if config.augment_shift:
        factor = config.augment_shift / IMAGE_SHAPE[0]
        layers.append(keras.layers.RandomTranslation(factor, factor, **fill, name="augment_shift"))
    return layers


def steps_per_epoch(num_train: int, config: Config) -> int:
    """Number of gradient steps in one epoch over ``num_train`` images."""
    return math.ceil(num_train / config.batch_size)


def learning_rate(
    config: Config, total_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """Return Adam's learning rate: a constant, or warm-up + cosine decay over ``total_steps``.

    ``lr_schedule="onecycle"``: a linear warm-up from ``learning_rate / 10`` to ``learning_rate``
    over the first ``warmup_fraction`` of the steps, then a cosine decay to 0 (Keras's
    ``CosineDecay`` with ``warmup_steps``), the schedule notebook 01 writes out.
    """
    if config.lr_schedule == "constant":
        return config.learning_rate
    warmup = int(total_steps * config.warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        decay_steps=max(total_steps - warmup, 1),
        alpha=0.0,
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
    )


def compile_model(
    model: keras.Model, config: Config = Config(), num_train: int = 54_000
) -> keras.Model:
    """Compile ``model`` with Adam (or :class:`FusedAdam`), categorical cross-entropy and accuracy.

    Args:
        model: The model from :func:`build_model`.
        config: Learning rate, schedule, Adam's betas, label smoothing, batch size and epochs.
        num_train: Number of training images (sets the length of the one-cycle schedule).

    Returns:
        The same model, compiled (for chaining).
    """
    total = steps_per_epoch(num_train, config) * config.epochs
    loss = (keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
            if config.label_smoothing else "categorical_crossentropy")  # the string: as the notebook
    model.compile(
        optimizer=(FusedAdam if config.fused_adam else keras.optimizers.Adam)(
            learning_rate(config, total), beta_1=config.adam_beta_1, beta_2=config.adam_beta_2),
        loss=loss,
        metrics=["accuracy"],
        steps_per_execution=config.steps_per_execution,
    )
    return model
