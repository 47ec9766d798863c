"""Loss functions in numpy, each with its gradient.

The shared contract:

* ``loss(y_true, y_pred, ...) -> float``, in Keras' argument order, the mean over
  the examples (``reduction="sum"`` adds them up, ``reduction="none"`` returns one
  loss per example, shape (N,)).
* ``loss_backward(y_true, y_pred, ...)`` is the gradient of that loss (mean or sum)
  with respect to ``y_pred``, shaped and typed like ``y_pred``.
* Losses computed from probabilities clip them to ``[EPSILON, 1 - EPSILON]``
  (``EPSILON = 1e-7``, Keras' value) so that log(0) never happens;
  ``from_logits=True`` (as in ``keras.losses``) takes raw scores instead and
  never needs clipping.
* The fused ``softmax_cross_entropy(logits, labels)`` and its backward
  ``(softmax(logits) - one_hot(labels)) / N`` take the logits first, as a layer
  does (cs231n's ``softmax_loss(x, y)``); the output layers of the networks use them.

Shapes: N examples, C classes. Class labels are integers (N,); one-hot or
probability targets are (N, C).
Taught in notebooks/03_losses.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import _validate
from .activations import log_softmax, sigmoid, softmax

#: Probabilities are clipped to [EPSILON, 1 - EPSILON] before taking logs (Keras uses the same).
EPSILON = 1e-7

_REDUCTIONS = ("mean", "sum", "none")


# --- input checks ----------------------------------------------------------------------


def _pair(y_true, y_pred):
    y_pred = _validate.float_array(y_pred, "y_pred")
    y_true = _validate.float_array(y_true, "y_true")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    if y_pred.ndim == 0:
        raise ValueError("y_true and y_pred must be arrays of shape (N,) or (N, K), got scalars")
    return y_true, y_pred


def _check_reduction(reduction: str, allow_none: bool = True) -> None:
    allowed = _REDUCTIONS if allow_none else _REDUCTIONS[:2]
    if reduction not in allowed:
        raise ValueError(f"reduction must be one of {allowed}, got {reduction!r}")


def _reduce(per_example: np.ndarray, reduction: str):
    _check_reduction(reduction)
    if reduction == "none":
        return per_example
    total = float(np.sum(per_example, dtype=np.float64))
    return total if reduction == "sum" else total / per_example.shape[0]


def _per_example_mean(values: np.ndarray) -> np.ndarray:
    """(N,) -> (N,) unchanged; (N, K, ...) -> (N,) mean over the rest."""
    if values.ndim == 1:
        return values
    return values.reshape(values.shape[0], -1).mean(axis=1)


def _elements_per_example(y: np.ndarray) -> int:
    return int(np.prod(y.shape[1:], dtype=np.int64)) if y.ndim > 1 else 1


def _scale(y: np.ndarray, reduction: str) -> float:
    """Factor that turns per-element gradients into gradients of the reduced loss."""
    _check_reduction(reduction, allow_none=False)
    scale = 1.0 / _elements_per_example(y)
    return scale / y.shape[0] if reduction == "mean" else scale


def _logits_2d(logits) -> np.ndarray:
    logits = _validate.float_array(logits, "logits")
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, C), got shape {logits.shape}")
    return logits


def _targets(labels, logits: np.ndarray) -> np.ndarray:
    """Class ids (N,) or one-hot/probabilities (N, C) -> (N, C) targets in the logits' dtype."""
    n, c = logits.shape
    labels = np.asarray(labels)
    if labels.ndim == 1:
        if labels.dtype.kind not in "iu":
            raise TypeError(
                f"labels of shape (N,) must be integer class ids, got dtype {labels.dtype}; "
                "pass one-hot targets with shape (N, C) instead"
            )
        if labels.shape[0] != n:
            raise ValueError(
                f"labels must have {n} entries, one per row of logits, got {labels.shape[0]}"
            )
        if n and (labels.min() < 0 or labels.max() >= c):
            raise ValueError(
                f"labels must be class ids in [0, {c - 1}], got values from {labels.min()} to {labels.max()}"
            )
        targets = np.zeros((n, c), dtype=logits.dtype)
        targets[np.arange(n), labels] = 1
        return targets
    if labels.shape != (n, c):
        raise ValueError(
            f"labels must be class ids (N,) = ({n},) or one-hot (N, C) = ({n}, {c}), got shape {labels.shape}"
        )
    return _validate.float_array(labels, "labels").astype(logits.dtype, copy=False)


