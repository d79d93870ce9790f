"""mnist_cnn.reading.shipped: the shipped photo ensemble (recipe + weights) rebuilds in any Keras 3."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_cnn.reading import shipped
from mnist_cnn.reading.digit import prepare_image
from mnist_cnn.reading.reader import read_digits
from mnist_cnn.reading.strokes import draw_digit


def test_shipped_model_is_the_small_recipe_and_reads_digits():
    import keras

    from mnist_cnn.reading.photo_model import SMALL, build_photo_model

    model = shipped.load_shipped_model()
    recipe = build_photo_model(SMALL)
    members = [layer for layer in model.layers if isinstance(layer, keras.Sequential)] or [model]
    for member in members:  # one model, or each model of an ensemble, is the `small` recipe
        assert [layer.name for layer in member.layers] == [layer.name for layer in recipe.layers]
    results = read_digits([draw_digit(d, seed=d) for d in range(10)], model=model)
    assert [r.label for r in results] == list(range(10))


def test_digits_written_on_the_ruled_line_are_read():
    pages = []
    for d in range(10):  # each digit's base sits on a ruled line (a 2's foot runs along it)
        written = draw_digit(d, size=(400, 200), box=(150, 30, 100, 130), pen=6, seed=d).astype(np.float32)
        for row in (60, 110, 160):  # light blue lines; the darker ink stays on top (minimum)
            written[row - 1:row + 1] = np.minimum(written[row - 1:row + 1], (140, 175, 225))
        pages.append(written.astype(np.uint8))
    results = read_digits(pages, model=shipped.load_shipped_model())
    assert [r.label for r in results] == list(range(10))


def test_damaged_weights_are_one_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "w.npz"
    np.savez(bad, **{"conv1/0": np.zeros((3, 3, 1, 16), np.float32)})  # wrong shape, layers missing
    with pytest.raises(shipped.ModelError, match="cannot load the shipped model"):
        shipped.load_shipped_model(weights_path=bad)


def _write_shipped(tmp_path, monkeypatch, seeds):
    """Save tiny models under the shipped files' names (an ensemble when ``seeds`` has several)."""
    import json
    from dataclasses import replace

    import keras

    from mnist_cnn.config import Config
    from mnist_cnn.model import build_model

    configs = [replace(Config(), filters=(4, 8), dense_units=16, seed=seed) for seed in seeds]
    models, arrays = [], {}
    for k, config in enumerate(configs):
        keras.utils.set_random_seed(config.seed)
        model = build_model(config)
        prefix = f"member{k}/" if len(seeds) > 1 else ""
        arrays |= {f"{prefix}{layer.name}/{i}": np.asarray(w) for layer in model.layers
                   for i, w in enumerate(layer.get_weights())}
        models.append(model)
    np.savez(tmp_path / "w.npz", **arrays)
    recipe = {"recipe": "small", "config": configs[0].to_dict()}
    if len(seeds) > 1:
        recipe["members"] = [c.to_dict() for c in configs]
    (tmp_path / "c.json").write_text(json.dumps(recipe))
    monkeypatch.setattr(shipped, "SHIPPED_WEIGHTS", tmp_path / "w.npz")
    monkeypatch.setattr(shipped, "SHIPPED_CONFIG", tmp_path / "c.json")
    return models


@pytest.mark.parametrize("seeds", [[7], [7, 8, 9]])
def test_shipped_model_or_ensemble_rebuilds_the_saved_models(tmp_path, monkeypatch, seeds):
    """One model: the same model. Several: the mean of their probabilities."""
    originals = _write_shipped(tmp_path, monkeypatch, seeds)
    images = np.stack([prepare_image(draw_digit(d, seed=d)) for d in range(10)])
    loaded = np.asarray(shipped.load_shipped_model().predict(images, verbose=0))
    expected = np.mean([np.asarray(m.predict(images, verbose=0)) for m in originals], axis=0)
    np.testing.assert_allclose(loaded, expected, rtol=1e-5, atol=1e-6)
    if len(seeds) > 1:  # the members differ, so the average is not just one of them
        assert not np.allclose(expected, np.asarray(originals[0].predict(images, verbose=0)), atol=1e-3)


def test_ensemble_missing_a_member_is_one_clear_error(tmp_path, monkeypatch):
    import json

    _write_shipped(tmp_path, monkeypatch, [7, 8])
    recipe = json.loads((tmp_path / "c.json").read_text())
    (tmp_path / "c.json").write_text(json.dumps(recipe | {"members": recipe["members"] * 2}))
    with pytest.raises(shipped.ModelError, match="cannot load the shipped model"):
        shipped.load_shipped_model()
