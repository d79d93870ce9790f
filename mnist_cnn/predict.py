"""Reading your own handwriting: run the model on photos or scans of one digit each.

The image preparation (greyscale, paper and ruled lines removed, cropped, scaled into 20x20,
centred in 28x28 like MNIST) lives in :mod:`mnist_cnn.prepare`; ``prepare_image``, ``read_image``
and ``ImageError`` are re-exported here for existing code.

:func:`predict_images` runs that on paths or arrays and the model, and never lets one bad file
stop the others: each result carries either a prediction or a one-line ``error``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from mnist_cnn.prepare import ImageError, prepare_image, read_image

__all__ = ["ImageError", "Prediction", "predict_images", "prepare_image", "read_image"]


@dataclass
class Prediction:
    """The result for one input: a prediction, or an error message (never both)."""

    source: str
    label: int | None = None
    confidence: float | None = None
    probabilities: np.ndarray | None = None
    image: np.ndarray | None = field(default=None, repr=False)  #: the 28x28 input the model saw
    error: str | None = None

    def top_k(self, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most probable digits as ``(digit, probability)``, most probable first."""
        if self.probabilities is None:
            return []
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]

    def to_dict(self, k: int = 3) -> dict:
        """A JSON-friendly dict: path, label, confidence and top-k, or path and error."""
        if self.error is not None:
            return {"path": self.source, "error": self.error}
        return {"path": self.source, "label": self.label, "confidence": round(self.confidence, 6),
                "top_k": [{"label": d, "probability": round(p, 6)} for d, p in self.top_k(k)]}


def predict_images(inputs, model=None) -> list[Prediction]:
    """Predict the digit in each input; a bad input gives a result with ``error`` set.

    Args:
        inputs: Paths and/or arrays (one image each), or a single path or array.
        model: A Keras model mapping (n, 28, 28, 1) to (n, 10) probabilities; default: the
            small model shipped with the package (:func:`load_shipped_model`).

    Returns:
        One :class:`Prediction` per input, in order.
    """
    if isinstance(inputs, (str, os.PathLike, np.ndarray)):
        inputs = [inputs]
    results, batch = [], []
    for i, item in enumerate(inputs):
        name = str(item) if isinstance(item, (str, os.PathLike)) else f"array #{i}"
        try:
            image = prepare_image(item, name)
        except ImageError as exc:
            results.append(Prediction(source=name, error=str(exc)))
            continue
        results.append(Prediction(source=name, image=image))
        batch.append(len(results) - 1)
    if batch:
        if model is None:
            from mnist_cnn.io import load_shipped_model

            model = load_shipped_model()
        x = np.stack([results[i].image for i in batch])[..., None]
        probs = np.asarray(model(x, training=False), dtype=np.float64)
        for row, i in zip(probs, batch):
            results[i].probabilities = row
            results[i].label = int(row.argmax())
            results[i].confidence = float(row.max())
    return results
