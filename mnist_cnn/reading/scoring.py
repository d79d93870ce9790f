"""Scoring the photo reader on the synthetic photos: accuracy per condition, as a table.

Used by notebook 03 and ``benchmarks/photos/``; the photos come from
:mod:`mnist_cnn.reading.synthetic`.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_cnn.reading.images import ImageError, pil_to_grey
from mnist_cnn.reading.numbers import read_number
from mnist_cnn.reading.reader import read_digits
from mnist_cnn.reading.shipped import resolve_model
from mnist_cnn.reading.synthetic import digit_photos, handwriting_pages, number_photos


def accuracy_table(results: list[tuple[dict, bool]]) -> list[tuple[str, str, int, float]]:
    """Accuracy per condition: rows ``(condition, value, n, accuracy)``, "all" first.

    Args:
        results: ``(conditions, correct)`` for each photo.
    """
    rows = [("all", "", len(results), float(np.mean([ok for _, ok in results])) if results else 0.0)]
    keys = list(results[0][0]) if results else []
    for key in keys:
        values = sorted({c[key] for c, _ in results}, key=str)
        for value in values:
            hits = [ok for c, ok in results if c[key] == value]
            rows.append((key, str(value), len(hits), float(np.mean(hits))))
    return rows


def interval(accuracy: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of an accuracy measured on ``n`` photos: the range of true
    accuracies that such a result is compatible with (its noise, from the sample's size alone)."""
    if n == 0:
        return 0.0, 1.0
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def format_table(rows: list[tuple[str, str, int, float]], title: str = "") -> str:
    """The rows of :func:`accuracy_table` as a Markdown table, with each row's 95 % interval."""
    lines = ([f"**{title}**", ""] if title else []) + ["| condition | value | n | accuracy | 95 % interval |",
                                                       "|---|---|---:|---:|---:|"]
    for k, v, n, a in rows:
        low, high = interval(a, n)
        lines.append(f"| {k} | {v} | {n} | {a:.1%} | {low:.0%}-{high:.0%} |")
    return "\n".join(lines)


def evaluate_digits(split: str = "test", n: int = 600, model=None, folder=None,
                    phone_rate: float = 0.03, photos=None,
                    seed: int | None = None) -> list[tuple[dict, bool]]:
    """Write :func:`digit_photos` to files, read them with ``read_digits``; ``(conditions, correct)``.

    Args:
        folder: Where to write the photos (default: a temporary folder, deleted afterwards).
        photos: Other photos to read instead (for example :func:`tilted_photos`).
        seed: As for :func:`digit_photos`.
    """
    model = resolve_model(model)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(folder or tmp)
        root.mkdir(parents=True, exist_ok=True)
        read, paths = [], []
        if photos is None:
            photos = digit_photos(split, n, phone_rate, seed=seed)
        for i, photo in enumerate(photos):
            path = root / f"{split}_{i:04d}_{photo.label}{photo.suffix}"
            path.write_bytes(photo.data)
            read.append(photo)
            paths.append(path)
        results = []
        for start in range(0, len(paths), 64):  # batches keep memory low with phone-sized photos
            results += read_digits(paths[start:start + 64], model=model)
    return [(p.conditions, r.error is None and str(r.label) == p.label) for p, r in zip(read, results)]


def evaluate_numbers(split: str = "test", n: int = 200, model=None,
                     seed: int | None = None) -> list[tuple[dict, bool]]:
    """Read :func:`number_photos` with :func:`mnist_cnn.reading.numbers.read_number`:
    ``(conditions, exact)`` for each photo."""
    model = resolve_model(model)
    out = []
    for photo in number_photos(split, n, seed=seed):
        with Image.open(io.BytesIO(photo.data)) as img:
            grey = pil_to_grey(img)
        try:
            reading = read_number(grey, model=model)
            ok = reading.text == photo.label
        except ImageError:
            ok = False
        out.append((photo.conditions, ok))
    return out


def handwriting_accuracy(model=None, n: int | None = None, seed: int = 0) -> dict:
    """Accuracy of ``read_digits`` (default model: the shipped one) on :func:`handwriting_pages`.

    Returns:
        dict with ``accuracy``, ``n``, ``errors`` (inputs rejected by the pipeline) and
        ``per_digit`` accuracy.
    """
    pages, labels = handwriting_pages(n, seed)
    results = read_digits(pages, model=model)
    predicted = np.array([-1 if r.error else r.label for r in results])
    correct = predicted == labels
    return {
        "accuracy": float(correct.mean()),
        "n": len(labels),
        "errors": int(sum(r.error is not None for r in results)),
        "per_digit": {int(d): float(correct[labels == d].mean()) for d in range(10)},
    }
