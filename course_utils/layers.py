"""Layers of a convolutional network in numpy, each with its forward and backward pass.

Images are NHWC: ``x: (N, H, W, C)``, batch first and channels last, as in
Keras. Convolution weights are ``w: (KH, KW, C, F)`` (F filters), dense weights
``w: (D, M)``.

Two ways to write every layer:

* **Functions in pairs**, ``out, cache = conv2d_forward(x, w, b)`` and
  ``dx, dw, db = conv2d_backward(dout, cache)``: the cache hands backward exactly
  what it needs, so the chain rule is visible.
* **Classes** (``Conv2D``, ``ReLU``, ``MaxPool2D``, ``Flatten``, ``Dense``) wrap
  those pairs. The shared contract: ``forward(x)`` returns the output and keeps
  the cache; ``backward(dout)`` returns ``dx`` and fills ``grads``, a dict with
  the same keys as ``params`` (``{"w": ..., "b": ...}``; empty for layers
  without parameters). Optimizers update ``params`` in place.

Everything keeps the dtype it is given: float32 for training, float64 for
gradient checks. ``conv2d_naive`` is the four-loop convolution, for teaching and
for checking the vectorised one. This module is the plain version, written like
the maths; :mod:`course_utils.fast_layers` holds the same layers made fast, and
its tests prove that both give the same numbers.
Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _validate
from .activations import relu, relu_backward

# --------------------------------------------------------------------------- checks


def _pair(value, what: str, *, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints, as ``(rows, cols)``."""
    items = (value, value) if isinstance(value, numbers.Integral) else value
    try:
        rows, cols = items
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be an int or a pair of ints, got {value!r}") from None
    where = what if items is not value else f"{what} (each entry of {value!r})"
    return _validate.integer(rows, where, minimum=minimum), _validate.integer(
        cols, where, minimum=minimum
    )


