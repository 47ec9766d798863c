"""Tests of course_utils.network: the whole chain's gradient, training, evaluation, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import layers as L
from course_utils.gradcheck import numerical_gradient
from course_utils.losses import softmax_cross_entropy_backward
from course_utils.network import History, Sequential, lesson_cnn
from course_utils.optim import SGD, Adam


def _small_network(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return Sequential(
        [
            L.Conv2D(1, 2, 3, rng=rng, dtype=dtype, name="conv"),
            L.ReLU(name="relu"),
            L.MaxPool2D(2, name="pool"),
            L.Flatten(name="flatten"),
            L.Dense(2 * 2 * 2, 3, rng=rng, dtype=dtype, name="dense"),
        ]
    )


def loss_and_gradients(network, x, y):
    """Forward and backward on one batch: returns the loss and fills ``network.grads``."""
    loss, logits = network.loss(x, y)
    network.backward(softmax_cross_entropy_backward(logits, y))
    return loss


def _digits(n, seed=0):
    """n random 28x28 'images' with random labels: a CNN can memorise them."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)


def test_gradients_of_the_whole_network_match_numerical_gradients():
    network = _small_network()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 6, 6, 1)), np.array([0, 2, 1])
    for param in network.params.values():
        param += 0.1 * rng.standard_normal(param.shape)
    loss_and_gradients(network, x, y)
    analytic = {key: grad.copy() for key, grad in network.grads.items()}
    for key, param in network.params.items():
        numeric = numerical_gradient(lambda _: network.loss(x, y)[0], param)
        np.testing.assert_allclose(
            analytic[key], numeric, rtol=1e-5, atol=1e-8, err_msg=f"network: d{key}"
        )


def test_the_lesson_network_overfits_32_random_digits():
    x, y = _digits(32)
    network = lesson_cnn(seed=0, fast=True)  # the network lesson 06 trains
    history = network.fit(x, y, Adam(1e-3), num_epochs=50, batch_size=32, seed=0, progress=False)
    scores = network.evaluate(x, y)
    assert scores["accuracy"] == 1.0, (
        f"the network should memorise 32 digits, got accuracy {scores['accuracy']}"
    )
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_the_lesson_network_has_the_lessons_shapes():
    network = lesson_cnn(seed=0)
    summary = network.summary((28, 28, 1))
    assert "(None, 5, 5, 64)" in summary and "(None, 1600)" in summary and "(None, 10)" in summary
    assert network.num_params == 225_034  # the same count as the Keras model of the benchmark
    assert network.forward(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 10)
    assert all(p.dtype == np.float32 for p in network.params.values())


def test_the_plain_and_fast_lesson_networks_compute_the_same():
    x, y = _digits(8)
    plain, fast = lesson_cnn(seed=3), lesson_cnn(seed=3, fast=True)
    assert [type(layer).__module__ for layer in fast.layers[:3]] == [
        "course_utils.fast_layers",
        "course_utils.layers",
        "course_utils.fast_layers",
    ]
    loss = loss_and_gradients(plain, x, y)
    assert loss_and_gradients(fast, x, y) == pytest.approx(loss, rel=1e-5)
    for key, grad in plain.grads.items():
        np.testing.assert_allclose(
            fast.grads[key], grad, rtol=1e-4, atol=1e-5 * np.abs(grad).max(), err_msg=key
        )


def test_params_and_grads_are_the_layers_own_arrays():
    network = _small_network()
    assert list(network.params) == ["conv.w", "conv.b", "dense.w", "dense.b"]
    assert network.params["conv.w"] is network.layers[0].params["w"]
    loss_and_gradients(network, np.ones((2, 6, 6, 1)), np.array([0, 1]))
    assert set(network.grads) == set(network.params)
    before = network.params["dense.b"].copy()
    SGD(0.1).step(network.params, network.grads)
    assert not np.array_equal(network.layers[-1].params["b"], before), (
        "the optimizer must update the layer"
    )


def test_fit_returns_a_history_and_is_reproducible():
    x, y = _digits(40)
    val = _digits(10, seed=1)

    def train():
        network = _small_network_for_digits()
        history = network.fit(
            x,
            y,
            SGD(0.05, momentum=0.9),
            num_epochs=3,
            batch_size=16,
            seed=3,
            validation_data=val,
            learning_rate_schedule=lambda epoch: 0.05 / (epoch + 1),
            progress=False,
        )
        return network, history

    network, history = train()
    again, _ = train()
    for key, param in network.params.items():
        np.testing.assert_array_equal(
            param, again.params[key], err_msg=f"{key} differs between two runs"
        )
    assert isinstance(history, History)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 3 for values in history.history.values())
    assert len(history.batch_loss) == 3 * math.ceil(40 / 16)
    assert history.learning_rate == pytest.approx([0.05, 0.025, 0.05 / 3])
    assert len(history.epoch_seconds) == 3 and history.seconds_per_epoch > 0
    assert history.images_per_second == pytest.approx(40 / history.seconds_per_epoch)
    assert history.history["val_accuracy"][-1] == network.evaluate(*val)["accuracy"]


def _small_network_for_digits(seed=0):
    rng = np.random.default_rng(seed)
    return Sequential(
        [
            L.Conv2D(1, 4, 4, stride=2, padding=1, rng=rng),
            L.ReLU(),
            L.MaxPool2D(2),
            L.Flatten(),
            L.Dense(7 * 7 * 4, 10, rng=rng),
        ]
    )


