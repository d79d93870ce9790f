"""Turning predictions into numbers: predicted classes, confusion matrix, report, mistakes."""

from __future__ import annotations

import keras
import numpy as np
from scipy import ndimage
from sklearn.metrics import classification_report, confusion_matrix

from mnist_cnn.config import NUM_CLASSES


def predict_probabilities(model: keras.Model, x: np.ndarray, batch_size: int = 1000,
                          shift: int = 0) -> np.ndarray:
    """Return the model's class probabilities for images ``x``, shape (n, 10), float32.

    Args:
        shift: Test-time augmentation: with ``shift > 0``, average the probabilities of each
            image and of its four copies moved by ``shift`` pixels up, down, left and right
            (:func:`shift_averaged`). 0: one plain prediction per image.
    """
    return shift_averaged(lambda images: model.predict(images, batch_size=batch_size, verbose=0), x, shift)


def shift_averaged(predict, x: np.ndarray, shift: int) -> np.ndarray:
    """Average ``predict(images) -> probabilities`` over ``x`` and its four copies moved by
    ``shift`` pixels up, down, left and right (``shift=0``: just ``predict(x)``), as float32."""
    if shift < 0:
        raise ValueError(f"shift must be >= 0, got {shift}")
    moves = [(0, 0)] + ([(shift, 0), (-shift, 0), (0, shift), (0, -shift)] if shift else [])
    total = sum(np.asarray(predict(shift_images(x, dy, dx) if dy or dx else x), dtype=np.float32)
                for dy, dx in moves)
    return total / len(moves)


def shift_images(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move images ``x`` (n, h, w[, c]) by ``dy`` pixels down and ``dx`` right (negative: up,
    left); pixels moved in from outside are 0 (background). Returns a new array, same dtype."""
    x = np.asarray(x)
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    if abs(dy) < h and abs(dx) < w:
        out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            x[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def confusion(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Return the 10x10 confusion matrix (rows = true digit, columns = predicted digit)."""
    return confusion_matrix(y_true, y_pred, labels=np.arange(NUM_CLASSES))


def report(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    """Return scikit-learn's per-digit precision / recall / F1 report as text."""
    return classification_report(
        y_true, y_pred, labels=np.arange(NUM_CLASSES), digits=4, zero_division=0
    )


def most_confused(cm: np.ndarray, k: int = 5) -> list[tuple[int, int, int]]:
    """Return the ``k`` most frequent mistakes as ``(true digit, predicted digit, count)``,
    largest first (off-diagonal cells of the confusion matrix; zero counts left out)."""
    off = np.array(cm, dtype=np.int64, copy=True)
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None, kind="stable")[::-1][:k]
    pairs = [(int(i), int(j), int(off[i, j])) for i, j in zip(*np.unravel_index(order, off.shape))]
    return [p for p in pairs if p[2] > 0]


def confident_mistakes(y_true: np.ndarray, probs: np.ndarray, k: int = 10) -> np.ndarray:
    """Return indices of the ``k`` wrong predictions the model was most sure of, surest first."""
    y_pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != np.asarray(y_true))
    return wrong[np.argsort(-probs[wrong, y_pred[wrong]], kind="stable")][:k]


def shift_and_rotate(x: np.ndarray, max_shift: int = 4, max_rotation: float = 20.0,
                     seed: int = 0) -> np.ndarray:
    """A harder copy of test images: each shifted by up to ``max_shift`` pixels in x and y and
    rotated by up to ``max_rotation`` degrees, at random but reproducibly (``seed``).

    Args:
        x: Images (n, 28, 28) or (n, 28, 28, 1), float in [0, 1] or uint8.

    Returns:
        float32 array with the same shape as ``x``.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, np.float32)
    out = np.empty_like(x)
    for i, image in enumerate(x):
        img = image.reshape(28, 28)
        img = ndimage.rotate(img, rng.uniform(-max_rotation, max_rotation), reshape=False, order=1)
        img = ndimage.shift(img, rng.integers(-max_shift, max_shift + 1, size=2), order=0)
        out[i] = np.clip(img, 0, None).reshape(image.shape)
    return out


def scorecard(name: str, model: keras.Model, sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """One row of a results table: the model's accuracy on each named set of ``(images, labels)``
    and its number of parameters."""
    row: dict = {"model": name}
    for label, (x, y) in sets.items():
        row[label] = float((predict_probabilities(model, x).argmax(1) == np.asarray(y)).mean())
    row["params"] = model.count_params()
    return row


def format_results(rows: list[dict]) -> str:
    """:func:`scorecard` rows as a Markdown table (accuracies in %, parameters with commas)."""
    sets = [key for key in rows[0] if key not in ("model", "params")]
    lines = ["| model | " + " | ".join(sets) + " | params |", "|---" * (len(sets) + 2) + "|"]
    for r in rows:
        cells = " | ".join(f"{r[key]:.2%}" for key in sets)
        lines.append(f"| {r['model']} | {cells} | {r['params']:,} |")
    return "\n".join(lines)
