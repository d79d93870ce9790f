"""Synthetic photos of handwriting: a reproducible set of "phone photos" of digits and numbers.

Real handwriting is drawn onto simulated paper: MNIST *test* digits, the UCI digits shipped with
scikit-learn (none in MNIST) and pen strokes (:data:`mnist_cnn.reading.strokes.STROKES` with a
wobbling hand). Each photo varies

- paper: white, cream, grey, ruled (blue or grey lines), squared (a grid);
- ink: blue ballpoint, black marker, grey pencil (low contrast, grainy); thin or thick strokes;
- light: even, a gradient, a soft shadow edge; sensor noise, slight blur;
- geometry: the digit 30-300 px tall (some on 4000x3000 phone-sized pages), anywhere on the page,
  tilted up to +-15 degrees;
- file: PNG, JPEG (quality 50-90) or WebP; RGB, RGBA or L.

Two disjoint splits: ``"dev"`` (to tune the pipeline on) and ``"test"`` (only reported), made
with different seeds from different source digits (MNIST test images 0-4999 vs 5000-9999, UCI
digits in even vs odd positions). Everything is drawn from one ``numpy`` generator, so a split and
``n`` give the same photos on every machine. Scoring the reader on them is
:mod:`mnist_cnn.reading.scoring`.

:func:`handwriting_pages` is a simpler set: each UCI digit on a plain page with uneven light.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage
from skimage.morphology import disk, skeletonize
from sklearn.datasets import load_digits

from mnist_cnn.data import load_mnist
from mnist_cnn.reading.images import border_pixels
from mnist_cnn.reading.strokes import STROKES, pen_line

PAPERS = ("white", "cream", "grey", "ruled blue", "ruled grey", "squared")
INKS = ("ballpoint", "marker", "pencil")
LIGHTS = ("even", "gradient", "shadow")
SOURCES = ("mnist", "uci", "strokes")
FORMATS = ("png", "jpeg", "webp")
MODES = ("RGB", "RGBA", "L")
SPLIT_SEEDS = {"dev": 1_000, "test": 2_000}
PHONE_SIZE = (4000, 3000)

_PAPER_RGB = {"white": (246, 246, 243), "cream": (240, 232, 208), "grey": (200, 200, 196)}
_INK_RGB = {"ballpoint": (30, 45, 150), "marker": (18, 18, 22), "pencil": (95, 95, 100)}
_LINE_RGB = {"ruled blue": (140, 175, 225), "ruled grey": (165, 165, 165), "squared": (150, 185, 215)}


@dataclass
class Photo:
    """One generated photo: the encoded file, its digit(s) and the conditions it was made with."""

    data: bytes  #: the encoded image file (empty when made with ``encode=False``)
    suffix: str  #: ".png", ".jpg" or ".webp"
    label: str  #: the digit (or the number) written on it
    conditions: dict  #: paper, ink, light, source, size, format, mode, phone
    boxes: list | None = None  #: (x, y, w, h) of each digit, for numbers
    glyph: np.ndarray | None = None  #: the ink as written, before paper and light (if asked for)


def _split_sources(split: str):
    """The source digits a split may use: MNIST test indices and UCI indices (disjoint splits)."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown split {split!r}; choose 'dev' or 'test'")
    _, (x_test, y_test) = load_mnist(verbose=False)
    half = slice(0, 5000) if split == "dev" else slice(5000, 10000)
    uci = load_digits()
    parity = 0 if split == "dev" else 1
    return (x_test[half], y_test[half]), (uci.images[parity::2], uci.target[parity::2])


def _glyph(digit: int, source: str, height: int, thick: bool, rng: np.random.Generator,
           sources) -> np.ndarray:
    """Ink coverage (h, w) in [0, 1] of one handwritten ``digit`` about ``height`` px tall."""
    (mx, my), (ux, uy) = sources
    if source == "strokes":
        width = max(4, int(height * rng.uniform(0.5, 0.8)))
        pen = max(1.5, height * (rng.uniform(0.07, 0.12) if thick else rng.uniform(0.025, 0.05)))
        pad = int(pen) + 2
        img = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
        draw = ImageDraw.Draw(img)
        slant = rng.uniform(-0.15, 0.15)
        for stroke in STROKES[digit]:
            pts = [(pad + (x + slant * (1 - y) + rng.normal(0, 0.03)) * width,
                    pad + (y + rng.normal(0, 0.03)) * height) for x, y in stroke]
            pen_line(draw, pts, pen, 255)
        return np.asarray(img, np.float32) / 255
    if source == "mnist":
        small = mx[rng.choice(np.flatnonzero(my == digit))].astype(np.float32) / 255
        size = max(2, int(round(28 * height / 20)))  # MNIST digits are ~20 px tall in 28 px
        big = np.asarray(Image.fromarray(small, mode="F").resize((size, size), Image.Resampling.BICUBIC),
                         np.float32)
        # Thin or thick pen: where the smooth coverage is cut decides the stroke width.
        low = rng.uniform(0.05, 0.2) if thick else rng.uniform(0.35, 0.5)
        return np.clip((big - low) / 0.25, 0, 1)
    # UCI: 8x8 ink counts, enlarged, reduced to their centre line and redrawn with a pen.
    small = ux[rng.choice(np.flatnonzero(uy == digit))].astype(np.float32) / 16
    big = np.asarray(Image.fromarray(small, mode="F").resize((height, height), Image.Resampling.BICUBIC),
                     np.float32)
    pen = max(1.0, height * (rng.uniform(0.06, 0.1) if thick else rng.uniform(0.02, 0.045)))
    line = skeletonize(big > 0.45)
    stroke = ndimage.binary_dilation(line, disk(max(0, int(round(pen / 2)))))
    return np.clip(ndimage.gaussian_filter(stroke.astype(np.float32), 0.6), 0, 1)


