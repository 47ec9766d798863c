"""Activation functions in numpy, each with its derivative.

The shared contract:

* ``f(z)`` works elementwise on an array of any shape and returns an array of the
  same shape (softmax and log-softmax normalise along ``axis``, the last by
  default).
* For the elementwise activations, ``f_derivative(z)`` is f'(z), elementwise and
  shaped like ``z`` (what lesson 02 plots).
* Every activation has ``f_backward(dout, z)``: the gradient of a loss with
  respect to ``z`` given ``dout``, its gradient with respect to ``f(z)`` (both
  shaped like ``z``). For an elementwise ``f`` this is ``dout * f'(z)``; for
  softmax it is the Jacobian-vector product.

Floating inputs keep their dtype (float32 stays float32); integers become float64.
Taught in notebooks/02_activations.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import _validate

#: Default slope of leaky ReLU for z < 0.
NEGATIVE_SLOPE = 0.01


def _same_shape(dout, z):
    z = _validate.float_array(z, "z")
    dout = _validate.float_array(dout, "dout")
    if dout.shape != z.shape:
        raise ValueError(f"dout must have the shape of z, {z.shape}, got {dout.shape}")
    return dout, z


# --- sigmoid ---------------------------------------------------------------------------


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), computed without overflow.

    z: array of any shape. Returns an array shaped like ``z`` with values in [0, 1].
    """
    z = _validate.float_array(z, "z")
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


def sigmoid_derivative(z):
    """sigmoid'(z) = s (1 - s): at most 0.25, near 0 for |z| > 5 (saturation).

    z: array of any shape. Returns an array shaped like ``z``.
    """
    s = sigmoid(z)
    return s * (1 - s)


def sigmoid_backward(dout, z):
    """Gradient with respect to ``z`` given ``dout`` = dL/d sigmoid(z); both shaped like ``z``."""
    dout, z = _same_shape(dout, z)
    return dout * sigmoid_derivative(z)


# --- tanh ------------------------------------------------------------------------------


def tanh(z):
    """Hyperbolic tangent; values in [-1, 1], zero-centred.

    z: array of any shape. Returns an array shaped like ``z``.
    """
    return np.tanh(_validate.float_array(z, "z"))


def tanh_derivative(z):
    """tanh'(z) = 1 - tanh(z)^2: at most 1, saturates like the sigmoid.

    z: array of any shape. Returns an array shaped like ``z``.
    """
    return 1 - tanh(z) ** 2


def tanh_backward(dout, z):
    """Gradient with respect to ``z`` given ``dout`` = dL/d tanh(z); both shaped like ``z``."""
    dout, z = _same_shape(dout, z)
    return dout * tanh_derivative(z)


# --- ReLU and leaky ReLU ---------------------------------------------------------------


def relu(z):
    """Rectified linear unit max(0, z).

    z: array of any shape. Returns an array shaped like ``z``.
    """
    z = _validate.float_array(z, "z")
    return np.maximum(z, 0).astype(z.dtype, copy=False)


def relu_derivative(z):
    """relu'(z): 1 where z > 0, else 0 (the value at exactly 0 is taken as 0, as TensorFlow does).

    z: array of any shape. Returns an array shaped like ``z``.
    """
    z = _validate.float_array(z, "z")
    return (z > 0).astype(z.dtype)


def relu_backward(dout, z):
    """Gradient with respect to ``z`` given ``dout`` = dL/d relu(z); both shaped like ``z``."""
    dout, z = _same_shape(dout, z)
    return dout * (z > 0)


def leaky_relu(z, negative_slope: float = NEGATIVE_SLOPE):
    """Leaky ReLU: z where z > 0, ``negative_slope * z`` elsewhere.

    z: array of any shape. Returns an array shaped like ``z``.
    """
    z = _validate.float_array(z, "z")
    slope = _validate.probability(negative_slope, "negative_slope")
    return np.where(z > 0, z, slope * z).astype(z.dtype, copy=False)


def leaky_relu_derivative(z, negative_slope: float = NEGATIVE_SLOPE):
    """leaky_relu'(z): 1 where z > 0, ``negative_slope`` elsewhere; shaped like ``z``."""
    z = _validate.float_array(z, "z")
    slope = _validate.probability(negative_slope, "negative_slope")
    return np.where(z > 0, 1.0, slope).astype(z.dtype)


def leaky_relu_backward(dout, z, negative_slope: float = NEGATIVE_SLOPE):
    """Gradient with respect to ``z`` given ``dout`` = dL/d leaky_relu(z); both shaped like ``z``."""
    dout, z = _same_shape(dout, z)
    return dout * leaky_relu_derivative(z, negative_slope)


# --- softmax ---------------------------------------------------------------------------


