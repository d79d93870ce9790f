"""Reading your own handwriting: turn any photo or scan of one digit into an MNIST-like input.

MNIST's digits were made by (1) scanning dark ink on white paper, (2) inverting to white on
black, (3) size-normalising each digit to fit a 20x20 box with its aspect ratio kept (which
anti-aliases it into grey levels), and (4) placing it in a 28x28 frame so that its centre of mass
is in the middle. :func:`prepare_image` repeats those steps for an arbitrary image:

1. read it safely (any of L / RGB / RGBA / palette / 16-bit; no pickles, no code, a pixel limit
   against decompression bombs), composite transparency on white, convert to greyscale;
2. detect the paper from the image border and invert dark-ink-on-light-paper;
3. remove the background (Otsu's threshold) and specks far smaller than the digit;
4. crop to the digit, thicken pen strokes that would vanish when shrunk, scale into 20x20;
5. centre by centre of mass in 28x28.

:func:`predict_images` runs that on paths or arrays and the model, and never lets one bad file
stop the others: each result carries either a prediction or a one-line ``error``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAX_PIXELS = 40_000_000  #: larger images are refused (decompression-bomb guard)
MIN_SIDE = 8  #: smaller images cannot hold a readable digit
BOX = 20  #: MNIST's digit box
SIZE = 28  #: MNIST's frame
TARGET_STROKE = 2.2  #: typical MNIST pen width in pixels, inside the 20x20 box


class ImageError(ValueError):
    """An input that is not a usable image of a digit; the message names it and the problem."""


@dataclass
class Prediction:
    """The result for one input: a prediction, or an error message (never both)."""

    source: str
    label: int | None = None
    confidence: float | None = None
    probabilities: np.ndarray | None = None
    image: np.ndarray | None = field(default=None, repr=False)  #: the 28x28 input the model saw
    error: str | None = None

    def top_k(self, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most probable digits as ``(digit, probability)``, most probable first."""
        if self.probabilities is None:
            return []
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]

    def to_dict(self, k: int = 3) -> dict:
        """A JSON-friendly dict: path, label, confidence and top-k, or path and error."""
        if self.error is not None:
            return {"path": self.source, "error": self.error}
        return {"path": self.source, "label": self.label, "confidence": round(self.confidence, 6),
                "top_k": [{"label": d, "probability": round(p, 6)} for d, p in self.top_k(k)]}


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as greyscale float32 in [0, 1] (1 = white), transparency on white.

    Raises:
        ImageError: Missing, empty, not an image, truncated, too large or too small.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image file")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise ImageError(f"{path}: {img.width}x{img.height} pixels is too large "
                                     f"(limit {MAX_PIXELS:,}); scale it down first")
                img.load()
                return pil_to_grey(img)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file (or a format Pillow cannot read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{path}: image is too large (possible decompression bomb)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: damaged or truncated image ({exc})") from None


def pil_to_grey(img) -> np.ndarray:
    """Convert a Pillow image of any mode to greyscale float32 in [0, 1], alpha composited on white."""
    from PIL import Image

    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        return np.clip(a / top, 0, 1).astype(np.float32)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


def array_to_grey(a: np.ndarray, name: str = "array") -> np.ndarray:
    """Convert an array (H, W), (H, W, 1|3|4) of uint8 / uint16 / float to greyscale in [0, 1]."""
    a = np.asarray(a)
    if a.ndim == 3 and a.shape[-1] in (1, 3, 4):
        if a.shape[-1] == 4:  # composite on white
            alpha = a[..., 3:4].astype(np.float64) / (255.0 if a.dtype == np.uint8 else 1.0)
            a = a[..., :3] * alpha + (255.0 if a.dtype == np.uint8 else 1.0) * (1 - alpha)
        a = a[..., :3].mean(axis=-1) if a.shape[-1] >= 3 else a[..., 0]
    if a.ndim != 2:
        raise ImageError(f"{name}: expected a 2-D greyscale or (H, W, 3|4) colour image, got shape {a.shape}")
    if a.dtype == np.uint16:
        return (a / 65535.0).astype(np.float32)
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ImageError(f"{name}: contains NaN or infinite values")
    top = 1.0 if a.max() <= 1.0 else 255.0 if a.max() <= 255 else a.max()
    return np.clip(a / top, 0, 1).astype(np.float32)


def stroke_width(mask: np.ndarray) -> float:
    """Estimate the pen width in pixels of a binary ink mask (twice the mean distance from the
    stroke's centre line to its edge)."""
    from scipy import ndimage
    from skimage.morphology import skeletonize

    mask = np.pad(mask, 1)  # the edge of the array counts as paper
    skeleton = skeletonize(mask)
    if not skeleton.any():
        return 1.0
    distance = ndimage.distance_transform_edt(mask)
    return float(max(1.0, 2 * distance[skeleton].mean() - 1))


def prepare_image(
    image: np.ndarray | str | os.PathLike, name: str | None = None, steps: dict | None = None
) -> np.ndarray:
    """Turn a photo, scan or array of one handwritten digit into an MNIST-like input.

    Args:
        image: A path, or an array (H, W) / (H, W, 3|4), dark ink on light paper or light on dark.
        name: How to name the input in error messages (default: the path, or "array").
        steps: If a dict is given, it is filled with the intermediate images, in order:
            "greyscale", "ink", "digit", "cropped", "20x20", "28x28" (for teaching and debugging).

    Returns:
        float32 (28, 28) in [0, 1]: a white digit on black, scaled into the central 20x20 box
        and centred by its centre of mass, like MNIST.

    Raises:
        ImageError: The input is unreadable, too small, or holds no digit (blank page).
    """
    from PIL import Image
    from scipy import ndimage
    from skimage.filters import threshold_otsu

    if isinstance(image, (str, os.PathLike)):
        name = name or str(image)
        grey = read_image(image)
    else:
        name = name or "array"
        grey = array_to_grey(image, name)
    h, w = grey.shape
    if min(h, w) < MIN_SIDE:
        raise ImageError(f"{name}: {w}x{h} pixels is too small to hold a digit (need at least "
                         f"{MIN_SIDE}x{MIN_SIDE})")

    steps = {} if steps is None else steps
    steps["greyscale"] = grey.copy()
    # 1. Paper vs ink: the border is mostly paper. Make ink bright on a dark background.
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 0.5:
        grey = 1.0 - grey
    # 2. Background removal: subtract the paper level, stretch the ink to [0, 1].
    ink = grey - np.median(border if np.median(border) <= 0.5 else 1.0 - border)
    spread = float(np.percentile(ink, 99.9))
    if spread < 0.15:
        raise ImageError(f"{name}: no digit found (the image is blank or has almost no contrast)")
    ink = np.clip(ink / spread, 0, 1)
    steps["ink"] = ink.copy()
    mask = ink > max(threshold_otsu(ink), 0.2)
    # 3. Keep the digit: connected pieces at least 10 % of the largest one (drops specks).
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        raise ImageError(f"{name}: no digit found (the image is blank or has almost no contrast)")
    sizes = ndimage.sum(mask, labels, index=np.arange(1, count + 1))
    keep = np.isin(labels, 1 + np.flatnonzero(sizes >= 0.1 * sizes.max()))
    ink = np.where(ndimage.binary_dilation(keep, iterations=2), ink, 0.0)
    rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop, crop_mask = ink[top:bottom, left:right], keep[top:bottom, left:right]
    steps["digit"] = ink.copy()
    steps["cropped"] = crop.copy()
    # 4. Scale the longer side to 20 px; thicken thin strokes first so they survive the shrink.
    scale = BOX / max(crop.shape)
    needed = TARGET_STROKE / scale  # pen width (source pixels) that becomes ~2.2 px
    width = stroke_width(crop_mask)
    if width < needed:
        grow = int(round((needed - width) / 2))
        if grow > 0:
            crop = np.pad(crop, grow)
            crop = ndimage.grey_dilation(crop, footprint=_disk(grow))
    out_h = max(1, int(round(crop.shape[0] * BOX / max(crop.shape))))
    out_w = max(1, int(round(crop.shape[1] * BOX / max(crop.shape))))
    # A box filter averages exactly the source pixels under each target pixel (what a scanner
    # does); a Gaussian pre-blur would smear a 24x shrink into a faint haze.
    small = np.asarray(Image.fromarray(crop.astype(np.float32), mode="F")
                       .resize((out_w, out_h), Image.Resampling.BOX), dtype=np.float64)
    small = np.clip(small / max(small.max(), 1e-6), 0, 1)
    steps["20x20"] = small.copy()
    # 5. Paste into 28x28 and move the centre of mass to the centre.
    frame = np.zeros((SIZE, SIZE), np.float64)
    y0, x0 = (SIZE - out_h) // 2, (SIZE - out_w) // 2
    frame[y0:y0 + out_h, x0:x0 + out_w] = small
    cy, cx = ndimage.center_of_mass(frame)
    frame = ndimage.shift(frame, (SIZE / 2 - 0.5 - cy, SIZE / 2 - 0.5 - cx), order=1, mode="constant")
    frame = np.clip(frame, 0, 1).astype(np.float32)
    steps["28x28"] = frame
    return frame


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius:radius + 1, -radius:radius + 1]
    return x * x + y * y <= radius * radius


