"""Tests of course_utils.layers: gradient checks, agreement with TensorFlow, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import layers as L
from course_utils.gradcheck import (
    TOLERANCE,
    numerical_gradient,
    numerical_gradient_of_output,
    relative_error,
)
from course_utils.losses import softmax_cross_entropy, softmax_cross_entropy_backward


def _away_from_zero(x: np.ndarray) -> np.ndarray:
    """Keep values at least 0.1 from 0, where ReLU's kink would spoil a numerical gradient."""
    return x + 0.1 * np.sign(x)


class _SoftmaxCrossEntropy:
    """The loss dressed as a layer, so that one table checks it with the layers."""

    name = "softmax_cross_entropy"
    params: dict = {}
    grads: dict = {}

    def __init__(self, labels):
        self.labels = labels

    def forward(self, logits):
        self._logits = logits
        return np.array(softmax_cross_entropy(logits, self.labels))

    def backward(self, dout):
        return softmax_cross_entropy_backward(self._logits, self.labels) * dout


def _conv(c, f, k, stride=1, padding=0):
    return lambda rng: L.Conv2D(c, f, k, stride, padding, rng=rng, dtype=np.float64)


# (id, make the layer from a Generator, input shape)
GRADIENT_TABLE = [
    ("conv 3x3 stride 1 padding 0", _conv(2, 3, 3), (2, 5, 5, 2)),
    ("conv 3x3 stride 2 padding 1", _conv(2, 3, 3, 2, 1), (2, 5, 5, 2)),
    ("conv 3x3 padding same", _conv(1, 2, 3, 1, "same"), (1, 4, 4, 1)),
    ("conv 2x2 stride 2", _conv(3, 2, 2, 2), (1, 4, 6, 3)),
    ("conv 3x1 stride (1, 2) padding (1, 0)", _conv(2, 2, (3, 1), (1, 2), (1, 0)), (2, 4, 5, 2)),
    ("conv 1x1", _conv(3, 4, 1), (2, 3, 3, 3)),
    ("maxpool 2", lambda rng: L.MaxPool2D(2), (2, 4, 4, 3)),
    ("maxpool 2 odd input", lambda rng: L.MaxPool2D(2), (2, 5, 5, 2)),
    ("maxpool 3 stride 1 (overlapping)", lambda rng: L.MaxPool2D(3, 1), (1, 5, 5, 2)),
    ("maxpool 3 stride 2", lambda rng: L.MaxPool2D(3, 2), (1, 7, 7, 2)),
    ("relu", lambda rng: L.ReLU(), (3, 4, 5)),
    ("flatten", lambda rng: L.Flatten(), (2, 3, 3, 2)),
    ("dense", lambda rng: L.Dense(6, 5, rng=rng, dtype=np.float64), (4, 6)),
    ("softmax_cross_entropy", lambda rng: _SoftmaxCrossEntropy(rng.integers(0, 5, 4)), (4, 5)),
]


@pytest.mark.parametrize(
    "name, make, shape", GRADIENT_TABLE, ids=[row[0] for row in GRADIENT_TABLE]
)
def test_gradients_match_numerical_gradients(name, make, shape):
    rng = np.random.default_rng(0)
    layer = make(rng)
    for param in layer.params.values():  # non-zero biases, so that their gradients matter
        param += rng.standard_normal(param.shape)
    x = _away_from_zero(rng.standard_normal(shape))
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{key: layer.grads[key] for key in layer.params}}

    def f(_):
        return layer.forward(x)

    numeric = {"x": numerical_gradient_of_output(f, x, dout)}
    for key, param in layer.params.items():
        numeric[key] = numerical_gradient(lambda _: np.sum(layer.forward(x) * dout), param)
    for arg, expected in numeric.items():
        assert analytic[arg].shape == expected.shape, f"{name}: d{arg} has the wrong shape"
        np.testing.assert_allclose(
            analytic[arg], expected, rtol=1e-5, atol=1e-8, err_msg=f"{name}: d{arg}"
        )
        assert relative_error(analytic[arg], expected) < TOLERANCE, f"{name}: d{arg}"


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 1), (1, "same"), ((2, 1), (0, 1))])
def test_naive_and_vectorised_convolutions_agree(stride, padding):
    rng = np.random.default_rng(1)
    x, w, b = (
        rng.standard_normal((3, 7, 7, 2)),
        rng.standard_normal((3, 3, 2, 4)),
        rng.standard_normal(4),
    )
    fast, _ = L.conv2d_forward(x, w, b, stride, padding)
    np.testing.assert_allclose(
        fast,
        L.conv2d_naive(x, w, b, stride, padding),
        rtol=1e-12,
        atol=1e-12,
        err_msg=f"stride={stride}, padding={padding}",
    )


