"""The exercises of lesson 07: the references agree with the package (the mistakes: the catalogue).

What every exercise must do is tested for all lessons in test_exercises.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import metrics
from course_utils.exercises import lesson07


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
