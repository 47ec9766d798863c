"""Exercises with instant, specific feedback.

Every exercise is an :class:`Exercise`: the learner writes a function in the
notebook and calls ``exercise.check(their_function)``; ``exercise.solution()``
prints the reference solution (and returns None). The shared contract:

* ``check`` never raises, so a notebook still runs top to bottom. It prints a
  :class:`CheckResult` whose ``status`` is ``"passed"``, ``"failed"`` (with a hint
  that says what went wrong and what to try) or ``"not attempted"`` (the function
  still raises ``NotImplementedError`` or returns ``None``, as a stub whose body is
  ``...`` does).
* ``evaluate`` returns the same result without displaying it (the tests use it).
* A check function receives the learner's function and raises :class:`Hint` with a
  sentence for the learner at the first thing that is wrong.

One module per lesson (``lesson01``, ``lesson02``, ...) defines that lesson's
exercises. Taught from notebooks/01_linear_regression_gd.ipynb onwards.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"


class Hint(Exception):
    """Raised by a check function: the learner's answer is wrong, and why."""


class _NotAttempted(Exception):
    pass


@dataclass(frozen=True)
class CheckResult:
    """What a checker found: ``status`` and a ``message`` for the learner."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        mark = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "…"}[self.status]
        return f"{mark} {self.exercise}: {self.status}. {self.message}"


class Exercise:
    """An exercise: a name, a check function and a reference solution.

    ``checks(fn)`` calls the learner's ``fn`` on test inputs and raises
    :class:`Hint` at the first problem. ``solution`` is the reference
    implementation; it must pass ``checks`` (the tests make sure).
    """

    def __init__(self, name: str, checks: Callable, solution: Callable, task: str = ""):
        self.name = name
        self._checks = checks
        self.reference = solution
        self.task = task

    def evaluate(self, fn: Callable) -> CheckResult:
        """Run the checks on ``fn`` and return the result, displaying nothing."""
        if not callable(fn):
            return CheckResult(
                self.name, FAILED, f"expected a function, got {type(fn).__name__}: pass the function itself, without calling it."
            )
        try:
            self._checks(_guarded(fn))
        except _NotAttempted:
            return CheckResult(
                self.name,
                NOT_ATTEMPTED,
                "Replace the `...` (or `raise NotImplementedError`) with your code, make sure it "
                "ends with `return`, and run the cell again. `.solution()` shows one answer.",
            )
        except Hint as hint:
            return CheckResult(self.name, FAILED, str(hint))
        except Exception as error:  # the learner's code crashed: report it, don't raise
            return CheckResult(
                self.name, FAILED, f"your function raised {type(error).__name__}: {error}"
            )
        return CheckResult(self.name, PASSED, "Well done.")

    def check(self, fn: Callable) -> None:
        """Run the checks on ``fn`` and print the result (``evaluate`` returns it)."""
        print(self.evaluate(fn))

    def solution(self) -> None:
        """Print the source code of the reference solution.

        It returns None, so that as a notebook cell's last line the code shows once
        (a returned string would be displayed a second time, escaped).
        """
        print(textwrap.dedent(inspect.getsource(self.reference)))

    def __repr__(self) -> str:
        return f"Exercise({self.name!r})"


def as_array(value, shape: tuple, what: str):
    """The learner's output as a float array of ``shape``, or a :class:`Hint` saying what arrived.

    For check functions: ``what`` names the function in the hint, e.g. ``"softmax(z)"``.
    """
    import numpy as np

    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise Hint(f"{what} should return an array of numbers, got {type(value).__name__}.") from error
    if array.shape != shape:
        raise Hint(f"{what} should return an array of shape {shape}, got shape {array.shape}.")
    return array


def _guarded(fn: Callable) -> Callable:
    """Wrap ``fn`` so that a stub (NotImplementedError, or returning None) reads as not attempted."""

    def call(*args, **kwargs):
        try:
            out = fn(*args, **kwargs)
        except NotImplementedError as error:
            raise _NotAttempted from error
        if out is None or out is Ellipsis:
            raise _NotAttempted
        return out

    call.__wrapped__ = fn
    return call


__all__ = ["CheckResult", "Exercise", "Hint", "PASSED", "FAILED", "NOT_ATTEMPTED", "as_array"]