def _paper(kind: str, shape: tuple[int, int], unit: float, rng: np.random.Generator) -> np.ndarray:
    """RGB float (h, w, 3) in [0, 1]: the blank paper with its ruled or squared lines."""
    h, w = shape
    base = np.array(_PAPER_RGB.get(kind, _PAPER_RGB[str(rng.choice(["white", "cream"]))]), np.float32) / 255
    page = np.ones((h, w, 3), np.float32) * base
    if kind in _LINE_RGB:
        colour = np.array(_LINE_RGB[kind], np.float32) / 255 * rng.uniform(0.85, 1.1)
        spacing = unit * (rng.uniform(0.7, 1.3) if kind.startswith("ruled") else rng.uniform(0.35, 0.7))
        thickness = max(1, int(round(min(h, w) * rng.uniform(0.002, 0.006))))  # printed lines: thin
        axes = (0,) if kind.startswith("ruled") else (0, 1)
        for axis in axes:
            n = shape[axis]
            offset = rng.uniform(0, spacing)
            for start in np.arange(offset, n, spacing).astype(int):
                sl = slice(start, min(n, start + thickness))
                if axis == 0:
                    page[sl, :, :] = np.minimum(page[sl, :, :], colour)
                else:
                    page[:, sl, :] = np.minimum(page[:, sl, :], colour)
    return page


