"""The exercises of lesson 06: the references agree with the package, each typical mistake gets its hint.

What every exercise must do is tested for all lessons in test_exercises.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import layers
from course_utils.exercises import FAILED, lesson06


def test_the_references_agree_with_the_package():
    for size, kernel, stride, padding in lesson06.SIZE_CASES:
        shape = (
            layers.conv2d_output_shape((1, size, size, 1), (kernel, kernel, 1, 1), stride, padding)
            if (size + 2 * padding - kernel) % stride == 0
            else None
        )
        if shape is not None:
            assert lesson06.conv_output_size.reference(size, kernel, stride, padding) == shape[1]
    dout, x, w = lesson06._dense_case()
    for got, want in zip(
        lesson06.dense_backward.reference(dout, (x, w)), layers.dense_backward(dout, (x, w))
    ):
        np.testing.assert_allclose(got, want)


SIZE_MISTAKES = [
    (lambda s, k, st, p: (s + 2 * p - k) // st, "one too few"),
    (lambda s, k, st, p: (s + p - k) // st + 1, "both sides"),
    (lambda s, k, st, p: s + 2 * p - k + 1, "divide the free room by the stride"),
    (lambda s, k, st, p: s - k + 1, "left out the padding"),
    (lambda s, k, st, p: (s + 2 * p - k) / st + 1, "divide with //"),
    (lambda s, k, st, p: s, "expected"),
    (lambda s, k, st, p: "26", "return a number"),
]


@pytest.mark.parametrize("wrong, hint", SIZE_MISTAKES, ids=[hint for _, hint in SIZE_MISTAKES])
def test_conv_output_size_mistakes_get_their_hint(wrong, hint):
    result = lesson06.conv_output_size.evaluate(wrong)
    assert result.status == FAILED and hint in result.message, result.message


DENSE_MISTAKES = [
    (
        lambda dout, x, w: (dout @ w, x.T @ dout, dout.sum(axis=0)),
        "a transpose .T is probably missing",
    ),
    (lambda dout, x, w: (dout @ w.T, dout.T @ x, dout.sum(axis=0)), "the transpose of w (D, M)'s"),
    (lambda dout, x, w: (dout @ w.T, x.T @ dout, dout.sum(axis=1)), "one value per example"),
    (lambda dout, x, w: (dout @ w.T, x.T @ dout, dout.mean(axis=0)), "it is the sum"),
    (lambda dout, x, w: (dout @ w.T, x.T @ dout), "three arrays"),
    (lambda dout, x, w: (2 * dout @ w.T, x.T @ dout, dout.sum(axis=0)), "wrong values"),
]


@pytest.mark.parametrize("wrong, hint", DENSE_MISTAKES, ids=[hint for _, hint in DENSE_MISTAKES])
def test_dense_backward_mistakes_get_their_hint(wrong, hint):
    result = lesson06.dense_backward.evaluate(wrong)
    assert result.status == FAILED and hint in result.message, result.message
