"""The checkers of lessons 01-03 print and never raise, and leave numpy's settings alone.

The wrong answers and the hints they must get are in the one catalogue,
course_utils/exercises/catalogue/ (run by test_exercises_catalogue.py); what every
exercise must do (the reference passes, a stub is "not attempted", ...) is tested for all
lessons in test_exercises.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import FAILED, lesson02, lesson03


def _softmax_naive(z):
    return np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)


def test_check_prints_and_never_raises(capsys):
    lesson02.stable_softmax.check(_softmax_naive)
    lesson02.stable_softmax.check("not a function")
    lesson03.one_hot.check(lambda labels, c: 1 / 0)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✘ stable_softmax: failed. your softmax overflowed for scores of 1000")
    assert "expected a function" in out[1]
    assert "ZeroDivisionError" in out[2]


def test_checks_do_not_change_the_learners_view_of_numpy_warnings():
    with pytest.warns(RuntimeWarning):
        np.exp(np.array([1000.0]))
    with np.errstate(over="ignore", divide="raise"):  # not the checker's own settings ("warn")
        result = lesson02.stable_softmax.evaluate(_softmax_naive)
        assert np.geterr()["over"] == "ignore" and np.geterr()["divide"] == "raise"
    assert result.status == FAILED
