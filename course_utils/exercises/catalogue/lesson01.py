"""Plausible answers, right and wrong, to the exercises of lesson 01 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case


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
    Case(
        "per-example gradient, not averaged",
        lambda x, y, w, b: (2 * (w * x + b - y) * x, 2 * (w * x + b - y)),
        r"Average over the examples",
    ),
    Case(
        "db without its factor 2",
        lambda x, y, w, b: (2 * np.mean((w * x + b - y) * x), np.mean(w * x + b - y)),
        r"dw is right",
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
    Case("returns w and b unchanged", lambda x, y, w, b, learning_rate: (w, b), r"did not change"),
]


CATALOGUE = {
    ("lesson01", "mse_gradient"): MSE_GRADIENT,
    ("lesson01", "gradient_descent_step"): GRADIENT_DESCENT_STEP,
}
