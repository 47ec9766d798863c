"""Exercises of lesson 01: the gradient of the mean squared error, one step of descent, and
the gradient of another loss that the lesson does not derive.

* ``mse_gradient``: ``fn(x: (N,), y: (N,), w: float, b: float) -> (dw, db)``, the
  gradient of mean((w x + b - y)^2).
* ``gradient_descent_step``: ``fn(x, y, w, b, learning_rate) -> (w_new, b_new)``.
* ``mae_gradient``: ``fn(x: (N,), y: (N,), w: float, b: float) -> (dw, db)``, the
  gradient of the mean absolute error mean(|w x + b - y|), with slope 0 where an error is 0.

Taught in notebooks/01_linear_regression_gd.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise

# Two small data sets, so that an answer cannot be right by coincidence.
CASES = (
    (np.array([-1.0, 0.5, 2.0, 3.0]), np.array([-2.5, 0.2, 3.1, 5.2]), 0.5, 0.2),
    (np.array([0.0, 1.0, 1.5, 2.5, 4.0]), np.array([1.0, 0.5, -0.5, -1.0, -3.5]), -0.3, 0.8),
)


def _pair(value, what: str) -> tuple[float, float]:
    """The learner's (a, b): two numbers, or a Hint that says what arrived."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise Hint(f"return two numbers, {what}, e.g. `return dw, db`; got {value!r:.80}.")
    pair = []
    for part in value:
        array = np.asarray(part, dtype=float)
        if array.size != 1:
            raise Hint(
                f"{what} should be two single numbers, but one of them has shape {array.shape}: "
                "one value per example. Average over the examples with np.mean."
            )
        pair.append(float(array.reshape(())))
    return pair[0], pair[1]