# --- mean squared error ----------------------------------------------------------------


def mse(y_true, y_pred, *, reduction: str = "mean"):
    """Mean squared error, the mean of (y_pred - y_true)^2.

    y_true, y_pred: (N,) or (N, K). Per example it is the mean over the K outputs
    (as ``keras.losses.MeanSquaredError``). Returns a float, or (N,) with ``reduction="none"``.
    Taught in notebooks/01_linear_regression_gd.ipynb and notebooks/03_losses.ipynb.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return _reduce(_per_example_mean((y_pred - y_true) ** 2), reduction)


def mse_backward(y_true, y_pred, *, reduction: str = "mean"):
    """Gradient of :func:`mse` with respect to ``y_pred``: 2 (y_pred - y_true) / (N K) for the mean.

    y_true, y_pred: (N,) or (N, K). Returns an array shaped like ``y_pred``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return (2 * (y_pred - y_true) * _scale(y_pred, reduction)).astype(y_pred.dtype, copy=False)


# --- binary cross-entropy --------------------------------------------------------------


def binary_cross_entropy(y_true, y_pred, *, from_logits: bool = False, reduction: str = "mean"):
    """-[y log p + (1 - y) log(1 - p)] for targets y in [0, 1].

    y_true: (N,) or (N, K) targets in [0, 1]. y_pred: same shape, probabilities p
    (clipped to [EPSILON, 1 - EPSILON]) or, with ``from_logits=True``, scores z
    with p = sigmoid(z), computed stably as max(z, 0) - z y + log(1 + exp(-|z|)).
    Per example it is the mean over the K outputs (as Keras). Returns a float, or
    (N,) with ``reduction="none"``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if from_logits:
        z = y_pred
        elementwise = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
    else:
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        elementwise = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return _reduce(_per_example_mean(elementwise), reduction)


def binary_cross_entropy_backward(
    y_true, y_pred, *, from_logits: bool = False, reduction: str = "mean"
):
    """Gradient of :func:`binary_cross_entropy` with respect to ``y_pred``.

    From logits it is sigmoid(z) - y (scaled by 1/(N K) for the mean): it never
    vanishes while the prediction is wrong. From probabilities it is
    (p - y) / (p (1 - p)), with p clipped as in the forward pass.
    y_true, y_pred: (N,) or (N, K). Returns an array shaped like ``y_pred``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if from_logits:
        grad = sigmoid(y_pred) - y_true
    else:
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        grad = (p - y_true) / (p * (1 - p))
    return (grad * _scale(y_pred, reduction)).astype(y_pred.dtype, copy=False)


# --- categorical cross-entropy ---------------------------------------------------------


