"""Real handwriting that is not MNIST, for testing ``predict_images`` honestly.

scikit-learn ships the UCI "optical recognition of handwritten digits" set: 1,797 digits written
by 43 people on forms, scanned and reduced to 8x8 blocks of ink counts (0-16). None of them is
in MNIST. :func:`handwriting_pages` turns each into a picture of dark ink on light paper, at a
random size and position on a page with uneven lighting and paper noise, so the whole
``prepare_image`` pipeline (inversion, background removal, cropping, scaling, centring) is
exercised on digits the model has never seen from writers it has never seen.
"""

from __future__ import annotations

import numpy as np


def handwriting_pages(n: int | None = None, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Render the UCI digits as photos of dark ink on light paper.

    Args:
        n: How many digits (default: all 1,797), taken in a fixed random order.
        seed: Controls the order, sizes, positions, ink colours and paper.

    Returns:
        ``(pages, labels)``: RGB uint8 images of varying size, and int labels (n,).
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits.target))[: n or len(digits.target)]
    pages = []
    for i in order:
        ink = digits.images[i] / 16.0  # 8x8, 1 = full ink
        height = int(rng.integers(40, 200))  # the digit's size on the page, in pixels
        glyph = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).resize(
            (height, height), Image.Resampling.BICUBIC), np.float64) / 255
        page_h, page_w = int(height * rng.uniform(1.3, 3)), int(height * rng.uniform(1.3, 3))
        top = int(rng.integers(0, page_h - height + 1))
        left = int(rng.integers(0, page_w - height + 1))
        coverage = np.zeros((page_h, page_w))
        coverage[top:top + height, left:left + height] = np.clip(glyph, 0, 1)
        paper = rng.uniform(0.75, 1.0, 3)  # off-white paper, a little tinted
        light = np.linspace(rng.uniform(0.8, 1.0), 1.0, page_w)[None, :, None]  # uneven light
        pen = rng.uniform(0.0, 0.35, 3)  # dark blue, black or grey ink
        rgb = (paper * (1 - coverage[..., None]) + pen * coverage[..., None]) * light
        rgb += rng.normal(0, 0.02, rgb.shape)  # sensor / paper noise
        pages.append((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    return pages, digits.target[order].astype(np.int64)


def handwriting_accuracy(model=None, n: int | None = None, seed: int = 0) -> dict:
    """Accuracy of ``predict_images`` (default model: the shipped one) on :func:`handwriting_pages`.

    Returns:
        dict with ``accuracy``, ``n``, ``errors`` (inputs rejected by the pipeline) and
        ``per_digit`` accuracy.
    """
    from mnist_cnn.predict import predict_images

    pages, labels = handwriting_pages(n, seed)
    results = predict_images(pages, model=model)
    predicted = np.array([-1 if r.error else r.label for r in results])
    correct = predicted == labels
    return {
        "accuracy": float(correct.mean()),
        "n": len(labels),
        "errors": int(sum(r.error is not None for r in results)),
        "per_digit": {int(d): float(correct[labels == d].mean()) for d in range(10)},
    }


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
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    left, top, width, height = box
    for stroke in STROKES[digit]:
        points = [(left + (x + rng.normal(0, 0.02)) * width, top + (y + rng.normal(0, 0.02)) * height)
                  for x, y in stroke]
        draw.line(points, fill=ink, width=pen, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen tips
            draw.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill=ink)
    return np.asarray(img)
