"""Tests of course_utils.optim: the update rules, agreement with Keras, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.optim import SGD, Adam


def _problem(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    params = {
        "w": rng.standard_normal((3, 4)).astype(dtype),
        "b": rng.standard_normal(4).astype(dtype),
    }
    grads = [
        {k: rng.standard_normal(v.shape).astype(dtype) for k, v in params.items()} for _ in range(4)
    ]
    return params, grads


def test_plain_sgd_steps_against_the_gradient():
    params, grads = _problem()
    before = {k: v.copy() for k, v in params.items()}
    w = params["w"]
    SGD(learning_rate=0.5).step(params, grads[0])
    assert params["w"] is w, "the update must happen in place: the layers hold these arrays"
    for key in params:
        np.testing.assert_allclose(
            params[key], before[key] - 0.5 * grads[0][key], rtol=1e-6, err_msg=key
        )


@pytest.mark.parametrize(
    "name, ours, theirs",
    [
        (
            "sgd momentum",
            lambda: SGD(0.1, momentum=0.9),
            lambda keras: keras.optimizers.SGD(0.1, momentum=0.9),
        ),
        ("adam", lambda: Adam(0.01), lambda keras: keras.optimizers.Adam(0.01)),
        (
            "adam betas",
            lambda: Adam(0.003, beta_1=0.5, beta_2=0.9, epsilon=1e-4),
            lambda keras: keras.optimizers.Adam(0.003, beta_1=0.5, beta_2=0.9, epsilon=1e-4),
        ),
    ],
)
def test_updates_agree_with_keras(name, ours, theirs):
    import keras

    params, grads = _problem(1)
    variables = {k: keras.Variable(v.copy()) for k, v in params.items()}
    reference = theirs(keras)
    optimizer = ours()
    for step in grads:
        optimizer.step(params, step)
        reference.apply_gradients([(step[k], variables[k]) for k in params])
    for key in params:
        np.testing.assert_allclose(
            params[key],
            np.asarray(variables[key]),
            rtol=1e-5,
            atol=1e-6,
            err_msg=f"{name}: {key} after {len(grads)} steps",
        )


@pytest.mark.parametrize("optimizer", [SGD(0.1), SGD(0.05, momentum=0.9), Adam(0.1)], ids=repr)
def test_optimizers_minimise_a_quadratic(optimizer):
    target = np.array([3.0, -2.0, 0.5], dtype=np.float32)
    params = {"x": np.zeros(3, dtype=np.float32)}
    for _ in range(300):
        optimizer.step(params, {"x": 2 * (params["x"] - target)})
    np.testing.assert_allclose(params["x"], target, atol=1e-2, err_msg=repr(optimizer))
    assert params["x"].dtype == np.float32


def test_updates_keep_the_parameters_dtype():
    params, grads = _problem(dtype=np.float32)
    float64_grads = {k: v.astype(np.float64) for k, v in grads[0].items()}
    for optimizer in (SGD(0.1, momentum=0.9), Adam()):
        optimizer.step(params, float64_grads)
        assert all(p.dtype == np.float32 for p in params.values()), repr(optimizer)
        assert all(
            s.dtype == np.float32 for state in optimizer.state.values() for s in state.values()
        )


def test_the_learning_rate_can_change_between_steps():
    params = {"x": np.zeros(1)}
    optimizer = SGD(1.0)
    optimizer.step(params, {"x": np.ones(1)})
    optimizer.learning_rate = 0.25
    optimizer.step(params, {"x": np.ones(1)})
    assert params["x"][0] == pytest.approx(-1.25)


def test_mismatched_params_and_grads_are_errors():
    params, grads = _problem()
    with pytest.raises(ValueError, match=r"no gradient for \['b'\]"):
        Adam().step(params, {"w": grads[0]["w"]})
    with pytest.raises(
        ValueError, match=r"gradient of 'w' has shape \(4, 3\), the parameter has shape \(3, 4\)"
    ):
        SGD().step(params, {"w": grads[0]["w"].T, "b": grads[0]["b"]})


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SGD(learning_rate=0), "learning_rate must be a positive finite number, got 0"),
        (
            lambda: SGD(learning_rate=-1e-3),
            "learning_rate must be a positive finite number, got -0.001",
        ),
        (lambda: SGD(0.1, momentum=1.0), r"momentum must be a number in \[0, 1\), got 1.0"),
        (lambda: Adam(beta_2=1.5), r"beta_2 must be a number in \[0, 1\), got 1.5"),
        (lambda: Adam(epsilon=0), "epsilon must be a positive finite number, got 0"),
    ],
)
def test_bad_hyperparameters_are_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        Adam(learning_rate="0.001")


def test_adam_computes_in_float32_for_float32_parameters():
    """No float64 creeps into the update: the result is bit for bit the float32 computation
    (with a float64 step size, about 2% of 10,000 values round differently)."""
    rng = np.random.default_rng(2)
    p = rng.standard_normal((100, 100)).astype(np.float32)
    g = rng.standard_normal((100, 100)).astype(np.float32)
    params = {"w": p.copy()}
    Adam(0.01).step(params, {"w": g})
    m = np.float32(0.1) * g
    v = np.float32(0.001) * (g * g)
    step = np.float32(0.01 * np.sqrt(1 - 0.999) / (1 - 0.9))
    np.testing.assert_array_equal(params["w"], p - step * m / (np.sqrt(v) + np.float32(1e-7)))
