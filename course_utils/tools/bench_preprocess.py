"""How well ``preprocess.to_mnist`` prepares any picture of a digit, and how fast.

``python -m course_utils.tools.bench_preprocess [--model PATH] [--num-digits 300]`` draws
MNIST test digits as pictures (``course_utils.render``) at every size, margin and
pen, prepares them with ``preprocess.to_mnist`` and prints the model's accuracy for
every (size, margin, pen) cell, next to the pipeline used before issue 10 (kept
below as ``_legacy_to_mnist``, for this comparison only). Half of the pictures are
dark ink on light paper and half light on dark; every third is JPEG-compressed and
every fourth blurred. It also times both pipelines on the same 200x200 pictures
(alternating rounds, median per picture) and measures the 80 sample pictures of
``course_utils/sample_digits``. Results go to ``build/bench_preprocess.json``.

The model is ``--model`` or lesson 07's ``build/models/lesson07_cnn.keras``, and
otherwise a small CNN trained on the spot (``keras_cnn.load_or_train_cnn``). The
digits are MNIST's test set when ``MNIST_PATH`` or the Keras cache holds it, the
offline sample's test part otherwise.
Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from .. import data, keras_cnn, preprocess, render
from ..paths import build_dir

SIZES = (40, 100, 200, 600)
MARGINS = (0.0, 0.15, 0.3, 0.4)
PENS = {"fine pen": 0.03, "MNIST's pen": None, "thick marker": 0.2}
#: Conditions that vary from digit to digit, so that every cell mixes them.
JPEG_QUALITY = 75
BLUR = 0.015


def picture_conditions(index: int) -> dict:
    """The polarity, blur and JPEG of the ``index``-th digit's pictures."""
    return {
        "dark_ink": index % 2 == 0,
        "blur": BLUR if index % 4 == 1 else 0.0,
        "jpeg_quality": JPEG_QUALITY if index % 3 == 0 else None,
    }


def accuracy_matrix(model, digits, labels, pipelines, sizes=SIZES, margins=MARGINS, pens=PENS):
    """For every pipeline, pen, size and margin: the share of digits read right, and refused.

    digits: (N, 28, 28) uint8 MNIST digits, labels: (N,). pipelines: ``{name: fn}``
    with fn(picture) -> (28, 28). Returns ``{name: {"accuracy": A, "refused": R}}``
    with A and R nested lists indexed [pen][size][margin].
    """
    shape = (len(pens), len(sizes), len(margins))
    prepared = {name: np.zeros(shape + (len(digits), 28, 28), np.float32) for name in pipelines}
    refused = {name: np.zeros(shape + (len(digits),), bool) for name in pipelines}
    for i, digit in enumerate(digits):
        conditions = picture_conditions(i)
        for p, pen in enumerate(pens.values()):
            shape_ = render.digit_shape(digit, pen)
            for s, size in enumerate(sizes):
                for m, margin in enumerate(margins):
                    picture = render.picture_of_shape(
                        shape_, size=size, margin=margin, seed=i, **conditions
                    )
                    for name, fn in pipelines.items():
                        try:
                            prepared[name][p, s, m, i] = fn(picture)
                        except preprocess.ImageError:
                            refused[name][p, s, m, i] = True
    results = {}
    for name in pipelines:
        images = prepared[name].reshape(-1, 28, 28)
        predicted = (
            keras_cnn.predict_in_batches(model, images).argmax(axis=1).reshape(shape + (-1,))
        )
        right = (predicted == np.asarray(labels)) & ~refused[name]
        results[name] = {
            "accuracy": right.mean(axis=-1).round(4).tolist(),
            "refused": refused[name].mean(axis=-1).round(4).tolist(),
        }
    return results


def drawn_digit_accuracy(model, digits, labels, pens=PENS) -> dict:
    """Per pen, the share read right of the drawn digits themselves, fitted and centred.

    No picture is made: this is what a perfect pipeline would reach, so the gap to
    the matrix is the pipeline's, and what is missing here is the pen's (a thick
    marker closes the loop of a 4 or a 9) or the drawing's.
    """
    results = {}
    for name, pen in pens.items():
        images = [
            preprocess.centre_by_mass(preprocess.fit_to_box(render.digit_shape(d, pen)))[0]
            for d in digits
        ]
        predicted = keras_cnn.predict_in_batches(model, np.stack(images)).argmax(axis=1)
        results[name] = round(float(np.mean(predicted == np.asarray(labels))), 4)
    return results


