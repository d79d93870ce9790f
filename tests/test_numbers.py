"""mnist_cnn.reading.numbers: whole numbers read digit by digit, left to right, with boxes."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_cnn.reading.images import ImageError
from mnist_cnn.reading.numbers import NumberReading, find_digits, read_number
from mnist_cnn.reading.strokes import draw_digit


class Fixed:
    """A stand-in model: always 90 % sure of digit 3."""

    def __call__(self, x, training=False):
        probs = np.full((len(x), 10), 0.1 / 9, np.float32)
        probs[:, 3] = 0.9
        return probs


def written(digits, width: int = 110, gap: int = 0) -> np.ndarray:
    """The digits drawn side by side on one light page (RGB uint8)."""
    cells = [draw_digit(d, size=(width, 180), box=(15 + gap, 25, width - 30 - 2 * gap, 130), pen=7, seed=i)
             for i, d in enumerate(digits)]
    return np.concatenate(cells, axis=1)


def test_boxes_left_to_right_specks_and_dots_ignored():
    mask = np.zeros((100, 300), bool)
    mask[20:80, 200:215] = True  # written last, found last
    mask[20:80, 20:60] = True
    mask[20:80, 110:150] = True
    mask[75:79, 80:84] = True  # a decimal dot
    mask[5, 5] = True  # a speck
    boxes = find_digits(mask)
    assert [b[0] for b in boxes] == [20, 110, 200]
    assert boxes[0] == (20, 20, 40, 60)


def test_touching_digits_are_split_where_the_ink_is_thinnest():
    mask = np.zeros((100, 200), bool)
    mask[20:80, 30:70] = True  # two digit-shaped blobs (40x60) ...
    mask[20:80, 76:116] = True
    mask[48:52, 70:76] = True  # ... joined by a thin touch
    boxes = find_digits(mask)
    assert len(boxes) == 2
    assert 69 <= boxes[0][0] + boxes[0][2] <= 77  # cut inside the thin join


def test_detached_pieces_of_one_digit_stay_together():
    mask = np.zeros((100, 200), bool)
    mask[30:80, 40:48] = True  # the stem of a "5"
    mask[20:24, 40:75] = True  # its top bar, drawn apart from the stem
    mask[75:79, 100:104] = True  # a dot after it, over no digit
    assert find_digits(mask) == [(40, 20, 35, 60)]  # the bar is in the box, the dot is not


def test_a_short_piece_barely_over_a_digit_joins_it():
    mask = np.zeros((160, 300), bool)
    mask[20:130, 20:70] = True  # a digit
    mask[35:140, 120:135] = True  # the stem of a "7" ...
    mask[30:85, 100:116] = True  # ... and its top, broken off: apart from the stem, but its
    mask[30:33, 116:124] = True  # hook shares 4 columns with it
    mask[20:130, 200:250] = True  # the next digit, close but not overlapping
    mask[20:130, 260:275] = True  # a "1" just after it
    assert [b[0] for b in find_digits(mask)] == [20, 100, 200, 260]


def test_read_number_with_a_stand_in_model():
    page = written([2, 0, 2, 6])
    reading = read_number(page, model=Fixed())
    assert isinstance(reading, NumberReading) and reading.text == "3333"
    assert reading.confidence == pytest.approx(0.9)
    for i, digit in enumerate(reading.digits):
        x, y, w, h = digit.box
        assert i * 110 <= x and x + w <= (i + 1) * 110  # each box around its own digit
        assert digit.image.shape == (28, 28)
    row = reading.to_dict()
    assert row["number"] == "3333" and len(row["digits"][0]["box"]) == 4


def test_shipped_model_reads_a_written_number():
    reading = read_number(written([2, 0, 2, 6]))
    assert reading.text == "2026"


def test_blank_page_and_text_are_refused():
    with pytest.raises(ImageError, match="no digit found"):
        read_number(np.full((100, 200), 240, np.uint8), model=Fixed())
    many = np.concatenate([written([1], width=40)] * 14, axis=1)
    with pytest.raises(ImageError, match="too many for a number"):
        read_number(many, model=Fixed())
