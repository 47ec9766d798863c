"""One look for every figure of the course, and one way to save it.

Every plotting function in ``course_utils.plotting`` returns its
``matplotlib.figure.Figure`` and takes ``save_as``: a file stem such as
``"05_learning_curves"``. When given, the figure is written to
``figures_dir() / "<save_as>.png"`` (see ``course_utils.paths``).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt

from ..paths import figures_dir

#: Colours of the course, colour-blind safe (Okabe-Ito), in the order plots use them.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Colour map for digit images: ink is dark on light, as on paper.
DIGIT_CMAP = "gray_r"

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "font.size": 10,
    "image.cmap": DIGIT_CMAP,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}

_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def apply_style() -> None:
    """Apply the course's matplotlib style (done on ``import course_utils.plotting``)."""
    mpl.rcParams.update(STYLE)


def save_figure(fig, save_as: str) -> Path:
    """Write ``fig`` to ``figures_dir() / f"{save_as}.png"`` and return the path."""
    if not isinstance(save_as, str) or not _STEM.match(save_as.removesuffix(".png")):
        raise ValueError(
            f"save_as must be a plain file name such as '05_learning_curves', got {save_as!r}"
        )
    path = figures_dir() / f"{save_as.removesuffix('.png')}.png"
    fig.savefig(path)
    return path


def finish(fig, save_as: str | None = None):
    """Lay out ``fig``, save it when ``save_as`` is given, and return it."""
    fig.tight_layout()
    if save_as is not None:
        save_figure(fig, save_as)
    return fig


def new_figure(
    nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] | None = None, **kwargs
):
    """``plt.subplots`` with the course style; returns ``(fig, axes)``."""
    apply_style()
    return plt.subplots(nrows, ncols, figsize=size, **kwargs)


__all__ = ["PALETTE", "DIGIT_CMAP", "apply_style", "save_figure", "finish", "new_figure"]