def time_per_picture(pipelines, pictures, rounds: int = 5) -> dict:
    """Median milliseconds per picture of every pipeline, timed in alternating rounds."""
    times = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, fn in pipelines.items():
            for picture in pictures:
                start = time.perf_counter()
                try:
                    fn(picture)
                except preprocess.ImageError:
                    pass
                times[name].append(time.perf_counter() - start)
    return {name: round(1000 * float(np.median(t)), 3) for name, t in times.items()}


def sample_accuracy(model, pipelines) -> dict:
    """The share of the 80 sample pictures read right, per pipeline."""
    from ..sample_digits import load_samples

    samples = load_samples()
    labels = np.array([s.label for s in samples])
    results = {}
    for name, fn in pipelines.items():
        images = np.stack([fn(s.path) for s in samples])
        predicted = keras_cnn.predict_in_batches(model, images).argmax(axis=1)
        results[name] = round(float(np.mean(predicted == labels)), 4)
    return results


def format_matrix(results, sizes=SIZES, margins=MARGINS, pens=PENS) -> str:
    """The accuracy matrix as text: one table per pen, sizes down, margins across."""
    names = list(results)
    lines = []
    for p, pen in enumerate(pens):
        lines.append(f"{pen}: accuracy " + " (".join(names) + ")" * (len(names) - 1))
        lines.append("  size  " + "".join(f"margin {m:>4.0%}     " for m in margins))
        for s, size in enumerate(sizes):
            cells = []
            for m in range(len(margins)):
                values = [results[name]["accuracy"][p][s][m] for name in names]
                cell = f"{values[0]:6.1%}" + "".join(f" ({v:5.1%})" for v in values[1:])
                cells.append(f"{cell:<17}")
            lines.append(f"  {size:>4}  " + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """The command line; returns the results written to the JSON file."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.bench_preprocess", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="a .keras model (default: lesson 07's)"
    )
    parser.add_argument(
        "--num-digits", type=int, default=300, help="test digits drawn (default 300)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="picture sides, pixels"
    )
    parser.add_argument(
        "--margins",
        type=float,
        nargs="+",
        default=list(MARGINS),
        help="margins, fractions of the side",
    )
    parser.add_argument(
        "--no-legacy", action="store_true", help="skip the pipeline used before issue 10"
    )
    parser.add_argument(
        "--timing-pictures", type=int, default=50, help="200x200 pictures timed (default 50)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON file (default build/bench_preprocess.json)"
    )
    args = parser.parse_args(argv)
    if args.num_digits < 1 or args.timing_pictures < 1:
        parser.error(
            f"--num-digits and --timing-pictures must be positive, got {args.num_digits} and {args.timing_pictures}"
        )
    if args.model is not None and not args.model.is_file():
        parser.error(f"--model: no file at {args.model}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", data.MnistSampleWarning)
        mnist = data.load_mnist(download=False, verbose=False)
        model_path = args.model or keras_cnn.default_model_path()
        model = keras_cnn.load_or_train_cnn(model_path, mnist=mnist, seed=args.seed, verbose=False)
    model_name = str(model_path) if model_path.is_file() else "a small CNN trained on the spot"
    (_, _), (x_test, y_test) = mnist
    digits, labels = data.take(x_test, y_test, min(args.num_digits, len(x_test)), seed=args.seed)
    pipelines = {"new": preprocess.to_mnist}
    if not args.no_legacy:
        pipelines["before issue 10"] = _legacy_to_mnist
    sizes, margins = tuple(args.sizes), tuple(args.margins)
    start = time.perf_counter()
    matrix = accuracy_matrix(model, digits, labels, pipelines, sizes, margins)
    pictures = [
        render.render_digit(digit, size=200, seed=i, **picture_conditions(i))
        for i, digit in enumerate(digits[: args.timing_pictures])
    ]
    timing = time_per_picture(pipelines, pictures)
    drawn = drawn_digit_accuracy(model, digits, labels)
    original = keras_cnn.predict_in_batches(model, digits).argmax(axis=1)
    samples = sample_accuracy(model, pipelines)
    results = {
        "command": "python -m course_utils.tools.bench_preprocess " + " ".join(argv or []),
        "model": model_name,
        "num_digits": len(digits),
        "sizes": list(sizes),
        "margins": list(margins),
        "pens": {name: pen for name, pen in PENS.items()},
        "conditions": "half dark on light, half light on dark; every 3rd JPEG (quality "
        f"{JPEG_QUALITY}), every 4th blurred ({BLUR} of the digit's side)",
        "matrix": matrix,
        "overall_accuracy": {
            name: round(float(np.mean(matrix[name]["accuracy"])), 4) for name in pipelines
        },
        "original_digits_accuracy": round(float(np.mean(original == labels)), 4),
        "drawn_digits_accuracy": drawn,
        "ms_per_200px_picture": timing,
        "sample_accuracy": samples,
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(f"model: {model_name}; {len(digits)} digits; {results['conditions']}")
    print(format_matrix(matrix, sizes, margins))
    print(
        f"the MNIST digits themselves: {results['original_digits_accuracy']:.1%}; drawn with "
        "each pen and fitted without a picture (a perfect pipeline): "
        + ", ".join(f"{pen} {value:.1%}" for pen, value in drawn.items())
    )
    for name in pipelines:
        print(
            f"{name}: overall {results['overall_accuracy'][name]:.1%}, "
            f"{timing[name]:.2f} ms per 200x200 picture (median), "
            f"sample pictures {samples[name]:.1%}"
        )
    output = args.output or build_dir() / "bench_preprocess.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {output}")
    return results


# --- the pipeline before issue 10, kept only to compare with ------------------------
# A copy of preprocess.to_mnist as it was: a background filter of fixed size on a
# 64-pixel copy (which takes thick strokes for background) and thickening only.


def _legacy_to_mnist(image) -> np.ndarray:
    """``preprocess.to_mnist`` before issue 10 (for this benchmark only)."""
    gray = _legacy_grayscale(preprocess.load_image(image))
    background = float(np.median(gray))
    darkest, brightest = np.percentile(gray, [0.5, 99.5])
    ink = 1.0 - gray if background - darkest > brightest - background else gray
    flat = ink - _legacy_background(ink)
    grain = 1.4826 * float(np.median(np.abs(flat - np.median(flat))))
    flat = np.clip(flat, 0.0, None)
    strongest = float(np.percentile(flat, 99.9)) if flat.size >= 1000 else float(flat.max())
    if strongest < max(0.1, 6 * grain):
        raise preprocess.ImageError("no digit found", reason="blank")
    floor = max(0.25, 4 * grain / strongest)
    stretched = np.clip(flat / strongest, 0.0, 1.0)
    clean = np.where(stretched >= floor, (stretched - floor) / (1 - floor), 0.0)
    clean = _legacy_remove_specks(clean.astype(np.float32))
    top, left, bottom, right = preprocess.ink_bounding_box(clean)
    thick = _legacy_thicken(clean[top:bottom, left:right])
    return preprocess.centre_by_mass(preprocess.fit_to_box(thick))[0]


def _legacy_grayscale(picture):
    gray = preprocess._on_white(picture).convert("L")
    if max(gray.size) > 512:
        factor = 512 / max(gray.size)
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.float32) / 255.0


def _legacy_background(ink):
    height, width = ink.shape
    factor = 64 / max(height, width)
    small = Image.fromarray(ink, mode="F")
    if factor < 1:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = small.resize(size, Image.Resampling.BOX)
    rubbed = np.asarray(small.filter(ImageFilter.MinFilter(9)).filter(ImageFilter.MaxFilter(9)))
    kernel = np.ones(9) / 9
    padded = np.pad(rubbed, 4, mode="edge")
    rows = np.apply_along_axis(np.convolve, 1, padded, kernel, mode="valid")
    blurred = np.apply_along_axis(np.convolve, 0, rows, kernel, mode="valid").astype(np.float32)
    return np.asarray(
        Image.fromarray(blurred, mode="F").resize((width, height), Image.Resampling.BILINEAR)
    )


def _legacy_remove_specks(image):
    lit = image > 0
    padded = np.pad(lit, 1)
    height, width = lit.shape
    neighbours = sum(
        padded[1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if (dy, dx) != (0, 0)
    )
    return np.where(lit & (neighbours == 0), 0.0, image).astype(np.float32)


def _legacy_stroke_width(image):
    ink = np.asarray(image) > 0.5
    padded = np.pad(ink, 1)
    inside = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    outline = int((ink & ~inside).sum())
    return 2.0 * int(ink.sum()) / outline if outline else 0.0


def _legacy_thicken(image, min_width=0.12, size=80):
    longer = max(image.shape)
    missing = min_width - _legacy_stroke_width(image) / longer
    brush = int(round(missing * size)) | 1
    if missing <= 0 or brush < 3:
        return image
    factor = size / longer
    shape = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    small = Image.fromarray(image, mode="F").resize(shape, Image.Resampling.BILINEAR)
    pad = brush // 2
    small = np.pad(np.clip(np.asarray(small), 0.0, None), pad)
    small = small / max(float(small.max()), 1e-6)
    thick = Image.fromarray(small.astype(np.float32), mode="F").filter(ImageFilter.MaxFilter(brush))
    return np.clip(np.asarray(thick, dtype=np.float32), 0.0, 1.0)


if __name__ == "__main__":
    main()
