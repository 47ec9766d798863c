"""The catalogue: plausible learner answers for every exercise of lessons 01-09, right and wrong.

Written line by line from each reference solution, before reading the checkers
(mutation testing): at every line, what would a learner plausibly get wrong (a sign,
an axis, a transpose, a missing factor, a wrong reduction, an off-by-one, ceil or
round for floor, an input changed in place, a forbidden library shortcut)? And how
else could a right answer be written? Each :class:`Case` is a learner's function and
what the checker must say: ``ACCEPTED``, or a regular expression that the hint of the
rejection must match (a word that names the mistake). Every exercise has at least ten
wrong answers and three right ones. ``tests/test_exercises_catalogue.py`` runs them
all; the lecturers' pages (``course_utils.tools.lecturer_notes``) list every wrong answer
with the hint its checker prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ACCEPTED = None


def _course(module: str):
    """A course_utils module, looked up when the learner's function runs (as a notebook's `act.softmax`)."""
    import importlib

    return importlib.import_module(f"course_utils.{module}")


@dataclass(frozen=True)
class Case:
    label: str
    fn: Callable
    expect: str | None  # ACCEPTED, or a regex the hint must match (case-insensitive)


# ----------------------------------------------------------------------------- lesson 01


def _mse_loop(x, y, w, b):
    dw = db = 0.0
    for xi, yi in zip(x, y):
        dw += 2 * (w * xi + b - yi) * xi
        db += 2 * (w * xi + b - yi)
    return dw / len(x), db / len(x)


def _mse_inplace(x, y, w, b):
    y -= w * x + b  # reuses y as the error: changes the caller's array
    return -2 * np.mean(y * x), -2 * np.mean(y)


def _mse_ddof(x, y, w, b):
    error = w * x + b - y
    return 2 * np.sum(error * x) / (len(x) - 1), 2 * np.sum(error) / (len(x) - 1)


MSE_GRADIENT = [
    Case("reference written as a loop", _mse_loop, ACCEPTED),
    Case(
        "np.dot and len",
        lambda x, y, w, b: (
            2 * np.dot(w * x + b - y, x) / len(x),
            2 * np.sum(w * x + b - y) / len(x),
        ),
        ACCEPTED,
    ),
    Case(
        "returns a numpy array",
        lambda x, y, w, b: np.array([2 * np.mean((w * x + b - y) * x), 2 * np.mean(w * x + b - y)]),
        ACCEPTED,
    ),
    Case(
        "returns a list",
        lambda x, y, w, b: [2 * np.mean((w * x + b - y) * x), 2 * np.mean(w * x + b - y)],
        ACCEPTED,
    ),
    Case(
        "missing factor 2",
        lambda x, y, w, b: (np.mean((w * x + b - y) * x), np.mean(w * x + b - y)),
        r"2",
    ),
    Case(
        "sign flipped (y - y_hat)",
        lambda x, y, w, b: (2 * np.mean((y - w * x - b) * x), 2 * np.mean(y - w * x - b)),
        r"sign",
    ),
    Case(
        "sum instead of mean",
        lambda x, y, w, b: (2 * np.sum((w * x + b - y) * x), 2 * np.sum(w * x + b - y)),
        r"mean|N\b|sum",
    ),
    Case(
        "(db, dw) swapped",
        lambda x, y, w, b: (2 * np.mean(w * x + b - y), 2 * np.mean((w * x + b - y) * x)),
        r"order|swap",
    ),
    Case(
        "dw forgets the factor x",
        lambda x, y, w, b: (2 * np.mean(w * x + b - y), 2 * np.mean(w * x + b - y)),
        r"\bx\b",
    ),
    Case(
        "db multiplied by x too",
        lambda x, y, w, b: (2 * np.mean((w * x + b - y) * x), 2 * np.mean((w * x + b - y) * x)),
        r"\bdb\b",
    ),
    Case(
        "returns the loss",
        lambda x, y, w, b: (np.mean((w * x + b - y) ** 2),) * 2,
        r"loss|gradient",
    ),
    Case(
        "forgets b in the prediction",
        lambda x, y, w, b: (2 * np.mean((w * x - y) * x), 2 * np.mean(w * x - y)),
        r"\bb\b",
    ),
    Case(
        "mean(error) * mean(x)",
        lambda x, y, w, b: (2 * np.mean(w * x + b - y) * np.mean(x), 2 * np.mean(w * x + b - y)),
        r"\bdw\b",
    ),
    Case("divides by N - 1", _mse_ddof, r"N - 1|mean"),
    Case(
        "x squared in dw",
        lambda x, y, w, b: (2 * np.mean((w * x + b - y) * x**2), 2 * np.mean(w * x + b - y)),
        r"\bdw\b",
    ),
    Case("changes y in place", _mse_inplace, r"chang|in place|modif"),
    Case(
        "returns dw only",
        lambda x, y, w, b: 2 * np.mean((w * x + b - y) * x),
        r"two|\(dw, db\)|pair",
    ),
]


def _step_sequential(x, y, w, b, learning_rate):
    w = w - learning_rate * 2 * np.mean((w * x + b - y) * x)
    b = b - learning_rate * 2 * np.mean(w * x + b - y)  # uses the new w
    return w, b


def _step_with_package(x, y, w, b, learning_rate):
    from course_utils import gradient_descent as gd

    dw, db = gd.mse_gradient(x, y, w, b)
    return w - learning_rate * dw, b - learning_rate * db


def _step_inplace(x, y, w, b, learning_rate):
    x -= 0  # harmless
    error = w * x + b - y
    x *= error  # reuses x
    return w - learning_rate * 2 * np.mean(x), b - learning_rate * 2 * np.mean(error)


def _g(x, y, w, b):
    e = w * x + b - y
    return 2 * np.mean(e * x), 2 * np.mean(e)


GRADIENT_DESCENT_STEP = [
    Case(
        "reference",
        lambda x, y, w, b, lr: (w - lr * _g(x, y, w, b)[0], b - lr * _g(x, y, w, b)[1]),
        ACCEPTED,
    ),
    Case("uses the package's mse_gradient", _step_with_package, ACCEPTED),
    Case(
        "returns an array",
        lambda x, y, w, b, lr: np.array([w, b]) - lr * np.array(_g(x, y, w, b)),
        ACCEPTED,
    ),
    Case(
        "plus instead of minus",
        lambda x, y, w, b, lr: (w + lr * _g(x, y, w, b)[0], b + lr * _g(x, y, w, b)[1]),
        r"sign|uphill|subtract",
    ),
    Case(
        "forgets the learning rate",
        lambda x, y, w, b, lr: (w - _g(x, y, w, b)[0], b - _g(x, y, w, b)[1]),
        r"learning.rate",
    ),
    Case("returns the gradient", lambda x, y, w, b, lr: _g(x, y, w, b), r"new|gradient"),
    Case("updates w only", lambda x, y, w, b, lr: (w - lr * _g(x, y, w, b)[0], b), r"\bb\b"),
    Case("updates b only", lambda x, y, w, b, lr: (w, b - lr * _g(x, y, w, b)[1]), r"\bw\b"),
    Case(
        "(b, w) swapped",
        lambda x, y, w, b, lr: (b - lr * _g(x, y, w, b)[1], w - lr * _g(x, y, w, b)[0]),
        r"order|swap",
    ),
    Case(
        "missing factor 2",
        lambda x, y, w, b, lr: (w - lr * _g(x, y, w, b)[0] / 2, b - lr * _g(x, y, w, b)[1] / 2),
        r"2",
    ),
    Case(
        "divides by the learning rate",
        lambda x, y, w, b, lr: (w - _g(x, y, w, b)[0] / lr, b - _g(x, y, w, b)[1] / lr),
        r"learning.rate",
    ),
    Case("b uses the already-updated w", _step_sequential, r"old|both|same|simultaneous|before"),
    Case(
        "b stepped with dw",
        lambda x, y, w, b, lr: (w - lr * _g(x, y, w, b)[0], b - lr * _g(x, y, w, b)[0]),
        r"\bdb\b|\bb\b",
    ),
    Case(
        "returns the change only",
        lambda x, y, w, b, lr: (-lr * _g(x, y, w, b)[0], -lr * _g(x, y, w, b)[1]),
        r"new|w -|old",
    ),
    Case("changes x in place", _step_inplace, r"chang|in place|modif"),
]

# ----------------------------------------------------------------------------- lesson 02


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
]

# ----------------------------------------------------------------------------- lesson 03


def _one_hot_loop(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    for i, label in enumerate(labels):
        out[i][label] = 1
    return out


def _one_hot_columns(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[:, labels] = 1
    return out


def _one_hot_rows(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[labels] = 1
    return out


def _one_hot_zeros_args(labels, num_classes):
    out = np.zeros(len(labels), num_classes)
    out[np.arange(len(labels)), labels] = 1
    return out


def _one_hot_shift(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels - 1] = 1
    return out


def _one_hot_width(width):
    def one_hot(labels, num_classes):
        out = np.zeros((len(labels), width(labels, num_classes)))
        out[np.arange(len(labels)), labels] = 1
        return out

    return one_hot


def _one_hot_inplace(labels, num_classes):
    labels.sort()
    return np.eye(num_classes)[labels]


ONE_HOT = [
    Case("reference (np.eye)", lambda labels, num_classes: np.eye(num_classes)[labels], ACCEPTED),
    Case("loop", _one_hot_loop, ACCEPTED),
    Case(
        "comparison with arange",
        lambda labels, num_classes: labels[:, None] == np.arange(num_classes),
        ACCEPTED,
    ),
    Case(
        "integer dtype",
        lambda labels, num_classes: np.eye(num_classes, dtype=int)[labels],
        ACCEPTED,
    ),
    Case(
        "transposed (C, N)",
        lambda labels, num_classes: np.eye(num_classes)[labels].T,
        r"transpos|\(N, num_classes\)",
    ),
    Case("np.zeros(N, C)", _one_hot_zeros_args, r"tuple|np\.zeros\(\("),
    Case("sets whole columns", _one_hot_columns, r"column|np\.arange|row i"),
    Case("indexes rows by label", _one_hot_rows, r"row|np\.arange"),
    Case("labels - 1", _one_hot_shift, r"column labels\[i\]|- 1|one column"),
    Case(
        "width max(labels) + 1", _one_hot_width(lambda labels, c: labels.max() + 1), r"num_classes"
    ),
    Case("width num_classes + 1", _one_hot_width(lambda labels, c: c + 1), r"num_classes"),
    Case(
        "width = number of distinct labels",
        _one_hot_width(lambda labels, c: len(set(labels.tolist()))),
        r"num_classes",
    ),
    Case(
        "ones instead of zeros",
        lambda labels, num_classes: 1 - np.eye(num_classes)[labels] + np.eye(num_classes)[labels],
        r"0 elsewhere|zeros|only one",
    ),
    Case("returns the labels", lambda labels, num_classes: labels, r"shape|\(N, num_classes\)"),
    Case("sorts labels in place", _one_hot_inplace, r"chang|in place|modif"),
    Case(
        "the course's own data.one_hot",
        lambda labels, num_classes: _course("data").one_hot(labels, num_classes),
        r"switched off",
    ),
    Case(
        "np.eye(len(labels), num_classes)[labels]: rows from N",
        lambda labels, num_classes: np.eye(len(labels), num_classes)[labels],
        r"np\.eye\(len\(labels\)",
    ),
]


def _ce_ref(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _log_softmax(logits, shift=None):
    shifted = logits - (np.max(logits, axis=1, keepdims=True) if shift is None else shift(logits))
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _ce_scipy(logits, labels):
    from scipy.special import logsumexp

    picked = np.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return float(np.mean(logsumexp(logits, axis=1) - picked))


def _ce_one_hot(logits, labels):
    one_hot = np.eye(logits.shape[1])[labels]
    return -np.sum(one_hot * _log_softmax(logits)) / len(labels)


def _ce_loop(logits, labels):
    total = 0.0
    for row, label in zip(logits, labels):
        m = row.max()
        total += m + np.log(np.exp(row - m).sum()) - row[label]
    return total / len(labels)


def _ce_naive(logits, labels):
    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def _ce_log_of_stable_softmax(logits, labels):
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def _ce_clipped(logits, labels):
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    probs = np.clip(e / e.sum(axis=1, keepdims=True), 1e-12, 1.0)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def _ce_inplace(logits, labels):
    logits -= np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _ce_labels_as_one_hot(logits, labels):
    return -np.sum(labels * _log_softmax(logits)) / len(labels)


def _ce_no_keepdims(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _ce_logsumexp_of_everything(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted)))  # no axis: all N * C entries
    return -np.mean(log_probs[np.arange(len(labels)), labels])


CROSS_ENTROPY_FROM_LOGITS = [
    Case("reference", _ce_ref, ACCEPTED),
    Case("scipy logsumexp + take_along_axis", _ce_scipy, ACCEPTED),
    Case("one-hot weighted sum", _ce_one_hot, ACCEPTED),
    Case("loop over rows", _ce_loop, ACCEPTED),
    Case("naive log(softmax): overflows", _ce_naive, r"overflow|inf|nan"),
    Case(
        "log of a stable softmax: log(0)",
        _ce_log_of_stable_softmax,
        r"log\(0\)|log-softmax|-inf|inf",
    ),
    Case("clipped log(softmax)", _ce_clipped, r"clip"),
    Case(
        "subtracts the max of the whole array",
        lambda lg, lb: -np.mean(_log_softmax(lg, lambda z: np.max(z))[np.arange(len(lb)), lb]),
        r"whole array|each row|per row",
    ),
    Case(
        "sum instead of mean",
        lambda lg, lb: -np.sum(_log_softmax(lg)[np.arange(len(lb)), lb]),
        r"mean|sum|N\b",
    ),
    Case(
        "missing minus sign",
        lambda lg, lb: np.mean(_log_softmax(lg)[np.arange(len(lb)), lb]),
        r"sign|minus|negative",
    ),
    Case(
        "picks columns [:, labels]",
        lambda lg, lb: -np.mean(_log_softmax(lg)[:, lb]),
        r"np\.arange|one value per row|row i",
    ),
    Case("integer labels used as one-hot", _ce_labels_as_one_hot, r"integer|one-hot"),
    Case(
        "mean over all N*C entries",
        lambda lg, lb: -np.mean(np.eye(lg.shape[1])[lb] * _log_softmax(lg)),
        r"mean|N\b|C\b",
    ),
    Case(
        "returns the per-example losses",
        lambda lg, lb: -_log_softmax(lg)[np.arange(len(lb)), lb],
        r"one number|mean|scalar",
    ),
    Case("log-sum-exp without keepdims", _ce_no_keepdims, r"keepdims"),
    Case(
        "log base 10",
        lambda lg, lb: -np.mean(_log_softmax(lg)[np.arange(len(lb)), lb]) / np.log(10),
        r"natural|log10|base",
    ),
    Case("changes logits in place", _ce_inplace, r"chang|in place|modif"),
    Case(
        "forgets the log-sum-exp",
        lambda lg, lb: -np.mean((lg - lg.max(axis=1, keepdims=True))[np.arange(len(lb)), lb]),
        r"log-sum-exp|logsumexp|log\(sum",
    ),
    Case(
        "the course's own losses.softmax_cross_entropy",
        lambda lg, lb: _course("losses").softmax_cross_entropy(lg, lb),
        r"switched off",
    ),
    Case(
        "log-sum-exp over the whole array",
        _ce_logsumexp_of_everything,
        r"over the whole array.*axis=1",
    ),
]


def _grad_ref(logits, labels):
    n, c = logits.shape
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True) - np.eye(c)[labels]) / n


def _softmax_rows(logits):
    return _softmax_ref(logits)


def _grad_subtract_inplace_copy(logits, labels):
    grad = _softmax_rows(logits)
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)


def _grad_wrong_index(logits, labels):
    grad = _softmax_rows(logits)
    grad[:, labels] -= 1
    return grad / len(labels)


def _grad_inplace(logits, labels):
    logits -= np.max(logits, axis=1, keepdims=True)
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / len(labels)


def _grad_no_shift(logits, labels):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / len(labels)


def _gradient_over_size(logits, labels):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / logits.size


CROSS_ENTROPY_GRADIENT = [
    Case("reference", _grad_ref, ACCEPTED),
    Case("softmax, then -1 at the label", _grad_subtract_inplace_copy, ACCEPTED),
    Case(
        "scipy softmax",
        lambda lg, lb: (_softmax_scipy(lg) - np.eye(lg.shape[1])[lb]) / len(lb),
        ACCEPTED,
    ),
    Case(
        "missing / N",
        lambda lg, lb: _softmax_rows(lg) - np.eye(lg.shape[1])[lb],
        r"N\b|mean|divide",
    ),
    Case(
        "sign flipped (y - p)",
        lambda lg, lb: (np.eye(lg.shape[1])[lb] - _softmax_rows(lg)) / len(lb),
        r"sign|p - y",
    ),
    Case("no shift: overflows", _grad_no_shift, r"overflow|nan|inf"),
    Case(
        "softmax over axis 0",
        lambda lg, lb: (
            (
                np.exp(lg - lg.max(axis=0)) / np.exp(lg - lg.max(axis=0)).sum(axis=0)
                - np.eye(lg.shape[1])[lb]
            )
            / len(lb)
        ),
        r"axis|row",
    ),
    Case(
        "np.eye(N) instead of np.eye(C)",
        lambda lg, lb: (_softmax_rows(lg) - np.eye(len(lb))[lb]) / len(lb),
        r"one-hot|label|num_classes|C\b",
    ),
    Case("-1 in whole columns", _grad_wrong_index, r"np\.arange|label|row i"),
    Case(
        "returns the softmax", lambda lg, lb: _softmax_rows(lg) / len(lb), r"one-hot|subtract|p - y"
    ),
    Case(
        "divides by C",
        lambda lg, lb: (_softmax_rows(lg) - np.eye(lg.shape[1])[lb]) / lg.shape[1],
        r"N\b|number of examples",
    ),
    Case("changes logits in place", _grad_inplace, r"chang|in place|modif"),
    Case(
        "integer labels subtracted directly",
        lambda lg, lb: (_softmax_rows(lg) - lb[:, None]) / len(lb),
        r"one-hot|integer",
    ),
    Case(
        "mean over rows: shape (C,)",
        lambda lg, lb: (_softmax_rows(lg) - np.eye(lg.shape[1])[lb]).mean(axis=0),
        r"shape",
    ),
    Case(
        "global max shift",
        lambda lg, lb: (
            (
                np.exp(lg - lg.max()) / np.exp(lg - lg.max()).sum(axis=1, keepdims=True)
                - np.eye(lg.shape[1])[lb]
            )
            / len(lb)
        ),
        r"whole array|each row|per row|nan",
    ),
    Case(
        "the course's own losses.softmax_cross_entropy_backward",
        lambda lg, lb: _course("losses").softmax_cross_entropy_backward(lg, lb),
        r"switched off",
    ),
    Case("divides by N * C (logits.size)", _gradient_over_size, r"N \* C"),
]

# ----------------------------------------------------------------------------- lesson 04


def _tf_ce_ref(logits, labels):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
    return -tf.reduce_mean(tf.gather(log_probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1))


def _tf_log_probs(logits, keepdims=True, axis=1):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    return logits - tf.reduce_logsumexp(logits, axis=axis, keepdims=keepdims)


def _tf_ce_one_hot(logits, labels):
    import tensorflow as tf

    one_hot = tf.one_hot(labels, depth=tf.shape(logits)[1])
    return -tf.reduce_mean(
        tf.reduce_sum(one_hot * tf.nn.log_softmax(tf.cast(logits, tf.float32)), axis=1)
    )


def _tf_ce_numpy(logits, labels):
    return _ce_ref(np.asarray(logits, dtype=np.float64), np.asarray(labels))


def _tf_ce_forbidden(logits, labels):
    import tensorflow as tf

    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def _tf_ce_keras(logits, labels):
    import keras

    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)


def _tf_ce_dense_forbidden(logits, labels):
    import tensorflow as tf

    one_hot = tf.one_hot(labels, depth=logits.shape[1])
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=one_hot, logits=logits))


def _tf_ce_naive(logits, labels):
    import tensorflow as tf

    probs = tf.nn.softmax(tf.cast(logits, tf.float32))
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))


def _tf_ce_clipped(logits, labels):
    import tensorflow as tf

    probs = tf.clip_by_value(tf.nn.softmax(tf.cast(logits, tf.float32)), 1e-7, 1.0)
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))


def _tf_pick(log_probs, labels):
    import tensorflow as tf

    return tf.gather(log_probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1)


def _tf_ce_variant(transform):
    def cross_entropy(logits, labels):
        return transform(_tf_log_probs(logits), labels)

    return cross_entropy


def _tf_ce_no_keepdims(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(_tf_pick(_tf_log_probs(logits, keepdims=False), labels))


def _tf_ce_gather_no_batch_dims(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(tf.gather(_tf_log_probs(logits), labels, axis=1))


def _tf_ce_axis0(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(_tf_pick(_tf_log_probs(logits, axis=0), labels))


def _tf_ce_max_only(logits, labels):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    return -tf.reduce_mean(_tf_pick(logits - tf.reduce_max(logits, axis=1, keepdims=True), labels))


def _tf_reduce(name):
    import tensorflow as tf

    return getattr(tf, name)


def _tf_ce_tf_keras(logits, labels):
    import tensorflow as tf

    return tf.reduce_mean(
        tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    )


CROSS_ENTROPY_TF = [
    Case("reference", _tf_ce_ref, ACCEPTED),
    Case("one-hot and log_softmax", _tf_ce_one_hot, ACCEPTED),
    Case("numpy, returns a float", _tf_ce_numpy, ACCEPTED),
    Case(
        "forbidden: tf.nn.sparse_softmax_cross_entropy_with_logits",
        _tf_ce_forbidden,
        r"sparse_softmax_cross_entropy_with_logits|yourself",
    ),
    Case("forbidden: keras SparseCategoricalCrossentropy", _tf_ce_keras, r"yourself|library|Keras"),
    Case(
        "forbidden: tf.nn.softmax_cross_entropy_with_logits",
        _tf_ce_dense_forbidden,
        r"yourself|library",
    ),
    Case("naive log(softmax)", _tf_ce_naive, r"log\(0\)|inf|log-softmax|reduce_logsumexp"),
    Case("clipped log(softmax)", _tf_ce_clipped, r"clip"),
    Case("logsumexp without keepdims", _tf_ce_no_keepdims, r"keepdims"),
    Case("gather without batch_dims", _tf_ce_gather_no_batch_dims, r"batch_dims"),
    Case(
        "reduce_sum instead of mean",
        _tf_ce_variant(lambda lp, lb: -_tf_reduce("reduce_sum")(_tf_pick(lp, lb))),
        r"mean|sum",
    ),
    Case(
        "missing minus sign",
        _tf_ce_variant(lambda lp, lb: _tf_reduce("reduce_mean")(_tf_pick(lp, lb))),
        r"sign|minus|negative",
    ),
    Case("logsumexp over axis 0", _tf_ce_axis0, r"axis"),
    Case("subtracts the max only", _tf_ce_max_only, r"logsumexp|log-sum-exp"),
    Case(
        "returns per-example losses",
        _tf_ce_variant(lambda lp, lb: -_tf_pick(lp, lb)),
        r"one number|mean|scalar",
    ),
    Case(
        "the course's own mlp.cross_entropy_from_logits",
        lambda lg, lb: _course("mlp_from_scratch").cross_entropy_from_logits(lg, lb),
        r"switched off",
    ),
    Case(
        "forbidden: tf.keras.losses.sparse_categorical_crossentropy",
        _tf_ce_tf_keras,
        r"switched off",
    ),
]


def _ts_ref(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_numpy_loss(model, optimizer, x, y):
    loss = _ts_ref(model, optimizer, x, y)
    return float(loss.numpy())


def _ts_keras_loss(model, optimizer, x, y):
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_no_apply(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    tape.gradient(loss, model.trainable_variables)
    return loss


def _ts_loss_outside_tape(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        logits = model(x)
    loss = cross_entropy_from_logits(logits, y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_no_tape(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    loss = cross_entropy_from_logits(model(x), y)
    with tf.GradientTape() as tape:
        pass
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_own_optimizer(model, optimizer, x, y):
    import keras

    return _ts_ref(model, keras.optimizers.SGD(learning_rate=0.1), x, y)


def _ts_manual_sgd(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    for g, v in zip(grads, model.trainable_variables):
        v.assign_sub(0.01 * g)
    return loss


def _ts_ascent(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in grads], model.trainable_variables))
    return loss


def _ts_swapped_pairs(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(model.trainable_variables, grads))
    return loss


def _ts_returns_grads(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return grads


def _ts_twice(model, optimizer, x, y):
    _ts_ref(model, optimizer, x, y)
    return _ts_ref(model, optimizer, x, y)


def _ts_mse(model, optimizer, x, y):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - tf.one_hot(y, 10)) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_grad_wrt_x(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, x)
    optimizer.apply_gradients(zip([grads], model.trainable_variables))
    return loss


def _ts_softmax_twice(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(tf.nn.softmax(model(x)), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


TRAIN_STEP = [
    Case("reference", _ts_ref, ACCEPTED),
    Case("returns a float", _ts_numpy_loss, ACCEPTED),
    Case("Keras's loss object, from_logits=True", _ts_keras_loss, ACCEPTED),
    Case("never applies the gradients", _ts_no_apply, r"apply_gradients"),
    Case(
        "loss computed outside the tape",
        _ts_loss_outside_tape,
        r"inside|under|with tf\.GradientTape",
    ),
    Case("no tape at all around the loss", _ts_no_tape, r"inside|under|with tf\.GradientTape"),
    Case(
        "ignores the optimizer it was given",
        _ts_own_optimizer,
        r"optimizer you were given|optimizer argument|given optimizer",
    ),
    Case("manual SGD update", _ts_manual_sgd, r"optimizer"),
    Case("gradient ascent (-g)", _ts_ascent, r"negat|went up"),
    Case(
        "(variable, gradient) pairs swapped",
        _ts_swapped_pairs,
        r"\(gradient, variable\)|pairs|order",
    ),
    Case("returns the gradients", _ts_returns_grads, r"return the loss|one number"),
    Case("two steps", _ts_twice, r"once|one step|twice"),
    Case("mean squared error", _ts_mse, r"cross_entropy_from_logits|loss"),
    Case("gradient with respect to x", _ts_grad_wrt_x, r"trainable_variables"),
    Case("softmax before the loss from logits", _ts_softmax_twice, r"logits|softmax"),
]

# ----------------------------------------------------------------------------- lesson 05


def _keras_model(*layers):
    import keras

    return keras.Sequential(list(layers))


def _dense_stack(
    hidden_units,
    dropout_rate,
    hidden="relu",
    out_units=10,
    out="softmax",
    input_shape=(28, 28),
    flatten_at=0,
    dropout_after=None,  # indices of the hidden layers followed by Dropout (None: all)
    rate=None,  # a function of dropout_rate (None: dropout_rate itself)
):
    """The learner's model built from parts; every argument is one way to get it wrong."""
    import keras

    layers = []
    for i, units in enumerate(hidden_units):
        layers.append(keras.layers.Dense(units, activation=hidden))
        if dropout_after is None or i in dropout_after:
            layers.append(keras.layers.Dropout(rate(dropout_rate) if rate else dropout_rate))
    layers.append(keras.layers.Dense(out_units, activation=out))
    if flatten_at is not None:
        layers.insert(flatten_at, keras.layers.Flatten())
    if input_shape is not None:
        layers.insert(0, keras.Input(shape=input_shape))
    return keras.Sequential(layers)


