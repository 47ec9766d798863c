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
  sentence for the learner at the first thing that is wrong. Whatever it checks,
  every call of the learner's function is also watched here: an argument changed in
  place, a numpy warning (overflow, division by zero) or a raw numpy/TensorFlow
  error becomes a sentence about the learner's code.
* Class mode: with ``COURSE_SOLUTIONS=hidden`` in the environment, or after
  :func:`hide_solutions`, ``solution()`` prints a note instead of the code; the
  checks work as before.

One module per lesson (``lesson01``, ``lesson02``, ...) defines that lesson's
exercises with the :func:`exercise` decorator on the reference solution. Taught
from notebooks/01_linear_regression_gd.ipynb onwards.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import os
import re
import sys
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"
HIDDEN_NOTE = "Solutions are hidden in this class; ask your lecturer. (Your checks still work.)"

_hidden = False


def hide_solutions(hidden: bool = True) -> None:
    """Class mode: ``solution()`` prints a note instead of the code (``False`` shows them again)."""
    global _hidden
    _hidden = hidden


def solutions_hidden() -> bool:
    """True after :func:`hide_solutions` or with ``COURSE_SOLUTIONS=hidden`` in the environment."""
    return _hidden or os.environ.get("COURSE_SOLUTIONS", "").strip().lower() == "hidden"


class Hint(Exception):
    """Raised by a check function: the learner's answer is wrong, and why."""


class _NotAttempted(Exception):
    pass


class _LearnerError(Exception):
    """The learner's function raised ``error`` (as opposed to the checker failing on its output)."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


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

    def __init__(
        self,
        name: str,
        checks: Callable,
        solution: Callable,
        task: str = "",
        switched_off: tuple[str, ...] = (),
    ):
        self.name = name
        self._checks = checks
        self.reference = solution
        self.task = task
        self.switched_off = switched_off

    def evaluate(self, fn: Callable) -> CheckResult:
        """Run the checks on ``fn`` and return the result, displaying nothing."""
        if not callable(fn):
            return CheckResult(
                self.name,
                FAILED,
                f"expected a function, got {type(fn).__name__}: pass the function itself, without calling it.",
            )
        guarded = _guarded(fn, self.switched_off)
        try:
            self._checks(guarded)
            if guarded.warned:  # the results were right, but numpy warned on the way
                raise Hint(guarded.warned[0])
        except _NotAttempted:
            return CheckResult(
                self.name,
                NOT_ATTEMPTED,
                "Replace the `...` (or `raise NotImplementedError`) with your code, make sure it "
                "ends with `return`, and run the cell again. `.solution()` shows one answer.",
            )
        except Hint as hint:
            message = str(hint)
            if guarded.warned and message != guarded.warned[0]:
                message += f" (numpy also warned \u201c{guarded.warned_raw[0]}\u201d while your function ran.)"
            return CheckResult(self.name, FAILED, message)
        except _LearnerError as raised:  # the learner's code crashed: explain it, don't raise
            return CheckResult(self.name, FAILED, explain_error(raised.error))
        except Exception as error:  # what the learner returned could not be read
            return CheckResult(
                self.name,
                FAILED,
                f"your function ran, but what it returned could not be used ({type(error).__name__}: {error}). "
                f"The task: {self.task}",
            )
        return CheckResult(self.name, PASSED, "Well done.")

    def check(self, fn: Callable) -> None:
        """Run the checks on ``fn`` and print the result (``evaluate`` returns it).

        The result is also noted for ``course_utils.progress()`` (never failing the check).
        """
        result = self.evaluate(fn)
        print(result)
        from ..progress import note

        note(self.lesson, self.name, result.status)

    @property
    def lesson(self) -> str:
        """The two-digit lesson this exercise belongs to ("04"), from its module's name."""
        module = getattr(self.reference, "__module__", "") or ""
        tail = module.rsplit(".", 1)[-1]
        return tail[6:] if tail.startswith("lesson") else "??"

    def solution(self) -> None:
        """Print the source code of the reference solution (in class mode, a note instead).

        It returns None, so that as a notebook cell's last line the code shows once
        (a returned string would be displayed a second time, escaped).
        """
        if solutions_hidden():
            print(HIDDEN_NOTE)
            return
        source = textwrap.dedent(inspect.getsource(self.reference))
        print(source[source.index("def ") :])  # without the @exercise(...) decorator

    def __repr__(self) -> str:
        return f"Exercise({self.name!r})"


