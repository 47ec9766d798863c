"""How good is a classifier? Evaluation metrics in numpy.

The shared contract of this module:

* Labels are integers ``y_true, y_pred: (N,)`` in ``[0, num_classes)``; scores are
  ``probs: (N, K)`` (probabilities, or any scores for :func:`top_k_accuracy`).
  Predictions come from ``probs.argmax(axis=1)``. One-hot labels are refused with a
  message that says how to convert them.
* ``num_classes`` defaults to the largest label seen plus one; pass it when a class
  may be missing from a small sample.
* **Zero-division convention.** A ratio whose denominator is zero is 0, silently:
  precision of a class that is never predicted, recall of a class that never
  occurs, and F1 when both are 0. This is scikit-learn's ``zero_division=0`` and
  Keras' ``F1Score``/``Precision``/``Recall`` give the same 0 (they add a tiny
  epsilon). A class absent from ``y_true`` still counts in the macro average (as
  a 0 when it was predicted); its support is 0, so it has no weight in the
  weighted average.
* F1 is computed from counts, ``2 TP / (2 TP + FP + FN)``, which equals the
  harmonic mean of precision and recall whenever both are defined.

Taught in notebooks/07_keras_cnn_evaluation.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate


def _num_classes(num_classes, *arrays) -> int:
    if num_classes is None:
        biggest = max((int(a.max()) for a in arrays if a.size), default=0)
        return biggest + 1
    return _validate.integer(num_classes, "num_classes")


def _label_pair(y_true, y_pred, num_classes=None) -> tuple[np.ndarray, np.ndarray, int]:
    y_true, y_pred = _validate.labels(y_true, "y_true"), _validate.labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}"
        )
    k = _num_classes(num_classes, y_true, y_pred)
    _validate.labels(y_true, "y_true", num_classes=k)
    _validate.labels(y_pred, "y_pred", num_classes=k)
    return y_true, y_pred, k


def _scores(probs, y_true, name: str = "probs") -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape[1] < 1:
        raise ValueError(f"{name} must have shape (N, num_classes), got {probs.shape}")
    if not np.issubdtype(probs.dtype, np.number) or probs.dtype == np.bool_:
        raise TypeError(f"{name} must be numbers, got dtype {probs.dtype}")
    if not np.all(np.isfinite(probs)):
        raise ValueError(f"{name} must be finite; found NaN or infinity")
    y_true = _validate.labels(y_true, "y_true")
    if len(y_true) != len(probs):
        raise ValueError(
            f"y_true has {len(y_true)} labels but {name} has {len(probs)} rows: they must match"
        )
    _validate.labels(y_true, "y_true", num_classes=probs.shape[1])
    return probs.astype(np.float64), y_true


def _ratio(numerator, denominator) -> np.ndarray:
    """numerator / denominator, elementwise, with 0 where the denominator is 0 (no warning)."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions. y_true, y_pred: (N,) ints, N >= 1."""
    y_true, y_pred, _ = _label_pair(y_true, y_pred)
    if len(y_true) == 0:
        raise ValueError("accuracy of zero examples is undefined: y_true is empty")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    y_true, y_pred: (N,) ints in [0, K). Returns cm: (K, K) int64 where ``cm[i, j]`` is
    the number of examples of class i predicted as j: rows are the truth, columns
    the prediction, the diagonal holds the correct ones. Row sums are the support.
    """
    y_true, y_pred, k = _label_pair(y_true, y_pred, num_classes)
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def _check_confusion(cm) -> np.ndarray:
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"a confusion matrix must be square (K, K), got shape {cm.shape}")
    if not np.issubdtype(cm.dtype, np.number) or np.any(cm < 0):
        raise ValueError("a confusion matrix holds non-negative counts")
    return cm


@dataclass(frozen=True)
class ClassScores:
    """Per-class scores and their averages, from :func:`precision_recall_f1`.

    precision, recall, f1: (K,) float64; support: (K,) int64, the number of true
    examples of each class. ``macro`` and ``weighted`` are dicts with keys
    ``precision``, ``recall``, ``f1``: the plain mean over classes, and the mean
    weighted by support.
    """

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    @property
    def macro(self) -> dict:
        return {name: float(np.mean(getattr(self, name))) for name in ("precision", "recall", "f1")}

    @property
    def weighted(self) -> dict:
        total = self.support.sum()
        weights = self.support / total if total else np.zeros(len(self.support))
        return {
            name: float(np.sum(weights * getattr(self, name)))
            for name in ("precision", "recall", "f1")
        }


def scores_from_confusion(cm) -> ClassScores:
    """Precision, recall and F1 of every class from a confusion matrix cm: (K, K).

    precision_k = TP / (TP + FP) (column k), recall_k = TP / (TP + FN) (row k),
    F1_k = 2 TP / (2 TP + FP + FN); 0 where a denominator is 0 (see the module docstring).
    """
    cm = _check_confusion(cm)
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0)
    support = cm.sum(axis=1)
    return ClassScores(
        precision=_ratio(tp, predicted),
        recall=_ratio(tp, support),
        f1=_ratio(2 * tp, predicted + support),
        support=support.astype(np.int64),
    )


def precision_recall_f1(y_true, y_pred, num_classes: int | None = None) -> ClassScores:
    """Per-class precision, recall, F1 and support, with macro and weighted averages.

    y_true, y_pred: (N,) ints in [0, K). Returns a :class:`ClassScores` whose arrays
    have shape (K,). Never warns: a class never predicted has precision 0, a class
    never present has recall 0 (the module's zero-division convention).
    """
    return scores_from_confusion(confusion_matrix(y_true, y_pred, num_classes))


def classification_report(y_true, y_pred, num_classes: int | None = None, class_names=None) -> dict:
    """Everything a practitioner reads first, as a plain dict (no pandas).

    y_true, y_pred: (N,) ints. Returns ``{name: {"precision", "recall", "f1",
    "support"}}`` for every class (named by ``class_names``, default ``"0"``,
    ``"1"``, ...), then ``"accuracy"`` (a float), ``"macro avg"`` and
    ``"weighted avg"`` (dicts with the same keys; support is the total).
    :func:`format_report` prints it as a table.
    """
    y_true, y_pred, k = _label_pair(y_true, y_pred, num_classes)
    names = [str(c) for c in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"class_names has {len(names)} names but there are {k} classes")
    if len(set(names)) != k or {"accuracy", "macro avg", "weighted avg"} & set(names):
        raise ValueError(
            "class_names must be distinct and must not be 'accuracy', 'macro avg' or 'weighted avg'"
        )
    scores = precision_recall_f1(y_true, y_pred, k)
    report: dict = {}
    for i, name in enumerate(names):
        report[name] = {
            "precision": float(scores.precision[i]),
            "recall": float(scores.recall[i]),
            "f1": float(scores.f1[i]),
            "support": int(scores.support[i]),
        }
    total = int(scores.support.sum())
    report["accuracy"] = float(np.mean(y_true == y_pred)) if total else 0.0
    report["macro avg"] = {**scores.macro, "support": total}
    report["weighted avg"] = {**scores.weighted, "support": total}
    return report


def format_report(report: dict, digits: int = 3) -> str:
    """The dict of :func:`classification_report` as a text table, one row per class."""
    if not isinstance(report, dict) or "accuracy" not in report:
        raise ValueError("format_report expects the dict returned by classification_report")
    rows = [name for name in report if name not in ("accuracy", "macro avg", "weighted avg")]
    width = max(12, *(len(name) for name in rows))
    number = digits + 3
    header = f"{'':>{width}} {'precision':>{max(9, number)}} {'recall':>{max(6, number)}} "
    header += f"{'f1':>{max(6, number)}} {'support':>8}"
    lines = [header, ""]

    def line(name, row):
        return (
            f"{name:>{width}} {row['precision']:>{max(9, number)}.{digits}f} "
            f"{row['recall']:>{max(6, number)}.{digits}f} {row['f1']:>{max(6, number)}.{digits}f} "
            f"{row['support']:>8d}"
        )

    lines += [line(name, report[name]) for name in rows]
    support = report["macro avg"]["support"]
    pad = max(9, number) + max(6, number) + 2
    lines += [
        "",
        f"{'accuracy':>{width}} {'':>{pad}} {report['accuracy']:>{max(6, number)}.{digits}f} {support:>8d}",
        line("macro avg", report["macro avg"]),
        line("weighted avg", report["weighted avg"]),
    ]
    return "\n".join(lines)


def top_k_accuracy(y_true, probs, k: int = 5) -> float:
    """Fraction of examples whose true class is among the ``k`` highest scores.

    y_true: (N,) ints; probs: (N, K) probabilities or any scores. Ties count in the
    example's favour, as in ``keras.metrics.top_k_categorical_accuracy``: the true
    class is in the top k when fewer than k classes score strictly higher.
    ``k=1`` is plain accuracy when there are no ties.
    """
    probs, y_true = _scores(probs, y_true)
    k = _validate.integer(k, "k")
    if len(y_true) == 0:
        raise ValueError("top-k accuracy of zero examples is undefined: y_true is empty")
    true_scores = probs[np.arange(len(y_true)), y_true]
    higher = np.sum(probs > true_scores[:, None], axis=1)
    return float(np.mean(higher < k))


def most_confused_pairs(cm, top: int = 5) -> list[tuple[int, int, int]]:
    """The most frequent mistakes: ``(true class, predicted class, count)``, largest first.

    cm: (K, K) confusion matrix (rows true, columns predicted). Only pairs with a
    count above 0 are listed, at most ``top`` of them; ties are broken by true
    then predicted class so the order is deterministic.
    """
    cm = _check_confusion(cm)
    top = _validate.integer(top, "top")
    pairs = [
        (int(i), int(j), int(cm[i, j]))
        for i in range(len(cm))
        for j in range(len(cm))
        if i != j and cm[i, j] > 0
    ]
    pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return pairs[:top]


@dataclass(frozen=True)
class ReliabilityBins:
    """Confidence against accuracy, bin by bin (from :func:`reliability_bins`).

    edges: (B + 1,) bin edges from 0 to 1; bin b holds confidences in
    (edges[b], edges[b + 1]] (the first bin also holds 0). counts: (B,) int64;
    confidence, accuracy: (B,) float64, the mean confidence and the fraction of
    correct predictions in each bin, NaN for an empty bin.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def expected_calibration_error(self) -> float:
        """ECE = sum over bins of (count / N) * |accuracy - confidence|; 0 is perfect."""
        total = self.counts.sum()
        if total == 0:
            return 0.0
        used = self.counts > 0
        gaps = np.abs(self.accuracy[used] - self.confidence[used])
        return float(np.sum(self.counts[used] / total * gaps))


def check_probabilities(y_true, probs) -> tuple[np.ndarray, np.ndarray]:
    """The checks every function of predicted probabilities runs, in one call.

    y_true: (N,) ints in [0, K); probs: (N, K) finite numbers in [0, 1]. Returns
    ``(y_true, probs)`` as int64 and float64 arrays, or raises a ``ValueError`` or
    ``TypeError`` that says what was expected and what arrived.
    """
    probs, y_true = _scores(probs, y_true)
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise ValueError(
            "probs must be probabilities in [0, 1] (apply softmax to logits first), "
            f"got values from {probs.min():.3g} to {probs.max():.3g}"
        )
    return y_true, probs


def reliability_bins(y_true, probs, num_bins: int = 10) -> ReliabilityBins:
    """Do 90%-confident predictions turn out right 90% of the time? Bin and compare.

    y_true: (N,) ints; probs: (N, K) probabilities in [0, 1]. Each prediction
    (``argmax``) has a confidence (``max``); predictions are grouped into
    ``num_bins`` equal-width confidence bins, (0, 0.1], (0.1, 0.2], ... for 10,
    and each bin's mean confidence is compared with its accuracy.
    Returns a :class:`ReliabilityBins`: counts (B,), confidence (B,), accuracy (B,)
    (NaN for an empty bin).
    """
    y_true, probs = check_probabilities(y_true, probs)
    confidence = probs.max(axis=1)  # (N,)
    correct = probs.argmax(axis=1) == y_true  # (N,) bool
    edges = np.linspace(0.0, 1.0, num_bins + 1)  # (B + 1,)
    which = np.searchsorted(edges[1:-1], confidence, side="left")  # bin of each prediction
    counts = np.bincount(which, minlength=num_bins)  # (B,)
    confidence_sums = np.bincount(which, weights=confidence, minlength=num_bins)
    correct_sums = np.bincount(which, weights=correct, minlength=num_bins)
    used = counts > 0
    mean_confidence = np.full(num_bins, np.nan)
    mean_confidence[used] = confidence_sums[used] / counts[used]
    mean_accuracy = np.full(num_bins, np.nan)
    mean_accuracy[used] = correct_sums[used] / counts[used]
    return ReliabilityBins(edges, counts, mean_confidence, mean_accuracy)


def expected_calibration_error(y_true, probs, num_bins: int = 10) -> float:
    """ECE: the gap between confidence and accuracy, averaged over bins weighted by their counts.

    y_true: (N,) ints; probs: (N, K) probabilities. 0 means perfectly calibrated;
    0.02 means confidence and accuracy differ by 2 percentage points on average.
    """
    bins = reliability_bins(y_true, probs, num_bins)
    used = bins.counts > 0
    weights = bins.counts[used] / bins.counts.sum()  # the fraction of predictions in each bin
    gaps = np.abs(bins.accuracy[used] - bins.confidence[used])
    return float(np.sum(weights * gaps))


__all__ = [
    "ClassScores",
    "ReliabilityBins",
    "accuracy",
    "check_probabilities",
    "classification_report",
    "confusion_matrix",
    "expected_calibration_error",
    "format_report",
    "most_confused_pairs",
    "precision_recall_f1",
    "reliability_bins",
    "scores_from_confusion",
    "top_k_accuracy",
]