def _bm_separate_layers(hidden_units, dropout_rate):
    import keras

    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden_units:
        layers += [
            keras.layers.Dense(units),
            keras.layers.ReLU(),
            keras.layers.Dropout(dropout_rate),
        ]
    layers += [keras.layers.Dense(10), keras.layers.Softmax()]
    return keras.Sequential(layers)


def _bm_dropout_before_relu(hidden_units, dropout_rate):
    import keras

    layers = [keras.Input(shape=(28, 28)), keras.layers.Reshape((784,))]
    for units in hidden_units:
        layers += [
            keras.layers.Dense(units),
            keras.layers.Dropout(rate=dropout_rate, seed=1),
            keras.layers.Activation("relu"),
        ]
    layers += [keras.layers.Dense(10), keras.layers.Activation("softmax")]
    return keras.Sequential(layers)


def _bm_add(hidden_units, dropout_rate):
    import keras

    model = keras.Sequential()
    model.add(keras.layers.Flatten())
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation=keras.activations.relu))
        model.add(keras.layers.Dropout(dropout_rate))
    model.add(keras.layers.Dense(10, activation=keras.activations.softmax))
    return model


def _bm_lessons_network(hidden_units, dropout_rate):
    return _dense_stack([256, 128, 64, 32], dropout_rate)


