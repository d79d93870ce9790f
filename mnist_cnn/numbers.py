"""Reading a whole number written in a row ("2026", a house number, a price).

:func:`read_number` cleans the photo like :func:`mnist_cnn.prepare.prepare_image` (paper, shadows
and ruled lines removed), then finds the digits:

1. connected pieces of ink; specks and dots (far smaller than the tallest pieces) are ignored;
2. pieces that overlap left-to-right belong to one digit (a "5" whose bar is detached);
3. a piece much wider than a digit is tall holds touching digits: it is cut where the ink is
   thinnest (the minimum of the column sums near each expected cut);
4. each digit is scaled and centred like MNIST and read by the model, left to right.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from mnist_cnn.prepare import ImageError, crop_ink, find_ink, to_mnist

MAX_DIGITS = 12  #: more pieces than this is text or a drawing, not a number
DIGIT_ASPECT = 0.75  #: a wide piece is split into round(width / (this * height)) digits


@dataclass
class DigitReading:
    """One digit of a number: its label, confidence, box ``(x, y, w, h)`` in the original image."""

    label: int
    confidence: float
    box: tuple[int, int, int, int]
    probabilities: np.ndarray = field(repr=False)
    image: np.ndarray = field(repr=False)  #: the 28x28 input the model saw


@dataclass
class NumberReading:
    """The digits of a number, left to right."""

    source: str
    digits: list[DigitReading]

    @property
    def text(self) -> str:
        """The number as a string of digits (it may start with 0)."""
        return "".join(str(d.label) for d in self.digits)

    @property
    def confidence(self) -> float:
        """The lowest confidence of its digits (the number is as sure as its least sure digit)."""
        return min((d.confidence for d in self.digits), default=0.0)

    def to_dict(self) -> dict:
        """A JSON-friendly dict: path, number, confidence and each digit with its box."""
        return {"path": self.source, "number": self.text, "confidence": round(self.confidence, 6),
                "digits": [{"label": d.label, "confidence": round(d.confidence, 6), "box": list(d.box)}
                           for d in self.digits]}


def find_digits(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x, y, w, h)`` of the digits in a binary ink mask, left to right.

    Args:
        mask: bool (H, W), True = ink (ruled lines already removed).

    Returns:
        One box per digit; touching digits are split at the thinnest column of ink.
    """
    from scipy import ndimage

    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        return []
    slices = ndimage.find_objects(labels)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    heights = np.array([s[0].stop - s[0].start for s in slices])
    tall = heights.max()
    # Specks and dots: small in height and in ink next to the tallest pieces.
    pieces = [s for s, h, n in zip(slices, heights, sizes)
              if h >= 0.4 * tall and n >= 0.02 * sizes.max()]
    pieces.sort(key=lambda s: s[1].start)
    groups: list[list[int]] = []  # [x0, x1, y0, y1] of each digit
    for s in pieces:
        x0, x1, y0, y1 = s[1].start, s[1].stop, s[0].start, s[0].stop
        if groups:
            last = groups[-1]
            overlap = min(last[1], x1) - max(last[0], x0)
            if overlap > 0.5 * min(x1 - x0, last[1] - last[0]):
                groups[-1] = [min(last[0], x0), max(last[1], x1), min(last[2], y0), max(last[3], y1)]
                continue
        groups.append([x0, x1, y0, y1])
    height = float(np.median([g[3] - g[2] for g in groups])) if groups else 0.0
    boxes = []
    for x0, x1, y0, y1 in groups:
        width = x1 - x0
        parts = max(1, int(round(width / (DIGIT_ASPECT * max(height, y1 - y0)))))
        if parts == 1:
            boxes.append((x0, y0, width, y1 - y0))
            continue
        columns = mask[y0:y1, x0:x1].sum(axis=0)
        cuts = [0]
        for k in range(1, parts):
            centre, reach = k * width / parts, width / parts / 3
            lo, hi = int(centre - reach), int(centre + reach) + 1
            cuts.append(lo + int(np.argmin(columns[lo:hi])))
        cuts.append(width)
        for a, b in zip(cuts, cuts[1:]):
            rows = np.flatnonzero(mask[y0:y1, x0 + a:x0 + b].any(axis=1))
            if b > a and len(rows):
                boxes.append((x0 + a, y0 + int(rows[0]), b - a, int(rows[-1] - rows[0] + 1)))
    return boxes


def read_number(image: np.ndarray | str | os.PathLike, model=None, name: str | None = None) -> NumberReading:
    """Read a number written in one row: each digit left to right, with confidence and box.

    Args:
        image: A path, or an array (H, W) / (H, W, 3|4).
        model: A Keras model mapping (n, 28, 28, 1) to (n, 10) probabilities; default: the
            shipped small model.
        name: How to name the input in messages (default: the path, or "array").

    Returns:
        A :class:`NumberReading`; boxes are in the original image's pixels.

    Raises:
        ImageError: Unreadable, no ink (blank or too faint), or too many pieces to be a number.
    """
    ink, mask, name = find_ink(image, name)
    boxes = find_digits(mask)
    if not boxes:
        raise ImageError(f"{name}: no digit found (only specks or ruled lines)")
    if len(boxes) > MAX_DIGITS:
        raise ImageError(f"{name}: found {len(boxes)} separate marks, too many for a number "
                         "(is it a photo of text?)")
    images = []
    for x, y, w, h in boxes:
        window = np.zeros_like(mask)
        window[y:y + h, x:x + w] = mask[y:y + h, x:x + w]
        crop, crop_mask = crop_ink(ink, window)
        images.append(to_mnist(crop, crop_mask))
    if model is None:
        from mnist_cnn.io import load_shipped_model

        model = load_shipped_model()
    probs = np.asarray(model(np.stack(images)[..., None], training=False), np.float64)
    digits = [DigitReading(int(p.argmax()), float(p.max()), tuple(int(v) for v in box), p, im)
              for p, box, im in zip(probs, boxes, images)]
    return NumberReading(name, digits)
