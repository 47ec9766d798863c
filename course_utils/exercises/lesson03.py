"""Exercises of lesson 03: one-hot labels, cross-entropy from logits, its gradient p - y, and
binary cross-entropy from one logit per example.

* ``one_hot``: ``fn(labels: (N,) ints, num_classes) -> (N, num_classes)`` of 0s and 1s.
* ``cross_entropy_from_logits``: ``fn(logits: (N, C), labels: (N,)) -> float``, the
  mean cross-entropy, finite even for logits of ±1000.
* ``cross_entropy_gradient``: ``fn(logits: (N, C), labels: (N,)) -> (N, C)``, the
  gradient of that mean with respect to the logits, (softmax(logits) - one_hot) / N.
* ``binary_cross_entropy_from_logits``: ``fn(logits: (N,), targets: (N,) of 0/1) -> float``,
  the mean of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], finite for logits of ±1000
  with no overflow (the lesson gives the formula from probabilities only).

Taught in notebooks/03_losses.ipynb.
"""

from __future__ import annotations

import numpy as np

from ..activations import softmax
from . import Hint, _LearnerError, as_array, exercise

LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0], [1.0, -1.0, 0.0]])
LABELS = np.array([0, 2, 1, 0])


def _scalar(value, n: int) -> float:
    array = np.asarray(value, dtype=float)
    if array.shape == (n,):
        raise Hint(
            f"you returned one loss per example, shape ({n},): return their mean over the batch, one number."
        )
    if array.size != 1:
        raise Hint(
            f"return one number, the mean loss over the batch; got an array of shape {array.shape}."
        )
    return float(array.reshape(()))


# --- one-hot labels -----------------------------------------------------------------------


def _check_one_hot(fn):
    labels, num_classes = np.array([2, 0, 1, 2]), 5
    expected = one_hot.reference(labels, num_classes)
    raw = np.asarray(fn(labels.copy(), num_classes), dtype=float)
    if raw.shape == (num_classes, len(labels)):
        raise Hint(
            f"the result is transposed: rows are examples, so the shape is (N, num_classes) = {expected.shape}, not {raw.shape}."
        )
    if raw.ndim == 2 and raw.shape[0] == len(labels) and raw.shape[1] != num_classes:
        guess = (
            " (labels.max() + 1: a batch need not contain every class)"
            if raw.shape[1] == labels.max() + 1
            else ""
        )
        raise Hint(
            f"the width should be num_classes = {num_classes}, the argument, but your array has {raw.shape[1]} "
            f"columns{guess}: np.zeros((len(labels), num_classes))."
        )
    got = as_array(raw, expected.shape, "one_hot")
    if np.array_equal(got, expected):
        _check_one_hot_few_examples(fn)
        return
    for shift in (-1, 1):
        shifted = np.zeros_like(expected)
        shifted[np.arange(len(labels)), (labels + shift) % num_classes] = 1
        if np.array_equal(got, shifted):
            raise Hint(
                "each 1 is one column off: the 1 for label k goes in column labels[i] = k itself (classes count from 0)."
            )
    columns = np.zeros_like(expected)
    columns[:, labels] = 1
    if np.array_equal(got, columns):
        raise Hint(
            "every row got a 1 in every labelled column: encoded[:, labels] = 1 sets whole columns. Pair each row "
            "with its own label: encoded[np.arange(len(labels)), labels] = 1 (row i, column labels[i])."
        )
    rows = np.zeros_like(expected)
    rows[labels] = 1
    if np.array_equal(got, rows):
        raise Hint(
            "encoded[labels] = 1 fills whole rows (the label picked a row): give a row index and a column index, "
            "encoded[np.arange(len(labels)), labels] = 1."
        )
    if not np.allclose(got.sum(axis=1), 1.0):
        raise Hint(
            f"each row should hold exactly one 1 and zeros elsewhere; your rows sum to {got.sum(axis=1).tolist()}."
        )
    raise Hint(
        f"for labels {labels.tolist()} and {num_classes} classes expected {expected.astype(int).tolist()}, got {got.tolist()}."
    )