def _check_probability_targets(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    if y_pred.ndim != 2:
        raise ValueError(f"y_true and y_pred must have shape (N, C), got {y_pred.shape}")
    return y_true, y_pred


def categorical_cross_entropy(
    y_true, y_pred, *, from_logits: bool = False, reduction: str = "mean"
):
    """-sum_c y_c log p_c per example, for one-hot (or probability) targets.

    y_true: (N, C) one-hot targets. y_pred: (N, C) probabilities (rows summing to
    1; clipped to [EPSILON, 1 - EPSILON], so a probability of 0 costs
    -log(1e-7) ≈ 16.1 rather than infinity) or, with ``from_logits=True``, scores
    (then this is :func:`softmax_cross_entropy`). Returns a float, or (N,) with
    ``reduction="none"``.
    """
    y_true, y_pred = _check_probability_targets(y_true, y_pred)
    if from_logits:
        per_example = -np.sum(y_true * log_softmax(y_pred), axis=1)
    else:
        per_example = -np.sum(y_true * np.log(np.clip(y_pred, EPSILON, 1 - EPSILON)), axis=1)
    return _reduce(per_example, reduction)


def categorical_cross_entropy_backward(
    y_true, y_pred, *, from_logits: bool = False, reduction: str = "mean"
):
    """Gradient of :func:`categorical_cross_entropy` with respect to ``y_pred``.

    From probabilities: -y / p (p clipped), divided by N for the mean. From
    logits: softmax(z) - y, divided by N for the mean.
    y_true, y_pred: (N, C). Returns (N, C), typed like ``y_pred``.
    """
    y_true, y_pred = _check_probability_targets(y_true, y_pred)
    _check_reduction(reduction, allow_none=False)
    if from_logits:
        grad = softmax(y_pred) * np.sum(y_true, axis=1, keepdims=True) - y_true
    else:
        grad = -y_true / np.clip(y_pred, EPSILON, 1 - EPSILON)
    if reduction == "mean":
        grad = grad / y_pred.shape[0]
    return grad.astype(y_pred.dtype, copy=False)


def _sparse_to_one_hot(labels, y_pred) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(
            f"labels must be integer class ids of shape (N,), got shape {labels.shape}"
        )
    return _targets(labels, _logits_2d(y_pred))


def sparse_categorical_cross_entropy(
    labels, y_pred, *, from_logits: bool = False, reduction: str = "mean"
):
    """Categorical cross-entropy with integer class ids instead of one-hot rows.

    labels: (N,) ints in [0, C). y_pred: (N, C) probabilities, or scores with
    ``from_logits=True``. Per example it is -log p[label]. Returns a float, or
    (N,) with ``reduction="none"``.
    """
    targets = _sparse_to_one_hot(labels, y_pred)
    return categorical_cross_entropy(targets, y_pred, from_logits=from_logits, reduction=reduction)


def sparse_categorical_cross_entropy_backward(
    labels, y_pred, *, from_logits: bool = False, reduction: str = "mean"
):
    """Gradient of :func:`sparse_categorical_cross_entropy` with respect to ``y_pred``.

    labels: (N,) ints. y_pred: (N, C). Returns (N, C), typed like ``y_pred``.
    """
    targets = _sparse_to_one_hot(labels, y_pred)
    return categorical_cross_entropy_backward(
        targets, y_pred, from_logits=from_logits, reduction=reduction
    )


# --- softmax followed by cross-entropy, fused ------------------------------------------


def softmax_cross_entropy(logits, labels) -> float:
    """Mean cross-entropy of softmax(logits) against ``labels``, through log-softmax.

    logits: (N, C) float scores. labels: (N,) integer class ids or (N, C) one-hot
    (or probability) rows. Returns a float: -mean_n sum_c y_nc log softmax(logits)_nc.
    Finite for any finite logits: it never takes the log of a probability that
    underflowed to 0.
    Taught in notebooks/03_losses.ipynb; used by the output layer of notebooks/06_numpy_cnn.ipynb.
    """
    logits = _logits_2d(logits)
    targets = _targets(labels, logits)
    if logits.shape[0] == 0:
        raise ValueError(
            "softmax_cross_entropy needs at least one example, got logits of shape (0, C)"
        )
    return float(-np.sum(targets * log_softmax(logits), dtype=np.float64) / logits.shape[0])


def softmax_cross_entropy_backward(logits, labels) -> np.ndarray:
    """Gradient of :func:`softmax_cross_entropy` with respect to the logits: (softmax(logits) - y) / N.

    logits: (N, C) floats. labels: (N,) ints or (N, C) one-hot. Returns dlogits,
    (N, C), in the dtype of ``logits``. (For target rows y that do not sum to 1
    the exact gradient, softmax(logits) * sum(y) - y, is returned.)
    Taught in notebooks/03_losses.ipynb; used by the output layer of notebooks/06_numpy_cnn.ipynb.
    """
    logits = _logits_2d(logits)
    targets = _targets(labels, logits)
    if logits.shape[0] == 0:
        raise ValueError(
            "softmax_cross_entropy needs at least one example, got logits of shape (0, C)"
        )
    probs_times_mass = softmax(logits) * np.sum(
        targets, axis=1, keepdims=True
    )  # = softmax for one-hot rows
    return ((probs_times_mass - targets) / logits.shape[0]).astype(logits.dtype, copy=False)


__all__ = [
    "EPSILON",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "categorical_cross_entropy",
    "categorical_cross_entropy_backward",
    "mse",
    "mse_backward",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "sparse_categorical_cross_entropy",
    "sparse_categorical_cross_entropy_backward",
]
