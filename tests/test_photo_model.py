"""Re-inking and the random-pen layer: the training-only augmentations of the shipped model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from mnist_cnn.data import preprocess
from mnist_cnn.reading.photo_model import PhotoConfig, RandomStroke, build_photo_model, train_photo_model
from mnist_cnn.reading.reink import low_resolution, reink, reink_images


def ring(size: int = 28, radius: float = 7, width: float = 2.5) -> np.ndarray:
    """A soft "0": a ring of ink about ``width`` pixels wide."""
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    return np.clip(width / 2 + 0.5 - np.abs(np.hypot(yy, xx) - radius), 0, 1).astype(np.float32)


def test_reink_keeps_the_shape_and_changes_the_pen():
    zero = ring()
    pens = [reink(zero, np.random.default_rng(seed)) for seed in range(6)]
    for out in pens:
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() == pytest.approx(1.0)
        assert np.corrcoef(out.ravel(), zero.ravel())[0, 1] > 0.8  # still the same ring
        assert abs(np.subtract(ndimage.center_of_mass(out), ndimage.center_of_mass(zero))).max() < 0.5
    widths = [float((p > 0.5).sum()) for p in pens]
    assert max(widths) > 1.5 * min(widths)  # different pens, different stroke widths


def test_reink_images_is_seeded_and_keeps_shape(digits):
    x = preprocess(digits[0][:5])
    a, b = reink_images(x, seed=3), reink_images(x, seed=3)
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, reink_images(x, seed=4))
    assert np.array_equal(reink(np.zeros((28, 28)), np.random.default_rng(0)), np.zeros((28, 28)))


def test_low_resolution_keeps_the_digit_and_softens_it():
    zero = ring()
    for seed in range(6):
        out = low_resolution(zero, np.random.default_rng(seed))
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() == pytest.approx(1.0)
        assert np.corrcoef(out.ravel(), zero.ravel())[0, 1] > 0.7  # still the same ring
        assert not np.allclose(out, zero, atol=0.1)  # but seen through fewer pixels
    blank = np.zeros((28, 28), np.float32)
    assert np.array_equal(low_resolution(blank, np.random.default_rng(0)), blank)


def test_low_resolution_fraction_changes_only_that_share_and_keeps_the_pens(digits):
    x = preprocess(digits[0][:200])
    plain = reink_images(x, seed=3)
    half = reink_images(x, seed=3, low_resolution_fraction=0.5)
    assert half.shape == x.shape and half.dtype == np.float32
    changed = ~np.all(np.isclose(plain, half), axis=(1, 2, 3))
    assert 0.35 < changed.mean() < 0.65  # about half were shrunk; the rest are the same pens
    np.testing.assert_array_equal(half, reink_images(x, seed=3, low_resolution_fraction=0.5))
    with pytest.raises(ValueError, match="low_resolution_fraction"):
        PhotoConfig(low_resolution_fraction=1.5, reink_copies=1)
    with pytest.raises(ValueError, match="set reink_copies >= 1"):
        PhotoConfig(low_resolution_fraction=0.5)


def test_random_stroke_is_identity_at_inference_and_changes_pens_in_training():
    x = np.stack([ring()] * 64)[..., None]
    layer = RandomStroke(1.0, seed=0)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    assert out.shape == x.shape and out.min() >= 0 and np.allclose(out.max(axis=(1, 2, 3)), 1.0)
    ink = (out > 0.5).sum(axis=(1, 2, 3))
    base = (x[0] > 0.5).sum()
    assert (ink > base).any() and (ink < base).any()  # thicker and thinner pens both occur
    unchanged = np.asarray(RandomStroke(0.0)(x, training=True))
    np.testing.assert_array_equal(unchanged, x)


def test_model_with_random_stroke_saves_and_loads(tmp_path):
    import subprocess
    import sys

    from mnist_cnn.saving import save_model

    model = build_photo_model(PhotoConfig(augment_stroke=0.5))
    assert model.layers[0].name == "augment_stroke"
    save_model(model, tmp_path / "m.keras")
    x = np.stack([ring()] * 2)[..., None]
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "expected.npy", np.asarray(model(x)))
    # A fresh interpreter that loads it as `python -m mnist_cnn evaluate --model` does.
    script = ("import sys, numpy as np; from mnist_cnn.reading.shipped import resolve_model as load_model; "
              "d = sys.argv[1]; "
              "m = load_model(d + '/m.keras'); out = np.asarray(m(np.load(d + '/x.npy'))); "
              "np.testing.assert_allclose(out, np.load(d + '/expected.npy'), rtol=1e-5)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_reink_copies_add_training_images_not_validation(digits):
    x, y = preprocess(digits[0][:64]), digits[1][:64]
    config = PhotoConfig(epochs=1, batch_size=16, reink_copies=1, validation_split=0.25)
    model, history = train_photo_model(x, y, config, verbose=0)
    steps = model.optimizer.iterations.numpy()
    assert steps == 2 * 48 // 16  # 48 training images + 48 re-inked copies; 16 kept for validation
    assert "val_loss" in history.history


def test_bad_stroke_settings_are_refused():
    with pytest.raises(ValueError, match="augment_stroke must be in"):
        PhotoConfig(augment_stroke=1.5)
    with pytest.raises(ValueError, match="reink_copies >= 0"):
        PhotoConfig(reink_copies=-1)
