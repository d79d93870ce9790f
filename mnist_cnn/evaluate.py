"""Turning predictions into numbers: predicted classes, confusion matrix, report, mistakes."""

from __future__ import annotations

import keras
import numpy as np
from sklearn.metrics import classification_report, confusion_matrix

from mnist_cnn.config import NUM_CLASSES


def predict_probabilities(model: keras.Model, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Return the model's class probabilities for images ``x``, shape (n, 10), float32."""
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32)


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
