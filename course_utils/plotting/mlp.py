"""Figures of lesson 04: why the published recipe gives NaN, and what ``tf.function`` buys.

Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import numpy as np

from .style import PALETTE, finish, new_figure


def activation_scales(activations: dict, *, bins: int = 40, save_as: str | None = None):
    """Histograms of each network's hidden activations (top row) and logits (bottom row).

    activations: ``{run name: {"hidden 1": (N, H), ..., "logits": (N, C)}}``, e.g. from
    ``MLP.activations(x)`` for several initialisations. Each panel's title states the
    standard deviation; the logits panel's also the share of softmax probabilities that
    are exactly 0 in float32 (where ``log(softmax)`` breaks). Each panel has its own x range.
    """
    if not isinstance(activations, dict) or not activations:
        raise ValueError(
            "expected a dict {run name: {'hidden 1': array, 'logits': array}} with at least one run"
        )
    for name, layers in activations.items():
        if not isinstance(layers, dict) or "logits" not in layers or len(layers) < 2:
            raise ValueError(
                f"run {name!r} needs a hidden layer and 'logits', got {type(layers).__name__}"
            )
    fig, axes = new_figure(2, len(activations), size=(3.6 * len(activations), 5.6), squeeze=False)
    for column, ((name, layers), colour) in enumerate(zip(activations.items(), PALETTE * 3)):
        hidden_name = next(k for k in layers if k != "logits")
        for row, key in enumerate((hidden_name, "logits")):
            values = np.asarray(layers[key], dtype=np.float32)
            ax = axes[row, column]
            ax.hist(values.ravel(), bins=bins, color=colour, alpha=0.85)
            ax.set_yscale("log")
            if key == "logits":
                from ..mlp_from_scratch import softmax_underflow_fraction

                zero = softmax_underflow_fraction(values)
                ax.set_title(f"logits: std {values.std():.3g}\nsoftmax exactly 0: {zero:.0%}")
            else:
                ax.set_title(f"{name}\n{key}: std {values.std():.3g}")
            ax.set_xlabel(f"{key} value")
            if column == 0:
                ax.set_ylabel("count (log scale)")
    return finish(fig, save_as)


def timing_bars(seconds: dict, *, title: str | None = None, save_as: str | None = None):
    """Horizontal bars of seconds per epoch, labelled, and how many times faster the fastest is.

    seconds: ``{"eager": 1.9, "tf.function": 0.4}``.
    """
    if not isinstance(seconds, dict) or not seconds:
        raise ValueError(
            "expected a dict {mode: seconds per epoch}, e.g. {'eager': 1.9, 'tf.function': 0.4}"
        )
    values = [float(v) for v in seconds.values()]
    if any(not np.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"seconds must be positive numbers, got {seconds}")
    names = list(seconds)
    fig, ax = new_figure(size=(6.4, 0.7 * len(names) + 1.4))
    # a list, not a tuple: Matplotlib 3.8.0 reads a tuple of two colours as (colour, alpha)
    colours = list(PALETTE[: len(names)]) if len(names) <= len(PALETTE) else PALETTE[0]
    ax.barh(names, values, color=colours)
    fastest = min(values)
    for i, value in enumerate(values):
        ax.text(value, i, f"  {value:.2f} s ({value / fastest:.1f}x)", va="center")
    ax.set_xlim(0, max(values) * 1.35)
    ax.invert_yaxis()
    ax.set_xlabel("seconds per epoch")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "seconds per epoch")
    return finish(fig, save_as)


__all__ = ["activation_scales", "timing_bars"]
