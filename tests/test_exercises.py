"""What every exercise of every lesson must do, whatever it checks.

The lesson modules ``course_utils/exercises/lessonNN.py`` are discovered, and every
``Exercise`` in each: its reference solution passes, a stub (``...`` or ``raise
NotImplementedError``) is "not attempted", ``solution()`` prints runnable source and
returns None, and it has a task sentence. Each lesson's catalogue of typical wrong
answers lives in its own file (test_exercises_basics.py, test_exercises_mlp.py, ...).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re

import pytest

import course_utils.exercises
from course_utils.exercises import NOT_ATTEMPTED, PASSED, Exercise


def lesson_modules() -> list:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(course_utils.exercises.__path__)
        if re.fullmatch(r"lesson\d\d", info.name)
    )
    return [importlib.import_module(f"course_utils.exercises.{name}") for name in names]


def exercises_in(module) -> list[Exercise]:
    """The module's ``EXERCISES`` if it has that list, else every Exercise among its attributes."""
    found = {id(value): value for value in vars(module).values() if isinstance(value, Exercise)}
    return list(getattr(module, "EXERCISES", found.values()))


def short(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


LESSONS = lesson_modules()
EXERCISES = [
    pytest.param(exercise, id=f"{short(module)}.{exercise.name}")
    for module in LESSONS
    for exercise in exercises_in(module)
]


def test_the_lesson_modules_are_found_and_numbered_without_gaps():
    numbers = [int(short(module)[len("lesson") :]) for module in LESSONS]
    assert numbers, "no course_utils/exercises/lessonNN.py module found"
    assert numbers == list(range(1, len(numbers) + 1)), f"lesson modules found: {numbers}"


@pytest.mark.parametrize("module", LESSONS, ids=short)
def test_every_lesson_module_has_exercises_and_lists_them_all(module):
    exercises = exercises_in(module)
    assert exercises, f"{module.__name__} defines no Exercise"
    assert all(isinstance(exercise, Exercise) for exercise in exercises), exercises
    defined = {id(value) for value in vars(module).values() if isinstance(value, Exercise)}
    assert {id(exercise) for exercise in exercises} == defined, (
        f"{module.__name__}.EXERCISES must list every Exercise the module defines"
    )
    names = [exercise.name for exercise in exercises]
    assert len(set(names)) == len(names), f"duplicate exercise names in {module.__name__}: {names}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_reference_solution_passes(exercise):
    result = exercise.evaluate(exercise.reference)
    assert result.status == PASSED, result.message


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_stub_is_not_attempted(exercise):
    def stub(*args, **kwargs): ...

    def raising(*args, **kwargs):
        raise NotImplementedError

    assert exercise.evaluate(stub).status == NOT_ATTEMPTED
    assert exercise.evaluate(raising).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_prints_runnable_source_and_returns_none(exercise, capsys):
    assert exercise.solution() is None, "a returned string would show twice in a notebook"
    printed = capsys.readouterr().out
    assert printed.startswith(f"def {exercise.name}("), printed[:80]
    tree = ast.parse(printed)
    [function] = tree.body
    assert isinstance(function, ast.FunctionDef) and function.name == exercise.name
    assert any(isinstance(node, ast.Return) for node in ast.walk(function)), "no return: a stub?"
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    assert not relative, "a notebook cannot run relative imports (from . import ...)"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_has_a_task_sentence(exercise):
    assert isinstance(exercise.task, str) and exercise.task.strip(), f"{exercise.name} needs a task"
