"""Numerical gradients: the check every backward pass must pass.

Central differences, ``(f(x + h) - f(x - h)) / 2h``, one coordinate at a time,
in float64. Taught in notebooks/03_losses.ipynb and notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Relative error (:func:`relative_error`) below which an analytic gradient and a
#: numerical one agree, across the course. Central differences with h = 1e-5 in
#: float64 are off by about h**2 = 1e-10 relative to the gradient, plus rounding of
#: about 1e-16 / 1e-5 = 1e-11 per evaluation, so a right backward pass lands near
#: 1e-8 or below; a wrong one (a missing factor, a transpose, a wrong sign) is off by
#: 1e-2 to 1. 1e-6 leaves room for the first and still catches every second.
TOLERANCE = 1e-6


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by central differences.

    x: float64 array of any shape; ``f(x)`` must return a scalar. ``x`` is changed
    in place during the computation and restored. Returns an array shaped like ``x``.
    """
    x = _float64(x, "x")
    grad = np.zeros_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = float(f(x))
        flat[i] = old - h
        minus = float(f(x))
        flat[i] = old
        grad_flat[i] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_of_output(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``: checks a layer's backward pass.

    x: float64 array; f(x): an array shaped like ``dout``. Returns an array shaped like ``x``.
    """
    dout = _float64(dout, "dout")
    return numerical_gradient(lambda z: np.sum(f(z) * dout), x, h)


def layer_gradient_errors(layer, x: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> dict:
    """Check a layer's backward pass against numerical gradients of ``sum(layer.forward(x) * dout)``.

    ``layer`` has ``forward(x)``, ``backward(dout) -> dx`` and the dicts ``params`` and
    ``grads`` (the contract of ``course_utils.layers``). x: float64 input; dout: float64,
    shaped like the output. Returns ``{"x": error, "<param>": error, ...}`` of
    :func:`relative_error` for the input and every parameter.
    """
    x, dout = _float64(x, "x"), _float64(dout, "dout")
    layer.forward(x)
    errors = {
        "x": relative_error(
            layer.backward(dout), numerical_gradient_of_output(layer.forward, x, dout, h)
        )
    }
    for name, param in layer.params.items():
        numerical = numerical_gradient(
            lambda _: np.sum(layer.forward(x) * dout), _float64(param, name), h
        )
        layer.forward(x)
        layer.backward(dout)
        errors[name] = relative_error(layer.grads[name], numerical)
    return errors


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest elementwise ``|a - b| / (|a| + |b|)``: below :data:`TOLERANCE` (1e-6) means they agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))


def _float64(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} must be float64 for a gradient check (float32 is too coarse), got {x.dtype}"
        )
    return x


__all__ = [
    "TOLERANCE",
    "layer_gradient_errors",
    "numerical_gradient",
    "numerical_gradient_of_output",
    "relative_error",
]
