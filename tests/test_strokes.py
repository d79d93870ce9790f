"""mnist_cnn.reading.strokes and synthetic.handwriting_pages: pen-drawn digits, and real non-MNIST
digits as photos."""

import numpy as np
import pytest

from mnist_cnn.reading.reader import read_digits
from mnist_cnn.reading.strokes import STROKES, draw_digit
from mnist_cnn.reading.synthetic import handwriting_pages


def test_pages_are_dark_ink_on_light_paper_of_varied_size():
    pages, labels = handwriting_pages(n=20, seed=1)
    assert len(pages) == 20 and labels.shape == (20,) and set(labels) <= set(range(10))
    assert all(p.dtype == np.uint8 and p.ndim == 3 and p.shape[2] == 3 for p in pages)
    assert len({p.shape for p in pages}) > 10  # sizes vary
    assert all(np.median(p) > 150 for p in pages)  # mostly light paper
    again, same = handwriting_pages(n=20, seed=1)
    assert np.array_equal(labels, same) and all(np.array_equal(a, b) for a, b in zip(pages, again))


def test_draw_digit_puts_ink_in_the_box():
    img = draw_digit(7, size=(200, 100), box=(120, 10, 40, 80), pen=5)
    assert img.shape == (100, 200, 3) and img.dtype == np.uint8
    dark = img.mean(axis=2) < 128
    rows, cols = np.flatnonzero(dark.any(1)), np.flatnonzero(dark.any(0))
    assert 110 <= cols[0] and cols[-1] <= 170 and rows[0] >= 0 and rows[-1] <= 95
    assert sorted(STROKES) == list(range(10))


@pytest.mark.slow
def test_shipped_model_reads_drawn_digits_at_any_size_place_and_colour():
    images, truth = [], []
    for d in range(10):
        for i, (box, pen, ink) in enumerate([((20, 20, 60, 100), 4, (0, 0, 0)),
                                             ((150, 140, 120, 200), 9, (20, 40, 160)),
                                             ((60, 200, 30, 50), 3, (90, 20, 20))]):
            images.append(draw_digit(d, size=(300, 360), box=box, pen=pen, ink=ink, seed=i))
            truth.append(d)
    labels = [r.label for r in read_digits(images)]
    assert np.mean(np.array(labels) == truth) >= 0.9
