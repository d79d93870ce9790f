"""The tutorial's CNN: a Keras ``Sequential`` stack, and how it is compiled."""

from __future__ import annotations

import functools
import math
import warnings
from pathlib import Path

import keras
import numpy as np

from mnist_cnn.config import IMAGE_SHAPE, NUM_CLASSES, Config


def build_model(config: Config = Config(), name: str = "mnist_cnn") -> keras.Sequential:
    """Build the CNN described by ``config`` (not compiled).

    Each block is Conv2D -> [BatchNormalization] -> ReLU -> MaxPooling2D(2), followed by
    Flatten -> [Dense(``dense_units``, ReLU)] -> [Dropout] -> Dense(10, softmax). With
    augmentation (``augment_*``) the model starts with Keras's random rotation / zoom /
    translation layers, which change training images and pass them unchanged at inference.

    Args:
        config: Filters, kernel sizes, batch norm, dense width and dropout.
        name: The model's name (each network of an ensemble needs its own).

    Returns:
        A ``keras.Sequential`` mapping float32 images (n, 28, 28, 1) in [0, 1] to class
        probabilities (n, 10) whose rows sum to 1.
    """
    # Mixed precision: the hidden layers compute in bfloat16 (weights stay float32); the output
    # layer computes its softmax in float32. Without it, Keras's default (float32).
    mixed = {"dtype": "mixed_bfloat16"} if config.mixed_precision and bfloat16_is_fast() else {}
    layers: list[keras.layers.Layer] = [keras.Input(shape=IMAGE_SHAPE)]
    layers += augmentation_layers(config)
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


@functools.cache
def bfloat16_is_fast() -> bool:
    """Whether bfloat16 compute pays off here: a GPU is visible, or the CPU has native bfloat16
    instructions (``avx512_bf16`` or ``amx_bf16``). Elsewhere bfloat16 is emulated and slower than
    float32, so :func:`build_model` then ignores ``Config.mixed_precision`` (with a warning)."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return True
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no way to tell cheaply, so stay with float32
        flags = ""
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return True
    warnings.warn("mixed_precision: this CPU has no native bfloat16 (avx512_bf16 / amx_bf16), where "
                  "bfloat16 is slower than float32; computing in float32", stacklevel=3)
    return False


def as_float32(model: keras.Model) -> keras.Model:
    """Return ``model`` itself if every layer computes in float32, else a float32 copy with the
    same weights (a mixed-precision model keeps its weights in float32, so nothing is lost).
    LiteRT cannot convert bfloat16 layers; :func:`mnist_cnn.export.export_tflite` uses this."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model

    def clone(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})

    twin = keras.models.clone_model(model, clone_function=clone)
    twin.set_weights(model.get_weights())
    return twin


@keras.saving.register_keras_serializable(package="mnist_cnn")
class RandomStroke(keras.layers.Layer):
    """Change the pen of a fraction of the training images (identity at inference).

    Of each batch, ``rate / 4`` of the images get strokes 1 pixel thicker (a 2x2 grey dilation),
    ``rate / 4`` 2 pixels thicker (3x3), ``rate / 4`` 1 pixel thinner (2x2 erosion) and ``rate / 4``
    a slight blur; each image is then scaled so its brightest pixel is 1 again, as
    :func:`mnist_cnn.prepare.to_mnist` does. Photos of real pens, prepared for the model, vary in
    exactly these ways.

    Args:
        rate: Fraction of images changed, in [0, 1].
        seed: Seed of the layer's random generator.
    """

    def __init__(self, rate: float = 0.5, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = float(rate), seed
        self.generator = keras.random.SeedGenerator(seed)
        blur = np.array([0.25, 0.5, 0.25], np.float32)
        self.blur_kernel = np.outer(blur, blur)[:, :, None, None]

    def call(self, images, training=None):
        if not training or self.rate == 0:
            return images
        ops = keras.ops
        pick = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=self.generator)
        share = self.rate / 4
        changed = ops.where(pick < share, ops.max_pool(images, 2, 1, "same"),
                            ops.where(pick < 2 * share, ops.max_pool(images, 3, 1, "same"),
                                      ops.where(pick < 3 * share, -ops.max_pool(-images, 2, 1, "same"),
                                                images)))
        blurred = ops.conv(changed, ops.convert_to_tensor(self.blur_kernel), 1, "same")
        changed = ops.where((pick >= 3 * share) & (pick < 4 * share), blurred, changed)
        return changed / ops.maximum(ops.max(changed, axis=(1, 2, 3), keepdims=True), 1e-6)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def augmentation_layers(config: Config) -> list[keras.layers.Layer]:
    """Random pen, rotation, zoom and shift layers for ``config`` (active in training only).

    Keras's preprocessing layers (and :class:`RandomStroke`) pass images through unchanged at
    inference, so the same model serves predictions without any change. The list is empty when
    all four are 0.
    """
    layers: list[keras.layers.Layer] = []
    if config.augment_stroke:
        layers.append(RandomStroke(config.augment_stroke, seed=config.seed, name="augment_stroke"))
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


@keras.saving.register_keras_serializable(package="mnist_cnn")
class FusedAdam(keras.optimizers.Adam):
    """Keras's Adam with each variable's update done by ONE TensorFlow op.

    Keras's ``Adam.update_step`` is written in ``keras.ops`` (about twenty small ops per variable:
    casts, powers, the two moment updates, the square root, the division); this one hands the same
    update to TensorFlow's ``ResourceApplyAdam`` kernel, which does it in one op per variable:

        m <- m + (g - m)(1 - beta_1);  v <- v + (g^2 - v)(1 - beta_2)
        w <- w - lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

    the formula of Keras's Adam (``tests/test_model.py`` checks the two agree step for step). On a
    2-core CPU it shortens the ``fast`` recipe's epoch by about a tenth, since its model is small
    enough that the per-op overhead counts. Only for the TensorFlow backend, and without
    ``amsgrad``; everything else (schedules, weight decay, clipping) is Keras's.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if keras.backend.backend() != "tensorflow" or self.amsgrad:
            raise ValueError("FusedAdam needs the TensorFlow backend and amsgrad=False; "
                             "use keras.optimizers.Adam instead")

    def update_step(self, gradient, variable, learning_rate):
        import tensorflow as tf

        dtype = variable.dtype
        index = self._get_variable_index(variable)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle, v=self._velocities[index].handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype), use_locking=False)


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
