"""Exercises of lesson 02: a softmax that never overflows, and two derivatives.

* ``stable_softmax``: ``fn(z: (N, C)) -> (N, C)``, each row a probability
  distribution, finite even for scores of 1000.
* ``relu_derivative``: ``fn(z: any shape) -> same shape``, 1 where z > 0, else 0.
* ``sigmoid_derivative``: ``fn(z: any shape) -> same shape``, s (1 - s) with s = sigmoid(z).

Taught in notebooks/02_activations.ipynb.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from . import Exercise, Hint, as_array


def _call(fn, *args):
    """Call the learner's function with numpy's warnings off: the checks look at the result."""
    with np.errstate(all="ignore"):
        try:
            return fn(*args)
        except ValueError as error:
            if "broadcast" in str(error):
                raise Hint(
                    f"the shapes did not broadcast ({error}): keep the reduced axis, e.g. "
                    "np.max(z, axis=1, keepdims=True), so that a (N, C) array minus a (N, 1) array works."
                ) from error
            raise


# --- a stable softmax ---------------------------------------------------------------------


def stable_softmax(z):
    shifted = z - np.max(z, axis=1, keepdims=True)  # the largest score of each row becomes 0
    exp_z = np.exp(shifted)  # every value in (0, 1]: no overflow
    return exp_z / np.sum(exp_z, axis=1, keepdims=True)


def _check_stable_softmax(fn):
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    got = as_array(_call(fn, z.copy()), z.shape, "stable_softmax")
    if np.allclose(got.sum(axis=0), 1.0) and not np.allclose(got.sum(axis=1), 1.0):
        raise Hint("wrong axis: each row should sum to 1, but your columns do. Use axis=1 (or axis=-1) with keepdims=True.")
    if np.isclose(got.sum(), 1.0) and not np.allclose(got.sum(axis=1), 1.0):
        raise Hint("the whole array sums to 1, but each row should: divide by the sum of each row, np.sum(..., axis=1, keepdims=True).")
    if not np.allclose(got.sum(axis=1), 1.0):
        raise Hint(f"each row should sum to 1, yours sum to {np.round(got.sum(axis=1), 4).tolist()}: divide exp(z) by its row sum.")
    expected = stable_softmax_exercise.reference(z)
    if not np.allclose(got, expected, atol=1e-6):
        raise Hint(
            f"for z = {z.tolist()} the softmax is {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}. "
            "softmax(z) = exp(z) / sum(exp(z)) along each row; check keepdims=True when you subtract or divide."
        )
    square = np.array([[0.0, 1.0, 2.0], [5.0, 0.0, 0.0], [1.0, 1.0, 4.0]])
    got = as_array(_call(fn, square.copy()), square.shape, "stable_softmax")
    if not np.allclose(got, stable_softmax_exercise.reference(square), atol=1e-6):
        raise Hint(
            "right on a 2 x 3 input but wrong on a 3 x 3 one: a row maximum without keepdims=True has shape (N,) "
            "and is subtracted along the wrong axis. Use np.max(z, axis=1, keepdims=True)."
        )
    large = np.array([[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0]])
    got = as_array(_call(fn, large.copy()), large.shape, "stable_softmax")
    if not np.all(np.isfinite(got[0])):
        raise Hint(
            "your softmax overflowed for logits of 1000: subtract the row maximum first, softmax(z) = softmax(z - max(z)). "
            f"exp(1000) is inf in floating point, and inf / inf gave {got[0].tolist()}."
        )
    if not np.all(np.isfinite(got[1])):
        raise Hint(
            "the row [0, 1, 2] gave nan next to a row of scores near 1000: you subtracted the maximum of the whole "
            "array, so exp(0 - 1002) underflowed to 0 and 0 / 0 = nan. Subtract each row's own maximum, "
            "np.max(z, axis=1, keepdims=True)."
        )
    if not np.allclose(got, stable_softmax_exercise.reference(large), atol=1e-6):
        raise Hint(f"for z = {large.tolist()} the softmax is {np.round(stable_softmax_exercise.reference(large), 4).tolist()}, got {np.round(got, 4).tolist()}.")


stable_softmax_exercise = Exercise(
    "stable_softmax",
    _check_stable_softmax,
    stable_softmax,
    task="Write stable_softmax(z) for scores z of shape (N, C): each row becomes probabilities summing to 1, "
    "without overflowing for scores such as 1000.",
)


# --- the ReLU derivative ------------------------------------------------------------------


def relu_derivative(z):
    return (z > 0).astype(float)  # the slope: 1 where z > 0, 0 elsewhere (at 0 too)


def _check_relu_derivative(fn):
    z = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -7.0]])
    got = as_array(_call(fn, z.copy()), z.shape, "relu_derivative")
    expected = relu_derivative_exercise.reference(z)
    if np.allclose(got, expected):
        return
    if np.allclose(got, activations.relu(z)):
        raise Hint("that is ReLU itself, max(0, z); its derivative is the slope: 1 where z > 0, else 0.")
    if np.allclose(got, np.sign(z)):
        raise Hint("for negative z ReLU is flat (always 0), so its slope there is 0, not -1.")
    if np.allclose(got, (z >= 0).astype(float)):
        raise Hint("at exactly z = 0 use slope 0 (z > 0, not z >= 0), the convention TensorFlow follows.")
    raise Hint(f"for z = {z.tolist()} the ReLU derivative is {expected.tolist()}, got {got.tolist()}.")


relu_derivative_exercise = Exercise(
    "relu_derivative",
    _check_relu_derivative,
    relu_derivative,
    task="Write relu_derivative(z): the slope of ReLU at every entry of z (same shape), with 0 at z = 0.",
)


# --- the sigmoid derivative ---------------------------------------------------------------


def sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))  # sigmoid; the clip keeps exp() finite
    return s * (1 - s)


def _check_sigmoid_derivative(fn):
    z = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    got = as_array(_call(fn, z.copy()), z.shape, "sigmoid_derivative")
    expected = sigmoid_derivative_exercise.reference(z)
    s = activations.sigmoid(z)
    if not np.allclose(got, expected, atol=1e-9):
        if np.allclose(got, s):
            raise Hint("that is the sigmoid itself; its derivative is s * (1 - s) with s = sigmoid(z).")
        if np.allclose(got, z * (1 - z)):
            raise Hint("apply s * (1 - s) to s = sigmoid(z), not to z itself.")
        if np.allclose(got, 1 - s):
            raise Hint("1 - s is only one factor: the derivative is s * (1 - s).")
        raise Hint(f"for z = {z.tolist()} sigmoid'(z) is {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}.")
    far = np.array([-1000.0, 1000.0])
    got = as_array(_call(fn, far.copy()), far.shape, "sigmoid_derivative")
    if not np.all(np.isfinite(got)):
        raise Hint(
            f"for z = ±1000 you got {got.tolist()}: exp(1000) overflows to inf and inf / inf = nan. "
            "Compute s = sigmoid(z) first and return s * (1 - s); far from 0 the slope is simply 0."
        )
    if not np.allclose(got, 0.0, atol=1e-12):
        raise Hint(f"for z = ±1000 the sigmoid is flat, so the derivative is 0; got {got.tolist()}.")


sigmoid_derivative_exercise = Exercise(
    "sigmoid_derivative",
    _check_sigmoid_derivative,
    sigmoid_derivative,
    task="Write sigmoid_derivative(z): s * (1 - s) with s = sigmoid(z), same shape as z, finite for z = ±1000.",
)

stable_softmax = stable_softmax_exercise  # noqa: F811
relu_derivative = relu_derivative_exercise  # noqa: F811
sigmoid_derivative = sigmoid_derivative_exercise  # noqa: F811
EXERCISES = (stable_softmax_exercise, relu_derivative_exercise, sigmoid_derivative_exercise)

__all__ = ["EXERCISES", "relu_derivative", "sigmoid_derivative", "stable_softmax"]