def _check_one_hot_few_examples(fn):
    """Fewer examples than classes, with a label past N: np.eye(len(labels), C)[labels] fails here."""
    labels, num_classes = np.array([4, 1]), 5
    expected = one_hot.reference(labels, num_classes)
    wrong_eye = f"for labels {labels.tolist()} (2 examples, {num_classes} classes)"
    try:
        got = fn(labels.copy(), num_classes)
    except _LearnerError as raised:
        if not isinstance(raised.error, IndexError):
            raise
        raise Hint(
            f"{wrong_eye} your function raised IndexError ({raised.error}): a label picks a column, and there are "
            "num_classes of them; the number of rows is len(labels). np.eye(num_classes)[labels] or "
            "np.zeros((len(labels), num_classes)), not np.eye(len(labels), ...)."
        ) from None
    got = as_array(got, expected.shape, "one_hot")
    if not np.array_equal(got, expected):
        raise Hint(
            f"{wrong_eye} expected {expected.astype(int).tolist()}, got {got.tolist()}: right when there are more "
            "examples than classes, wrong with fewer. Rows come from len(labels), columns from num_classes."
        )


@exercise(
    _check_one_hot,
    task="Write one_hot(labels, num_classes): an (N, num_classes) array with a 1 in column labels[i] of row i.",
    switched_off=("course_utils.data.one_hot",),
)
def one_hot(labels, num_classes):
    # labels: (N,) integers in 0 .. num_classes - 1. Rows are examples, columns are classes, so the
    # shape comes from len(labels) and the argument num_classes (a batch need not hold every class).
    # np.zeros gives floats, the type the losses compute with.
    encoded = np.zeros((len(labels), num_classes))
    # Two index arrays pick one entry per pair: row i, column labels[i]. (encoded[:, labels]
    # would set whole columns.)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


# --- cross-entropy from logits ------------------------------------------------------------


def _log_softmax(logits):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _check_cross_entropy_from_logits(fn):
    n = len(LABELS)
    expected = float(cross_entropy_from_logits.reference(LOGITS, LABELS))
    got = _scalar(fn(LOGITS.copy(), LABELS.copy()), n)
    if not np.isclose(got, expected, rtol=1e-6):
        picked = np.arange(n), LABELS
        if np.isclose(got, -expected, rtol=1e-6):
            raise Hint(
                f"got {got:.4f}, the negative of the cross-entropy {expected:.4f}: the loss is minus the mean log-probability."
            )
        if np.isclose(got, n * expected, rtol=1e-6):
            raise Hint(
                f"got {got:.4f}, {n} times the answer {expected:.4f} for {n} examples: take the mean over the batch, not the sum."
            )
        if np.isclose(got, expected / LOGITS.shape[1], rtol=1e-6):
            raise Hint(
                f"got {got:.4f}, the answer divided by C = {LOGITS.shape[1]}: np.mean over the whole (N, C) array divides "
                "by N * C. Pick one log-probability per row first, then average those N numbers."
            )
        if np.isclose(got, expected / np.log(10), rtol=1e-6) or np.isclose(
            got, expected / np.log(2), rtol=1e-6
        ):
            raise Hint(
                "use the natural logarithm, np.log (base e, which softmax's exp goes with), not np.log10 or np.log2."
            )
        shifted = LOGITS - LOGITS.max(axis=1, keepdims=True)
        if np.isclose(got, -np.mean(shifted[picked]), rtol=1e-6):
            raise Hint(
                "z - max(z) alone is not the log-softmax: subtract the log-sum-exp too, "
                "log_probs = z - max(z) - log(sum(exp(z - max(z)))) along each row."
            )
        whole = shifted - np.log(np.sum(np.exp(shifted)))
        if np.isclose(got, -np.mean(whole[picked]), rtol=1e-6):
            raise Hint(
                "the log-sum-exp was taken over the whole array: np.sum(np.exp(shifted)) without an axis adds all "
                "N * C entries. Sum each row, np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))."
            )
        if np.isclose(got, -np.mean(_log_softmax(LOGITS)[:, LABELS]), rtol=1e-6):
            raise Hint(
                "log_probs[:, labels] takes every row at every label (an N x N block): take one value per row, "
                "log_probs[np.arange(N), labels] (row i, column labels[i])."
            )
        raise Hint(
            f"for logits {LOGITS.tolist()} and labels {LABELS.tolist()} the mean cross-entropy is {expected:.4f}, got {got:.4f}. "
            "Take each row's log-probability at its label: log_probs[np.arange(N), labels]."
        )
    mixed, mixed_labels = np.array([[0.0, 1.0, 2.0], [1000.0, 1001.0, 1002.0]]), np.array([0, 2])
    got = _scalar(fn(mixed.copy(), mixed_labels.copy()), 2)
    if not np.isclose(
        got, float(cross_entropy_from_logits.reference(mixed, mixed_labels)), rtol=1e-6
    ):
        raise Hint(
            f"for the rows [0, 1, 2] and [1000, 1001, 1002] your loss is {got}: subtracting the maximum of the whole "
            "array (1002) leaves exp(0 - 1002) = 0 in the first row and log(0) = -inf. Subtract each row's own "
            "maximum, np.max(logits, axis=1, keepdims=True)."
        )
    big, big_labels = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, -1000.0]]), np.array([2, 0])
    expected = float(cross_entropy_from_logits.reference(big, big_labels))
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


