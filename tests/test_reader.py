"""mnist_cnn.reading.reader: the model on photos; one bad file never stops the others."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_cnn.reading.reader import PhotoReading, read_digits
from tests.test_digit import render_digit, save


class Fixed:
    """A stand-in model: always 90 % sure of digit 3 (keeps unit tests independent of training)."""

    def __call__(self, x, training=False):
        probs = np.full((len(x), 10), 0.1 / 9, np.float32)
        probs[:, 3] = 0.9
        return probs


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    good = save(render_digit(3), tmp_path / "good.png")
    bad = tmp_path / "bad.png"
    bad.write_text("junk")
    results = read_digits([good, bad, np.asarray(render_digit(8))], model=Fixed())
    assert [r.error is None for r in results] == [True, False, True]
    assert results[0].label == 3 and results[0].confidence == pytest.approx(0.9)
    assert results[0].image.shape == (28, 28)
    assert results[1].to_dict() == {"path": str(bad), "error": results[1].error}
    top = results[0].to_dict(k=2)["top_k"]
    assert top[0] == {"label": 3, "probability": pytest.approx(0.9)} and len(top) == 2


def test_prediction_top_k_order():
    p = PhotoReading("x", label=1, confidence=0.6, probabilities=np.array([0.1, 0.6, 0.3] + [0] * 7))
    assert p.top_k(2) == [(1, 0.6), (2, 0.3)]