def test_im2col_rows_are_windows_in_kernel_order():
    x = np.arange(2 * 4 * 4 * 3, dtype=np.float64).reshape(2, 4, 4, 3)
    cols = L.im2col(x, 3)
    assert cols.shape == (2 * 2 * 2, 3 * 3 * 3)
    np.testing.assert_array_equal(cols[3], x[0, 1:4, 1:4, :].reshape(-1))
    np.testing.assert_array_equal(L.im2col(x, 2, stride=2)[5], x[1, 0:2, 2:4, :].reshape(-1))
    padded = L.im2col(x, 3, padding=1)
    assert padded.shape == (2 * 4 * 4, 27)
    np.testing.assert_array_equal(padded[0].reshape(3, 3, 3)[1:, 1:], x[0, :2, :2])
    assert not padded[0].reshape(3, 3, 3)[0].any(), "the padding rows are zeros"


@pytest.mark.parametrize(
    "kernel, stride, padding", [(3, 1, 0), (3, 2, 1), (2, 2, 0), ((3, 1), (1, 2), (1, 0))]
)
def test_col2im_is_the_adjoint_of_im2col(kernel, stride, padding):
    # <im2col(x), c> == <x, col2im(c)> for every x and c: col2im sends each window's value back to its pixels
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 7, 6, 3))
    cols = L.im2col(x, kernel, stride, padding)
    c = rng.standard_normal(cols.shape)
    assert np.sum(cols * c) == pytest.approx(
        np.sum(x * L.col2im(c, x.shape, kernel, stride, padding)), rel=1e-12
    )


def test_max_pool_picks_the_maximum_and_routes_the_gradient_to_it():
    x = np.array(
        [[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 9.0, 8.0], [0.0, 0.0, 7.0, 7.0], [0.0, -1.0, 6.0, 1.0]]
    )
    out, cache = L.maxpool2d_forward(x[None, :, :, None], 2)
    np.testing.assert_array_equal(out[0, :, :, 0], [[5.0, 9.0], [0.0, 7.0]])
    dx = L.maxpool2d_backward(np.ones_like(out), cache)[0, :, :, 0]
    # on a tie (the zeros, the sevens) only the first element gets the gradient, as in TensorFlow
    np.testing.assert_array_equal(dx, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0]])


# --------------------------------------------------------------- agreement with TensorFlow


def _tf():  # imported inside the tests that need it: importing TensorFlow takes seconds
    import tensorflow

    return tensorflow


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (1, 2)])
def test_convolution_agrees_with_tensorflow(stride, padding):
    tf = _tf()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 9, 9, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    out, cache = L.conv2d_forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx, dw, db = L.conv2d_backward(dout, cache)

    xt, wt, bt = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape() as tape:
        ref = (
            tf.nn.conv2d(xt, wt, stride, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
            + bt
        )
        loss = tf.reduce_sum(ref * dout)
    ref_dx, ref_dw, ref_db = tape.gradient(loss, [xt, wt, bt])
    what = f"conv2d stride={stride} padding={padding}"
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-4, atol=1e-4, err_msg=f"{what}: forward")
    np.testing.assert_allclose(dx, ref_dx.numpy(), rtol=1e-4, atol=1e-4, err_msg=f"{what}: dx")
    np.testing.assert_allclose(dw, ref_dw.numpy(), rtol=1e-4, atol=1e-3, err_msg=f"{what}: dw")
    np.testing.assert_allclose(db, ref_db.numpy(), rtol=1e-4, atol=1e-3, err_msg=f"{what}: db")
    assert out.dtype == dx.dtype == dw.dtype == db.dtype == np.float32