def _light(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Multiplicative light (h, w, 1): even, a linear gradient, or a soft shadow edge."""
    h, w = shape
    if kind == "even":
        return np.full((h, w, 1), rng.uniform(0.9, 1.0), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    along = (along - along.min()) / max(float(np.ptp(along)), 1e-6)
    if kind == "gradient":
        dark = rng.uniform(0.5, 0.75)
        return (dark + (1 - dark) * along)[..., None]
    edge, softness = rng.uniform(0.3, 0.7), rng.uniform(0.03, 0.15)
    depth = rng.uniform(0.35, 0.55)
    return (1 - depth / (1 + np.exp(-(along - edge) / softness)))[..., None].astype(np.float32)


def _finish(rgb: np.ndarray, rng: np.random.Generator, conditions: dict,
            encode: bool = True) -> tuple[bytes, str]:
    """Blur, noise, and encode as PNG / JPEG / WebP in RGB / RGBA / L. Every random draw comes
    first, so ``encode=False`` makes the same draws (the stream stays aligned) and skips only the
    image work, returning no bytes."""
    fmt, mode = conditions["format"], conditions["mode"]
    if mode != "L" and not (mode == "RGBA" and fmt != "jpeg"):
        conditions["mode"] = mode = "RGB"  # JPEG has no alpha
    noise = rng.normal(0, rng.uniform(0.005, 0.035), rgb.shape)
    blur = rng.uniform(0, 1.2) * max(1.0, min(rgb.shape[:2]) / 600)
    quality = None if fmt == "png" else int(rng.integers(50, 91) if fmt == "jpeg" else rng.integers(60, 91))
    suffix = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}[fmt]
    if not encode:
        return b"", suffix
    img = Image.fromarray((np.clip(rgb + noise.astype(np.float32), 0, 1) * 255).astype(np.uint8), "RGB")
    if blur > 0.3:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if mode != "RGB":
        img = img.convert(mode)
    buffer = io.BytesIO()
    img.save(buffer, {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[fmt],
             **({} if quality is None else {"quality": quality}))
    return buffer.getvalue(), suffix


def _compose(glyphs: list[np.ndarray], rng: np.random.Generator, conditions: dict,
             phone: bool, gap_range=(0.05, 0.35)) -> tuple[np.ndarray, list]:
    """Write the glyphs in a row on a page; return RGB float (h, w, 3) and each glyph's box."""
    tilted = [np.clip(ndimage.rotate(g, rng.uniform(-15, 15) if len(glyphs) == 1 else rng.uniform(-8, 8),
                                     order=1, reshape=True), 0, 1) for g in glyphs]
    unit = max(g.shape[0] for g in tilted)
    gaps = [int(unit * rng.uniform(*gap_range)) for _ in tilted[1:]] + [0]
    row_w = sum(g.shape[1] + gap for g, gap in zip(tilted, gaps))
    row_h = unit + int(unit * 0.15)
    if phone:
        page_w, page_h = PHONE_SIZE if rng.random() < 0.5 else PHONE_SIZE[::-1]
    else:
        page_w = int(row_w + unit * rng.uniform(0.6, 4))
        page_h = int(row_h + unit * rng.uniform(0.6, 3))
    top, left = int(rng.integers(0, page_h - row_h + 1)), int(rng.integers(0, page_w - row_w + 1))
    coverage = np.zeros((page_h, page_w), np.float32)
    boxes, x = [], left
    for g, gap in zip(tilted, gaps):
        y = top + int(rng.integers(0, row_h - g.shape[0] + 1))
        region = coverage[y:y + g.shape[0], x:x + g.shape[1]]
        np.maximum(region, g, out=region)
        ys, xs = np.nonzero(g > 0.3)
        boxes.append((int(x + xs.min()), int(y + ys.min()), int(np.ptp(xs) + 1), int(np.ptp(ys) + 1)))
        x += g.shape[1] + gap
    ink = np.array(_INK_RGB[conditions["ink"]], np.float32) / 255
    if conditions["ink"] == "pencil":  # graphite: lighter, grainy
        grain = rng.uniform(0.7, 1.0, coverage.shape).astype(np.float32)
        coverage = coverage * rng.uniform(0.55, 0.85) * grain
    page = _paper(conditions["paper"], (page_h, page_w), unit, rng)
    rgb = page * (1 - coverage[..., None] * (1 - ink))  # ink filters the light the paper reflects
    return rgb * _light(conditions["light"], (page_h, page_w), rng), boxes


def _size_name(height: int) -> str:
    return "small (<60 px)" if height < 60 else "medium" if height < 150 else "large (>=150 px)"


def _conditions(rng: np.random.Generator, phone_rate: float) -> tuple[dict, int, bool]:
    phone = bool(rng.random() < phone_rate)
    height = int(rng.integers(100, 700)) if phone else int(np.exp(rng.uniform(np.log(30), np.log(300))))
    conditions = {
        "paper": str(rng.choice(PAPERS)), "ink": str(rng.choice(INKS)), "light": str(rng.choice(LIGHTS)),
        "source": str(rng.choice(SOURCES)), "thickness": str(rng.choice(["thin", "thick"])),
        "format": str(rng.choice(FORMATS)), "mode": str(rng.choice(MODES)),
        "size": _size_name(height),
        "phone-sized": "yes" if phone else "no",
    }
    return conditions, height, phone


def _seed(split: str, seed: int | None) -> int:
    """The generator's seed: the split's own unless another is given (a fresh sample of a split)."""
    return SPLIT_SEEDS[split] if seed is None else seed


def digit_photos(split: str = "dev", n: int = 300, phone_rate: float = 0.03,
                 with_glyphs: bool = False, seed: int | None = None, encode: bool = True) -> Iterator[Photo]:
    """Generate ``n`` photos of one handwritten digit each (see the module docstring).

    Args:
        split: ``"dev"`` (tune on it) or ``"test"`` (report it): different seeds and source digits.
        n: How many photos.
        phone_rate: Fraction of photos on a 4000x3000 (or 3000x4000) page.
        with_glyphs: Also keep each digit's ink coverage as written (``Photo.glyph``, float
            (h, w) in [0, 1], upright, before paper and light): what a reader checks the label on.
        seed: Draw other photos from the split's source digits (default: the split's seed).
        encode: ``False``: skip the final blur and the file encoding (about half the time) but make
            their random draws, so each photo's conditions, label and glyph are those of the same
            photo encoded; ``Photo.data`` is then empty (``photo_audit`` lists digits this way).

    Yields:
        :class:`Photo` objects; ``label`` is the digit as a string.
    """
    sources = _split_sources(split)
    rng = np.random.default_rng(_seed(split, seed))
    for i in range(n):
        conditions, height, phone = _conditions(rng, phone_rate)
        digit = i % 10
        glyph = _glyph(digit, conditions["source"], height, conditions["thickness"] == "thick", rng, sources)
        rgb, boxes = _compose([glyph], rng, conditions, phone)
        data, suffix = _finish(rgb, rng, conditions, encode)
        yield Photo(data, suffix, str(digit), conditions, boxes, glyph if with_glyphs else None)


def number_photos(split: str = "dev", n: int = 100, phone_rate: float = 0.0,
                  seed: int | None = None) -> Iterator[Photo]:
    """Generate ``n`` photos of a 2-6 digit number written in a row on the same kinds of paper.

    Digits are 0.05-0.35 digit heights apart. ``label`` is the number as a string (it may start
    with 0), ``boxes`` the (x, y, w, h) of each digit. ``seed``: as for :func:`digit_photos`.
    """
    sources = _split_sources(split)
    rng = np.random.default_rng(_seed(split, seed) + 1)
    for _ in range(n):
        conditions, height, phone = _conditions(rng, phone_rate)
        height = min(height, 160)
        conditions["size"] = _size_name(height)
        digits = rng.integers(0, 10, int(rng.integers(2, 7)))
        thick = conditions["thickness"] == "thick"
        glyphs = [_glyph(int(d), conditions["source"], height, thick, rng, sources) for d in digits]
        rgb, boxes = _compose(glyphs, rng, conditions, phone)
        data, suffix = _finish(rgb, rng, conditions)
        yield Photo(data, suffix, "".join(str(d) for d in digits), conditions, boxes)


def tilted_photos(split: str = "test", n: int = 600, max_angle: float = 8.0,
                  seed: int | None = None) -> Iterator[Photo]:
    """The ruled and squared paper photos among :func:`digit_photos` ``(split, n)``, each page turned
    by a seeded angle within +-``max_angle`` degrees: a notebook photographed askew.

    The corners the turn uncovers are filled with the photo's border colour; the file is saved
    again in its own format (JPEG and WebP at quality 90) and mode. ``conditions`` gains "page
    tilt": the angle's size, rounded to a band ("0-2", "2-5" or "5-8" degrees). ``seed``: as for
    :func:`digit_photos`.
    """
    rng = np.random.default_rng(_seed(split, seed) + 2)
    for photo in digit_photos(split, n, seed=seed):
        if photo.conditions["paper"] not in _LINE_RGB:
            continue
        angle = float(rng.uniform(-max_angle, max_angle))
        with Image.open(io.BytesIO(photo.data)) as img:
            img.load()
            rgb = np.asarray(img.convert("RGB"))
            fill = tuple(int(v) for v in np.median(border_pixels(rgb), axis=0))
            turned = img.convert("RGB").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=fill)
            turned = turned.convert(img.mode) if img.mode in ("L", "RGBA") else turned
        buffer = io.BytesIO()
        kind = {".png": "PNG", ".jpg": "JPEG", ".webp": "WEBP"}[photo.suffix]
        turned.save(buffer, kind, **({} if kind == "PNG" else {"quality": 90}))
        band = "0-2" if abs(angle) < 2 else "2-5" if abs(angle) < 5 else "5-8"
        yield Photo(buffer.getvalue(), photo.suffix, photo.label,
                    {**photo.conditions, "page tilt": f"{band} degrees"}, None)


