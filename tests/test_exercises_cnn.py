"""The exercises of lesson 06: the references agree with the package, each typical mistake gets its hint.

What every exercise must do is tested for all lessons in test_exercises.py.
"""

from __future__ import annotations

import numpy as np

from course_utils import layers
from course_utils.exercises import lesson06


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