@exercise(
    _check_cross_entropy_from_logits,
    task="Write cross_entropy_from_logits(logits, labels): the mean cross-entropy for logits (N, C) and integer "
    "labels (N,), finite even for logits of ±1000.",
    switched_off=(
        "course_utils.losses.softmax_cross_entropy",
        "course_utils.losses.sparse_categorical_cross_entropy",
    ),
)
def cross_entropy_from_logits(logits, labels):
    # logits: (N, C); labels: (N,) integers. Each row gets its own maximum, an (N, 1) column:
    # with one maximum for the whole batch, a row near 0 beside a row near 1000 would underflow.
    shifted = logits - np.max(logits, axis=1, keepdims=True)  # every entry <= 0
    # log-softmax: log p = shifted - log(sum(exp(shifted))). The sum is at least 1 (the maximum's
    # own term is exp(0)), so its log is finite: no log(0), unlike np.log(softmax(logits)).
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))  # (N, C)
    # One log-probability per row, at its label: shape (N,). The loss is their mean, negated
    # (log p <= 0, and the loss should be >= 0).
    return -np.mean(log_probs[np.arange(len(labels)), labels])


# --- its gradient: p - y ------------------------------------------------------------------


def _check_cross_entropy_gradient(fn):
    n, num_classes = LOGITS.shape
    expected = cross_entropy_gradient.reference(LOGITS, LABELS)
    got = as_array(fn(LOGITS.copy(), LABELS.copy()), LOGITS.shape, "cross_entropy_gradient")
    if not np.allclose(got, expected, atol=1e-9):
        probs = softmax(LOGITS)
        one_hot_rows = np.eye(num_classes)[LABELS]
        if np.allclose(got, n * expected):
            raise Hint(
                f"{n} times too large: the loss is the mean over the {n} examples, so divide p - y by N."
            )
        if np.allclose(got, n / num_classes * expected):
            raise Hint(
                f"divide by N = {n}, the number of examples (the loss is their mean), not by C = {num_classes}, the number of classes."
            )
        if np.allclose(got, expected / num_classes):
            raise Hint(
                f"{num_classes} times too small: you divided by N * C = {n * num_classes} (logits.size, or a mean over "
                f"every entry); the loss averages over the N = {n} examples only, so divide p - y by N."
            )
        if np.allclose(got, -expected) or np.allclose(got, -n * expected):
            raise Hint(
                "wrong sign: the gradient is p - y (probabilities minus one-hot labels), not y - p."
            )
        if np.allclose(got, probs / n) or np.allclose(got, probs):
            raise Hint(
                "subtract the one-hot labels: the gradient is (p - y) / N, and each of its rows sums to 0."
            )
        if np.allclose(got, (probs - LABELS[:, None]) / n):
            raise Hint(
                "labels are integers, not one-hot rows: subtract np.eye(C)[labels] (a 1 at column labels[i] of row i), not labels itself."
            )
        columns = probs.copy()
        columns[:, LABELS] -= 1
        if np.allclose(got, columns / n):
            raise Hint(
                "probs[:, labels] -= 1 subtracts 1 in whole columns: subtract it once per row, probs[np.arange(N), labels] -= 1."
            )
        column_softmax = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=0)
        if np.allclose(got, (column_softmax - one_hot_rows) / n):
            raise Hint(
                "the softmax went down the columns: normalise each row, np.sum(..., axis=1, keepdims=True)."
            )
        if np.allclose(got.sum(axis=1), 0.0):
            raise Hint(
                "each row sums to 0 as it should, but the values are off: check that the 1 of each one-hot row "
                "sits at column labels[i] and that p is the softmax of each row."
            )
        raise Hint(
            f"for these logits the gradient is {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}."
        )
    for large, large_labels in (
        (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, -1000.0]]), np.array([2, 1])),
        (np.array([[0.0, 1.0, 2.0], [1000.0, 1001.0, 1002.0]]), np.array([0, 2])),
    ):
        got = as_array(fn(large.copy(), large_labels.copy()), large.shape, "cross_entropy_gradient")
        if not np.allclose(got, cross_entropy_gradient.reference(large, large_labels), atol=1e-9):
            raise Hint(
                f"for logits {large.tolist()} you got {got.tolist()}: compute the softmax stably, subtracting each row's "
                "own maximum (np.max(logits, axis=1, keepdims=True)) before np.exp, so that nothing overflows or turns into 0 / 0."
            )


