"""Figures of the basics lessons: a line fitted by gradient descent, activations, losses.

Every function returns its ``matplotlib.figure.Figure`` and takes ``save_as``
(see ``plotting.style``). Taught in notebooks/01_linear_regression_gd.ipynb,
notebooks/02_activations.ipynb and notebooks/03_losses.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .style import PALETTE, finish, new_figure


def _paths_dict(paths) -> dict:
    """Accept one DescentPath or a dict {label: DescentPath}."""
    if hasattr(paths, "w") and hasattr(paths, "b"):
        return {f"learning rate {paths.learning_rate:g}": paths}
    if not isinstance(paths, dict) or not paths:
        raise ValueError(
            f"expected a DescentPath or a dict {{label: DescentPath}}, got {type(paths).__name__}"
        )
    for label, path in paths.items():
        if not (hasattr(path, "w") and hasattr(path, "b") and hasattr(path, "loss")):
            raise TypeError(f"paths[{label!r}] must be a DescentPath, got {type(path).__name__}")
    return paths


def _xy(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(
            f"x and y must be (N,) arrays of the same shape, got {x.shape} and {y.shape}"
        )
    return x, y


def _draw_contours(ax, x, y, paths: dict, optimum, window=None, colours=PALETTE):
    from ..gradient_descent import loss_surface

    finite = [(p.w[np.isfinite(p.w)], p.b[np.isfinite(p.b)]) for p in paths.values()]
    if window is None:
        ws = np.concatenate([w for w, _ in finite] + ([[optimum[0]]] if optimum else []))
        bs = np.concatenate([b for _, b in finite] + ([[optimum[1]]] if optimum else []))
        w_pad, b_pad = max(np.ptp(ws) * 0.25, 0.5), max(np.ptp(bs) * 0.25, 0.5)
        window = (ws.min() - w_pad, ws.max() + w_pad, bs.min() - b_pad, bs.max() + b_pad)
    w_grid = np.linspace(window[0], window[1], 160)
    b_grid = np.linspace(window[2], window[3], 160)
    surface = loss_surface(x, y, w_grid, b_grid)
    levels = np.geomspace(max(surface.min(), 1e-3), surface.max(), 14)
    ax.contour(w_grid, b_grid, surface, levels=levels, colors="0.6", linewidths=0.7)
    for (label, path), colour in zip(paths.items(), tuple(colours) * 3):
        ax.plot(path.w, path.b, "-o", ms=2.5, lw=1.2, color=colour, label=label)
        ax.plot(path.w[0], path.b[0], "s", color=colour, ms=5)
    if optimum is not None:
        ax.plot(*optimum, "*", color="black", ms=11, label="least squares")
    ax.set_xlim(window[0], window[1])
    ax.set_ylim(window[2], window[3])
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    return window


def descent_on_contours(
    x,
    y,
    paths,
    *,
    optimum: tuple[float, float] | None = None,
    window=None,
    title: str | None = None,
    save_as: str | None = None,
):
    """The path of (w, b) drawn over the contour lines of the loss surface.

    x, y: (N,) the data. paths: a ``DescentPath`` or a dict {label: DescentPath}.
    optimum: (w, b) to mark with a star (e.g. the least-squares answer). window:
    (w_min, w_max, b_min, b_max), chosen from the paths when None.
    """
    x, y = _xy(x, y)
    paths = _paths_dict(paths)
    fig, ax = new_figure(size=(5.2, 4.2))
    _draw_contours(ax, x, y, paths, optimum, window)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title or "gradient descent over the loss contours")
    return finish(fig, save_as)


def gradient_descent_summary(
    x,
    y,
    path,
    *,
    optimum: tuple[float, float] | None = None,
    title: str | None = None,
    save_as: str | None = None,
):
    """Three panels: the loss per step, the fitted line over the data, and the path of (w, b).

    x, y: (N,) the data; path: a ``DescentPath``; optimum: (w, b) to mark, optional.
    """
    x, y = _xy(x, y)
    paths = _paths_dict(path)
    ((label, path),) = paths.items()
    fig, axes = new_figure(1, 3, size=(13.5, 3.8))
    steps = np.arange(len(path.loss))
    axes[0].plot(steps, path.loss, color=PALETTE[0])
    axes[0].set_yscale("log")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("mean squared error")
    axes[0].set_title("loss per step")
    axes[1].scatter(x, y, s=14, color=PALETTE[5], label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    for step, alpha in ((0, 0.35), (min(3, path.num_steps), 0.6)):
        axes[1].plot(
            grid,
            path.w[step] * grid + path.b[step],
            "--",
            color="0.4",
            alpha=alpha,
            lw=1,
            label=f"after {step} steps",
        )
    w, b = path.final
    axes[1].plot(grid, w * grid + b, color=PALETTE[3], lw=2, label=f"after {path.num_steps} steps")
    axes[1].set_xlabel("x")
    axes[1].set_ylabel("y")
    axes[1].set_title(f"fitted line: y = {w:.3f} x {b:+.3f}")
    axes[1].legend(fontsize=8)
    _draw_contours(axes[2], x, y, {label: path}, optimum)
    axes[2].legend(fontsize=8)
    axes[2].set_title("path of (w, b)")
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def learning_rate_comparison(
    x,
    y,
    paths,
    *,
    optimum: tuple[float, float] | None = None,
    window=None,
    save_as: str | None = None,
):
    """One panel per learning rate with its path over the contours, and the loss curves together.

    x, y: (N,) the data. paths: {label: DescentPath}, e.g. "too small", "right",
    "too large" (or one DescentPath). A diverging path is cut where it leaves the
    drawn window: (w_min, w_max, b_min, b_max), chosen from the converging paths when None.
    """
    x, y = _xy(x, y)
    paths = _paths_dict(paths)
    if window is None:
        converged = [p for p in paths.values() if not p.diverged] or [p for p in paths.values()]
        ws = np.concatenate(
            [p.w[:3] if p.diverged else p.w for p in converged]
            + ([[optimum[0]]] if optimum else [])
        )
        bs = np.concatenate(
            [p.b[:3] if p.diverged else p.b for p in converged]
            + ([[optimum[1]]] if optimum else [])
        )
        w_pad, b_pad = max(np.ptp(ws) * 0.3, 0.5), max(np.ptp(bs) * 0.3, 0.5)
        window = (ws.min() - w_pad, ws.max() + w_pad, bs.min() - b_pad, bs.max() + b_pad)
    k = len(paths)
    fig, axes = new_figure(1, k + 1, size=(4.0 * (k + 1), 3.7))
    for ax, ((label, path), colour) in zip(axes[:k], zip(paths.items(), PALETTE)):
        _draw_contours(ax, x, y, {label: path}, optimum, window, colours=(colour,))
        verdict = "diverges" if path.diverged else f"loss {path.loss[-1]:.3g}"
        ax.set_title(
            f"{label}: lr = {path.learning_rate:.3g}\n{verdict} after {path.num_steps} steps",
            fontsize=9,
        )
    loss_ax = axes[k]
    for (label, path), colour in zip(paths.items(), PALETTE):
        loss_ax.plot(np.arange(len(path.loss)), path.loss, color=colour, label=label)
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("mean squared error")
    loss_ax.set_title("loss per step")
    loss_ax.legend(fontsize=8)
    return finish(fig, save_as)


def function_panels(
    x,
    panels: dict,
    *,
    xlabel: str = "z",
    ncols: int | None = None,
    sharey: bool = False,
    title: str | None = None,
    save_as: str | None = None,
):
    """Curves of functions of one variable, one panel per entry.

    x: (P,) the points. panels: {panel title: {curve label: (P,) values}}.
    ncols: panels per row (all in one row when None).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or not panels:
        raise ValueError(
            f"x must be (P,) and panels a non-empty dict, got x of shape {x.shape} and {len(panels)} panels"
        )
    n = len(panels)
    ncols = ncols or n
    nrows = -(-n // ncols)
    fig, axes = new_figure(
        nrows, ncols, size=(3.4 * ncols, 2.9 * nrows), squeeze=False, sharey=sharey
    )
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax, (panel, curves) in zip(axes.flat, panels.items()):
        for (label, values), colour in zip(curves.items(), PALETTE * 2):
            values = np.asarray(values, dtype=float)
            if values.shape != x.shape:
                raise ValueError(
                    f"curve {label!r} of panel {panel!r} has shape {values.shape}, expected {x.shape}"
                )
            ax.plot(x, values, color=colour, label=label)
        ax.set_title(panel)
        ax.set_xlabel(xlabel)
        ax.axhline(0, color="0.5", lw=0.6)
        ax.axvline(0, color="0.5", lw=0.6)
        if len(curves) > 1:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def activations_and_derivatives(
    names=("sigmoid", "tanh", "relu", "leaky_relu"),
    *,
    z=None,
    negative_slope: float = 0.1,
    save_as: str | None = None,
):
    """Each activation (top row) above its derivative (bottom row), on the same z axis.

    names: keys of ``course_utils.activations.ELEMENTWISE``. z: (P,) points
    (default -5..5). Leaky ReLU is drawn with ``negative_slope`` (0.1, so the slope shows).
    """
    from .. import activations

    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z, dtype=float)
    unknown = [n for n in names if n not in activations.ELEMENTWISE]
    if unknown or not names:
        raise ValueError(
            f"names must be among {sorted(activations.ELEMENTWISE)}, got {list(names)}"
        )
    fig, axes = new_figure(2, len(names), size=(3.2 * len(names), 5.2), squeeze=False, sharex=True)
    for col, name in enumerate(names):
        f, derivative = activations.ELEMENTWISE[name]
        kwargs = {"negative_slope": negative_slope} if name == "leaky_relu" else {}
        axes[0, col].plot(z, f(z, **kwargs), color=PALETTE[0])
        axes[0, col].set_title(name)
        axes[1, col].plot(z, derivative(z, **kwargs), color=PALETTE[3])
        axes[1, col].set_title(f"{name}'")
        axes[1, col].set_xlabel("z")
        for ax in axes[:, col]:
            ax.axhline(0, color="0.5", lw=0.6)
            ax.axvline(0, color="0.5", lw=0.6)
    axes[0, 0].set_ylabel("f(z)")
    axes[1, 0].set_ylabel("f'(z)")
    return finish(fig, save_as)


