"""Optimizers for the numpy networks: SGD with momentum and Adam.

The shared contract: every optimizer has ``step(params, grads)``, where
``params`` and ``grads`` are dicts with the same keys (``"conv1.w"``, ...) whose
values are arrays of the same shape; ``step`` updates every array of ``params``
**in place** (the layers hold the same arrays) and keeps its own state (velocity,
moments) per key. ``learning_rate`` is a plain attribute, so a schedule may
change it between steps. The updates follow Keras' formulas, so the same
hyperparameters mean the same thing in both. Updates keep the parameters' dtype.
Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import _validate


class Optimizer:
    """Base class: checks that ``params`` and ``grads`` match, then calls ``_update`` per key."""

    def __init__(self, learning_rate: float):
        self.learning_rate = _validate.number(learning_rate, "learning_rate", positive=True)
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every ``params[key]`` in place from ``grads[key]``."""
        if set(params) != set(grads):
            missing = sorted(set(params) - set(grads))
            extra = sorted(set(grads) - set(params))
            raise ValueError(
                f"{type(self).__name__}.step: params and grads must have the same keys; "
                f"no gradient for {missing}, gradient without a parameter for {extra}"
            )
        self.iterations += 1
        for key, param in params.items():
            grad = grads[key]
            if grad.shape != param.shape:
                raise ValueError(
                    f"{type(self).__name__}.step: gradient of {key!r} has shape {grad.shape}, "
                    f"the parameter has shape {param.shape}"
                )
            self._update(key, param, grad.astype(param.dtype, copy=False))

    def _update(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate:g})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum: ``v = momentum * v - lr * g;  p += v``.

    With ``momentum=0`` this is plain ``p -= lr * g``.
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0):
        super().__init__(learning_rate)
        self.momentum = _validate.probability(momentum, "momentum")

    def _update(self, key, param, grad):
        if self.momentum == 0:
            param -= self.learning_rate * grad
            return
        velocity = self.state.setdefault(key, {"velocity": np.zeros_like(param)})["velocity"]
        velocity *= self.momentum
        velocity -= self.learning_rate * grad
        param += velocity


class Adam(Optimizer):
    """Adam: running means of the gradient (m) and of its square (v), bias-corrected.

    ``m += (1 - beta_1) (g - m);  v += (1 - beta_2) (g^2 - v);
    p -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)``, as in Keras.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ):
        super().__init__(learning_rate)
        self.beta_1 = _validate.probability(beta_1, "beta_1")
        self.beta_2 = _validate.probability(beta_2, "beta_2")
        self.epsilon = _validate.number(epsilon, "epsilon", positive=True)

    def _update(self, key, param, grad):
        t = self.iterations  # this step's number, counted from 1
        # a Python float: a numpy float64 scalar here would make every update float64 (numpy 2 rules)
        step_size = float(self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t))
        state = self.state.setdefault(key, {"m": np.zeros_like(param), "v": np.zeros_like(param)})
        m, v = state["m"], state["v"]
        m += (1 - self.beta_1) * (grad - m)
        v += (1 - self.beta_2) * (grad * grad - v)
        param -= step_size * m / (np.sqrt(v) + self.epsilon)


__all__ = ["Optimizer", "SGD", "Adam"]
