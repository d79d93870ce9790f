"""Shared fixtures: small synthetic MNIST-like data so unit tests run in seconds."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib

matplotlib.use("Agg")  # tests never open windows

import numpy as np
import pytest


def make_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n`` learnable fake digits: uint8 (n, 28, 28) and labels uint8 (n,).

    Class ``k`` is a bright 6x6 square at one of ten fixed places plus noise, so a small CNN
    can learn it in a few steps.
    """
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 10).astype(np.uint8)
    rng.shuffle(y)
    x = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(y):
        r, c = 3 + 12 * (label // 5), 2 + 5 * (label % 5)
        x[i, r : r + 6, c : c + 6] = 255
    return x, y


@pytest.fixture
def digits() -> tuple[np.ndarray, np.ndarray]:
    """256 synthetic uint8 images (256, 28, 28) and their labels (256,)."""
    return make_digits(256)


@pytest.fixture
def fake_mnist() -> dict[str, np.ndarray]:
    """Arrays with MNIST's keys, shapes and dtype but random content (so wrong hashes)."""
    rng = np.random.default_rng(1)
    return {
        "x_train": rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 60000, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 10000, dtype=np.uint8),
    }
