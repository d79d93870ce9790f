"""The photo model: the ``small`` recipe that reads real photos, and what it adds to the lesson's.

The network is the lesson's (:func:`mnist_cnn.model.build_model`); what makes it read photos of
real pens is in its training data:

- :class:`RandomStroke`, a layer that changes the pen of some training images (thicker, thinner,
  blurred), put before Keras's rotation / zoom / shift layers;
- re-inked copies of the training images (:mod:`mnist_cnn.reading.reink`), some of them shown at
  low resolution, as a digit that had few pixels in a photo.

:class:`PhotoConfig` is the lesson's :class:`~mnist_cnn.config.Config` plus those three knobs;
``SMALL`` is the recipe of the shipped ensemble (:mod:`mnist_cnn.reading.shipped`), chosen on the
validation split and the *dev* photos (``benchmarks/photos/``). The four members are seeds 42 and
1, each also trained with ``low_resolution_fraction=0.5`` (``models/photo_ensemble.log``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import keras
import numpy as np

from mnist_cnn.config import Config
from mnist_cnn.model import build_model
from mnist_cnn.reading.reink import reink_images
from mnist_cnn.train import hold_out_validation, train


@dataclass(frozen=True)
class PhotoConfig(Config):
    """The lesson's :class:`~mnist_cnn.config.Config` plus the photo model's training knobs.

    Attributes:
        augment_stroke: Change the pen of this fraction of training images: thicker by 1 or
            2 pixels, thinner by 1, or blurred, in equal shares (0: off; see :class:`RandomStroke`).
        reink_copies: Add this many re-inked copies of the training images: each digit's centre
            line redrawn with a pen of random width (:mod:`mnist_cnn.reading.reink`; 0: off).
        low_resolution_fraction: Show this fraction of the re-inked copies at low resolution:
            shrunk to 7-14 px and enlarged back (:func:`mnist_cnn.reading.reink.low_resolution`;
            0: off; needs ``reink_copies``).
    """

    augment_stroke: float = 0.0
    reink_copies: int = 0
    low_resolution_fraction: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.augment_stroke <= 1.0 or self.reink_copies < 0:
            problems.append("augment_stroke must be in [0, 1] and reink_copies >= 0")
        if not 0.0 <= self.low_resolution_fraction <= 1.0:
            problems.append(f"low_resolution_fraction must be in [0, 1], got {self.low_resolution_fraction}")
        elif self.low_resolution_fraction and not self.reink_copies:
            problems.append("low_resolution_fraction applies to the re-inked copies: set reink_copies >= 1")
        try:
            super().__post_init__()
        except ValueError as exc:
            problems.insert(0, str(exc).removeprefix("invalid Config: "))
        if problems:
            raise ValueError("invalid Config: " + "; ".join(problems))

    @classmethod
    def from_config(cls, config: Config, **changes) -> PhotoConfig:
        """A PhotoConfig with ``config``'s values (and ``changes``)."""
        values = {f.name: getattr(config, f.name) for f in fields(config)}
        return cls(**{**values, **changes})


#: The names of the knobs PhotoConfig adds to the lesson's Config.
PHOTO_KNOBS = frozenset(f.name for f in fields(PhotoConfig)) - frozenset(f.name for f in fields(Config))

#: The shipped ensemble's recipe: the lesson's network with 16 and 32 filters and a dense layer of
#: 128, trained 10 epochs with rotation, zoom, shift, random pens and one re-inked copy.
SMALL = PhotoConfig(filters=(16, 32), dense_units=128, augment_rotation=12, augment_zoom=0.15,
                    augment_shift=3, augment_stroke=0.5, reink_copies=1, epochs=10, dropout=0.3)
PHOTO_RECIPES: dict[str, PhotoConfig] = {"small": SMALL}


@keras.saving.register_keras_serializable(package="mnist_cnn")
class RandomStroke(keras.layers.Layer):
    """Change the pen of a fraction of the training images (identity at inference).

    Of each batch, ``rate / 4`` of the images get strokes 1 pixel thicker (a 2x2 grey dilation),
    ``rate / 4`` 2 pixels thicker (3x3), ``rate / 4`` 1 pixel thinner (2x2 erosion) and ``rate / 4``
    a slight blur; each image is then scaled so its brightest pixel is 1 again, as
    :func:`mnist_cnn.reading.digit.to_mnist` does. Photos of real pens, prepared for the model, vary in
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


def build_photo_model(config: PhotoConfig = SMALL, name: str = "mnist_cnn") -> keras.Sequential:
    """:func:`mnist_cnn.model.build_model` with a :class:`RandomStroke` layer first when
    ``config.augment_stroke`` is set (it passes images unchanged at inference)."""
    first = [RandomStroke(config.augment_stroke, seed=config.seed, name="augment_stroke")
             if config.augment_stroke else None]
    return build_model(config, name, first_layers=[layer for layer in first if layer is not None])


def train_photo_model(x_train: np.ndarray, y_train: np.ndarray, config: PhotoConfig = SMALL, *,
                      validation_data=None, verbose: int | str = 2, callbacks: list | None = None):
    """:func:`mnist_cnn.train.train` on the training images plus ``config.reink_copies`` re-inked
    copies of them (validation stays plain MNIST), with :func:`build_photo_model`.

    Args and returns as :func:`mnist_cnn.train.train`.
    """
    if validation_data is None:
        x_train, y_train, validation_data = hold_out_validation(x_train, y_train, config)
    if config.reink_copies:  # training images only
        low = config.low_resolution_fraction
        x_train = np.concatenate([x_train] + [reink_images(x_train, config.seed + k, low)
                                              for k in range(config.reink_copies)])
        y_train = np.concatenate([y_train] * (config.reink_copies + 1))
    return train(x_train, y_train, config, validation_data=validation_data, verbose=verbose,
                 callbacks=callbacks, build=build_photo_model)
