"""Reading your own handwriting: the digit in each of several photos or scans.

:func:`read_digits` prepares each image like MNIST (:func:`mnist_cnn.reading.digit.prepare_image`:
greyscale, paper and ruled lines removed, cropped, scaled into 20x20, centred in 28x28) and runs
the model on all of them in one batch. One bad file never stops the others: each
:class:`PhotoReading` carries either the answer or a one-line ``error``.

Below ``mnist_cnn.reading.MIN_CONFIDENCE`` the command line and the demo call an answer "not
sure".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from mnist_cnn.reading.digit import prepare_image
from mnist_cnn.reading.images import ImageError
from mnist_cnn.reading.shipped import resolve_model


@dataclass
class PhotoReading:
    """What the reader made of one image: its digit and probabilities, or an error (never both)."""

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


def read_digits(inputs, model=None) -> list[PhotoReading]:
    """Read the digit in each input; a bad input gives a result with ``error`` set.

    Args:
        inputs: Paths and/or arrays (one image each), or a single path or array.
        model: A Keras model mapping (n, 28, 28, 1) to (n, 10) probabilities, or the path of a
            ``.keras`` file; default: the shipped photo ensemble
            (:func:`mnist_cnn.reading.shipped.resolve_model`).

    Returns:
        One :class:`PhotoReading` per input, in order.
    """
    if isinstance(inputs, (str, os.PathLike, np.ndarray)):
        inputs = [inputs]
    results, batch = [], []
    for i, item in enumerate(inputs):
        name = str(item) if isinstance(item, (str, os.PathLike)) else f"array #{i}"
        try:
            image = prepare_image(item, name)
        except ImageError as exc:
            results.append(PhotoReading(source=name, error=str(exc)))
            continue
        results.append(PhotoReading(source=name, image=image))
        batch.append(len(results) - 1)
    if batch:
        model = resolve_model(model)
        x = np.stack([results[i].image for i in batch])[..., None]
        probs = np.asarray(model(x, training=False), dtype=np.float64)
        for row, i in zip(probs, batch):
            results[i].probabilities = row
            results[i].label = int(row.argmax())
            results[i].confidence = float(row.max())
    return results
