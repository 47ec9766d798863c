"""The exercises of lesson 07: the references agree with the package (the mistakes: the catalogue).

What every exercise must do is tested for all lessons in test_exercises.py.
"""

from __future__ import annotations

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


def test_divide_with_where_but_no_out_is_named_where_numpy_warns_about_it():
    """np.divide(..., where=) without out= leaves skipped entries uninitialised: passing or failing at
    random. numpy 2.x warns about it, and the checker turns the warning into a hint."""
    import warnings

    def no_out(cm):
        tp = np.diag(cm).astype(float)
        return (
            np.divide(tp, cm.sum(axis=0), where=cm.sum(axis=0) > 0),
            np.divide(tp, cm.sum(axis=1), where=cm.sum(axis=1) > 0),
        )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        no_out(lesson07.CONFUSION)
    numpy_warns = any("'where' used without 'out'" in str(w.message) for w in caught)
    result = lesson07.precision_recall.evaluate(no_out)
    if numpy_warns:
        assert (
            result.status == FAILED and "without out= leaves the entries it skips" in result.message
        )
    else:  # older numpy says nothing; the checker then sees only the values
        assert int(np.__version__.split(".")[0]) < 2
