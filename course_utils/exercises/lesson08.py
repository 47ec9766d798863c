"""Exercises of lesson 08: two of the preprocessing steps, written by the learner.

* ``ink_bright``: ``fn(gray: (H, W) float in [0, 1], 0 = black) -> (H, W)``, the
  image with the ink bright and the background dark: inverted (``1 - gray``) when
  the background, the median pixel, is light (above 0.5), unchanged otherwise. A
  simplification of ``preprocess.ink_bright``, which inverts when the darkest pixels
  stray further from the median than the brightest.
* ``centre_of_mass``: ``fn(image: (H, W) float, ink bright) -> (row, col)``, the
  intensity-weighted mean row and column.

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Hint


def _page(light: bool) -> np.ndarray:
    """A 20x16 page with a vertical stroke: dark on light, or light on dark."""
    page = np.full((20, 16), 0.9 if light else 0.1)
    page[3:17, 9:11] = 0.1 if light else 0.9
    return page


# --- ink bright ---------------------------------------------------------------------------


def ink_bright(gray):
    if np.median(gray) > 0.5:  # a light page: the ink is dark
        return 1.0 - gray
    return gray


def _check_ink_bright(fn):
    for light in (True, False):
        page = _page(light)
        given = page.copy()
        out = np.asarray(fn(given), dtype=float)
        if not np.array_equal(given, page):
            raise Hint(
                "your function changed its input in place: compute a new array, e.g. 1.0 - gray."
            )
        if out.shape != page.shape:
            raise Hint(f"return an image of the same shape {page.shape}; got {out.shape}.")
        expected = ink_bright_exercise.reference(page)
        if np.allclose(out, expected):
            continue
        if light and np.allclose(out, page):
            raise Hint(
                "a light page (median 0.9) came back unchanged: its ink is dark, so invert it, 1.0 - gray."
            )
        if not light and np.allclose(out, 1.0 - page):
            raise Hint(
                "a dark page (median 0.1) was inverted, but its ink is already bright: return it as it is. "
                "Decide with the median pixel, np.median(gray) > 0.5."
            )
        if np.allclose(out, 255 - page) or np.allclose(out, 255 - 255 * page):
            raise Hint("the pixels are in [0, 1], not 0-255: invert with 1.0 - gray.")
        raise Hint(
            "the background (most pixels) should end up dark (near 0) and the stroke bright."
        )
    thick_stroke = np.full((10, 10), 0.3)
    thick_stroke[:, :4] = 1.0  # a dark page, median 0.3, whose thick stroke pulls the mean to 0.61
    thick_stroke[:5, 4] = 1.0
    if not np.allclose(np.asarray(fn(thick_stroke.copy()), dtype=float), thick_stroke):
        raise Hint(
            "a dark page (median 0.3) with a thick bright stroke was inverted: decide with the "
            "median, not the mean; a thick stroke pulls the mean above 0.5."
        )


ink_bright_exercise = Exercise(
    "ink_bright",
    _check_ink_bright,
    ink_bright,
    task="Write ink_bright(gray) returning the image with bright ink on a dark background.",
)


# --- centre of mass ----------------------------------------------------------------------------


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return (rows * image).sum() / mass, (cols * image).sum() / mass


def _as_pair(out) -> tuple[float, float]:
    try:
        row, col = (float(v) for v in out)
    except (TypeError, ValueError):
        raise Hint(f"return two numbers, (row, col); got {out!r:.80}.") from None
    return row, col


def _check_centre_of_mass(fn):
    dot = np.zeros((28, 28))
    dot[5, 20] = 1.0
    row, col = _as_pair(fn(dot.copy()))
    if (row, col) == (20, 5):
        raise Hint(
            "row and column are swapped: the first index of an image is the row (y), the second the column (x)."
        )
    if not np.allclose((row, col), (5, 20)):
        raise Hint(
            f"for a single lit pixel at row 5, column 20 expected (5, 20); got ({row:.3g}, {col:.3g})."
        )
    bar = np.zeros((28, 28))
    bar[10, 4:9] = 1.0
    bar[10, 20] = 3.0  # a heavier pixel pulls the centre towards it
    expected = centre_of_mass_exercise.reference(bar)
    row, col = _as_pair(fn(bar.copy()))
    if np.allclose((row, col), (10, np.mean([4, 5, 6, 7, 8, 20]))):
        raise Hint(
            "every lit pixel counted the same: weight each position by its intensity, (cols * image).sum()."
        )
    if np.allclose((row, col), expected, atol=1e-6):
        return
    mass, lit = bar.sum(), np.count_nonzero(bar)
    if np.allclose((row, col), (expected[0] * mass, expected[1] * mass)):
        raise Hint(
            "those are the weighted sums of the rows and columns: divide them by the total mass, image.sum()."
        )
    if np.allclose((row, col), (expected[0] * mass / lit, expected[1] * mass / lit)):
        raise Hint("divide by the total mass, image.sum(), not by the number of lit pixels.")
    raise Hint(f"expected ({expected[0]:.3f}, {expected[1]:.3f}); got ({row:.3f}, {col:.3f}).")


centre_of_mass_exercise = Exercise(
    "centre_of_mass",
    _check_centre_of_mass,
    centre_of_mass,
    task="Write centre_of_mass(image) returning the intensity-weighted mean (row, col).",
)

ink_bright = ink_bright_exercise  # noqa: F811
centre_of_mass = centre_of_mass_exercise  # noqa: F811
EXERCISES = (ink_bright_exercise, centre_of_mass_exercise)

__all__ = ["EXERCISES", "centre_of_mass", "ink_bright"]