def gradient_size_per_layer(sizes: dict, *, save_as: str | None = None):
    """The mean gradient size at every layer of a deep network, one curve per activation.

    sizes: {activation name: (L,) mean |gradient| per layer, first layer first}
    (what ``activations.gradient_through_depth`` returns). Log scale.
    """
    if not sizes:
        raise ValueError(
            "sizes must map at least one activation name to its per-layer gradient sizes"
        )
    fig, ax = new_figure(size=(6.0, 3.8))
    for (name, values), colour in zip(sizes.items(), PALETTE):
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, "-o", ms=3, color=colour, label=name)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer (1 = closest to the input)")
    ax.set_ylabel("mean |gradient|")
    ax.set_title("gradient reaching each layer")
    ax.legend(fontsize=8)
    return finish(fig, save_as)


def softmax_bars(
    logits, probabilities: dict, *, title: str | None = None, save_as: str | None = None
):
    """The scores and the probabilities softmax makes of them, as bars side by side.

    logits: (C,) scores. probabilities: {label (e.g. "T = 1"): (C,) probabilities}.
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or not probabilities:
        raise ValueError(
            f"logits must be (C,) and probabilities a non-empty dict, got {logits.shape}"
        )
    classes = np.arange(len(logits))
    fig, (ax_scores, ax_probs) = new_figure(1, 2, size=(9.0, 3.4))
    ax_scores.bar(classes, logits, color=PALETTE[5])
    ax_scores.set_title("scores (logits)")
    ax_scores.set_xlabel("class")
    width = 0.8 / len(probabilities)
    for i, ((label, probs), colour) in enumerate(zip(probabilities.items(), PALETTE)):
        probs = np.asarray(probs, dtype=float)
        if probs.shape != logits.shape:
            raise ValueError(
                f"probabilities[{label!r}] has shape {probs.shape}, expected {logits.shape}"
            )
        ax_probs.bar(
            classes + (i - (len(probabilities) - 1) / 2) * width,
            probs,
            width,
            color=colour,
            label=label,
        )
    ax_probs.set_ylim(0, 1)
    ax_probs.set_title("softmax probabilities")
    ax_probs.set_xlabel("class")
    ax_probs.legend(fontsize=8)
    for ax in (ax_scores, ax_probs):
        ax.set_xticks(classes)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def classification_loss_gradients(z=None, *, save_as: str | None = None):
    """Why cross-entropy beats MSE: loss and gradient against the logit when the target is 1.

    One output p = sigmoid(z), target 1. Left: the loss of MSE, (p - 1)^2, and of
    binary cross-entropy, -log p. Right: |dL/dz|. For z << 0 (confidently wrong)
    the MSE gradient vanishes, the cross-entropy gradient tends to 1.
    z: (P,) logits, default -8..8.
    """
    from ..activations import sigmoid, sigmoid_derivative
    from ..losses import binary_cross_entropy, binary_cross_entropy_backward, mse, mse_backward

    z = np.linspace(-8, 8, 321) if z is None else np.asarray(z, dtype=float)
    ones = np.ones_like(z)
    p = sigmoid(z)
    panels = {
        "loss (target 1)": {
            "sigmoid + MSE": mse(ones, p, reduction="none"),
            "sigmoid + cross-entropy": binary_cross_entropy(
                ones, z, from_logits=True, reduction="none"
            ),
        },
        "|dL/dz| (target 1)": {
            "sigmoid + MSE": np.abs(mse_backward(ones, p, reduction="sum") * sigmoid_derivative(z)),
            "sigmoid + cross-entropy": np.abs(
                binary_cross_entropy_backward(ones, z, from_logits=True, reduction="sum")
            ),
        },
    }
    fig = function_panels(z, panels, xlabel="logit z (z < 0: confidently wrong)")
    return finish(fig, save_as)


__all__ = [
    "activations_and_derivatives",
    "classification_loss_gradients",
    "descent_on_contours",
    "function_panels",
    "gradient_descent_summary",
    "gradient_size_per_layer",
    "learning_rate_comparison",
    "softmax_bars",
]
