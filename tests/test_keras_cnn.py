"""Tests of course_utils.keras_cnn: builders, input handling, training, prediction, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import keras_cnn
from course_utils.keras_dense import EpochTimer
from course_utils.reproducibility import set_seed


def synthetic_digits(n: int, seed: int = 0, num_classes: int = 10):
    """Easy stand-ins for digits: class c is a bright 6x6 square at its own place, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % num_classes
    rng.shuffle(y)
    x = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(y):
        row, col = divmod(int(c), 4)
        x[i, 2 + 8 * row : 8 + 8 * row, 2 + 6 * col : 8 + 6 * col] = 255
    return x, y


@pytest.fixture(autouse=True)
def build_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    return tmp_path / "build"


# --- builders -----------------------------------------------------------------------------


def test_original_cnn_maps_digits_to_probabilities():
    model = keras_cnn.build_original_cnn()
    probs = model(np.zeros((3, 28, 28, 1), np.float32)).numpy()
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_original_cnn_parameter_count_by_hand_and_by_summary():
    model = keras_cnn.build_original_cnn()
    by_hand = (
        (3 * 3 * 1 * 32 + 32)  # conv1: 28x28x1 -> 26x26x32
        + (3 * 3 * 32 * 64 + 64)  # conv2: 13x13x32 -> 11x11x64
        + (3 * 3 * 64 * 64 + 64)  # conv3: 5x5x64 -> 3x3x64
        + (3 * 3 * 64 * 64 + 64)  # dense: 576 -> 64
        + (64 * 10 + 10)  # output: 64 -> 10
    )
    summary_rows = sum(layer.count_params() for layer in model.layers)
    assert by_hand == 93_322
    assert model.count_params() == summary_rows == by_hand
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (26, 26, 32)
    assert shapes["pool2"] == (5, 5, 64)
    assert shapes["flatten"] == (576,)


def test_original_cnn_on_the_original_100x100_colour_images_has_far_more_parameters():
    big = keras_cnn.build_original_cnn(input_shape=(100, 100, 3))
    # 100 -> 98 -> 49 -> 47 -> 23 -> 21: flatten 21*21*64 = 28224 values into the dense layer
    assert big.get_layer("flatten").output.shape[1] == 21 * 21 * 64
    assert big.count_params() == (3 * 3 * 3 * 32 + 32) + 18_496 + 36_928 + (28_224 * 64 + 64) + 650


def test_improved_cnn_parameter_count_matches_the_summary():
    model = keras_cnn.build_improved_cnn(seed=0)
    summary_rows = sum(layer.count_params() for layer in model.layers)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    # batch norm: gamma, beta trainable; moving mean and variance not (2 * (32 + 64 + 64))
    assert non_trainable == 2 * (32 + 64 + 64)
    assert model.count_params() == summary_rows == trainable + non_trainable
    by_hand = (
        (3 * 3 * 1 * 32 + 4 * 32)  # conv1 without bias + batch norm, "same": 28x28x32
        + (3 * 3 * 32 * 64 + 4 * 64)  # conv2 + batch norm on 14x14
        + (3 * 3 * 64 * 64 + 4 * 64)  # conv3 + batch norm on 7x7, pooled to 3x3
        + (3 * 3 * 64 * 64 + 64)  # dense: 576 -> 64, as in the original
        + (64 * 10 + 10)
    )
    assert model.get_layer("flatten").output.shape[1] == 576
    assert all(not model.get_layer(f"conv{i}").use_bias for i in (1, 2, 3))
    assert model.count_params() == by_hand
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize(
    "build, smallest",
    [(keras_cnn.build_original_cnn, 18)],
    ids=["original (valid padding)"],
)
def test_builders_accept_the_smallest_image_and_reject_one_pixel_less(build, smallest):
    model = build(input_shape=(smallest, smallest + 5, 1))
    probs = model(np.zeros((2, smallest, smallest + 5, 1), np.float32), training=True).numpy()
    assert probs.shape == (2, 10)
    for too_small in [(smallest - 1, smallest, 1), (smallest, smallest - 1, 1)]:
        with pytest.raises(ValueError, match=f"too small.*at least {smallest}x{smallest}"):
            build(input_shape=too_small)


@pytest.mark.parametrize("build", [keras_cnn.build_original_cnn])
def test_builders_reject_bad_shapes(build):
    with pytest.raises(ValueError, match="input_shape"):
        build(input_shape=(28, 28))
    with pytest.raises(ValueError, match="num_classes"):
        build(num_classes=1)


