"""Figures that evaluate a classifier: confusion matrix, mistakes, per-class scores, calibration.

Each takes what ``course_utils.metrics`` computes (a confusion matrix, a
``ClassScores``, a ``ReliabilityBins``) or the raw predictions, returns the
``Figure`` and saves it with ``save_as``.
Taught in notebooks/07_keras_cnn_evaluation.ipynb.
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np

from .. import _validate
from ..metrics import ClassScores, ReliabilityBins
from .dataset import _as_images, digit_grid
from .style import PALETTE, finish, new_figure


def _class_names(class_names, k: int) -> list[str]:
    if class_names is None:
        return [str(i) for i in range(k)]
    names = [str(name) for name in class_names]
    if len(names) != k:
        raise ValueError(f"class_names has {len(names)} names but there are {k} classes")
    return names


def confusion_matrix_plot(
    cm, *, class_names=None, title: str | None = None, save_as: str | None = None
):
    """The confusion matrix as a heat map with every count written in its cell.

    cm: (K, K) counts, rows the true class and columns the prediction (as from
    ``metrics.confusion_matrix``). Colours follow a logarithmic scale so that a
    handful of mistakes stands out next to a thousand correct answers; the
    diagonal (correct answers) is drawn in a separate colour.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] < 1:
        raise ValueError(f"cm must be a square (K, K) matrix of counts, got shape {cm.shape}")
    if np.any(cm < 0):
        raise ValueError("cm holds counts, which cannot be negative")
    k = len(cm)
    names = _class_names(class_names, k)
    size = max(4.0, 0.5 * k + 1.5)
    fig, ax = new_figure(size=(size + 1.0, size))
    off_diagonal = np.ma.masked_array(cm, mask=np.eye(k, dtype=bool) | (cm == 0))
    vmax = max(int(off_diagonal.max()) if off_diagonal.count() else 1, 2)
    image = ax.imshow(
        off_diagonal,
        cmap="Oranges",
        norm=mcolors.LogNorm(vmin=1, vmax=vmax),
        interpolation="nearest",
    )
    diagonal = np.ma.masked_array(cm, mask=~np.eye(k, dtype=bool))
    ax.imshow(
        diagonal,
        cmap=mcolors.ListedColormap([PALETTE[5]]),
        alpha=0.35,
        interpolation="nearest",
    )
    for i in range(k):
        for j in range(k):
            if cm[i, j] or i == j:
                weight = "bold" if i == j else "normal"
                ax.text(
                    j,
                    i,
                    f"{int(cm[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    fontweight=weight,
                )
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="mistakes (log scale)")
    ticks = [t * 10**e for e in range(7) for t in (1, 2, 5) if t * 10**e <= vmax]
    colorbar.set_ticks(ticks, labels=[str(t) for t in ticks])
    colorbar.ax.minorticks_off()
    ax.set_title(
        title or f"Confusion matrix ({int(cm.sum())} examples, {int(np.trace(cm))} correct)"
    )
    return finish(fig, save_as)


