"""The small shared modules: paths, lessons, results, seeds, environment, gradcheck,
the exercise framework and the data plots."""

import random

import numpy as np
import pytest

import course_utils
from course_utils import gradcheck, paths, plotting
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED, Exercise, Hint
from course_utils.results import record
from course_utils.tools import lessons


def test_dirs_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path / "f"))
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "b"))
    assert paths.figures_dir() == tmp_path / "f" and (tmp_path / "f").is_dir()
    assert paths.models_dir() == tmp_path / "b" / "models" and (tmp_path / "b" / "models").is_dir()
    assert (paths.repo_root() / "course_utils").is_dir()


def test_lesson_lookup():
    assert lessons.lesson("04").name == "04_mlp_gradienttape"
    assert lessons.lesson("4").number == "04"
    assert lessons.lesson("00_setup_and_mnist.ipynb").title.startswith("Setup")
    with pytest.raises(ValueError, match="the lessons are"):
        lessons.lesson("99")


def test_record_outside_a_notebook_prints_plain_values(capsys):
    assert record(test_accuracy=np.float32(0.5), epochs=np.int64(3), model="cnn") is None
    assert (
        capsys.readouterr().out.strip() == "Recorded: test_accuracy = 0.5, epochs = 3, model = cnn"
    )
    with pytest.raises(TypeError, match="numbers and strings"):
        record(history=[1, 2])
    with pytest.raises(ValueError):
        record()


def test_set_seed_repeats_numpy_and_keras_draws():
    import keras

    course_utils.set_seed(7)
    first = np.random.rand(3), keras.random.uniform((3,)).numpy(), random.random()
    course_utils.set_seed(7)
    second = np.random.rand(3), keras.random.uniform((3,)).numpy(), random.random()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    with pytest.raises(ValueError, match="non-negative integer"):
        course_utils.set_seed(-1)


def test_check_environment_reports_versions_and_data(capsys, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", "/nowhere/mnist.npz")
    info = course_utils.check_environment()
    assert {"python", "tensorflow", "keras", "numpy", "gpus", "mnist"} <= set(info)
    assert info["keras"].startswith("3.") and info["problems"] == []
    out = capsys.readouterr().out
    assert "TensorFlow" in out and "DOES NOT EXIST" in out


def test_numerical_gradient_matches_an_analytic_one():
    x = np.random.default_rng(0).normal(size=(3, 4))
    grad = gradcheck.numerical_gradient(lambda z: np.sum(z**3), x.copy())
    assert gradcheck.relative_error(grad, 3 * x**2) < 1e-7
    dout = np.ones((3, 4))
    layer_grad = gradcheck.numerical_gradient_of_output(np.tanh, x.copy(), dout)
    assert gradcheck.relative_error(layer_grad, 1 - np.tanh(x) ** 2) < 1e-7
    with pytest.raises(TypeError, match="float64"):
        gradcheck.numerical_gradient(np.sum, x.astype(np.float32))
    with pytest.raises(ValueError, match="shapes"):
        gradcheck.relative_error(np.ones(2), np.ones(3))


def _checks_double(fn):
    if fn(2) != 4:
        raise Hint("double(2) should be 4")


def _double(x):
    return 2 * x


DOUBLE = Exercise("double", _checks_double, _double)


def _stub(x): ...


def _raises_not_implemented(x):
    raise NotImplementedError


@pytest.mark.parametrize(
    "answer, status, fragment",
    [
        (_double, PASSED, "Well done"),
        (lambda x: x + 1, FAILED, "double(2) should be 4"),
        (_stub, NOT_ATTEMPTED, "Replace the `...`"),
        (_raises_not_implemented, NOT_ATTEMPTED, "Replace the `...`"),
        (lambda x: 1 / 0, FAILED, "ZeroDivisionError: division by zero"),
        (4, FAILED, "expected a function"),
    ],
)
def test_exercise_framework(answer, status, fragment, capsys):
    result = DOUBLE.evaluate(answer)
    assert result.status == status and fragment in result.message
    DOUBLE.check(answer)
    assert fragment in capsys.readouterr().out
    assert DOUBLE.solution() is None
    assert "return 2 * x" in capsys.readouterr().out


def test_data_plots_write_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    y = np.arange(30) % 10
    fig = plotting.digit_grid(
        x[:12],
        y[:12],
        predictions=(y[:12] + 1) % 10,
        probabilities=np.full(12, 0.5),
        save_as="t_grid",
    )
    assert (
        sum(bool(ax.images) for ax in fig.axes) == 12
        and (tmp_path / "t_grid.png").stat().st_size > 1000
    )
    plotting.class_balance(y, y[:10], save_as="t_balance")
    plotting.pixel_histogram(x, save_as="t_hist")
    plotting.mean_digits(x, y, save_as="t_mean")
    plotting.learning_curves(
        {"loss": [1, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]}, save_as="t_curves"
    )
    plotting.compare_runs(
        {"a": {"val_accuracy": [0.1, 0.2]}, "b": {"val_accuracy": [0.3, 0.4]}}, save_as="t_compare"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "t_balance.png",
        "t_compare.png",
        "t_curves.png",
        "t_grid.png",
        "t_hist.png",
        "t_mean.png",
    ]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plotting.digit_grid(np.zeros((2, 5))), "expected images of shape"),
        (
            lambda: plotting.digit_grid(np.zeros((2, 28, 28)), labels=[1]),
            "labels has 1 entries but there are 2",
        ),
        (lambda: plotting.learning_curves([1, 2]), "expected a Keras History"),
        (lambda: plotting.compare_runs({"a": {"loss": [1]}}), "has no 'val_accuracy'"),
        (lambda: plotting.save_figure(None, "../escape"), "plain file name"),
    ],
)
def test_plots_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


class _Affine:
    """A minimal layer with the course_utils.layers contract, for testing the checker."""

    def __init__(self, w, b, wrong=False):
        self.params, self.grads, self.wrong = {"w": w, "b": b}, {}, wrong

    def forward(self, x):
        self.x = x
        return x @ self.params["w"] + self.params["b"]

    def backward(self, dout):
        self.grads["w"] = self.x.T @ dout * (2.0 if self.wrong else 1.0)
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["w"].T


def test_layer_gradient_errors_passes_a_right_backward_and_catches_a_wrong_one():
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    right = gradcheck.layer_gradient_errors(
        _Affine(rng.normal(size=(3, 2)), rng.normal(size=2)), x, dout
    )
    assert set(right) == {"x", "w", "b"} and max(right.values()) < 1e-7
    wrong = gradcheck.layer_gradient_errors(
        _Affine(rng.normal(size=(3, 2)), rng.normal(size=2), wrong=True), x, dout
    )
    assert wrong["w"] > 0.1 and wrong["b"] < 1e-7