def _padding_amount(padding, kernel: tuple[int, int]) -> tuple[int, int]:
    """``padding`` as zero rows/cols added on each side: an int, a pair, "valid" or "same"."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            if kernel[0] % 2 == 0 or kernel[1] % 2 == 0:
                raise ValueError(f"padding='same' needs an odd kernel size, got {kernel}")
            return (kernel[0] - 1) // 2, (kernel[1] - 1) // 2
        raise ValueError(f"padding must be an int, 'valid' or 'same', got {padding!r}")
    return _pair(padding, "padding", minimum=0)


def _check_image_batch(x, layer: str, channels: int | None = None) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{layer}: expected a numpy array of shape (N, H, W, C), got {type(x).__name__}"
        )
    if x.ndim != 4:
        hint = " (add a channel axis: x[..., None])" if x.ndim == 3 else ""
        raise ValueError(
            f"{layer}: expected input of shape (N, H, W, C), got shape {x.shape}{hint}"
        )
    if channels is not None and x.shape[3] != channels:
        raise ValueError(
            f"{layer}: expected {channels} input channel(s) (N, H, W, {channels}), got shape {x.shape}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{layer}: expected a float array (float32 or float64), got {x.dtype}")
    return x


def _output_size(
    size: int, kernel: int, stride: int, pad: int, layer: str, axis: str, *, exact: bool
) -> int:
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(
            f"{layer}: the kernel ({kernel} along {axis}) is larger than the padded input "
            f"({size} + 2*{pad} = {padded} along {axis})"
        )
    if exact and (padded - kernel) % stride != 0:
        raise ValueError(
            f"{layer}: the output {axis} (input {size} + 2*padding {pad} - kernel {kernel}) / stride {stride} + 1 "
            f"= {(padded - kernel) / stride + 1:g} is not an integer; change the padding or the stride"
        )
    return (padded - kernel) // stride + 1


def conv2d_output_shape(x_shape, w_shape, stride=1, padding=0, *, layer: str = "conv2d") -> tuple:
    """Shape of the output of a convolution: ``(N, OH, OW, F)``.

    x_shape: (N, H, W, C); w_shape: (KH, KW, C, F). ``OH = (H + 2*padding - KH) / stride + 1``
    must be a whole number, otherwise a ValueError says which layer and which shapes.
    """
    n, h, w, c = x_shape
    kh, kw, wc, f = w_shape
    if wc != c:
        raise ValueError(
            f"{layer}: the input has {c} channel(s), shape {tuple(x_shape)}, but the kernel "
            f"{tuple(w_shape)} expects {wc}"
        )
    sh, sw = _pair(stride, "stride")
    ph, pw = _padding_amount(padding, (kh, kw))
    oh = _output_size(h, kh, sh, ph, layer, "height", exact=True)
    ow = _output_size(w, kw, sw, pw, layer, "width", exact=True)
    return (n, oh, ow, f)


# ---------------------------------------------------------------------- convolution


def conv2d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0) -> np.ndarray:
    """Convolution with four nested Python loops: what a convolution computes, slowly.

    x: (N, H, W, C); w: (KH, KW, C, F); b: (F,). Returns (N, OH, OW, F), where
    ``out[n, i, j, f] = sum(window(n, i, j) * w[..., f]) + b[f]``. Only for
    small inputs: it takes about a second for a few digits.
    """
    _check_image_batch(x, "conv2d_naive")
    n, oh, ow, f = conv2d_output_shape(x.shape, w.shape, stride, padding, layer="conv2d_naive")
    (sh, sw), (ph, pw) = _pair(stride, "stride"), _padding_amount(padding, w.shape[:2])
    kh, kw = w.shape[:2]
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out = np.zeros((n, oh, ow, f), dtype=np.result_type(x, w))
    for image in range(n):
        for i in range(oh):
            for j in range(ow):
                window = xp[image, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
                for k in range(f):
                    out[image, i, j, k] = np.sum(window * w[:, :, :, k]) + b[k]
    return out


def im2col(x: np.ndarray, kernel_size, stride=1, padding=0) -> np.ndarray:
    """Every kernel-sized window of ``x`` as one row: the matrix a convolution multiplies.

    x: (N, H, W, C). Returns cols: (N*OH*OW, KH*KW*C), rows ordered like the output
    positions and columns like ``w.reshape(KH*KW*C, F)``, so that
    ``cols @ w.reshape(-1, F)`` is the convolution.
    """
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    ph, pw = _padding_amount(padding, (kh, kw))
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[
        :, ::sh, ::sw
    ]  # (N, OH, OW, C, KH, KW)
    windows = windows.transpose(0, 1, 2, 4, 5, 3)  # (N, OH, OW, KH, KW, C)
    n, oh, ow = windows.shape[:3]
    return windows.reshape(n * oh * ow, kh * kw * x.shape[3])


def col2im(cols: np.ndarray, x_shape, kernel_size, stride=1, padding=0) -> np.ndarray:
    """The reverse of :func:`im2col`: add every row back onto the window it came from.

    cols: (N*OH*OW, KH*KW*C); x_shape: (N, H, W, C). Returns (N, H, W, C). A pixel that
    sat in several windows receives the sum of their values: this is how the gradient
    of the windows becomes the gradient of the image.
    """
    n, h, w, c = x_shape
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    ph, pw = _padding_amount(padding, (kh, kw))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    windows = cols.reshape(n, oh, ow, kh, kw, c)
    xp = np.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            xp[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += windows[:, :, :, i, j, :]
    return xp[:, ph : ph + h, pw : pw + w, :]


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """Vectorised convolution: im2col, one matrix product and ``+ b``.

    x: (N, H, W, C); w: (KH, KW, C, F); b: (F,); stride and padding: an int or a
    pair, padding also "valid" or "same". Returns ``(out, cache)`` with
    out: (N, OH, OW, F) and ``cache`` for :func:`conv2d_backward`.
    """
    _check_image_batch(x, "conv2d_forward")
    n, oh, ow, f = conv2d_output_shape(x.shape, w.shape, stride, padding, layer="conv2d_forward")
    cols = im2col(x, w.shape[:2], stride, padding)  # (N*OH*OW, KH*KW*C)
    out = cols @ w.reshape(-1, f) + b  # (N*OH*OW, F)
    return out.reshape(n, oh, ow, f), (x.shape, cols, w, stride, padding)


def conv2d_backward(dout: np.ndarray, cache):
    """Gradients of a convolution: the same matrix product, transposed.

    dout: (N, OH, OW, F), the gradient of the loss with respect to the output;
    ``cache`` from :func:`conv2d_forward`. Returns ``(dx, dw, db)`` with
    dx: (N, H, W, C), dw: (KH, KW, C, F), db: (F,).
    """
    x_shape, cols, w, stride, padding = cache
    f = w.shape[3]
    dout = dout.reshape(-1, f)  # (N*OH*OW, F)
    dw = (cols.T @ dout).reshape(w.shape)
    db = dout.sum(axis=0)
    dcols = dout @ w.reshape(-1, f).T  # (N*OH*OW, KH*KW*C)
    dx = col2im(dcols, x_shape, w.shape[:2], stride, padding)
    return dx, dw, db


# ------------------------------------------------------------------------- pooling


def maxpool2d_output_shape(x_shape, pool_size=2, stride=None, *, layer: str = "maxpool2d") -> tuple:
    """``(N, OH, OW, C)`` with ``OH = (H - pool) // stride + 1``; leftover rows are dropped, as in Keras."""
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(stride if stride is not None else (ph, pw), "stride")
    n, h, w, c = x_shape
    oh = _output_size(h, ph, sh, 0, layer, "height", exact=False)
    ow = _output_size(w, pw, sw, 0, layer, "width", exact=False)
    return (n, oh, ow, c)


