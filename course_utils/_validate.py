"""Argument checks shared by the public functions of course_utils (private).

Each check returns the value in the form the caller works with, or raises a
ValueError/TypeError whose sentence says what was expected and what arrived.
"""

from __future__ import annotations

import numbers

import numpy as np


def positive_int(value, name: str, *, allow_none: bool = False) -> int | None:
    """``value`` as an int >= 1 (bools are not numbers here), or None when ``allow_none``."""
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def probability(value, name: str, *, include_one: bool = False) -> float:
    """``value`` as a float in [0, 1) (or [0, 1] with ``include_one``)."""
    upper_ok = value <= 1 if include_one else value < 1
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 <= value and upper_ok):
        interval = "[0, 1]" if include_one else "[0, 1)"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return float(value)


def labels(y, name: str = "y", *, n: int | None = None, num_classes: int | None = None,
           what: str = "examples") -> np.ndarray:
    """``y`` as integer class ids of shape (N,), optionally N == ``n`` and every id in [0, num_classes)."""
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        hint = "; for one-hot labels or probabilities use .argmax(axis=1)" if y.ndim == 2 else ""
        raise ValueError(f"{name} must be integer labels of shape (N,), got dtype {y.dtype} and shape {y.shape}{hint}")
    if n is not None and len(y) != n:
        raise ValueError(f"{name} has {len(y)} labels but there are {n} {what}")
    if num_classes is not None and len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{name} must lie in [0, {num_classes}), got values from {y.min()} to {y.max()}")
    return y


def examples(x, y, what: str) -> tuple[np.ndarray, np.ndarray]:
    """A float array x: (N, ...) and its integer labels y: (N,), with N >= 1."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{what}: x must be a float numpy array (scale the pixels first), "
                        f"got {getattr(x, 'dtype', type(x).__name__)}")
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"{what}: y must be integer class ids of shape (N,), got {y.dtype} {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"{what}: x has {len(x)} examples but y has {len(y)}")
    if len(x) == 0:
        raise ValueError(f"{what}: got no examples")
    return x, y
