"""Every exercise of lessons 01-09 against its catalogue of right and wrong answers.

The catalogue, ``course_utils/exercises/catalogue/``, was written by mutation testing: for
every line of each reference solution, the mistakes a learner plausibly makes, and
right answers written other ways. Each wrong answer must be rejected with a hint
that names the mistake, each right one accepted. Also here: class mode (solutions
hidden, checks working) for every exercise, and the translation of raw errors.
"""

from __future__ import annotations

import importlib
import re

import pytest

from course_utils import exercises
from course_utils.exercises import FAILED, HIDDEN_NOTE, PASSED
from course_utils.exercises.catalogue import ACCEPTED, CATALOGUE


def _exercise(lesson: str, name: str):
    return getattr(importlib.import_module(f"course_utils.exercises.{lesson}"), name)


CASES = [
    pytest.param(lesson, name, case, id=f"{name}: {case.label}")
    for (lesson, name), cases in CATALOGUE.items()
    for case in cases
]


@pytest.mark.parametrize("lesson, name, case", CASES)
def test_each_answer_is_judged_as_the_catalogue_says(lesson, name, case):
    result = _exercise(lesson, name).evaluate(case.fn)
    if case.expect is ACCEPTED:
        assert result.status == PASSED, (
            f"{name} rejected a right answer ({case.label}): {result.message}"
        )
    else:
        assert result.status == FAILED, f"{name} accepted the mistake '{case.label}'"
        assert re.search(case.expect, result.message, re.IGNORECASE), (
            f"{name}, '{case.label}': the hint does not name the mistake (/{case.expect}/): {result.message}"
        )


def test_every_exercise_of_every_lesson_has_a_catalogue_of_ten_wrong_and_three_right_answers():
    listed = {
        (f"lesson{number:02d}", exercise.name)
        for number in range(1, 11)
        for exercise in importlib.import_module(
            f"course_utils.exercises.lesson{number:02d}"
        ).EXERCISES
    }
    assert listed == set(CATALOGUE), (
        f"every exercise needs a catalogue here: {sorted(listed ^ set(CATALOGUE))}"
    )
    for (lesson, name), cases in CATALOGUE.items():
        wrong = [case for case in cases if case.expect is not ACCEPTED]
        right = [case for case in cases if case.expect is ACCEPTED]
        assert len(wrong) >= 10 and len(right) >= 3, (
            f"{lesson}.{name}: {len(wrong)} wrong, {len(right)} right answers"
        )


@pytest.fixture
def class_mode(monkeypatch):
    """``COURSE_SOLUTIONS=hidden``, as a lecturer sets it; undone afterwards."""
    monkeypatch.setenv("COURSE_SOLUTIONS", "hidden")
    yield
    exercises.hide_solutions(False)


@pytest.mark.parametrize("lesson, name", list(CATALOGUE), ids=[name for _, name in CATALOGUE])
def test_class_mode_hides_every_solution_and_keeps_every_check(lesson, name, class_mode, capsys):
    exercise = _exercise(lesson, name)
    assert exercise.solution() is None
    printed = capsys.readouterr().out
    assert printed.strip() == HIDDEN_NOTE and "def " not in printed, printed
    assert exercise.evaluate(exercise.reference).status == PASSED
    wrong = next(case for case in CATALOGUE[lesson, name] if case.expect is not ACCEPTED)
    assert exercise.evaluate(wrong.fn).status == FAILED


def test_hide_solutions_works_without_the_environment_variable(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_SOLUTIONS", raising=False)
    exercise = _exercise("lesson01", "mse_gradient")
    exercises.hide_solutions()
    try:
        exercise.solution()
        assert capsys.readouterr().out.strip() == HIDDEN_NOTE
    finally:
        exercises.hide_solutions(False)
    exercise.solution()
    assert capsys.readouterr().out.startswith("def mse_gradient(")


@pytest.mark.parametrize(
    "error, words",
    [
        (
            ValueError(
                "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()"
            ),
            "np.where",
        ),
        (TypeError("Cannot interpret '5' as a data type"), "np.zeros((5, 3))"),
        (
            ValueError("operands could not be broadcast together with shapes (4,3) (4,) "),
            "keepdims=True",
        ),
        (
            ValueError("operands could not be broadcast together with shapes (4,) (4,3) "),
            "np.arange(N), labels",
        ),
        (
            ValueError("operands could not be broadcast together with shapes (22,30) (30,22) "),
            "indexing='ij'",
        ),
        (ValueError("matmul: Input operand 1 has a mismatch in its core dimension 0"), "transpose"),
        (TypeError("only length-1 arrays can be converted to Python scalars"), "np.exp"),
        (IndexError("index 5 is out of bounds for axis 1 with size 5"), "off-by-one"),
        (ValueError("No gradients provided for any variable."), "GradientTape"),
    ],
)
def test_raw_errors_become_sentences_about_the_learners_code(error, words):
    message = exercises.explain_error(error)
    assert words in message, message
    assert str(error).strip()[:40] in message, (
        "the original error stays at the end, for who wants it"
    )


def test_a_tensorflow_shape_error_is_translated():
    import tensorflow as tf

    try:
        tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) - tf.constant([1.0, 2.0])
    except tf.errors.InvalidArgumentError as error:
        message = exercises.explain_error(error)
    assert "keepdims=True" in message and "[2,3]" in message, message


def test_switched_off_functions_refuse_only_while_the_learners_function_runs():
    import numpy as np

    from course_utils import data

    one_hot = _exercise("lesson03", "one_hot")
    original = data.one_hot
    result = one_hot.evaluate(lambda labels, num_classes: data.one_hot(labels, num_classes))
    assert result.status == FAILED and "data.one_hot does this exercise for you" in result.message
    assert data.one_hot is original
    assert data.one_hot(np.array([1]), 3).tolist() == [[0.0, 1.0, 0.0]]
