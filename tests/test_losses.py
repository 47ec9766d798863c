"""Tests of course_utils.losses: gradients, stability, agreement with keras.losses."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import losses
from course_utils.activations import sigmoid, softmax
from course_utils.gradcheck import numerical_gradient, relative_error

RNG = np.random.default_rng(1)
N, C = 5, 4
LOGITS = RNG.normal(scale=2.0, size=(N, C))
LABELS = np.array([0, 3, 1, 1, 2])
ONE_HOT = np.eye(C)[LABELS]
PROBS = softmax(LOGITS)
SOFT_TARGETS = 0.5 * softmax(LOGITS[::-1])  # rows summing to 0.5, not 1
Y_REG = RNG.normal(size=(N, 3))
P_REG = RNG.normal(size=(N, 3))
Y_BIN = RNG.integers(0, 2, size=(N, 3)).astype(np.float64)
P_BIN = RNG.uniform(0.05, 0.95, size=(N, 3))
Z_BIN = RNG.normal(scale=3.0, size=(N, 3))

# One table: every loss's gradient with respect to its prediction against finite differences.
# (name, loss(y_pred) -> float, backward(y_pred) -> gradient, y_pred)
GRADIENT_CASES = [
    ("mse", lambda p: losses.mse(Y_REG, p), lambda p: losses.mse_backward(Y_REG, p), P_REG),
    (
        "mse (N,)",
        lambda p: losses.mse(Y_REG[:, 0], p),
        lambda p: losses.mse_backward(Y_REG[:, 0], p),
        P_REG[:, 0],
    ),
    (
        "mse reduction=sum",
        lambda p: losses.mse(Y_REG, p, reduction="sum"),
        lambda p: losses.mse_backward(Y_REG, p, reduction="sum"),
        P_REG,
    ),
    (
        "binary_cross_entropy",
        lambda p: losses.binary_cross_entropy(Y_BIN, p),
        lambda p: losses.binary_cross_entropy_backward(Y_BIN, p),
        P_BIN,
    ),
    (
        "binary_cross_entropy from_logits",
        lambda z: losses.binary_cross_entropy(Y_BIN, z, from_logits=True),
        lambda z: losses.binary_cross_entropy_backward(Y_BIN, z, from_logits=True),
        Z_BIN,
    ),
    (
        "categorical_cross_entropy",
        lambda p: losses.categorical_cross_entropy(ONE_HOT, p),
        lambda p: losses.categorical_cross_entropy_backward(ONE_HOT, p),
        PROBS,
    ),
    (
        "categorical_cross_entropy from_logits",
        lambda z: losses.categorical_cross_entropy(ONE_HOT, z, from_logits=True),
        lambda z: losses.categorical_cross_entropy_backward(ONE_HOT, z, from_logits=True),
        LOGITS,
    ),
    (
        "sparse_categorical_cross_entropy",
        lambda p: losses.sparse_categorical_cross_entropy(LABELS, p),
        lambda p: losses.sparse_categorical_cross_entropy_backward(LABELS, p),
        PROBS,
    ),
    (
        "sparse_categorical_cross_entropy from_logits, sum",
        lambda z: losses.sparse_categorical_cross_entropy(
            LABELS, z, from_logits=True, reduction="sum"
        ),
        lambda z: losses.sparse_categorical_cross_entropy_backward(
            LABELS, z, from_logits=True, reduction="sum"
        ),
        LOGITS,
    ),
    (
        "softmax_cross_entropy, class ids",
        lambda z: losses.softmax_cross_entropy(z, LABELS),
        lambda z: losses.softmax_cross_entropy_backward(z, LABELS),
        LOGITS,
    ),
    (
        "softmax_cross_entropy, one-hot",
        lambda z: losses.softmax_cross_entropy(z, ONE_HOT),
        lambda z: losses.softmax_cross_entropy_backward(z, ONE_HOT),
        LOGITS,
    ),
    (
        "softmax_cross_entropy, soft targets",
        lambda z: losses.softmax_cross_entropy(z, SOFT_TARGETS),
        lambda z: losses.softmax_cross_entropy_backward(z, SOFT_TARGETS),
        LOGITS,
    ),
]


@pytest.mark.parametrize(
    "name, loss, backward, y_pred", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES]
)
def test_backward_matches_finite_differences(name, loss, backward, y_pred):
    numeric = numerical_gradient(loss, y_pred.copy())
    analytic = backward(y_pred)
    assert analytic.shape == y_pred.shape, name
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=f"{name}: d y_pred")
    assert relative_error(analytic, numeric) < 1e-5, name


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n():
    grad = losses.softmax_cross_entropy_backward(LOGITS, LABELS)
    np.testing.assert_allclose(grad, (PROBS - ONE_HOT) / N)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64])
def test_softmax_cross_entropy_takes_any_integer_labels(dtype):
    """MNIST's labels are uint8; the numpy CNN passes them straight in."""
    expected = losses.softmax_cross_entropy(LOGITS, LABELS)
    assert losses.softmax_cross_entropy(LOGITS, LABELS.astype(dtype)) == pytest.approx(expected)
    np.testing.assert_allclose(
        losses.softmax_cross_entropy_backward(LOGITS, LABELS.astype(dtype)),
        losses.softmax_cross_entropy_backward(LOGITS, LABELS),
    )