def maxpool2d_forward(x: np.ndarray, pool_size=2, stride=None):
    """Max pooling: the largest value of every ``pool_size`` window, channel by channel.

    x: (N, H, W, C); stride defaults to pool_size. Returns ``(out, cache)`` with
    out: (N, OH, OW, C). The cache keeps which element of each window won
    (``argmax``: the first one on ties), for :func:`maxpool2d_backward`.
    """
    _check_image_batch(x, "maxpool2d_forward")
    n, oh, ow, c = maxpool2d_output_shape(x.shape, pool_size, stride, layer="maxpool2d_forward")
    ph, pw = _pair(pool_size, "pool_size")
    stride = _pair(stride if stride is not None else (ph, pw), "stride")
    cols = im2col(x, (ph, pw), stride).reshape(
        n, oh, ow, ph * pw, c
    )  # every window, one row per position
    winner = cols.argmax(axis=3)  # (N, OH, OW, C)
    out = cols.max(axis=3)
    return out, (x.shape, (ph, pw), stride, winner)


def maxpool2d_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Gradient of max pooling: each window's gradient goes to the element that won.

    dout: (N, OH, OW, C); ``cache`` from :func:`maxpool2d_forward`. Returns dx: (N, H, W, C).
    """
    x_shape, pool_size, stride, winner = cache
    mask = (
        winner[:, :, :, None, :] == np.arange(pool_size[0] * pool_size[1])[:, None]
    )  # (N, OH, OW, PH*PW, C)
    dcols = mask * dout[:, :, :, None, :]
    return col2im(dcols.reshape(-1, mask.shape[3] * x_shape[3]), x_shape, pool_size, stride)


# ----------------------------------------------------------------- dense, relu, flatten


def dense_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Fully connected layer ``z = x @ w + b``.

    x: (N, D); w: (D, M); b: (M,). Returns ``(z, cache)`` with z: (N, M).
    """
    z = x @ w + b
    return z, (x, w)


def dense_backward(dout: np.ndarray, cache):
    """dout: (N, M). Returns ``(dx, dw, db)``: dx: (N, D), dw: (D, M), db: (M,)."""
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x: np.ndarray):
    """``max(x, 0)`` elementwise; x of any shape. Returns ``(out, x)``: backward needs the input.

    The backward pass is :func:`course_utils.activations.relu_backward`,
    ``relu_backward(dout, x) = dout * (x > 0)`` (lesson 02), imported here.
    """
    return relu(x), x


# -------------------------------------------------------------------------- classes