def _bm_appends_output(hidden_units, dropout_rate):
    import keras

    hidden_units.append(10)  # the output's size added to the caller's list
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden_units[:-1]:
        layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(dropout_rate)]
    return keras.Sequential([*layers, keras.layers.Dense(hidden_units[-1], activation="softmax")])


def _bm_other_noise(layer):
    def build(hidden_units, dropout_rate):
        import keras

        layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
        for units in hidden_units:
            layers += [
                keras.layers.Dense(units, activation="relu"),
                getattr(keras.layers, layer)(dropout_rate),
            ]
        return keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])

    return build


def _bm_dropout_on_pixels(hidden_units, dropout_rate):
    import keras

    model = _dense_stack(hidden_units, dropout_rate)
    return keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dropout(dropout_rate)]
        + model.layers[1:]
    )


def _bm_dropout_after_output(hidden_units, dropout_rate):
    import keras

    model = _dense_stack(hidden_units, dropout_rate)
    model.add(keras.layers.Dropout(dropout_rate))
    return model


def _bm_class(hidden_units, dropout_rate):
    import keras

    return keras.Sequential


BUILD_MODEL = [
    Case("reference", lambda h, r: _dense_stack(h, r), ACCEPTED),
    Case("Dense + ReLU + Dropout + Softmax layers", _bm_separate_layers, ACCEPTED),
    Case(
        "Dropout between Dense and Activation('relu'), Reshape", _bm_dropout_before_relu, ACCEPTED
    ),
    Case("model.add, no Input (built on first call)", _bm_add, ACCEPTED),
    Case("the lesson's 256-128-64-32, arguments ignored", _bm_lessons_network, r"hidden_units"),
    Case("hidden_units reversed", lambda h, r: _dense_stack(h[::-1], r), r"order|hidden_units"),
    Case("last hidden layer left out", lambda h, r: _dense_stack(h[:-1], r), r"hidden_units|units"),
    Case("no Dropout", lambda h, r: _dense_stack(h, r, dropout_after=()), r"no Dropout"),
    Case(
        "Dropout after the first hidden layer only",
        lambda h, r: _dense_stack(h, r, dropout_after=(0,)),
        r"exactly one|number 2",
    ),
    Case("Dropout after the output layer too", _bm_dropout_after_output, r"after the output"),
    Case("Dropout on the pixels too", _bm_dropout_on_pixels, r"before the first Dense|pixels"),
    Case(
        "Dropout(0.5) whatever the argument",
        lambda h, r: _dense_stack(h, r, rate=lambda _: 0.5),
        r"pass the argument",
    ),
    Case(
        "Dropout(1 - dropout_rate), the fraction kept",
        lambda h, r: _dense_stack(h, r, rate=lambda x: 1 - x),
        r"not the fraction kept",
    ),
    Case("GaussianDropout", _bm_other_noise("GaussianDropout"), r"Dropout"),
    Case("AlphaDropout", _bm_other_noise("AlphaDropout"), r"Dropout"),
    Case("no Flatten", lambda h, r: _dense_stack(h, r, flatten_at=None), r"Flatten"),
    Case(
        "Flatten after the first Dense", lambda h, r: _dense_stack(h, r, flatten_at=1), r"Flatten"
    ),
    Case("tanh in the hidden layers", lambda h, r: _dense_stack(h, r, hidden="tanh"), r"relu"),
    Case("no softmax at the end", lambda h, r: _dense_stack(h, r, out=None), r"softmax"),
    Case("9 output units", lambda h, r: _dense_stack(h, r, out_units=9), r"10"),
    Case(
        "Input of shape (784,)",
        lambda h, r: _dense_stack(h, r, input_shape=(784,)),
        r"28, 28|input",
    ),
    Case("the output's size appended to hidden_units", _bm_appends_output, r"in place"),
    Case("returns the class keras.Sequential", _bm_class, r"Sequential\(|instance|model"),
]


