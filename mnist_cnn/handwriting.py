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
