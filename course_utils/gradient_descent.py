"""Linear regression with one input, fitted by gradient descent.

The model is one neuron with the identity as activation: ``y_hat = w * x + b``
for x: (N,) inputs, a weight ``w`` and a bias ``b`` (floats). The loss is the mean
squared error, L(w, b) = mean((w x + b - y)^2), whose gradient is

    dL/dw = 2 mean((y_hat - y) x),   dL/db = 2 mean(y_hat - y).

Gradient descent repeats ``w -= learning_rate * dL/dw`` (and the same for b).
:func:`gradient_descent` (numpy) and :func:`fit_with_gradient_tape` (TensorFlow)
both return a :class:`DescentPath`: (w, b) and the loss before the first step and
after every step. :func:`least_squares` gives the exact answer to compare with.
Taught in notebooks/01_linear_regression_gd.ipynb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _validate

#: A loss above this (or not finite) means the descent diverged: it stops there.
DIVERGED_LOSS = 1e12


@dataclass(frozen=True)
class DescentPath:
    """Where gradient descent went.

    w, b, loss: (S + 1,) float64 arrays, the start first and then the value after
    each of the S steps taken. ``learning_rate`` is the step size used;
    ``diverged`` is True when the loss ended higher than it started, or blew up
    past ``DIVERGED_LOSS`` (the run then stopped early).
    """

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    learning_rate: float
    diverged: bool = False

    @property
    def num_steps(self) -> int:
        """The number of steps taken (S)."""
        return len(self.loss) - 1

    @property
    def final(self) -> tuple[float, float]:
        """The last (w, b)."""
        return float(self.w[-1]), float(self.b[-1])


def make_linear_data(
    num_points: int = 50,
    *,
    true_w: float = 2.0,
    true_b: float = -1.0,
    noise_std: float = 0.5,
    x_range: tuple[float, float] = (-1.0, 3.0),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Points around the line y = true_w x + true_b, with Gaussian noise.

    Returns x: (num_points,) drawn uniformly from ``x_range`` and y: (num_points,)
    = true_w x + true_b + noise, noise ~ N(0, noise_std^2). Same seed, same data.
    """
    _validate.integer(num_points, "num_points", minimum=2)
    low, high = x_range
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}")
    if noise_std < 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=num_points)
    y = true_w * x + true_b + rng.normal(0.0, noise_std, size=num_points)
    return x, y


def predict(x, w: float, b: float) -> np.ndarray:
    """The neuron with identity activation: w * x + b. x: (N,). Returns (N,)."""
    x = np.asarray(x, dtype=np.float64)
    return w * x + b


def mse_loss(x, y, w: float, b: float) -> float:
    """Mean squared error of the line (w, b) on the points: mean((w x + b - y)^2).

    x, y: (N,). Returns a float.
    """
    x, y = _validate.points(x, y)
    return float(np.mean((w * x + b - y) ** 2))


def mse_gradient(x, y, w: float, b: float) -> tuple[float, float]:
    """Gradient of :func:`mse_loss` at (w, b): (2 mean((y_hat - y) x), 2 mean(y_hat - y)).

    x, y: (N,). Returns (dL/dw, dL/db) as floats.
    """
    x, y = _validate.points(x, y)
    error = w * x + b - y
    return float(2 * np.mean(error * x)), float(2 * np.mean(error))


def gradient_descent_step(x, y, w: float, b: float, learning_rate: float) -> tuple[float, float]:
    """One step downhill: both gradients at the current (w, b), then both updates.

    x, y: (N,). Returns the new (w, b).
    """
    dw, db = mse_gradient(x, y, w, b)
    return w - learning_rate * dw, b - learning_rate * db


def gradient_descent(
    x, y, *, learning_rate: float, num_steps: int, w0: float = 0.0, b0: float = 0.0
) -> DescentPath:
    """Fit the line by ``num_steps`` steps of gradient descent from (w0, b0).

    x, y: (N,). Returns a :class:`DescentPath` with the S + 1 values of (w, b)
    and the loss. A run whose loss exceeds ``DIVERGED_LOSS`` stops early; a run
    that ends with a higher loss than it started with is marked ``diverged``.
    """
    x, y = _validate.points(x, y)
    learning_rate = _validate.number(learning_rate, "learning_rate", positive=True)
    num_steps = _validate.integer(num_steps, "num_steps", minimum=0)
    w, b = _validate.number(w0, "w0"), _validate.number(b0, "b0")
    ws, bs, losses = [w], [b], [mse_loss(x, y, w, b)]
    diverged = False
    for _ in range(num_steps):
        w, b = gradient_descent_step(x, y, w, b, learning_rate)
        loss = mse_loss(x, y, w, b)
        ws.append(w)
        bs.append(b)
        losses.append(loss)
        if not math.isfinite(loss) or loss > DIVERGED_LOSS:
            diverged = True
            break
    diverged = diverged or losses[-1] > losses[0]
    return DescentPath(np.array(ws), np.array(bs), np.array(losses), learning_rate, diverged)


