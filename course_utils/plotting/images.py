"""Figures of lesson 08: the preprocessing steps, predictions with their top-3, and one digit
drawn at many sizes, margins and pens with what the model reads.

Every function returns its ``matplotlib.figure.Figure`` and takes ``save_as``
(see ``plotting.style``). The predictions figure draws digits with ``DIGIT_CMAP``
(dark ink on light) like every digit in the course; the two preprocessing
figures show pixel values literally (0 black, the largest value white), because
their point is what the model is fed: white ink on black, or not.
Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import numpy as np

from .style import DIGIT_CMAP, PALETTE, finish, new_figure

_STAGE_TITLES = {
    "original": "1. your picture",
    "grayscale": "2. gray",
    "inverted": "3. ink bright",
    "denoised": "4. noise removed",
    "cropped": "5. cropped",
    "thickened": "6. stroke width set",
    "scaled": "7. longer side 20 px",
    "centred": "8. centred in 28x28",
}


def _show_digit(ax, image, title=None, literal=False):
    image = np.asarray(image)
    if image.ndim == 3:
        ax.imshow(image)
    else:
        top = 1 if image.max() <= 1 else 255
        ax.imshow(image, cmap="gray" if literal else DIGIT_CMAP, vmin=0, vmax=top)
    _bare(ax)
    if title:
        ax.set_title(title, fontsize=9)


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def preprocessing_steps(steps, *, title: str | None = None, save_as: str | None = None):
    """Every stage of ``preprocess.to_mnist_steps`` side by side, with its size.

    steps: a ``preprocess.PreprocessSteps``. Pixel values are shown literally
    (0 black, 1 white), so the inversion is visible. The last panel marks the
    centre of mass. Returns the figure.
    """
    stages = steps.stages()
    fig, axes = new_figure(1, len(stages), size=(1.9 * len(stages), 2.6))
    for ax, (name, image) in zip(axes, stages.items(), strict=True):
        shown = np.asarray(image)
        _show_digit(ax, shown, literal=True)
        height, width = shown.shape[:2]
        ax.set_title(f"{_STAGE_TITLES.get(name, name)}\n{height}x{width}", fontsize=8)
    row, col = steps.centre_of_mass
    axes[-1].plot([col], [row], marker="+", color=PALETTE[3], markersize=10, mew=2)
    if steps.was_inverted:
        axes[2].set_xlabel("(inverted)", fontsize=8)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def predictions_top3(
    images,
    probabilities,
    labels=None,
    *,
    k: int = 3,
    ncols: int = 5,
    title: str | None = None,
    save_as: str | None = None,
):
    """Each digit with a small bar chart of its ``k`` most likely classes.

    images: (N, 28, 28) float in [0, 1], ink bright (what the model saw).
    probabilities: (N, 10). labels: (N,) true digits or None; a bar is orange when
    it is the true digit and the model is wrong, blue otherwise, and the title says
    "true 7 / predicted 1" in that case. Returns the figure.
    """
    images = np.asarray(images)
    probs = np.asarray(probabilities, dtype=float)
    if images.ndim != 3 or probs.ndim != 2 or len(images) != len(probs):
        raise ValueError(
            f"expected images (N, H, W) and probabilities (N, C) with the same N, got {images.shape} and {probs.shape}"
        )
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels")
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(
        nrows,
        2 * ncols,
        size=(2.4 * ncols, 1.35 * nrows),
        squeeze=False,
        gridspec_kw={"width_ratios": [1, 1.1] * ncols},
    )
    for ax in axes.ravel():
        ax.axis("off")
    for i in range(n):
        row, col = divmod(i, ncols)
        image_ax, bar_ax = axes[row, 2 * col], axes[row, 2 * col + 1]
        image_ax.axis("on")
        predicted = int(np.argmax(probs[i]))
        truth = None if labels is None else int(labels[i])
        if truth is None or truth == predicted:
            text = f"{predicted}"
        else:
            text = f"true {truth} / predicted {predicted}"
        _show_digit(image_ax, images[i], text)
        if truth is not None and truth != predicted:
            image_ax.title.set_color(PALETTE[3])
        order = np.argsort(-probs[i], kind="stable")[:k]
        colours = [
            PALETTE[3] if truth is not None and d == truth and d != predicted else PALETTE[0]
            for d in order
        ]
        bar_ax.axis("on")
        bar_ax.barh(range(k), probs[i][order], color=colours)
        bar_ax.set_yticks(range(k), [str(d) for d in order], fontsize=8)
        bar_ax.invert_yaxis()
        bar_ax.set_xlim(0, 1)
        bar_ax.set_xticks([])
        bar_ax.grid(False)
        for spine in ("top", "right", "bottom"):
            bar_ax.spines[spine].set_visible(False)
        for position, p in enumerate(probs[i][order]):
            bar_ax.text(min(p, 0.55) + 0.03, position, f"{100 * p:.0f}%", va="center", fontsize=7)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def compare_preprocessing(
    rows: dict, labels=None, *, title: str | None = None, save_as: str | None = None
):
    """The same pictures prepared in different ways, one row per way.

    rows: ``{name: images}``, images (N, 28, 28) each, shown literally (0 black,
    the row's largest value white, so 0-255 inputs are visible too).
    labels: (N,) shown above the first row.
    Returns the figure.
    """
    if not rows:
        raise ValueError("rows must hold at least one {name: images} entry")
    names = list(rows)
    counts = {len(np.asarray(images)) for images in rows.values()}
    if len(counts) != 1:
        raise ValueError(f"every row must hold the same number of images, got {sorted(counts)}")
    n = counts.pop()
    fig, axes = new_figure(len(names), n, size=(1.1 * n, 1.35 * len(names)), squeeze=False)
    for r, name in enumerate(names):
        images = np.asarray(rows[name], dtype=float)
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(images[c], cmap="gray", vmin=0, vmax=max(1.0, float(images.max())))
            _bare(ax)
            if r == 0 and labels is not None:
                ax.set_title(str(int(labels[c])), fontsize=9)
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


def pictures_and_readings(
    pictures,
    prepared,
    captions,
    predicted,
    label=None,
    *,
    title: str | None = None,
    save_as: str | None = None,
):
    """Pictures of one digit (top row) and what the model read in each (bottom row).

    pictures: N gray pictures of any sizes, (H, W) uint8, drawn at their relative
    size (a 40-pixel picture is drawn as large as a 600-pixel one, as a phone shows
    them). prepared: (N, 28, 28) the digits the model saw, shown literally (0 black).
    captions: N strings ("200 px, margin 15%, marker"). predicted: N digits; when
    ``label`` is given a wrong reading is titled in orange. Returns the figure.
    """
    prepared = np.asarray(prepared)
    n = len(pictures)
    if not (len(prepared) == len(captions) == len(predicted) == n) or n == 0:
        raise ValueError(
            "expected as many pictures, prepared digits, captions and predictions (at least one), "
            f"got {n}, {len(prepared)}, {len(captions)} and {len(predicted)}"
        )
    fig, axes = new_figure(2, n, size=(1.45 * n, 3.9), squeeze=False)
    for i in range(n):
        picture = np.asarray(pictures[i])
        axes[0, i].imshow(picture, cmap="gray", vmin=0, vmax=255)
        _bare(axes[0, i])
        axes[0, i].set_title(captions[i], fontsize=7)
        _show_digit(axes[1, i], prepared[i], literal=True)
        wrong = label is not None and int(predicted[i]) != int(label)
        axes[1, i].set_title(f"reads {int(predicted[i])}", fontsize=9)
        if wrong:
            axes[1, i].title.set_color(PALETTE[3])
    axes[0, 0].set_ylabel("picture", fontsize=9)
    axes[1, 0].set_ylabel("to_mnist", fontsize=9)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


__all__ = [
    "compare_preprocessing",
    "pictures_and_readings",
    "predictions_top3",
    "preprocessing_steps",
]
