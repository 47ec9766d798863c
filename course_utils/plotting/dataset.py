"""Figures that look at the data: digit grids, class balance, pixel statistics.

Taught in notebooks/00_setup_and_mnist.ipynb and used by every later lesson.
"""

from __future__ import annotations

import math

import numpy as np

from .style import DIGIT_CMAP, PALETTE, finish, new_figure


def _as_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3:
        raise ValueError(
            f"expected images of shape (N, H, W), (N, H, W, 1) or (N, 784), got {images.shape}"
        )
    return images


def digit_grid(
    images,
    labels=None,
    predictions=None,
    probabilities=None,
    *,
    ncols: int = 10,
    title: str | None = None,
    save_as: str | None = None,
):
    """Show digits in a grid, each titled with its label (and prediction).

    images: (N, 28, 28), (N, 28, 28, 1) or (N, 784), uint8 or float.
    labels, predictions: (N,) ints, optional. A wrong prediction is titled in red.
    probabilities: (N,) confidence of each prediction, optional.
    """
    images = _as_images(images)
    n = len(images)
    if n == 0:
        raise ValueError("digit_grid needs at least one image")
    for name, values in (
        ("labels", labels),
        ("predictions", predictions),
        ("probabilities", probabilities),
    ):
        if values is not None and len(values) != n:
            raise ValueError(f"{name} has {len(values)} entries but there are {n} images")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(
        nrows, ncols, size=(1.1 * ncols, 1.25 * nrows + (0.3 if title else 0)), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i], cmap=DIGIT_CMAP, interpolation="nearest")
        parts, colour = [], "black"
        if labels is not None:
            parts.append(f"{int(labels[i])}")
        if predictions is not None:
            parts.append(f"pred {int(predictions[i])}")
            if labels is not None and int(predictions[i]) != int(labels[i]):
                colour = PALETTE[3]
        if probabilities is not None:
            parts.append(f"{100 * float(probabilities[i]):.0f}%")
        if parts:
            ax.set_title(" · ".join(parts), fontsize=8, color=colour)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def class_balance(y_train, y_test=None, *, num_classes: int = 10, save_as: str | None = None):
    """Bar chart of how many examples each class has. y_train, y_test: (N,) ints."""
    fig, ax = new_figure(size=(6.4, 3.2))
    classes = np.arange(num_classes)
    groups = [("train", y_train)] + ([("test", y_test)] if y_test is not None else [])
    width = 0.8 / len(groups)
    for k, (name, y) in enumerate(groups):
        counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=num_classes)
        ax.bar(
            classes + (k - (len(groups) - 1) / 2) * width,
            counts,
            width,
            label=f"{name} ({len(y):,})",
        )
    ax.set_xticks(classes)
    ax.set_xlabel("digit")
    ax.set_ylabel("examples")
    ax.set_title("How many examples of each digit")
    ax.legend()
    return finish(fig, save_as)


def pixel_histogram(images, *, save_as: str | None = None):
    """Histogram of pixel intensities (log scale: most pixels are background)."""
    values = np.asarray(images).ravel()
    fig, ax = new_figure(size=(6.4, 3.2))
    top = 255 if values.max() > 1 else 1
    ax.hist(values, bins=64, range=(0, top), color=PALETTE[0])
    ax.set_yscale("log")
    ax.set_xlabel("pixel intensity")
    ax.set_ylabel("pixels (log scale)")
    zero = np.mean(values == 0)
    ax.set_title(f"Pixel intensities: {100 * zero:.0f}% of pixels are exactly 0")
    return finish(fig, save_as)


def mean_digits(images, labels, *, num_classes: int = 10, save_as: str | None = None):
    """The average image of each class. images: (N, 28, 28); labels: (N,)."""
    images = _as_images(images).astype(np.float64)
    labels = np.asarray(labels)
    fig, axes = new_figure(1, num_classes, size=(1.1 * num_classes, 1.5), squeeze=False)
    for digit, ax in enumerate(axes.flat):
        ax.set_axis_off()
        chosen = images[labels == digit]
        if len(chosen):
            ax.imshow(chosen.mean(axis=0), cmap=DIGIT_CMAP)
        ax.set_title(f"{digit} (n={len(chosen)})", fontsize=8)
    fig.suptitle("The mean image of each digit")
    return finish(fig, save_as)


__all__ = ["digit_grid", "class_balance", "pixel_histogram", "mean_digits"]
