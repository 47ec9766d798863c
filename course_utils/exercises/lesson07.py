"""Exercises of lesson 07: scores from a confusion matrix, and top-k accuracy.

* ``precision_recall``: ``fn(cm: (K, K)) -> (precision: (K,), recall: (K,))``, with rows
  of ``cm`` the true class and columns the prediction, and 0 (not NaN, no warning)
  where a class is never predicted or never present.
* ``top_k_accuracy``: ``fn(y_true: (N,), probs: (N, K), k) -> float``, the fraction of
  examples whose true class is among the k highest probabilities.
* ``predict_or_abstain``: ``fn(probs: (N, K), thresholds: (K,)) -> (N,) ints``, the
  predicted class where its probability reaches that class's own threshold, else
  ``ABSTAIN`` (-1): a decision rule with one threshold per class (a think-exercise: the
  lesson does not write it out).

Taught in notebooks/07_keras_cnn_evaluation.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise

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


def _check_precision_recall(fn):
    for cm in (CONFUSION, DIAGONAL_ONLY):
        k = len(cm)
        out = fn(cm.copy())
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Hint(f"return two arrays, e.g. `return precision, recall`; got {out!r:.80}.")
        precision, recall = _vector(out[0], k, "precision"), _vector(out[1], k, "recall")
        expected_p, expected_r = precision_recall.reference(cm)
        if np.isnan(precision).any() or np.isnan(recall).any():
            raise Hint(
                "a class that is never predicted (or never present) gave NaN: 0 / 0. The course's "
                "convention is 0 there: np.divide(tp, total, out=np.zeros(len(tp)), where=total > 0)."
            )
        if _close(precision, expected_p) and _close(recall, expected_r):
            continue
        if _close(precision, expected_r) and _close(recall, expected_p):
            raise Hint(
                "precision and recall are swapped: rows are the true class, so recall divides by "
                "the row sums (cm.sum(axis=1)) and precision by the column sums (cm.sum(axis=0))."
            )
        tp = np.diag(cm).astype(float)
        if _close(precision, tp / cm.sum()) or _close(recall, tp / cm.sum()):
            raise Hint(
                "you divided by the total count: precision divides each class's diagonal entry by its column sum "
                "(how often it was predicted), recall by its row sum (how often it occurs)."
            )
        plus_one = tp / (cm.sum(axis=0) + 1), tp / (cm.sum(axis=1) + 1)
        if _close(precision, plus_one[0]) or _close(recall, plus_one[1]):
            raise Hint(
                "adding 1 to the counts avoids 0 / 0 but changes every value: divide by the exact counts and give "
                "0 only where a count is 0, np.divide(tp, total, out=np.zeros(len(tp)), where=total > 0)."
            )
        if _close(precision, expected_r):
            raise Hint(
                "precision is computed like recall (over the rows): precision asks 'of the images predicted k, how "
                "many are k?', so divide by the column sums, cm.sum(axis=0)."
            )
        if _close(recall, expected_p):
            raise Hint(
                "recall is computed like precision (over the columns): recall asks 'of the images that are k, how "
                "many were found?', so divide by the row sums, cm.sum(axis=1)."
            )
        if _close(precision, expected_p):
            raise Hint(
                f"precision is right, recall is not: expected {np.round(expected_r, 3).tolist()}, got {np.round(recall, 3).tolist()}; recall = diagonal / row sums."
            )
        if _close(recall, expected_r):
            raise Hint(
                f"recall is right, precision is not: expected {np.round(expected_p, 3).tolist()}, got {np.round(precision, 3).tolist()}; precision = diagonal / column sums."
            )
        raise Hint(
            f"for cm = {cm.tolist()} expected precision {np.round(expected_p, 3).tolist()} and recall "
            f"{np.round(expected_r, 3).tolist()}, got {np.round(precision, 3).tolist()} and {np.round(recall, 3).tolist()}. "
            "The correct answers are the diagonal, np.diag(cm); precision divides them by the column sums, recall by the row sums."
        )


@exercise(
    _check_precision_recall,
    task=(
        "Write precision_recall(cm) returning per-class (precision, recall) from a confusion "
        "matrix whose rows are the true class, with 0 where a class is never predicted or never present."
    ),
)
def precision_recall(cm):
    tp = np.diag(cm).astype(float)
    predicted = cm.sum(axis=0)  # column sums: how often each class was predicted
    present = cm.sum(axis=1)  # row sums: how often each class occurs (the support)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, present, out=np.zeros_like(tp), where=present > 0)
    return precision, recall


# --- top-k accuracy ------------------------------------------------------------------------------


def _top_k_cases():
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(40, 10))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_true = rng.integers(0, 10, size=40)
    return y_true, probs


def _hits(top, y_true) -> float:
    return float(np.mean(np.any(top == y_true[:, None], axis=1)))


def _check_top_k_accuracy(fn):
    y_true, probs = _top_k_cases()
    reference = top_k_accuracy.reference
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
        order = np.argsort(probs, axis=1)
        wrong = {
            "that is a percentage: return the fraction in [0, 1].": 100 * expected,
            f"that is the number of hits, not the fraction: divide by the number of examples ({len(y_true)}), e.g. with np.mean.": expected
            * len(y_true),
            "you took the k *smallest* probabilities: np.argsort sorts ascending, so take the last k columns, [:, -k:].": reference(
                y_true, -probs, k
            ),
            "np.argsort over axis 0 ranks each column (each class over the examples): rank within each row, np.argsort(probs, axis=1).": _hits(
                np.argsort(probs, axis=0)[:, -k:], y_true
            ),
            "top_k == y_true compares every example with every label (shapes (N, k) and (N,) broadcast to the wrong pairs): "
            "make y_true a column, y_true[:, None], so row i is compared with its own label.": _wrong_broadcast(
                order[:, -k:], y_true
            ),
            "np.sort returns the probabilities themselves; compare class indices with y_true: np.argsort gives the indices.": _hits(
                np.sort(probs, axis=1)[:, -k:], y_true
            ),
        }
        for hint, wrong_value in wrong.items():
            if _close(value, wrong_value) and not _close(wrong_value, expected):
                raise Hint(hint)
        if k > 1 and _close(value, reference(y_true, probs, k - 1)):
            raise Hint(f"with k = {k} you looked at {k - 1} classes: take k of them, [:, -k:].")
        if _close(value, reference(y_true, probs, k + 1)):
            raise Hint(
                f"with k = {k} you looked at {k + 1} classes: take exactly k of them, [:, -k:]."
            )
        if k != 1 and _close(value, reference(y_true, probs, 1)):
            raise Hint(
                f"with k = {k} you got the top-1 accuracy: use the argument k, take the k largest per row."
            )
        others = [
            kk
            for kk in range(1, probs.shape[1] + 1)
            if kk != k and _close(value, reference(y_true, probs, kk))
        ]
        if others:
            raise Hint(
                f"with k = {k} you got the top-{others[0]} accuracy: use the argument k, not a fixed number."
            )
        raise Hint(
            f"with k = {k} expected {expected:.3f}, got {value:.3f}: the fraction of rows whose true class is among the k largest probabilities."
        )


def _wrong_broadcast(top, y_true) -> float:
    with np.errstate(all="ignore"):
        try:
            return float(np.mean(np.any(top == y_true, axis=1)))
        except ValueError:
            return float("nan")


@exercise(
    _check_top_k_accuracy,
    task=(
        "Write top_k_accuracy(y_true, probs, k) returning the fraction of examples whose true "
        "class is among the k largest probabilities of its row."
    ),
    switched_off=("course_utils.metrics.top_k_accuracy",),
)
def top_k_accuracy(y_true, probs, k):
    top_k = np.argsort(probs, axis=1)[:, -k:]  # the k largest, per row
    return float(np.mean(np.any(top_k == y_true[:, None], axis=1)))


# --- a decision threshold per class --------------------------------------------------------------

ABSTAIN = -1


def _abstain_cases():
    """Inputs where every shortcut gives a different answer than the rule.

    Row by row (K = 4, thresholds [0.5, 0.9, 0.6, 0.3]):
    0: top class 1 at 0.8 < 0.9, although 0.8 beats the thresholds of classes 0 and 2 -> abstain
    1: top class 3 at 0.35 >= 0.3 (a low threshold), below every other threshold -> 3
    2: top class 0 exactly at its threshold 0.5 -> 0 (">=": reaching it is enough)
    3: top class 2 at 0.7 >= 0.6, while class 3 at 0.25 < 0.3 -> 2
    4: top class 1 at 0.95 -> 1
    5: top class 0 at 0.4 < 0.5, class 3 at 0.35 >= 0.3 comes second -> abstain
    """
    probs = np.array(
        [
            [0.10, 0.80, 0.05, 0.05],
            [0.30, 0.20, 0.15, 0.35],
            [0.50, 0.20, 0.20, 0.10],
            [0.02, 0.03, 0.70, 0.25],
            [0.01, 0.95, 0.02, 0.02],
            [0.40, 0.10, 0.15, 0.35],
        ]
    )
    thresholds = np.array([0.5, 0.9, 0.6, 0.3])
    return probs, thresholds


def _check_predict_or_abstain(fn):
    probs, thresholds = _abstain_cases()
    expected = predict_or_abstain.reference(probs, thresholds)
    out = fn(probs.copy(), thresholds.copy())
    if isinstance(out, tuple):
        raise Hint("return one array, the decisions (N,), not a tuple.")
    got = np.asarray(out)
    if got.shape != expected.shape:
        raise Hint(
            f"return one decision per example, shape {expected.shape}; got shape {got.shape}. "
            "The thresholds belong to the classes (K,), the decisions to the examples (N,): "
            "take the argmax of each row, axis=1."
        )
    if got.dtype == np.bool_:
        raise Hint(
            "you returned whether each example passes its threshold: return the class itself, "
            f"and {ABSTAIN} where it does not pass."
        )
    if np.issubdtype(got.dtype, np.floating) and np.isnan(got).any():
        raise Hint(
            f"mark an abstention with the integer {ABSTAIN}, not NaN: return ints, one per example."
        )
    if not np.issubdtype(got.dtype, np.integer):
        if np.allclose(got, probs.max(axis=1)):
            raise Hint(
                "you returned the confidence (the largest probability): return the class, np.argmax, "
                f"or {ABSTAIN}."
            )
        raise Hint(f"return integer classes (and {ABSTAIN} for abstaining), got dtype {got.dtype}.")
    if np.array_equal(got, expected):
        return
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    if np.array_equal(got, np.where(confidence >= thresholds[predicted], predicted, 0)):
        raise Hint(
            f"abstaining as 0 reads as the digit 0: mark it with {ABSTAIN}, which no class has."
        )
    if np.array_equal(got, np.where(confidence > thresholds[predicted], predicted, ABSTAIN)):
        raise Hint(
            "a probability exactly at its threshold counts as reaching it: compare with >=, not >."
        )
    if np.array_equal(got, np.where(confidence < thresholds[predicted], predicted, ABSTAIN)):
        raise Hint(
            "the comparison is the wrong way round: keep the prediction when it reaches the threshold."
        )
    single = {
        "the first class's threshold": thresholds[0],
        "the mean threshold": thresholds.mean(),
        "the smallest threshold": thresholds.min(),
        "the largest threshold": thresholds.max(),
    }
    for what, value in single.items():
        if np.array_equal(got, np.where(confidence >= value, predicted, ABSTAIN)):
            raise Hint(
                f"you used one threshold for all ({what}): each predicted class has its own, "
                "so look up the threshold of the class each example is predicted as."
            )
    passes = probs >= thresholds
    first_passing = np.where(passes.any(axis=1), passes.argmax(axis=1), ABSTAIN)
    if np.array_equal(got, first_passing):
        raise Hint(
            "you took the first class whose probability reaches its threshold: the prediction is still the "
            "most probable class (argmax); its own threshold only decides whether to answer."
        )
    best_passing = np.where(passes.any(axis=1), np.where(passes, probs, -1).argmax(axis=1), ABSTAIN)
    if np.array_equal(got, best_passing):
        raise Hint(
            "you chose among the classes that reach their thresholds, so a less probable class can win: "
            "the prediction is the most probable class (argmax); if it misses its own threshold, abstain."
        )
    by_row = thresholds[np.arange(len(probs)) % len(thresholds)]
    if np.array_equal(got, np.where(confidence >= by_row, predicted, ABSTAIN)):
        raise Hint(
            "the thresholds are indexed by the example: they belong to the classes, "
            "so index them with each example's predicted class."
        )
    argmin = probs.argmin(axis=1)
    if np.array_equal(
        got, np.where(probs.min(axis=1) >= thresholds[argmin], argmin, ABSTAIN)
    ) or np.array_equal(got, np.where(confidence >= thresholds[predicted], argmin, ABSTAIN)):
        raise Hint("the prediction is the class with the largest probability: argmax, not argmin.")
    raise Hint(
        f"for probs {probs.tolist()} and thresholds {thresholds.tolist()} expected {expected.tolist()}, "
        f"got {got.tolist()}. Predict the most probable class of each row; answer it only where its "
        f"probability reaches that class's threshold, else {ABSTAIN}."
    )


@exercise(
    _check_predict_or_abstain,
    task=(
        "Write predict_or_abstain(probs, thresholds) returning, for each example, its most probable "
        f"class when that class's probability reaches thresholds[class], else {ABSTAIN}."
    ),
)
def predict_or_abstain(probs, thresholds):
    # Each example's prediction and the probability the model gives it: (N,) and (N,).
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    # The threshold that applies is the one of the *predicted* class: fancy indexing
    # looks up one threshold per example, thresholds[predicted] has shape (N,).
    answer = confidence >= thresholds[predicted]  # reaching the threshold is enough
    # -1 is no digit, so an abstention can never be mistaken for a prediction of 0.
    return np.where(answer, predicted, ABSTAIN)


EXERCISES = (precision_recall, top_k_accuracy, predict_or_abstain)

__all__ = ["ABSTAIN", "EXERCISES", "precision_recall", "predict_or_abstain", "top_k_accuracy"]
