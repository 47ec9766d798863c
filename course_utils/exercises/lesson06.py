"""Exercises of lesson 06: a convolution's output size, the backward passes of a dense layer and of max pooling.

* ``conv_output_size``: ``fn(size, kernel_size, stride, padding) -> int``, the height
  (or width) of a convolution's output: ``(size + 2 * padding - kernel_size) // stride + 1``.
* ``dense_backward``: ``fn(dout: (N, M), cache) -> (dx: (N, D), dw: (D, M), db: (M,))`` with
  ``cache = (x: (N, D), w: (D, M))`` as ``layers.dense_forward`` returns it: the gradients
  of ``z = x @ w + b``. The older form ``fn(dout, x, w)`` is checked the same way.
* ``maxpool2d_backward``: ``fn(dout: (N, OH, OW, C), cache) -> dx: (N, H, W, C)`` with
  ``cache = (x_shape, pool_size, stride, winner)`` as ``layers.maxpool2d_forward`` returns it:
  each value of dout goes to its window's winner; overlapping windows add up.

Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

from .. import layers
from . import Hint, _LearnerError, exercise

# --- the output size of a convolution --------------------------------------------------------

#: (size, kernel_size, stride, padding): the lesson's two convolutions, padding "same", strides,
#: and divisions that are not whole (so that ceil, round and / differ from //).
SIZE_CASES = (
    (28, 3, 1, 0), (13, 3, 1, 0), (28, 3, 1, 1), (7, 3, 2, 1), (32, 5, 1, 2), (9, 1, 2, 0),
    (10, 3, 2, 0), (11, 3, 3, 0), (28, 5, 3, 1), (27, 2, 4, 0),
)  # fmt: skip


def _check_conv_output_size(fn):
    for size, kernel, stride, padding in SIZE_CASES:
        got = fn(size, kernel, stride, padding)
        expected = conv_output_size.reference(size, kernel, stride, padding)
        case = f"size={size}, kernel_size={kernel}, stride={stride}, padding={padding}"
        room = size + 2 * padding - kernel
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Hint(f"return a number, the output size; for {case} got {got!r:.60}.")
        if got == expected and not isinstance(got, numbers.Integral):
            raise Hint(
                f"the value is right but it is a float ({got!r}): a size is an int, divide with //."
            )
        if got == expected:
            continue
        if not float(got).is_integer():
            raise Hint(
                f"for {case} you got {got}, a fraction: {room} / {stride} is not whole, and a window that does not "
                "fit entirely is dropped. Divide with // (floor division), which gives an int."
            )
        if got in (math.ceil(room / stride) + 1, round(room / stride) + 1):
            raise Hint(
                f"for {case} you got {got}, expected {expected}: {room} / {stride} = {room / stride:.2f} was rounded up, "
                "but a window that does not fit entirely is dropped. Round down: // (not math.ceil or round)."
            )
        if padding and got == (size + padding - kernel) // stride + 1:
            raise Hint(
                f"for {case} you got {got}: padding adds zeros on both sides, so add 2 * padding."
            )
        if padding and stride > 1 and got == (size - kernel) // stride + 1 + 2 * padding:
            raise Hint(
                f"for {case} you got {got}: you added 2 * padding after dividing by the stride, but padding widens "
                "the image the window slides over: add it first, (size + 2 * padding - kernel_size) // stride + 1."
            )
        if padding and got == (size - 2 * padding - kernel) // stride + 1:
            raise Hint(
                f"for {case} you got {got}: padding adds zeros around the image, so it makes the room larger: + 2 * padding."
            )
        if stride > 1 and got == room + 1:
            raise Hint(
                f"for {case} you got {got}: with stride {stride} the window jumps {stride} pixels, "
                "so divide the free room by the stride."
            )
        if got == (size + 2 * padding + kernel) // stride + 1:
            raise Hint(
                f"for {case} you got {got}: the window itself takes kernel_size pixels of the room, so subtract kernel_size."
            )
        if stride > 1 and got == (room + 1) // stride:
            raise Hint(
                f"for {case} you got {got}: add the 1 (the first window) after dividing by the stride, not inside the division."
            )
        if got == expected - 1:
            raise Hint(
                f"for {case} you got {got}, one too few: the first window also counts, so add 1 "
                "after dividing by the stride."
            )
        if got == room + 1:
            raise Hint(
                f"for {case} you got {got}: with stride {stride} the window jumps {stride} pixels, "
                "so divide the free room by the stride."
            )
        if got == size - kernel + 1:
            raise Hint(f"for {case} you got {got}: you left out the padding (and the stride).")
        raise Hint(
            f"for {case} expected {expected}, got {got}. Count the positions where a kernel_size-wide window "
            "fits in the padded image (size + 2 * padding pixels), moving `stride` pixels at a time."
        )


@exercise(
    _check_conv_output_size,
    task="Write conv_output_size(size, kernel_size, stride, padding): the output height of a convolution.",
)
def conv_output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1


# --- the backward pass of a dense layer ------------------------------------------------------


def _dense_case():
    rng = np.random.default_rng(6)
    n, d, m = 4, 3, 5  # all different, so that a wrong transpose shows in the shapes
    return rng.standard_normal((n, m)), rng.standard_normal((n, d)), rng.standard_normal((d, m))


def _takes_cache(fn) -> bool:
    """True for ``fn(dout, cache)``, False for the older ``fn(dout, x, w)``."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 2


