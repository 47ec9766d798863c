"""Plausible answers, right and wrong, to the exercises of lesson 08 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case, _course


def _ink_inplace(gray):
    if np.median(gray) > 0.5:
        gray *= -1
        gray += 1
    return gray


def _ink_rule(test, invert=lambda g: 1.0 - g):
    def ink_bright(gray):
        return invert(gray) if test(gray) else gray

    return ink_bright


def _ink_bright_without_else(gray):
    if np.median(gray) > 0.5:
        return 1.0 - gray


INK_BRIGHT = [
    Case("reference", _ink_rule(lambda g: np.median(g) > 0.5), ACCEPTED),
    Case(
        "np.where on the whole image", lambda g: np.where(np.median(g) > 0.5, 1.0 - g, g), ACCEPTED
    ),
    Case(
        "percentile 50 and a copy",
        lambda g: 1.0 - g if np.percentile(g, 50) > 0.5 else g.copy(),
        ACCEPTED,
    ),
    Case("always inverts", lambda g: 1.0 - g, r"already|dark background|unchanged"),
    Case("never inverts", lambda g: g, r"light|invert"),
    Case("mean instead of median", _ink_rule(lambda g: np.mean(g) > 0.5), r"median|mean"),
    Case("condition reversed", _ink_rule(lambda g: np.median(g) < 0.5), r"light|revers|dark"),
    Case("median >= 0.5", _ink_rule(lambda g: np.median(g) >= 0.5), r"exactly 0\.5|above 0\.5|>="),
    Case("threshold 0.25", _ink_rule(lambda g: np.median(g) > 0.25), r"0\.5"),
    Case("max instead of median", _ink_rule(lambda g: np.max(g) > 0.5), r"median|max"),
    Case("corner pixel as background", _ink_rule(lambda g: g[0, 0] > 0.5), r"median|corner|pixel"),
    Case(
        "median per column",
        _ink_rule(lambda g: np.median(g, axis=0) > 0.5),
        r"whole|one number|axis|ambiguous",
    ),
    Case(
        "255 - gray",
        _ink_rule(lambda g: np.median(g) > 0.5, invert=lambda g: 255 - g),
        r"1\.0 - gray|255|\[0, 1\]",
    ),
    Case(
        "-gray",
        _ink_rule(lambda g: np.median(g) > 0.5, invert=lambda g: -g),
        r"1\.0 - gray|\[0, 1\]|negative",
    ),
    Case("inverts in place", _ink_inplace, r"chang|in place|modif"),
    Case(
        "inverts with gray.max() - gray",
        lambda gray: gray.max() - gray if np.median(gray) > 0.5 else gray,
        r"gray\.max\(\) - gray",
    ),
    Case("no return for a dark page", _ink_bright_without_else, r"without `return`"),
    Case(
        "returns (image, was_inverted) like preprocess.ink_bright",
        lambda g: (1.0 - g, True) if np.median(g) > 0.5 else (g, False),
        r"image alone|tuple|was_inverted",
    ),
]


def _com_ref(image):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return (rows * image).sum() / mass, (cols * image).sum() / mass


def _com_scipy(image):
    from scipy import ndimage

    return tuple(ndimage.center_of_mass(image))


def _com_loop(image):
    total = r_sum = c_sum = 0.0
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            total += image[r, c]
            r_sum += r * image[r, c]
            c_sum += c * image[r, c]
    return r_sum / total, c_sum / total


def _com_inplace(image):
    image /= image.sum()
    rows, cols = np.indices(image.shape)
    return (rows * image).sum(), (cols * image).sum()


def _com_mean_of_ink(image):
    rows, cols = np.nonzero(image > 0.5)
    return rows.mean(), cols.mean()


def _com_square(image):
    rows, cols = np.indices((image.shape[0], image.shape[0]))
    image = image[:, : image.shape[0]]
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def _centre_meshgrid(image):
    rows, cols = np.meshgrid(np.arange(image.shape[0]), np.arange(image.shape[1]))  # (W, H) arrays
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def _centre_rounded(image):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return round((rows * image).sum() / mass), round((cols * image).sum() / mass)


CENTRE_OF_MASS = [
    Case("reference", _com_ref, ACCEPTED),
    Case("scipy.ndimage.center_of_mass", _com_scipy, ACCEPTED),
    Case("loops", _com_loop, ACCEPTED),
    Case("returns an array", lambda im: np.array(_com_ref(im)), ACCEPTED),
    Case(
        "np.average with weights",
        lambda im: (
            np.average(np.indices(im.shape)[0], weights=im),
            np.average(np.indices(im.shape)[1], weights=im),
        ),
        ACCEPTED,
    ),
    Case("(col, row) swapped", lambda im: _com_ref(im)[::-1], r"\(row, col\)|swap|order"),
    Case(
        "divides by the pixel count",
        lambda im: tuple(v * im.sum() / im.size for v in _com_ref(im)),
        r"total intensity|mass|sum",
    ),
    Case(
        "mean instead of sum / mass",
        lambda im: ((np.indices(im.shape)[0] * im).mean(), (np.indices(im.shape)[1] * im).mean()),
        r"total intensity|mass|sum",
    ),
    Case("unweighted mean of ink pixels", _com_mean_of_ink, r"weight|intensit"),
    Case(
        "brightest pixel",
        lambda im: tuple(float(v) for v in np.unravel_index(np.argmax(im), im.shape)),
        r"weight|mean|brightest",
    ),
    Case(
        "centre of the image",
        lambda im: ((im.shape[0] - 1) / 2, (im.shape[1] - 1) / 2),
        r"weight|intensit|centre of the image",
    ),
    Case("1-based coordinates", lambda im: tuple(v + 1 for v in _com_ref(im)), r"0|one|index"),
    Case("square-image assumption", _com_square, r"shape|square|rows and columns"),
    Case(
        "weights by darkness (1 - image)", lambda im: _com_ref(1.0 - im), r"bright|intensit|weight"
    ),
    Case("normalises the image in place", _com_inplace, r"chang|in place|modif"),
    Case(
        "the course's own preprocess.centre_of_mass",
        lambda im: _course("preprocess").centre_of_mass(im),
        r"switched off",
    ),
    Case("np.meshgrid without indexing='ij'", _centre_meshgrid, r"indexing='ij'"),
    Case("rounded to a whole pixel", _centre_rounded, r"rounded"),
    Case(
        "ratio of two means",
        lambda image: (
            np.mean(np.indices(image.shape)[0] * image) / np.mean(image),
            np.mean(np.indices(image.shape)[1] * image) / np.mean(image),
        ),
        ACCEPTED,
    ),
]


def _moments(image, about_centre=True):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    if about_centre:
        rows = rows - (rows * image).sum() / mass
        cols = cols - (cols * image).sum() / mass
    return rows, cols, mass


def _slant_ref(image):
    d_row, d_col, mass = _moments(image)
    return -((d_row * d_col * image).sum() / mass) / ((d_row**2 * image).sum() / mass)


def _slant_np_cov(image):
    rows, cols = np.indices(image.shape)
    c = np.cov(rows.ravel(), cols.ravel(), aweights=image.ravel())
    return -c[0, 1] / c[0, 0]


def _slant_polyfit(image):
    rows, cols = np.indices(image.shape)
    slope, _intercept = np.polyfit(rows.ravel(), cols.ravel(), 1, w=np.sqrt(image.ravel()))
    return -slope


def _slant_sums(image):
    d_row, d_col, _ = _moments(image)
    return -float(np.sum(d_row * d_col * image) / np.sum(d_row * d_row * image))


def _slant_average(image):
    rows, cols = np.indices(image.shape)
    r = rows - np.average(rows, weights=image)
    c = cols - np.average(cols, weights=image)
    return np.average(-r * c, weights=image) / np.average(r * r, weights=image)


def _slant_parts(image, about_centre=True, covariance_total=None, variance_total=None):
    d_row, d_col, mass = _moments(image, about_centre)
    covariance = (d_row * d_col * image).sum() / (covariance_total or mass)
    variance_rows = (d_row**2 * image).sum() / (variance_total or mass)
    variance_cols = (d_col**2 * image).sum() / mass
    return covariance, variance_rows, variance_cols


def _slant_no_sign(image):
    return -_slant_ref(image)


def _slant_by_col_variance(image):
    covariance, _, variance_cols = _slant_parts(image)
    return -covariance / variance_cols


def _slant_inverse(image):
    covariance, variance_rows, _ = _slant_parts(image)
    return -variance_rows / covariance


def _slant_correlation(image):
    covariance, variance_rows, variance_cols = _slant_parts(image)
    return -covariance / np.sqrt(variance_rows * variance_cols)


def _slant_uncentred(image):
    covariance, variance_rows, _ = _slant_parts(image, about_centre=False)
    return -covariance / variance_rows


def _slant_mixed_totals(image):
    covariance, variance_rows, _ = _slant_parts(image, variance_total=image.size)
    return -covariance / variance_rows


def _slant_polyfit_w_image(image):
    rows, cols = np.indices(image.shape)
    return -np.polyfit(rows.ravel(), cols.ravel(), 1, w=image.ravel())[0]


def _slant_polyfit_unweighted(image):
    rows, cols = np.indices(image.shape)
    return -np.polyfit(rows.ravel(), cols.ravel(), 1)[0]


def _slant_polyfit_both(image):
    rows, cols = np.indices(image.shape)
    return -np.polyfit(rows.ravel(), cols.ravel(), 1, w=np.sqrt(image.ravel()))


def _slant_ink_pixels(image):
    rows, cols = np.nonzero(image > 0.5)
    return -np.cov(rows, cols)[0, 1] / np.var(rows, ddof=1)


def _slant_inplace(image):
    image /= image.sum()
    d_row, d_col, _ = _moments(image)
    return -(d_row * d_col * image).sum() / (d_row**2 * image).sum()


SLANT = [
    Case("reference", _slant_ref, ACCEPTED),
    Case("np.cov with aweights", _slant_np_cov, ACCEPTED),
    Case("np.polyfit with w=sqrt(image)", _slant_polyfit, ACCEPTED),
    Case("sums, the mass cancelled", _slant_sums, ACCEPTED),
    Case("np.average with weights", _slant_average, ACCEPTED),
    Case("sign reversed (rows count down)", _slant_no_sign, r"sign|downwards"),
    Case(
        "divided by the columns' variance", _slant_by_col_variance, r"columns|variance of the rows"
    ),
    Case("rows per column", _slant_inverse, r"inverse|rows per column"),
    Case("correlation coefficient", _slant_correlation, r"correlation"),
    Case("an angle in radians", lambda im: np.arctan(_slant_ref(im)), r"angle|radians"),
    Case("an angle in degrees", lambda im: np.degrees(np.arctan(_slant_ref(im))), r"degrees"),
    Case("moments about pixel (0, 0)", _slant_uncentred, r"centre of mass|\(0, 0\)"),
    Case("covariance and variance over different totals", _slant_mixed_totals, r"different totals"),
    Case("np.polyfit with w=image", _slant_polyfit_w_image, r"polyfit|sqrt|squared"),
    Case(
        "np.polyfit over every pixel, unweighted", _slant_polyfit_unweighted, r"weight|background"
    ),
    Case("np.polyfit's (slope, intercept) returned", _slant_polyfit_both, r"one number|\[0\]"),
    Case("ink pixels counted alike", _slant_ink_pixels, r"weight|intensity"),
    Case("normalises the image in place", _slant_inplace, r"chang|in place|modif"),
]


CATALOGUE = {
    ("lesson08", "ink_bright"): INK_BRIGHT,
    ("lesson08", "centre_of_mass"): CENTRE_OF_MASS,
    ("lesson08", "slant"): SLANT,
}