@exercise(
    _check_cross_entropy_gradient,
    task="Write cross_entropy_gradient(logits, labels): the gradient of the mean cross-entropy with respect to "
    "the logits, shape (N, C).",
    switched_off=(
        "course_utils.losses.softmax_cross_entropy_backward",
        "course_utils.losses.sparse_categorical_cross_entropy_backward",
    ),
)
def cross_entropy_gradient(logits, labels):
    n, num_classes = logits.shape  # (N, C)
    shifted = np.exp(logits - np.max(logits, axis=1, keepdims=True))  # stable: exponents <= 0
    probs = shifted / np.sum(shifted, axis=1, keepdims=True)  # softmax of each row, (N, C)
    one_hot_labels = np.eye(num_classes)[labels]  # row labels[i] of the identity, (N, C)
    # For one example dL/dz = p - y (section 4). The loss is the mean over N examples, so each
    # example's gradient carries the 1/N of that mean (not 1/C: the classes are not averaged).
    return (probs - one_hot_labels) / n


# --- binary cross-entropy from one logit ---------------------------------------------------

BINARY_LOGITS = np.array([2.0, -1.0, 0.5, -3.0, 2.5])
BINARY_TARGETS = np.array([1.0, 0.0, 0.0, 1.0, 1.0])


def _check_binary_cross_entropy_from_logits(fn):
    z, y = BINARY_LOGITS, BINARY_TARGETS
    n = len(z)
    expected = float(binary_cross_entropy_from_logits.reference(z, y))
    got = _scalar(fn(z.copy(), y.copy()), n)
    if not np.isclose(got, expected, rtol=1e-6):
        softplus = np.log1p(np.exp(-np.abs(z)))
        named = {
            f"got {got:.4f}, the negative of the loss {expected:.4f}: the loss is minus the mean log-probability, "
            "and it is never negative.": -expected,
            f"got {got:.4f}, {n} times the answer {expected:.4f} for {n} examples: take the mean over the batch, "
            "not the sum.": n * expected,
            "the targets are swapped: y = 1 means 'yes', whose probability is sigmoid(z); "
            "you scored each example against 1 - y.": np.mean(
                np.maximum(z, 0) - z * (1 - y) + softplus
            ),
            "the term z * y has the wrong sign: -y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)) gives "
            "-z * y, not +z * y.": np.mean(np.maximum(z, 0) + z * y + softplus),
            "the log(1 + exp(-|z|)) term is missing: max(z, 0) - z * y alone is the loss only far from z = 0.": np.mean(
                np.maximum(z, 0) - z * y
            ),
            "min(z, 0) where max(z, 0) belongs: the positive part of z is what exp(-|z|) leaves out.": np.mean(
                np.minimum(z, 0) - z * y + softplus
            ),
            "np.max(z, 0) is the largest entry of z (the 0 is the axis), one number for every example: the "
            "entry-by-entry maximum of z and 0 is np.maximum(z, 0).": np.mean(
                np.max(z) - z * y + softplus
            ),
            "use the natural logarithm, np.log or np.log1p (base e, which sigmoid's exp goes with), not np.log10 "
            "or np.log2.": np.mean(np.maximum(z, 0) - z * y + np.log10(1 + np.exp(-np.abs(z)))),
            "log(1 + exp(-|z|)) lost its 1: np.log1p(a) is log(1 + a), np.log(a) is not.": np.mean(
                np.maximum(z, 0) - z * y - np.abs(z)
            ),
            "with max(z, 0) in front the last term needs |z|, log(1 + exp(-|z|)): log(1 + exp(-z)) is right only "
            "for z >= 0, and exp(-z) overflows at z = -1000.": np.mean(
                np.maximum(z, 0) - z * y + np.log1p(np.exp(-z))
            ),
        }
        for hint, wrong in named.items():
            if np.isclose(got, wrong, rtol=1e-6):
                raise Hint(hint)
        raise Hint(
            f"for logits {z.tolist()} and targets {y.tolist()} the mean binary cross-entropy is {expected:.4f}, "
            f"got {got:.4f}. Per example it is -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]; write both logs "
            "in terms of z first."
        )
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    expected = float(binary_cross_entropy_from_logits.reference(z, y))
    got = _scalar(fn(z.copy(), y.copy()), n)
    if not np.isfinite(got):
        raise Hint(
            f"for logits {z.tolist()} your loss is {got}: sigmoid(1000) rounds to exactly 1 and sigmoid(-1000) to 0, "
            "so log(1 - p) or log(p) is log(0) = -inf (and 0 * -inf = nan), or exp(1000) overflowed. Compute from "
            "logits: write log sigmoid(z) and log(1 - sigmoid(z)) in terms of z, then exponentiate only -|z|."
        )
    clipped = np.clip(1 / (1 + np.exp(-np.clip(z, -500, 500))), 1e-7, 1 - 1e-7)
    if np.isclose(got, -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)), rtol=1e-3):
        raise Hint(
            f"for logits of ±1000 the loss is {expected:.1f}, got {got:.4f}: clipping the probabilities (or adding "
            "a small eps) caps each example's loss near 16 however wrong the model is. Compute from the logit "
            "instead, where nothing needs clipping."
        )
    if not np.isclose(got, expected, rtol=1e-6):
        raise Hint(
            f"for logits {z.tolist()} and targets {y.tolist()} the loss is {expected:.4f}, got {got:.4f}: right for "
            "small logits, wrong for large ones. Is something clipped or rounded on the way?"
        )


