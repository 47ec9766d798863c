"""Turn any picture of a digit into an MNIST digit.

MNIST digits are white ink on black, 28x28, the digit fitted into 20x20 (longer
side 20 px, aspect ratio kept, anti-aliased) and placed so that its centre of
mass is the centre of the 28x28 field. A photo of a digit on paper is dark on
light, off-centre, large and noisy; a model only recognises it after the same
preparation. ``to_mnist(image)`` does it; ``to_mnist_steps(image)`` returns every
intermediate stage so a lesson can show them:

====================  =======================================================
stage                 what it is
====================  =======================================================
``original``          the decoded picture, upright (EXIF rotation applied)
``grayscale``         (H, W) float32 in [0, 1], 0 = black; transparency
                      composited on white
``inverted``          ink bright on a dark background (inverted only when the
                      ink was darker than the background)
``denoised``          uneven lighting flattened, contrast stretched, paper
                      noise and isolated specks set to 0
``cropped``           the bounding box of the ink
``thickened``         thin pen strokes thickened to MNIST's stroke width
                      (unchanged when the strokes are thick enough)
``scaled``            longer side 20 px, aspect ratio kept, anti-aliased
``centred``           28x28, centre of mass at the centre: the result
====================  =======================================================

An image is a PNG/JPEG/... file path, its bytes, a ``PIL.Image.Image`` or a numpy
array: ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)`` (RGBA), of dtype
uint8 (0-255), uint16 (0-65535), bool, or float in [0, 1] (0 = black).

Every problem with the input raises :class:`ImageError` (a ``ValueError``) with a
sentence for a person and a ``reason`` for a program (one of :data:`ERROR_REASONS`):
bytes that are not an image, a truncated file, a blank page ("no digit found"), an
image with more than :data:`MAX_PIXELS` pixels (a decompression bomb), an array of
the wrong rank or dtype. A Python object that is not an image at all (a list, a
number) raises ``TypeError``.

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

#: Largest picture accepted, in pixels (width x height): 40 megapixels, more than
#: a phone camera takes. Larger images are refused before they are decoded, which
#: protects against "decompression bombs" (a tiny file that unpacks to gigabytes).
MAX_PIXELS = 40_000_000
#: Side of an MNIST image and of the box the digit is fitted into.
IMAGE_SIZE = 28
DIGIT_BOX = 20
#: Ink fainter than this fraction of the strongest ink is paper noise.
NOISE_FLOOR = 0.25
#: Below this contrast (after flattening, in [0, 1]) there is no digit on the page.
MIN_CONTRAST = 0.1
#: Pictures are first shrunk so that their longer side is at most this (speed).
WORKING_SIZE = 512

#: Thinnest stroke kept as it is, as a fraction of the digit's longer side. MNIST's
#: strokes are about 0.14 of it (median); a fine pen on a big page is far thinner.
MIN_STROKE_WIDTH = 0.12
#: Size (longer side, pixels) at which thin strokes are thickened.
THICKEN_SIZE = 80

STAGES = (
    "original",
    "grayscale",
    "inverted",
    "denoised",
    "cropped",
    "thickened",
    "scaled",
    "centred",
)


#: The ``reason`` of an :class:`ImageError`, and when it is given.
ERROR_REASONS = {
    "missing_file": "no file at the path given",
    "empty": "empty bytes, or an image of 0 pixels",
    "not_an_image": "bytes that no image decoder can read",
    "truncated": "a damaged or truncated image file",
    "too_large": f"more than MAX_PIXELS ({MAX_PIXELS:,}) pixels: a possible decompression bomb",
    "bad_array": "an array of the wrong shape or dtype, NaN, or floats outside [0, 1]",
    "blank": "no digit found: nothing stands out from the background",
}


class ImageError(ValueError):
    """The input is not a usable picture of a digit; the message says why, ``reason`` what.

    Raised for bytes that are not an image, a truncated file, a blank page
    ("no digit found"), an image larger than ``MAX_PIXELS`` (decompression bomb),
    and arrays of the wrong rank or dtype. ``reason`` is one of the keys of
    :data:`ERROR_REASONS` ("blank", "too_large", ...), for programs that react to
    the kind of problem (lesson 09's service picks its HTTP status by it). A
    ``ValueError``, so callers that already catch ``ValueError`` keep working.
    Taught in notebooks/08_your_own_digits.ipynb.
    """

    def __init__(self, message: str, *, reason: str):
        if reason not in ERROR_REASONS:
            raise ValueError(f"reason must be one of {sorted(ERROR_REASONS)}, got {reason!r}")
        super().__init__(message)
        self.reason = reason


@dataclass
class PreprocessSteps:
    """Every stage of :func:`to_mnist_steps`, in order (see the module docstring).

    ``original`` is (H, W, 3) or (H, W) uint8 (RGBA composited on white); all other
    stages are float32 2-D arrays in [0, 1] with ink bright. ``centred`` is the
    (28, 28) result. ``was_inverted`` says whether the ink was dark (so the image was inverted),
    ``bounding_box`` is ``(top, left, bottom, right)`` of the ink in ``denoised``
    (bottom/right exclusive) and ``centre_of_mass`` is ``(row, col)`` in ``centred``.
    Taught in notebooks/08_your_own_digits.ipynb.
    """

    original: np.ndarray
    grayscale: np.ndarray
    inverted: np.ndarray
    denoised: np.ndarray
    cropped: np.ndarray
    thickened: np.ndarray
    scaled: np.ndarray
    centred: np.ndarray
    was_inverted: bool
    bounding_box: tuple[int, int, int, int]
    centre_of_mass: tuple[float, float] = field(default=(0.0, 0.0))

    def stages(self) -> dict[str, np.ndarray]:
        """The stages as ``{name: array}``, in the order they are made."""
        return {name: getattr(self, name) for name in STAGES}

    @property
    def result(self) -> np.ndarray:
        """The MNIST-style digit: (28, 28) float32 in [0, 1]."""
        return self.centred


def to_mnist(image) -> np.ndarray:
    """Prepare ``image`` the way MNIST digits were made.

    image: a file path, bytes, a PIL image or an array (see the module docstring).
    Returns (28, 28) float32 in [0, 1], white ink on black, the digit's longer side
    20 px and its centre of mass at the centre. Raises :class:`ImageError`.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    return to_mnist_steps(image).centred


def to_mnist_steps(image) -> PreprocessSteps:
    """Like :func:`to_mnist`, returning every intermediate stage (:class:`PreprocessSteps`).

    Taught in notebooks/08_your_own_digits.ipynb.
    """
    picture = load_image(image)
    original = np.asarray(_on_white(picture))
    gray = grayscale(picture)
    ink, was_inverted = ink_bright(gray)
    clean = suppress_noise(ink)
    box = ink_bounding_box(clean)
    top, left, bottom, right = box
    cropped = clean[top:bottom, left:right]
    thickened = thicken_strokes(cropped)
    scaled = fit_to_box(thickened, DIGIT_BOX)
    centred, com = centre_by_mass(scaled, IMAGE_SIZE)
    return PreprocessSteps(
        original=original,
        grayscale=gray,
        inverted=ink,
        denoised=clean,
        cropped=cropped,
        thickened=thickened,
        scaled=scaled,
        centred=centred,
        was_inverted=was_inverted,
        bounding_box=box,
        centre_of_mass=com,
    )


# --- decoding ---------------------------------------------------------------------


def load_image(image) -> Image.Image:
    """Decode ``image`` into an upright PIL image of mode "L", "RGB" or "RGBA".

    Accepts a path (str or ``pathlib.Path``), bytes/bytearray/memoryview, a PIL image,
    or a numpy array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4). EXIF rotation of
    photos is applied. Raises :class:`ImageError` for anything that cannot be a
    picture, ``TypeError`` for objects of another kind.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    if isinstance(image, np.ndarray):
        return _from_array(image)
    if isinstance(image, Image.Image):
        _check_pixels(image.size)
        return _normalise_mode(ImageOps.exif_transpose(image))
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise ImageError(f"no image file at {str(path)!r}", reason="missing_file")
        return _decode(path.read_bytes(), source=path.name)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _decode(bytes(image), source="the bytes")
    raise TypeError(
        "expected an image: a file path, bytes, a PIL image or a numpy array, "
        f"got {type(image).__name__}"
    )


def _decode(data: bytes, source: str) -> Image.Image:
    if not data:
        raise ImageError(f"{source} are empty: there is no image to read", reason="empty")
    try:
        picture = Image.open(io.BytesIO(data))
        _check_pixels(picture.size)  # before decoding: a bomb is refused unopened
        picture.load()
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageError(_too_large_message(None), reason="too_large") from error
    except UnidentifiedImageError as error:
        raise ImageError(
            f"{source} are not an image that Pillow can read (expected PNG, JPEG, "
            "GIF, BMP, TIFF or WebP)",
            reason="not_an_image",
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        if "truncated" in str(error).lower() or isinstance(error, (OSError, EOFError)):
            raise ImageError(
                f"{source} hold a damaged or truncated image ({error}); "
                "save or upload the file again",
                reason="truncated",
            ) from error
        raise ImageError(
            f"{source} could not be decoded: {error}", reason="not_an_image"
        ) from error
    return _normalise_mode(ImageOps.exif_transpose(picture))


def _too_large_message(size) -> str:
    shown = f" ({size[0]} x {size[1]} pixels)" if size else ""
    return (
        f"the image is too large{shown}: at most {MAX_PIXELS:,} pixels are accepted; "
        "shrink the picture first"
    )


def _check_pixels(size) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise ImageError(_too_large_message(size), reason="too_large")
    if width == 0 or height == 0:
        raise ImageError(f"the image is empty ({width} x {height} pixels)", reason="empty")


def _normalise_mode(picture: Image.Image) -> Image.Image:
    if picture.mode in ("L", "RGB", "RGBA"):
        return picture
    if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(picture, dtype=np.float64)
        top = 65535.0 if picture.mode.startswith("I;16") or values.max() > 255 else 255.0
        return Image.fromarray(np.clip(values / top * 255.0, 0, 255).astype(np.uint8))
    has_alpha = picture.mode in ("LA", "PA", "RGBa", "La") or "transparency" in picture.info
    return picture.convert("RGBA" if has_alpha else "RGB")


def _from_array(array: np.ndarray) -> Image.Image:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(
            "expected an image array of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
            f"got shape {array.shape}",
            reason="bad_array",
        )
    _check_pixels((array.shape[1], array.shape[0]))
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif array.dtype == np.uint16:
        array = (array.astype(np.float64) / 65535.0 * 255.0).round().astype(np.uint8)
    elif np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)):
            raise ImageError("the image array contains NaN or infinite values", reason="bad_array")
        low, high = float(array.min()), float(array.max())
        if low < 0.0 or high > 1.0:
            raise ImageError(
                "a float image must hold values in [0, 1] (0 = black), got values in "
                f"[{low:.3g}, {high:.3g}]; for 0-255 pixels pass a uint8 array",
                reason="bad_array",
            )
        array = (array * 255.0).round().astype(np.uint8)
    elif array.dtype != np.uint8:
        raise ImageError(
            "expected an image array of dtype uint8, uint16, bool or float in [0, 1], "
            f"got {array.dtype}",
            reason="bad_array",
        )
    mode = {2: "L", 3: "RGB", 4: "RGBA"}[array.shape[2] if array.ndim == 3 else 2]
    return Image.fromarray(np.ascontiguousarray(array), mode=mode)


def _on_white(picture: Image.Image) -> Image.Image:
    if picture.mode != "RGBA":
        return picture
    background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, picture).convert("RGB")


# --- the steps ----------------------------------------------------------------------


def grayscale(picture: Image.Image) -> np.ndarray:
    """Composite transparency on white, convert to gray and shrink large pictures.

    picture: a PIL image (any size). Returns (H, W) float32 in [0, 1], 0 = black,
    with the longer side at most ``WORKING_SIZE`` (shrunk by averaging pixel areas).
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    gray = _on_white(picture).convert("L")
    longer = max(gray.size)
    if longer > WORKING_SIZE:
        factor = WORKING_SIZE / longer
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.float32) / 255.0