def exercise(
    checks: Callable, *, task: str, switched_off: tuple[str, ...] = ()
) -> Callable[[Callable], Exercise]:
    """Decorator: the decorated reference solution becomes an :class:`Exercise` of the same name.

    ``checks(fn)`` may refer to the reference as ``<name>.reference``. ``switched_off``
    names functions that would do the exercise for the learner (``"course_utils.data.one_hot"``,
    ``"tensorflow.nn.sparse_softmax_cross_entropy_with_logits"``): while the learner's
    function runs, calling one raises a hint that says so.
    """

    def make(reference: Callable) -> Exercise:
        return Exercise(reference.__name__, checks, reference, task, switched_off)

    return make


def as_array(value, shape: tuple, what: str):
    """The learner's output as a float array of ``shape``, or a :class:`Hint` saying what arrived.

    For check functions: ``what`` names the function in the hint, e.g. ``"softmax(z)"``.
    """
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise Hint(
            f"{what} should return an array of numbers, got {type(value).__name__}."
        ) from error
    if array.shape != shape:
        raise Hint(f"{what} should return an array of shape {shape}, got shape {array.shape}.")
    return array


# ------------------------------------------------------- watching the learner's function


def _guarded(fn: Callable, switched_off: tuple[str, ...] = ()) -> Callable:
    """Wrap ``fn``: a stub reads as not attempted; a changed argument or a crash is reported at once.

    A numpy warning (overflow, division by zero) is kept in ``call.warned``: ``evaluate``
    reports it when the checks find nothing more specific.
    """
    names = _parameter_names(fn)

    def call(*args, **kwargs):
        before = [_snapshot(arg) for arg in args]
        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(all="warn", under="ignore"),
            _switched_off(switched_off),
        ):
            warnings.simplefilter("always", RuntimeWarning)
            try:
                out = fn(*args, **kwargs)
            except NotImplementedError as error:
                raise _NotAttempted from error
            except Hint:
                raise
            except Exception as error:
                raise _LearnerError(error) from error
        if out is None or out is Ellipsis:
            if call.returned:  # it returned something before: one path lacks its `return`
                raise Hint(
                    f"your function returned None for {_describe(names, args)}, though it returned a value "
                    "on an earlier input: one path through it ends without `return` (an `if` whose other "
                    "case, the `else`, returns nothing?)."
                )
            raise _NotAttempted
        call.returned = True
        for position, (arg, snapshot) in enumerate(zip(args, before)):
            if snapshot is not _UNWATCHED and not _same(arg, snapshot):
                name = names[position] if position < len(names) else f"argument {position + 1}"
                if isinstance(snapshot, np.ndarray):
                    how = f"`{name} -= ...`, `{name}[...] = ...`, `{name}.sort()` or `out={name}`"
                    instead = f"work on a new array: `shifted = {name} - ...` or `{name}.copy()`"
                elif isinstance(snapshot, tuple):
                    how = f"`-=`, `*=` or `[...] =` on one of the arrays in `{name}`"
                    instead = "compute new arrays (`w * 2`, not `w *= 2`) and leave the ones you were given as they were"
                else:
                    how = "`.sort()`, `.pop()`, `.append()` or assigning to one of its items"
                    instead = "work on a copy (sorted(...) returns a new list) and leave the argument as it was"
                raise Hint(
                    f"your function changed its input `{name}` in place (for example with {how}), so the "
                    f"caller's data is no longer what it was: {instead}."
                )
        numeric = [
            str(w.message)
            for w in caught
            if issubclass(w.category, RuntimeWarning)
            or "'where' used without 'out'" in str(w.message)
        ]
        if numeric:
            call.warned_raw.append(numeric[0])
            call.warned.append(_explain_warning(numeric[0], names, args))
        return out

    call.__wrapped__ = fn
    call.returned = False  # whether a call has returned a value yet
    call.warned = []  # explained numpy warnings, reported when the checks find nothing worse
    call.warned_raw = []
    return call


_UNWATCHED = object()
_SHORT_NAMES = {"tensorflow": "tf", "course_utils": ""}


@contextlib.contextmanager
def _switched_off(targets: tuple[str, ...]):
    """Replace each dotted ``target`` that is already imported by a function that raises a Hint."""
    saved = []
    for target in targets:
        root, *path = target.split(".")
        if (
            root == "course_utils"
        ):  # the course's own modules are cheap to import: always switch them off
            importlib.import_module(".".join([root, *path[:-1]]))
        owner = sys.modules.get(root)
        for part in path[:-1]:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, path[-1]):
            continue  # a library not imported yet: the learner's code is not calling it either
        saved.append((owner, path[-1], getattr(owner, path[-1])))
        shown = ".".join(filter(None, [_SHORT_NAMES.get(root, root), *path]))
        setattr(owner, path[-1], _refusing(shown))
    try:
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