def test_softmax_cross_entropy_keeps_the_logits_dtype():
    logits = LOGITS.astype(np.float32)
    grad = losses.softmax_cross_entropy_backward(logits, LABELS)
    assert grad.dtype == np.float32 and grad.shape == (N, C)
    assert isinstance(losses.softmax_cross_entropy(logits, LABELS), float)


def test_known_values():
    assert losses.mse(np.array([1.0, 2.0]), np.array([2.0, 4.0])) == pytest.approx(2.5)
    assert losses.binary_cross_entropy(np.array([1.0]), np.array([0.5])) == pytest.approx(np.log(2))
    uniform = np.zeros((2, 10))
    assert losses.softmax_cross_entropy(uniform, np.array([3, 7])) == pytest.approx(np.log(10))
    per_example = losses.sparse_categorical_cross_entropy(LABELS, PROBS, reduction="none")
    np.testing.assert_allclose(per_example, -np.log(PROBS[np.arange(N), LABELS]))


def test_log_of_zero_is_clipped_or_avoided():
    """A softmax that underflowed to 0 gives log(0): clipping caps it, logits avoid it."""
    logits = np.array([[0.0, 800.0]])  # the true class 0 gets probability exp(-800) = 0.0
    probs = softmax(logits)
    assert probs[0, 0] == 0.0
    with np.errstate(divide="ignore"):
        assert np.isinf(-np.log(probs[0, 0]))
    assert losses.sparse_categorical_cross_entropy([0], probs) == pytest.approx(
        -np.log(losses.EPSILON)
    )
    assert losses.softmax_cross_entropy(logits, [0]) == pytest.approx(800.0)
    assert losses.sparse_categorical_cross_entropy([0], logits, from_logits=True) == pytest.approx(
        800.0
    )
    assert losses.binary_cross_entropy([1.0], [-800.0], from_logits=True) == pytest.approx(800.0)


def test_bce_from_logits_gradient_does_not_vanish_when_confidently_wrong():
    z = np.array([-10.0])  # predicts class 0 with probability ~1, the target is 1
    ce = losses.binary_cross_entropy_backward([1.0], z, from_logits=True)
    mse_through_sigmoid = losses.mse_backward([1.0], sigmoid(z)) * sigmoid(z) * (1 - sigmoid(z))
    assert ce[0] == pytest.approx(sigmoid(z)[0] - 1)
    assert abs(mse_through_sigmoid[0]) < 1e-3 * abs(ce[0])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: losses.softmax_cross_entropy(LOGITS, np.array([0, 1, 2, 3, 4])),
            ValueError,
            r"class ids in \[0, 3\]",
        ),
        (lambda: losses.softmax_cross_entropy(LOGITS, LABELS[:3]), ValueError, "5 entries"),
        (
            lambda: losses.softmax_cross_entropy(LOGITS, LABELS.astype(float)),
            TypeError,
            "integer class ids",
        ),
        (lambda: losses.softmax_cross_entropy(LOGITS[0], LABELS), ValueError, r"shape \(N, C\)"),
        (lambda: losses.softmax_cross_entropy(LOGITS, ONE_HOT[:, :3]), ValueError, "one-hot"),
        (lambda: losses.softmax_cross_entropy(LOGITS, "cat"), ValueError, "one-hot"),
        (lambda: losses.mse(Y_REG, P_REG[:, :2]), ValueError, "same shape"),
        (lambda: losses.mse(1.0, 2.0), ValueError, "scalars"),
        (lambda: losses.mse(Y_REG, P_REG, reduction="average"), ValueError, "reduction"),
        (lambda: losses.mse_backward(Y_REG, P_REG, reduction="none"), ValueError, "reduction"),
        (lambda: losses.mse(["a"], ["b"]), TypeError, "array of numbers"),
        (
            lambda: losses.categorical_cross_entropy(Y_BIN[:, 0], P_BIN[:, 0]),
            ValueError,
            r"\(N, C\)",
        ),
        (
            lambda: losses.sparse_categorical_cross_entropy(ONE_HOT, PROBS),
            ValueError,
            r"shape \(N,\)",
        ),
    ],
)
def test_bad_input_says_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- agreement with keras.losses -----------------------------------------------------------