def softmax_naive(z, axis: int = -1):
    """exp(z) / sum(exp(z)) exactly as the formula reads: overflows for large logits.

    For teaching only: exp(1000) is ``inf`` in floating point, so logits such as
    [1000, 1001] give ``nan`` (inf / inf). Numpy's overflow warnings are silenced;
    the ``nan`` is the symptom to look at. Use :func:`softmax`.
    z: (..., C) scores. Returns an array shaped like ``z``.
    """
    z = _validate.float_array(z, "z")
    with np.errstate(over="ignore", invalid="ignore"):
        exp_z = np.exp(z)
        return exp_z / np.sum(exp_z, axis=axis, keepdims=True)


def softmax(z, axis: int = -1):
    """Softmax along ``axis``, stable for any finite scores.

    Subtracting the maximum of each row first does not change the result
    (softmax(z) = softmax(z - c)) and keeps every exp() at most 1, so nothing
    overflows. z: (..., C) scores (logits). Returns probabilities shaped like
    ``z``: each slice along ``axis`` lies in [0, 1] and sums to 1.
    """
    z = _validate.float_array(z, "z")
    exp_z = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return exp_z / np.sum(exp_z, axis=axis, keepdims=True)


def softmax_backward(dout, z, axis: int = -1):
    """Gradient with respect to the scores ``z`` given ``dout`` = dL/d softmax(z).

    With s = softmax(z): dz = s * (dout - sum(dout * s, axis)). The full Jacobian
    diag(s) - s sᵀ is never built. dout, z: (..., C). Returns (..., C).
    """
    dout, z = _same_shape(dout, z)
    s = softmax(z, axis=axis)
    return s * (dout - np.sum(dout * s, axis=axis, keepdims=True))


def log_softmax(z, axis: int = -1):
    """log(softmax(z)) computed as z - max - log(sum(exp(z - max))): finite for finite ``z``.

    Taking the log of a softmax that underflowed to 0 gives -inf; this never does.
    z: (..., C) scores. Returns log-probabilities shaped like ``z`` (all <= 0).
    Taught in notebooks/02_activations.ipynb and notebooks/03_losses.ipynb.
    """
    z = _validate.float_array(z, "z")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def log_softmax_backward(dout, z, axis: int = -1):
    """Gradient with respect to ``z`` given ``dout`` = dL/d log_softmax(z).

    dz = dout - softmax(z) * sum(dout, axis). dout, z: (..., C). Returns (..., C).
    Taught in notebooks/03_losses.ipynb.
    """
    dout, z = _same_shape(dout, z)
    return dout - softmax(z, axis=axis) * np.sum(dout, axis=axis, keepdims=True)


#: The elementwise activations of lesson 02: name -> (function, derivative).
ELEMENTWISE = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
}


def gradient_through_depth(
    activation: str, depth: int = 20, width: int = 64, *, seed: int = 0
) -> np.ndarray:
    """How large the gradient is at every layer of a deep random network.

    Builds ``depth`` dense layers of ``width`` units with the given elementwise
    ``activation`` (a key of :data:`ELEMENTWISE`), weights drawn with the usual
    scale for it (Glorot for sigmoid/tanh, He for ReLU), pushes a batch of 32
    random inputs through, and back-propagates a gradient of ones from the top.
    Returns (depth,) floats: the mean |dL/dz| at the input of each layer, first
    layer first. With sigmoid it shrinks by a factor of about 4 per layer
    (sigmoid' <= 0.25): the vanishing gradient. With ReLU it stays of the same order.
    """
    if activation not in ELEMENTWISE:
        raise ValueError(f"activation must be one of {sorted(ELEMENTWISE)}, got {activation!r}")
    depth, width = _validate.integer(depth, "depth"), _validate.integer(width, "width")
    f, derivative = ELEMENTWISE[activation]
    rng = np.random.default_rng(seed)
    scale = np.sqrt(2.0 / width) if "relu" in activation else np.sqrt(1.0 / width)
    weights = [rng.normal(0.0, scale, size=(width, width)) for _ in range(depth)]
    a = rng.normal(size=(32, width))
    pre_activations = []
    for w in weights:
        z = a @ w
        pre_activations.append(z)
        a = f(z)
    grad_a = np.ones_like(a)
    sizes = np.empty(depth)
    for layer in reversed(range(depth)):
        grad_z = grad_a * derivative(pre_activations[layer])
        sizes[layer] = np.mean(np.abs(grad_z))
        grad_a = grad_z @ weights[layer].T
    return sizes


__all__ = [
    "ELEMENTWISE",
    "NEGATIVE_SLOPE",
    "gradient_through_depth",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_derivative",
    "log_softmax",
    "log_softmax_backward",
    "relu",
    "relu_backward",
    "relu_derivative",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_derivative",
    "softmax",
    "softmax_backward",
    "softmax_naive",
    "tanh",
    "tanh_backward",
    "tanh_derivative",
]
