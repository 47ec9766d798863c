"""Exercises of lesson 03: one-hot labels, cross-entropy from logits, and its gradient p - y.

* ``one_hot``: ``fn(labels: (N,) ints, num_classes) -> (N, num_classes)`` of 0s and 1s.
* ``cross_entropy_from_logits``: ``fn(logits: (N, C), labels: (N,)) -> float``, the
  mean cross-entropy, finite even for logits of ±1000.
* ``cross_entropy_gradient``: ``fn(logits: (N, C), labels: (N,)) -> (N, C)``, the
  gradient of that mean with respect to the logits, (softmax(logits) - one_hot) / N.

Taught in notebooks/03_losses.ipynb.
"""

from __future__ import annotations

import numpy as np

from ..activations import softmax
from . import Exercise, Hint, as_array

LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0], [1.0, -1.0, 0.0]])
LABELS = np.array([0, 2, 1, 0])


def _scalar(value, n: int) -> float:
    array = np.asarray(value, dtype=float)
    if array.shape == (n,):
        raise Hint(f"you returned one loss per example, shape ({n},): return their mean over the batch, one number.")
    if array.size != 1:
        raise Hint(f"return one number, the mean loss over the batch; got an array of shape {array.shape}.")
    return float(array.reshape(()))


# --- one-hot labels -----------------------------------------------------------------------


def one_hot(labels, num_classes):
    encoded = np.zeros((len(labels), num_classes))
    encoded[np.arange(len(labels)), labels] = 1.0  # row i gets a 1 in column labels[i]
    return encoded


def _check_one_hot(fn):
    labels, num_classes = np.array([2, 0, 1, 2]), 5
    expected = one_hot_exercise.reference(labels, num_classes)
    raw = np.asarray(fn(labels.copy(), num_classes), dtype=float)
    if raw.shape == (num_classes, len(labels)):
        raise Hint(f"the result is transposed: rows are examples, so the shape is (N, num_classes) = {expected.shape}, not {raw.shape}.")
    if raw.shape == (len(labels), labels.max() + 1):
        raise Hint(
            f"the width should be num_classes ({num_classes}), not labels.max() + 1 ({labels.max() + 1}): "
            "a batch need not contain every class."
        )
    got = as_array(raw, expected.shape, "one_hot")
    if np.array_equal(got, expected):
        return
    for shift in (-1, 1):
        shifted = np.zeros_like(expected)
        shifted[np.arange(len(labels)), (labels + shift) % num_classes] = 1
        if np.array_equal(got, shifted):
            raise Hint("each 1 is one column off: the 1 for label k goes in column k itself (classes count from 0).")
    if not np.allclose(got.sum(axis=1), 1.0):
        raise Hint(f"each row should hold exactly one 1 and zeros elsewhere; your rows sum to {got.sum(axis=1).tolist()}.")
    raise Hint(f"for labels {labels.tolist()} and {num_classes} classes expected {expected.astype(int).tolist()}, got {got.tolist()}.")


one_hot_exercise = Exercise(
    "one_hot",
    _check_one_hot,
    one_hot,
    task="Write one_hot(labels, num_classes): an (N, num_classes) array with a 1 in column labels[i] of row i.",
)


# --- cross-entropy from logits ------------------------------------------------------------


