"""The catalogue: plausible learner answers for every exercise of lessons 01-10, right and wrong.

Written line by line from each reference solution, before reading the checkers
(mutation testing): at every line, what would a learner plausibly get wrong (a sign,
an axis, a transpose, a missing factor, a wrong reduction, an off-by-one, ceil or
round for floor, an input changed in place, a forbidden library shortcut)? And how
else could a right answer be written? Each :class:`Case` is a learner's function and
what the checker must say: ``ACCEPTED``, or a regular expression that the hint of the
rejection must match (a word that names the mistake). Every exercise has at least ten
wrong answers and three right ones. ``tests/test_exercises_catalogue.py`` runs them
all; the lecturers' pages (``course_utils.tools.lecturer_notes``) list every wrong answer
with the hint its checker prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ACCEPTED = None


def _course(module: str):
    """A course_utils module, looked up when the learner's function runs (as a notebook's `act.softmax`)."""
    import importlib

    return importlib.import_module(f"course_utils.{module}")


@dataclass(frozen=True)
class Case:
    label: str
    fn: Callable
    expect: str | None  # ACCEPTED, or a regex the hint must match (case-insensitive)


def _collect() -> dict:
    import importlib

    catalogue = {}
    for number in range(1, 11):
        module = importlib.import_module(f"{__name__}.lesson{number:02d}")
        catalogue.update(module.CATALOGUE)
    return catalogue


CATALOGUE = _collect()
