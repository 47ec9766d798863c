"""Draw the course's own sample digits, deterministically.

``python -m course_utils.sample_digits.make_samples [--out DIR]`` writes one image
per digit (0-9) and style into DIR (default: this folder) and a ``labels.csv``
(``file,label,style``). Every digit is a handful of pen strokes (arcs, lines and
curves in a unit box) drawn with a round brush at 4x resolution and shrunk with
anti-aliasing; a seeded random generator adds a slant, a wobble and the paper's
texture, so the same Pillow version produces the same pixels every time.

The styles imitate how people photograph or scan their own digits:

================  ==================================================================
style             picture
================  ==================================================================
pen_on_paper      blue-black pen on warm paper, uneven light and grain (JPEG)
thick_marker      black felt marker on white, thick strokes (PNG, gray)
thin_pen          fine pen on white, thin strokes (PNG, gray)
off_centre        small digit near a corner of the page (PNG, RGB)
wide_margins      small digit in the middle of a wide white page (PNG, gray)
rgba              dark red ink on a transparent background (PNG, RGBA)
phone_photo       pencil on gray paper with a shadow, stored sideways with an EXIF
                  rotation tag as phones do (JPEG)
chalkboard        light chalk on a dark board: no inversion needed (PNG, RGB)
================  ==================================================================

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from . import STYLES

HERE = Path(__file__).resolve().parent
SEED = 2024
SUPERSAMPLE = 4
EXIF_ORIENTATION = 0x0112


def _arc(cx, cy, rx, ry, start, stop, n=60):
    angles = np.radians(np.linspace(start, stop, n))
    return np.stack([cx + rx * np.cos(angles), cy - ry * np.sin(angles)], axis=1)


def _line(*points, n=30):
    points = np.asarray(points, dtype=float)
    pieces = [
        np.linspace(a, b, n, endpoint=False) for a, b in zip(points[:-1], points[1:], strict=True)
    ]
    return np.concatenate(pieces + [points[-1:]])


def _curve(p0, p1, p2, n=40):
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2 = (np.asarray(p, dtype=float) for p in (p0, p1, p2))
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def digit_strokes(digit: int, variant: int = 0) -> list[np.ndarray]:
    """The pen strokes of ``digit`` in a unit box (x right, y down): a list of (P, 2) arrays.

    ``variant`` picks between common ways of writing 1, 4 and 7.
    """
    if digit == 0:
        return [_arc(0.5, 0.5, 0.42, 0.48, 100, 470)]
    if digit == 1:
        if variant % 2:
            return [_line((0.36, 0.15), (0.6, 0.02), (0.5, 0.98))]
        return [_line((0.56, 0.02), (0.46, 0.98))]
    if digit == 2:
        return [
            np.concatenate(
                [
                    _arc(0.5, 0.3, 0.38, 0.27, 160, -30),
                    _line((0.83, 0.44), (0.08, 0.97), (0.95, 0.95)),
                ]
            )
        ]
    if digit == 3:
        return [
            np.concatenate(
                [_arc(0.47, 0.27, 0.36, 0.24, 150, -90), _arc(0.47, 0.74, 0.42, 0.24, 90, -150)]
            )
        ]
    if digit == 4:
        if variant % 2:
            return [_line((0.3, 0.02), (0.12, 0.6), (0.95, 0.6)), _line((0.72, 0.05), (0.7, 0.99))]
        return [_line((0.65, 0.02), (0.05, 0.68), (0.95, 0.68)), _line((0.7, 0.15), (0.7, 0.99))]
    if digit == 5:
        return [
            np.concatenate(
                [
                    _line((0.85, 0.03), (0.25, 0.03), (0.18, 0.47)),
                    _arc(0.5, 0.69, 0.4, 0.28, 145, -160),
                ]
            )
        ]
    if digit == 6:
        return [
            np.concatenate(
                [
                    _curve((0.78, 0.03), (0.22, 0.2), (0.12, 0.72)),
                    _arc(0.5, 0.72, 0.38, 0.26, 180, 540),
                ]
            )
        ]
    if digit == 7:
        strokes = [_line((0.05, 0.05), (0.95, 0.05), (0.4, 0.98))]
        if variant % 2:
            strokes.append(_line((0.35, 0.52), (0.82, 0.52)))
        return strokes
    if digit == 8:
        return [_arc(0.5, 0.26, 0.32, 0.24, -90, 270), _arc(0.5, 0.73, 0.4, 0.26, 90, 450)]
    if digit == 9:
        return [
            np.concatenate([_arc(0.45, 0.3, 0.38, 0.27, 0, 360), _line((0.83, 0.3), (0.75, 0.98))])
        ]
    raise ValueError(f"digit must be an integer 0-9, got {digit!r}")


def _handwritten(strokes, rng: np.random.Generator, aspect: float):
    """Slant, squeeze and wobble the strokes like a hand would."""
    slant = rng.uniform(-0.1, 0.25)
    result = []
    for stroke in strokes:
        x, y = stroke[:, 0], stroke[:, 1]
        t = np.linspace(0, 1, len(stroke))
        wobble = [
            0.015 * np.sin(2 * np.pi * (rng.uniform(0.5, 1.5) * t + rng.uniform(0, 1)))
            for _ in range(2)
        ]
        x = 0.5 + (x - 0.5) * aspect + slant * (0.5 - y) + wobble[0]
        result.append(np.stack([x, y + wobble[1]], axis=1))
    return result


def _ink_mask(strokes, size, box, width) -> Image.Image:
    """Draw strokes into a mask (mode "L", 255 = ink) of ``size``; ``box`` = (left, top, height)."""
    s = SUPERSAMPLE
    mask = Image.new("L", (size[0] * s, size[1] * s), 0)
    draw = ImageDraw.Draw(mask)
    left, top, height = box
    radius = width * s / 2
    for stroke in strokes:
        points = [((left + x * height) * s, (top + y * height) * s) for x, y in stroke]
        draw.line(points, fill=255, width=max(1, round(width * s)), joint="curve")
        for px, py in (points[0], points[-1]):
            draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=255)
    return mask.resize(size, Image.Resampling.LANCZOS)


def _paper(size, rng, colour, grain, light_gradient):
    """An (H, W, 3) float paper texture: a colour, lit unevenly, with grain."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width] / max(size)
    angle = rng.uniform(0, 2 * np.pi)
    light = 1.0 - light_gradient * (np.cos(angle) * xx + np.sin(angle) * yy)
    paper = np.asarray(colour, dtype=float)[None, None, :] * light[..., None]
    return paper + rng.normal(0, grain, size=(height, width, 1))


