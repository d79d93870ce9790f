"""Digits drawn from pen strokes, as a person writes them: the shapes, and the pen that draws them.

Used to make test images of handwriting that is not MNIST (:func:`draw_digit`, and the "strokes"
source of :mod:`mnist_cnn.reading.synthetic`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

#: Pen strokes of each digit in a unit box (x right, y down), one list of points per stroke,
#: roughly as a person writes them.
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5, 0.0), (0.2, 0.12), (0.05, 0.5), (0.2, 0.88), (0.5, 1.0), (0.8, 0.88), (0.95, 0.5),
         (0.8, 0.12), (0.5, 0.0)]],
    1: [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
    2: [[(0.1, 0.25), (0.3, 0.03), (0.6, 0.0), (0.85, 0.2), (0.8, 0.45), (0.1, 1.0), (0.95, 1.0)]],
    3: [[(0.1, 0.1), (0.5, 0.0), (0.85, 0.15), (0.8, 0.38), (0.45, 0.5), (0.85, 0.62), (0.9, 0.85),
         (0.5, 1.0), (0.1, 0.9)]],
    4: [[(0.65, 1.0), (0.65, 0.0), (0.05, 0.7), (0.95, 0.7)]],
    5: [[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), (0.55, 0.38), (0.85, 0.55), (0.85, 0.85),
         (0.5, 1.0), (0.1, 0.9)]],
    6: [[(0.8, 0.05), (0.45, 0.1), (0.15, 0.5), (0.15, 0.85), (0.45, 1.0), (0.8, 0.85), (0.8, 0.6),
         (0.5, 0.48), (0.15, 0.65)]],
    7: [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.3, 0.5), (0.8, 0.5)]],
    8: [[(0.5, 0.48), (0.15, 0.3), (0.2, 0.05), (0.5, 0.0), (0.8, 0.05), (0.85, 0.3), (0.5, 0.48),
         (0.1, 0.7), (0.2, 0.95), (0.5, 1.0), (0.8, 0.95), (0.9, 0.7), (0.5, 0.48)]],
    9: [[(0.85, 0.35), (0.5, 0.5), (0.15, 0.35), (0.2, 0.08), (0.5, 0.0), (0.85, 0.15),
         (0.85, 0.35), (0.75, 1.0)]],
}


def pen_line(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], pen: float, fill) -> None:
    """Draw one stroke through ``points`` with a round pen ``pen`` pixels wide (round tips too)."""
    draw.line(points, fill=fill, width=int(round(pen)), joint="curve")
    for x, y in (points[0], points[-1]):
        draw.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill=fill)


def draw_digit(
    digit: int,
    size: tuple[int, int] = (240, 320),
    box: tuple[int, int, int, int] = (60, 60, 120, 200),
    pen: int = 6,
    ink: tuple[int, int, int] = (25, 25, 60),
    paper: tuple[int, int, int] = (250, 248, 240),
    seed: int = 0,
) -> np.ndarray:
    """Draw ``digit`` with a pen, as a person would on paper (dark ink on light paper).

    Args:
        digit: 0-9.
        size: Page ``(width, height)`` in pixels.
        box: Where the digit goes: ``(left, top, width, height)`` in pixels (anywhere on the page).
        pen: Pen width in pixels.
        ink, paper: RGB colours.
        seed: Small random wobble of the strokes, like a real hand.

    Returns:
        RGB uint8 image of shape (height, width, 3).
    """
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    left, top, width, height = box
    for stroke in STROKES[digit]:
        points = [(left + (x + rng.normal(0, 0.02)) * width, top + (y + rng.normal(0, 0.02)) * height)
                  for x, y in stroke]
        pen_line(draw, points, pen, ink)
    return np.asarray(img)
