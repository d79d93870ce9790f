"""The page: paper, light, ruled lines and tilt, down to a mask of the ink.

:func:`find_ink` takes any photo of dark ink on light paper (or light on dark) and returns how
dark the ink is at every pixel and which pixels are ink:

1. read it as greyscale (:mod:`mnist_cnn.reading.images`);
2. detect the paper from the image border (its lit part); divide by the paper's own brightness
   (the darker of a wide median filter and a grey-level closing, so gradients and soft shadows
   cancel out) to get the ink's darkness;
3. threshold the ink (Otsu's method: the level that best splits the pixels into two groups,
   never below the paper's noise), then remove ruled and grid lines: long thin horizontal /
   vertical runs that span the page (a morphological opening with a line half the page long that
   forgives gaps, on a levelled copy if the page is askew), repair the digit's strokes where they
   crossed a line, and keep strokes written along a line (darker than the line).

One digit is then cut out by :mod:`mnist_cnn.reading.digit`; several by
:mod:`mnist_cnn.reading.numbers`.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.filters import apply_hysteresis_threshold, threshold_otsu
from skimage.filters.rank import median

from mnist_cnn.reading.images import ImageError, border_pixels, load_grey

MIN_CONTRAST = 0.1  #: darkest ink (relative to the paper) below which nothing counts as written
LINE_MIN_RUN = 0.5  #: a ruled line is a straight run of ink at least this fraction of the page ...
LINE_MIN_SPAN = 0.8  #: ... and, with its tilt, spans at least this fraction of it
LINE_MIN_DENSITY = 0.7  #: a run may have gaps: this fraction of it must be ink
LINE_MAX_TILT = 10.0  #: lines tilted by up to this many degrees (a page photographed askew) are found
LINE_MIN_PIXELS = 24  #: a shorter run cannot be told from a pen stroke (thumbnails keep their lines)


def paper_brightness(grey: np.ndarray) -> np.ndarray:
    """Estimate the paper's brightness under every pixel of a dark-ink-on-light image.

    A median filter a quarter of the image wide sees mostly paper everywhere, so it erases the
    ink and thin ruled lines but keeps what is wider: a light gradient, and the straight edge of a
    soft shadow (a median keeps edges and ramps, where a mean or a closing would smear them). It
    runs on a copy at most 160 px long, then is scaled back up.

    Args:
        grey: float (H, W) in [0, 1], dark ink on light paper.

    Returns:
        float32 (H, W) in (0, 1].
    """

    h, w = grey.shape
    factor = max(1.0, max(h, w) / 160)
    small_size = (max(1, int(round(w / factor))), max(1, int(round(h / factor))))
    small = np.asarray(Image.fromarray(grey.astype(np.float32), mode="F")
                       .resize(small_size, Image.Resampling.BOX), np.float32)
    size = max(3, min(small.shape) // 4) | 1
    # skimage's rank median (a sliding histogram, fast for wide windows) on 8-bit levels; pixels
    # outside the image are simply not counted, so the border is not biased.
    levels = np.round(np.clip(small, 0, 1) * 255).astype(np.uint8)
    footprint = np.ones((size, size), bool)
    first = median(levels, footprint=footprint).astype(np.float32) / 255
    # Second pass without the ink: a thick, dense digit would otherwise darken its own paper.
    # Ink: darker than the first estimate, or than a third of the paper along the border (the
    # inside of a very thick stroke, where the first estimate saw mostly ink; a deep shadow keeps
    # more light than that).
    border = np.median(border_pixels(small))
    paper_only = ~ndimage.binary_dilation((small < 0.9 * first) | (small < 0.35 * border), iterations=2)
    if paper_only.mean() > 0.2:
        paper = median(levels, footprint=footprint, mask=paper_only).astype(np.float32) / 255
        # no paper within reach (inside a large blob of ink): the paper's overall level
        paper = np.where(paper > 0, paper, np.median(small[paper_only]))
    else:
        paper = first
    # A median bends a soft shadow's edge where the window holds more lit paper than shadow (near
    # the edge, and where it meets the image border): the shadowed side comes out too bright and
    # turns into a wedge of "ink". A closing (max filter, then min filter) with the same window
    # keeps straight edges and ramps exactly and erases every dark mark narrower than the window,
    # so where it is darker than the median it is the better estimate.
    # At the image border the window would be cut short and lean towards the lit side; a point
    # reflection across the border ("odd") continues a ramp as a ramp, so the closing stays exact.
    r = size // 2
    closed = ndimage.grey_closing(np.pad(small, r, mode="reflect", reflect_type="odd"), size=(size, size))
    paper = np.minimum(paper, closed[r:-r, r:-r])
    paper = np.asarray(Image.fromarray(paper, mode="F").resize((w, h), Image.Resampling.BILINEAR),
                       np.float32)
    return np.maximum(paper, 0.02)


def remove_lines(mask: np.ndarray, faint: np.ndarray | None = None, ink: np.ndarray | None = None,
                 page: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Remove ruled / grid lines from a binary ink mask and repair the strokes that crossed them.

    A line is a straight horizontal (vertical) run at least half the page's width (height) long and
    at least 70 % ink (a morphological opening with a 1-pixel-thick line that forgives gaps: a
    running mean and a max filter; gaps of a few pixels are bridged first), whose ink spans at least
    80 % of the page; lines are only removed when the page has at least two of them in that
    direction (ruled or squared paper), or one crossing the whole page beside other ink. A digit's
    own bar or stem is shorter than that unless the digit fills the frame. Where the lines found
    are evenly spaced, shorter pieces of ink on the other lines of that spacing are line too (a
    line that uneven light left in the mask only in part, see :func:`_line_fragments`). Where a
    pen stroke crossed a line, the gap left is closed along the stroke (a closing across the line,
    no wider than the line), restoring only pixels that were ink. Where the ink reaches well past
    the line on both sides (thicker than the line's bare stretches), a stroke runs along it and
    those pixels are kept. Given the ink's darkness, pixels on a line that are much darker than
    the lines (a pen stroke drawn along one) are kept too, where they join the digit.

    Args:
        mask: bool (H, W), True = ink.
        faint: bool (H, W), a looser ink mask to find faint lines in (default: ``mask``).
        ink: float (H, W), the ink's darkness (optional; see :func:`find_ink`).
        page: bool (H, W), where the photo is, in a turned copy larger than the photo. Lines are
            looked for as if each row (column) went on to the frame's edge with the values at
            the page's edge, so a line cut short by a corner of the page still spans the frame.

    Returns:
        ``(clean, lines)``: the mask without the lines, and the pixels of the lines found (faint
        ones too, bool (H, W)), less those kept as pen strokes.
    """
    faint = mask if faint is None else faint | mask
    clean = mask.copy()
    removed = np.zeros_like(mask)
    found = np.zeros_like(mask)  # every line pixel, faint ones too
    for axis in (1, 0):  # 1: horizontal lines (runs along a row), 0: vertical ones
        length, across = mask.shape[axis], 1 - axis
        run = int(LINE_MIN_RUN * length) | 1  # odd: the opening gives back exactly what it kept
        if run < LINE_MIN_PIXELS:  # a thumbnail: too small to tell a line from a stroke
            continue
        bridge = max(3, length // 100)  # noise and JPEG break faint lines into dashes
        source = faint if page is None else _extend_to_frame(faint, page, axis)
        joined = ndimage.minimum_filter1d(ndimage.maximum_filter1d(source.view(np.uint8), bridge, axis=axis),
                                          bridge, axis=axis).astype(bool)
        tolerant = ndimage.maximum_filter1d(joined.view(np.uint8), 3, axis=across)  # +-1 px of tilt
        opened = _dense_runs(tolerant, run, axis)
        labels, count = ndimage.label(opened, structure=np.ones((3, 3)))
        if count == 0:
            continue
        labels[~joined] = 0  # the ink in each such window: its span is the line's
        boxes = ndimage.find_objects(labels, max_label=count)
        spans = [0 if s is None else s[axis].stop - s[axis].start for s in boxes]
        long_ones = [i + 1 for i, span in enumerate(spans) if span >= LINE_MIN_SPAN * length]
        if not long_ones:
            continue
        lines = np.isin(labels, long_ones)
        if len(long_ones) == 1 and (max(spans) < 0.9 * length or not (mask & ~lines).any()):
            continue  # one line alone is removed only if it crosses the page and leaves ink behind
        # A line's thickness: how many of its pixels a row (column) across it holds where it is
        # bare (the lower quartile: a stroke written along part of it must not count).
        thickness = float(np.median([np.percentile(counts[counts > 0], 25) for counts in
                                     (np.count_nonzero(labels[boxes[i - 1]] == i, axis=across)
                                      for i in long_ones)]))
        if len(long_ones) >= 2:  # the rest of the paper's lines, where light made them fade out
            lines |= _line_fragments(joined, lines, thickness, axis)
        # Where ink reaches well past the line on both sides, a pen stroke lies along it or crosses
        # it (the foot of a "2" written on the line, a "1" on a grid line): those pixels are the
        # stroke's, keep them. (Lines of the other direction, found before, are not strokes; ink
        # on one side only is a stroke that meets the line, repaired below.)
        wide = (int(np.ceil(thickness)) + 3) | 1
        along = ndimage.minimum_filter1d((faint & ~found).view(np.uint8), wide, axis=across,
                                         mode="constant").astype(bool)
        lines &= ~along
        lines = ndimage.maximum_filter1d(lines.view(np.uint8), 3, axis=across).astype(bool) & ~along
        reach = 2 * int(np.ceil(thickness)) + 5
        without = (clean & ~lines).view(np.uint8)
        closed = ndimage.minimum_filter1d(ndimage.maximum_filter1d(without, reach, axis=across),
                                          reach, axis=across).astype(bool)
        repaired = closed & lines & mask  # line pixels with stroke ink on both sides of the line
        found |= lines
        removed |= lines & clean & ~repaired
        clean &= ~lines
        clean |= repaired
    if ink is not None and removed.any():
        # Printed lines are light (blue or grey) next to a pen's ink: a removed pixel 1.3x as dark
        # as the lines' core belongs to a stroke written along a line. The core is measured on
        # every line pixel found, faint ones too (lines fainter than the ink threshold are in the
        # mask only where a pen crossed them, so the removed pixels alone can be mostly pen): the
        # darkest pixel nearby (a line's fringe counts as its core), and of those the 90th
        # percentile, as light and shadow make parts of a line darker than the rest.
        core = float(np.percentile(ndimage.maximum_filter(np.where(found, ink, 0), size=3)[found], 90))
        stroke = removed & (ink > 1.3 * core)
        if stroke.any():
            labels, _ = ndimage.label(clean | stroke, structure=np.ones((3, 3)))
            joined = np.isin(labels, np.unique(labels[clean])) & stroke
            clean |= joined
            removed &= ~joined
    return clean, found & ~clean


def _line_fragments(ink: np.ndarray, lines: np.ndarray, thickness: float, axis: int) -> np.ndarray:
    """Pieces of the page's other lines: ink where the lines found, evenly spaced, say a line is.

    Uneven light leaves a printed line in the ink mask only along part of the page, too short to
    be found as a line, and the pieces left join the digit. The lines found give the paper's
    spacing; on each other line of that spacing, straight runs of ink a tenth of the page long (or
    :data:`LINE_MIN_PIXELS`) and mostly ink are pieces of it. Nothing is returned unless the lines
    found are evenly spaced (ruled or squared paper).
    """
    across = 1 - axis
    profile = lines.sum(axis=axis).astype(np.float64)  # line pixels in each row (column)
    labels, count = ndimage.label(profile > 0)
    centres = np.array(ndimage.center_of_mass(profile, labels, range(1, count + 1))).ravel()
    gaps = np.diff(centres)
    if len(gaps) == 0 or gaps.min() < 3 * thickness + 3:
        return np.zeros_like(lines)
    steps = np.round(gaps / gaps.min())  # the closest two lines are one spacing apart
    spacing = float(gaps.sum() / steps.sum())
    if np.abs(gaps - steps * spacing).max() > max(2.0, 0.05 * spacing):
        return np.zeros_like(lines)  # not evenly spaced: not a printed page
    length = lines.shape[axis]
    run = max(LINE_MIN_PIXELS, int(0.1 * length)) | 1
    reach = int(np.ceil(thickness)) + 1
    band = np.zeros(lines.shape[across], bool)  # rows (columns) where a line should be
    for centre in np.arange(centres[0] % spacing, lines.shape[across], spacing):
        if np.abs(centres - centre).min() > spacing / 2:
            band[max(0, int(round(centre)) - reach):int(round(centre)) + reach + 1] = True
    if not band.any():
        return np.zeros_like(lines)
    band = band[:, None] if axis == 1 else band[None, :]
    return _dense_runs(ink, run, axis) & ink & band


def _dense_runs(a: np.ndarray, run: int, axis: int) -> np.ndarray:
    """An opening that forgives gaps: bool, True in every window of ``run`` pixels along ``axis``
    that is at least :data:`LINE_MIN_DENSITY` ink (a faint line that light, noise or JPEG broke
    up still is), grown back to the window's full length (``run`` odd)."""
    density = ndimage.uniform_filter1d(a.astype(np.float32), run, axis=axis, mode="constant")
    return ndimage.maximum_filter1d((density >= LINE_MIN_DENSITY).view(np.uint8), run, axis=axis).astype(bool)


def _extend_to_frame(a: np.ndarray, page: np.ndarray, axis: int) -> np.ndarray:
    """Copy each row (``axis=1``) or column (``axis=0``) of ``a`` outwards from the ends of
    ``page`` in it to the edges of the frame (rows without page are left as they are)."""
    moved = np.moveaxis(a, axis, 1)
    inside = np.moveaxis(page, axis, 1)
    has = inside.any(axis=1)
    first = np.where(has, inside.argmax(axis=1), 0)
    last = np.where(has, inside.shape[1] - 1 - inside[:, ::-1].argmax(axis=1), inside.shape[1] - 1)
    index = np.clip(np.arange(inside.shape[1])[None, :], first[:, None], last[:, None])
    return np.moveaxis(np.take_along_axis(moved, index, axis=1), 1, axis)


def line_tilt(mask: np.ndarray, max_angle: float = LINE_MAX_TILT, step: float = 0.2) -> float:
    """How far to turn an ink mask to level a page's ruled or grid lines; 0.0 if it has none.

    For each candidate angle the ink pixels are counted along straight lines of that direction
    (a projection profile): a printed line at that angle piles up into one or two bins. The angle
    whose fullest line holds the most ink wins, in either family (near horizontal, near vertical),
    if it holds clearly more than at 0 degrees and that line runs along at least ``LINE_MIN_SPAN``
    of the page's width (or height): a digit's stroke is never that long.

    Args:
        mask: bool (H, W), True = ink.
        max_angle: Largest tilt tried, in degrees, each way.
        step: Angle step in degrees.

    Returns:
        Degrees anticlockwise, as :func:`scipy.ndimage.rotate` turns an image: ``_rotate(a,
        line_tilt(a))`` has level lines. Tilts under half a step count as 0.
    """
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return 0.0
    stride = max(1, len(ys) // 200_000)  # a sample of the ink is enough, and fast
    ys, xs = ys[::stride].astype(np.float64), xs[::stride].astype(np.float64)
    h, w = mask.shape
    best, best_fill, best_line, level_fill = 0.0, 0.0, None, 0.0
    steps = np.arange(0, max_angle + step / 2, step)
    for angle in np.stack([steps, -steps], axis=1).ravel()[1:]:  # 0, +-step, +-2 step, ...
        c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
        rows, cols = ys * c - xs * s, xs * c + ys * s  # across and along near-horizontal lines
        for across, along, length in ((rows, cols, w), (cols, rows, h)):
            bins = np.round(across - across.min()).astype(np.int64)
            # ink within 3 bins: a printed line 1-3 px thick counts whole at its own angle
            sums = np.convolve(np.bincount(bins), np.ones(3), mode="same")
            top = int(np.argmax(sums))
            if angle == 0:
                level_fill = max(level_fill, sums[top])
            if sums[top] > best_fill * 1.001:  # a tie keeps the smaller tilt, tried first
                best, best_fill = float(angle), sums[top]
                best_line = (along[np.abs(bins - top) <= 1], length)
    # Level lines score almost as well a fraction of a degree off (thick or blurred lines); a real
    # tilt spreads a line over many bins at 0 degrees, so its best score is far higher.
    if best == 0.0 or best_line is None or best_fill < 1.25 * level_fill:
        return 0.0
    # The fullest line must run along most of the page (a long digit stroke does not).
    along, length = best_line
    covered = np.unique(np.round(along / stride).astype(np.int64)).size * stride
    return best if covered >= LINE_MIN_SPAN * length else 0.0


def _rotate(a: np.ndarray, angle: float, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Rotate an image anticlockwise by ``angle`` degrees into a larger float32 frame (zero
    outside); with ``shape``, crop that many pixels from the centre (to undo an earlier turn)."""
    out = ndimage.rotate(a.astype(np.float32), angle, reshape=True, order=1, mode="constant", cval=0.0)
    if shape is None:
        return out
    top, left = (out.shape[0] - shape[0]) // 2, (out.shape[1] - shape[1]) // 2
    return out[top:top + shape[0], left:left + shape[1]]


def find_ink(
    image: np.ndarray | str | os.PathLike, name: str | None = None, steps: dict | None = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """Steps 1-3 of :func:`prepare_image`: the ink's darkness and its mask, without ruled lines.

    Args:
        image: A path, or an array (H, W) / (H, W, 3|4), dark ink on light paper or light on dark.
        name: How to name the input in error messages (default: the path, or "array").
        steps: If a dict is given, "greyscale", "ink" and "lines removed" are added to it.

    Returns:
        ``(ink, mask, name)``: float32 (H, W) darkness of the ink relative to the paper in [0, 1],
        bool (H, W) ink pixels (ruled lines and their fringes removed), and the input's name.

    Raises:
        ImageError: Unreadable, too small, or no ink darker than the paper (blank or too faint).
    """
    grey, name = load_grey(image, name)
    steps = {} if steps is None else steps
    steps["greyscale"] = grey.copy()
    # Paper vs ink: the border is mostly paper. Work with dark ink on light paper. A light digit
    # on a dark ground (a canvas, MNIST itself) has a dark border all round; a page half in a
    # shadow is dark only along part of it, so the lit part decides.
    border = border_pixels(grey)
    if np.percentile(border, 90) < 0.5:
        grey = 1.0 - grey
    smooth = ndimage.gaussian_filter(grey, 0.7) if min(grey.shape) >= 64 else grey
    darkness = 1.0 - smooth / paper_brightness(smooth)
    noise = 1.4826 * float(np.median(np.abs(darkness - np.median(darkness))))
    ink = np.clip(darkness, 0, 1).astype(np.float32)
    peak = float(ndimage.grey_opening(ink, size=(2, 2)).max())  # the darkest ink, not a noisy pixel
    if peak < MIN_CONTRAST:
        raise ImageError(f"{name}: no digit found (a blank page, or ink too faint to tell from the paper)")
    threshold = max(min(float(threshold_otsu(ink)), 0.5 * peak), 5 * noise, 0.5 * MIN_CONTRAST)
    # Hysteresis: fainter ink (down to half the threshold) counts where it touches surely-ink
    # pixels, so grainy pencil strokes stay in one piece while paper noise stays out.
    low = max(0.5 * threshold, 3 * noise, 0.5 * MIN_CONTRAST)
    mask = apply_hysteresis_threshold(ink, low, threshold)
    steps["ink"] = ink.copy()
    faint = ink > max(4 * noise, 0.5 * MIN_CONTRAST)  # faint lines too
    tilt = line_tilt(mask) if LINE_MIN_RUN * min(mask.shape) >= LINE_MIN_PIXELS else 0.0
    if tilt:  # a page photographed askew: level its lines, remove them, turn the result back
        level = [_rotate(a, tilt) for a in (mask, faint, ink, np.ones(mask.shape, np.float32))]
        clean, lines = remove_lines(level[0] > 0.5, level[1] > 0.5, level[2], page=level[3] > 0.5)
        mask = mask & (_rotate(clean, -tilt, mask.shape) > 0.5)
        lines = _rotate(lines, -tilt, mask.shape) > 0.5
    else:
        mask, lines = remove_lines(mask, faint, ink)
    if lines.any():
        ink = np.where(ndimage.binary_dilation(lines, iterations=1) & ~mask, 0.0, ink).astype(np.float32)
        steps["lines removed"] = np.where(mask, ink, 0.0).astype(np.float32)
    if not mask.any():
        raise ImageError(f"{name}: no digit found (only ruled lines or paper)")
    return ink, mask, name