@pytest.mark.parametrize(
    "pool, stride, shape, ties",
    [
        (2, 2, (2, 8, 8, 3), False),
        (2, 2, (2, 11, 11, 3), False),
        (3, 2, (1, 9, 9, 2), False),
        (2, 2, (2, 8, 8, 3), True),  # many equal values: the first one in each window wins, in both
    ],
)
def test_max_pool_agrees_with_tensorflow(pool, stride, shape, ties):
    tf = _tf()
    rng = np.random.default_rng(3)
    x = (rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)).astype(np.float32)
    out, cache = L.maxpool2d_forward(x, pool, stride)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx = L.maxpool2d_backward(dout, cache)

    xt = tf.Variable(x)
    with tf.GradientTape() as tape:
        ref = tf.nn.max_pool2d(xt, pool, stride, "VALID")
        loss = tf.reduce_sum(ref * dout)
    what = f"max pool {pool} stride {stride} on {shape}, ties={ties}"
    np.testing.assert_array_equal(out, ref.numpy(), err_msg=f"{what}: forward")
    np.testing.assert_allclose(
        dx, tape.gradient(loss, xt).numpy(), rtol=1e-6, atol=1e-6, err_msg=f"{what}: dx"
    )


def test_dense_and_relu_agree_with_tensorflow():
    tf = _tf()
    rng = np.random.default_rng(4)
    dense = L.Dense(7, 5, rng=rng)
    dense.params["b"][:] = rng.standard_normal(5)
    relu = L.ReLU()
    x = rng.standard_normal((6, 7)).astype(np.float32)
    out = relu.forward(dense.forward(x))
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx = dense.backward(relu.backward(dout))

    xt, wt, bt = tf.Variable(x), tf.Variable(dense.params["w"]), tf.Variable(dense.params["b"])
    with tf.GradientTape() as tape:
        ref = tf.nn.relu(tf.matmul(xt, wt) + bt)
        loss = tf.reduce_sum(ref * dout)
    ref_dx, ref_dw, ref_db = tape.gradient(loss, [xt, wt, bt])
    np.testing.assert_allclose(
        out, ref.numpy(), rtol=1e-5, atol=1e-6, err_msg="dense+relu: forward"
    )
    np.testing.assert_allclose(dx, ref_dx.numpy(), rtol=1e-5, atol=1e-6, err_msg="dense+relu: dx")
    np.testing.assert_allclose(
        dense.grads["w"], ref_dw.numpy(), rtol=1e-5, atol=1e-6, err_msg="dense+relu: dw"
    )
    np.testing.assert_allclose(
        dense.grads["b"], ref_db.numpy(), rtol=1e-5, atol=1e-6, err_msg="dense+relu: db"
    )


# ------------------------------------------------------------------- dtype and init


def test_float32_stays_float32_through_every_layer():
    rng = np.random.default_rng(5)
    chain = [
        L.Conv2D(1, 4, 3, rng=rng),
        L.ReLU(),
        L.MaxPool2D(2),
        L.Flatten(),
        L.Dense(4 * 3 * 3, 3, rng=rng),
    ]
    x = rng.random((2, 8, 8, 1), dtype=np.float32)
    for layer in chain:
        x = layer.forward(x)
        assert x.dtype == np.float32, f"{layer.name} forward returned {x.dtype}"
    dout = np.ones_like(x)
    for layer in reversed(chain):
        dout = layer.backward(dout)
        assert dout.dtype == np.float32, f"{layer.name} backward returned {dout.dtype}"
        for key, grad in layer.grads.items():
            assert grad.dtype == np.float32, f"{layer.name}.{key} gradient is {grad.dtype}"


