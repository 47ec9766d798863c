"""Plausible answers, right and wrong, to the exercises of lesson 03 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case, _course
from .lesson02 import _softmax_ref, _softmax_scipy


def _one_hot_loop(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    for i, label in enumerate(labels):
        out[i][label] = 1
    return out


def _one_hot_columns(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[:, labels] = 1
    return out


def _one_hot_rows(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[labels] = 1
    return out


def _one_hot_zeros_args(labels, num_classes):
    out = np.zeros(len(labels), num_classes)
    out[np.arange(len(labels)), labels] = 1
    return out


def _one_hot_shift(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels - 1] = 1
    return out


def _one_hot_width(width):
    def one_hot(labels, num_classes):
        out = np.zeros((len(labels), width(labels, num_classes)))
        out[np.arange(len(labels)), labels] = 1
        return out

    return one_hot


def _one_hot_inplace(labels, num_classes):
    labels.sort()
    return np.eye(num_classes)[labels]


ONE_HOT = [
    Case("reference (np.eye)", lambda labels, num_classes: np.eye(num_classes)[labels], ACCEPTED),
    Case("loop", _one_hot_loop, ACCEPTED),
    Case(
        "comparison with arange",
        lambda labels, num_classes: labels[:, None] == np.arange(num_classes),
        ACCEPTED,
    ),
    Case(
        "integer dtype",
        lambda labels, num_classes: np.eye(num_classes, dtype=int)[labels],
        ACCEPTED,
    ),
    Case(
        "transposed (C, N)",
        lambda labels, num_classes: np.eye(num_classes)[labels].T,
        r"transpos|\(N, num_classes\)",
    ),
    Case("np.zeros(N, C)", _one_hot_zeros_args, r"tuple|np\.zeros\(\("),
    Case("sets whole columns", _one_hot_columns, r"column|np\.arange|row i"),
    Case("indexes rows by label", _one_hot_rows, r"row|np\.arange"),
    Case("labels - 1", _one_hot_shift, r"column labels\[i\]|- 1|one column"),
    Case(
        "width max(labels) + 1", _one_hot_width(lambda labels, c: labels.max() + 1), r"num_classes"
    ),
    Case("width num_classes + 1", _one_hot_width(lambda labels, c: c + 1), r"num_classes"),
    Case(
        "width = number of distinct labels",
        _one_hot_width(lambda labels, c: len(set(labels.tolist()))),
        r"num_classes",
    ),
    Case(
        "ones instead of zeros",
        lambda labels, num_classes: 1 - np.eye(num_classes)[labels] + np.eye(num_classes)[labels],
        r"0 elsewhere|zeros|only one",
    ),
    Case("returns the labels", lambda labels, num_classes: labels, r"shape|\(N, num_classes\)"),
    Case("sorts labels in place", _one_hot_inplace, r"chang|in place|modif"),
    Case(
        "the course's own data.one_hot",
        lambda labels, num_classes: _course("data").one_hot(labels, num_classes),
        r"switched off",
    ),
    Case(
        "np.eye(len(labels), num_classes)[labels]: rows from N",
        lambda labels, num_classes: np.eye(len(labels), num_classes)[labels],
        r"np\.eye\(len\(labels\)",
    ),
    Case(
        "the labels as values instead of 1",
        lambda labels, num_classes: np.eye(num_classes)[labels] * labels[:, None],
        r"exactly one 1",
    ),
]


def _ce_ref(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _log_softmax(logits, shift=None):
    shifted = logits - (np.max(logits, axis=1, keepdims=True) if shift is None else shift(logits))
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _ce_scipy(logits, labels):
    from scipy.special import logsumexp

    picked = np.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return float(np.mean(logsumexp(logits, axis=1) - picked))


def _ce_one_hot(logits, labels):
    one_hot = np.eye(logits.shape[1])[labels]
    return -np.sum(one_hot * _log_softmax(logits)) / len(labels)


def _ce_loop(logits, labels):
    total = 0.0
    for row, label in zip(logits, labels):
        m = row.max()
        total += m + np.log(np.exp(row - m).sum()) - row[label]
    return total / len(labels)


def _ce_naive(logits, labels):
    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def _ce_log_of_stable_softmax(logits, labels):
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def _ce_clipped(logits, labels):
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    probs = np.clip(e / e.sum(axis=1, keepdims=True), 1e-12, 1.0)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels]))


def _ce_inplace(logits, labels):
    logits -= np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _ce_labels_as_one_hot(logits, labels):
    return -np.sum(labels * _log_softmax(logits)) / len(labels)


def _ce_no_keepdims(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _ce_logsumexp_of_everything(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted)))  # no axis: all N * C entries
    return -np.mean(log_probs[np.arange(len(labels)), labels])


CROSS_ENTROPY_FROM_LOGITS = [
    Case("reference", _ce_ref, ACCEPTED),
    Case("scipy logsumexp + take_along_axis", _ce_scipy, ACCEPTED),
    Case("one-hot weighted sum", _ce_one_hot, ACCEPTED),
    Case("loop over rows", _ce_loop, ACCEPTED),
    Case("naive log(softmax): overflows", _ce_naive, r"overflow|inf|nan"),
    Case(
        "log of a stable softmax: log(0)",
        _ce_log_of_stable_softmax,
        r"log\(0\)|log-softmax|-inf|inf",
    ),
    Case("clipped log(softmax)", _ce_clipped, r"clip"),
    Case(
        "subtracts the max of the whole array",
        lambda lg, lb: -np.mean(_log_softmax(lg, lambda z: np.max(z))[np.arange(len(lb)), lb]),
        r"whole array|each row|per row",
    ),
    Case(
        "sum instead of mean",
        lambda lg, lb: -np.sum(_log_softmax(lg)[np.arange(len(lb)), lb]),
        r"mean|sum|N\b",
    ),
    Case(
        "missing minus sign",
        lambda lg, lb: np.mean(_log_softmax(lg)[np.arange(len(lb)), lb]),
        r"sign|minus|negative",
    ),
    Case(
        "picks columns [:, labels]",
        lambda lg, lb: -np.mean(_log_softmax(lg)[:, lb]),
        r"np\.arange|one value per row|row i",
    ),
    Case("integer labels used as one-hot", _ce_labels_as_one_hot, r"integer|one-hot"),
    Case(
        "mean over all N*C entries",
        lambda lg, lb: -np.mean(np.eye(lg.shape[1])[lb] * _log_softmax(lg)),
        r"mean|N\b|C\b",
    ),
    Case(
        "returns the per-example losses",
        lambda lg, lb: -_log_softmax(lg)[np.arange(len(lb)), lb],
        r"one number|mean|scalar",
    ),
    Case("log-sum-exp without keepdims", _ce_no_keepdims, r"keepdims"),
    Case(
        "log base 10",
        lambda lg, lb: -np.mean(_log_softmax(lg)[np.arange(len(lb)), lb]) / np.log(10),
        r"natural|log10|base",
    ),
    Case("changes logits in place", _ce_inplace, r"chang|in place|modif"),
    Case(
        "forgets the log-sum-exp",
        lambda lg, lb: -np.mean((lg - lg.max(axis=1, keepdims=True))[np.arange(len(lb)), lb]),
        r"log-sum-exp|logsumexp|log\(sum",
    ),
    Case(
        "the course's own losses.softmax_cross_entropy",
        lambda lg, lb: _course("losses").softmax_cross_entropy(lg, lb),
        r"switched off",
    ),
    Case(
        "log-sum-exp over the whole array",
        _ce_logsumexp_of_everything,
        r"over the whole array.*axis=1",
    ),
    Case(
        "log of clipped probabilities",
        lambda logits, labels: -np.mean(
            np.log(np.clip(_softmax_ref(logits), 1e-7, 1))[np.arange(len(labels)), labels]
        ),
        r"clipping the probabilities",
    ),
    Case(
        "the log-probability of class 0 for every row",
        lambda logits, labels: -np.mean(_log_softmax(logits)[:, 0]),
        r"at its label",
    ),
]


def _grad_ref(logits, labels):
    n, c = logits.shape
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True) - np.eye(c)[labels]) / n


def _softmax_rows(logits):
    return _softmax_ref(logits)


def _grad_subtract_inplace_copy(logits, labels):
    grad = _softmax_rows(logits)
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)


def _grad_wrong_index(logits, labels):
    grad = _softmax_rows(logits)
    grad[:, labels] -= 1
    return grad / len(labels)


def _grad_inplace(logits, labels):
    logits -= np.max(logits, axis=1, keepdims=True)
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / len(labels)


def _grad_no_shift(logits, labels):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / len(labels)


def _gradient_over_size(logits, labels):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[labels]) / logits.size


CROSS_ENTROPY_GRADIENT = [
    Case("reference", _grad_ref, ACCEPTED),
    Case("softmax, then -1 at the label", _grad_subtract_inplace_copy, ACCEPTED),
    Case(
        "scipy softmax",
        lambda lg, lb: (_softmax_scipy(lg) - np.eye(lg.shape[1])[lb]) / len(lb),
        ACCEPTED,
    ),
    Case(
        "missing / N",
        lambda lg, lb: _softmax_rows(lg) - np.eye(lg.shape[1])[lb],
        r"N\b|mean|divide",
    ),
    Case(
        "sign flipped (y - p)",
        lambda lg, lb: (np.eye(lg.shape[1])[lb] - _softmax_rows(lg)) / len(lb),
        r"sign|p - y",
    ),
    Case("no shift: overflows", _grad_no_shift, r"overflow|nan|inf"),
    Case(
        "softmax over axis 0",
        lambda lg, lb: (
            (
                np.exp(lg - lg.max(axis=0)) / np.exp(lg - lg.max(axis=0)).sum(axis=0)
                - np.eye(lg.shape[1])[lb]
            )
            / len(lb)
        ),
        r"axis|row",
    ),
    Case(
        "np.eye(N) instead of np.eye(C)",
        lambda lg, lb: (_softmax_rows(lg) - np.eye(len(lb))[lb]) / len(lb),
        r"one-hot|label|num_classes|C\b",
    ),
    Case("-1 in whole columns", _grad_wrong_index, r"np\.arange|label|row i"),
    Case(
        "returns the softmax", lambda lg, lb: _softmax_rows(lg) / len(lb), r"one-hot|subtract|p - y"
    ),
    Case(
        "divides by C",
        lambda lg, lb: (_softmax_rows(lg) - np.eye(lg.shape[1])[lb]) / lg.shape[1],
        r"N\b|number of examples",
    ),
    Case("changes logits in place", _grad_inplace, r"chang|in place|modif"),
    Case(
        "integer labels subtracted directly",
        lambda lg, lb: (_softmax_rows(lg) - lb[:, None]) / len(lb),
        r"one-hot|integer",
    ),
    Case(
        "mean over rows: shape (C,)",
        lambda lg, lb: (_softmax_rows(lg) - np.eye(lg.shape[1])[lb]).mean(axis=0),
        r"shape",
    ),
    Case(
        "global max shift",
        lambda lg, lb: (
            (
                np.exp(lg - lg.max()) / np.exp(lg - lg.max()).sum(axis=1, keepdims=True)
                - np.eye(lg.shape[1])[lb]
            )
            / len(lb)
        ),
        r"whole array|each row|per row|nan",
    ),
    Case(
        "the course's own losses.softmax_cross_entropy_backward",
        lambda lg, lb: _course("losses").softmax_cross_entropy_backward(lg, lb),
        r"switched off",
    ),
    Case("divides by N * C (logits.size)", _gradient_over_size, r"N \* C"),
    Case(
        "the one-hot one column off",
        lambda logits, labels: _grad_ref(logits, (labels + 1) % logits.shape[1]),
        r"column labels\[i\]",
    ),
    Case("a column missing", lambda logits, labels: _grad_ref(logits, labels)[:, :2], r"shape \(4, 3\)"),
]


CATALOGUE = {
    ("lesson03", "one_hot"): ONE_HOT,
    ("lesson03", "cross_entropy_from_logits"): CROSS_ENTROPY_FROM_LOGITS,
    ("lesson03", "cross_entropy_gradient"): CROSS_ENTROPY_GRADIENT,
}
