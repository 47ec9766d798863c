"""Exercises of lesson 08: two of the preprocessing steps, written by the learner.

* ``ink_bright``: ``fn(gray: (H, W) float in [0, 1], 0 = black) -> (H, W)``, the
  image with the ink bright and the background dark: inverted (``1 - gray``) when
  the background, the median pixel, is light (above 0.5), unchanged otherwise. A
  simplification of ``preprocess.ink_bright``, which inverts when the darkest pixels
  stray further from the median than the brightest.
* ``centre_of_mass``: ``fn(image: (H, W) float, ink bright) -> (row, col)``, the
  intensity-weighted mean row and column.
* ``slant``: ``fn(image: (H, W) float, ink bright) -> float``, how many columns the
  ink moves to the right for every row up: the slope of the line that best follows
  the ink (each pixel weighted by its intensity), positive for a digit leaning
  right like "/", 0 for an upright one. The lesson does not show it: the learner
  finds that it is the weighted covariance of row and column over the weighted
  variance of the rows, with a minus sign because rows count downwards (the
  moment MNIST's deskewing uses).

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise


def _page(light: bool) -> np.ndarray:
    """A 20x16 page with a vertical stroke: dark on light, or light on dark."""
    page = np.full((20, 16), 0.9 if light else 0.1)
    page[3:17, 9:11] = 0.1 if light else 0.9
    return page


# --- ink bright ---------------------------------------------------------------------------


def _check_ink_bright(fn):
    corner = _page(light=True)
    corner[:3, :3] = 0.1  # ink in the top-left corner of a light page
    for page, light in ((_page(light=True), True), (_page(light=False), False), (corner, True)):
        out = fn(page.copy())
        if isinstance(out, tuple):
            raise Hint(
                f"return the image alone; got a tuple of {len(out)} things. preprocess.ink_bright "
                "also returns whether it inverted, (image, was_inverted); this exercise returns only the image."
            )
        out = np.asarray(out, dtype=float)
        if out.shape != page.shape:
            raise Hint(f"return an image of the same shape {page.shape}; got {out.shape}.")
        expected = ink_bright.reference(page)
        if np.allclose(out, expected):
            continue
        if np.allclose(out, 255 - page) or np.allclose(out, 255 - 255 * page):
            raise Hint("the pixels are in [0, 1], not 0-255: invert with 1.0 - gray.")
        if light and np.allclose(out, page.max() - page):
            raise Hint(
                f"you inverted with gray.max() - gray, which maps the lightest pixel ({page.max():g}) to 0 but the ink "
                "to less than 1: invert with 1.0 - gray, as the task says (the pixels are in [0, 1])."
            )
        if np.allclose(out, -page):
            raise Hint(
                "-gray gives negative pixels; the image must stay in [0, 1]: invert with 1.0 - gray."
            )
        if page is corner and np.allclose(out, page):
            raise Hint(
                "a light page whose top-left corner is ink came back unchanged: one pixel cannot tell the background. "
                "Most pixels are background, so look at all of them: np.median(gray) > 0.5."
            )
        if light and np.allclose(out, page):
            raise Hint(
                "a light page (median 0.9) came back unchanged: its ink is dark, so invert it, 1.0 - gray."
            )
        if not light and np.allclose(out, 1.0 - page):
            raise Hint(
                "a dark page (median 0.1) was inverted, but its ink is already bright: return it as it is. "
                "Decide with the median pixel, np.median(gray) > 0.5."
            )
        raise Hint(
            "the background (most pixels) should end up dark (near 0) and the stroke bright."
        )
    pages = {
        "a page with median exactly 0.5 was inverted: light means above 0.5, so it stays as it is (> 0.5, not >= 0.5).": np.repeat(
            [[0.2, 0.5, 0.5, 0.8]], 4, axis=0
        ),
        "a mid-dark page (median 0.4) was inverted: the rule inverts only pages whose median is above 0.5.": np.where(
            _page(light=False) > 0.5, 0.9, 0.4
        ),
    }
    for hint, page in pages.items():
        if not np.allclose(np.asarray(fn(page.copy()), dtype=float), page):
            raise Hint(hint)
    thick_stroke = np.full((10, 10), 0.3)
    thick_stroke[:, :4] = 1.0  # a dark page, median 0.3, whose thick stroke pulls the mean to 0.61
    thick_stroke[:5, 4] = 1.0
    if not np.allclose(np.asarray(fn(thick_stroke.copy()), dtype=float), thick_stroke):
        raise Hint(
            "a dark page (median 0.3) with a thick bright stroke was inverted: decide with the "
            "median, not the mean or the maximum; a thick stroke pulls the mean above 0.5."
        )
    thick_ink = np.full((10, 10), 0.8)
    thick_ink[:, :4] = (
        0.0  # a light page, median 0.8, whose thick dark stroke pulls the mean to 0.48
    )
    if not np.allclose(np.asarray(fn(thick_ink.copy()), dtype=float), 1.0 - thick_ink):
        raise Hint(
            "a light page (median 0.8) with a thick dark stroke came back unchanged: decide with the median, "
            "not the mean; a thick stroke pulls the mean below 0.5."
        )


@exercise(
    _check_ink_bright,
    task="Write ink_bright(gray) returning the image with bright ink on a dark background.",
)
def ink_bright(gray):
    if np.median(gray) > 0.5:  # a light page: the ink is dark
        return 1.0 - gray
    return gray


# --- centre of mass ----------------------------------------------------------------------------


def _as_pair(out) -> tuple[float, float]:
    try:
        row, col = (float(v) for v in out)
    except (TypeError, ValueError):
        raise Hint(f"return two numbers, (row, col); got {out!r:.80}.") from None
    return row, col


def _check_centre_of_mass(fn):
    dot = np.zeros((30, 22))  # not square, so that rows and columns cannot be mixed up
    dot[5, 17] = 1.0
    row, col = _as_pair(fn(dot.copy()))
    if np.allclose((row, col), (17, 5)):
        raise Hint(
            "row and column are swapped: the first index of an image is the row (y), the second the column (x)."
        )
    if np.allclose((row, col), (6, 18)):
        raise Hint("both are one too large: rows and columns count from 0, as np.indices does.")
    if np.allclose((row, col), (5 / dot.size, 17 / dot.size)):
        raise Hint(
            f"for one lit pixel at (5, 17) you got ({row:.3g}, {col:.3g}), divided by the number of pixels {dot.size}: "
            "a weighted mean divides by the total intensity, image.sum() (np.mean divides by H * W)."
        )
    if np.allclose((row, col), ((dot.shape[0] - 1) / 2, (dot.shape[1] - 1) / 2)) or np.allclose(
        (row, col), (dot.shape[0] / 2, dot.shape[1] / 2)
    ):
        raise Hint(
            "that is the middle of the image: weight each pixel's row and column by its intensity, so the lit pixels decide."
        )
    if np.allclose((row, col), centre_of_mass.reference(1.0 - dot)):
        raise Hint(
            "you weighted by darkness (1 - image), but the ink is bright here: weight by the intensity itself."
        )
    if not np.allclose((row, col), (5, 17)):
        raise Hint(
            f"for a single lit pixel at row 5, column 17 of a {dot.shape} image expected (5, 17); got ({row:.3g}, {col:.3g})."
        )
    bar = np.zeros((20, 28))
    bar[10, 4:9] = 1.0
    bar[12, 20] = 3.0  # a heavier pixel pulls the centre towards it
    expected = centre_of_mass.reference(bar)
    row, col = _as_pair(fn(bar.copy()))
    if np.allclose((row, col), expected, atol=1e-6):
        return
    lit_rows, lit_cols = np.nonzero(bar)
    if np.allclose((row, col), (lit_rows.mean(), lit_cols.mean())):
        raise Hint(
            "every lit pixel counted the same: weight each position by its intensity, (cols * image).sum()."
        )
    if np.allclose((row, col), (12, 20)):
        raise Hint(
            "that is the brightest pixel: the centre of mass averages all positions, each weighted by its intensity."
        )
    if np.allclose((row, col), np.round(expected)):
        raise Hint(
            f"you rounded the centre to a whole pixel, ({row:g}, {col:g}); the centre of mass lies between pixels, "
            f"here ({expected[0]:.3f}, {expected[1]:.3f}): return the weighted means without rounding."
        )
    mass, lit = bar.sum(), np.count_nonzero(bar)
    if np.allclose((row, col), (expected[0] * mass, expected[1] * mass)):
        raise Hint(
            "those are the weighted sums of the rows and columns: divide them by the total mass, image.sum()."
        )
    if np.allclose((row, col), (expected[0] * mass / lit, expected[1] * mass / lit)):
        raise Hint("divide by the total mass, image.sum(), not by the number of lit pixels.")
    if np.allclose((row, col), (expected[0] * mass / bar.size, expected[1] * mass / bar.size)):
        raise Hint(
            "divide by the total mass, image.sum(), not by the number of pixels (np.mean divides by H * W)."
        )
    raise Hint(
        f"expected ({expected[0]:.3f}, {expected[1]:.3f}); got ({row:.3f}, {col:.3f}): sum(position * intensity) / sum(intensity), for rows and columns."
    )


@exercise(
    _check_centre_of_mass,
    task="Write centre_of_mass(image) returning the intensity-weighted mean (row, col).",
    switched_off=("course_utils.preprocess.centre_of_mass",),
)
def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return (rows * image).sum() / mass, (cols * image).sum() / mass


# --- slant --------------------------------------------------------------------------------


def _leaning(slope: float) -> np.ndarray:
    """A 26x19 digit: a stroke leaning by ``slope`` columns per row up, a faint bar, a speck.

    Not square (rows and columns cannot be mixed up), off-centre (moments must be
    taken about the centre of mass), with gray ink (the intensity must weigh).
    """
    image = np.zeros((26, 19))
    for row in range(4, 22):
        col = 9 - 6 * slope + slope * (21 - row)
        left, frac = int(np.floor(col)), col - np.floor(col)
        image[row, left] += 1 - frac
        image[row, left + 1] = 1.0
        image[row, left + 2] += frac
    image[4, 7:15] = np.maximum(image[4, 7:15], 0.45)
    image[12, 1] = 0.3
    return image


def _moments(image):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    dr = rows - (rows * image).sum() / mass
    dc = cols - (cols * image).sum() / mass
    return (
        (dr * dc * image).sum() / mass,
        (dr**2 * image).sum() / mass,
        (dc**2 * image).sum() / mass,
        rows,
        cols,
    )


def _as_number(out) -> float:
    if isinstance(out, (tuple, list)) or np.ndim(out) > 0:
        raise Hint(
            f"return one number, the slope; got {np.size(out)} values. np.polyfit returns "
            "(slope, intercept): take [0]."
        )
    try:
        return float(out)
    except (TypeError, ValueError):
        raise Hint(f"return one number, the slope; got {out!r:.80}.") from None


def _check_slant(fn):
    for slope in (0.4, -0.25):
        image = _leaning(slope)
        out = _as_number(fn(image.copy()))
        expected = slant.reference(image)
        if np.isclose(out, expected, rtol=1e-6, atol=1e-9):
            continue
        cov, var_rows, var_cols, rows, cols = _moments(image)
        wrong = [
            (
                -expected,
                "the sign is reversed: rows count downwards, so a digit leaning right like '/' has "
                "its ink further right as the row number falls. Give '/' a positive slant.",
            ),
            (
                -cov / var_cols,
                "you divided by the spread of the columns: the slope is columns per row, so "
                "divide the covariance by the weighted variance of the rows.",
            ),
            (
                -var_rows / cov,
                "that is rows per column, the inverse: the slope is columns per row, "
                "covariance / variance of the rows.",
            ),
            (
                -cov / np.sqrt(var_rows * var_cols),
                "that is the correlation coefficient, which has no unit and "
                "stays within [-1, 1]; the slope divides the covariance by the variance of the rows only.",
            ),
            (
                np.arctan(expected),
                "that is an angle (np.arctan of the slope, in radians): return the slope itself, "
                "columns per row.",
            ),
            (
                np.degrees(np.arctan(expected)),
                "that is an angle in degrees: return the slope itself, columns per row.",
            ),
            (
                -(rows * cols * image).sum() / (rows**2 * image).sum(),
                "you took the moments about pixel (0, 0): "
                "measure rows and columns from the centre of mass first (subtract the weighted means).",
            ),
            *(
                (
                    expected * factor,
                    "the covariance and the variance are divided by different totals (the mass and "
                    "the number of pixels): divide both by the total intensity (or neither; it cancels).",
                )
                for factor in (image.sum() / image.size, image.size / image.sum())
            ),
            (
                -np.polyfit(rows.ravel(), cols.ravel(), 1, w=image.ravel())[0],
                "np.polyfit's w multiplies each "
                "residual before it is squared, so w=image weighs a pixel by its intensity squared: pass "
                "w=np.sqrt(image).",
            ),
            (
                -np.polyfit(rows.ravel(), cols.ravel(), 1)[0],
                "every pixel counted the same, the empty background "
                "too: weight each pixel by its intensity (the background weighs 0).",
            ),
        ]
        for ink in (image > 0.5, image > 0):
            r, c = np.nonzero(ink)
            wrong.append(
                (
                    -np.cov(r, c)[0, 1] / np.var(r, ddof=1),
                    "every ink pixel counted the same: weight "
                    "each one by its intensity, so that the faint bar and the speck count less.",
                )
            )
        for value, hint in wrong:
            if np.isclose(out, value, rtol=1e-6, atol=1e-9):
                raise Hint(hint)
        raise Hint(
            f"for a stroke leaning {slope:+g} columns per row up, with a faint bar and a speck, expected "
            f"{expected:.4f}; got {out:.4f}. The slant is the slope of the line through the ink's centre of "
            "mass that best follows the ink, every pixel weighted by its intensity."
        )


@exercise(
    _check_slant,
    task="Write slant(image): the columns the ink moves to the right for every row up.",
)
def slant(image):
    # The slope of the straight line col = a + b * row that best fits the ink, every pixel
    # weighted by its intensity (weighted least squares). The best b is
    # cov(row, col) / var(row), both about the centre of mass, so the line goes through it.
    rows, cols = np.indices(image.shape)  # (H, W) each: a pixel's row and column
    mass = image.sum()  # the weights' total
    d_row = rows - (rows * image).sum() / mass  # distance from the centre of mass
    d_col = cols - (cols * image).sum() / mass
    covariance = (d_row * d_col * image).sum() / mass
    variance = (d_row**2 * image).sum() / mass  # of the rows: the slope is columns per ROW
    # Rows count downwards: a "/" has its ink further right as the row number falls,
    # a negative covariance. The minus sign makes "/" positive.
    return -covariance / variance


EXERCISES = (ink_bright, centre_of_mass, slant)

__all__ = ["EXERCISES", "centre_of_mass", "ink_bright", "slant"]