@exercise(
    _check_binary_cross_entropy_from_logits,
    task="Write binary_cross_entropy_from_logits(logits, targets) for one logit per example, shape (N,), and "
    "targets of 0s and 1s: the mean binary cross-entropy of sigmoid(logits), finite for logits of ±1000 "
    "without any overflow.",
    switched_off=(
        "course_utils.losses.binary_cross_entropy",
        "tensorflow.nn.sigmoid_cross_entropy_with_logits",
        "keras.losses.binary_crossentropy",
        "keras.losses.BinaryCrossentropy",
    ),
)
def binary_cross_entropy_from_logits(logits, targets):
    z, y = logits, targets  # both (N,); y is 1 for "yes", 0 for "no"
    # With p = sigmoid(z) = 1 / (1 + exp(-z)):
    #   log p      = -log(1 + exp(-z))
    #   log(1 - p) = log sigmoid(-z) = -z - log(1 + exp(-z))
    # so the loss per example, -[y log p + (1 - y) log(1 - p)], is z - z * y + log(1 + exp(-z)).
    # That overflows for z = -1000 (exp(1000) is inf). For z < 0 use the equal form
    # -z * y + log(1 + exp(z)); both cases in one line:
    #   max(z, 0) - z * y + log(1 + exp(-|z|)).
    # exp(-|z|) lies in (0, 1], so nothing overflows, and log1p(a) = log(1 + a) is exact for tiny a.
    # No probability is ever rounded to 0 or 1, so there is no log(0) and nothing to clip.
    per_example = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))  # (N,), each >= 0
    return np.mean(per_example)  # the loss is the mean over the batch


EXERCISES = (
    one_hot,
    cross_entropy_from_logits,
    cross_entropy_gradient,
    binary_cross_entropy_from_logits,
)

__all__ = [
    "EXERCISES",
    "binary_cross_entropy_from_logits",
    "cross_entropy_from_logits",
    "cross_entropy_gradient",
    "one_hot",
]