def test_he_initialisation_has_the_right_spread_and_is_reproducible():
    conv = L.Conv2D(16, 64, 3, rng=np.random.default_rng(6))
    assert conv.params["w"].dtype == np.float32 and not conv.params["b"].any()
    assert conv.params["w"].std() == pytest.approx(np.sqrt(2 / (3 * 3 * 16)), rel=0.05)
    again = L.Conv2D(16, 64, 3, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(conv.params["w"], again.params["w"])
    with pytest.raises(TypeError, match="Generator"):
        L.Dense(3, 2, rng=0)


# ------------------------------------------------------------------------- bad input


def test_wrong_rank_says_which_layer_and_shape():
    conv = L.Conv2D(1, 2, 3, rng=np.random.default_rng(0), name="conv1")
    with pytest.raises(
        ValueError, match=r"conv1: expected input of shape \(N, H, W, C\), got shape \(4, 28, 28\)"
    ):
        conv.forward(np.zeros((4, 28, 28), np.float32))
    with pytest.raises(
        ValueError, match=r"pool: expected input of shape \(N, H, W, C\), got shape \(4, 9\)"
    ):
        L.MaxPool2D(2, name="pool").forward(np.zeros((4, 9), np.float32))
    with pytest.raises(
        ValueError, match=r"dense: expected input of shape \(N, 10\), got shape \(4, 2, 5\)"
    ):
        L.Dense(10, 3, rng=np.random.default_rng(0), name="dense").forward(
            np.zeros((4, 2, 5), np.float32)
        )


def test_wrong_channel_count_says_which_layer_and_shape():
    conv = L.Conv2D(32, 64, 3, rng=np.random.default_rng(0), name="conv2")
    with pytest.raises(
        ValueError, match=r"conv2: expected 32 input channel\(s\).*got shape \(2, 13, 13, 16\)"
    ):
        conv.forward(np.zeros((2, 13, 13, 16), np.float32))
    with pytest.raises(ValueError, match=r"the input has 3 channel\(s\).*kernel \(3, 3, 2, 4\)"):
        L.conv2d_forward(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)), np.zeros(4))


def test_kernel_larger_than_the_padded_input_is_an_error():
    conv = L.Conv2D(1, 2, 5, padding=1, rng=np.random.default_rng(0), name="conv1")
    with pytest.raises(
        ValueError,
        match=r"conv1: the kernel \(5 along height\) is larger than the padded input "
        r"\(2 \+ 2\*1 = 4 along height\)",
    ):
        conv.forward(np.zeros((1, 2, 2, 1), np.float32))
    with pytest.raises(ValueError, match=r"pool2: the kernel \(2 along height\) is larger"):
        L.MaxPool2D(2, name="pool2").forward(np.zeros((1, 1, 1, 4), np.float32))


def test_non_integer_output_size_is_an_error():
    conv = L.Conv2D(1, 2, 3, stride=2, rng=np.random.default_rng(0), name="conv1")
    with pytest.raises(
        ValueError,
        match=r"conv1: the output height \(input 6 \+ 2\*padding 0 - kernel 3\) / stride 2 "
        r"\+ 1 = 2.5 is not an integer",
    ):
        conv.forward(np.zeros((1, 6, 7, 1), np.float32))
    with pytest.raises(ValueError, match=r"conv2d_naive: the output width"):
        L.conv2d_naive(np.zeros((1, 7, 6, 1)), np.zeros((3, 3, 1, 1)), np.zeros(1), stride=2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"kernel_size": 0}, ValueError, "kernel_size must be a positive integer, got 0"),
        ({"kernel_size": 2.5}, TypeError, "kernel_size must be an int or a pair"),
        (
            {"stride": (1, 0)},
            ValueError,
            r"stride \(each entry of \(1, 0\)\) must be a positive integer",
        ),
        ({"padding": "full"}, ValueError, "padding must be an int, 'valid' or 'same'"),
        ({"padding": -1}, ValueError, "padding must be a non-negative integer, got -1"),
        ({"kernel_size": 2, "padding": "same"}, ValueError, "odd kernel"),
    ],
)
def test_bad_layer_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        L.Conv2D(1, 2, **{"kernel_size": 3, **kwargs}, rng=np.random.default_rng(0))


def test_integer_images_and_backward_before_forward_are_errors():
    conv = L.Conv2D(1, 2, 3, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="float array"):
        conv.forward(np.zeros((1, 5, 5, 1), np.uint8))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        conv.backward(np.zeros((1, 3, 3, 2), np.float32))


def test_output_shapes_of_the_lesson_network():
    rng = np.random.default_rng(0)
    assert L.Conv2D(1, 32, 3, rng=rng).output_shape((28, 28, 1)) == (26, 26, 32)
    assert L.MaxPool2D(2).output_shape((11, 11, 64)) == (5, 5, 64)
    assert L.Conv2D(3, 8, 3, stride=2, padding="same", rng=rng).output_shape((9, 9, 3)) == (5, 5, 8)
    assert L.Flatten().output_shape((5, 5, 64)) == (1600,)