def _opt(name, **kwargs):
    import keras

    return getattr(keras.optimizers, name)(**kwargs)


def _opt_schedule():
    import keras

    return keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(1e-3, 1000, 0.5)
    )


def _opt_cosine_schedule():
    import keras

    return keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=5000)
    )


def _opt_class():
    import keras

    return keras.optimizers.Adam


MAKE_OPTIMIZER = [
    Case("reference", lambda: _opt("Adam", learning_rate=1e-3), ACCEPTED),
    Case("Adam() with its default", lambda: _opt("Adam"), ACCEPTED),
    Case("Adam(5e-4)", lambda: _opt("Adam", learning_rate=5e-4), ACCEPTED),
    Case("ExponentialDecay schedule", _opt_schedule, ACCEPTED),
    Case("CosineDecay schedule", _opt_cosine_schedule, ACCEPTED),
    Case("SGD", lambda: _opt("SGD", learning_rate=1e-3), r"Adam"),
    Case("RMSprop", lambda: _opt("RMSprop", learning_rate=1e-3), r"Adam"),
    Case(
        "AdamW", lambda: _opt("AdamW", learning_rate=1e-3), r"Adam\b|plain Adam|weight decay|AdamW"
    ),
    Case("learning rate 1", lambda: _opt("Adam", learning_rate=1.0), r"too (large|big|high)"),
    Case("learning rate 0.1", lambda: _opt("Adam", learning_rate=0.1), r"too (large|big|high)"),
    Case("learning rate 1e-6", lambda: _opt("Adam", learning_rate=1e-6), r"too (small|low)"),
    Case("negative learning rate", lambda: _opt("Adam", learning_rate=-1e-3), r"positive|negative"),
    Case("returns the class", _opt_class, r"Adam\(|instance|call"),
    Case("returns the string 'adam'", lambda: "adam", r"object|keras\.optimizers\.Adam"),
    Case("lr= (Keras 2 spelling)", lambda: _opt("Adam", lr=1e-3), r"learning_rate"),
]

