"""The exercises of lesson 07: the references agree with the package, each typical mistake gets its hint.

What every exercise must do is tested for all lessons in test_exercises.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_utils import metrics
from course_utils.exercises import FAILED, lesson07


def test_the_reference_agrees_with_the_package():
    scores = metrics.scores_from_confusion(lesson07.CONFUSION)
    precision, recall = lesson07.precision_recall.reference(lesson07.CONFUSION)
    np.testing.assert_allclose(precision, scores.precision)
    np.testing.assert_allclose(recall, scores.recall)
    y, probs = lesson07._top_k_cases()
    for k in (1, 3, 5):
        assert lesson07.top_k_accuracy.reference(y, probs, k) == pytest.approx(
            metrics.top_k_accuracy(y, probs, k)
        )


def _naive(cm):
    tp = np.diag(cm)
    return tp / cm.sum(axis=0), tp / cm.sum(axis=1)


def _swapped(cm):
    precision, recall = lesson07.precision_recall.reference(cm)
    return recall, precision


def _warns(cm):
    tp = np.diag(cm).astype(float)
    with np.errstate(all="ignore"):
        precision, recall = tp / cm.sum(axis=0), tp / cm.sum(axis=1)
    warnings.warn("division by zero", RuntimeWarning, stacklevel=1)
    return np.nan_to_num(precision), np.nan_to_num(recall)


def _one_array(cm):
    return np.diag(cm) / cm.sum()


PRECISION_RECALL_MISTAKES = [
    (_naive, "NaN"),
    (_swapped, "swapped"),
    (_warns, "warned"),
    (_one_array, "two arrays"),
]


@pytest.mark.parametrize(
    "wrong, hint", PRECISION_RECALL_MISTAKES, ids=lambda v: getattr(v, "__name__", v)
)
def test_precision_recall_mistakes_get_their_hint(wrong, hint):
    result = lesson07.precision_recall.evaluate(wrong)
    assert result.status == FAILED
    assert hint in result.message, result.message


def _per_example(y_true, probs, k):
    return np.any(np.argsort(probs, axis=1)[:, -k:] == y_true[:, None], axis=1)


def _smallest(y_true, probs, k):
    return float(np.mean(np.any(np.argsort(probs, axis=1)[:, :k] == y_true[:, None], axis=1)))


def _one_too_many(y_true, probs, k):
    return lesson07.top_k_accuracy.reference(y_true, probs, k + 1)


def _percent(y_true, probs, k):
    return 100 * lesson07.top_k_accuracy.reference(y_true, probs, k)


TOP_K_MISTAKES = [
    (_per_example, "one value per example"),
    (_smallest, "smallest"),
    (_one_too_many, "exactly k"),
    (_percent, "percentage"),
]


@pytest.mark.parametrize("wrong, hint", TOP_K_MISTAKES, ids=lambda v: getattr(v, "__name__", v))
def test_top_k_mistakes_get_their_hint(wrong, hint):
    result = lesson07.top_k_accuracy.evaluate(wrong)
    assert result.status == FAILED
    assert hint in result.message, result.message