def _compose(paper, mask, ink_colour, opacity=1.0):
    alpha = np.asarray(mask, dtype=float)[..., None] / 255.0 * opacity
    image = paper * (1 - alpha) + np.asarray(ink_colour, dtype=float)[None, None, :] * alpha
    return Image.fromarray(np.clip(image, 0, 255).round().astype(np.uint8), mode="RGB")


def draw_sample(digit: int, style: str, seed: int = SEED) -> tuple[Image.Image, dict]:
    """Draw ``digit`` in ``style``; returns ``(image, save_options)`` for ``Image.save``."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    rng = np.random.default_rng([seed, digit, STYLES.index(style)])
    strokes = _handwritten(
        digit_strokes(digit, variant=STYLES.index(style) + digit),
        rng,
        aspect=rng.uniform(0.55, 0.7),
    )
    if style == "pen_on_paper":
        size = (240, 240)
        mask = _ink_mask(strokes, size, (60, 45, 150), width=5)
        paper = _paper(size, rng, (246, 240, 226), grain=4, light_gradient=0.18)
        return _compose(paper, mask, (25, 30, 70)), {"format": "JPEG", "quality": 90}
    if style == "thick_marker":
        size = (200, 200)
        mask = _ink_mask(strokes, size, (45, 25, 150), width=20)
        return Image.eval(mask, lambda v: 255 - v), {"format": "PNG"}
    if style == "thin_pen":
        size = (300, 300)
        mask = _ink_mask(strokes, size, (85, 50, 200), width=3)
        return Image.eval(mask, lambda v: 255 - v), {"format": "PNG"}
    if style == "off_centre":
        size = (320, 240)
        mask = _ink_mask(strokes, size, (20, 15, 90), width=6)
        paper = np.full((size[1], size[0], 3), (250.0, 250.0, 247.0))
        return _compose(paper, mask, (20, 20, 20)), {"format": "PNG"}
    if style == "wide_margins":
        size = (400, 400)
        mask = _ink_mask(strokes, size, (175, 160, 80), width=5)
        return Image.eval(mask, lambda v: 255 - v), {"format": "PNG"}
    if style == "rgba":
        size = (200, 200)
        mask = _ink_mask(strokes, size, (60, 25, 150), width=9)
        ink = Image.new("RGBA", size, (140, 20, 30, 0))
        ink.putalpha(mask)
        return ink, {"format": "PNG"}
    if style == "phone_photo":
        size = (240, 320)
        mask = _ink_mask(strokes, size, (60, 70, 190), width=7)
        paper = _paper(size, rng, (205, 203, 196), grain=6, light_gradient=0.35)
        upright = _compose(paper, mask, (70, 70, 75), opacity=0.85)
        exif = Image.Exif()
        exif[EXIF_ORIENTATION] = 6  # "rotate 90 degrees clockwise to view"
        stored = upright.transpose(Image.Transpose.ROTATE_90)
        return stored, {"format": "JPEG", "quality": 88, "exif": exif}
    size = (220, 220)  # chalkboard
    mask = _ink_mask(strokes, size, (50, 30, 160), width=9)
    board = _paper(size, rng, (40, 62, 52), grain=5, light_gradient=0.1)
    return _compose(board, mask, (235, 235, 225), opacity=0.9), {"format": "PNG"}


def file_name(digit: int, style: str) -> str:
    """``"<digit>_<style>.<png|jpg>"``: the true label is the first character."""
    extension = "jpg" if style in ("pen_on_paper", "phone_photo") else "png"
    return f"{digit}_{style}.{extension}"


def make_samples(out_dir: Path | str = HERE, seed: int = SEED) -> list[Path]:
    """Write every digit in every style and ``labels.csv`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, rows = [], []
    for style in STYLES:
        for digit in range(10):
            image, options = draw_sample(digit, style, seed)
            path = out_dir / file_name(digit, style)
            image.save(path, **options)
            paths.append(path)
            rows.append((path.name, digit, style))
    with open(out_dir / "labels.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("file", "label", "style"))
        writer.writerows(rows)
    return paths


def main(argv=None) -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    paths = make_samples(args.out)
    print(f"wrote {len(paths)} images and labels.csv to {args.out}")


if __name__ == "__main__":
    main()
