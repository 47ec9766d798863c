"""The convolution and max pooling of :mod:`course_utils.layers`, made fast.

Same arguments, same results (``tests/test_fast_layers.py`` checks forward and
backward against the plain layers); only the way the work is laid out changes:

* **Memory order.** :func:`im2col` copies the windows into the row layout; the copy
  moves runs of C values when cols is stored row by row, runs of OW values when it
  is stored column by column (order "F"). It takes the order with the longer runs:
  for a one-channel image, 5x faster. Either way it is the same matrix.
* **The bias trick.** cols gets a column of ones and b becomes one more row of
  weights, so the one matrix product adds the bias too (no pass over the output for
  ``+ b``), and in backward the product that gives dw gives db as its last row.
* **dx without col2im's big matrix.** Each input pixel was used by KH*KW output
  positions, so dx adds up KH*KW shifted products ``dout @ w[i, j].T``, never
  building the (N*OH*OW, KH*KW*C) matrix of window gradients.
* **No input gradient for the first layer** (``input_gradient=False``): its input
  is the image, which needs no gradient.
* **Max pooling with no window copy.** The winner of every window is kept as a
  uint8 with one ``np.maximum`` per window element, and backward writes each window
  element once (no zeroing) when the windows tile the input.

``Conv2D`` and ``MaxPool2D`` here are the layer classes of :mod:`course_utils.layers`
running these functions; ``network.lesson_cnn(fast=True)`` builds the lesson's
network from them. Taught in notebooks/06_numpy_cnn.ipynb (section "How to make it fast").
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import layers
from .layers import (
    _check_image_batch,
    _padding_amount,
    _pair,
    conv2d_output_shape,
    maxpool2d_output_shape,
)


def _windows(
    xp: np.ndarray, i: int, j: int, out_hw: tuple[int, int], stride: tuple[int, int]
) -> np.ndarray:
    """The view ``xp[:, i + sh*r, j + sw*c, :]`` for every output position (r, c)."""
    (oh, ow), (sh, sw) = out_hw, stride
    return xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]


def im2col(x: np.ndarray, kernel_size, stride=1, *, ones_column: bool = False) -> np.ndarray:
    """:func:`course_utils.layers.im2col` of an already padded x, in the faster memory order.

    x: (N, H, W, C). Returns cols: (N*OH*OW, KH*KW*C), or (N*OH*OW, KH*KW*C + 1) with
    a last column of ones when ``ones_column``.
    """
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]  # (N, OH, OW, C, KH, KW)
    n, oh, ow, c = windows.shape[:4]
    k = kh * kw * c
    cols = np.empty((n * oh * ow, k + ones_column), dtype=x.dtype, order="C" if c >= ow else "F")
    cols[:, :k].reshape(n, oh, ow, kh, kw, c)[...] = windows.transpose(
        0, 1, 2, 4, 5, 3
    )  # a view of cols
    if ones_column:
        cols[:, k] = 1
    return cols


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """:func:`course_utils.layers.conv2d_forward` with the bias trick. Returns ``(out, cache)``."""
    _check_image_batch(x, "conv2d_forward")
    n, oh, ow, f = conv2d_output_shape(x.shape, w.shape, stride, padding, layer="conv2d_forward")
    kh, kw = w.shape[:2]
    strides, (ph, pw) = _pair(stride, "stride"), _padding_amount(padding, (kh, kw))
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0))) if ph or pw else x
    cols = im2col(xp, (kh, kw), strides, ones_column=True)  # (N*OH*OW, KH*KW*C + 1)
    out = cols @ np.vstack([w.reshape(-1, f), b])  # (N*OH*OW, F) = cols @ w + 1 * b
    cache = (x.shape, xp.shape, (ph, pw), strides, cols, w)
    return out.reshape(n, oh, ow, f), cache


def conv2d_backward(dout: np.ndarray, cache, *, input_gradient: bool = True):
    """:func:`course_utils.layers.conv2d_backward`: ``(dx, dw, db)``; dx is None when not ``input_gradient``."""
    x_shape, xp_shape, (ph, pw), strides, cols, w = cache
    kh, kw, c, f = w.shape
    n, oh, ow, _ = dout.shape
    dout_rows = dout.reshape(-1, f)
    dw_and_db = cols.T @ dout_rows  # (KH*KW*C + 1, F); the last row, from the ones column, is db
    dw, db = dw_and_db[:-1].reshape(w.shape), dw_and_db[-1]
    if not input_gradient:
        return None, dw, db
    dxp = np.zeros(xp_shape, dtype=np.result_type(dout, w))
    shifted = np.empty((n * oh * ow, c), dtype=dxp.dtype)
    for i in range(kh):
        for j in range(kw):
            np.matmul(dout_rows, w[i, j].T, out=shifted)
            _windows(dxp, i, j, (oh, ow), strides)[...] += shifted.reshape(n, oh, ow, c)
    dx = dxp[:, ph : ph + x_shape[1], pw : pw + x_shape[2], :]
    return dx, dw, db


def maxpool2d_forward(x: np.ndarray, pool_size=2, stride=None):
    """:func:`course_utils.layers.maxpool2d_forward`, the winner kept as a uint8. Returns ``(out, cache)``."""
    _check_image_batch(x, "maxpool2d_forward")
    n, oh, ow, c = maxpool2d_output_shape(x.shape, pool_size, stride, layer="maxpool2d_forward")
    ph, pw = _pair(pool_size, "pool_size")
    strides = _pair(stride if stride is not None else (ph, pw), "stride")
    out = _windows(x, 0, 0, (oh, ow), strides).copy()
    winner = np.zeros(out.shape, dtype=np.uint8)
    for k in range(1, ph * pw):
        window = _windows(x, k // pw, k % pw, (oh, ow), strides)
        larger = window > out  # strictly: on ties the first element keeps the win
        np.maximum(out, window, out=out)
        np.maximum(
            winner, larger.view(np.uint8) * np.uint8(k), out=winner
        )  # k is above every earlier winner
    return out, (x.shape, x.dtype, (ph, pw), strides, winner)


def maxpool2d_backward(dout: np.ndarray, cache) -> np.ndarray:
    """:func:`course_utils.layers.maxpool2d_backward`. Returns dx: (N, H, W, C)."""
    x_shape, dtype, (ph, pw), strides, winner = cache
    out_hw = winner.shape[1:3]
    overlapping = strides[0] < ph or strides[1] < pw
    tiled = strides == (ph, pw) and x_shape[1:3] == (
        out_hw[0] * ph,
        out_hw[1] * pw,
    )  # every element in one window
    dx = (np.empty if tiled else np.zeros)(x_shape, dtype=np.result_type(dtype, dout))
    for k in range(ph * pw):
        target = _windows(dx, k // pw, k % pw, out_hw, strides)
        if overlapping:
            target += dout * (winner == k)
        else:
            np.multiply(dout, winner == k, out=target)
    return dx


class Conv2D(layers.Conv2D):
    """:class:`course_utils.layers.Conv2D` running the fast functions.

    ``input_gradient=False`` skips dx in backward (returns None): set it on the first
    layer, whose input needs no gradient.
    """

    def __init__(self, *args, input_gradient: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_gradient = input_gradient

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_image_batch(x, self.name, self.in_channels)
        self.output_shape(x.shape[1:])
        out, self._cache = conv2d_forward(
            x, self.params["w"], self.params["b"], self.stride, self.padding
        )
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        dx, self.grads["w"], self.grads["b"] = conv2d_backward(
            dout, self._cached(), input_gradient=self.input_gradient
        )
        return dx


class MaxPool2D(layers.MaxPool2D):
    """:class:`course_utils.layers.MaxPool2D` running the fast functions."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_image_batch(x, self.name)
        self.output_shape(x.shape[1:])
        out, self._cache = maxpool2d_forward(x, self.pool_size, self.stride)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return maxpool2d_backward(dout, self._cached())


__all__ = [
    "Conv2D",
    "MaxPool2D",
    "conv2d_backward",
    "conv2d_forward",
    "im2col",
    "maxpool2d_backward",
    "maxpool2d_forward",
]