def _unpacked_the_wrong_way_round(fn, dout, x, w) -> None:
    """A Hint if ``fn`` crashed on ``cache = (x, w)`` but is right on ``(w, x)``: ``w, x = cache``."""
    try:
        out = fn(dout.copy(), (w.copy(), x.copy()))
        right = all(
            np.allclose(a, e)
            for a, e in zip(out, dense_backward.reference(dout, (x, w)), strict=True)
        )
    except Exception:  # not that mistake: the original error is explained instead
        return
    if right:
        raise Hint(
            "cache holds (x, w), in that order, as layers.dense_forward returns it: unpack it with "
            "`x, w = cache` (your function is right when the two are swapped)."
        )


def _check_dense_backward(fn):
    dout, x, w = _dense_case()
    if _takes_cache(fn.__wrapped__):
        try:
            out = fn(dout.copy(), (x.copy(), w.copy()))
        except _LearnerError:
            _unpacked_the_wrong_way_round(fn, dout, x, w)
            raise
    else:
        out = fn(dout.copy(), x.copy(), w.copy())
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Hint(
            f"return three arrays, `return dx, dw, db`; got {type(out).__name__}{f' of {len(out)}' if isinstance(out, (tuple, list)) else ''}."
        )
    got = [np.asarray(a, dtype=float) for a in out]
    expected = dense_backward.reference(dout, (x, w))
    names = ("dx", "dw", "db")
    what = {"dx": "x (N, D)", "dw": "w (D, M)", "db": "b (M,)"}
    formula = {"dx": "dout @ w.T", "dw": "x.T @ dout", "db": "dout.sum(axis=0)"}
    if [a.shape for a in got] != [a.shape for a in expected] or any(
        not np.allclose(a, e, rtol=1e-6, atol=1e-9) for a, e in zip(got, expected)
    ):
        for order in ((1, 0, 2), (0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1)):
            if all(
                g.shape == expected[i].shape and np.allclose(g, expected[i])
                for g, i in zip(got, order)
            ):
                raise Hint(
                    f"right gradients, wrong order: you returned ({', '.join(names[i] for i in order)}); return dx, dw, db."
                )
    for name, g, e in zip(names, got, expected):
        if g.shape == e.shape:
            continue
        if g.shape == e.shape[::-1] and g.ndim == 2:
            raise Hint(
                f"{name} has shape {g.shape}, the transpose of {what[name]}'s: a gradient has its variable's shape. Try {formula[name]}."
            )
        if name == "db" and g.shape == (1, e.shape[0]):
            raise Hint(
                f"db has shape {g.shape}, but b has shape {e.shape}: sum without keepdims, dout.sum(axis=0)."
            )
        if name == "db" and g.shape == (len(dout),):
            raise Hint(
                "db has one value per example: sum over the examples instead, dout.sum(axis=0)."
            )
        if name == "db" and g.shape == ():
            raise Hint(
                "db is a single number, but b has one entry per output unit (M,): sum over the examples only, dout.sum(axis=0)."
            )
        raise Hint(
            f"{name} should have the shape of {what[name]}, {e.shape}; got {g.shape}: a gradient has its variable's shape. "
            "Write the shapes next to each product."
        )
    for name, g, e in zip(names, got, expected):
        if np.allclose(g, e, rtol=1e-6, atol=1e-9):
            continue
        if name == "db" and np.allclose(g, dout.mean(axis=0)):
            raise Hint(
                "db is the mean of dout: it is the sum, dout.sum(axis=0); the loss already divided by N."
            )
        if np.allclose(g * len(dout), e):
            raise Hint(
                f"{name} is {len(dout)} times too small for {len(dout)} examples: do not divide by N here; the loss already "
                "did, and the layer sums the examples' gradients."
            )
        raise Hint(
            f"{name} has the right shape but wrong values: for z = x @ w + b (no activation inside this layer) "
            f"the chain rule gives {name} = {formula[name]}."
        )