def least_squares(x, y) -> tuple[float, float]:
    """The exact minimiser of the mean squared error, without any descent.

    Solves the least-squares problem for the design matrix [x, 1] (what the
    normal equations XᵀX θ = Xᵀy describe). x, y: (N,) with at least two
    different x values. Returns (w, b).
    """
    x, y = _validate.points(x, y)
    if np.ptp(x) == 0:
        raise ValueError("least_squares needs at least two different x values to fit a line")
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(w), float(b)


def max_stable_learning_rate(x) -> float:
    """The learning rate above which gradient descent on this data diverges.

    The MSE is a quadratic bowl with Hessian H = (2/N) [[sum x², sum x], [sum x, N]];
    gradient descent converges exactly when learning_rate < 2 / (largest eigenvalue of H).
    x: (N,). Returns that bound, a float.
    """
    x, _ = _validate.points(x, np.zeros(np.shape(x)))
    n = len(x)
    hessian = (2.0 / n) * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), n]])
    return float(2.0 / np.linalg.eigvalsh(hessian)[-1])


def loss_surface(x, y, w_values, b_values) -> np.ndarray:
    """The loss at every (w, b) of a grid, for contour plots.

    x, y: (N,); w_values: (W,); b_values: (B,). Returns losses: (B, W) with
    ``losses[i, j] = mse_loss(x, y, w_values[j], b_values[i])`` (the layout
    ``plt.contour(w_values, b_values, losses)`` expects).
    """
    x, y = _validate.points(x, y)
    w_values = np.asarray(w_values, dtype=np.float64)
    b_values = np.asarray(b_values, dtype=np.float64)
    if w_values.ndim != 1 or b_values.ndim != 1:
        raise ValueError(
            f"w_values and b_values must be 1-D grids, got shapes {w_values.shape} and {b_values.shape}"
        )
    # Expand the square, mean((w x + b - y)^2), so that no (B, W, N) array is built.
    mx, my, mxx, mxy, myy = x.mean(), y.mean(), (x * x).mean(), (x * y).mean(), (y * y).mean()
    w, b = w_values[None, :], b_values[:, None]
    return w * w * mxx + 2 * w * b * mx + b * b - 2 * w * mxy - 2 * b * my + myy


def fit_with_gradient_tape(
    x,
    y,
    *,
    learning_rate: float,
    num_steps: int,
    w0: float = 0.0,
    b0: float = 0.0,
    dtype: str = "float32",
) -> DescentPath:
    """The same gradient descent in TensorFlow: ``tf.Variable`` and ``tf.GradientTape``.

    Instead of the hand-derived :func:`mse_gradient`, the tape records the
    forward computation and ``tape.gradient`` differentiates it. x, y: (N,).
    Computes in ``dtype`` (TensorFlow's usual float32 by default). Returns a
    :class:`DescentPath` like :func:`gradient_descent`.
    Taught in notebooks/01_linear_regression_gd.ipynb; the bridge to notebooks/04_mlp_gradienttape.ipynb.
    """
    import tensorflow as tf

    x, y = _validate.points(x, y)
    learning_rate = _validate.number(learning_rate, "learning_rate", positive=True)
    num_steps = _validate.integer(num_steps, "num_steps", minimum=0)
    x_tf, y_tf = tf.constant(x, dtype=dtype), tf.constant(y, dtype=dtype)
    w = tf.Variable(_validate.number(w0, "w0"), dtype=dtype)
    b = tf.Variable(_validate.number(b0, "b0"), dtype=dtype)

    def loss_fn():
        return tf.reduce_mean(tf.square(w * x_tf + b - y_tf))

    ws, bs, losses = [float(w.numpy())], [float(b.numpy())], [float(loss_fn().numpy())]
    diverged = False
    for _ in range(num_steps):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(learning_rate * dw)
        b.assign_sub(learning_rate * db)
        ws.append(float(w.numpy()))
        bs.append(float(b.numpy()))
        losses.append(float(loss_fn().numpy()))
        if not math.isfinite(losses[-1]) or losses[-1] > DIVERGED_LOSS:
            diverged = True
            break
    diverged = diverged or losses[-1] > losses[0]
    return DescentPath(np.array(ws), np.array(bs), np.array(losses), learning_rate, diverged)


__all__ = [
    "DIVERGED_LOSS",
    "DescentPath",
    "fit_with_gradient_tape",
    "gradient_descent",
    "gradient_descent_step",
    "least_squares",
    "loss_surface",
    "make_linear_data",
    "max_stable_learning_rate",
    "mse_gradient",
    "mse_loss",
    "predict",
]