def _keras_cases():
    import keras

    kl = keras.losses
    return [
        ("MeanSquaredError", losses.mse, kl.MeanSquaredError, Y_REG, P_REG, {}),
        (
            "BinaryCrossentropy",
            losses.binary_cross_entropy,
            kl.BinaryCrossentropy,
            Y_BIN,
            P_BIN,
            {},
        ),
        (
            "BinaryCrossentropy(from_logits=True)",
            losses.binary_cross_entropy,
            kl.BinaryCrossentropy,
            Y_BIN,
            Z_BIN,
            {"from_logits": True},
        ),
        (
            "CategoricalCrossentropy",
            losses.categorical_cross_entropy,
            kl.CategoricalCrossentropy,
            ONE_HOT,
            PROBS,
            {},
        ),
        (
            "CategoricalCrossentropy(from_logits=True)",
            losses.categorical_cross_entropy,
            kl.CategoricalCrossentropy,
            ONE_HOT,
            LOGITS,
            {"from_logits": True},
        ),
        (
            "SparseCategoricalCrossentropy",
            losses.sparse_categorical_cross_entropy,
            kl.SparseCategoricalCrossentropy,
            LABELS,
            PROBS,
            {},
        ),
        (
            "SparseCategoricalCrossentropy(from_logits=True)",
            losses.sparse_categorical_cross_entropy,
            kl.SparseCategoricalCrossentropy,
            LABELS,
            LOGITS,
            {"from_logits": True},
        ),
    ]


def test_every_loss_agrees_with_keras():
    for name, ours, keras_class, y_true, y_pred, kwargs in _keras_cases():
        expected = float(keras_class(**kwargs)(y_true, y_pred))
        assert ours(y_true, y_pred, **kwargs) == pytest.approx(expected, rel=1e-5), name
        per_example = keras_class(reduction=None, **kwargs)(y_true, y_pred)
        np.testing.assert_allclose(
            ours(y_true, y_pred, reduction="none", **kwargs),
            np.asarray(per_example),
            rtol=1e-5,
            err_msg=f"{name}, reduction=None",
        )
        summed = float(keras_class(reduction="sum", **kwargs)(y_true, y_pred))
        assert ours(y_true, y_pred, reduction="sum", **kwargs) == pytest.approx(summed, rel=1e-5), (
            name
        )


def test_clipping_agrees_with_keras_on_zero_probabilities():
    import keras

    probs = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    labels = np.array([0, 1])
    expected = float(keras.losses.SparseCategoricalCrossentropy()(labels, probs))
    assert losses.sparse_categorical_cross_entropy(labels, probs) == pytest.approx(
        expected, rel=1e-4
    )


def test_fused_loss_and_gradient_agree_with_tensorflow():
    import keras
    import tensorflow as tf

    logits = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, logits)
    assert losses.softmax_cross_entropy(LOGITS, LABELS) == pytest.approx(float(loss), rel=1e-6)
    np.testing.assert_allclose(
        losses.softmax_cross_entropy_backward(LOGITS, LABELS),
        tape.gradient(loss, logits).numpy(),
        rtol=1e-5,
        atol=1e-8,
    )
