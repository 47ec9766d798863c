"""Tests of course_utils.fast_layers: the same numbers as the plain layers, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import fast_layers as F
from course_utils import layers as L


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize(
    "shape, kernel, stride, padding",
    [
        ((3, 9, 9, 1), 3, 1, 0),  # one channel: cols stored column by column
        ((2, 7, 7, 4), 3, 1, 0),  # cols stored row by row
        ((2, 7, 7, 8), 3, 2, 0),  # row by row, stride 2
        ((2, 9, 7, 3), 3, 2, 1),
        ((1, 6, 7, 2), (3, 1), (1, 2), "same"),
        ((2, 5, 5, 3), 1, 1, 0),
    ],
)
def test_fast_convolution_equals_the_plain_one(shape, kernel, stride, padding, dtype, tol):
    rng = np.random.default_rng(0)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((kh, kw, shape[3], 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    plain, plain_cache = L.conv2d_forward(x, w, b, stride, padding)
    fast, fast_cache = F.conv2d_forward(x, w, b, stride, padding)
    what = f"conv {kernel} stride {stride} padding {padding} on {shape}, {np.dtype(dtype).name}"
    np.testing.assert_allclose(fast, plain, rtol=tol, atol=tol, err_msg=f"{what}: forward")
    dout = rng.standard_normal(plain.shape).astype(dtype)
    for name, expected, got in zip(
        ["dx", "dw", "db"],
        L.conv2d_backward(dout, plain_cache),
        F.conv2d_backward(dout, fast_cache),
    ):
        assert got.dtype == expected.dtype == dtype, f"{what}: {name} dtype"
        np.testing.assert_allclose(
            got, expected, rtol=tol, atol=tol * 10, err_msg=f"{what}: {name}"
        )


@pytest.mark.parametrize(
    "shape, pool, stride, ties",
    [
        ((2, 8, 8, 3), 2, None, False),  # windows tile the input
        ((2, 9, 9, 3), 2, None, False),  # a leftover row and column
        ((1, 7, 7, 2), 3, 1, False),  # overlapping windows
        ((1, 9, 9, 2), 3, 2, False),
        ((2, 8, 8, 3), 2, None, True),  # many ties: the first element of the window wins in both
    ],
)
def test_fast_max_pooling_equals_the_plain_one(shape, pool, stride, ties):
    rng = np.random.default_rng(1)
    x = (rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)).astype(np.float32)
    plain, plain_cache = L.maxpool2d_forward(x, pool, stride)
    fast, fast_cache = F.maxpool2d_forward(x, pool, stride)
    what = f"max pool {pool} stride {stride} on {shape}, ties={ties}"
    np.testing.assert_array_equal(fast, plain, err_msg=f"{what}: forward")
    dout = rng.standard_normal(plain.shape).astype(np.float32)
    np.testing.assert_array_equal(
        F.maxpool2d_backward(dout, fast_cache),
        L.maxpool2d_backward(dout, plain_cache),
        err_msg=f"{what}: dx",
    )


def test_fast_layer_classes_train_like_the_plain_ones():
    rng = np.random.default_rng(2)
    conv, fast_conv = (
        make(2, 3, 3, padding=1, rng=np.random.default_rng(3)) for make in (L.Conv2D, F.Conv2D)
    )
    pool, fast_pool = L.MaxPool2D(2), F.MaxPool2D(2)
    x = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    out, fast_out = pool.forward(conv.forward(x)), fast_pool.forward(fast_conv.forward(x))
    np.testing.assert_allclose(fast_out, out, rtol=1e-5, atol=1e-6)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    np.testing.assert_allclose(
        fast_conv.backward(fast_pool.backward(dout)),
        conv.backward(pool.backward(dout)),
        rtol=1e-5,
        atol=1e-5,
    )
    for key in ("w", "b"):
        np.testing.assert_allclose(
            fast_conv.grads[key], conv.grads[key], rtol=1e-5, atol=1e-5, err_msg=f"d{key}"
        )


def test_first_layer_can_skip_the_input_gradient():
    rng = np.random.default_rng(7)
    conv = F.Conv2D(1, 2, 3, rng=rng, input_gradient=False)
    out = conv.forward(rng.random((1, 5, 5, 1)).astype(np.float32))
    assert conv.backward(np.ones_like(out)) is None
    assert conv.grads["w"].shape == (3, 3, 1, 2)


def test_fast_layers_check_their_input_like_the_plain_ones():
    conv = F.Conv2D(32, 64, 3, rng=np.random.default_rng(0), name="conv2")
    with pytest.raises(
        ValueError, match=r"conv2: expected 32 input channel\(s\).*got shape \(2, 13, 13, 16\)"
    ):
        conv.forward(np.zeros((2, 13, 13, 16), np.float32))
    with pytest.raises(
        ValueError, match=r"pool: expected input of shape \(N, H, W, C\), got shape \(4, 9\)"
    ):
        F.MaxPool2D(2, name="pool").forward(np.zeros((4, 9), np.float32))
