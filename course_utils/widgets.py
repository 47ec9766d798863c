"""Small interactive apps for lessons 01-02, built on ipywidgets.

Each app is a slider and a figure. The drawing is a plain function of the
slider's value, ``*_view(...) -> (Figure, summary)``, which the tests call
directly (no browser, no kernel); ``*_app(...)`` wires it to an ipywidgets
slider and returns the widget to display. In a notebook without a live kernel
(a rendered page) the app does not show: each lesson draws the same comparison
as static figures too.
Taught in notebooks/01_linear_regression_gd.ipynb and notebooks/02_activations.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import _validate
from . import gradient_descent as gd
from .activations import softmax


def _window(x, y, w0: float, b0: float) -> tuple[float, float, float, float]:
    w_opt, b_opt = gd.least_squares(x, y)
    w_lo, w_hi = sorted((w0, w_opt))
    b_lo, b_hi = sorted((b0, b_opt))
    w_pad, b_pad = max(0.5 * (w_hi - w_lo), 0.5), max(0.5 * (b_hi - b_lo), 0.5)
    return (w_lo - w_pad, w_hi + w_pad, b_lo - b_pad, b_hi + b_pad)


def learning_rate_view(
    x,
    y,
    learning_rate: float,
    *,
    num_steps: int = 20,
    w0: float = 0.0,
    b0: float = 0.0,
    window=None,
):
    """Run gradient descent with ``learning_rate`` and draw its path and loss curve.

    x, y: (N,) the data (see ``gradient_descent.make_linear_data``). window:
    (w_min, w_max, b_min, b_max) of the contour plot; by default it frames the
    start and the least-squares answer, so it stays put while the slider moves.
    Returns (figure, summary): the summary is one sentence, e.g.
    "learning rate 0.1: loss 0.25 after 20 steps (best possible 0.25)".
    """
    from . import plotting

    path = gd.gradient_descent(x, y, learning_rate=learning_rate, num_steps=num_steps, w0=w0, b0=b0)
    optimum = gd.least_squares(x, y)
    window = window or _window(x, y, w0, b0)
    fig = plotting.learning_rate_comparison(
        x, y, {"gradient descent": path}, optimum=optimum, window=window
    )
    best = gd.mse_loss(x, y, *optimum)
    limit = gd.max_stable_learning_rate(x)
    if path.diverged:
        outcome = f"diverges (the loss reached {path.loss[-1]:.3g} after {path.num_steps} steps)"
    else:
        outcome = (
            f"loss {path.loss[-1]:.4g} after {path.num_steps} steps (best possible {best:.4g})"
        )
    summary = f"learning rate {learning_rate:.3g}: {outcome}; above {limit:.3g} it diverges."
    return fig, summary


def softmax_temperature_view(logits, temperature: float):
    """softmax(logits / temperature) next to the logits, as bars.

    logits: (C,) scores. temperature > 0: small values sharpen the distribution
    towards the largest score, large values flatten it towards uniform.
    Returns (figure, summary) where the summary lists the probabilities.
    """
    from . import plotting

    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or logits.size < 2:
        raise ValueError(
            f"logits must be a vector of at least two scores, shape (C,), got shape {logits.shape}"
        )
    temperature = _validate.number(temperature, "temperature", positive=True)
    probs = softmax(logits / temperature)
    fig = plotting.softmax_bars(logits, {f"T = {temperature:.3g}": probs})
    summary = f"T = {temperature:.3g}: probabilities " + " ".join(f"{p:.3f}" for p in probs)
    return fig, summary


def _slider_app(slider, view):
    """A VBox of ``slider``, a one-line summary and the figure ``view(value)`` draws."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    summary = widgets.Label()
    output = widgets.Output()

    def redraw(change=None):
        fig, text = view(slider.value)
        summary.value = text
        output.clear_output(wait=True)
        with output:
            display(fig)
        plt.close(fig)

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, summary, output])


def learning_rate_app(
    x, y, *, num_steps: int = 20, learning_rate: float = 0.1, w0: float = 0.0, b0: float = 0.0
):
    """A learning-rate slider (log scale, 0.001 to 1) that redraws the descent path.

    x, y: (N,) the data. Returns an ``ipywidgets.VBox`` of the slider, a summary
    line and the figure of :func:`learning_rate_view`.
    """
    import ipywidgets as widgets

    window = _window(x, y, w0, b0)
    slider = widgets.FloatLogSlider(
        value=learning_rate,
        base=10,
        min=-3,
        max=0,
        step=0.05,
        description="learning rate",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    return _slider_app(
        slider,
        lambda value: learning_rate_view(
            x, y, value, num_steps=num_steps, w0=w0, b0=b0, window=window
        ),
    )


def softmax_temperature_app(logits, *, temperature: float = 1.0):
    """A temperature slider (log scale, 0.1 to 10) over softmax(logits / T).

    logits: (C,) scores. Returns an ``ipywidgets.VBox``.
    """
    import ipywidgets as widgets

    slider = widgets.FloatLogSlider(
        value=temperature,
        base=10,
        min=-1,
        max=1,
        step=0.05,
        description="temperature T",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    return _slider_app(slider, lambda value: softmax_temperature_view(logits, value))


__all__ = [
    "learning_rate_app",
    "learning_rate_view",
    "softmax_temperature_app",
    "softmax_temperature_view",
]