def he_normal(shape: tuple, fan_in: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """He initialisation: normal with standard deviation ``sqrt(2 / fan_in)``, for ReLU networks."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


class Layer:
    """Base class: ``forward(x)`` keeps a cache, ``backward(dout)`` returns dx and fills ``grads``.

    ``params`` and ``grads`` are dicts with the same keys (empty for a layer without
    parameters). ``output_shape(input_shape)`` checks an input shape (without the batch
    axis) and returns the output's, so a network can be checked before it runs.
    ``name`` defaults to the class name in lower case ("conv2d"); a network numbers
    repeated default names ("relu", "relu_1"), as Keras does.
    """

    def __init__(self, name: str | None = None):
        self.auto_named = name is None
        self.name = name or type(self).__name__.lower()
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(f"{self.name}: call forward before backward")
        return self._cache

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class Conv2D(Layer):
    """A convolution with ``filters`` kernels of ``kernel_size`` over ``in_channels`` channels.

    x: (N, H, W, in_channels) -> (N, OH, OW, filters). params: w: (KH, KW, C, F), b: (F,),
    w drawn with He initialisation from ``rng``.
    """

    def __init__(
        self,
        in_channels: int,
        filters: int,
        kernel_size=3,
        stride=1,
        padding=0,
        *,
        rng: np.random.Generator,
        dtype=np.float32,
        name: str | None = None,
    ):
        super().__init__(name)
        self.in_channels = _validate.integer(in_channels, "in_channels")
        self.filters = _validate.integer(filters, "filters")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _padding_amount(padding, self.kernel_size)
        kh, kw = self.kernel_size
        fan_in = kh * kw * self.in_channels
        self.params = {
            "w": he_normal((kh, kw, self.in_channels, self.filters), fan_in, rng, dtype),
            "b": np.zeros(self.filters, dtype=dtype),
        }

    def output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 3:
            raise ValueError(
                f"{self.name}: expected an input shape (H, W, C), got {tuple(input_shape)}"
            )
        return conv2d_output_shape(
            (None, *input_shape), self.params["w"].shape, self.stride, self.padding, layer=self.name
        )[1:]

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_image_batch(x, self.name, self.in_channels)
        self.output_shape(x.shape[1:])
        out, self._cache = conv2d_forward(
            x, self.params["w"], self.params["b"], self.stride, self.padding
        )
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, self.grads["w"], self.grads["b"] = conv2d_backward(dout, self._cached())
        return dx


class MaxPool2D(Layer):
    """Max pooling over ``pool_size`` windows (stride defaults to pool_size).

    x: (N, H, W, C) -> (N, H // 2, W // 2, C) for the default 2x2 pool; leftover rows
    and columns are dropped, as in Keras. No parameters.
    """

    def __init__(self, pool_size=2, stride=None, *, name: str | None = None):
        super().__init__(name)
        self.pool_size = _pair(pool_size, "pool_size")
        self.stride = _pair(stride, "stride") if stride is not None else self.pool_size

    def output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 3:
            raise ValueError(
                f"{self.name}: expected an input shape (H, W, C), got {tuple(input_shape)}"
            )
        return maxpool2d_output_shape(
            (None, *input_shape), self.pool_size, self.stride, layer=self.name
        )[1:]

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_image_batch(x, self.name)
        self.output_shape(x.shape[1:])
        out, self._cache = maxpool2d_forward(x, self.pool_size, self.stride)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return maxpool2d_backward(dout, self._cached())


class ReLU(Layer):
    """``max(x, 0)`` elementwise: any shape in, the same shape out. No parameters."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self._cache = relu_forward(x)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return relu_backward(dout, self._cached())


class Flatten(Layer):
    """(N, H, W, C) -> (N, H*W*C): the bridge from convolutions to dense layers."""

    def output_shape(self, input_shape: tuple) -> tuple:
        return (int(np.prod(input_shape)),)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim < 2:
            raise ValueError(
                f"{self.name}: expected a batch (N, ...) of at least 2 axes, "
                f"got shape {getattr(x, 'shape', None)}"
            )
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(self._cached())


class Dense(Layer):
    """Fully connected: x: (N, in_features) -> (N, units). params: w: (D, M), b: (M,), He init."""

    def __init__(
        self,
        in_features: int,
        units: int,
        *,
        rng: np.random.Generator,
        dtype=np.float32,
        name: str | None = None,
    ):
        super().__init__(name)
        self.in_features = _validate.integer(in_features, "in_features")
        self.units = _validate.integer(units, "units")
        self.params = {
            "w": he_normal((self.in_features, self.units), self.in_features, rng, dtype),
            "b": np.zeros(self.units, dtype=dtype),
        }

    def output_shape(self, input_shape: tuple) -> tuple:
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(
                f"{self.name}: expected inputs of shape (N, {self.in_features}), "
                f"got (N, {', '.join(map(str, input_shape))})"
            )
        return (self.units,)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"{self.name}: expected input of shape (N, {self.in_features}), "
                f"got shape {getattr(x, 'shape', None)}"
            )
        out, self._cache = dense_forward(x, self.params["w"], self.params["b"])
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, self.grads["w"], self.grads["b"] = dense_backward(dout, self._cached())
        return dx


__all__ = [
    "Layer",
    "Conv2D",
    "MaxPool2D",
    "ReLU",
    "Flatten",
    "Dense",
    "he_normal",
    "conv2d_naive",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_output_shape",
    "im2col",
    "col2im",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "maxpool2d_output_shape",
    "dense_forward",
    "dense_backward",
    "relu_forward",
    "relu_backward",
]