def test_improved_cnn_without_augmentation_has_the_same_weights_and_an_identity_in_its_place():
    with_augmentation = keras_cnn.build_improved_cnn(seed=0)
    without = keras_cnn.build_improved_cnn(augment=False, seed=0)
    assert isinstance(without.get_layer("augmentation"), keras.layers.Identity)
    assert without.count_params() == with_augmentation.count_params()
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(without.get_layer("augmentation")(x, training=True), x)


def test_improved_cnn_has_about_the_original_s_parameters():
    improved = keras_cnn.build_improved_cnn(seed=0).count_params()
    original = keras_cnn.build_original_cnn().count_params()
    assert (improved, original) == (93_802, 93_322)


def test_improved_cnn_rejects_bad_dropout():
    with pytest.raises(ValueError, match="rate"):
        keras_cnn.build_improved_cnn(dropout=1.5)


def test_augmentation_changes_images_only_in_training():
    x, _ = synthetic_digits(4)
    x = keras_cnn.to_model_input(x)
    augment = keras_cnn.augmentation_layers(max_rotation_degrees=15, max_shift=0.15, seed=3)
    np.testing.assert_array_equal(augment(x, training=False).numpy(), x)
    assert np.abs(augment(x, training=True).numpy() - x).max() > 0.1


def test_rotation_and_shift_are_drawn_independently():
    # Two Keras random layers given the same seed draw the same numbers: every image's
    # rotation would then fix its shift. Compare the draws, each scaled to [-1, 1].
    augment = keras_cnn.augmentation_layers(max_rotation_degrees=10, max_shift=0.1, seed=3)
    x = np.zeros((32, 28, 28, 1), np.float32)
    rotation = augment.get_layer("random_rotation").get_random_transformation(x)
    shift = augment.get_layer("random_shift").get_random_transformation(x)
    angle = np.asarray(rotation["angle"]) / 10.0
    dx, dy = (np.asarray(shift["translations"]) / (0.1 * 28)).T
    for offset in (dx, dy):
        assert abs(np.corrcoef(angle, offset)[0, 1]) < 0.6, "rotation and shift move in lockstep"


def test_every_random_layer_of_the_improved_cnn_has_its_own_seed():
    model = keras_cnn.build_improved_cnn(seed=7)
    augment = model.get_layer("augmentation")
    random_layers = [*augment.layers, model.get_layer("dropout1"), model.get_layer("dropout2")]
    assert [layer.seed for layer in random_layers] == [7, 8, 9, 10]
    unseeded = keras_cnn.build_improved_cnn(seed=None)
    assert (
        unseeded.get_layer("dropout1").seed is None and unseeded.get_layer("dropout2").seed is None
    )


def test_improved_cnn_predictions_are_deterministic_at_inference():
    set_seed(0)
    model = keras_cnn.compile_cnn(keras_cnn.build_improved_cnn(seed=0))
    x, _ = synthetic_digits(8)
    first = keras_cnn.predict_in_batches(model, x)
    second = keras_cnn.predict_in_batches(model, x, batch_size=3)
    np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-6)
    training_mode = model(keras_cnn.to_model_input(x), training=True).numpy()
    assert not np.allclose(training_mode, first, atol=1e-4), (
        "augmentation/dropout should act in training"
    )


# --- inputs -----------------------------------------------------------------------------


def test_to_model_input_layouts():
    digit = np.full((28, 28), 255, np.uint8)
    out = keras_cnn.to_model_input(digit)
    assert out.shape == (1, 28, 28, 1) and out.dtype == np.float32 and out.max() == 1.0
    assert keras_cnn.to_model_input(np.zeros((5, 28, 28), np.float64)).shape == (5, 28, 28, 1)
    assert keras_cnn.to_model_input(np.zeros((5, 28, 28, 1), np.float32)).shape == (5, 28, 28, 1)


def test_to_model_input_rejects_bad_images():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        keras_cnn.to_model_input(np.full((2, 28, 28), 255.0))
    with pytest.raises(TypeError, match="uint8 or float"):
        keras_cnn.to_model_input(np.zeros((2, 28, 28), np.int64))
    with pytest.raises(ValueError, match="shape"):
        keras_cnn.to_model_input(np.zeros((2, 28, 28, 3), np.float32))


