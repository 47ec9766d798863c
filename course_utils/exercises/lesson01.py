"""Exercises of lesson 01: the gradient of the mean squared error, and one step of descent.

* ``mse_gradient``: ``fn(x: (N,), y: (N,), w: float, b: float) -> (dw, db)``, the
  gradient of mean((w x + b - y)^2).
* ``gradient_descent_step``: ``fn(x, y, w, b, learning_rate) -> (w_new, b_new)``.

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
    error = w * x + b - y  # y_hat - y, shape (N,)
    dw = 2 * np.mean(error * x)
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
    error = w * x + b - y
    dw = 2 * np.mean(error * x)
    db = 2 * np.mean(error)
    return w - learning_rate * dw, b - learning_rate * db


EXERCISES = (mse_gradient, gradient_descent_step)

__all__ = ["EXERCISES", "gradient_descent_step", "mse_gradient"]