def cross_entropy_from_logits(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))  # log-softmax
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _check_cross_entropy_from_logits(fn):
    n = len(LABELS)
    expected = float(cross_entropy_from_logits_exercise.reference(LOGITS, LABELS))
    with np.errstate(all="ignore"):
        got = _scalar(fn(LOGITS.copy(), LABELS.copy()), n)
    if not np.isclose(got, expected, rtol=1e-6):
        if np.isclose(got, -expected, rtol=1e-6):
            raise Hint(f"got {got:.4f}, the negative of the cross-entropy {expected:.4f}: the loss is minus the mean log-probability.")
        if np.isclose(got, n * expected, rtol=1e-6):
            raise Hint(f"got {got:.4f}, {n} times the answer {expected:.4f} for {n} examples: take the mean over the batch, not the sum.")
        raise Hint(
            f"for logits {LOGITS.tolist()} and labels {LABELS.tolist()} the mean cross-entropy is {expected:.4f}, got {got:.4f}. "
            "Take each row's log-probability at its label: log_probs[np.arange(N), labels]."
        )
    big, big_labels = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, -1000.0]]), np.array([2, 0])
    expected = float(cross_entropy_from_logits_exercise.reference(big, big_labels))
    with np.errstate(all="ignore"):
        got = _scalar(fn(big.copy(), big_labels.copy()), 2)
    if not np.isfinite(got):
        raise Hint(
            f"for logits of ±1000 your loss is {got}: softmax rounds tiny probabilities to exactly 0 and log(0) = -inf "
            "(or exp(1000) overflows). Use log-softmax, z - max(z) - log(sum(exp(z - max(z)))), instead of log(softmax(z))."
        )
    if not np.isclose(got, expected, rtol=1e-6):
        raise Hint(
            f"for logits of ±1000 the loss is {expected:.1f}, got {got:.4f}: clipping the probabilities (or a small eps) "
            "hides how wrong the model is. Compute the log-probabilities with log-softmax instead."
        )


cross_entropy_from_logits_exercise = Exercise(
    "cross_entropy_from_logits",
    _check_cross_entropy_from_logits,
    cross_entropy_from_logits,
    task="Write cross_entropy_from_logits(logits, labels): the mean cross-entropy for logits (N, C) and integer "
    "labels (N,), finite even for logits of ±1000.",
)


# --- its gradient: p - y ------------------------------------------------------------------


def cross_entropy_gradient(logits, labels):
    n, num_classes = logits.shape
    shifted = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    probs = shifted / np.sum(shifted, axis=1, keepdims=True)  # softmax, (N, C)
    one_hot_labels = np.eye(num_classes)[labels]  # (N, C)
    return (probs - one_hot_labels) / n  # the loss is a mean over N examples


def _check_cross_entropy_gradient(fn):
    n = len(LABELS)
    expected = cross_entropy_gradient_exercise.reference(LOGITS, LABELS)
    with np.errstate(all="ignore"):
        got = as_array(fn(LOGITS.copy(), LABELS.copy()), LOGITS.shape, "cross_entropy_gradient")
    if np.allclose(got, expected, atol=1e-9):
        return
    if np.allclose(got, n * expected):
        raise Hint(f"{n} times too large: the loss is the mean over the {n} examples, so divide p - y by N.")
    if np.allclose(got, -expected) or np.allclose(got, -n * expected):
        raise Hint("wrong sign: the gradient is p - y (probabilities minus one-hot labels), not y - p.")
    probs = softmax(LOGITS)
    if np.allclose(got, probs / n) or np.allclose(got, probs):
        raise Hint("subtract the one-hot labels: the gradient is (p - y) / N, and each of its rows sums to 0.")
    if np.allclose(got.sum(axis=1), 0.0):
        raise Hint(
            "each row sums to 0 as it should, but the values are off: check that the 1 of each one-hot row "
            "sits at column labels[i] and that p is the softmax of each row."
        )
    raise Hint(f"for these logits the gradient is {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}.")


cross_entropy_gradient_exercise = Exercise(
    "cross_entropy_gradient",
    _check_cross_entropy_gradient,
    cross_entropy_gradient,
    task="Write cross_entropy_gradient(logits, labels): the gradient of the mean cross-entropy with respect to "
    "the logits, shape (N, C).",
)

one_hot = one_hot_exercise  # noqa: F811
cross_entropy_from_logits = cross_entropy_from_logits_exercise  # noqa: F811
cross_entropy_gradient = cross_entropy_gradient_exercise  # noqa: F811
EXERCISES = (one_hot_exercise, cross_entropy_from_logits_exercise, cross_entropy_gradient_exercise)

__all__ = ["EXERCISES", "cross_entropy_from_logits", "cross_entropy_gradient", "one_hot"]
