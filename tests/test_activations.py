"""Tests of course_utils.activations: gradients, laws of softmax, agreement with Keras."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_utils import activations as act
from course_utils.gradcheck import numerical_gradient_of_output, relative_error

RNG = np.random.default_rng(0)
# Away from 0, so that finite differences never straddle the kink of ReLU.
Z = RNG.choice([-1.0, 1.0], size=(4, 5)) * RNG.uniform(0.1, 3.0, size=(4, 5))
DOUT = RNG.normal(size=(4, 5))

# One table: every activation's backward pass against finite differences.
# (name, forward f(z), backward(dout, z))
GRADIENT_CASES = [
    ("sigmoid", act.sigmoid, act.sigmoid_backward),
    ("tanh", act.tanh, act.tanh_backward),
    ("relu", act.relu, act.relu_backward),
    ("leaky_relu", act.leaky_relu, act.leaky_relu_backward),
    (
        "leaky_relu(negative_slope=0.2)",
        lambda z: act.leaky_relu(z, negative_slope=0.2),
        lambda dout, z: act.leaky_relu_backward(dout, z, negative_slope=0.2),
    ),
    ("softmax", act.softmax, act.softmax_backward),
    (
        "softmax(axis=0)",
        lambda z: act.softmax(z, axis=0),
        lambda d, z: act.softmax_backward(d, z, axis=0),
    ),
    ("log_softmax", act.log_softmax, act.log_softmax_backward),
]


@pytest.mark.parametrize(
    "name, forward, backward", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES]
)
def test_backward_matches_finite_differences(name, forward, backward):
    numeric = numerical_gradient_of_output(forward, Z.copy(), DOUT)
    analytic = backward(DOUT, Z)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9, err_msg=f"{name}: dz")
    assert relative_error(analytic, numeric) < 1e-6, name


@pytest.mark.parametrize("name", sorted(act.ELEMENTWISE))
def test_derivative_is_the_elementwise_slope(name):
    f, derivative = act.ELEMENTWISE[name]
    numeric = numerical_gradient_of_output(f, Z.copy(), np.ones_like(Z))
    np.testing.assert_allclose(
        derivative(Z), numeric, rtol=1e-6, atol=1e-9, err_msg=f"{name}_derivative"
    )


def test_derivatives_at_the_kink_follow_tensorflow():
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(act.relu_derivative(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(act.leaky_relu_derivative(z, 0.1), [0.1, 0.1, 1.0])


def test_known_values():
    np.testing.assert_allclose(act.sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])
    np.testing.assert_allclose(act.sigmoid_derivative(np.array([0.0])), [0.25])
    np.testing.assert_allclose(act.tanh_derivative(np.array([0.0])), [1.0])
    np.testing.assert_array_equal(act.relu(np.array([-2.0, 3.0])), [0.0, 3.0])
    np.testing.assert_allclose(act.leaky_relu(np.array([-2.0, 3.0])), [-0.02, 3.0])
    np.testing.assert_allclose(act.softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75])


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise", invalid="raise"):
        out = act.sigmoid(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_naive_softmax_overflows_where_the_stable_one_does_not():
    logits = np.array([1000.0, 1001.0])
    assert np.isnan(act.softmax_naive(logits)).all()
    np.testing.assert_allclose(act.softmax(logits), [0.26894142, 0.73105858], rtol=1e-7)
    np.testing.assert_allclose(act.softmax_naive([1.0, 2.0]), act.softmax([1.0, 2.0]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax"]
)
def test_dtype_and_shape_are_kept(name, dtype):
    z = Z.astype(dtype)
    out = getattr(act, name)(z)
    assert out.dtype == dtype and out.shape == z.shape, name


def test_integers_become_float64():
    assert act.relu(np.array([-1, 2])).dtype == np.float64
    assert act.softmax([1, 2, 3]).dtype == np.float64


@pytest.mark.parametrize("bad", [["a", "b"], np.array([None, 1.0])])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(TypeError, match="array of numbers"):
        act.softmax(bad)


def test_backward_checks_shapes_and_slope():
    with pytest.raises(ValueError, match="shape of z"):
        act.relu_backward(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="negative_slope"):
        act.leaky_relu(Z, negative_slope=-0.5)
    with pytest.raises(TypeError, match="negative_slope"):
        act.leaky_relu(Z, negative_slope="0.1")


finite_logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=8),
    elements=st.floats(-1e4, 1e4, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(finite_logits)
@example(np.array([[1e4, -1e4, 0.0]]))
@example(np.array([1000.0, 1001.0]))
def test_softmax_rows_are_probability_distributions(z):
    p = act.softmax(z)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(finite_logits)
@example(np.array([[1e4, -1e4, 0.0]]))
def test_log_softmax_is_finite_and_consistent(z):
    log_p = act.log_softmax(z)
    assert np.all(np.isfinite(log_p)) and np.all(log_p <= 0)
    np.testing.assert_allclose(np.exp(log_p), act.softmax(z), atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(finite_logits, st.floats(-1e3, 1e3))
def test_softmax_ignores_a_constant_shift(z, shift):
    np.testing.assert_allclose(act.softmax(z + shift), act.softmax(z), atol=1e-9)


def test_vanishing_gradient_with_sigmoid_but_not_relu():
    sigmoid = act.gradient_through_depth("sigmoid", depth=15, seed=0)
    relu = act.gradient_through_depth("relu", depth=15, seed=0)
    assert sigmoid.shape == relu.shape == (15,)
    assert sigmoid[0] < 1e-6 * sigmoid[-1], (
        "sigmoid gradients should vanish towards the first layer"
    )
    assert 0.1 < relu[0] / relu[-1] < 10, "ReLU gradients should keep their size"
    np.testing.assert_array_equal(sigmoid, act.gradient_through_depth("sigmoid", depth=15, seed=0))
    with pytest.raises(ValueError, match="activation must be one of"):
        act.gradient_through_depth("swish")
    with pytest.raises(ValueError, match="depth"):
        act.gradient_through_depth("relu", depth=0)


# --- agreement with TensorFlow / Keras ------------------------------------------------------


def _keras_cases():
    import keras

    return [
        ("sigmoid", act.sigmoid, keras.activations.sigmoid),
        ("tanh", act.tanh, keras.activations.tanh),
        ("relu", act.relu, keras.activations.relu),
        (
            "leaky_relu",
            lambda z: act.leaky_relu(z, 0.2),
            lambda z: keras.activations.leaky_relu(z, negative_slope=0.2),
        ),
        ("softmax", act.softmax, keras.activations.softmax),
        ("log_softmax", act.log_softmax, keras.activations.log_softmax),
    ]


BACKWARDS = {
    "sigmoid": act.sigmoid_backward,
    "tanh": act.tanh_backward,
    "relu": act.relu_backward,
    "leaky_relu": lambda dout, z: act.leaky_relu_backward(dout, z, 0.2),
    "softmax": act.softmax_backward,
    "log_softmax": act.log_softmax_backward,
}


def test_forward_and_backward_agree_with_keras():
    import tensorflow as tf

    z = np.concatenate([Z, [[-30.0, 30.0, 500.0, -500.0, 0.5]]]).astype(np.float32)
    dout = RNG.normal(size=z.shape).astype(np.float32)
    for name, ours, theirs in _keras_cases():
        z_tf = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(z_tf)
            out = theirs(z_tf)
            target = tf.reduce_sum(out * dout)
        np.testing.assert_allclose(
            ours(z), out.numpy(), rtol=1e-5, atol=1e-6, err_msg=f"{name}: forward"
        )
        np.testing.assert_allclose(
            BACKWARDS[name](dout, z),
            tape.gradient(target, z_tf).numpy(),
            rtol=1e-4,
            atol=1e-6,
            err_msg=f"{name}: backward",
        )