def test_predict_and_evaluate_agree():
    x, y = _digits(30)
    network = _small_network_for_digits()
    probs = network.predict(x, batch_size=7)
    assert probs.shape == (30, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(
        network.predict_logits(x, batch_size=7), network.forward(x), rtol=1e-5, atol=1e-6
    )
    scores = network.evaluate(x, y, batch_size=4)
    assert scores["accuracy"] == np.mean(probs.argmax(axis=1) == y)
    assert scores["loss"] == pytest.approx(-np.mean(np.log(probs[np.arange(30), y])), rel=1e-4)


def test_a_diverging_run_stops_with_a_clear_error():
    x, y = _digits(16)
    network = _small_network_for_digits()
    network.params["dense.w"][0, 0] = np.inf  # what a far too large learning rate ends in
    with (
        np.errstate(all="ignore"),
        pytest.raises(FloatingPointError, match="lower the learning rate"),
    ):
        network.fit(x, y, SGD(0.1), num_epochs=3, batch_size=8, progress=False)


def test_bad_networks_and_data_are_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"names must be unique, \['relu'\]"):
        Sequential([L.ReLU(name="relu"), L.ReLU(name="relu")])
    assert [
        layer.name for layer in Sequential([L.ReLU(), L.ReLU(name="relu_1"), L.ReLU()]).layers
    ] == ["relu", "relu_1", "relu_2"]
    with pytest.raises(TypeError, match="layers from course_utils.layers"):
        Sequential([lambda x: x])
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential([])
    network = _small_network_for_digits()
    x, y = _digits(8)
    with pytest.raises(
        TypeError, match=r"y must hold integers \(class ids such as 7\), got dtype float32"
    ):
        network.fit(x, y.astype(np.float32), Adam(), progress=False)
    with pytest.raises(ValueError, match="x has 8 examples but y has 7"):
        network.fit(x, y[:7], Adam(), progress=False)
    with pytest.raises(TypeError, match="scale the pixels first"):
        network.evaluate((x * 255).astype(np.uint8), y)
    with pytest.raises(TypeError, match="optimizer must come from course_utils.optim"):
        network.fit(x, y, "adam", progress=False)
    with pytest.raises(ValueError, match="num_epochs must be a positive integer"):
        network.fit(x, y, Adam(), num_epochs=0, progress=False)
    with pytest.raises(
        ValueError, match=r"dense: expected inputs of shape \(N, 1600\), got \(N, 3136\)"
    ):
        Sequential([L.Flatten(), L.Dense(1600, 10, rng=rng, name="dense")]).summary((28, 28, 4))


def test_filters_and_feature_maps_of_the_network_are_drawn(tmp_path, monkeypatch):
    from course_utils import plotting

    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path))
    network = lesson_cnn(seed=0)
    x, _ = _digits(1)
    outputs = network.activations(x)
    assert list(outputs) == [layer.name for layer in network.layers]
    assert outputs["relu2"].shape == (1, 11, 11, 64) and outputs["dense2"].shape == (1, 10)
    maps = outputs["relu1"]
    fig = plotting.conv_filters(network.layers[0].params["w"], save_as="06_filters")
    assert len([ax for ax in fig.axes if ax.images]) == 32
    fig = plotting.feature_maps(maps, image=x[0], max_maps=15, save_as="06_maps")
    assert len([ax for ax in fig.axes if ax.images]) == 16
    assert (tmp_path / "06_filters.png").is_file() and (tmp_path / "06_maps.png").is_file()
    with pytest.raises(ValueError, match=r"shape \(KH, KW, C, F\), got shape \(3, 3, 32\)"):
        plotting.conv_filters(np.zeros((3, 3, 32)))
    with pytest.raises(ValueError, match=r"feature maps of one image.*got \(2, 26, 26, 32\)"):
        plotting.feature_maps(np.zeros((2, 26, 26, 32)))


def test_random_shift_moves_each_image_within_the_limit():
    from course_utils.network import random_shift

    x = np.zeros((50, 9, 9, 1), np.float32)
    x[:, 4, 4, 0] = 1.0
    shifted = random_shift(x, np.random.default_rng(0), max_shift=2)
    assert shifted.shape == x.shape and shifted.dtype == np.float32
    where = np.argwhere(shifted[..., 0] == 1.0)
    assert len(where) == 50 and set(where[:, 0]) == set(range(50)), (
        "every image keeps its one bright pixel"
    )
    moves = where[:, 1:] - 4
    assert np.abs(moves).max() == 2 and len({tuple(m) for m in moves}) > 10, (
        "shifts of up to 2 pixels, varied"
    )
    again = random_shift(x, np.random.default_rng(0), max_shift=2)
    np.testing.assert_array_equal(shifted, again)
    np.testing.assert_array_equal(random_shift(x, np.random.default_rng(0), max_shift=0), x)
    with pytest.raises(ValueError, match="max_shift must be a non-negative integer"):
        random_shift(x, np.random.default_rng(0), max_shift=-1)
    with pytest.raises(ValueError, match=r"shape \(N, H, W, C\)"):
        random_shift(x[..., 0], np.random.default_rng(0))


def test_fit_augments_training_batches_only():
    x, y = _digits(20)
    seen = []

    def augment(batch, rng):
        seen.append(len(batch))
        return batch[:, ::-1]  # a flip: any change of the images will do

    network = _small_network_for_digits()
    network.fit(
        x,
        y,
        Adam(),
        num_epochs=2,
        batch_size=8,
        validation_data=_digits(5, seed=1),
        augment=augment,
        progress=False,
    )
    assert seen == [8, 8, 4] * 2