def test_compile_and_steps_per_epoch_validate():
    with pytest.raises(TypeError, match="keras.Model"):
        keras_cnn.compile_cnn("model")
    with pytest.raises(ValueError, match="learning_rate"):
        keras_cnn.compile_cnn(keras_cnn.build_original_cnn(), learning_rate=0)
    with pytest.raises(ValueError, match="decay_steps"):
        keras_cnn.compile_cnn(keras_cnn.build_original_cnn(), decay_steps=0)
    assert keras_cnn.steps_per_epoch(1000, 128) == 8


# --- training and prediction -------------------------------------------------------------------


def test_train_cnn_learns_an_easy_task_and_reports_validation():
    x, y = synthetic_digits(400, seed=1)
    set_seed(0)
    model = keras_cnn.compile_cnn(keras_cnn.build_original_cnn(), learning_rate=3e-3)
    timer = EpochTimer()
    history = keras_cnn.train_cnn(
        model,
        x[:320],
        y[:320],
        x[320:],
        y[320:],
        num_epochs=6,
        batch_size=32,
        verbose=0,
        callbacks=[timer],
    )
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history.history[key]) == 6, key
    assert len(timer.epoch_seconds) == 6 and all(s > 0 for s in timer.epoch_seconds)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] >= 0.9, history.history["val_accuracy"]


def test_train_cnn_rejects_bad_inputs():
    x, y = synthetic_digits(20)
    model = keras_cnn.build_original_cnn()
    with pytest.raises(ValueError, match="not compiled"):
        keras_cnn.train_cnn(model, x, y, x, y, num_epochs=1)
    keras_cnn.compile_cnn(model)
    with pytest.raises(ValueError, match="y_train has 19 labels but there are 20 images"):
        keras_cnn.train_cnn(model, x, y[:-1], x, y, num_epochs=1)
    with pytest.raises(ValueError, match=r"y_val must lie in \[0, 10\)"):
        keras_cnn.train_cnn(model, x, y, x, y + 5, num_epochs=1)
    with pytest.raises(ValueError, match="shape \\(N,\\)"):
        keras_cnn.train_cnn(model, x, np.eye(10)[y], x, y, num_epochs=1)


def test_predict_in_batches_matches_one_call_and_takes_one_digit():
    model = keras_cnn.build_original_cnn()
    x, _ = synthetic_digits(7)
    whole = model(keras_cnn.to_model_input(x)).numpy()
    np.testing.assert_allclose(
        keras_cnn.predict_in_batches(model, x, batch_size=3), whole, rtol=1e-5, atol=1e-6
    )
    assert keras_cnn.predict_in_batches(model, x[0]).shape == (1, 10)
    assert keras_cnn.predict_in_batches(model, x[:0]).shape == (0, 10)
    with pytest.raises(ValueError, match="batch_size"):
        keras_cnn.predict_in_batches(model, x, batch_size=0)


# --- saving and the model for lessons 08-09 ----------------------------------------------------


def test_default_model_path_is_under_models_dir(build_dir):
    assert keras_cnn.default_model_path() == build_dir / "models" / "lesson07_cnn.keras"


@pytest.mark.parametrize("build", [keras_cnn.build_original_cnn, keras_cnn.build_improved_cnn])
def test_save_and_load_round_trip(tmp_path, build):
    model = keras_cnn.compile_cnn(build())
    x, _ = synthetic_digits(5)
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(
        keras_cnn.predict_in_batches(again, x),
        keras_cnn.predict_in_batches(model, x),
        rtol=1e-6,
        atol=1e-7,
    )
    assert again.count_params() == model.count_params()


def test_load_or_train_cnn_loads_the_saved_model():
    model = keras_cnn.compile_cnn(keras_cnn.build_original_cnn())
    path = keras_cnn.default_model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    x, _ = synthetic_digits(3)
    loaded = keras_cnn.load_or_train_cnn(mnist="never used", verbose=False)
    np.testing.assert_allclose(
        keras_cnn.predict_in_batches(loaded, x), keras_cnn.predict_in_batches(model, x), rtol=1e-6
    )


def test_load_or_train_cnn_trains_a_stand_in_without_saving_it(capsys):
    x, y = synthetic_digits(300, seed=2)
    model = keras_cnn.load_or_train_cnn(
        mnist=((x, y), (x[:10], y[:10])), num_train=200, num_epochs=1
    )
    assert "training a small CNN on 200 digits" in capsys.readouterr().out
    assert model.output_shape == (None, 10)
    assert not keras_cnn.default_model_path().exists()
    with pytest.raises(ValueError, match="load_mnist"):
        keras_cnn.load_or_train_cnn(mnist=(x, y), verbose=False)
