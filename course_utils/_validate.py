"""Argument checks shared by the public functions of course_utils (private).

Each check returns the value in the form the caller works with, or raises a
ValueError/TypeError whose sentence says what was expected and what arrived.
Bools are not numbers here: ``True`` is refused where a count or a rate is expected.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def integer(
    value, name: str, *, minimum: int = 1, maximum: int | None = None, allow_none: bool = False
) -> int | None:
    """``value`` as an int in [minimum, maximum] (``maximum=None``: no upper bound), or None when ``allow_none``."""
    if allow_none and value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        if maximum is not None:
            wanted = f"an integer from {minimum} to {maximum}"
        else:
            wanted = {1: "a positive integer", 0: "a non-negative integer"}.get(
                minimum, f"an integer >= {minimum}"
            )
        raise ValueError(
            f"{name} must be {wanted}{' or None' if allow_none else ''}, got {value!r}"
        )
    return int(value)


def number(value, name: str, *, positive: bool = False, non_negative: bool = False) -> float:
    """``value`` as a finite float; with ``positive``, above 0; with ``non_negative``, 0 or above."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    if (
        not math.isfinite(value)
        or (positive and not value > 0)
        or (non_negative and not value >= 0)
    ):
        kind = "positive " if positive else "non-negative " if non_negative else ""
        raise ValueError(f"{name} must be a {kind}finite number, got {value!r}")
    return float(value)


def probability(value, name: str, *, include_one: bool = False) -> float:
    """``value`` as a float in [0, 1) (or [0, 1] with ``include_one``)."""
    value = number(value, name)
    if not (0 <= value and (value <= 1 if include_one else value < 1)):
        raise ValueError(
            f"{name} must be a number in {'[0, 1]' if include_one else '[0, 1)'}, got {value!r}"
        )
    return value


def float_array(x, name: str) -> np.ndarray:
    """``x`` as a float array (ints and bools become float64; floats are kept as they are)."""
    array = np.asarray(x)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    raise TypeError(
        f"{name} must be an array of numbers, got dtype {array.dtype} ({type(x).__name__})"
    )


def points(x, y) -> tuple[np.ndarray, np.ndarray]:
    """x: (N,) and y: (N,) numbers, N >= 1, as float64 arrays (one input and one target per example)."""
    x, y = np.asarray(x), np.asarray(y)
    for name, array in (("x", x), ("y", y)):
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be an array of numbers, got dtype {array.dtype}")
        if array.ndim != 1:
            raise ValueError(
                f"{name} must be one value per example, shape (N,), got shape {array.shape}"
            )
    if x.shape != y.shape or x.size == 0:
        raise ValueError(
            f"x and y must have the same shape (N,) with N >= 1, got {x.shape} and {y.shape}"
        )
    return x.astype(np.float64), y.astype(np.float64)


def labels(
    y,
    name: str = "y",
    *,
    n: int | None = None,
    num_classes: int | None = None,
    what: str = "examples",
) -> np.ndarray:
    """``y`` as int64 class ids of shape (N,), optionally N == ``n`` (of ``what``) and every id in [0, num_classes)."""
    y = np.asarray(y)
    if y.ndim != 1:
        hint = "; for one-hot labels or probabilities use .argmax(axis=1)" if y.ndim == 2 else ""
        raise ValueError(
            f"{name} must be integer class ids of shape (N,), got shape {y.shape}{hint}"
        )
    if y.dtype.kind not in "iu" and y.size:
        raise TypeError(f"{name} must hold integers (class ids such as 7), got dtype {y.dtype}")
    if n is not None and len(y) != n:
        raise ValueError(f"{name} has {len(y)} labels but there are {n} {what}")
    if num_classes is not None and len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in [0, {num_classes}), got values from {y.min()} to {y.max()}"
        )
    return y.astype(np.int64)


def examples(x, y, what: str) -> tuple[np.ndarray, np.ndarray]:
    """A float array x: (N, ...) and its integer labels y: (N,), with N >= 1."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{what}: x must be a float numpy array (scale the pixels first), "
            f"got {getattr(x, 'dtype', type(x).__name__)}"
        )
    y = labels(y, f"{what}: y")
    if len(x) != len(y):
        raise ValueError(f"{what}: x has {len(x)} examples but y has {len(y)}")
    if len(x) == 0:
        raise ValueError(f"{what}: got no examples")
    return x, y