def handwriting_pages(n: int | None = None, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Render the UCI digits as photos of dark ink on light paper.

    Args:
        n: How many digits (default: all 1,797), taken in a fixed random order.
        seed: Controls the order, sizes, positions, ink colours and paper.

    Returns:
        ``(pages, labels)``: RGB uint8 images of varying size, and int labels (n,).
    """
    digits = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits.target))[: n or len(digits.target)]
    pages = []
    for i in order:
        ink = digits.images[i] / 16.0  # 8x8, 1 = full ink
        height = int(rng.integers(40, 200))  # the digit's size on the page, in pixels
        glyph = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).resize(
            (height, height), Image.Resampling.BICUBIC), np.float64) / 255
        page_h, page_w = int(height * rng.uniform(1.3, 3)), int(height * rng.uniform(1.3, 3))
        top = int(rng.integers(0, page_h - height + 1))
        left = int(rng.integers(0, page_w - height + 1))
        coverage = np.zeros((page_h, page_w))
        coverage[top:top + height, left:left + height] = np.clip(glyph, 0, 1)
        paper = rng.uniform(0.75, 1.0, 3)  # off-white paper, a little tinted
        light = np.linspace(rng.uniform(0.8, 1.0), 1.0, page_w)[None, :, None]  # uneven light
        pen = rng.uniform(0.0, 0.35, 3)  # dark blue, black or grey ink
        rgb = (paper * (1 - coverage[..., None]) + pen * coverage[..., None]) * light
        rgb += rng.normal(0, 0.02, rgb.shape)  # sensor / paper noise
        pages.append((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    return pages, digits.target[order].astype(np.int64)
