"""The course's own sample digits: 80 pictures, every digit in eight styles.

Each file is named ``<label>_<style>.<png|jpg>`` and listed in ``labels.csv``
(``file,label,style``); ``make_samples.py`` draws them all again, and the
README in this folder says how. :func:`load_samples` returns them with their
true labels::

    from course_utils.sample_digits import load_samples
    samples = load_samples()                      # every style
    samples = load_samples(styles=["rgba"])       # one style
    samples[0].path, samples[0].label, samples[0].style

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
#: The styles, in the order ``make_samples.py`` draws them (see the README).
STYLES = (
    "pen_on_paper",
    "thick_marker",
    "thin_pen",
    "off_centre",
    "wide_margins",
    "rgba",
    "phone_photo",
    "chalkboard",
)


@dataclass(frozen=True)
class Sample:
    """One sample picture: its ``path``, true ``label`` (0-9) and ``style``."""

    path: Path
    label: int
    style: str

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


def load_samples(styles=None, folder: str | Path = SAMPLES_DIR) -> list[Sample]:
    """The sample pictures listed in ``folder / "labels.csv"``, in that order.

    styles: None for all, or an iterable of style names (see ``STYLES``).
    Raises ``ValueError`` for an unknown style and ``FileNotFoundError`` when a
    listed file is missing.
    """
    folder = Path(folder)
    wanted = STYLES if styles is None else tuple(styles)
    unknown = sorted(set(wanted) - set(STYLES))
    if unknown:
        raise ValueError(f"unknown style(s) {unknown}; the styles are {list(STYLES)}")
    with open(folder / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    samples = [
        Sample(folder / row["file"], int(row["label"]), row["style"])
        for row in rows
        if row["style"] in wanted
    ]
    missing = [sample.path.name for sample in samples if not sample.path.is_file()]
    if missing:
        raise FileNotFoundError(f"sample pictures missing from {folder}: {missing[:5]}")
    return samples


__all__ = ["SAMPLES_DIR", "STYLES", "Sample", "load_samples"]
