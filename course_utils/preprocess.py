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
                      composited on white; longer side at most 512 px
``inverted``          ink bright on a dark background (inverted only when the
                      ink was darker than the paper at the picture's border)
``denoised``          uneven lighting flattened (a smooth surface fitted to the
                      paper only, so no stroke can be taken for paper), ink
                      found by Otsu's threshold, paper grain and specks set to 0
``cropped``           the bounding box of the ink
``thickened``         strokes brought to MNIST's width, 0.12-0.14 of the digit's
                      longer side: a fine pen widened, a thick marker narrowed
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

Every constant that depends on size is relative: to the picture (the statistics are
taken on a copy 128 px long), to the ink's level (the threshold), to the largest ink
blob (specks) or to the digit's longer side (stroke width), so the result does not
depend on the picture's size, the digit's margin or the pen. ``scipy.ndimage``
labels the specks and measures the strokes (its exact distance transform).

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

#: Largest picture accepted, in pixels (width x height): 40 megapixels, more than
#: a phone camera takes. Larger images are refused before they are decoded, which
#: protects against "decompression bombs" (a tiny file that unpacks to gigabytes).
MAX_PIXELS = 40_000_000
#: Side of an MNIST image and of the box the digit is fitted into.
IMAGE_SIZE = 28
DIGIT_BOX = 20
#: Below this contrast (the ink's level above the paper's, in [0, 1]) there is no digit.
MIN_CONTRAST = 0.1
#: Pictures are first shrunk so that their longer side is at most this (speed, memory).
WORKING_SIZE = 512
#: The statistics (Otsu's threshold, the lighting, the grain) are taken on a copy this big.
STATISTICS_SIZE = 128
#: The flattened ink is mapped from this fraction of the ink's level (-> 0) to that one (-> 1).
INK_RAMP = (0.3, 0.7)
#: Ink blobs smaller than this fraction of the largest blob are dust or grain.
SPECK_FRACTION = 0.02

#: MNIST's strokes are 0.09-0.17 of the digit's longer side (10th-90th percentile, median
#: 0.12, by :func:`stroke_width`); strokes thinner than MIN_STROKE_WIDTH are widened to it,
#: thicker than MAX_STROKE_WIDTH narrowed to it (measured best with a fine pen and a marker).
MIN_STROKE_WIDTH = 0.12
MAX_STROKE_WIDTH = 0.14
#: Size (longer side, pixels) at which strokes are widened or narrowed.
STROKE_SIZE = 80

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
    """
    return to_mnist_steps(image).centred


def to_mnist_steps(image) -> PreprocessSteps:
    """Like :func:`to_mnist`, returning every intermediate stage (:class:`PreprocessSteps`)."""
    picture = load_image(image)
    original = np.asarray(on_white(picture))
    gray = grayscale(picture)
    ink, was_inverted = ink_bright(gray)
    clean = suppress_noise(ink)
    box = ink_bounding_box(clean)
    top, left, bottom, right = box
    cropped = clean[top:bottom, left:right]
    thickened = normalise_strokes(cropped)
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
        if picture.format in _VECTOR_FORMATS:  # Pillow reads only their preview, with Ghostscript
            raise ImageError(
                f"{source} hold a vector drawing ({picture.format}), not a picture made of pixels; "
                "export it as PNG or JPEG (expected PNG, JPEG, GIF, BMP, TIFF or WebP)",
                reason="not_an_image",
            )
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


_VECTOR_FORMATS = ("EPS", "WMF", "EMF")


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
        if not np.all(np.isfinite(values)):
            raise ImageError(
                "the picture holds NaN or infinite values; expected pixel values",
                reason="bad_array",
            )
        if picture.mode.startswith("I;16") or values.max() > 255:
            top = 65535.0
        elif picture.mode == "F" and values.min() >= 0.0 and values.max() <= 1.0:
            top = 1.0  # a float picture in [0, 1], as scientific tools write TIFFs
        else:
            top = 255.0
        return Image.fromarray(np.clip(values / top * 255.0, 0, 255).round().astype(np.uint8))
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


def on_white(picture: Image.Image) -> Image.Image:
    """``picture`` with its transparent pixels put on white paper (RGBA -> RGB)."""
    if picture.mode != "RGBA":
        return picture
    background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, picture).convert("RGB")


_on_white = on_white  # its former name, which course_utils.tools.bench_preprocess uses


# --- the steps ----------------------------------------------------------------------


def grayscale(picture: Image.Image) -> np.ndarray:
    """Composite transparency on white, convert to gray and shrink large pictures.

    picture: a PIL image (any size). Returns (H, W) float32 in [0, 1], 0 = black,
    with the longer side at most ``WORKING_SIZE``: a large picture is first reduced
    by a whole factor (Pillow's ``reduce``, averaging blocks of pixels, cheap) and
    then resized by averaging pixel areas, so time and memory stay bounded.
    """
    gray = on_white(picture).convert("L")
    longer = max(gray.size)
    if longer > WORKING_SIZE:
        whole = longer // WORKING_SIZE
        if whole >= 2:
            gray = gray.reduce(whole)
        factor = WORKING_SIZE / max(gray.size)
        if factor < 1:
            size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
            gray = gray.resize(size, Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.float32) / 255.0


def border(image: np.ndarray) -> np.ndarray:
    """The pixels of the outermost rows and columns of (H, W) ``image``: a frame 1/16 of a side thick."""
    height, width = image.shape
    rows, cols = max(1, height // 16), max(1, width // 16)
    return np.concatenate(
        [
            image[:rows].ravel(),
            image[-rows:].ravel(),
            image[:, :cols].ravel(),
            image[:, -cols:].ravel(),
        ]
    )


def ink_bright(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """Make the ink bright and the background dark, as in MNIST.

    gray: (H, W) float in [0, 1]. The background is the median pixel of the
    picture's border (a photo of a digit has paper around it, even when the digit
    touches the edge somewhere; a thick digit may cover half of the picture, so
    the whole picture's median would not do). The ink is the side that strays
    further from it: the image is inverted when its darkest pixels (0.1th
    percentile, of every k-th pixel, about ``STATISTICS_SIZE`` per side) lie
    further below the background than its brightest (99.9th percentile) lie above
    it; a fine pen on a large page covers well under 1% of it. Dark ink on a light
    page is inverted, white chalk on a mid-gray board (0.6) is not, dark ink on a
    gray page (0.4) is. Returns ``(image, was_inverted)``, image (H, W) float32.
    """
    gray = np.asarray(gray, dtype=np.float32)
    background = float(np.median(border(gray)))
    step = max(1, round(max(gray.shape) / STATISTICS_SIZE))  # a sample keeps fine strokes dark
    darkest, brightest = np.percentile(gray[::step, ::step], [0.1, 99.9])
    if background - darkest > brightest - background:
        return 1.0 - gray, True
    return gray.copy(), False


def shrink(image: np.ndarray, longer: int) -> np.ndarray:
    """``image`` (H, W) float32 shrunk by averaging so that its longer side is at most ``longer``."""
    height, width = image.shape
    factor = longer / max(height, width)
    if factor >= 1:
        return image
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(Image.fromarray(image, mode="F").resize(size, Image.Resampling.BOX))


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold: the level that best splits ``values`` into two classes.

    values: any array of floats. The threshold maximises the between-class variance
    ``w0 * w1 * (m0 - m1)**2`` over a ``bins``-bin histogram (Otsu, 1979): for a
    picture of ink on paper it falls between the paper's and the ink's levels,
    whatever their share of the pixels. Returns a float between the smallest and
    the largest value.
    """
    values = np.asarray(values, dtype=np.float32).ravel()
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return low
    width = (high - low) / bins
    index = np.minimum(((values - low) / width).astype(np.intp), bins - 1)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    centres = low + width * (np.arange(bins) + 0.5)
    weight0 = np.cumsum(counts)
    weight1 = weight0[-1] - weight0
    sum0 = np.cumsum(counts * centres)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean0 = sum0 / weight0
        mean1 = (sum0[-1] - sum0) / weight1
        between = weight0 * weight1 * (mean0 - mean1) ** 2
    between = np.nan_to_num(between[:-1])
    return low + width * (1 + int(np.argmax(between)))


@functools.lru_cache(maxsize=8)
def _quadratic_terms(height: int, width: int) -> np.ndarray:
    """(H, W, 6) float32: 1, x, y, x^2, xy, y^2 at every pixel, x and y in [0, 1]."""
    rows, cols = np.mgrid[0:height, 0:width] / max(height, width)
    terms = np.stack([np.ones_like(cols), cols, rows, cols**2, cols * rows, rows**2], axis=-1)
    terms = terms.astype(np.float32)
    terms.flags.writeable = False
    return terms


def fit_lighting(small: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """A quadratic surface a + bx + cy + dx^2 + exy + fy^2 fitted to the ``paper`` pixels.

    Fitted only to pixels that are not ink, it follows uneven lighting across the
    page but cannot take a stroke, however wide, for background. With little paper
    to fit it is a plane (under 20% of the pixels) or a constant (under 5%).
    """
    terms = _quadratic_terms(*small.shape)
    step = max(1, max(small.shape) // 48)  # a quadratic needs no more than ~48x48 points
    share = float(paper.mean())
    used = 6 if share >= 0.2 else 3 if share >= 0.05 else 1
    sample = paper[::step, ::step]
    fit_terms = terms[::step, ::step][sample][:, :used].astype(np.float64)
    if len(fit_terms) < 4 * used:
        return np.full_like(small, float(np.median(small)))
    values = small[::step, ::step][sample].astype(np.float64)
    gram = fit_terms.T @ fit_terms + 1e-9 * np.eye(used)
    coefficients = np.linalg.solve(gram, fit_terms.T @ values)
    return (terms[..., :used] @ coefficients.astype(np.float32)).astype(np.float32)


def no_digit(why: str) -> ImageError:
    return ImageError(
        f"no digit found: {why}; write the digit darker or photograph it closer",
        reason="blank",
    )


def flatten_lighting(ink: np.ndarray) -> np.ndarray:
    """``ink`` (H, W) float, ink bright, less its lighting: the paper becomes about 0 everywhere.

    On a copy shrunk to ``STATISTICS_SIZE`` pixels, Otsu's threshold separates ink
    from paper; a smooth surface fitted to the paper only (the pixels clearly below
    the threshold, :func:`fit_lighting`) is the lighting, and is subtracted at full
    size. Returns (H, W) float32.
    """
    ink = np.asarray(ink, dtype=np.float32)
    small = shrink(ink, STATISTICS_SIZE)
    threshold = otsu_threshold(small)
    below = small[small < threshold]
    paper = small < threshold - 0.25 * (threshold - float(np.median(below))) if below.size else None
    background = fit_lighting(
        small, paper if paper is not None and paper.any() else small <= threshold
    )
    if background.shape != ink.shape:
        background = np.asarray(
            Image.fromarray(background, mode="F").resize(
                (ink.shape[1], ink.shape[0]), Image.Resampling.BILINEAR
            )
        )
    return ink - background


def measure_ink(flat: np.ndarray) -> tuple[float, float, float]:
    """The paper's level, its grain and the ink's contrast in ``flat`` (H, W), ink bright.

    Taken on every k-th pixel (about ``STATISTICS_SIZE`` per side; a sample, not an
    average, so that a fine stroke keeps its contrast): Otsu's threshold splits
    paper from ink; the level is the median paper pixel, the grain 1.4826 times the
    paper's median absolute deviation (a robust standard deviation), the contrast
    the median ink pixel less the level. Raises :class:`ImageError` ("blank") when
    nothing stands out by ``MIN_CONTRAST`` or six times the grain.
    """
    step = max(1, round(max(flat.shape) / STATISTICS_SIZE))
    sample = flat[::step, ::step]
    if float(sample.max() - sample.min()) < MIN_CONTRAST:
        raise no_digit("the picture is blank (nothing stands out from the background)")
    threshold = otsu_threshold(sample)
    paper_values = sample[sample < threshold]
    level = float(np.median(paper_values))
    grain = 1.4826 * float(np.median(np.abs(paper_values - level)))
    strokes = sample[sample >= max(threshold, level + 6 * grain)]
    contrast = float(np.median(strokes)) - level if strokes.size else 0.0
    if contrast < max(MIN_CONTRAST, 6 * grain):
        raise no_digit("the picture is blank (nothing stands out from the paper's grain)")
    return level, grain, contrast


def suppress_noise(ink: np.ndarray) -> np.ndarray:
    """Flatten uneven lighting, find the ink with Otsu's threshold and remove paper noise.

    ink: (H, W) float in [0, 1], ink bright. The lighting is subtracted
    (:func:`flatten_lighting`), the paper's level, grain and the ink's contrast are
    measured (:func:`measure_ink`, which raises :class:`ImageError` "blank" for a
    blank page), and the flattened image is mapped linearly from ``INK_RAMP[0]`` of
    the ink's contrast above the paper (or four times the grain, whichever is
    higher) to 0 and from ``INK_RAMP[1]`` of it to 1, which keeps anti-aliased
    edges and does not depend on blur or JPEG. Ink blobs much smaller than the
    largest (:func:`remove_specks`) become 0. Returns (H, W) float32 in [0, 1].
    """
    flat = flatten_lighting(ink)
    level, grain, contrast = measure_ink(flat)
    low = level + max(INK_RAMP[0] * contrast, 4 * grain)
    high = level + max(INK_RAMP[1] * contrast, low - level + 1e-3)
    clean = np.clip((flat - low) / (high - low), 0.0, 1.0)
    return remove_specks(clean.astype(np.float32))


def remove_specks(image: np.ndarray, fraction: float = SPECK_FRACTION) -> np.ndarray:
    """``image`` with every ink blob smaller than ``fraction`` of the largest set to 0.

    image: (H, W) float, ink > 0. A blob is a group of touching ink pixels
    (8-connected, ``scipy.ndimage.label``). Returns (H, W) float32.
    """
    labels, count = ndimage.label(image > 0, structure=np.ones((3, 3)))
    if count <= 1:
        return image
    areas = np.bincount(labels.ravel())
    areas[0] = 0
    keep = areas >= fraction * areas.max()
    keep[0] = False
    return np.where(keep[labels], image, 0.0).astype(np.float32)


def ink_bounding_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """The smallest box holding all ink: ``(top, left, bottom, right)``, bottom/right exclusive.

    image: (H, W) float, ink > 0. Raises :class:`ImageError` ("no digit found") when
    there is no ink.
    """
    rows = np.flatnonzero(np.any(image > 0, axis=1))
    cols = np.flatnonzero(np.any(image > 0, axis=0))
    if rows.size == 0:
        raise ImageError(
            "no digit found: the picture has no ink left after removing noise", reason="blank"
        )
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def stroke_width(image: np.ndarray) -> float:
    """The typical width of the strokes in pixels, from the distance transform.

    image: (H, W) float, ink bright; pixels above 0.5 count as ink. Every ink pixel
    gets its distance to the nearest paper pixel (``scipy.ndimage``'s exact
    Euclidean distance transform); along a stroke's centre line that distance is
    half the stroke's width, in any direction. The width is twice the median of
    those centre-line distances (the local maxima; the mean of their middle half,
    which ignores junctions and stroke ends), less half a pixel. Returns 0.0
    when there is no ink.
    """
    ink = np.asarray(image) > 0.5
    if not ink.any():
        return 0.0
    distance = ndimage.distance_transform_edt(np.pad(ink, 1))
    ridge = (distance > 0) & (distance >= ndimage.maximum_filter(distance, size=3))
    low, high = np.percentile(distance[ridge], [25, 75])
    middle = distance[ridge & (distance >= low) & (distance <= high)]
    return float(2 * middle.mean() - 0.5)


def normalise_strokes(
    image: np.ndarray,
    min_width: float = MIN_STROKE_WIDTH,
    max_width: float = MAX_STROKE_WIDTH,
) -> np.ndarray:
    """Bring the strokes' width into MNIST's range, ``min_width`` to ``max_width`` of the longer side.

    image: (H, W) float in [0, 1], ink bright, cropped to the digit. The width is
    measured on a copy ``STROKE_SIZE`` pixels long (longer side); strokes within
    the range are returned unchanged, and so is a digit less than half as long as
    the ``DIGIT_BOX`` it will be scaled to (its strokes are about a pixel wide, and
    blurred: measured on 300 digits 8 pixels high, changing them loses 3-6% of
    them). Otherwise that copy is redrawn: every stroke is widened (a fine pen)
    or narrowed (a thick marker) by the same amount on both sides, using the
    distance of each pixel to the ink or to the paper (round, like a pen's tip).
    Returns a 2-D float32 array in [0, 1], cropped to the ink.
    """
    image = np.asarray(image, dtype=np.float32)
    if max(image.shape) < DIGIT_BOX // 2:
        return image  # strokes of a pixel, blurred: too few pixels to measure them
    factor = STROKE_SIZE / max(image.shape)
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    resample = Image.Resampling.BILINEAR if factor > 1 else Image.Resampling.BOX
    small = np.asarray(Image.fromarray(image, mode="F").resize(size, resample))
    small = np.clip(small / max(float(small.max()), 1e-6), 0.0, 1.0)
    relative = stroke_width(small) / max(small.shape)
    if min_width <= relative <= max_width:
        return image
    # widening by r on each side also lengthens the digit by 2r: w + 2r = target * (L + 2r)
    longer, width = max(small.shape), relative * max(small.shape)
    if relative < min_width:
        result = widen_strokes(small, (min_width * longer - width) / (2 * (1 - min_width)))
    else:
        result = narrow_strokes(small, (width - max_width * longer) / (2 * (1 - max_width)))
    result = result.astype(np.float32)
    top, left, bottom, right = ink_bounding_box(result > 0.05)
    return result[top:bottom, left:right]


def widen_strokes(image: np.ndarray, radius: float) -> np.ndarray:
    """Every stroke of ``image`` (H, W), ink bright, widened by ``radius`` pixels on each side.

    A paper pixel within ``radius`` of the ink becomes ink (round, like a pen's
    tip; the half pixel at the edge anti-aliased). Returns the image padded by
    ``ceil(radius) + 1`` on every side, so that no widened stroke is cut.
    """
    image = np.pad(image, int(np.ceil(radius)) + 1)
    distance = ndimage.distance_transform_edt(image <= 0.5)
    return np.maximum(image, np.clip(radius + 0.5 - distance, 0.0, 1.0))


def narrow_strokes(image: np.ndarray, radius: float) -> np.ndarray:
    """Every stroke of ``image`` (H, W), ink bright, narrowed by ``radius`` pixels on each side.

    An ink pixel within ``radius`` of the paper becomes paper. Returns (H, W).
    """
    distance = ndimage.distance_transform_edt(np.pad(image > 0.5, 1))[1:-1, 1:-1]
    return np.minimum(image, np.clip(distance - radius, 0.0, 1.0))


def fit_to_box(image: np.ndarray, box: int = DIGIT_BOX) -> np.ndarray:
    """Scale ``image`` so that its longer side is ``box`` pixels, keeping the aspect ratio.

    image: (H, W) float in [0, 1]. Shrinking is anti-aliased (Pillow's bilinear
    filter widens with the shrinking factor, so every source pixel counts, and
    unlike Lanczos it adds no ringing); the result is rescaled so that its
    strongest pixel is 1. Returns (h, w) float32 with
    ``max(h, w) == box`` and ``min(h, w) >= 1``.
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
    """
    picture = on_white(load_image(image)).convert("L")
    small = np.asarray(picture.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR))
    pixels = small.astype(np.float32)
    return pixels / 255.0 if scale else pixels


__all__ = [
    "DIGIT_BOX",
    "ERROR_REASONS",
    "IMAGE_SIZE",
    "ImageError",
    "MAX_PIXELS",
    "INK_RAMP",
    "MAX_STROKE_WIDTH",
    "MIN_CONTRAST",
    "MIN_STROKE_WIDTH",
    "SPECK_FRACTION",
    "STATISTICS_SIZE",
    "STROKE_SIZE",
    "WORKING_SIZE",
    "PreprocessSteps",
    "STAGES",
    "border",
    "centre_by_mass",
    "centre_of_mass",
    "fit_lighting",
    "fit_to_box",
    "flatten_lighting",
    "grayscale",
    "ink_bounding_box",
    "ink_bright",
    "load_image",
    "measure_ink",
    "narrow_strokes",
    "no_digit",
    "on_white",
    "naive_to_mnist",
    "normalise_strokes",
    "otsu_threshold",
    "remove_specks",
    "shrink",
    "stroke_width",
    "suppress_noise",
    "to_mnist",
    "to_mnist_steps",
    "widen_strokes",
]