def _refusing(shown: str) -> Callable:
    def refuse(*args, **kwargs):
        raise Hint(
            f"{shown} does this exercise for you (your function called it, directly or through another "
            "library function), so it is switched off while your function is checked: "
            "write it yourself, with the operations the lesson shows."
        )

    return refuse


def _snapshot(value):
    if isinstance(value, (np.ndarray, list, dict, tuple)):
        return copy.deepcopy(value)
    return _UNWATCHED


def _same(value, snapshot) -> bool:
    if isinstance(snapshot, np.ndarray):
        return (
            isinstance(value, np.ndarray)
            and value.shape == snapshot.shape
            and bool(np.array_equal(value, snapshot, equal_nan=value.dtype.kind == "f"))
        )
    try:
        return bool(value == snapshot)
    except Exception:  # e.g. a list of arrays: compare item by item
        return (
            type(value) is type(snapshot)
            and len(value) == len(snapshot)
            and all(_same(a, b) for a, b in zip(value, snapshot))
        )


def _parameter_names(fn: Callable) -> list[str]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []


def _describe(names: list[str], args: tuple) -> str:
    parts = []
    for position, arg in enumerate(args):
        name = names[position] if position < len(names) else f"argument {position + 1}"
        if isinstance(arg, np.ndarray):
            shown = arg.tolist() if arg.size <= 12 else f"an array of shape {arg.shape}"
            parts.append(f"{name} = {shown}")
    return ", ".join(parts) or "the test input"


def _explain_warning(message: str, names: list[str], args: tuple) -> str:
    where = (
        f"numpy warned \u201c{message}\u201d while your function ran on {_describe(names, args)}"
    )
    if "'where' used without 'out'" in message:
        return (
            f"{where}: np.divide(..., where=...) without out= leaves the entries it skips uninitialised, whatever "
            "was in memory: they may happen to be 0 here and garbage elsewhere. Give the array to fill, "
            "out=np.zeros(len(tp)) (floats), and the skipped entries stay 0."
        )
    if "overflow" in message and "exp" in message:
        return (
            f"{where}: np.exp of a number above about 709 is inf in float64. The result may look fine here, but "
            "inf soon turns into nan (inf / inf, inf - inf), and the task asks for no overflow. Only exponentiate "
            "numbers that cannot be large: subtract each row's maximum first (softmax, log-softmax), or clip "
            "the input, e.g. np.clip(z, -500, 500). (np.where computes both of its branches for every entry, "
            "so an overflowing branch warns even when it is not selected.)"
        )
    if "overflow" in message:
        return f"{where}: a number grew beyond what float64 holds (about 1.8e308); keep the intermediate values small."
    if "divide by zero" in message and "log" in message:
        return (
            f"{where}: np.log(0) is -inf. A probability rounded to exactly 0 has no finite log; compute log-probabilities "
            "directly with log-softmax, z - max(z) - log(sum(exp(z - max(z)))), instead of log(softmax(z))."
        )
    if "divide" in message or "invalid value" in message:
        return (
            f"{where}: a division by 0 (0 / 0 is nan, x / 0 is inf). Divide only where the denominator is positive, "
            "e.g. np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0), and give those entries the value the task asks for."
        )
    return f"{where}. Look for the numpy operation that produced it."