@exercise(
    _check_dense_backward,
    task="Write dense_backward(dout, cache), cache = (x, w) as layers.dense_forward returns it: (dx, dw, db) for "
    "z = x @ w + b. (dense_backward(dout, x, w) is checked too.)",
    switched_off=("course_utils.layers.dense_backward",),
)
def dense_backward(dout, cache):
    x, w = cache  # x: (N, D), w: (D, M), dout: (N, M)
    dx = dout @ w.T  # (N, M) @ (M, D) -> (N, D)
    dw = x.T @ dout  # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)  # every example adds its gradient to the shared bias
    return dx, dw, db


# --- the backward pass of max pooling --------------------------------------------------------

#: (x shape, pool_size, stride): the lesson's 2x2 pooling, one with a leftover row and column
#: (dropped by the forward pass), and overlapping 3x3 windows with stride 2.
POOL_CASES = (((2, 4, 4, 3), 2, 2), ((2, 5, 5, 2), 2, 2), ((1, 7, 7, 2), 3, 2))


def _pool_case(x_shape, pool_size, stride):
    rng = np.random.default_rng(66)
    x = np.round(rng.standard_normal(x_shape), 1)  # rounded: some windows have ties
    out, cache = layers.maxpool2d_forward(x, pool_size, stride)
    return rng.standard_normal(out.shape), cache


def _pool_to_image(dwindows, cache):
    """(N, OH, OW, P, C) window gradients added back onto the image, as col2im does."""
    x_shape, pool_size, stride, _ = cache
    n, oh, ow, p, c = dwindows.shape
    return layers.col2im(dwindows.reshape(n * oh * ow, p * c), x_shape, pool_size, stride)


def _pool_windows(dout, winner, p, index=None):
    """dout: (N, OH, OW, C) placed at position ``index`` (default: winner) of every window."""
    index = winner if index is None else index
    mask = index[:, :, :, None, :] == np.arange(p)[:, None]
    return mask * dout[:, :, :, None, :]


def _pool_assigned(dwindows, cache):
    """Like col2im, but overlapping windows overwrite (=) instead of adding (+=)."""
    x_shape, (ph, pw), (sh, sw), _ = cache
    n, oh, ow = dwindows.shape[:3]
    dx = np.zeros(x_shape)
    for i in range(ph):
        for j in range(pw):
            dx[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] = dwindows[:, :, :, i * pw + j, :]
    return dx


