"""Plausible answers, right and wrong, to the exercises of lesson 02 (see the package docstring)."""

from __future__ import annotations

import math

import numpy as np

from . import ACCEPTED, Case, _course


def _relu_inplace(z):
    z[z <= 0] = 0.0
    z[z > 0] = 1.0
    return z


def _relu_if(z):
    if z > 0:
        return 1.0
    return 0.0


def _relu_loop(z):
    out = np.zeros_like(z, dtype=float)
    for index, value in np.ndenumerate(z):
        out[index] = 1.0 if value > 0 else 0.0
    return out


RELU_DERIVATIVE = [
    Case("reference", lambda z: (z > 0).astype(float), ACCEPTED),
    Case("np.where", lambda z: np.where(z > 0, 1.0, 0.0), ACCEPTED),
    Case("booleans", lambda z: z > 0, ACCEPTED),
    Case("integers", lambda z: (z > 0).astype(int), ACCEPTED),
    Case("heaviside(z, 0)", lambda z: np.heaviside(z, 0.0), ACCEPTED),
    Case("loop over entries", _relu_loop, ACCEPTED),
    Case("1 at z = 0 (>=)", lambda z: (z >= 0).astype(float), r"z = 0|at 0|exactly 0"),
    Case("heaviside(z, 1)", lambda z: np.heaviside(z, 1.0), r"z = 0|at 0|exactly 0"),
    Case("heaviside(z, 0.5)", lambda z: np.heaviside(z, 0.5), r"z = 0|at 0|exactly 0"),
    Case("returns ReLU itself", lambda z: np.maximum(z, 0), r"ReLU itself|slope|max"),
    Case("1 for negative z (<)", lambda z: (z < 0).astype(float), r"negative|positive"),
    Case("np.sign", lambda z: np.sign(z), r"negative|-1"),
    Case(
        "clip to [0, 1]",
        lambda z: np.clip(z, 0, 1),
        r"between 0 and 1|0 < z < 1|exactly 1|only 0 and 1",
    ),
    Case("z / z, nan at 0", lambda z: (z > 0) * z / z, r"nan|divid"),
    Case("changes z in place", _relu_inplace, r"chang|in place|modif"),
    Case("python if on an array", _relu_if, r"whole array|np\.where|comparison|element"),
    Case("flattens", lambda z: (z.ravel() > 0).astype(float), r"shape"),
    Case(
        "the course's own act.relu_derivative",
        lambda z: _course("activations").relu_derivative(z),
        r"switched off",
    ),
    Case("1 everywhere (the slope of z)", lambda z: np.ones_like(z), r"1 everywhere.*flat"),
]


