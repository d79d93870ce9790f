"""What every check returns (:class:`Feedback`) and the helpers the checks share."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from mnist_cnn.evaluate import predict_probabilities


@dataclass(frozen=True)
class Feedback:
    """``ok``: True (right), False (wrong: ``message`` says what and where to look) or None
    (not answered yet)."""

    ok: bool | None
    message: str

    def __repr__(self) -> str:
        verdict = {True: "Correct", False: "Not yet", None: "Not answered yet"}[self.ok]
        return f"{verdict}: {self.message}"

    __str__ = __repr__


def passed(message: str) -> Feedback:
    return Feedback(True, message)


def failed(message: str) -> Feedback:
    return Feedback(False, message)


def unanswered(*answers) -> Feedback | None:
    if any(a is ... for a in answers):
        return Feedback(None, "replace each `...` in the cell by your code, then run it again.")
    return None


def as_number(value, name: str) -> Feedback | float:
    """The answer as a float, or the feedback for the usual slips (a list, a percentage)."""
    if isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.size > 1):
        return failed(f"`{name}` should be one number, not {len(value)} of them: model.evaluate() returns "
                      "[loss, accuracy], so take element [1].")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return failed(f"`{name}` should be a number, got {type(value).__name__}.")
    if number > 1:
        return failed(f"`{name}` is {number:g}: give it as a fraction between 0 and 1 (0.97, not 97).")
    return number


def layers(model, kind) -> list:
    return [layer for layer in model.layers if isinstance(layer, kind)]


def is_model(model, name: str) -> Feedback | None:
    if not isinstance(model, keras.Model):
        return failed(f"`{name}` should be a Keras model (keras.Sequential([...])), "
                      f"got {type(model).__name__}.")
    return None


def accuracy_of(model, x, y) -> float:
    """Share of images whose most probable class is the label (``y``: integers or one-hot)."""
    labels = np.asarray(y).argmax(1) if np.asarray(y).ndim == 2 else np.asarray(y)
    return float((predict_probabilities(model, x).argmax(1) == labels).mean())
