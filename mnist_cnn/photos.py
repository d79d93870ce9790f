"""A reproducible set of "phone photos" of handwritten digits, and accuracy per condition.

Real handwriting is drawn onto simulated paper: MNIST *test* digits, the UCI digits shipped with
scikit-learn (43 writers, none in MNIST) and pen strokes (:data:`mnist_cnn.handwriting.STROKES`
with a wobbling hand). Each photo varies

- paper: white, cream, grey, ruled (blue or grey lines), squared (a grid);
- ink: blue ballpoint, black marker, grey pencil (low contrast, grainy); thin or thick strokes;
- light: even, a gradient, a soft shadow edge; sensor noise, slight blur;
- geometry: the digit 30-300 px tall (some on 4000x3000 phone-sized pages), anywhere on the page,
  tilted up to +-15 degrees;
- file: PNG, JPEG (quality 50-90) or WebP; RGB, RGBA or L.

Two disjoint splits: ``"dev"`` (to tune the pipeline on) and ``"test"`` (only reported), made
with different seeds from different source digits (MNIST test images 0-4999 vs 5000-9999, UCI
digits in even vs odd positions). Everything is drawn from one ``numpy`` generator, so a split and
``n`` give the same photos on every machine.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

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

    data: bytes  #: the encoded image file
    suffix: str  #: ".png", ".jpg" or ".webp"
    label: str  #: the digit (or the number) written on it
    conditions: dict  #: paper, ink, light, source, size, format, mode, phone
    boxes: list | None = None  #: (x, y, w, h) of each digit, for numbers
    glyph: np.ndarray | None = None  #: the ink as written, before paper and light (if asked for)


def _split_sources(split: str):
    """The source digits a split may use: MNIST test indices and UCI indices (disjoint splits)."""
    from sklearn.datasets import load_digits

    from mnist_cnn.data import load_mnist

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
    from PIL import Image, ImageDraw

    from mnist_cnn.handwriting import STROKES

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
            draw.line(pts, fill=255, width=int(round(pen)), joint="curve")
            for x, y in (pts[0], pts[-1]):
                draw.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill=255)
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
    from scipy import ndimage
    from skimage.morphology import disk, skeletonize

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


def _finish(rgb: np.ndarray, rng: np.random.Generator, conditions: dict) -> tuple[bytes, str]:
    """Blur, noise, and encode as PNG / JPEG / WebP in RGB / RGBA / L."""
    from PIL import Image, ImageFilter

    rgb = rgb + rng.normal(0, rng.uniform(0.005, 0.035), rgb.shape).astype(np.float32)
    img = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")
    blur = rng.uniform(0, 1.2) * max(1.0, min(img.size) / 600)
    if blur > 0.3:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    fmt, mode = conditions["format"], conditions["mode"]
    if mode == "L":
        img = img.convert("L")
    elif mode == "RGBA" and fmt != "jpeg":
        img = img.convert("RGBA")
    else:
        conditions["mode"] = img.mode
    buffer = io.BytesIO()
    if fmt == "png":
        img.save(buffer, "PNG")
    elif fmt == "jpeg":
        img.save(buffer, "JPEG", quality=int(rng.integers(50, 91)))
    else:
        img.save(buffer, "WEBP", quality=int(rng.integers(60, 91)))
    return buffer.getvalue(), {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}[fmt]


def _compose(glyphs: list[np.ndarray], rng: np.random.Generator, conditions: dict,
             phone: bool, gap_range=(0.05, 0.35)) -> tuple[np.ndarray, list]:
    """Write the glyphs in a row on a page; return RGB float (h, w, 3) and each glyph's box."""
    from scipy import ndimage

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
                 with_glyphs: bool = False, seed: int | None = None) -> Iterator[Photo]:
    """Generate ``n`` photos of one handwritten digit each (see the module docstring).

    Args:
        split: ``"dev"`` (tune on it) or ``"test"`` (report it): different seeds and source digits.
        n: How many photos.
        phone_rate: Fraction of photos on a 4000x3000 (or 3000x4000) page.
        with_glyphs: Also keep each digit's ink coverage as written (``Photo.glyph``, float
            (h, w) in [0, 1], upright, before paper and light): what a reader checks the label on.
        seed: Draw other photos from the split's source digits (default: the split's seed).

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
        data, suffix = _finish(rgb, rng, conditions)
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
    from PIL import Image

    from mnist_cnn.prepare import border_pixels

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


def format_table(rows: list[tuple[str, str, int, float]], title: str = "") -> str:
    """The rows of :func:`accuracy_table` as a Markdown table."""
    lines = ([f"**{title}**", ""] if title else []) + ["| condition | value | n | accuracy |",
                                                       "|---|---|---:|---:|"]
    lines += [f"| {k} | {v} | {n} | {a:.1%} |" for k, v, n, a in rows]
    return "\n".join(lines)


def evaluate_digits(split: str = "test", n: int = 600, model=None, folder=None,
                    phone_rate: float = 0.03, photos=None,
                    seed: int | None = None) -> list[tuple[dict, bool]]:
    """Write :func:`digit_photos` to files, read them with ``predict_images``; ``(conditions, correct)``.

    Args:
        folder: Where to write the photos (default: a temporary folder, deleted afterwards).
        photos: Other photos to read instead (for example :func:`tilted_photos`).
        seed: As for :func:`digit_photos`.
    """
    import tempfile
    from pathlib import Path

    from mnist_cnn.predict import predict_images

    if model is None:
        from mnist_cnn.io import load_shipped_model

        model = load_shipped_model()
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
            results += predict_images(paths[start:start + 64], model=model)
    return [(p.conditions, r.error is None and str(r.label) == p.label) for p, r in zip(read, results)]


def evaluate_numbers(split: str = "test", n: int = 200, model=None,
                     seed: int | None = None) -> list[tuple[dict, bool]]:
    """Read :func:`number_photos` with :func:`mnist_cnn.numbers.read_number`; ``(conditions, exact)``."""
    from PIL import Image

    from mnist_cnn.numbers import read_number
    from mnist_cnn.prepare import ImageError, pil_to_grey

    if model is None:
        from mnist_cnn.io import load_shipped_model

        model = load_shipped_model()
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
