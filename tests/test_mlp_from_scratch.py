"""Tests of course_utils.mlp_from_scratch (lesson 04) and its figures, on small synthetic digits."""

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

from course_utils import mlp_from_scratch as mlp
from course_utils import plotting
from course_utils.history import History

matplotlib.use("Agg")


def fake_digits(n, seed=0, ink=0.2):
    """uint8 images (n, 28, 28) with about ``ink`` of the pixels on, and labels (n,)."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28)) < ink).astype(np.uint8) * 255
    return x, rng.integers(0, 10, size=n)


# --- data ---------------------------------------------------------------------------


def test_flatten_images_scales_uint8_and_keeps_floats():
    x = np.full((2, 28, 28), 255, dtype=np.uint8)
    flat = mlp.flatten_images(x)
    assert flat.shape == (2, 784) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat, 1.0)
    np.testing.assert_array_equal(mlp.flatten_images(np.full((3, 784), 0.5)), 0.5)


@pytest.mark.parametrize(
    "bad, error",
    [(np.zeros((28, 28)), ValueError), (np.zeros((2, 28, 28), dtype=np.int64), TypeError)],
)
def test_flatten_images_rejects_bad_input(bad, error):
    with pytest.raises(error):
        mlp.flatten_images(bad)


def test_minibatches_cover_every_example_once_per_epoch_in_a_new_order():
    x, _ = fake_digits(10)
    y = np.arange(10)
    batches = mlp.MiniBatches(x, y, batch_size=4, seed=3)
    assert len(batches) == 3
    epochs = [[(xb, yb) for xb, yb in batches] for _ in range(2)]
    for epoch in epochs:
        assert [int(yb.shape[0]) for _, yb in epoch] == [4, 4, 2]
        assert epoch[0][0].shape == (4, 784) and epoch[0][0].dtype == tf.float32
        assert epoch[0][1].dtype == tf.int32
        labels = np.concatenate([yb.numpy() for _, yb in epoch])
        assert sorted(labels) == list(range(10))
        for xb, yb in epoch:  # each image still travels with its own label
            np.testing.assert_array_equal(xb.numpy(), mlp.flatten_images(x[yb.numpy()]))
    orders = [np.concatenate([yb.numpy() for _, yb in epoch]) for epoch in epochs]
    assert not np.array_equal(orders[0], orders[1]), "each epoch should be shuffled anew"
    again = mlp.MiniBatches(x, y, batch_size=4, seed=3)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in again]), orders[0])


def test_minibatches_reject_mismatched_labels_and_bad_batch_size():
    x, y = fake_digits(5)
    with pytest.raises(ValueError, match="labels"):
        mlp.MiniBatches(x, y[:4])
    with pytest.raises(TypeError, match="integer"):
        mlp.MiniBatches(x, y.astype(float))
    with pytest.raises(ValueError, match="batch_size"):
        mlp.MiniBatches(x, y, batch_size=0)


# --- the network --------------------------------------------------------------------


@pytest.mark.parametrize(
    "init, fan_in, fan_out, expected",
    [
        ("normal", 784, 512, 1.0),
        ("glorot", 784, 512, np.sqrt(2 / 1296)),
        ("he", 784, 512, np.sqrt(2 / 784)),
    ],
)
def test_init_stddev(init, fan_in, fan_out, expected):
    assert mlp.init_stddev(init, fan_in, fan_out) == pytest.approx(expected)


@pytest.mark.parametrize("init", mlp.INITS)
def test_mlp_weights_have_the_shapes_and_spread_of_their_init(init):
    model = mlp.MLP(init=init, seed=1)
    assert [tuple(w.shape) for w in model.weights] == [(784, 512), (512, 10)]
    assert [tuple(b.shape) for b in model.biases] == [(512,), (10,)]
    assert model.num_params() == 784 * 512 + 512 + 512 * 10 + 10
    std = float(tf.math.reduce_std(model.weights[0]))
    assert std == pytest.approx(mlp.init_stddev(init, 784, 512), rel=0.02)
    bias_std = float(tf.math.reduce_std(model.biases[0]))
    assert bias_std == (pytest.approx(1.0, rel=0.15) if init == "normal" else 0.0)
    assert model(tf.zeros((3, 784))).shape == (3, 10)


def test_mlp_seed_fixes_the_weights():
    a, b, c = mlp.MLP(seed=5), mlp.MLP(seed=5), mlp.MLP(seed=6)
    np.testing.assert_array_equal(a.weights[0].numpy(), b.weights[0].numpy())
    assert not np.array_equal(a.weights[0].numpy(), c.weights[0].numpy())


def test_mlp_rejects_bad_arguments():
    with pytest.raises(ValueError, match="init"):
        mlp.MLP(init="uniform")
    with pytest.raises(ValueError, match="layer_sizes"):
        mlp.MLP((784,))


def keras_twin(model):
    """A Keras model holding the same weights as the from-scratch ``model``."""
    twin = keras.Sequential(
        [keras.Input((model.layer_sizes[0],))]
        + [keras.layers.Dense(n, activation="relu") for n in model.layer_sizes[1:-1]]
        + [keras.layers.Dense(model.layer_sizes[-1])]
    )
    twin.set_weights([v.numpy() for pair in zip(model.weights, model.biases) for v in pair])
    return twin


def test_forward_and_gradients_match_a_keras_model_with_the_same_weights():
    model = mlp.MLP((784, 32, 16, 10), init="he", seed=2)
    twin = keras_twin(model)
    x, y = fake_digits(8, seed=4)
    x = mlp.flatten_images(x)
    with tf.GradientTape() as tape:
        loss = mlp.cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, [v for pair in zip(model.weights, model.biases) for v in pair])
    keras_loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        keras_loss = keras_loss_fn(y, twin(x))
    keras_grads = tape.gradient(keras_loss, twin.trainable_weights)
    np.testing.assert_allclose(model(x).numpy(), twin(x).numpy(), rtol=1e-5, atol=1e-5)
    assert float(loss) == pytest.approx(float(keras_loss), rel=1e-5)
    names = [v.name for pair in zip(model.weights, model.biases) for v in pair]
    for name, ours, theirs in zip(names, grads, keras_grads):
        np.testing.assert_allclose(
            ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6, err_msg=f"gradient of {name}"
        )


# --- losses -------------------------------------------------------------------------


def test_both_losses_agree_on_moderate_logits_and_match_the_definition():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], dtype=np.float32)
    labels = np.array([0, 2])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[[0, 1], labels]))
    assert float(mlp.cross_entropy_from_logits(logits, labels)) == pytest.approx(expected, rel=1e-5)
    assert float(mlp.log_softmax_loss(logits, labels)) == pytest.approx(expected, rel=1e-5)


def test_log_softmax_loss_is_nan_when_a_probability_underflows_and_the_logits_loss_is_not():
    logits = np.array([[200.0, 0.0, -5.0]], dtype=np.float32)
    assert np.isnan(float(mlp.log_softmax_loss(logits, [0])))
    assert float(mlp.cross_entropy_from_logits(logits, [0])) == pytest.approx(0.0, abs=1e-6)
    assert float(mlp.cross_entropy_from_logits(logits, [1])) == pytest.approx(200.0, rel=1e-5)


def test_softmax_underflow_fraction():
    assert mlp.softmax_underflow_fraction([[0.0, 1.0, 2.0]]) == 0.0
    assert mlp.softmax_underflow_fraction([[0.0, 200.0], [1.0, 1.0]]) == pytest.approx(0.25)


def test_evaluate_counts_rows_whose_largest_logit_is_the_label():
    x, y = fake_digits(12, seed=4)
    model = mlp.MLP((784, 16, 10), seed=0)
    logits = mlp.predict(model, x)
    scores = mlp.evaluate(model, x, y)
    assert scores["accuracy"] == pytest.approx(np.mean(logits.argmax(axis=1) == y))
    assert scores["loss"] == pytest.approx(
        float(mlp.cross_entropy_from_logits(logits, y)), rel=1e-5
    )
    with pytest.raises(ValueError):
        mlp.evaluate(model, x, y[:-1])


# --- the lesson's central claim -------------------------------------------------------


def test_the_published_recipe_gives_nan_and_the_fixed_one_does_not():
    x, y = fake_digits(64, seed=7)
    published = mlp.MLP(init="normal", seed=0)
    logits = published(mlp.flatten_images(x))
    assert float(tf.math.reduce_std(logits)) > 50, "stddev-1 weights should give huge logits"
    assert mlp.softmax_underflow_fraction(logits) > 0.3
    assert np.isnan(float(mlp.log_softmax_loss(logits, y)))
    step = mlp.adam_train_step(published, loss_fn=mlp.log_softmax_loss)
    history = mlp.train(published, mlp.MiniBatches(x, y, 32, seed=0), step, num_epochs=1, verbose=0)
    assert np.isnan(history.history["loss"][0])
    assert np.isnan(published.weights[0].numpy()).any(), "a NaN gradient should poison the weights"

    fixed = mlp.MLP(init="he", seed=0)
    assert float(tf.math.reduce_std(fixed(mlp.flatten_images(x)))) < 10
    history = mlp.train(
        fixed,
        mlp.MiniBatches(x, y, 32, seed=0),
        mlp.adam_train_step(fixed),
        num_epochs=2,
        verbose=0,
    )
    assert np.all(np.isfinite(history.history["loss"]))
    assert all(np.isfinite(w.numpy()).all() for w in fixed.trainable_variables)


# --- training -----------------------------------------------------------------------


@pytest.mark.parametrize("compiled", [False, True])
def test_train_step_lowers_the_loss_eager_and_compiled(compiled):
    x, y = fake_digits(16, seed=1)
    x = tf.constant(mlp.flatten_images(x))
    y = tf.constant(y, dtype=tf.int32)
    model = mlp.MLP((784, 32, 10), seed=0)
    step = mlp.adam_train_step(model, learning_rate=1e-2, compiled=compiled)
    first, correct = step(x, y)
    assert 0 <= int(correct) <= 16
    for _ in range(10):
        loss, _ = step(x, y)
    assert float(loss) < 0.5 * float(first)


def test_eager_and_compiled_steps_compute_the_same_update():
    x, y = fake_digits(16, seed=1)
    x = tf.constant(mlp.flatten_images(x))
    y = tf.constant(y, dtype=tf.int32)
    models = [mlp.MLP((784, 32, 10), seed=3) for _ in range(2)]
    for model, compiled in zip(models, (False, True)):
        step = mlp.make_train_step(
            model, keras.optimizers.Adam(learning_rate=1e-3), mlp.cross_entropy_from_logits
        )
        if compiled:
            step = mlp.compile_train_step(step)
        for _ in range(3):
            step(x, y)
    for a, b in zip(*(m.trainable_variables for m in models)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_a_tiny_batch_is_overfitted_to_full_training_accuracy():
    x, y = fake_digits(32, seed=11)
    model = mlp.MLP(init="he", seed=0)
    step = mlp.adam_train_step(model, learning_rate=3e-3)
    history = mlp.train(model, mlp.MiniBatches(x, y, 32, seed=0), step, num_epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    train_accuracy = mlp.evaluate(model, x, y)["accuracy"]
    assert train_accuracy == 1.0


def test_training_is_reproducible_with_the_same_seeds_and_differs_with_others():
    x, y = fake_digits(64, seed=2)

    def first_epoch_loss(seed):
        model = mlp.MLP((784, 64, 10), seed=seed)
        history = mlp.train(
            model,
            mlp.MiniBatches(x, y, 16, seed=seed),
            mlp.adam_train_step(model),
            num_epochs=1,
            verbose=0,
        )
        return history.history["loss"][0]

    assert first_epoch_loss(42) == first_epoch_loss(42)
    assert first_epoch_loss(42) != first_epoch_loss(43)


def test_train_returns_a_history_with_validation_and_timings(capsys):
    x, y = fake_digits(40, seed=3)
    model = mlp.MLP((784, 16, 10), seed=0)
    step = mlp.adam_train_step(model)
    history = mlp.train(
        model,
        mlp.MiniBatches(x, y, 16),
        step,
        num_epochs=2,
        validation_data=(x[:10], y[:10]),
        verbose=1,
    )
    assert isinstance(history, History)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 2 for values in history.history.values())
    assert all(0 <= a <= 1 for a in history.history["accuracy"] + history.history["val_accuracy"])
    assert len(history.epoch_seconds) == 2 and history.seconds_per_epoch > 0
    assert "epoch 2/2" in capsys.readouterr().out


def test_compare_eager_and_compiled_reports_positive_seconds_for_both():
    x, y = fake_digits(64, seed=5)
    seconds = mlp.compare_eager_and_compiled(x, y, batch_size=32)
    assert list(seconds) == ["eager", "tf.function"]
    assert all(s > 0 for s in seconds.values())


# --- figures ------------------------------------------------------------------------


def test_activation_scales_and_timing_bars_draw_and_save(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path))
    x, _ = fake_digits(20)
    x = mlp.flatten_images(x)
    runs = {
        init: {k: v.numpy() for k, v in mlp.MLP(init=init).activations(x).items()}
        for init in ("normal", "he")
    }
    fig = plotting.activation_scales(runs, save_as="04_test_scales")
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("normal") and "softmax exactly 0" in titles[2]
    assert (tmp_path / "04_test_scales.png").is_file()
    fig = plotting.timing_bars({"eager": 2.0, "tf.function": 0.5}, save_as="04_test_timing")
    assert any("4.0x" in t.get_text() for t in fig.axes[0].texts)
    assert (tmp_path / "04_test_timing.png").is_file()


def test_figures_reject_bad_input():
    with pytest.raises(ValueError):
        plotting.activation_scales({})
    with pytest.raises(ValueError):
        plotting.activation_scales({"he": {"logits": np.zeros((2, 10))}})
    with pytest.raises(ValueError):
        plotting.timing_bars({"eager": 0.0})


def test_dropout_switches_off_hidden_units_only_in_training():
    x = tf.ones((200, 784))
    model = mlp.MLP((784, 50, 10), dropout=0.25, seed=4)
    plain = model.activations(x)["hidden 1"].numpy()
    np.testing.assert_array_equal(model.activations(x)["hidden 1"].numpy(), plain)
    dropped = model.activations(x, training=True)["hidden 1"].numpy()
    alive = plain > 0
    switched_off = (dropped == 0) & alive
    assert switched_off.sum() / alive.sum() == pytest.approx(0.25, abs=0.03)
    kept = (dropped > 0) & alive
    np.testing.assert_allclose(dropped[kept], plain[kept] / 0.75, rtol=1e-6)
    again = (
        mlp.MLP((784, 50, 10), dropout=0.25, seed=4)
        .activations(x, training=True)["hidden 1"]
        .numpy()
    )
    np.testing.assert_array_equal(again, dropped)
    assert "dropout=0.25" in repr(model)
    assert model.num_params() == mlp.MLP((784, 50, 10)).num_params()
    with pytest.raises(ValueError, match="dropout"):
        mlp.MLP(dropout=1.0)