def _close(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


# --- the MSE gradient ---------------------------------------------------------------------


def _check_mse_gradient(fn):
    for x, y, w, b in CASES:
        expected = np.array(mse_gradient.reference(x, y, w, b))
        got = np.array(_pair(fn(x.copy(), y.copy(), w, b), "(dw, db)"))
        if _close(got, expected):
            continue
        if _close(got, expected[::-1]):
            raise Hint("dw and db are swapped: return them in the order (dw, db).")
        if _close(got, -expected):
            raise Hint(
                "the gradient has the wrong sign: the error is the prediction minus the target, y_hat - y = w * x + b - y."
            )
        if _close(got, expected / 2):
            raise Hint(
                "both values are half the gradient: the derivative of error**2 is 2 * error, keep the factor 2."
            )
        if _close(got, expected * len(x)):
            raise Hint(
                f"both values are {len(x)} times too large for {len(x)} points: the loss is a mean, so use np.mean, not np.sum."
            )
        if _close(got, expected * len(x) / (len(x) - 1)):
            raise Hint(
                f"both values are N / (N - 1) times too large: you divided the sum by N - 1 = {len(x) - 1}; the loss is a mean over all N = {len(x)} points, np.mean."
            )
        if _close(got[1], expected[1]) and _close(got[0], expected[1]):
            raise Hint(
                "dw equals db: dw needs the chain-rule factor x, dw = 2 * mean((y_hat - y) * x)."
            )
        if _close(got[1], expected[1]):
            raise Hint(
                f"db is right but dw is not (expected {expected[0]:.4f}, got {got[0]:.4f}): dw = 2 * mean((y_hat - y) * x)."
            )
        if _close(got[0], expected[0]):
            raise Hint(
                f"dw is right but db is not (expected {expected[1]:.4f}, got {got[1]:.4f}): db = 2 * mean(y_hat - y)."
            )
        raise Hint(
            f"for x = {x.tolist()}, y = {y.tolist()}, w = {w}, b = {b} the gradient is "
            f"(dw, db) = ({expected[0]:.4f}, {expected[1]:.4f}), got ({got[0]:.4f}, {got[1]:.4f}). "
            "Start from the error y_hat - y = w * x + b - y."
        )


@exercise(
    _check_mse_gradient,
    task="Write mse_gradient(x, y, w, b) returning (dw, db), the gradient of mean((w * x + b - y)**2).",
)
def mse_gradient(x, y, w, b):
    # x and y have shape (N,); w and b are single numbers, so the arithmetic is entry by entry.
    error = w * x + b - y  # e_i = y_hat_i - y_i, shape (N,): prediction minus target
    # The loss is (1/N) sum e_i**2. Chain rule: d(e**2)/de = 2e, and de/dw = x, de/db = 1.
    # The 1/N of the mean stays in front, so each gradient is a mean too (np.mean divides by N).
    dw = 2 * np.mean(error * x)  # (N,) * (N,) pairwise, then averaged: one number
    db = 2 * np.mean(error)
    return dw, db


# --- one step of gradient descent ---------------------------------------------------------


def _check_gradient_descent_step(fn):
    learning_rate = 0.1
    for x, y, w, b in CASES:
        expected = np.array(gradient_descent_step.reference(x, y, w, b, learning_rate))
        got = np.array(_pair(fn(x.copy(), y.copy(), w, b, learning_rate), "(w_new, b_new)"))
        if _close(got, expected):
            continue
        gradient = np.array(mse_gradient.reference(x, y, w, b))
        start = np.array([w, b])
        if _close(got, expected[::-1]):
            raise Hint("w and b are swapped: return them in the order (w_new, b_new).")
        if _close(got, gradient):
            raise Hint(
                "you returned the gradient (dw, db); return the new parameters, w - learning_rate * dw and b - learning_rate * db."
            )
        if _close(got, start + learning_rate * gradient):
            raise Hint(
                "you stepped uphill: the gradient points to where the loss grows, so subtract it, w - learning_rate * dw."
            )
        if _close(got, start - gradient):
            raise Hint(
                "the step ignores the learning rate: multiply the gradient by learning_rate before subtracting it."
            )
        if _close(got, start):
            raise Hint("w and b did not change: subtract learning_rate * gradient from each.")
        w_new = w - learning_rate * gradient[0]
        if _close(got[0], w_new) and _close(
            got[1], b - learning_rate * mse_gradient.reference(x, y, w_new, b)[1]
        ):
            raise Hint(
                "b was updated with the gradient at the new w: compute both gradients at the old (w, b) first, then update both."
            )
        raise Hint(
            f"for x = {x.tolist()}, y = {y.tolist()}, w = {w}, b = {b} and learning rate {learning_rate} "
            f"the new (w, b) is ({expected[0]:.4f}, {expected[1]:.4f}), got ({got[0]:.4f}, {got[1]:.4f})."
        )


@exercise(
    _check_gradient_descent_step,
    task="Write gradient_descent_step(x, y, w, b, learning_rate) returning the new (w, b) after one step.",
)
def gradient_descent_step(x, y, w, b, learning_rate):
    # Both gradients are taken at the old (w, b), before either parameter moves.
    error = w * x + b - y  # shape (N,)
    dw = 2 * np.mean(error * x)
    db = 2 * np.mean(error)
    # The gradient points uphill, so step against it; the learning rate sets how far.
    return w - learning_rate * dw, b - learning_rate * db


# --- the gradient of the mean absolute error ----------------------------------------------

# The first case has no error exactly 0 (and its errors are not half positive, half negative, so
# that a slope's mean is not 0 by chance); in the second, the error at x = 2 is exactly 0.
MAE_CASES = (
    (np.array([-1.0, 0.5, 2.0, 3.0]), np.array([-2.5, 0.3, 0.9, 5.2]), 0.5, 0.2),
    (np.array([-1.0, 0.5, 2.0, 3.0]), np.array([-2.5, 0.2, 1.25, 5.2]), 0.5, 0.25),
)


def _check_mae_gradient(fn):
    x, y, w, b = MAE_CASES[0]
    n = len(x)
    expected = np.array(mae_gradient.reference(x, y, w, b))
    got = np.array(_pair(fn(x.copy(), y.copy(), w, b), "(dw, db)"))
    if not _close(got, expected):
        error = w * x + b - y
        named = {
            "dw and db are swapped: return them in the order (dw, db).": expected[::-1],
            "the gradient has the wrong sign: the error is the prediction minus the target, "
            "e = w * x + b - y, and the slope of |e| is +1 where e > 0.": -expected,
            "both values are twice the gradient: the factor 2 of the mean squared error came from the square, "
            "and |e| has no square; its slope is +1 or -1.": 2 * expected,
            f"both values are {n} times too large for {n} points: the loss is a mean, so use np.mean, not np.sum.": n
            * expected,
            f"both values are N / (N - 1) times too large: you divided by N - 1 = {n - 1}; the loss is a mean "
            f"over all N = {n} points, np.mean.": expected * n / (n - 1),
            "that is the gradient of the mean squared error (or half of it): the error itself multiplies x. "
            "The slope of |e| does not grow with the error: it is +1 where e > 0 and -1 where e < 0.": (
                2 * np.mean(error * x),
                2 * np.mean(error),
            ),
            "that is half the mean squared error's gradient, mean(e * x) and mean(e): the error itself multiplies x. "
            "The slope of |e| does not grow with the error: it is +1 where e > 0 and -1 where e < 0.": (
                np.mean(error * x),
                np.mean(error),
            ),
            "|e| is the loss of each point, not its slope: the slope of |e| is +1 where e > 0 and -1 where e < 0, "
            "whatever the size of e.": (np.mean(np.abs(error) * x), np.mean(np.abs(error))),
            "np.clip(e, -1, 1) keeps small errors as they are, but the slope of |e| is +1 or -1 however small the "
            "error: only its sign counts.": (
                np.mean(np.clip(error, -1, 1) * x),
                np.mean(np.clip(error, -1, 1)),
            ),
            "you returned the loss mean(|e|), twice: return its gradient (dw, db).": (
                np.mean(np.abs(error)),
            )
            * 2,
            "the prediction is w * x + b: the error without b, w * x - y, is measured from another line.": np.array(
                mae_gradient.reference(x, y, w, 0.0)
            ),
            "dw equals db: dw needs the chain-rule factor x, because de/dw = x (as for the squared error).": (
                expected[1],
                expected[1],
            ),
            "dw took the sign of the product e * x: the chain rule multiplies the slope of |e| (the sign of e alone) "
            "by de/dw = x, so x keeps its size and its own sign.": (
                np.mean(np.sign(error * x)),
                expected[1],
            ),
        }
        for hint, wrong in named.items():
            if _close(got, np.array(wrong, dtype=float)):
                raise Hint(hint)
        if _close(got[1], expected[1]):
            raise Hint(
                f"db is right but dw is not (expected {expected[0]:.4f}, got {got[0]:.4f}): dw averages, over the "
                "points, the slope of |e| times de/dw = x, one product per point."
            )
        if _close(got[0], expected[0]):
            raise Hint(
                f"dw is right but db is not (expected {expected[1]:.4f}, got {got[1]:.4f}): de/db = 1, so db is "
                "the mean of the slopes of |e| alone."
            )
        raise Hint(
            f"for x = {x.tolist()}, y = {y.tolist()}, w = {w}, b = {b} the gradient is "
            f"(dw, db) = ({expected[0]:.4f}, {expected[1]:.4f}), got ({got[0]:.4f}, {got[1]:.4f}). "
            "Start from the error e = w * x + b - y and the slope of |e| on each side of 0."
        )
    x, y, w, b = MAE_CASES[1]
    expected = np.array(mae_gradient.reference(x, y, w, b))
    got = np.array(_pair(fn(x.copy(), y.copy(), w, b), "(dw, db)"))
    if _close(got, expected):
        return
    where = f"for x = {x.tolist()}, y = {y.tolist()}, w = {w}, b = {b} the error of the point x = 2 is exactly 0"
    if np.any(np.isnan(got)):
        raise Hint(
            f"{where}, and your gradient is {got.tolist()}: e / |e| is 0 / 0 = nan there. Give that point "
            "slope 0 (np.sign(0) is 0), or compare: (e > 0) and (e < 0)."
        )
    error = w * x + b - y
    for at_zero in (1.0, -1.0):
        slope = np.where(error == 0, at_zero, np.sign(error))
        if _close(got, (np.mean(slope * x), np.mean(slope))):
            raise Hint(
                f"{where}, and you gave it slope {at_zero:+.0f}: |e| has a corner at 0 and no slope there; "
                "use 0, as TensorFlow does (np.sign(0) is 0; e > 0 and e >= 0 differ exactly there)."
            )
    raise Hint(
        f"{where}; the gradient is ({expected[0]:.4f}, {expected[1]:.4f}), got ({got[0]:.4f}, {got[1]:.4f}). "
        "Right without an error of 0, wrong with one: give that point slope 0."
    )


@exercise(
    _check_mae_gradient,
    task="Write mae_gradient(x, y, w, b) returning (dw, db), the gradient of mean(|w * x + b - y|), "
    "with slope 0 where an error is exactly 0.",
    switched_off=("tensorflow.GradientTape",),
)
def mae_gradient(x, y, w, b):
    # x and y have shape (N,); the loss is L = (1/N) sum |e_i| with e_i = w * x_i + b - y_i.
    error = w * x + b - y  # shape (N,), prediction minus target, as for the squared error
    # |e| is a V: slope -1 left of 0, +1 right of 0, whatever the size of e (no factor 2, no e).
    # At exactly 0 it has a corner; np.sign gives 0 there, the value TensorFlow uses too.
    slope = np.sign(error)  # shape (N,), entries -1, 0 or +1
    # Chain rule as in section 4: de/dw = x and de/db = 1; the 1/N of the mean stays, hence np.mean.
    dw = np.mean(slope * x)
    db = np.mean(slope)
    return dw, db


EXERCISES = (mse_gradient, gradient_descent_step, mae_gradient)

__all__ = ["EXERCISES", "gradient_descent_step", "mae_gradient", "mse_gradient"]
