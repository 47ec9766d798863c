"""Exercises of lesson 07: scores from a confusion matrix, and top-k accuracy.

* ``precision_recall``: ``fn(cm: (K, K)) -> (precision: (K,), recall: (K,))``, with rows
  of ``cm`` the true class and columns the prediction, and 0 (not NaN, no warning)
  where a class is never predicted or never present.
* ``top_k_accuracy``: ``fn(y_true: (N,), probs: (N, K), k) -> float``, the fraction of
  examples whose true class is among the k highest probabilities.

Taught in notebooks/07_keras_cnn_evaluation.ipynb.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import Exercise, Hint

# Class 2 is never predicted (column 2 is empty) and class 3 never occurs (row 3 is empty).
CONFUSION = np.array(
    [
        [5, 1, 0, 2],
        [2, 8, 0, 0],
        [1, 3, 0, 0],
        [0, 0, 0, 0],
    ]
)
DIAGONAL_ONLY = np.diag([3, 4, 5])


def _vector(value, k: int, what: str) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if array.shape != (k,):
        raise Hint(
            f"{what} should hold one number per class, shape ({k},); got shape {array.shape}."
        )
    return array


def _close(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


# --- precision and recall from the confusion matrix ------------------------------------------


def precision_recall(cm):
    tp = np.diag(cm).astype(float)
    predicted = cm.sum(axis=0)  # column sums: how often each class was predicted
    present = cm.sum(axis=1)  # row sums: how often each class occurs (the support)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, present, out=np.zeros_like(tp), where=present > 0)
    return precision, recall


def _check_precision_recall(fn):
    for cm in (DIAGONAL_ONLY, CONFUSION):
        k = len(cm)
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            out = fn(cm.copy())
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Hint(f"return two arrays, e.g. `return precision, recall`; got {out!r:.80}.")
        precision, recall = _vector(out[0], k, "precision"), _vector(out[1], k, "recall")
        expected_p, expected_r = precision_recall_exercise.reference(cm)
        if np.isnan(precision).any() or np.isnan(recall).any():
            raise Hint(
                "a class that is never predicted (or never present) gave NaN: 0 / 0. The course's "
                "convention is 0 there: np.divide(tp, total, out=np.zeros_like(tp), where=total > 0)."
            )
        if _close(precision, expected_p) and _close(recall, expected_r):
            if any(issubclass(w.category, RuntimeWarning) for w in caught):
                raise Hint(
                    "the values are right, but numpy warned about a division by zero: divide only "
                    "where the denominator is positive, np.divide(..., where=total > 0)."
                )
            continue
        if _close(precision, expected_r) and _close(recall, expected_p):
            raise Hint(
                "precision and recall are swapped: rows are the true class, so recall divides by "
                "the row sums (cm.sum(axis=1)) and precision by the column sums (cm.sum(axis=0))."
            )
        if _close(precision, expected_p):
            raise Hint(
                f"precision is right, recall is not: expected {np.round(expected_r, 3).tolist()}."
            )
        if _close(recall, expected_r):
            raise Hint(
                f"recall is right, precision is not: expected {np.round(expected_p, 3).tolist()}."
            )
        raise Hint(
            f"for cm = {cm.tolist()} expected precision {np.round(expected_p, 3).tolist()} and recall "
            f"{np.round(expected_r, 3).tolist()}. The correct answers are the diagonal, np.diag(cm)."
        )


precision_recall_exercise = Exercise(
    "precision_recall",
    _check_precision_recall,
    precision_recall,
    task=(
        "Write precision_recall(cm) returning per-class (precision, recall) from a confusion "
        "matrix whose rows are the true class, with 0 where a class is never predicted or never present."
    ),
)


# --- top-k accuracy ------------------------------------------------------------------------------


def top_k_accuracy(y_true, probs, k):
    top_k = np.argsort(probs, axis=1)[:, -k:]  # the k largest, per row
    return float(np.mean(np.any(top_k == y_true[:, None], axis=1)))


def _top_k_cases():
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(40, 10))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_true = rng.integers(0, 10, size=40)
    return y_true, probs


def _check_top_k_accuracy(fn):
    y_true, probs = _top_k_cases()
    reference = top_k_accuracy_exercise.reference
    for k in (1, 3, 5):
        got = fn(y_true.copy(), probs.copy(), k)
        array = np.asarray(got, dtype=float)
        if array.shape == (len(y_true),):
            raise Hint(
                "you returned one value per example: average them into a single fraction with np.mean."
            )
        if array.size != 1:
            raise Hint(
                f"return a single number, the fraction of examples; got shape {array.shape}."
            )
        value, expected = float(array.reshape(())), reference(y_true, probs, k)
        if _close(value, expected):
            continue
        if _close(value, 100 * expected):
            raise Hint("that is a percentage: return the fraction in [0, 1].")
        if _close(value, reference(y_true, -probs, k)):
            raise Hint(
                "you took the k *smallest* probabilities: np.argsort sorts ascending, so take the last k columns, [:, -k:]."
            )
        if k > 1 and _close(value, reference(y_true, probs, k - 1)):
            raise Hint(f"with k = {k} you looked at {k - 1} classes: take k of them, [:, -k:].")
        if _close(value, reference(y_true, probs, k + 1)):
            raise Hint(
                f"with k = {k} you looked at {k + 1} classes: take exactly k of them, [:, -k:]."
            )
        raise Hint(f"with k = {k} expected {expected:.3f}, got {value:.3f}.")


top_k_accuracy_exercise = Exercise(
    "top_k_accuracy",
    _check_top_k_accuracy,
    top_k_accuracy,
    task=(
        "Write top_k_accuracy(y_true, probs, k) returning the fraction of examples whose true "
        "class is among the k largest probabilities of its row."
    ),
)

precision_recall = precision_recall_exercise  # noqa: F811
top_k_accuracy = top_k_accuracy_exercise  # noqa: F811
EXERCISES = (precision_recall_exercise, top_k_accuracy_exercise)

__all__ = ["EXERCISES", "precision_recall", "top_k_accuracy"]
