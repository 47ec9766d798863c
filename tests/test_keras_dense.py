"""Tests of course_utils.keras_dense (lesson 05), on small synthetic digits."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import data, set_seed
from course_utils import keras_dense as kd


def fake_digits(n, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28)) < 0.2).astype(np.uint8) * 255
    return x, rng.integers(0, 10, size=n)


def test_the_default_model_has_the_lessons_layers_and_parameter_count():
    model = kd.build_dense_model()
    assert kd.dense_layer_sizes(model) == [256, 128, 64, 32, 10]
    assert model.input_shape == (None, 28, 28)
    assert model.output_shape == (None, 10)
    expected = 785 * 256 + 257 * 128 + 129 * 64 + 65 * 32 + 33 * 10
    assert kd.dense_param_count((784, 256, 128, 64, 32, 10)) == expected == 244_522
    assert model.count_params() == expected
    assert [
        layer.activation.__name__ for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ] == ["relu", "relu", "relu", "relu", "softmax"]


def test_the_model_outputs_probabilities():
    probs = kd.build_dense_model((8,))(
        np.random.default_rng(0).random((4, 28, 28)).astype("float32")
    ).numpy()
    assert probs.shape == (4, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs >= 0).all()


def test_builders_reject_bad_sizes():
    with pytest.raises(ValueError, match="hidden_units"):
        kd.build_dense_model((256, 0))
    with pytest.raises(ValueError, match="input and an output"):
        kd.dense_param_count([784])


def test_decaying_learning_rate_is_a_schedule_adam_accepts():
    schedule = kd.decaying_learning_rate(1e-3, steps_per_epoch=10, decay_per_epoch=0.5)
    assert float(schedule(0)) == pytest.approx(1e-3)
    assert float(schedule(20)) == pytest.approx(2.5e-4)
    model = _compiled(kd.build_dense_model((8,)), learning_rate=schedule)
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def test_make_dataset_scales_batches_and_shuffles_reproducibly():
    x, _ = fake_digits(10)
    y = np.arange(10)
    dataset = kd.make_dataset(x, y, batch_size=4, seed=1)
    batches = list(dataset)
    assert [int(yb.shape[0]) for _, yb in batches] == [4, 4, 2]
    xb, yb = batches[0]
    assert xb.dtype == tf.float32 and xb.shape == (4, 28, 28) and yb.dtype == tf.int32
    assert float(tf.reduce_max(xb)) == 1.0
    np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()] / 255.0)
    first = np.concatenate([yb.numpy() for _, yb in batches])
    second = np.concatenate([yb.numpy() for _, yb in dataset])
    assert sorted(first) == list(range(10))
    assert not np.array_equal(first, second), "each epoch should be shuffled anew"
    again = np.concatenate([yb.numpy() for _, yb in kd.make_dataset(x, y, batch_size=4, seed=1)])
    np.testing.assert_array_equal(again, first)
    ordered = np.concatenate(
        [yb.numpy() for _, yb in kd.make_dataset(x, y, batch_size=4, shuffle=False)]
    )
    np.testing.assert_array_equal(ordered, y)


def test_make_dataset_rejects_scaled_or_mismatched_input():
    x, y = fake_digits(6)
    with pytest.raises(ValueError, match="uint8"):
        kd.make_dataset(data.scale_pixels(x), y)
    with pytest.raises(ValueError, match="not compatible"):
        kd.make_dataset(x, y[:5])


def _compiled(model, learning_rate=1e-3):
    """What lesson 05 writes in its cells: Adam, sparse categorical cross-entropy, accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def one_epoch_loss(seed, x, y):
    set_seed(seed)
    model = _compiled(kd.build_dense_model((32, 16)), learning_rate=1e-3)
    history = model.fit(
        kd.make_dataset(x, y, batch_size=16, seed=seed), epochs=1, shuffle=False, verbose=0
    )
    return history.history["loss"][0]


def test_set_seed_makes_the_first_epoch_loss_repeat():
    x, y = fake_digits(64, seed=3)
    assert one_epoch_loss(7, x, y) == one_epoch_loss(7, x, y)
    assert one_epoch_loss(7, x, y) != one_epoch_loss(8, x, y)


def test_a_tiny_batch_is_overfitted_to_full_training_accuracy():
    set_seed(0)
    x, y = fake_digits(32, seed=5)
    model = _compiled(kd.build_dense_model(), learning_rate=3e-3)
    model.fit(kd.make_dataset(x, y, batch_size=32), epochs=40, shuffle=False, verbose=0)
    _, train_accuracy = model.evaluate(data.scale_pixels(x), y, verbose=0)
    assert train_accuracy == 1.0


def test_saving_and_reloading_gives_identical_predictions(tmp_path):
    set_seed(1)
    x, y = fake_digits(32, seed=6)
    model = _compiled(kd.build_dense_model((16,)))
    model.fit(kd.make_dataset(x, y, batch_size=16), epochs=1, shuffle=False, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    pixels = data.scale_pixels(x)
    np.testing.assert_array_equal(
        reloaded.predict(pixels, verbose=0), model.predict(pixels, verbose=0)
    )
    assert kd.dense_layer_sizes(reloaded) == [16, 10]
    assert isinstance(reloaded.optimizer, keras.optimizers.Adam)


def test_callbacks_stop_early_checkpoint_the_best_model_and_time_epochs(tmp_path):
    set_seed(2)
    x, y = fake_digits(48, seed=7)
    path = tmp_path / "best.keras"
    callbacks = kd.training_callbacks(path, monitor="val_loss", patience=1)
    assert [type(c).__name__ for c in callbacks] == ["EarlyStopping", "ModelCheckpoint"]
    timer = kd.EpochTimer()
    model = _compiled(kd.build_dense_model((64,)), learning_rate=1e-2)
    # random labels: validation loss gets worse quickly, so training stops early
    history = model.fit(
        kd.make_dataset(x[:32], y[:32], batch_size=8),
        validation_data=kd.make_dataset(x[32:], y[32:], shuffle=False),
        epochs=30,
        callbacks=[*callbacks, timer],
        shuffle=False,
        verbose=0,
    )
    epochs_run = len(history.history["loss"])
    assert epochs_run < 30
    assert len(timer.epoch_seconds) == epochs_run and timer.seconds_per_epoch > 0
    assert path.is_file()
    best = keras.models.load_model(path)
    best_val_loss = min(history.history["val_loss"])
    assert best.evaluate(data.scale_pixels(x[32:]), y[32:], verbose=0)[0] == pytest.approx(
        best_val_loss, rel=1e-4
    )
    with pytest.raises(ValueError, match=r"\.keras"):
        kd.training_callbacks(tmp_path / "best.h5")


def test_compare_learning_rates_trains_one_run_per_rate_from_the_same_start():
    x, y = fake_digits(48, seed=8)
    rates = {"big": 0.05, "small": 1e-3, "same small": 1e-3}
    histories = kd.compare_learning_rates(
        rates,
        (x[:32], y[:32]),
        (x[32:], y[32:]),
        num_epochs=2,
        batch_size=16,
        hidden_units=(8,),
        seed=3,
    )
    assert list(histories) == list(rates)
    for history in histories.values():
        assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history)
        assert len(history["val_accuracy"]) == 2
    assert histories["small"]["loss"] == histories["same small"]["loss"]
    assert histories["big"]["loss"] != histories["small"]["loss"]
    with pytest.raises(ValueError, match="learning_rates"):
        kd.compare_learning_rates({}, (x, y), (x, y), num_epochs=1)
