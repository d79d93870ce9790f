"""mnist_cnn.photos: a seeded, reproducible photo set with disjoint dev / test splits."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mnist_cnn.data import default_cache_path
from mnist_cnn.photos import PAPERS, accuracy_table, digit_photos, format_table, number_photos

needs_mnist = pytest.mark.skipif(not default_cache_path().is_file(), reason="needs fetched MNIST")


@needs_mnist
def test_same_split_same_photos_and_splits_differ():
    a, b = list(digit_photos("dev", 4)), list(digit_photos("dev", 4))
    assert [p.data for p in a] == [p.data for p in b]
    assert [p.data for p in a] != [p.data for p in digit_photos("test", 4)]


@needs_mnist
def test_photos_are_readable_files_with_their_conditions():
    for photo in digit_photos("dev", 6):
        with Image.open(io.BytesIO(photo.data)) as img:
            assert img.format.lower() in ("png", "jpeg", "webp")
            assert img.mode in ("RGB", "RGBA", "L") and min(img.size) >= 30
        assert photo.label in "0123456789" and photo.conditions["paper"] in PAPERS


@needs_mnist
def test_number_photos_have_one_box_per_digit():
    for photo in number_photos("dev", 3):
        assert 2 <= len(photo.label) <= 6 and len(photo.boxes) == len(photo.label)
        xs = [b[0] for b in photo.boxes]
        assert xs == sorted(xs)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split"):
        next(digit_photos("train", 1))


def test_accuracy_table_counts_per_condition():
    results = [({"paper": "white"}, True), ({"paper": "white"}, False), ({"paper": "ruled blue"}, True)]
    rows = accuracy_table(results)
    assert rows[0] == ("all", "", 3, pytest.approx(2 / 3))
    assert ("paper", "white", 2, 0.5) in rows and ("paper", "ruled blue", 1, 1.0) in rows
    text = format_table(rows)
    assert "| paper | white | 2 | 50.0% |" in text and np.isclose(rows[0][3], 2 / 3)
