"""Reading a whole number written in a row ("2026", a house number, a price).

:func:`read_number` cleans the photo like :func:`mnist_cnn.reading.digit.prepare_image` (paper, shadows
and ruled lines removed), then finds the digits:

1. connected pieces of ink; specks (far less ink than the biggest piece) are ignored;
2. pieces that overlap left-to-right belong to one digit; so does a piece much shorter than the
   digits that lies over one (a "5" whose bar is detached, the top of a "7" whose stroke broke);
   a short piece over no digit (a dot, a dash) is left out;
3. a piece much wider than a digit is tall holds touching digits: it is cut where the ink is
   thinnest (the minimum of the column sums near each expected cut);
4. each digit is scaled and centred like MNIST and read by the model, left to right.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from mnist_cnn.reading.digit import crop_ink, to_mnist
from mnist_cnn.reading.images import ImageError
from mnist_cnn.reading.page import find_ink
from mnist_cnn.reading.shipped import resolve_model

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


def _width(box: list[int]) -> int:
    return box[1] - box[0]


def _overlap(a: list[int], b: list[int]) -> int:
    """How many columns two boxes ``[x0, x1, y0, y1]`` share (negative: the gap between them)."""
    return min(a[1], b[1]) - max(a[0], b[0])


def _union(a: list[int], b: list[int]) -> list[int]:
    return [min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])]


def find_digits(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x, y, w, h)`` of the digits in a binary ink mask, left to right.

    Args:
        mask: bool (H, W), True = ink (ruled lines already removed).

    Returns:
        One box per digit; touching digits are split at the thinnest column of ink.
    """
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        return []
    slices = ndimage.find_objects(labels)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    tall = max(s[0].stop - s[0].start for s in slices)
    # Specks: little ink next to the biggest piece. Of the rest, the tall pieces make the digits;
    # short ones (a detached bar, a dot, a dash) join a digit they lie over, or are left out.
    pieces = sorted([s[1].start, s[1].stop, s[0].start, s[0].stop]  # x0, x1, y0, y1
                    for s, n in zip(slices, sizes) if n >= 0.02 * sizes.max())
    groups: list[list[int]] = []
    for box in (b for b in pieces if b[3] - b[2] >= 0.4 * tall):
        if groups and _overlap(groups[-1], box) > 0.5 * min(_width(box), _width(groups[-1])):
            groups[-1] = _union(groups[-1], box)
        else:
            groups.append(box)
    height = float(np.median([g[3] - g[2] for g in groups])) if groups else 0.0
    # A piece much shorter than the digits that overlaps a neighbour is part of it (the top of a
    # "7" whose stroke broke, a "5" whose bar is drawn apart).
    k = 0
    while k < len(groups):
        near = [j for j in (k - 1, k + 1) if 0 <= j < len(groups) and _overlap(groups[j], groups[k]) > 0]
        if groups[k][3] - groups[k][2] < 0.6 * height and near:
            j = max(near, key=lambda j: _overlap(groups[j], groups[k]))
            groups[j] = _union(groups[j], groups[k])
            del groups[k]
            k = 0
        else:
            k += 1
    for box in (b for b in pieces if b[3] - b[2] < 0.4 * tall):
        best = max(groups, key=lambda g: _overlap(g, box), default=None)
        if (best is not None and _overlap(best, box) > 0.5 * min(_width(box), _width(best))
                and box[2] < best[3] + height / 2 and box[3] > best[2] - height / 2):
            best[:] = _union(best, box)
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
        model: A Keras model mapping (n, 28, 28, 1) to (n, 10) probabilities, or a ``.keras``
            path; default: the shipped photo ensemble.
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
    model = resolve_model(model)
    probs = np.asarray(model(np.stack(images)[..., None], training=False), np.float64)
    digits = [DigitReading(int(p.argmax()), float(p.max()), tuple(int(v) for v in box), p, im)
              for p, box, im in zip(probs, boxes, images)]
    return NumberReading(name, digits)