# ----------------------------------------------------------------------------- lesson 06


def _conv(formula):
    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return formula(size, kernel_size, stride, padding)

    return conv_output_size


CONV_OUTPUT_SIZE = [
    Case("reference", _conv(lambda n, k, s, p: (n + 2 * p - k) // s + 1), ACCEPTED),
    Case("int() of a division", _conv(lambda n, k, s, p: int((n + 2 * p - k) / s) + 1), ACCEPTED),
    Case("math.floor", _conv(lambda n, k, s, p: math.floor((n + 2 * p - k) / s) + 1), ACCEPTED),
    Case(
        "ceil of (n - k + 1) / s", _conv(lambda n, k, s, p: -(-(n + 2 * p - k + 1) // s)), ACCEPTED
    ),
    Case("numpy integer", _conv(lambda n, k, s, p: np.int64((n + 2 * p - k) // s + 1)), ACCEPTED),
    Case("missing + 1", _conv(lambda n, k, s, p: (n + 2 * p - k) // s), r"add 1|one too few"),
    Case(
        "padding once, not twice",
        _conv(lambda n, k, s, p: (n + p - k) // s + 1),
        r"2 \* padding|both sides|each side",
    ),
    Case("no padding", _conv(lambda n, k, s, p: (n - k) // s + 1), r"padding"),
    Case(
        "true division (a float)",
        _conv(lambda n, k, s, p: (n + 2 * p - k) / s + 1),
        r"//|integer|whole",
    ),
    Case(
        "math.ceil",
        _conv(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
        r"ceil|round|floor|//",
    ),
    Case("round", _conv(lambda n, k, s, p: round((n + 2 * p - k) / s) + 1), r"ceil|round|floor|//"),
    Case("ignores stride", _conv(lambda n, k, s, p: n + 2 * p - k + 1), r"stride"),
    Case(
        "+ 1 inside the division",
        _conv(lambda n, k, s, p: (n + 2 * p - k + 1) // s),
        r"\+ 1|stride|outside",
    ),
    Case("minus padding", _conv(lambda n, k, s, p: (n - 2 * p - k) // s + 1), r"padding|adds|sign"),
    Case("plus kernel size", _conv(lambda n, k, s, p: (n + 2 * p + k) // s + 1), r"kernel"),
    Case(
        "stride and padding swapped",
        _conv(lambda n, k, s, p: (n + 2 * s - k) // p + 1),
        r"stride|padding|swap|order",
    ),
    Case("size // stride only", _conv(lambda n, k, s, p: n // s), r"kernel|formula"),
    Case(
        "2 * padding added after the division",
        lambda size, kernel_size, stride, padding: (size - kernel_size) // stride + 1 + 2 * padding,
        r"after dividing",
    ),
    Case(
        "counts the window positions with range",
        lambda size, kernel_size, stride, padding: len(
            range(0, size + 2 * padding - kernel_size + 1, stride)
        ),
        ACCEPTED,
    ),
]


def _db(dout, x, w):
    return dout.sum(axis=0)


def _dense_variant(dx=None, dw=None, db=None, order=("dx", "dw", "db")):
    def dense_backward(dout, x, w):
        grads = {
            "dx": dout @ w.T if dx is None else dx(dout, x, w),
            "dw": x.T @ dout if dw is None else dw(dout, x, w),
            "db": dout.sum(axis=0) if db is None else db(dout, x, w),
        }
        return tuple(grads[name] for name in order)

    return dense_backward


def _dense_cache(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def _dense_inplace(dout, x, w):
    dout /= len(x)
    return dout @ w.T * len(x), x.T @ dout * len(x), dout.sum(axis=0) * len(x)


def _dense_backward_cache_swapped(dout, cache):
    w, x = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def _dense_backward_scales_w_in_place(dout, cache):
    x, w = cache
    w *= 2  # changes the layer's weights, which the cache shares
    return dout @ (w / 2).T, x.T @ dout, dout.sum(axis=0)


DENSE_BACKWARD = [
    Case("reference", _dense_variant(), ACCEPTED),
    Case("cache signature (dout, cache)", _dense_cache, ACCEPTED),
    Case(
        "np.dot and einsum",
        _dense_variant(
            dx=lambda d, x, w: np.dot(d, w.T), dw=lambda d, x, w: np.einsum("nd,nm->dm", x, d)
        ),
        ACCEPTED,
    ),
    Case("returns a list", lambda d, x, w: [d @ w.T, x.T @ d, d.sum(axis=0)], ACCEPTED),
    Case("(dw, dx, db) order", _dense_variant(order=("dw", "dx", "db")), r"order"),
    Case("(dx, db, dw) order", _dense_variant(order=("dx", "db", "dw")), r"order"),
    Case("dx = dout @ w (no transpose)", _dense_variant(dx=lambda d, x, w: d @ w), r"transpos"),
    Case(
        "dw = dout.T @ x (transposed)",
        _dense_variant(dw=lambda d, x, w: d.T @ x),
        r"\bdw\b.*(transpos|x\.T)|x\.T",
    ),
    Case(
        "dw from batch sums (outer product)",
        _dense_variant(dw=lambda d, x, w: np.outer(x.sum(axis=0), d.sum(axis=0))),
        r"\bdw\b",
    ),
    Case("db mean over the batch", _dense_variant(db=lambda d, x, w: d.mean(axis=0)), r"sum|mean"),
    Case("db over axis 1", _dense_variant(db=lambda d, x, w: d.sum(axis=1)), r"axis|shape"),
    Case("db a single number", _dense_variant(db=lambda d, x, w: d.sum()), r"axis|shape"),
    Case(
        "db with keepdims (1, M)",
        _dense_variant(db=lambda d, x, w: d.sum(axis=0, keepdims=True)),
        r"shape|keepdims",
    ),
    Case("dw divided by N", _dense_variant(dw=lambda d, x, w: x.T @ d / len(x)), r"divide|N\b|sum"),
    Case(
        "dx with a ReLU mask",
        _dense_variant(dx=lambda d, x, w: (d @ w.T) * (x > 0)),
        r"\bdx\b|ReLU",
    ),
    Case(
        "dx divided by N", _dense_variant(dx=lambda d, x, w: d @ w.T / len(x)), r"\bdx\b|divide|N\b"
    ),
    Case("returns dx, dw only", lambda d, x, w: (d @ w.T, x.T @ d), r"three|\(dx, dw, db\)"),
    Case("divides dout in place", _dense_inplace, r"chang|in place|modif"),
    Case(
        "the course's own layers.dense_backward",
        lambda d, x, w: _course("layers").dense_backward(d, (x, w)),
        r"switched off",
    ),
    Case("unpacks the cache as w, x", _dense_backward_cache_swapped, r"x, w = cache"),
    Case(
        "changes w inside the cache in place", _dense_backward_scales_w_in_place, r"in place.*cache"
    ),
]

# ----------------------------------------------------------------------------- lesson 07


def _pr_ref(cm):
    tp = np.diag(cm).astype(float)
    predicted, present = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, present, out=np.zeros_like(tp), where=present > 0)
    return precision, recall


def _pr_loop(cm):
    k = len(cm)
    precision, recall = [], []
    for i in range(k):
        column, row = sum(cm[j][i] for j in range(k)), sum(cm[i])
        precision.append(cm[i][i] / column if column else 0.0)
        recall.append(cm[i][i] / row if row else 0.0)
    return precision, recall


def _pr_naive(cm):
    tp = np.diag(cm)
    return tp / cm.sum(axis=0), tp / cm.sum(axis=1)


def _pr_nan_to_num(cm):
    tp = np.diag(cm)
    return np.nan_to_num(tp / cm.sum(axis=0)), np.nan_to_num(tp / cm.sum(axis=1))


def _pr_errstate(cm):
    tp = np.diag(cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(tp / cm.sum(axis=0)), np.nan_to_num(tp / cm.sum(axis=1))


def _pr_inplace(cm):
    cm[cm == 0] = 1  # avoid dividing by 0
    tp = np.diag(cm)
    return tp / cm.sum(axis=0), tp / cm.sum(axis=1)


PRECISION_RECALL = [
    Case("reference", _pr_ref, ACCEPTED),
    Case("loops and lists", _pr_loop, ACCEPTED),
    Case("errstate + nan_to_num", _pr_errstate, ACCEPTED),
    Case(
        "tp / max(count, 1)",
        lambda cm: (
            np.diag(cm) / np.maximum(cm.sum(axis=0), 1),
            np.diag(cm) / np.maximum(cm.sum(axis=1), 1),
        ),
        ACCEPTED,
    ),
    Case(
        "tiny epsilon",
        lambda cm: (np.diag(cm) / (cm.sum(axis=0) + 1e-12), np.diag(cm) / (cm.sum(axis=1) + 1e-12)),
        ACCEPTED,
    ),
    Case("precision and recall swapped", lambda cm: _pr_ref(cm)[::-1], r"swap|column|row|axis"),
    Case(
        "both over rows",
        lambda cm: (_pr_ref(cm)[1], _pr_ref(cm)[1]),
        r"precision.*column|column|axis=0",
    ),
    Case(
        "both over columns", lambda cm: (_pr_ref(cm)[0], _pr_ref(cm)[0]), r"recall.*row|row|axis=1"
    ),
    Case(
        "no zero handling: nan and a warning",
        _pr_naive,
        r"0/0|never predicted|never present|nan|warning|divide",
    ),
    Case("nan_to_num after the warning", _pr_nan_to_num, r"warning|divide|0/0"),
    Case(
        "divides by the total",
        lambda cm: (np.diag(cm) / cm.sum(), np.diag(cm) / cm.sum()),
        r"column|row|total",
    ),
    Case(
        "Laplace +1",
        lambda cm: (np.diag(cm) / (cm.sum(axis=0) + 1), np.diag(cm) / (cm.sum(axis=1) + 1)),
        r"\+ 1|count|exact",
    ),
    Case(
        "returns F1 twice",
        lambda cm: (2 * np.diag(cm) / (cm.sum(axis=0) + cm.sum(axis=1) + 1e-12),) * 2,
        r"precision|recall",
    ),
    Case(
        "macro averages",
        lambda cm: tuple(float(np.mean(a)) for a in _pr_ref(cm)),
        r"shape|per class|\(K,\)",
    ),
    Case(
        "keepdims row sums",
        lambda cm: (_pr_ref(cm)[0], np.diag(cm) / np.maximum(cm.sum(axis=1, keepdims=True), 1)),
        r"shape|\(K,\)",
    ),
    Case(
        "list of (p, r) pairs",
        lambda cm: list(zip(*_pr_ref(cm))),
        r"two arrays|\(precision, recall\)|shape",
    ),
    Case(
        "tp from the first row",
        lambda cm: (cm[0] / np.maximum(cm.sum(axis=0), 1), cm[0] / np.maximum(cm.sum(axis=1), 1)),
        r"diagonal|np\.diag|true positive",
    ),
    Case("changes cm in place", _pr_inplace, r"chang|in place|modif"),
]


def _topk_ref(y_true, probs, k):
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(np.mean(np.any(top == y_true[:, None], axis=1)))


def _topk_slice(slicer):
    def top_k_accuracy(y_true, probs, k):
        top = slicer(np.argsort(probs, axis=1), k)
        return float(np.mean(np.any(top == y_true[:, None], axis=1)))

    return top_k_accuracy


def _topk_rank(y_true, probs, k):
    true_prob = probs[np.arange(len(y_true)), y_true]
    return float(np.mean((probs > true_prob[:, None]).sum(axis=1) < k))


def _topk_loop(y_true, probs, k):
    hits = 0
    for label, row in zip(y_true, probs):
        hits += label in sorted(range(len(row)), key=lambda c: row[c], reverse=True)[:k]
    return hits / len(y_true)


def _topk_sort_inplace(y_true, probs, k):
    order = np.argsort(probs, axis=1)
    probs.sort(axis=1)
    return float(np.mean(np.any(order[:, -k:] == y_true[:, None], axis=1)))


def _topk_no_newaxis(y_true, probs, k):
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(np.mean(np.any(top == y_true, axis=1)))


def _topk_values(y_true, probs, k):
    top = np.sort(probs, axis=1)[:, -k:]
    return float(np.mean(np.any(top == y_true[:, None], axis=1)))


TOP_K_ACCURACY = [
    Case("reference", _topk_ref, ACCEPTED),
    Case("argsort of -probs", _topk_slice(lambda order, k: order[:, ::-1][:, :k]), ACCEPTED),
    Case(
        "argpartition",
        lambda y, p, k: float(
            np.mean(np.any(np.argpartition(-p, k - 1, axis=1)[:, :k] == y[:, None], axis=1))
        ),
        ACCEPTED,
    ),
    Case("rank of the true class", _topk_rank, ACCEPTED),
    Case("loop over rows", _topk_loop, ACCEPTED),
    Case(
        "the k smallest ([:, :k])",
        _topk_slice(lambda order, k: order[:, :k]),
        r"smallest|ascending|largest",
    ),
    Case(
        "off by one ([:, -k-1:])",
        _topk_slice(lambda order, k: order[:, -k - 1 :]),
        r"k\b|one too many|k \+ 1",
    ),
    Case("off by one ([:, -k+1:])", _topk_slice(lambda order, k: order[:, -k + 1 :]), r"k\b|-k"),
    Case(
        "argsort over axis 0",
        lambda y, p, k: float(np.mean(np.any(np.argsort(p, axis=0)[:, -k:] == y[:, None], axis=1))),
        r"axis|row",
    ),
    Case("ignores k (argmax)", lambda y, p, k: float(np.mean(np.argmax(p, axis=1) == y)), r"\bk\b"),
    Case("k hard-coded to 3", lambda y, p, k: _topk_ref(y, p, 3), r"\bk\b"),
    Case("no y_true[:, None]", _topk_no_newaxis, r"\[:, None\]|broadcast|column"),
    Case(
        "returns the count",
        lambda y, p, k: float(np.sum(np.any(np.argsort(p, axis=1)[:, -k:] == y[:, None], axis=1))),
        r"fraction|count|divide",
    ),
    Case(
        "returns a percentage",
        lambda y, p, k: 100 * _topk_ref(y, p, k),
        r"fraction|percent|between 0 and 1",
    ),
    Case("compares probabilities with labels", _topk_values, r"argsort|indices|probabilit"),
    Case("sorts probs in place", _topk_sort_inplace, r"chang|in place|modif"),
    Case(
        "the course's own metrics.top_k_accuracy",
        lambda y, p, k: _course("metrics").top_k_accuracy(y, p, k=k),
        r"switched off",
    ),
]

# ----------------------------------------------------------------------------- lesson 08


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

# ----------------------------------------------------------------------------- lesson 09


def _td_inplace(answer, k):
    probabilities = answer["probabilities"]
    probabilities.sort(reverse=True)
    return [(probabilities.index(p), p) for p in probabilities[:k]]


def _td_pop_max(answer, k):
    probabilities = answer["probabilities"]
    out = []
    for _ in range(k):
        best = max(range(len(probabilities)), key=lambda d: probabilities[d])
        out.append((best, probabilities[best]))
        probabilities[best] = -1.0
    return out


def _td_heapq(answer, k):
    import heapq

    return heapq.nlargest(k, enumerate(answer["probabilities"]), key=lambda pair: pair[1])


TOP_DIGITS = [
    Case(
        "reference",
        lambda a, k: [
            (d, a["probabilities"][d])
            for d in sorted(range(10), key=lambda d: a["probabilities"][d], reverse=True)[:k]
        ],
        ACCEPTED,
    ),
    Case(
        "sorted(enumerate(...))",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k],
        ACCEPTED,
    ),
    Case(
        "np.argsort reversed",
        lambda a, k: [
            (int(d), float(a["probabilities"][d])) for d in np.argsort(a["probabilities"])[::-1][:k]
        ],
        ACCEPTED,
    ),
    Case("heapq.nlargest", _td_heapq, ACCEPTED),
    Case(
        "lists instead of tuples",
        lambda a, k: [
            [d, p] for d, p in sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]
        ],
        ACCEPTED,
    ),
    Case(
        "least likely first",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: t[1])[:k],
        r"most likely first|largest|reverse",
    ),
    Case(
        "top k, but ascending",
        lambda a, k: sorted(
            sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k], key=lambda t: t[1]
        ),
        r"most likely first|order|reverse",
    ),
    Case(
        "digits only",
        lambda a, k: [d for d, _ in sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]],
        r"pairs|\(digit, probability\)",
    ),
    Case(
        "(probability, digit) pairs",
        lambda a, k: [
            (p, d) for d, p in sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]
        ],
        r"\(digit, probability\)|order|swap",
    ),
    Case(
        "k + 1 pairs",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[: k + 1],
        r"\bk\b",
    ),
    Case(
        "k - 1 pairs",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[: k - 1],
        r"\bk\b",
    ),
    Case(
        "ignores k (3)",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:3],
        r"\bk\b",
    ),
    Case(
        "sorted by digit",
        lambda a, k: list(enumerate(a["probabilities"]))[:k],
        r"probabilit|most likely",
    ),
    Case(
        "the answer's digit only",
        lambda a, k: [(a["digit"], a["probabilities"][a["digit"]])],
        r"\bk\b",
    ),
    Case(
        "a dict",
        lambda a, k: dict(sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]),
        r"list",
    ),
    Case("sorts the answer's list in place", _td_inplace, r"chang|in place|modif"),
    Case("overwrites the best with -1", _td_pop_max, r"chang|in place|modif"),
]


CATALOGUE = {
    ("lesson01", "mse_gradient"): MSE_GRADIENT,
    ("lesson01", "gradient_descent_step"): GRADIENT_DESCENT_STEP,
    ("lesson02", "relu_derivative"): RELU_DERIVATIVE,
    ("lesson02", "sigmoid_derivative"): SIGMOID_DERIVATIVE,
    ("lesson02", "stable_softmax"): STABLE_SOFTMAX,
    ("lesson03", "one_hot"): ONE_HOT,
    ("lesson03", "cross_entropy_from_logits"): CROSS_ENTROPY_FROM_LOGITS,
    ("lesson03", "cross_entropy_gradient"): CROSS_ENTROPY_GRADIENT,
    ("lesson04", "cross_entropy"): CROSS_ENTROPY_TF,
    ("lesson04", "train_step"): TRAIN_STEP,
    ("lesson05", "build_model"): BUILD_MODEL,
    ("lesson05", "make_optimizer"): MAKE_OPTIMIZER,
    ("lesson06", "conv_output_size"): CONV_OUTPUT_SIZE,
    ("lesson06", "dense_backward"): DENSE_BACKWARD,
    ("lesson07", "precision_recall"): PRECISION_RECALL,
    ("lesson07", "top_k_accuracy"): TOP_K_ACCURACY,
    ("lesson08", "ink_bright"): INK_BRIGHT,
    ("lesson08", "centre_of_mass"): CENTRE_OF_MASS,
    ("lesson09", "top_digits"): TOP_DIGITS,
}