def _check_maxpool2d_backward(fn):
    for x_shape, pool_size, stride in POOL_CASES:
        dout, cache = _pool_case(x_shape, pool_size, stride)
        _, (ph, pw), _, winner = cache
        p = ph * pw
        case = f"x of shape {x_shape}, pool_size={pool_size}, stride={stride}"
        given = dout.copy()
        try:
            got = fn(given, (x_shape, (ph, pw), (stride, stride), winner.copy()))
        except _LearnerError as error:
            if stride < pool_size:  # the 2x2 cases passed: the overlapping windows broke it
                raise Hint(
                    f"right for the lesson's 2x2 pooling, but for {case} it raised {error}. There the windows "
                    "overlap (stride < pool_size): a window starts every `stride` pixels, not every `pool_size`, "
                    "and a pixel in two windows gets both gradients added (col2im does this)."
                ) from None
            raise
        if not np.array_equal(given, dout):
            raise Hint(
                "your function changed dout in place: the network may still need it; compute dx in a new array."
            )
        if not isinstance(got, np.ndarray):
            raise Hint(f"return one numpy array, dx of shape {x_shape}; got {type(got).__name__}.")
        expected = maxpool2d_backward.reference(dout, cache)
        n, oh, ow, c = dout.shape
        if got.shape != expected.shape:
            if got.shape == dout.shape:
                raise Hint(
                    f"dx has the shape of dout, {dout.shape}, but a gradient has its variable's shape: x's, {x_shape}. "
                    "Send every value of dout back to the winning pixel of its window."
                )
            if got.shape in ((n * oh * ow, p * c), (n, oh, ow, p, c)):
                raise Hint(
                    f"dx has shape {got.shape}: one row per window. Add the windows back onto the image with "
                    "L.col2im(rows, x_shape, pool_size, stride), as the convolution's backward does."
                )
            if got.shape[1:3] == (oh * stride, ow * stride) and got.shape[1:3] != tuple(
                x_shape[1:3]
            ):
                raise Hint(
                    f"for {case} dx has shape {got.shape}, not {x_shape}: the forward pass dropped the last row and "
                    "column (no window covers them); dx still has x's shape, with zeros there."
                )
            raise Hint(f"for {case} dx should have x's shape, {x_shape}; got {got.shape}.")
        if not np.issubdtype(got.dtype, np.floating):
            raise Hint(
                f"dx has dtype {got.dtype}: the gradient was cut to whole numbers. A gradient is a float: "
                "start from np.zeros(x_shape, dtype=dout.dtype) (np.zeros_like(winner) is an integer array)."
            )
        if np.allclose(got, expected):
            continue
        ones = np.ones((p, 1))
        swapped = (winner % pw) * pw + winner // pw
        candidates = (
            (
                _pool_to_image(ones * dout[:, :, :, None, :], cache),
                "every pixel of a window got the window's gradient, but only the winner changed the output: "
                "the others get 0 (the winner's index is in the cache).",
            ),
            (
                _pool_to_image(ones * dout[:, :, :, None, :] / p, cache),
                f"you shared the gradient equally over the {p} pixels of a window: that is average pooling. In max "
                "pooling only the winner changed the output, so it gets all of it and the others 0.",
            ),
            (
                expected / p,
                f"dx is {p} times too small: the winner passes its value through unchanged (its derivative is 1), "
                f"so do not divide by the window's {p} pixels.",
            ),
            (
                _pool_to_image(_pool_windows(np.ones_like(dout), winner, p), cache),
                "dx has 1 at every winner: multiply by dout, the gradient that arrives from the next layer.",
            ),
            (
                _pool_to_image(_pool_windows(dout, swapped, p), cache),
                f"the gradient went to the wrong pixel of a window: the winner counts along a row first, as im2col lays "
                f"a window out, so it is row winner // {pw}, column winner % {pw} (divmod(winner, {pw})).",
            ),
            (
                _pool_to_image(
                    _pool_windows(dout, winner, p)
                    .transpose(0, 1, 2, 4, 3)
                    .reshape(n, oh, ow, p, c),
                    cache,
                ),
                "the gradients landed in the wrong channels: im2col's row is (KH, KW, C), window position before channel, "
                "so build the mask as (N, OH, OW, PH*PW, C): winner[:, :, :, None, :] == np.arange(PH*PW)[:, None].",
            ),
            (
                _pool_assigned(_pool_windows(dout, winner, p), cache),
                f"for {case} the windows overlap (stride {stride} < pool_size {pool_size}), and a pixel that wins in two "
                "windows gets both gradients: add them (+=, as col2im does), do not overwrite (=).",
            ),
        )
        for candidate, hint in candidates:
            if candidate.shape == got.shape and np.allclose(got, candidate):
                raise Hint(hint)
        if stride < pool_size:
            raise Hint(
                f"right for the lesson's 2x2 pooling, wrong for {case}: there the windows overlap, so a pixel can win "
                "in several windows and gets the sum of their gradients (col2im adds them)."
            )
        raise Hint(
            f"for {case} dx has the right shape but wrong values. Each value of dout goes to one pixel, the winner of "
            "its window (winner counts the window's pixels row by row), and everything else is 0; check it on the "
            "4x4 example of section 5."
        )


@exercise(
    _check_maxpool2d_backward,
    task="Write maxpool2d_backward(dout, cache), cache = (x_shape, pool_size, stride, winner) as "
    "L.maxpool2d_forward returns it: dx of shape x_shape.",
    switched_off=(
        "course_utils.layers.maxpool2d_backward",
        "course_utils.fast_layers.maxpool2d_backward",
    ),
)
def maxpool2d_backward(dout, cache):
    x_shape, (ph, pw), stride, winner = (
        cache  # winner: (N, OH, OW, C), which pixel of each window won
    )
    n, oh, ow, c = dout.shape
    # out = max(window): nudging the winner by h moves out by h (derivative 1); nudging any other
    # pixel does not move it (derivative 0). So each dout value goes to its window's winner, the rest get 0.
    # One row per window, laid out as im2col made them: (N, OH, OW, PH*PW, C), float like dout.
    dwindows = np.zeros((n, oh, ow, ph * pw, c), dtype=dout.dtype)
    np.put_along_axis(dwindows, winner[:, :, :, None, :], dout[:, :, :, None, :], axis=3)
    # col2im puts every window back where it came from; a pixel that won in two overlapping
    # windows receives both gradients, added
    return layers.col2im(dwindows.reshape(n * oh * ow, ph * pw * c), x_shape, (ph, pw), stride)


EXERCISES = (conv_output_size, dense_backward, maxpool2d_backward)

__all__ = ["EXERCISES", "conv_output_size", "dense_backward", "maxpool2d_backward"]
