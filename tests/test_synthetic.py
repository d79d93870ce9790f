"""mnist_cnn.reading.synthetic and scoring: a seeded, reproducible photo set with disjoint dev and
test splits."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mnist_cnn.data import default_cache_path
from mnist_cnn.reading.scoring import accuracy_table, format_table
from mnist_cnn.reading.synthetic import PAPERS, digit_photos, number_photos

needs_mnist = pytest.mark.skipif(not default_cache_path().is_file(), reason="needs fetched MNIST")


@needs_mnist
def test_same_split_same_photos_and_splits_differ():
    a, b = list(digit_photos("dev", 4)), list(digit_photos("dev", 4))
    assert [p.data for p in a] == [p.data for p in b]
    assert [p.data for p in a] != [p.data for p in digit_photos("test", 4)]
    assert [p.data for p in a] == [p.data for p in digit_photos("dev", 4, seed=1_000)]  # dev's own seed
    fresh = list(digit_photos("dev", 4, seed=1_001))  # another sample of dev's source digits
    assert [p.data for p in fresh] == [p.data for p in digit_photos("dev", 4, seed=1_001)]
    assert not {p.data for p in fresh} & {p.data for p in a}


@needs_mnist
def test_photos_are_readable_files_with_their_conditions():
    for photo in digit_photos("dev", 6):
        with Image.open(io.BytesIO(photo.data)) as img:
            assert img.format.lower() in ("png", "jpeg", "webp")
            assert img.mode in ("RGB", "RGBA", "L") and min(img.size) >= 30
        assert photo.label in "0123456789" and photo.conditions["paper"] in PAPERS


@needs_mnist
def test_glyphs_are_kept_only_when_asked_and_do_not_change_the_photos():
    plain, kept = list(digit_photos("dev", 3)), list(digit_photos("dev", 3, with_glyphs=True))
    assert [p.data for p in plain] == [p.data for p in kept]
    assert all(p.glyph is None for p in plain)
    for photo in kept:
        assert photo.glyph.ndim == 2 and 0 <= photo.glyph.min() and photo.glyph.max() <= 1
        assert photo.glyph.max() > 0.5  # ink is there


@needs_mnist
def test_photos_without_files_have_the_same_conditions_labels_and_glyphs():
    kept = list(digit_photos("test", 40, with_glyphs=True))
    bare = list(digit_photos("test", 40, with_glyphs=True, encode=False))
    assert {p.conditions["format"] for p in kept} == {"png", "jpeg", "webp"}  # every branch drawn
    assert [(p.label, p.conditions, p.suffix, p.boxes) for p in bare] == \
        [(p.label, p.conditions, p.suffix, p.boxes) for p in kept]
    assert all(np.array_equal(a.glyph, b.glyph) for a, b in zip(bare, kept))
    assert all(p.data == b"" for p in bare)


@pytest.mark.slow
@needs_mnist
def test_audit_labels_answer_every_digit_on_the_sheets():
    import json
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks" / "photos"))
    from photo_audit import N_CONTROL, items

    digits = items()
    answers = json.loads((root / "benchmarks" / "photos" / "audit" / "labels.json").read_text())
    assert sorted(answers, key=int) == [str(i) for i in range(len(digits))]
    assert all(a["read"] == "?" or a["read"] in "0123456789" for a in answers.values())
    assert sum(d["source"] != "uci" for d in digits) == N_CONTROL


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
    assert "| paper | white | 2 | 50.0% | 9%-91% |" in text and np.isclose(rows[0][3], 2 / 3)


def test_interval_is_wilsons_and_narrows_with_more_photos():
    from mnist_cnn.reading.scoring import interval

    assert interval(0.95, 100) == pytest.approx((0.8882, 0.9785), abs=1e-3)  # textbook Wilson values
    assert interval(1.0, 20)[1] == 1.0 and interval(1.0, 20)[0] < 0.9  # 20 of 20 is not "100 % sure"
    wide, narrow = interval(0.9, 50), interval(0.9, 500)
    assert wide[0] < narrow[0] < 0.9 < narrow[1] < wide[1]


def test_tilted_photos_are_the_lined_pages_turned():
    from mnist_cnn.reading.synthetic import tilted_photos

    lined = ("ruled blue", "ruled grey", "squared")
    plain = [p for p in digit_photos("dev", 12) if p.conditions["paper"] in lined]
    tilted = list(tilted_photos("dev", 12))
    assert [p.label for p in tilted] == [p.label for p in plain] and tilted
    assert [p.data for p in tilted] == [p.data for p in tilted_photos("dev", 12)]  # seeded
    for before, after in zip(plain, tilted):
        assert after.conditions["page tilt"] in ("0-2 degrees", "2-5 degrees", "5-8 degrees")
        with Image.open(io.BytesIO(before.data)) as a, Image.open(io.BytesIO(after.data)) as b:
            assert a.size == b.size and a.mode == b.mode and a.format == b.format


def test_evaluate_digits_reads_every_photo_given(tmp_path):
    from mnist_cnn.reading.scoring import evaluate_digits
    from mnist_cnn.reading.shipped import load_shipped_model
    from mnist_cnn.reading.synthetic import tilted_photos

    model = load_shipped_model()
    results = evaluate_digits("dev", 4, model=model, folder=tmp_path)
    assert len(results) == 4 and len(list(tmp_path.iterdir())) == 4
    assert all(isinstance(ok, bool) and "paper" in c for c, ok in results)
    tilted = evaluate_digits(photos=tilted_photos("dev", 12), model=model)
    assert len(tilted) == len(list(tilted_photos("dev", 12))) > 0
    assert all("page tilt" in c for c, _ in tilted)
