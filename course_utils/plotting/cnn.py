"""Figures of the convolutional networks: learned filters and the feature maps of one digit.

Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _validate
from .style import DIGIT_CMAP, finish, new_figure

#: Colour map for weights: blue negative, white zero, red positive.
WEIGHT_CMAP = "RdBu_r"
#: Colour map for activations (non-negative after ReLU): dark is zero.
ACTIVATION_CMAP = "magma"


def _grid(count: int, ncols: int) -> tuple[int, int]:
    ncols = min(_validate.integer(ncols, "ncols"), count)
    return math.ceil(count / ncols), ncols


def conv_filters(
    w, *, channel: int = 0, ncols: int = 8, title: str | None = None, save_as: str | None = None
):
    """Every filter of a convolution as a small image, on one colour scale centred on 0.

    w: (KH, KW, C, F) convolution weights (``layer.params["w"]`` or a Keras kernel);
    shows the slice ``w[:, :, channel, f]`` of each of the F filters: red pixels
    excite the filter, blue ones inhibit it.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(
            f"expected convolution weights of shape (KH, KW, C, F), got shape {w.shape}"
        )
    if not 0 <= channel < w.shape[2]:
        raise ValueError(
            f"channel must lie in 0..{w.shape[2] - 1} for weights of shape {w.shape}, got {channel}"
        )
    filters = w[:, :, channel, :]
    count = filters.shape[-1]
    nrows, ncols = _grid(count, ncols)
    limit = float(np.abs(filters).max()) or 1.0
    fig, axes = new_figure(
        nrows, ncols, size=(0.9 * ncols + 0.4, 0.95 * nrows + 0.5), squeeze=False
    )
    for f, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if f < count:
            ax.imshow(
                filters[:, :, f], cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit, interpolation="nearest"
            )
            ax.set_title(str(f), fontsize=7)
    fig.suptitle(
        f"{title + ': ' if title else ''}red = positive weight, blue = negative (max |w| = {limit:.2f})",
        fontsize=9,
    )
    return finish(fig, save_as)


def feature_maps(
    maps,
    *,
    image=None,
    max_maps: int = 32,
    ncols: int = 8,
    title: str | None = None,
    save_as: str | None = None,
):
    """The feature maps of one digit: what each filter of a layer responds to, and where.

    maps: (H, W, F) or (1, H, W, F), a layer's output for one image; the first
    ``max_maps`` are shown, each on its own colour scale (bright is strong).
    image: (28, 28) or (28, 28, 1), the digit itself, shown first when given.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(
            f"expected the feature maps of one image, shape (H, W, F) or (1, H, W, F), got {maps.shape}"
        )
    max_maps = _validate.integer(max_maps, "max_maps")
    shown = maps[:, :, :max_maps]
    panels = (
        [("input", np.asarray(image, dtype=np.float64), DIGIT_CMAP)] if image is not None else []
    )
    if panels and panels[0][1].ndim == 3 and panels[0][1].shape[-1] == 1:
        panels[0] = ("input", panels[0][1][..., 0], DIGIT_CMAP)
    if panels and panels[0][1].ndim != 2:
        raise ValueError(f"image must have shape (H, W) or (H, W, 1), got {np.shape(image)}")
    panels += [(f"filter {f}", shown[:, :, f], ACTIVATION_CMAP) for f in range(shown.shape[-1])]
    nrows, ncols = _grid(len(panels), ncols)
    fig, axes = new_figure(
        nrows, ncols, size=(1.0 * ncols, 1.25 * nrows + (0.35 if title else 0)), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(panels):
            name, values, cmap = panels[i]
            ax.imshow(values, cmap=cmap, interpolation="nearest")
            ax.set_title(name, fontsize=7)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


__all__ = ["conv_filters", "feature_maps", "WEIGHT_CMAP", "ACTIVATION_CMAP"]
