"""Draw an MNIST digit as a picture someone might take of it: any size, margin, pen or paper.

``render_digit(digit, size=..., margin=..., pen=..., dark_ink=..., blur=..., jpeg_quality=...)``
turns a 28x28 MNIST digit into a square picture of ``size`` x ``size`` pixels:

* the digit's centre line is traced (the strokes thinned to one pixel, Zhang and
  Suen's thinning) and drawn again with a round pen whose width is ``pen`` times
  the digit's longer side (``None`` keeps MNIST's own strokes); MNIST's pens are
  about 0.1-0.15 of it, a fine pen 0.03, a thick marker 0.2;
* the digit's longer side fills ``1 - 2 * margin`` of the picture's side;
* dark ink on light paper (``dark_ink=True``) or light on dark, optionally blurred
  (a Gaussian whose width is ``blur`` times the digit's longer side), with paper
  grain, a lighting gradient, and JPEG-compressed.

The preprocessing tests, ``python -m course_utils.tools.bench_preprocess`` and lesson 08
use it to check that ``preprocess.to_mnist`` gives back the digit whatever the
picture looks like.
Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

#: Side (pixels) of the canvas on which the digit's strokes are redrawn.
CANVAS = 256
#: Pens, as a fraction of the digit's longer side (``None``: MNIST's own strokes).
PENS = {"fine pen": 0.03, "MNIST's pen": None, "marker": 0.12, "thick marker": 0.2}


def _thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning: the one-pixel centre line of a binary shape (H, W) bool."""
    skeleton = np.pad(mask.astype(bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = skeleton
            n = [
                p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:],  # P2 P3 P4 P5
                p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2],  # P6 P7 P8 P9
            ]  # fmt: skip
            count = sum(x.astype(np.uint8) for x in n)
            transitions = sum((~n[i] & n[(i + 1) % 8]).astype(np.uint8) for i in range(8))
            if step == 0:
                side = ~(n[0] & n[2] & n[4]) & ~(n[2] & n[4] & n[6])
            else:
                side = ~(n[0] & n[2] & n[6]) & ~(n[0] & n[4] & n[6])
            remove = p[1:-1, 1:-1] & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                skeleton = skeleton.copy()
                skeleton[1:-1, 1:-1] &= ~remove
                changed = True
        if not changed:
            return skeleton[1:-1, 1:-1]


def digit_shape(digit: np.ndarray, pen: float | None = None) -> np.ndarray:
    """The digit's ink redrawn with a round pen, cropped to the ink, longer side ``CANVAS``.

    digit: (28, 28) uint8 or float, ink bright (an MNIST digit). pen: the stroke
    width as a fraction of the digit's longer side, or None for MNIST's own strokes.
    Returns (h, w) float32 in [0, 1] with max(h, w) about ``CANVAS`` plus the pen's
    overhang, anti-aliased edges.
    """
    digit = np.asarray(digit, dtype=np.float32)
    digit = digit / max(float(digit.max()), 1e-6)
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    cols = np.flatnonzero(digit.max(axis=0) > 0.1)
    if rows.size == 0:
        raise ValueError("the digit has no ink to draw")
    crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = CANVAS / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    big = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.BICUBIC))
    pad = int(0.15 * CANVAS)
    ink = np.pad(big > 0.5, pad)
    if pen is None:
        shape = np.pad(np.clip(big, 0.0, 1.0), pad)
    else:
        radius = pen * CANVAS / 2
        distance = ndimage.distance_transform_edt(~_thin(ink))
        shape = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    rows = np.flatnonzero(shape.max(axis=1) > 0)
    cols = np.flatnonzero(shape.max(axis=0) > 0)
    return shape[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)


def render_digit(
    digit: np.ndarray,
    *,
    size: int = 200,
    margin: float = 0.15,
    pen: float | None = None,
    dark_ink: bool = True,
    blur: float = 0.0,
    grain: float = 0.0,
    lighting: float = 0.0,
    jpeg_quality: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """A ``size`` x ``size`` picture of ``digit`` (see the module docstring).

    digit: (28, 28) MNIST digit, ink bright. margin: the empty border on each side,
    as a fraction of the side (0 to 0.45). pen: stroke width / the digit's longer
    side, or None for MNIST's. blur: Gaussian width / the digit's longer side.
    grain: the paper's noise (standard deviation, 0-255 units). lighting: how much
    darker one side of the page is (0.3: 30%). jpeg_quality: None for no JPEG.
    Returns (size, size) uint8, 0 = black.
    """
    return picture_of_shape(
        digit_shape(digit, pen),
        size=size,
        margin=margin,
        dark_ink=dark_ink,
        blur=blur,
        grain=grain,
        lighting=lighting,
        jpeg_quality=jpeg_quality,
        seed=seed,
    )


def picture_of_shape(
    shape: np.ndarray,
    *,
    size: int = 200,
    margin: float = 0.15,
    dark_ink: bool = True,
    blur: float = 0.0,
    grain: float = 0.0,
    lighting: float = 0.0,
    jpeg_quality: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """:func:`render_digit` for a shape already drawn by :func:`digit_shape` (faster in loops).

    shape: (h, w) float in [0, 1], ink bright, cropped. Returns (size, size) uint8.
    """
    if not 0 <= margin < 0.5:
        raise ValueError(f"margin must be in [0, 0.5), got {margin!r}")
    if size < 8:
        raise ValueError(f"size must be at least 8 pixels, got {size!r}")
    longer = max(1, round(size * (1 - 2 * margin)))
    factor = longer / max(shape.shape)
    height, width = (max(1, round(side * factor)) for side in shape.shape)
    resample = Image.Resampling.BILINEAR if factor > 1 else Image.Resampling.BOX
    small = np.asarray(Image.fromarray(shape, mode="F").resize((width, height), resample))
    ink = np.zeros((size, size), dtype=np.float32)
    top, left = (size - height) // 2, (size - width) // 2
    ink[top : top + height, left : left + width] = np.clip(small, 0.0, 1.0)
    if blur > 0:
        ink = ndimage.gaussian_filter(ink, sigma=blur * longer)
    paper, pen_colour = (235.0, 25.0) if dark_ink else (30.0, 225.0)
    page = paper + (pen_colour - paper) * ink
    if lighting:
        page = page * (1.0 - lighting * np.linspace(0.0, 1.0, size)[None, :])
    if grain:
        page = page + np.random.default_rng(seed).normal(0.0, grain, page.shape)
    pixels = np.clip(np.round(page), 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=int(jpeg_quality))
        pixels = np.asarray(Image.open(buffer).convert("L"))
    return pixels


__all__ = ["CANVAS", "PENS", "digit_shape", "picture_of_shape", "render_digit"]
