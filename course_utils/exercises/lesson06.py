"""Exercises of lesson 06: the output size of a convolution, and the backward pass of a dense layer.

* ``conv_output_size``: ``fn(size, kernel_size, stride, padding) -> int``, the height
  (or width) of a convolution's output: ``(size + 2 * padding - kernel_size) // stride + 1``.
* ``dense_backward``: ``fn(dout: (N, M), x: (N, D), w: (D, M)) -> (dx: (N, D), dw: (D, M), db: (M,))``,
  the gradients of ``z = x @ w + b``.

Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import Exercise, Hint

# --- the output size of a convolution --------------------------------------------------------

#: (size, kernel_size, stride, padding): the lesson's two convolutions, padding "same", strides.
SIZE_CASES = ((28, 3, 1, 0), (13, 3, 1, 0), (28, 3, 1, 1), (7, 3, 2, 1), (5, 3, 2, 0), (32, 5, 1, 2), (9, 1, 2, 0))


def conv_output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1


def _check_conv_output_size(fn):
    for size, kernel, stride, padding in SIZE_CASES:
        got = fn(size, kernel, stride, padding)
        expected = conv_output_size_exercise.reference(size, kernel, stride, padding)
        case = f"size={size}, kernel_size={kernel}, stride={stride}, padding={padding}"
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Hint(f"return a number, the output size; for {case} got {got!r:.60}.")
        if got == expected and not isinstance(got, numbers.Integral):
            raise Hint(f"the value is right but it is a float ({got!r}): a size is an int, divide with //.")
        if got == expected:
            continue
        if padding and got == (size + padding - kernel) // stride + 1:
            raise Hint(f"for {case} you got {got}: padding adds zeros on both sides, so add 2 * padding.")
        if got == expected - 1:
            raise Hint(f"for {case} you got {got}, one too few: the first window also counts, so add 1 "
                       "after dividing by the stride.")
        if got == (size + 2 * padding - kernel) + 1:
            raise Hint(f"for {case} you got {got}: with stride {stride} the window jumps {stride} pixels, "
                       "so divide the free room by the stride.")
        if got == size - kernel + 1:
            raise Hint(f"for {case} you got {got}: you left out the padding (and the stride).")
        raise Hint(f"for {case} expected {expected}, got {got}. Count the positions where the window fits "
                   "in the padded image, moving `stride` pixels at a time.")


conv_output_size_exercise = Exercise(
    "conv_output_size",
    _check_conv_output_size,
    conv_output_size,
    task="Write conv_output_size(size, kernel_size, stride, padding): the output height of a convolution.",
)


# --- the backward pass of a dense layer ------------------------------------------------------


def dense_backward(dout, x, w):
    dx = dout @ w.T  # (N, M) @ (M, D) -> (N, D)
    dw = x.T @ dout  # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)  # every example adds its gradient to the shared bias
    return dx, dw, db


def _dense_case():
    rng = np.random.default_rng(6)
    n, d, m = 4, 3, 5  # all different, so that a wrong transpose shows in the shapes
    return rng.standard_normal((n, m)), rng.standard_normal((n, d)), rng.standard_normal((d, m))


def _check_dense_backward(fn):
    dout, x, w = _dense_case()
    try:
        out = fn(dout.copy(), x.copy(), w.copy())
    except ValueError as error:
        if "matmul" in str(error) or "shapes" in str(error) or "aligned" in str(error):
            raise Hint("a matrix product has mismatched shapes. Write the shapes next to each product: "
                       "dout is (N, M), x is (N, D), w is (D, M); dx must be (N, D), dw (D, M).") from None
        raise
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Hint(f"return three arrays, `return dx, dw, db`; got {type(out).__name__}.")
    dx, dw, db = (np.asarray(a, dtype=float) for a in out)
    expected = dense_backward_exercise.reference(dout, x, w)
    names = ("dx", "dw", "db")
    shapes = [a.shape for a in expected]
    if db.shape == (len(dout),):
        raise Hint("db has one value per example: sum over the examples instead, dout.sum(axis=0).")
    for name, got, shape in zip(names, (dx, dw, db), shapes):
        if got.shape != shape:
            hint = {"dx": "dout @ w.T", "dw": "x.T @ dout", "db": "dout.sum(axis=0)"}[name]
            raise Hint(f"{name} should have the shape of what it is the gradient of, {shape}; got {got.shape}. "
                       f"Try {hint}.")
    if np.allclose(db, dout.mean(axis=0)):
        raise Hint("db is the mean of dout: it is the sum, dout.sum(axis=0); the loss already divided by N.")
    for name, got, want in zip(names, (dx, dw, db), expected):
        if not np.allclose(got, want, rtol=1e-6, atol=1e-9):
            raise Hint(f"{name} has the right shape but wrong values; the chain rule for z = x @ w + b gives "
                       "dx = dout @ w.T, dw = x.T @ dout, db = dout.sum(axis=0).")


dense_backward_exercise = Exercise(
    "dense_backward",
    _check_dense_backward,
    dense_backward,
    task="Write dense_backward(dout, x, w) returning (dx, dw, db) for z = x @ w + b.",
)

conv_output_size = conv_output_size_exercise  # noqa: F811
dense_backward = dense_backward_exercise  # noqa: F811
EXERCISES = (conv_output_size_exercise, dense_backward_exercise)

__all__ = ["EXERCISES", "conv_output_size", "dense_backward"]