def ink_bright(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """Make the ink bright and the background dark, as in MNIST.

    gray: (H, W) float in [0, 1]. The background is taken to be the median pixel
    (most of a page is background); the ink is the side that strays further from
    it. The image is inverted when its darkest pixels (0.5th percentile) lie further
    below the median than its brightest (99.5th percentile) lie above it: dark ink
    on a light page is inverted, white chalk on a mid-gray board (median 0.6) is
    not, dark ink on a gray page (median 0.4) is. Returns ``(image, was_inverted)``
    with image (H, W) float32 in [0, 1].
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    gray = np.asarray(gray, dtype=np.float32)
    background = float(np.median(gray))
    darkest, brightest = np.percentile(gray, [0.5, 99.5])
    if background - darkest > brightest - background:
        return 1.0 - gray, True
    return gray.copy(), False


def suppress_noise(ink: np.ndarray, noise_floor: float = NOISE_FLOOR) -> np.ndarray:
    """Flatten uneven lighting, stretch the contrast and remove paper noise.

    ink: (H, W) float in [0, 1], ink bright. A smooth background (the image with its
    strokes rubbed out by a minimum filter, then blurred) is subtracted; values are
    scaled so that the strongest ink is 1; everything under ``noise_floor`` (or
    under four times the paper's grain, measured robustly, when that is higher) and
    isolated specks (a lit pixel without a lit neighbour) become 0.
    Returns (H, W) float32 in [0, 1]. Raises :class:`ImageError` ("no digit found")
    when nothing stands out from the background by more than ``MIN_CONTRAST`` and
    six times the grain.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    ink = np.asarray(ink, dtype=np.float32)
    flat = ink - _background(ink)
    grain = 1.4826 * float(np.median(np.abs(flat - np.median(flat))))  # robust noise level
    flat = np.clip(flat, 0.0, None)
    strongest = float(np.percentile(flat, 99.9)) if flat.size >= 1000 else float(flat.max())
    if strongest < max(MIN_CONTRAST, 6 * grain):
        raise ImageError(
            "no digit found: the picture is blank (nothing stands out from the "
            "background); write the digit darker or photograph it closer",
            reason="blank",
        )
    floor = max(noise_floor, 4 * grain / strongest)
    stretched = np.clip(flat / strongest, 0.0, 1.0)
    clean = np.where(stretched >= floor, (stretched - floor) / (1 - floor), 0.0)
    return _remove_specks(clean.astype(np.float32))


def _background(ink: np.ndarray) -> np.ndarray:
    """A smooth estimate of the background under the strokes, same shape as ``ink``."""
    height, width = ink.shape
    small_size = 64
    factor = small_size / max(height, width)
    if factor >= 1:
        small = Image.fromarray(ink, mode="F")
    else:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = Image.fromarray(ink, mode="F").resize(size, Image.Resampling.BOX)
    rubbed = small.filter(ImageFilter.MinFilter(9)).filter(ImageFilter.MaxFilter(9))
    smooth = Image.fromarray(_box_blur(np.asarray(rubbed), radius=4), mode="F")
    return np.asarray(smooth.resize((width, height), Image.Resampling.BILINEAR))


def _box_blur(image: np.ndarray, radius: int) -> np.ndarray:
    kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
    padded = np.pad(image, radius, mode="edge")
    rows = np.apply_along_axis(np.convolve, 1, padded, kernel, mode="valid")
    return np.apply_along_axis(np.convolve, 0, rows, kernel, mode="valid").astype(np.float32)


def _remove_specks(image: np.ndarray) -> np.ndarray:
    lit = image > 0
    padded = np.pad(lit, 1)
    height, width = lit.shape
    neighbours = sum(
        padded[1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if (dy, dx) != (0, 0)
    )
    return np.where(lit & (neighbours == 0), 0.0, image).astype(np.float32)


def ink_bounding_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """The smallest box holding all ink: ``(top, left, bottom, right)``, bottom/right exclusive.

    image: (H, W) float, ink > 0. Raises :class:`ImageError` ("no digit found") when
    there is no ink. Taught in notebooks/08_your_own_digits.ipynb.
    """
    rows = np.flatnonzero(np.any(image > 0, axis=1))
    cols = np.flatnonzero(np.any(image > 0, axis=0))
    if rows.size == 0:
        raise ImageError(
            "no digit found: the picture has no ink left after removing noise", reason="blank"
        )
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def stroke_width(image: np.ndarray) -> float:
    """The typical width of the strokes in pixels: twice the ink area over its outline.

    image: (H, W) float, ink bright; pixels above 0.5 count as ink. A stroke of
    width w and length L covers w*L pixels and has about 2*L outline pixels.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    ink = np.asarray(image) > 0.5
    padded = np.pad(ink, 1)
    inside = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    outline = int((ink & ~inside).sum())
    return 2.0 * int(ink.sum()) / outline if outline else 0.0


def thicken_strokes(image: np.ndarray, min_width: float = MIN_STROKE_WIDTH) -> np.ndarray:
    """Thicken strokes thinner than ``min_width`` times the longer side, as MNIST's pens were.

    image: (H, W) float in [0, 1], ink bright, cropped to the digit. Strokes thick
    enough are returned unchanged; thin ones are redrawn at ``THICKEN_SIZE`` pixels
    (longer side) with a maximum filter (a round-ish brush) that brings them to
    about ``min_width``. Returns a 2-D float32 array in [0, 1].
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    image = np.asarray(image, dtype=np.float32)
    longer = max(image.shape)
    missing = min_width - stroke_width(image) / longer  # as a fraction of the longer side
    brush = int(round(missing * THICKEN_SIZE)) | 1  # odd
    if missing <= 0 or brush < 3:
        return image
    factor = THICKEN_SIZE / longer
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    small = Image.fromarray(image, mode="F").resize(size, Image.Resampling.BILINEAR)
    pad = brush // 2
    small = np.pad(np.clip(np.asarray(small), 0.0, None), pad)
    small = small / max(float(small.max()), 1e-6)
    thick = Image.fromarray(small.astype(np.float32), mode="F").filter(ImageFilter.MaxFilter(brush))
    return np.clip(np.asarray(thick, dtype=np.float32), 0.0, 1.0)


def fit_to_box(image: np.ndarray, box: int = DIGIT_BOX) -> np.ndarray:
    """Scale ``image`` so that its longer side is ``box`` pixels, keeping the aspect ratio.

    image: (H, W) float in [0, 1]. Shrinking is anti-aliased (Pillow's bilinear
    filter widens with the shrinking factor, so every source pixel counts, and
    unlike Lanczos it adds no ringing); the result is rescaled so that its
    strongest pixel is 1. Returns (h, w) float32 with
    ``max(h, w) == box`` and ``min(h, w) >= 1``.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    height, width = image.shape
    factor = box / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    scaled = Image.fromarray(np.asarray(image, dtype=np.float32), mode="F").resize(
        size, Image.Resampling.BILINEAR
    )
    result = np.clip(np.asarray(scaled, dtype=np.float32), 0.0, None)
    peak = float(result.max())
    if peak <= 0:
        raise ImageError(
            "no digit found: the ink vanished when the digit was scaled down", reason="blank"
        )
    return np.clip(result / peak, 0.0, 1.0).astype(np.float32)


def centre_by_mass(
    digit: np.ndarray, size: int = IMAGE_SIZE
) -> tuple[np.ndarray, tuple[float, float]]:
    """Paste ``digit`` into a ``size`` x ``size`` field with its centre of mass at the centre.

    digit: (h, w) float with h, w <= size. The centre of an MNIST image is pixel
    (14, 14) (the mean centre of mass of the training digits). The shift is whole
    pixels and never pushes ink out of the field. Returns ``(image, (row, col))``:
    image (size, size) float32 and its centre of mass. Raises ``ValueError`` when
    the digit has no ink (see :func:`centre_of_mass`) or does not fit.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    height, width = digit.shape
    if height > size or width > size:
        raise ValueError(f"digit of shape {digit.shape} does not fit into {size}x{size}")
    row_mass, col_mass = centre_of_mass(digit)
    top = int(np.clip(round(size / 2 - row_mass), 0, size - height))
    left = int(np.clip(round(size / 2 - col_mass), 0, size - width))
    field_ = np.zeros((size, size), dtype=np.float32)
    field_[top : top + height, left : left + width] = digit
    return field_, (row_mass + top, col_mass + left)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """``(row, col)`` of the centre of mass of a 2-D image (ink bright).

    image: (H, W) float. Raises ``ValueError`` when the image has no ink (its sum is
    not positive).

    Taught in notebooks/08_your_own_digits.ipynb.
    """
    image = np.asarray(image, dtype=np.float64)
    rows, cols = np.mgrid[: image.shape[0], : image.shape[1]]
    mass = image.sum()
    if mass <= 0:
        raise ValueError("the image has no ink, so it has no centre of mass")
    return float((image * rows).sum() / mass), float((image * cols).sum() / mass)


def naive_to_mnist(image, *, scale: bool = False) -> np.ndarray:
    """The shortcut many tutorials take, kept to show why it fails.

    The whole picture is shrunk to 28x28 and turned gray, without inversion,
    cropping or centring; with ``scale=False`` the pixels stay in 0..255, a range
    no MNIST model was trained on (they learnt from [0, 1]). Returns (28, 28) float32.
    Taught in notebooks/08_your_own_digits.ipynb.
    """
    picture = _on_white(load_image(image)).convert("L")
    small = np.asarray(picture.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR))
    pixels = small.astype(np.float32)
    return pixels / 255.0 if scale else pixels


__all__ = [
    "DIGIT_BOX",
    "ERROR_REASONS",
    "IMAGE_SIZE",
    "ImageError",
    "MAX_PIXELS",
    "MIN_STROKE_WIDTH",
    "NOISE_FLOOR",
    "PreprocessSteps",
    "STAGES",
    "centre_by_mass",
    "centre_of_mass",
    "fit_to_box",
    "grayscale",
    "ink_bounding_box",
    "ink_bright",
    "load_image",
    "naive_to_mnist",
    "stroke_width",
    "suppress_noise",
    "thicken_strokes",
    "to_mnist",
    "to_mnist_steps",
]