def _sig_naive(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def _sig_exp_form(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


def _sig_where(z):
    s = np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
    return s * (1 - s)


def _sig_tanh(z):
    s = 0.5 * (1 + np.tanh(z / 2))
    return s * (1 - s)


def _sig_expit(z):
    from scipy.special import expit

    s = expit(z)
    return s * (1 - s)


def _sig_clip_inplace(z):
    np.clip(z, -500, 500, out=z)
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def _sig_clip_small(z):
    s = 1 / (1 + np.exp(-np.clip(z, -10, 10)))
    return s * (1 - s)


def _sig_math(z):
    s = 1 / (1 + math.exp(-z))
    return s * (1 - s)


def _sig_symmetric(z):
    s = 1 / (1 + np.exp(-np.abs(z)))  # sigma'(z) = sigma'(-z)
    return s * (1 - s)


def _sig_clip(z, low=-500, high=500):
    s = 1 / (1 + np.exp(-np.clip(z, low, high)))
    return s


def _sigmoid_derivative_of_minus_z(z):
    s = 1 / (
        1 + np.exp(np.clip(z, -500, 500))
    )  # sigmoid(-z) = 1 - sigmoid(z): the product is the same
    return s * (1 - s)


SIGMOID_DERIVATIVE = [
    Case("reference", lambda z: _sig_clip(z) * (1 - _sig_clip(z)), ACCEPTED),
    Case("tanh form", _sig_tanh, ACCEPTED),
    Case("scipy expit", _sig_expit, ACCEPTED),
    Case("symmetric: exp(-|z|)", _sig_symmetric, ACCEPTED),
    Case("s - s**2", lambda z: _sig_clip(z) - _sig_clip(z) ** 2, ACCEPTED),
    Case("naive s * (1 - s), exp overflows", _sig_naive, r"overflow"),
    Case("exp(-z) / (1 + exp(-z))**2", _sig_exp_form, r"overflow|nan|inf"),
    Case("np.where of two formulas", _sig_where, r"overflow"),
    Case(
        "returns the sigmoid", lambda z: _sig_clip(z), r"sigmoid itself|derivative|s \* \(1 - s\)"
    ),
    Case("s * (1 + s)", lambda z: _sig_clip(z) * (1 + _sig_clip(z)), r"1 - s|sign"),
    Case("s * s", lambda z: _sig_clip(z) ** 2, r"1 - s"),
    Case("1 - s", lambda z: 1 - _sig_clip(z), r"s \* \(1 - s\)|derivative"),
    Case("tanh derivative", lambda z: 1 - np.tanh(z) ** 2, r"tanh|sigmoid"),
    Case("clips at +-10", _sig_clip_small, r"clip"),
    Case("clips z in place", _sig_clip_inplace, r"chang|in place|modif"),
    Case("math.exp on an array", _sig_math, r"math\.exp|np\.exp"),
    Case("constant 0.25", lambda z: np.full_like(z, 0.25, dtype=float), r"0\.25|z = 0|derivative"),
    Case(
        "the course's own act.sigmoid_derivative",
        lambda z: _course("activations").sigmoid_derivative(z),
        r"switched off",
    ),
    Case(
        "with sigmoid(-z), which gives the same product", _sigmoid_derivative_of_minus_z, ACCEPTED
    ),
    Case("s * (1 - s) applied to z itself", lambda z: z * (1 - z), r"not to z itself"),
]


def _softmax_ref(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def _softmax_loop(z):
    out = np.empty(z.shape)
    for i, row in enumerate(z):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


def _softmax_scipy(z):
    from scipy.special import softmax

    return softmax(z, axis=1)


def _softmax_logsumexp(z):
    from scipy.special import logsumexp

    return np.exp(z - logsumexp(z, axis=1, keepdims=True))


def _softmax_inplace(z):
    z -= np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


def _softmax_max_no_keepdims(z):
    e = np.exp(z - np.max(z, axis=1))
    return e / np.sum(e, axis=1, keepdims=True)


def _softmax_shift(shift, axis=1, keepdims=True, norm_axis=1, norm_keepdims=True):
    def softmax(z):
        e = np.exp(z - shift(z))
        return e / np.sum(e, axis=norm_axis, keepdims=norm_keepdims)

    return softmax


def _softmax_shift_above_only(z):
    return np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z).sum(axis=1, keepdims=True)


STABLE_SOFTMAX = [
    Case("reference", _softmax_ref, ACCEPTED),
    Case(
        "max(axis=1)[:, None]",
        lambda z: (
            np.exp(z - z.max(axis=1)[:, None])
            / np.exp(z - z.max(axis=1)[:, None]).sum(axis=1)[:, None]
        ),
        ACCEPTED,
    ),
    Case("loop over rows", _softmax_loop, ACCEPTED),
    Case("scipy softmax", _softmax_scipy, ACCEPTED),
    Case("exp(z - logsumexp)", _softmax_logsumexp, ACCEPTED),
    Case("no shift: overflows", _softmax_shift(lambda z: 0), r"overflow|subtract"),
    Case(
        "subtracts the mean",
        _softmax_shift(lambda z: np.mean(z, axis=1, keepdims=True)),
        r"mean|maximum",
    ),
    Case(
        "subtracts the max of the whole array",
        _softmax_shift(lambda z: np.max(z)),
        r"whole array|each row|per row|axis",
    ),
    Case(
        "subtracts the min",
        _softmax_shift(lambda z: np.min(z, axis=1, keepdims=True)),
        r"min|maximum",
    ),
    Case(
        "max over axis 0",
        _softmax_shift(lambda z: np.max(z, axis=0, keepdims=True)),
        r"axis|each row|per row|column",
    ),
    Case(
        "normalises columns (axis=0)",
        _softmax_shift(lambda z: np.max(z, axis=1, keepdims=True), norm_axis=0),
        r"axis|row",
    ),
    Case(
        "sum without keepdims",
        _softmax_shift(lambda z: np.max(z, axis=1, keepdims=True), norm_keepdims=False),
        r"keepdims",
    ),
    Case("max without keepdims", _softmax_max_no_keepdims, r"keepdims"),
    Case(
        "normalises by the total sum",
        _softmax_shift(lambda z: np.max(z, axis=1, keepdims=True), norm_axis=None),
        r"row|axis",
    ),
    Case(
        "forgets to normalise",
        lambda z: np.exp(z - np.max(z, axis=1, keepdims=True)),
        r"sum to 1|divide|normalis",
    ),
    Case(
        "returns log-softmax",
        lambda z: np.log(_softmax_ref(z)),
        r"log|probabilit|between 0 and 1|negative",
    ),
    Case("changes z in place", _softmax_inplace, r"chang|in place|modif"),
    Case(
        "clips instead of shifting",
        lambda z: (
            np.exp(np.clip(z, -500, 500)) / np.exp(np.clip(z, -500, 500)).sum(axis=1, keepdims=True)
        ),
        r"clip|subtract|maximum",
    ),
    Case(
        "the course's own act.softmax",
        lambda z: _course("activations").softmax(z, axis=1),
        r"switched off",
    ),
    Case(
        "shifted above the line, not below it",
        _softmax_shift_above_only,
        r"numerator but not in the denominator",
    ),
    Case("only the first row", lambda z: _softmax_ref(z)[0], r"should return an array of shape"),
]


CATALOGUE = {
    ("lesson02", "relu_derivative"): RELU_DERIVATIVE,
    ("lesson02", "sigmoid_derivative"): SIGMOID_DERIVATIVE,
    ("lesson02", "stable_softmax"): STABLE_SOFTMAX,
}
