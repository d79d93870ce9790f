"""Re-inking: MNIST digits redrawn with another pen, to train a model that reads real pens.

MNIST's strokes came from a scanner: soft-edged, of varying width. A digit written with a
ballpoint or a marker and photographed comes out of :func:`mnist_cnn.reading.digit.prepare_image` with a
pen of even width. :func:`reink` keeps a digit's shape (its centre line) and redraws it with a pen
of random width and softness, so a model trained on both kinds of stroke reads both. The shipped
model's recipe (``small``) adds one re-inked copy of its training images (``reink_copies=1``).
:func:`low_resolution` shows a re-inked digit as a photo that had only a few pixels for it
(``Config.low_resolution_fraction``).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

PEN_WIDTH = (1.0, 3.2)  #: range of the new pen's width, in pixels of the 28x28 image
SOFTNESS = (0.2, 0.6)  #: range of the blur (Gaussian sigma) of the pen's edge, in pixels
UPSCALE = 4  #: the centre line is found and redrawn on a 4x larger copy, then averaged back
LOW_RESOLUTION = (7, 14)  #: range of the side, in pixels, a digit is shrunk to by low_resolution


def reink(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Redraw one digit's centre line with a pen of random width and softness.

    Args:
        image: float (28, 28) in [0, 1], a white digit on black.
        rng: NumPy random generator (the pen is drawn from it).

    Returns:
        float32 (28, 28) in [0, 1] with its brightest pixel 1; the image unchanged (as float32)
        if it has no stroke to redraw.
    """
    image = np.asarray(image, np.float32)
    h, w = image.shape
    big = np.asarray(Image.fromarray(image, mode="F").resize((w * UPSCALE, h * UPSCALE),
                                                            Image.Resampling.BICUBIC))
    line = skeletonize(big > 0.5)
    if not line.any():
        return image
    pen = rng.uniform(*PEN_WIDTH) * UPSCALE
    stroke = (ndimage.distance_transform_edt(~line) <= pen / 2).astype(np.float32)
    soft = ndimage.gaussian_filter(stroke, UPSCALE * rng.uniform(*SOFTNESS))
    small = soft.reshape(h, UPSCALE, w, UPSCALE).mean(axis=(1, 3))  # box average, like a scanner
    return (small / max(float(small.max()), 1e-6)).astype(np.float32)


def low_resolution(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Show one digit as a photo that gave it only a few pixels: shrink, then enlarge back.

    A digit that covers 7-14 pixels of a small or distant photo (or of a scan at low resolution)
    reaches the model enlarged from those few pixels: rounded corners, closed loops, soft edges.
    This shrinks the 28x28 image to a random 7-14 px square (box average, as a camera sensor
    does) and enlarges it back (bilinear), so a model can learn what such digits look like.

    Args:
        image: float (28, 28) in [0, 1], a white digit on black.
        rng: NumPy random generator (the size is drawn from it).

    Returns:
        float32 (28, 28) in [0, 1] with its brightest pixel 1 (the image unchanged if blank).
    """
    image = np.asarray(image, np.float32)
    size = int(rng.integers(LOW_RESOLUTION[0], LOW_RESOLUTION[1] + 1))
    few = Image.fromarray(image, mode="F").resize((size, size), Image.Resampling.BOX)
    back = np.asarray(few.resize(image.shape[::-1], Image.Resampling.BILINEAR), np.float32)
    top = float(back.max())
    return (np.clip(back, 0, None) / top).astype(np.float32) if top > 0 else image


def reink_images(images: np.ndarray, seed: int = 0, low_resolution_fraction: float = 0.0) -> np.ndarray:
    """Re-ink every image (see :func:`reink`); same seed, same result.

    Args:
        images: float (n, 28, 28) or (n, 28, 28, 1) in [0, 1].
        seed: Seed of the pens.
        low_resolution_fraction: This fraction of the re-inked digits (chosen at random) is also
            passed through :func:`low_resolution` (0: none; the pens are the same either way).

    Returns:
        float32 array of the same shape.
    """
    images = np.asarray(images)
    rng = np.random.default_rng(seed)
    flat = images.reshape(len(images), *images.shape[1:3])
    out = np.stack([reink(x, rng) for x in flat])
    if low_resolution_fraction > 0:  # its own random stream: the pens above do not change
        rng = np.random.default_rng([seed, 1])
        for i in np.flatnonzero(rng.random(len(out)) < low_resolution_fraction):
            out[i] = low_resolution(out[i], rng)
    return out.reshape(images.shape).astype(np.float32)
