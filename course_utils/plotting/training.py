"""Learning curves: loss and accuracy per epoch, for one run or several.

Used from notebooks/04_mlp_gradienttape.ipynb onwards.
"""

from __future__ import annotations

from .style import PALETTE, finish, new_figure


def _as_history(history) -> dict:
    history = getattr(history, "history", history)  # a keras History object
    if not isinstance(history, dict) or not history:
        raise ValueError(
            "expected a Keras History or a dict such as {'loss': [...], 'val_loss': [...]}, "
            f"got {type(history).__name__}"
        )
    return {k: [float(v) for v in values] for k, values in history.items()}


def learning_curves(history, *, title: str | None = None, save_as: str | None = None):
    """Plot every metric of ``history`` per epoch, training solid and validation dashed.

    history: a Keras ``History`` or a dict ``{"loss": [...], "val_loss": [...], "accuracy": [...]}``.
    One panel per metric (``loss``, ``accuracy``, ...).
    """
    history = _as_history(history)
    metrics = [k for k in history if not k.startswith("val_") and k not in ("learning_rate", "lr")]
    fig, axes = new_figure(1, len(metrics), size=(4.2 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = range(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], "-o", ms=3, color=PALETTE[0], label="training")
        if f"val_{metric}" in history:
            val = history[f"val_{metric}"]
            ax.plot(range(1, len(val) + 1), val, "--o", ms=3, color=PALETTE[1], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def compare_runs(
    histories: dict,
    metric: str = "val_accuracy",
    *,
    title: str | None = None,
    save_as: str | None = None,
):
    """One curve per run: ``histories`` maps a run's name to its history; plots ``metric``.

    Taught in notebooks/05_keras_ann.ipynb.
    """
    if not histories:
        raise ValueError("compare_runs needs at least one run")
    fig, ax = new_figure(size=(6.4, 3.8))
    for (name, history), colour in zip(histories.items(), PALETTE * 3):
        history = _as_history(history)
        if metric not in history:
            raise ValueError(f"run {name!r} has no {metric!r}; it has {sorted(history)}")
        values = history[metric]
        ax.plot(range(1, len(values) + 1), values, "-o", ms=3, color=colour, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()
    ax.set_title(title or metric)
    return finish(fig, save_as)


__all__ = ["learning_curves", "compare_runs"]
