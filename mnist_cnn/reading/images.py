"""Reading an image into greyscale: files and arrays of any mode, safely.

Every photo the reader takes in passes through here first: :func:`read_image` opens a file with
Pillow (any of L / RGB / RGBA / palette / 16-bit; no pickles, no code, a pixel limit against
decompression bombs), :func:`array_to_grey` converts an array the same way, and both composite
transparency on white paper. The result is always float32 (H, W) in [0, 1], 1 = white.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 40_000_000  #: larger images are refused (decompression-bomb guard)
MIN_SIDE = 8  #: smaller images cannot hold a readable digit
GREY_WEIGHTS = (0.299, 0.587, 0.114)  #: ITU-R 601-2 luma, what Pillow's convert("L") uses


def border_pixels(a: np.ndarray) -> np.ndarray:
    """The pixels along the four edges of an (H, W) or (H, W, C) image, as one (n,) or (n, C) array."""
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


class ImageError(ValueError):
    """An input that is not a usable image of a digit; the message names it and the problem."""


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as greyscale float32 in [0, 1] (1 = white), transparency on white.

    Raises:
        ImageError: Missing, empty, not an image, truncated, too large or too small.
    """
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
    """Convert an array (H, W), (H, W, 1|3|4) of uint8 / uint16 / float to greyscale in [0, 1].

    Colour is weighted like Pillow's ``convert("L")`` (0.299 R + 0.587 G + 0.114 B), so an image
    file and the same pixels passed as an array give the same input.
    """
    a = np.asarray(a)
    if a.ndim == 3 and a.shape[-1] in (1, 3, 4):
        full = 255.0 if a.dtype == np.uint8 else 65535.0 if a.dtype == np.uint16 else 1.0
        if a.shape[-1] == 4:  # composite on white
            alpha = a[..., 3:4].astype(np.float64) / full
            a = a[..., :3] * alpha + full * (1 - alpha)
        a = a[..., :3] @ np.array(GREY_WEIGHTS) if a.shape[-1] >= 3 else a[..., 0]
        if full == 255.0:
            a = np.round(a)  # Pillow rounds to uint8
    if a.ndim != 2:
        raise ImageError(f"{name}: expected a 2-D greyscale or (H, W, 3|4) colour image, got shape {a.shape}")
    if a.dtype == np.uint16:
        return (a / 65535.0).astype(np.float32)
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ImageError(f"{name}: contains NaN or infinite values")
    top = 1.0 if a.max() <= 1.0 else 255.0 if a.max() <= 255 else a.max()
    return np.clip(a / top, 0, 1).astype(np.float32)


def load_grey(image: np.ndarray | str | os.PathLike, name: str | None = None) -> tuple[np.ndarray, str]:
    """Read a path or convert an array to greyscale float32 (H, W) in [0, 1]; also return its name.

    Raises:
        ImageError: Unreadable, or smaller than ``MIN_SIDE`` pixels.
    """
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
    return grey, name