def misclassified_gallery(
    images,
    y_true,
    probs,
    *,
    max_images: int = 30,
    ncols: int = 10,
    title: str | None = None,
    save_as: str | None = None,
):
    """The misclassified digits, the most confident mistakes first.

    images: (N, 28, 28) or (N, 28, 28, 1); y_true: (N,) ints; probs: (N, K) predicted
    probabilities. Each mistake is drawn by :func:`digit_grid`, titled in red with its
    true label, the prediction and the model's confidence in it ("4 · pred 9 · 97%").
    Shows at most ``max_images``.
    """
    images = _as_images(images)
    y_true, probs = np.asarray(y_true), np.asarray(probs)
    if probs.ndim != 2 or y_true.ndim != 1:
        raise ValueError(
            f"y_true must be (N,) and probs (N, K), got shapes {y_true.shape} and {probs.shape}"
        )
    if not len(images) == len(y_true) == len(probs):
        raise ValueError(
            f"images, y_true and probs must have the same length, got {len(images)}, {len(y_true)} and {len(probs)}"
        )
    max_images = _validate.integer(max_images, "max_images")
    ncols = _validate.integer(ncols, "ncols")
    predicted, confidence = probs.argmax(axis=1), probs.max(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    total = len(wrong)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:max_images]
    if len(wrong) == 0:
        fig, ax = new_figure(size=(4, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no misclassified examples", ha="center", va="center")
        return finish(fig, save_as)
    return digit_grid(
        images[wrong],
        y_true[wrong],
        predicted[wrong],
        confidence[wrong],
        ncols=ncols,
        title=title
        or f"{len(wrong)} of {total} misclassified digits, the most confident mistakes first",
        save_as=save_as,
    )


def per_class_scores(
    scores: ClassScores, *, class_names=None, title: str | None = None, save_as: str | None = None
):
    """Precision, recall and F1 of every class as grouped bars, with the macro F1 as a line.

    scores: a ``metrics.ClassScores`` (arrays of shape (K,)). The y-axis zooms in on
    the range the scores occupy, so differences of a tenth of a percent are visible.
    """
    if not isinstance(scores, ClassScores):
        raise TypeError(
            f"expected the ClassScores from metrics.precision_recall_f1, got {type(scores).__name__}"
        )
    k = len(scores.f1)
    names = _class_names(class_names, k)
    fig, ax = new_figure(size=(max(6.4, 0.7 * k + 1), 3.6))
    width = 0.27
    x = np.arange(k)
    for offset, (name, colour) in enumerate(
        zip(("precision", "recall", "f1"), (PALETTE[0], PALETTE[1], PALETTE[2]))
    ):
        ax.bar(x + (offset - 1) * width, getattr(scores, name), width, color=colour, label=name)
    macro_f1 = scores.macro["f1"]
    ax.axhline(macro_f1, color=PALETTE[7], lw=1, ls="--", label=f"macro F1 = {macro_f1:.4f}")
    values = np.concatenate([scores.precision, scores.recall, scores.f1])
    low = float(values.min())
    ax.set_ylim(max(0.0, low - 0.1 * (1 - low) - 0.005), 1.0)
    ax.set_xticks(x, names)
    ax.set_xlabel("class")
    ax.set_ylabel("score")
    ax.legend(ncols=4, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    if title:
        ax.set_title(title, pad=24)
    return finish(fig, save_as)


def reliability_diagram(
    bins: ReliabilityBins, *, title: str | None = None, save_as: str | None = None
):
    """Accuracy against confidence per bin (left) and how many predictions each bin holds (right).

    bins: a ``metrics.ReliabilityBins``. A perfectly calibrated model's bars touch
    the diagonal: predictions made with 90% confidence are right 90% of the time.
    Bars below the diagonal mean over-confidence. The title gives the expected
    calibration error (ECE).
    """
    if not isinstance(bins, ReliabilityBins):
        raise TypeError(
            f"expected the ReliabilityBins from metrics.reliability_bins, got {type(bins).__name__}"
        )
    edges = bins.edges
    centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    used = bins.counts > 0
    fig, (left, right) = new_figure(1, 2, size=(9.0, 3.8))
    left.plot([0, 1], [0, 1], ls="--", color=PALETTE[7], lw=1, label="perfect calibration")
    left.bar(
        centres[used],
        bins.accuracy[used],
        widths[used] * 0.9,
        color=PALETTE[0],
        alpha=0.8,
        label="accuracy in bin",
    )
    left.plot(
        bins.confidence[used],
        bins.accuracy[used],
        "o",
        color=PALETTE[1],
        ms=4,
        label="(mean confidence, accuracy)",
    )
    left.set_xlim(0, 1)
    left.set_ylim(0, 1.02)
    left.set_xlabel("confidence (largest probability)")
    left.set_ylabel("fraction correct")
    left.legend(fontsize=8, loc="upper left", frameon=True, framealpha=0.9)
    left.set_title(f"ECE = {bins.expected_calibration_error:.4f}")
    right.bar(centres[used], bins.counts[used], widths[used] * 0.9, color=PALETTE[2])
    right.set_yscale("log")
    right.set_xlim(0, 1)
    right.set_xlabel("confidence")
    right.set_ylabel("predictions (log scale)")
    right.set_title("How many predictions per bin")
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


__all__ = [
    "confusion_matrix_plot",
    "misclassified_gallery",
    "per_class_scores",
    "reliability_diagram",
]
