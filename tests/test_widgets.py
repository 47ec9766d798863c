"""The apps of lessons 01-02, driven through their callbacks and sliders (no browser)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import gradient_descent as gd
from course_utils import widgets as apps

X, Y = gd.make_linear_data(30, seed=5)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_learning_rate_view_reports_convergence_and_divergence():
    limit = gd.max_stable_learning_rate(X)
    fig, text = apps.learning_rate_view(X, Y, 0.5 * limit, num_steps=40)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 2
    assert text.startswith(f"learning rate {0.5 * limit:.3g}: loss ")
    assert "best possible" in text and f"above {limit:.3g} it diverges" in text

    _, too_large = apps.learning_rate_view(X, Y, 1.5 * limit, num_steps=40)
    assert "diverges (the loss reached" in too_large


def test_learning_rate_view_keeps_its_window_while_the_rate_changes():
    limits = []
    for learning_rate in (0.01, 0.1, 0.3):
        fig, _ = apps.learning_rate_view(X, Y, learning_rate, num_steps=10)
        limits.append((fig.axes[0].get_xlim(), fig.axes[0].get_ylim()))
    assert limits[0] == limits[1] == limits[2]


def test_learning_rate_app_redraws_when_the_slider_moves():
    app = apps.learning_rate_app(X, Y, num_steps=15, learning_rate=0.05)
    slider, summary, output = app.children
    assert isinstance(slider, widgets.FloatLogSlider) and isinstance(output, widgets.Output)
    assert summary.value.startswith("learning rate 0.05:")
    slider.value = 0.2
    assert summary.value.startswith("learning rate 0.2:")
    assert plt.get_fignums() == [], "the app must close the figures it drew"


def test_softmax_temperature_view_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.1])
    _, cold = apps.softmax_temperature_view(logits, 0.1)
    _, warm = apps.softmax_temperature_view(logits, 10.0)
    cold_probs = [float(p) for p in cold.split("probabilities ")[1].split()]
    warm_probs = [float(p) for p in warm.split("probabilities ")[1].split()]
    assert cold_probs[0] > 0.99, "a low temperature puts almost all mass on the largest score"
    assert max(warm_probs) - min(warm_probs) < 0.1, "a high temperature is nearly uniform"
    assert sum(cold_probs) == pytest.approx(1, abs=2e-3) and sum(warm_probs) == pytest.approx(
        1, abs=2e-3
    )


def test_softmax_temperature_app_follows_the_slider():
    app = apps.softmax_temperature_app([3.0, 1.0, 0.0, -2.0])
    slider, summary, _ = app.children
    assert summary.value.startswith("T = 1:")
    slider.value = 2.0
    assert summary.value.startswith("T = 2:")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: apps.softmax_temperature_view([1.0, 2.0], 0.0), "temperature must be a positive"),
        (lambda: apps.softmax_temperature_view([[1.0, 2.0]], 1.0), r"shape \(C,\)"),
        (lambda: apps.learning_rate_view(X, Y, -0.1), "learning_rate must be a positive"),
    ],
)
def test_bad_values_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- the static figures of lessons 01-03 (the apps draw the same) ---------------------------


def test_every_basics_figure_draws_and_saves(tmp_path, monkeypatch):
    from course_utils import activations as act
    from course_utils import plotting

    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path))
    optimum = gd.least_squares(X, Y)
    limit = gd.max_stable_learning_rate(X)
    paths = {
        name: gd.gradient_descent(X, Y, learning_rate=factor * limit, num_steps=20)
        for name, factor in (("too small", 0.05), ("right", 0.5), ("too large", 1.2))
    }
    logits = np.array([2.0, 1.0, 0.1])
    figures = {
        "01_summary": lambda s: plotting.gradient_descent_summary(
            X, Y, paths["right"], optimum=optimum, save_as=s
        ),
        "01_rates": lambda s: plotting.learning_rate_comparison(
            X, Y, paths, optimum=optimum, save_as=s
        ),
        "01_contours": lambda s: plotting.descent_on_contours(
            X, Y, paths, optimum=optimum, save_as=s
        ),
        "02_activations": lambda s: plotting.activations_and_derivatives(save_as=s),
        "02_depth": lambda s: plotting.gradient_size_per_layer(
            {"sigmoid": act.gradient_through_depth("sigmoid", depth=5)}, save_as=s
        ),
        "02_softmax": lambda s: plotting.softmax_bars(
            logits, {"T = 1": act.softmax(logits)}, save_as=s
        ),
        "03_gradients": lambda s: plotting.classification_loss_gradients(save_as=s),
        "03_panels": lambda s: plotting.function_panels(
            np.arange(3.0), {"a": {"x": np.arange(3.0)}, "b": {"y": np.ones(3)}}, ncols=1, save_as=s
        ),
    }
    for name, draw in figures.items():
        fig = draw(name)
        assert isinstance(fig, matplotlib.figure.Figure), name
        assert (tmp_path / f"{name}.png").stat().st_size > 1000, name
    assert "diverges" in plotting.learning_rate_comparison(X, Y, paths).axes[2].get_title()


@pytest.mark.parametrize(
    "call, error, match",
    [
        ("descent_on_contours", TypeError, "DescentPath"),
        ("activations_and_derivatives", ValueError, "names must be among"),
        ("function_panels", ValueError, "expected"),
        ("softmax_bars", ValueError, "expected"),
    ],
)
def test_figures_refuse_bad_input(call, error, match):
    from course_utils import plotting

    calls = {
        "descent_on_contours": lambda: plotting.descent_on_contours(X, Y, {"a": [1, 2]}),
        "activations_and_derivatives": lambda: plotting.activations_and_derivatives(["swish"]),
        "function_panels": lambda: plotting.function_panels(
            np.arange(3.0), {"a": {"x": np.ones(4)}}
        ),
        "softmax_bars": lambda: plotting.softmax_bars([1.0, 2.0], {"T": [1.0]}),
    }
    with pytest.raises(error, match=match):
        calls[call]()
