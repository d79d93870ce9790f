"""mnist_cnn.reading (images, page, digit): photos and scans of digits become MNIST-like inputs;
bad files get one line."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from mnist_cnn.data import default_cache_path
from mnist_cnn.reading.digit import prepare_image
from mnist_cnn.reading.images import ImageError, array_to_grey
from mnist_cnn.reading.page import remove_lines
from mnist_cnn.reading.strokes import draw_digit


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


def save(img: Image.Image, path, **kwargs):
    img.save(path, **kwargs)
    return path


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_output_is_mnist_like():
    out = prepare_image(np.asarray(render_digit(7, offset=(-30, 25))))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == pytest.approx(1.0, abs=0.02)
    assert out[0].max() == 0 and out[:, 0].max() == 0  # white digit on a black frame
    rows, cols = np.flatnonzero(out.max(1) > 0.05), np.flatnonzero(out.max(0) > 0.05)
    assert rows[-1] - rows[0] + 1 <= 22 and cols[-1] - cols[0] + 1 <= 22  # fits the 20x20 box

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


def test_a_scrap_far_from_the_digit_is_not_part_of_it():
    img = render_digit(7, size=800, scale=0.25, offset=(-150, -150))
    ImageDraw.Draw(img).rectangle([700, 760, 760, 770], fill=(20, 30, 90))  # a scrap in a corner
    a, b = prepare_image(np.asarray(img)), prepare_image(np.asarray(render_digit(7, 800, 0.25, (-150, -150))))
    assert corr(a, b) > 0.95


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


def test_array_and_file_give_the_same_grey(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    pillow = np.asarray(Image.fromarray(rgb).convert("L"), np.float32) / 255
    assert np.abs(array_to_grey(rgb) - pillow).max() <= 1 / 255 + 1e-6
    rgba = np.dstack([rgb, np.full((40, 50), 255, np.uint8)])
    assert np.abs(array_to_grey(rgba) - pillow).max() <= 1 / 255 + 1e-6


@pytest.mark.skipif(not default_cache_path().is_file(), reason="needs fetched MNIST")
def test_a_real_mnist_digit_comes_back_nearly_unchanged():
    from mnist_cnn.data import load_mnist

    _, (x_test, _) = load_mnist(verbose=False)
    pairs = [(prepare_image(255 - x_test[i]), x_test[i] / 255) for i in range(0, 10000, 200)]
    assert np.mean([corr(out, ref) for out, ref in pairs]) > 0.9  # dark-on-light photo of it
    assert np.mean([np.abs(out - ref).mean() for out, ref in pairs]) < 0.05


def ruled(page: np.ndarray, spacing: int, colour=(140, 175, 225), thickness: int = 2, grid: bool = False):
    """Ruled (or, with ``grid``, squared) lines drawn under the ink of an RGB page."""
    lines = np.full_like(page, 255)
    lines[spacing // 2::spacing][:, :] = colour
    for k in range(1, thickness):
        lines[spacing // 2 + k::spacing] = colour
    if grid:
        lines[:, spacing // 2::spacing] = colour
    return np.minimum(page, lines)


@pytest.mark.parametrize("digit", [1, 4, 7])
@pytest.mark.parametrize("grid", [False, True])
def test_ruled_and_squared_lines_are_removed_and_strokes_kept(digit, grid):
    plain = draw_digit(digit, size=(400, 300), box=(150, 60, 90, 170), pen=5, seed=digit)
    clean = prepare_image(plain)
    steps: dict = {}
    lined = prepare_image(ruled(plain, 45, grid=grid), steps=steps)
    assert "lines removed" in steps
    assert corr(clean, lined) > 0.9  # the "1", the bar of "4" and "7" survive, lines do not


@pytest.mark.parametrize("grid", [False, True])
def test_a_pen_stroke_along_a_line_is_kept(grid):
    page = np.full((300, 400, 3), 245, np.uint8)
    ink = np.zeros((300, 400), bool)
    ink[60:205, 150:155] = True  # the stem of an "L" ...
    ink[202:205, 150:230] = True  # ... and its foot, written exactly on a ruled line (rows 202-204)
    lined = ruled(page, 45, thickness=3, grid=grid)
    assert (lined[202:205, 300] < 245).all() and (lined[201, 300] == 245).all()
    plain = np.where(ink[..., None], np.uint8(30), page)
    lined = np.where(ink[..., None], np.uint8(30), lined)  # dark ink over the light printed line
    assert corr(prepare_image(plain), prepare_image(lined)) > 0.9  # the foot survives


@pytest.mark.parametrize("angle", [-7, 3.5])
@pytest.mark.parametrize("grid", [False, True])
def test_lines_of_a_page_photographed_askew_are_removed(angle, grid):
    def askew(page):
        return np.asarray(Image.fromarray(page).rotate(angle, resample=Image.Resampling.BILINEAR,
                                                       fillcolor=(245, 245, 245)))

    plain = draw_digit(4, size=(420, 320), box=(160, 70, 90, 170), pen=5, seed=4)
    steps: dict = {}
    lined = prepare_image(askew(ruled(plain, 45, grid=grid)), steps=steps)
    assert "lines removed" in steps
    assert corr(prepare_image(askew(plain)), lined) > 0.9


def test_lines_cut_short_by_a_turned_page_corner_are_removed():
    def askew(page):
        return np.asarray(Image.fromarray(page).rotate(8, resample=Image.Resampling.BILINEAR,
                                                       fillcolor=(245, 245, 245)))

    plain = draw_digit(7, size=(420, 320), box=(30, 20, 80, 130), pen=5, seed=7)  # near a corner
    lined = ruled(plain, 30, grid=True)
    assert corr(prepare_image(askew(plain)), prepare_image(askew(lined))) > 0.9


def test_line_tilt_measures_the_lines_not_the_digit():
    from mnist_cnn.reading.page import line_tilt

    page = np.zeros((300, 400), bool)
    page[20::40] = True  # level ruled lines
    assert line_tilt(page) == 0.0
    tilted = np.asarray(Image.fromarray(page).rotate(-6, expand=False)) > 0  # clockwise 6 degrees
    assert line_tilt(tilted) == pytest.approx(6.0, abs=0.3)
    digit = draw_digit(1, size=(300, 400), box=(150, 30, 60, 240), pen=6).min(axis=2) < 128
    assert line_tilt(digit) == 0.0  # a stroke is never as long as a line


def test_remove_lines_repairs_a_stroke_crossing_lines():
    mask = np.zeros((200, 300), bool)
    for row in (40, 90, 140):
        mask[row:row + 2] = True  # three ruled lines across the page
    mask[20:180, 148:152] = True  # a vertical stroke crossing all three
    mask[100:104, 120:180] = True  # a short bar (the digit's own), much shorter than a line
    clean, lines = remove_lines(mask)
    assert clean[20:180, 148:152].all()  # the stroke is whole again where it crossed the lines
    assert clean[100:104, 120:180].all()  # the bar is kept
    assert not clean[40:42, :140].any() and not clean[140:142, 160:].any()
    assert lines[90, 10] and not lines[100, 130]


def test_remove_lines_finds_faint_lines_broken_into_dashes():
    faint = np.zeros((200, 300), bool)
    for row in (40, 90, 140):
        faint[row:row + 2] = True
        for start in range(5, 300, 40):
            faint[row:row + 2, start:start + 8] = False  # noise broke the line: 20 % gaps
    mask = np.zeros_like(faint)
    mask[20:180, 148:152] = True  # a stroke crossing all three
    faint |= mask
    clean, lines = remove_lines(mask, faint)
    assert lines[40, 20] and lines[140, 280]  # found although no run is longer than 32 px
    assert clean[20:180, 148:152].all() and not lines[60:80, 140:160].any()  # the stroke is kept


def test_lines_that_fade_out_are_found_from_the_paper_spacing():
    ink = np.zeros((200, 300), np.float32)
    for row in range(20, 200, 30):
        ink[row:row + 2, : 300 if row < 80 else 70] = 0.3  # light left only 70 px of the lower lines
    ink[60:180, 100:104] = 0.8  # a pen stroke crossing them
    ink[110:114, 100:150] = 0.8  # and a bar of the digit where a faded line runs
    clean, lines = remove_lines(ink > 0.2, ink=ink)
    assert lines[110, 30] and lines[170, 5]  # the short pieces are on the paper's lines: removed
    assert clean[60:180, 100:104].all() and clean[110:114, 100:150].all()  # the digit is kept
    ink[80:82] = 0
    ink[70:72] = 0.3  # long lines at rows 20, 50 and 70: not evenly spaced, so not a printed page
    clean, lines = remove_lines(ink > 0.2, ink=ink)
    assert clean[140, 30] and clean[170, 5]  # and short runs are left alone


def test_the_foot_of_a_digit_written_on_the_line_is_kept():
    for lines_at in ((160,), (60, 110, 160)):  # one line across a tight crop, or a ruled page
        mask = np.zeros((200, 140), bool)
        for row in lines_at:
            mask[row:row + 2] = True  # printed lines, 2 px
        mask[157:164, 30:110] = True  # the foot of a "2", 7 px thick, along 57 % of the line
        for k in range(120):
            mask[157 - k, 30 + k // 2:37 + k // 2] = True  # and its diagonal, up from the foot
        clean, lines = remove_lines(mask)
        assert (clean[157:164, 30:110].sum(axis=0) >= 3).all()  # the foot stays a stroke all along
        assert lines[160, 5] and lines[160, 130] and not clean[160:162, 120:].any()  # the line is gone


def test_a_stroke_along_a_faint_line_is_kept():
    ink = np.zeros((200, 300), np.float32)
    for row in (30, 75, 120, 165):
        ink[row:row + 2] = 0.15  # faint printed lines, below the ink threshold
    ink[120:122, 120:200] = 0.8  # the bar of a "7" written along a line ...
    for k in range(60):
        ink[122 + k, 196 - k // 2:199 - k // 2] = 0.8  # ... and its stem
    mask, faint = ink > 0.4, ink > 0.1
    clean, lines = remove_lines(mask, faint, ink)
    assert clean[120:122, 120:200].all()  # the bar is pen, not line (the line is the faint part)
    assert lines[30, 10] and not clean[75].any()


def test_a_single_stroke_filling_the_frame_is_not_a_line():
    img = np.full((60, 40), 255, np.uint8)
    img[5:55, 18:22] = 0  # a tightly cropped "1": spans 83 % of the height
    out = prepare_image(img)
    assert out.max() == pytest.approx(1.0, abs=0.02)


def test_shadow_and_gradient_do_not_change_the_result():
    plain = draw_digit(3, size=(300, 300), box=(90, 60, 110, 170), pen=5).astype(np.float64)
    yy, xx = np.mgrid[0:300, 0:300]
    shadow = 1 - 0.45 / (1 + np.exp(-(xx + 0.5 * yy - 220) / 12))  # a soft shadow edge
    gradient = np.linspace(0.6, 1.0, 300)[None, :]
    for light in (shadow, gradient):
        lit = (plain * light[..., None]).astype(np.uint8)
        assert corr(prepare_image(plain.astype(np.uint8)), prepare_image(lit)) > 0.9


@pytest.mark.parametrize("edge, depth", [
    (lambda yy, xx: xx + 0.5 * yy - 100, 0.55),  # most of a grey page (and its border) in shadow
    (lambda yy, xx: 0.8 * xx - yy + 40, 0.5),  # a diagonal edge meeting the border beside the digit
    (lambda yy, xx: yy - xx + 60, 0.45),  # the digit in the shadow, lit paper in one corner
], ids=["page-mostly-shaded", "edge-meets-border", "digit-in-shadow"])
def test_deep_shadows_reaching_the_border_add_no_ink(edge, depth):
    grey_paper = 0.8 * draw_digit(3, size=(300, 300), box=(90, 60, 110, 170), pen=5).astype(np.float64)
    light = 1 - depth / (1 + np.exp(-edge(*np.mgrid[0:300, 0:300]) / 15))
    steps: dict = {}
    out = prepare_image((grey_paper * light[..., None]).astype(np.uint8), steps=steps)
    assert corr(prepare_image(grey_paper.astype(np.uint8)), out) > 0.9
    rows, cols = np.flatnonzero(steps["digit"].any(1)), np.flatnonzero(steps["digit"].any(0))
    assert rows[0] >= 55 and rows[-1] <= 235 and cols[0] >= 85 and cols[-1] <= 205  # only the digit


def test_too_faint_is_refused_in_one_line():
    img = np.full((100, 100), 200, np.uint8)
    img[30:70, 48:52] = 196  # 2 % darker than the paper
    with pytest.raises(ImageError, match="no digit found") as info:
        prepare_image(img, name="faint.png")
    assert str(info.value).startswith("faint.png:") and "\n" not in str(info.value)


def test_same_input_same_output():
    page = ruled(draw_digit(8, size=(320, 240), box=(100, 40, 90, 150), seed=2), 40)
    assert np.array_equal(prepare_image(page), prepare_image(page))