def explain_error(error: BaseException) -> str:
    """A sentence about the learner's code for a raw numpy/TensorFlow/Python error, with the original at the end."""
    kind, text = type(error).__name__, str(error).strip()
    raw = f"(Python said: {kind}: {text[:300]})"
    advice = None
    if "truth value of an array" in text or "truth value of an" in text.lower():
        advice = (
            "an `if` (or `and`, `or`, `max()` of a comparison) met a whole array: `if z > 0:` asks one yes/no question, "
            "but z > 0 is one answer per entry. Work on the whole array at once: `(z > 0).astype(float)` or "
            "`np.where(z > 0, value_if_true, value_if_false)`; for a yes/no about the array, reduce it first "
            "(np.median(gray) > 0.5, np.any(...), np.all(...))."
        )
    elif "Cannot cast ufunc" in text and "output from dtype('float" in text:
        advice = (
            "a ufunc such as np.divide could not write its float results into out=, an integer array "
            "(np.zeros_like of an integer array is integer): make `out` a float array, "
            "np.zeros(len(tp)) or np.zeros_like(tp, dtype=float)."
        )
    elif "Cannot interpret" in text and "data type" in text or "data type not understood" in text:
        advice = (
            "np.zeros(5, 3) reads the 3 as a data type: give the shape as one tuple, np.zeros((5, 3)) "
            "(the same for np.ones, np.empty, np.full)."
        )
    elif "could not be broadcast" in text and _transposed(re.findall(r"\(([\d, ]*)\)", text)):
        advice = (
            "two arrays that are each other's transpose could not be combined entry by entry "
            f"({' and '.join(re.findall(r'[(][^)]*[)]', text)[:2])}): np.meshgrid(a, b) returns arrays of shape "
            "(len(b), len(a)) unless you pass indexing='ij'; np.indices(image.shape) gives (rows, cols) "
            "with the image's own shape (H, W)."
        )
    elif "could not be broadcast" in text:
        shapes = re.findall(r"\([\d, ]*\)", text)
        advice = (
            f"two arrays of shapes {' and '.join(shapes) or 'that differ'} could not be combined entry by entry "
            "(broadcasting): find the line that makes each of them. Usual causes: a sum or max over an axis lost "
            "that axis (keep it with keepdims=True: np.max(z, axis=1, keepdims=True) has shape (N, 1)); integer "
            "labels (N,) used as if they were one-hot rows (N, C) (pick one entry per row with "
            "a[np.arange(N), labels]); an array made with other sizes than the input (take them from x.shape: "
            "an image need not be square)."
        )
    elif "matmul" in text or "shapes" in text and "not aligned" in text:
        advice = (
            "a matrix product's inner sizes do not match: A @ B needs A's last size to equal B's first. "
            "Write each array's shape next to the product; a transpose .T is probably missing or extra."
        )
    elif "Incompatible shapes" in text or "must be broadcastable" in text:
        shapes = re.findall(r"\[[\d,]*\]", text)
        advice = (
            f"TensorFlow could not combine tensors of shapes {' and '.join(shapes[:2]) or 'that differ'} entry by entry. "
            "If you reduced an axis (tf.reduce_logsumexp, tf.reduce_max, tf.reduce_sum), keep it with keepdims=True; "
            "if labels are integers (N,), pick with tf.gather(..., axis=1, batch_dims=1) or compare with tf.one_hot(labels, C)."
        )
    elif "No gradients provided" in text or "gradients" in text and "None" in text:
        advice = (
            "the tape recorded no gradients: the forward pass and the loss must be computed inside "
            "`with tf.GradientTape() as tape:`; call tape.gradient(loss, model.trainable_variables) after that block."
        )
    elif "not recognized" in text and "lr" in text:
        advice = "Keras 3 no longer knows lr=: write keras.optimizers.Adam(learning_rate=...)."
    elif "_unique_id" in text or "has no attribute 'assign" in text:
        advice = "optimizer.apply_gradients expects (gradient, variable) pairs, in that order: zip(grads, model.trainable_variables)."
    elif (
        "only length-1 arrays" in text
        or "only 0-dimensional arrays" in text
        or "only size-1 arrays" in text
    ):
        advice = (
            "a function for single numbers (math.exp, math.log, float(), int()) got a whole array: use numpy's "
            "versions, np.exp, np.log, which work entry by entry."
        )
    elif "index" in text and "out of bounds" in text:
        advice = "an index is past the end of an axis: indices count from 0 to size - 1 (an off-by-one?), and check which axis you index."
    elif "arrays used as indices must be of integer" in text or "only integers, slices" in text:
        advice = "indices must be integers: convert labels with labels.astype(int), and index rows with np.arange(N)."
    elif isinstance(error, ZeroDivisionError):
        advice = "a division by zero: check which argument you divide by (a stride or a count can be 0 only if the formula uses the wrong one)."
    elif isinstance(error, TypeError) and re.search(
        r"positional argument|unexpected keyword|takes \d+", text
    ):
        advice = "your function was called with other arguments than it accepts: keep the parameters of the cell's `def` line, in that order."
    elif isinstance(error, NameError):
        advice = "a name is not defined: did you run the Setup cell (the imports), and spell the variable as you defined it?"
    if advice is None:
        return f"your function raised {kind}: {text[:300]}"
    return f"{advice} {raw}"


def _transposed(shapes: list[str]) -> bool:
    """True when the first two shapes in an error message are 2-d and each other's reverse, e.g. (22,30) (30,22)."""
    sizes = [tuple(int(n) for n in re.findall(r"\d+", shape)) for shape in shapes[:2]]
    return (
        len(sizes) == 2
        and len(sizes[0]) == 2
        and sizes[0] != sizes[1]
        and sizes[0] == sizes[1][::-1]
    )


__all__ = [
    "CheckResult",
    "Exercise",
    "FAILED",
    "HIDDEN_NOTE",
    "Hint",
    "NOT_ATTEMPTED",
    "PASSED",
    "as_array",
    "exercise",
    "explain_error",
    "hide_solutions",
    "solutions_hidden",
]
