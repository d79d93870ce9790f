"""One digit: keep its pieces, crop it, and scale it as MNIST's digits were made.

MNIST's digits were made by (1) scanning dark ink on white paper, (2) inverting to white on
black, (3) size-normalising each digit to fit a 20x20 box with its aspect ratio kept (which
anti-aliases it into grey levels), and (4) placing it in a 28x28 frame so that its centre of mass
is in the middle. :func:`prepare_image` repeats those steps for an arbitrary photo: the page's ink
from :func:`mnist_cnn.reading.page.find_ink`, then

4. keep the digit (pieces at least 10 % of the largest and near it; specks and scraps dropped),
   crop to it, thicken pen strokes that would vanish when shrunk, scale into 20x20;
5. centre by centre of mass in 28x28.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.morphology import disk, skeletonize

from mnist_cnn.reading.page import find_ink

BOX = 20  #: MNIST's digit box
SIZE = 28  #: MNIST's frame
TARGET_STROKE = 2.2  #: typical MNIST pen width in pixels, inside the 20x20 box


def stroke_width(mask: np.ndarray) -> float:
    """Estimate the pen width in pixels of a binary ink mask (twice the mean distance from the
    stroke's centre line to its edge)."""
    mask = np.pad(mask, 1)  # the edge of the array counts as paper
    skeleton = skeletonize(mask)
    if not skeleton.any():
        return 1.0
    distance = ndimage.distance_transform_edt(mask)
    return float(max(1.0, 2 * distance[skeleton].mean() - 1))



def to_mnist(crop: np.ndarray, crop_mask: np.ndarray, steps: dict | None = None) -> np.ndarray:
    """Steps 4-5 of :func:`prepare_image`: scale a cropped digit into 20x20 and centre it in 28x28.

    Args:
        crop: float (h, w) ink darkness in [0, 1] (0 outside the digit).
        crop_mask: bool (h, w) ink pixels of the digit (for the pen width).
        steps: If a dict is given, "20x20" and "28x28" are added to it.

    Returns:
        float32 (28, 28) in [0, 1], white digit on black, centred by its centre of mass.
    """
    steps = {} if steps is None else steps
    if max(crop.shape) > 10 * BOX:  # a big digit from a phone photo: shrink it first (fast, and
        # the thickening below works on a small array); box averaging keeps the grey levels right
        factor = max(crop.shape) / (10 * BOX)
        size = (max(1, round(crop.shape[1] / factor)), max(1, round(crop.shape[0] / factor)))
        crop = np.asarray(Image.fromarray(crop.astype(np.float32), mode="F")
                          .resize(size, Image.Resampling.BOX), np.float32)
        crop_mask = np.asarray(Image.fromarray(crop_mask.astype(np.float32), mode="F")
                               .resize(size, Image.Resampling.BOX)) >= 0.5
    # Scale the longer side to 20 px; thicken thin strokes first so they survive the shrink.
    scale = BOX / max(crop.shape)
    needed = TARGET_STROKE / scale  # pen width (source pixels) that becomes ~2.2 px
    width = stroke_width(crop_mask)
    if width < needed:
        grow = int(round((needed - width) / 2))
        if grow > 0:
            crop = np.pad(crop, grow)
            crop = ndimage.grey_dilation(crop, footprint=disk(grow))
    out_h = max(1, int(round(crop.shape[0] * BOX / max(crop.shape))))
    out_w = max(1, int(round(crop.shape[1] * BOX / max(crop.shape))))
    # A box filter averages exactly the source pixels under each target pixel (what a scanner
    # does); a Gaussian pre-blur would smear a 24x shrink into a faint haze.
    small = np.asarray(Image.fromarray(crop.astype(np.float32), mode="F")
                       .resize((out_w, out_h), Image.Resampling.BOX), dtype=np.float64)
    small = np.clip(small / max(small.max(), 1e-6), 0, 1)
    steps["20x20"] = small.copy()
    frame = np.zeros((SIZE, SIZE), np.float64)
    y0, x0 = (SIZE - out_h) // 2, (SIZE - out_w) // 2
    frame[y0:y0 + out_h, x0:x0 + out_w] = small
    cy, cx = ndimage.center_of_mass(frame)
    # MNIST puts the centre of mass at pixel (14, 14) (measured: 14.0 +- 0.3 on its images)
    frame = ndimage.shift(frame, (SIZE / 2 - cy, SIZE / 2 - cx), order=1, mode="constant")
    frame = np.clip(frame, 0, 1).astype(np.float32)
    steps["28x28"] = frame
    return frame


def crop_ink(ink: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut the ink of the pieces in ``keep`` (bool (H, W)) out of ``ink``: ``(crop, crop_mask)``.

    Ink within 2 pixels of a kept piece stays (its anti-aliased edge); everything else is 0.
    """
    rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    t, b, lo, r = max(0, top - 2), bottom + 2, max(0, left - 2), right + 2
    near = ndimage.binary_dilation(keep[t:b, lo:r], iterations=2)
    window = np.where(near, ink[t:b, lo:r], 0.0)
    y, x = top - t, left - lo
    return window[y:y + bottom - top, x:x + right - left], keep[top:bottom, left:right]


def keep_digit(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The pieces of ``mask`` that make the digit: bool (H, W).

    A piece is kept if it holds at least 10 % of the ink of the piece holding the most (specks and
    dust go), its ink is at least 40 % as dark on average (a faint trace of a shadow's edge goes),
    and it lies near that piece: no farther from its box than the piece's longer side (a digit's
    strokes are close together; a smudge or a scrap of a line elsewhere on the page is not part
    of it).
    """
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    mass = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=count + 1)[1:]
    mean = mass / np.maximum(np.bincount(labels.ravel(), minlength=count + 1)[1:], 1)
    main = int(np.argmax(mass))
    boxes = np.array([(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(labels)])
    top, bottom, left, right = boxes[main]
    reach = max(bottom - top, right - left)
    gap = np.maximum(np.maximum(top - boxes[:, 1], boxes[:, 0] - bottom).clip(0),  # rows between
                     np.maximum(left - boxes[:, 3], boxes[:, 2] - right).clip(0))  # columns between
    keep = (mass >= 0.1 * mass[main]) & (mean >= 0.4 * mean[main]) & (gap <= reach)
    return np.isin(labels, 1 + np.flatnonzero(keep))


def prepare_image(
    image: np.ndarray | str | os.PathLike, name: str | None = None, steps: dict | None = None
) -> np.ndarray:
    """Turn a photo, scan or array of one handwritten digit into an MNIST-like input.

    Args:
        image: A path, or an array (H, W) / (H, W, 3|4), dark ink on light paper or light on dark.
        name: How to name the input in error messages (default: the path, or "array").
        steps: If a dict is given, it is filled with the intermediate images, in order:
            "greyscale", "ink", "lines removed" (only if the page had ruled / grid lines),
            "digit", "cropped", "20x20", "28x28" (for teaching and debugging).

    Returns:
        float32 (28, 28) in [0, 1]: a white digit on black, scaled into the central 20x20 box
        and centred by its centre of mass, like MNIST.

    Raises:
        ImageError: The input is unreadable, too small, or holds no digit (blank page, too faint).
    """
    steps = {} if steps is None else steps
    ink, mask, name = find_ink(image, name, steps)
    keep = keep_digit(ink, mask)
    crop, crop_mask = crop_ink(ink, keep)
    steps["digit"] = np.where(ndimage.binary_dilation(keep, iterations=2), ink, 0.0).astype(np.float32)
    steps["cropped"] = crop.copy()
    return to_mnist(crop, crop_mask, steps)