def predict_images(inputs, model=None) -> list[Prediction]:
    """Predict the digit in each input; a bad input gives a result with ``error`` set.

    Args:
        inputs: Paths and/or arrays (one image each), or a single path or array.
        model: A Keras model mapping (n, 28, 28, 1) to (n, 10) probabilities; default: the
            small model shipped with the package (:func:`load_shipped_model`).

    Returns:
        One :class:`Prediction` per input, in order.
    """
    if isinstance(inputs, (str, os.PathLike, np.ndarray)):
        inputs = [inputs]
    results, batch = [], []
    for i, item in enumerate(inputs):
        name = str(item) if isinstance(item, (str, os.PathLike)) else f"array #{i}"
        try:
            image = prepare_image(item, name)
        except ImageError as exc:
            results.append(Prediction(source=name, error=str(exc)))
            continue
        results.append(Prediction(source=name, image=image))
        batch.append(len(results) - 1)
    if batch:
        if model is None:
            from mnist_cnn.io import load_shipped_model

            model = load_shipped_model()
        x = np.stack([results[i].image for i in batch])[..., None]
        probs = np.asarray(model(x, training=False), dtype=np.float64)
        for row, i in zip(probs, batch):
            results[i].probabilities = row
            results[i].label = int(row.argmax())
            results[i].confidence = float(row.max())
    return results
