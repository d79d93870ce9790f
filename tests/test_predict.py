"""mnist_cnn.predict: photos and scans of digits become MNIST-like inputs; bad files get one line."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mnist_cnn.predict import ImageError, Prediction, predict_images, prepare_image


def render_digit(digit: int, size: int = 160, scale: float = 0.6, offset=(0, 0),
                 ink=(20, 30, 90), paper=(245, 240, 230), stroke: int = 3) -> Image.Image:
    """A digit written in dark ink on light paper, like a photo of a note."""
    img = Image.new("RGB", (size, size), paper)
    font = ImageFont.load_default(size=int(size * scale))
    draw = ImageDraw.Draw(img)
    x, y = size / 2 + offset[0], size / 2 + offset[1]
    draw.text((x, y), str(digit), fill=ink, font=font, anchor="mm", stroke_width=stroke,
              stroke_fill=ink)
    return img


class Fixed:
    """A stand-in model: always 90 % sure of digit 3 (keeps unit tests independent of training)."""

    def __call__(self, x, training=False):
        probs = np.full((len(x), 10), 0.1 / 9, np.float32)
        probs[:, 3] = 0.9
        return probs


def save(img: Image.Image, path, **kwargs):
    img.save(path, **kwargs)
    return path


def test_output_is_mnist_like():
    out = prepare_image(np.asarray(render_digit(7, offset=(-30, 25))))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == pytest.approx(1.0, abs=0.02)
    assert out[0].max() == 0 and out[:, 0].max() == 0  # white digit on a black frame
    rows, cols = np.flatnonzero(out.max(1) > 0.05), np.flatnonzero(out.max(0) > 0.05)
    assert rows[-1] - rows[0] + 1 <= 22 and cols[-1] - cols[0] + 1 <= 22  # fits the 20x20 box
    from scipy import ndimage

    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1  # centred by centre of mass


def test_position_size_and_polarity_do_not_matter():
    base = prepare_image(np.asarray(render_digit(4)))
    variants = [
        render_digit(4, size=400, scale=0.3, offset=(120, -100)),  # small, off-centre, big page
        render_digit(4, size=90, scale=0.9),  # large in the frame
        Image.eval(render_digit(4), lambda v: 255 - v),  # light ink on dark
    ]
    for img in variants:
        out = prepare_image(np.asarray(img))
        assert np.corrcoef(base.ravel(), out.ravel())[0, 1] > 0.8


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "I;16", "1"])
def test_every_image_mode_reads_the_same(tmp_path, mode):
    img = render_digit(2)
    if mode == "RGBA":  # ink on a transparent background
        alpha = Image.eval(img.convert("L"), lambda v: 255 - v)
        img = Image.new("RGBA", img.size, (0, 0, 0, 0))
        img.putalpha(alpha)
    elif mode == "I;16":
        img = Image.fromarray(np.asarray(img.convert("L"), np.uint16) * 257)
    else:
        img = img.convert(mode)
    out = prepare_image(save(img, tmp_path / "digit.png"))
    reference = prepare_image(np.asarray(render_digit(2).convert("L")))
    assert np.corrcoef(reference.ravel(), out.ravel())[0, 1] > 0.9


def test_thin_pen_strokes_survive_shrinking():
    img = Image.new("L", (600, 600), 255)
    ImageDraw.Draw(img).line([(300, 80), (300, 520)], fill=0, width=4)  # a "1", 4 px pen on 600 px
    out = prepare_image(np.asarray(img))
    assert out.max(axis=0).sum() >= 1.5  # at least ~2 columns of ink, not a faint hairline


def test_specks_are_ignored():
    img = render_digit(5, size=300, scale=0.4)
    ImageDraw.Draw(img).ellipse([5, 5, 8, 8], fill=(0, 0, 0))  # a dust speck in the corner
    a, b = prepare_image(np.asarray(img)), prepare_image(np.asarray(render_digit(5, 300, 0.4)))
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.95


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("hello, not a picture"), "not an image file"),
        (lambda p: p.write_bytes(save(render_digit(1), p.with_suffix(".tmp.png")).read_bytes()[:300]),
         "damaged or truncated image"),
        (lambda p: save(Image.new("L", (7000, 7000), 255), p), "too large"),
        (lambda p: save(Image.new("L", (300, 200), 255), p), "no digit found"),
        (lambda p: save(Image.new("L", (1, 1), 0), p), "too small"),
    ],
    ids=["empty", "not-an-image", "truncated", "decompression-bomb", "blank-page", "one-pixel"],
)
def test_bad_files_get_one_clear_line(tmp_path, make, message):
    path = tmp_path / "input.png"
    make(path)
    with pytest.raises(ImageError) as info:
        prepare_image(path)
    text = str(info.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        prepare_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="is a folder"):
        prepare_image(tmp_path)


def test_bad_arrays():
    with pytest.raises(ImageError, match="expected a 2-D"):
        prepare_image(np.zeros((2, 30, 30, 3)))
    with pytest.raises(ImageError, match="NaN"):
        prepare_image(np.full((30, 30), np.nan))


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    good = save(render_digit(3), tmp_path / "good.png")
    bad = tmp_path / "bad.png"
    bad.write_text("junk")
    results = predict_images([good, bad, np.asarray(render_digit(8))], model=Fixed())
    assert [r.error is None for r in results] == [True, False, True]
    assert results[0].label == 3 and results[0].confidence == pytest.approx(0.9)
    assert results[0].image.shape == (28, 28)
    assert results[1].to_dict() == {"path": str(bad), "error": results[1].error}
    top = results[0].to_dict(k=2)["top_k"]
    assert top[0] == {"label": 3, "probability": pytest.approx(0.9)} and len(top) == 2


def test_prediction_top_k_order():
    p = Prediction("x", label=1, confidence=0.6, probabilities=np.array([0.1, 0.6, 0.3] + [0] * 7))
    assert p.top_k(2) == [(1, 0.6), (2, 0.3)]
