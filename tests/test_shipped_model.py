"""mnist_cnn.io.load_shipped_model: the shipped recipe + weights rebuild the model in any Keras 3."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_cnn import io
from mnist_cnn.handwriting import draw_digit
from mnist_cnn.predict import predict_images


def test_shipped_model_is_the_small_recipe_and_reads_digits():
    from mnist_cnn.model import build_model
    from mnist_cnn.recipes import get_recipe

    model = io.load_shipped_model()
    recipe = build_model(get_recipe("small"))
    assert [layer.name for layer in model.layers] == [layer.name for layer in recipe.layers]
    results = predict_images([draw_digit(d, seed=d) for d in range(10)], model=model)
    assert [r.label for r in results] == list(range(10))


def test_damaged_weights_are_one_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "w.npz"
    np.savez(bad, **{"conv1/0": np.zeros((3, 3, 1, 16), np.float32)})  # wrong shape, layers missing
    monkeypatch.setattr(io, "SHIPPED_WEIGHTS", bad)
    with pytest.raises(io.ModelError, match="cannot load the shipped model"):
        io.load_shipped_model()
