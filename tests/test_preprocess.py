"""course_utils.preprocess: every step on constructed pictures, and every bad input."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from course_utils import preprocess
from course_utils.preprocess import ImageError, centre_of_mass, to_mnist, to_mnist_steps


def paper(size=(200, 160), level=255):
    """A blank gray page, (H, W) = size, as a PIL image."""
    return Image.new("L", (size[1], size[0]), level)


def draw_seven(picture, box, ink=0, width=8):
    """Draw a 7 (a bar and a diagonal) inside ``box`` = (left, top, right, bottom)."""
    left, top, right, bottom = box
    draw = ImageDraw.Draw(picture)
    draw.line((left, top, right, top), fill=ink, width=width)
    draw.line((right, top, left + (right - left) // 3, bottom), fill=ink, width=width)
    return picture


def seven_on_paper(**kwargs):
    return draw_seven(paper(), (60, 40, 110, 140), **kwargs)


def encode(picture, format="PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


def png_header_only(width, height) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels but holds almost nothing."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# --- the result ---------------------------------------------------------------------


def test_result_is_a_28x28_float32_image_in_unit_range_with_full_contrast():
    digit = to_mnist(seven_on_paper())
    assert digit.shape == (28, 28)
    assert digit.dtype == np.float32
    assert digit.min() == 0.0
    assert digit.max() == pytest.approx(1.0)


def test_digit_drawn_off_centre_ends_up_centred_by_mass():
    picture = draw_seven(paper((300, 300)), (10, 10, 60, 90))  # top-left corner
    steps = to_mnist_steps(picture)
    row, col = centre_of_mass(steps.centred)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5, (row, col)
    assert steps.centre_of_mass == pytest.approx((row, col), abs=1e-4)
    assert steps.bounding_box[0] < 30 and steps.bounding_box[1] < 30


@pytest.mark.parametrize("where", [(10, 10, 60, 90), (230, 210, 280, 290), (120, 100, 170, 180)])
def test_where_the_digit_sits_on_the_page_does_not_matter(where):
    reference = to_mnist(draw_seven(paper((300, 300)), (120, 100, 170, 180)))
    moved = to_mnist(draw_seven(paper((300, 300)), where))
    np.testing.assert_allclose(moved, reference, atol=1e-5)


def test_light_background_is_inverted_and_dark_background_is_not():
    dark_on_light = to_mnist_steps(seven_on_paper(ink=0))
    light_on_dark = to_mnist_steps(draw_seven(paper(level=0), (60, 40, 110, 140), ink=255))
    assert dark_on_light.was_inverted and not light_on_dark.was_inverted
    assert dark_on_light.inverted[0, 0] == pytest.approx(0.0)  # the page became black
    assert dark_on_light.inverted.max() == pytest.approx(1.0)  # the ink became white
    np.testing.assert_allclose(dark_on_light.centred, light_on_dark.centred, atol=1e-5)


def test_rgba_transparency_becomes_background_whatever_colour_is_hidden_under_it():
    mask = np.asarray(draw_seven(paper(level=0), (60, 40, 110, 140), ink=255))
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)  # transparent *black* pixels
    rgba[..., 0] = 200  # red ink ...
    rgba[..., 3] = mask  # ... visible only where the digit is
    expected = to_mnist(seven_on_paper())
    result = to_mnist(Image.fromarray(rgba, mode="RGBA"))
    assert to_mnist_steps(rgba).was_inverted
    assert np.abs(result - expected).mean() < 0.02
    assert np.abs(to_mnist(encode(Image.fromarray(rgba, mode="RGBA"))) - result).max() < 1e-6


@pytest.mark.parametrize("height, width", [(100, 40), (40, 100), (60, 60)])
def test_aspect_ratio_is_kept_and_the_longer_side_is_20(height, width):
    picture = paper((300, 300))
    pen = round(0.13 * max(height, width))  # within MNIST's stroke widths: left as it is
    box = (50, 50, 50 + width - 1, 50 + height - 1)
    ImageDraw.Draw(picture).rectangle(box, outline=0, width=pen)
    steps = to_mnist_steps(picture)
    assert steps.cropped.shape == (height, width)
    assert max(steps.scaled.shape) == 20
    assert steps.scaled.shape[0] / steps.scaled.shape[1] == pytest.approx(height / width, rel=0.05)
    top, left, bottom, right = preprocess.ink_bounding_box(steps.centred > 0.5)
    assert (bottom - top, right - left) == steps.scaled.shape


def test_every_stage_is_returned_in_order():
    steps = to_mnist_steps(seven_on_paper())
    stages = steps.stages()
    assert tuple(stages) == preprocess.STAGES
    assert stages["original"].shape == (200, 160)
    assert (
        stages["grayscale"].shape
        == stages["inverted"].shape
        == stages["denoised"].shape
        == (200, 160)
    )
    top, left, bottom, right = steps.bounding_box
    assert stages["cropped"].shape == (bottom - top, right - left)
    assert steps.result is steps.centred
    for name in preprocess.STAGES[1:]:
        assert (
            stages[name].dtype == np.float32 and 0 <= stages[name].min() <= stages[name].max() <= 1
        ), name


def test_paper_grain_and_uneven_light_are_suppressed():
    rng = np.random.default_rng(0)
    clean = np.asarray(seven_on_paper(), dtype=np.float64)
    rows, cols = np.mgrid[0:200, 0:160]
    lighting = 1.0 - 0.3 * cols / 160  # a shadow across the page
    noisy = np.clip(clean * lighting * 0.9 + rng.normal(0, 6, clean.shape), 0, 255).astype(np.uint8)
    noisy[5, 5] = noisy[190, 150] = 0  # two specks of dust
    steps = to_mnist_steps(noisy)
    assert np.abs(steps.centred - to_mnist(seven_on_paper())).mean() < 0.03
    assert steps.bounding_box[0] > 30 and steps.bounding_box[2] < 150  # the specks were ignored


def test_large_pictures_are_shrunk_with_the_same_result():
    small = draw_seven(paper((200, 160)), (60, 40, 110, 140), width=8)
    large = small.resize((1600, 2000), Image.Resampling.NEAREST)
    assert to_mnist_steps(large).grayscale.shape == (512, 410)
    assert np.abs(to_mnist(large) - to_mnist(small)).mean() < 0.03


def test_exif_rotation_of_phone_photos_is_applied():
    upright = seven_on_paper()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    stored_sideways = encode(
        upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=exif
    )
    plain = encode(upright, "JPEG", quality=95)
    assert np.abs(to_mnist(stored_sideways) - to_mnist(plain)).mean() < 0.02


def test_every_kind_of_input_gives_the_same_digit(tmp_path):
    picture = seven_on_paper()
    pixels = np.asarray(picture)
    path = tmp_path / "seven.png"
    picture.save(path)
    expected = to_mnist(picture)
    inputs = {
        "path": path,
        "str path": str(path),
        "bytes": path.read_bytes(),
        "bytearray": bytearray(path.read_bytes()),
        "uint8": pixels,
        "uint8 (H, W, 1)": pixels[..., None],
        "uint8 RGB": np.repeat(pixels[..., None], 3, axis=2),
        "float": pixels / 255.0,
        "float32": (pixels / 255.0).astype(np.float32),
        "uint16": pixels.astype(np.uint16) * 257,
        "bool": pixels > 127,
        "RGB image": picture.convert("RGB"),
        "palette image": picture.convert("P"),
    }
    for name, value in inputs.items():
        np.testing.assert_allclose(to_mnist(value), expected, atol=0.02, err_msg=name)


def test_an_mnist_style_digit_passes_through_unchanged_in_shape_and_place():
    digit = to_mnist(seven_on_paper())
    again = to_mnist_steps(digit)
    assert not again.was_inverted
    assert np.abs(again.centred - digit).mean() < 0.02


def test_naive_preprocessing_keeps_0_255_pixels_and_no_inversion():
    naive = preprocess.naive_to_mnist(seven_on_paper())
    assert naive.shape == (28, 28) and naive.dtype == np.float32
    assert naive.max() == 255.0  # the page stays white: an MNIST model sees a bright square
    scaled = preprocess.naive_to_mnist(seven_on_paper(), scale=True)
    np.testing.assert_allclose(scaled, naive / 255.0, rtol=1e-6)


def test_centre_by_mass_never_pushes_ink_out_of_the_field():
    lopsided = np.zeros((20, 20), dtype=np.float32)
    lopsided[:, 0] = 1.0  # all the mass on the left edge
    field, (row, col) = preprocess.centre_by_mass(lopsided)
    assert field.sum() == pytest.approx(lopsided.sum())
    assert col == pytest.approx(8.0)  # as far right as the 20-wide digit can go


def test_centre_by_mass_of_a_digit_without_ink_raises_the_documented_error():
    with pytest.raises(ValueError, match="no ink"):
        preprocess.centre_by_mass(np.zeros((20, 12), dtype=np.float32))


def test_ink_bright_inverts_when_the_dark_side_strays_further_from_the_median():
    chalk = np.full((100, 100), 0.6, dtype=np.float32)  # white chalk on a mid-gray board
    chalk[40:50, 40:50] = 1.0
    image, was_inverted = preprocess.ink_bright(chalk)
    assert not was_inverted  # the median is above 0.5, but the ink is already bright
    np.testing.assert_array_equal(image, chalk)

    pen = np.full((100, 100), 0.9, dtype=np.float32)  # dark ink on a light page
    pen[40:50, 40:50] = 0.1
    image, was_inverted = preprocess.ink_bright(pen)
    assert was_inverted
    np.testing.assert_allclose(image, 1.0 - pen)

    gray_paper = np.full((100, 100), 0.4, dtype=np.float32)  # dark ink on gray paper
    gray_paper[40:50, 40:50] = 0.0
    assert preprocess.ink_bright(gray_paper)[1]  # inverted although the median is below 0.5


def test_a_faint_digit_on_grainy_paper_is_found_but_a_blank_grainy_page_is_not():
    rng = np.random.default_rng(2)
    faint = np.asarray(draw_seven(paper(level=200), (60, 40, 110, 140), ink=160), dtype=float)
    grainy = np.clip(faint + rng.normal(0, 4, faint.shape), 0, 255).astype(np.uint8)
    assert np.abs(to_mnist(grainy) - to_mnist(seven_on_paper())).mean() < 0.03
    blank = np.clip(200 + rng.normal(0, 4, faint.shape), 0, 255).astype(np.uint8)
    with pytest.raises(ImageError, match="no digit found"):
        to_mnist(blank)


def test_a_lighting_gradient_alone_is_a_blank_page():
    rows, cols = np.mgrid[0:200, 0:160]
    shaded = (250 - 60 * cols / 160 - 20 * (rows / 200) ** 2).astype(np.uint8)
    with pytest.raises(ImageError, match="no digit found") as caught:
        to_mnist(shaded)
    assert caught.value.reason == "blank"


@pytest.mark.parametrize("pen", [20, 60, 90])
def test_a_digit_filling_the_picture_is_never_taken_for_paper(pen):
    picture = draw_seven(paper((300, 300)), (0, 0, 299, 299), width=pen)  # no margin at all
    steps = to_mnist_steps(picture)
    assert steps.was_inverted
    top, left, bottom, right = steps.bounding_box
    assert top == 0 and left == 0 and bottom >= 290 and right >= 290
    ink = steps.denoised > 0.5
    drawn = np.asarray(picture) < 128
    assert (ink & drawn).sum() / drawn.sum() > 0.95  # no stroke was subtracted as background


def test_otsu_threshold_splits_two_levels_whatever_their_shares():
    for share in (0.01, 0.3, 0.7):
        values = np.where(np.arange(1000) < 1000 * share, 0.8, 0.2)
        assert 0.2 < preprocess.otsu_threshold(values) <= 0.8
    assert preprocess.otsu_threshold(np.full(10, 0.5)) == 0.5


def test_render_draws_the_digit_at_the_size_margin_and_polarity_asked():
    from course_utils import render

    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[4:24, 12:16] = 255  # a "1", 20 px high
    picture = render.render_digit(digit, size=100, margin=0.2, pen=0.1)
    assert picture.shape == (100, 100) and picture.dtype == np.uint8
    rows = np.flatnonzero((picture < 128).any(axis=1))
    assert rows[0] == pytest.approx(20, abs=2) and rows[-1] == pytest.approx(79, abs=2)
    light = render.render_digit(digit, size=100, margin=0.2, pen=0.1, dark_ink=False)
    assert picture[0, 0] > 200 and light[0, 0] < 50
    with pytest.raises(ValueError, match="margin"):
        render.render_digit(digit, margin=0.5)


# --- bad input ----------------------------------------------------------------------


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


NOISY_BLANK = np.clip(np.random.default_rng(1).normal(235, 5, (120, 90)), 0, 255).astype(np.uint8)

BAD_INPUTS = {
    "text bytes": (b"this is not a picture", "not an image", "not_an_image"),
    "empty bytes": (b"", "empty", "empty"),
    "truncated PNG": (truncated(encode(seven_on_paper())), "truncated", "truncated"),
    "truncated JPEG": (truncated(encode(seven_on_paper(), "JPEG")), "truncated", "truncated"),
    "white page": (encode(paper()), "no digit found", "blank"),
    "black page": (np.zeros((50, 50), dtype=np.uint8), "no digit found", "blank"),
    "blank paper with grain": (NOISY_BLANK, "no digit found", "blank"),
    "PNG claiming 8000 x 8000 pixels": (png_header_only(8000, 8000), "too large", "too_large"),
    "PNG claiming 50000 x 50000 pixels": (png_header_only(50000, 50000), "too large", "too_large"),
    "huge array": (np.broadcast_to(np.uint8(255), (7000, 7000)), "too large", "too_large"),
    "1-D array": (np.zeros(784, dtype=np.uint8), "shape", "bad_array"),
    "4-D array": (np.zeros((1, 28, 28, 1), dtype=np.uint8), "shape", "bad_array"),
    "two channels": (np.zeros((28, 28, 2), dtype=np.uint8), "shape", "bad_array"),
    "int64 array": (np.zeros((28, 28), dtype=np.int64), "dtype", "bad_array"),
    "complex array": (np.zeros((28, 28), dtype=np.complex64), "dtype", "bad_array"),
    "float 0-255": (np.full((28, 28), 200.0), "[0, 1]", "bad_array"),
    "float with NaN": (np.full((28, 28), np.nan), "NaN", "bad_array"),
    "empty array": (np.zeros((0, 10), dtype=np.uint8), "empty", "empty"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_raises_image_error_that_says_why(name):
    value, words, reason = BAD_INPUTS[name]
    with pytest.raises(ImageError, match=None) as caught:
        to_mnist(value)
    assert words.lower() in str(caught.value).lower(), str(caught.value)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_missing_file_raises_image_error(tmp_path):
    with pytest.raises(ImageError, match="no image file") as caught:
        to_mnist(tmp_path / "missing.png")
    assert caught.value.reason == "missing_file"


def test_every_image_error_has_a_known_reason():
    assert ImageError("x", reason="blank").reason == "blank"
    with pytest.raises(ValueError, match="reason must be one of"):
        ImageError("x", reason="odd")


@pytest.mark.parametrize("value", [[[0, 1], [1, 0]], 7, None])
def test_objects_that_are_not_pictures_raise_type_error(value):
    with pytest.raises(TypeError, match="expected an image"):
        to_mnist(value)


def relative_width(image):
    return preprocess.stroke_width(image) / max(image.shape)


@pytest.mark.parametrize("pen", [3, 10, 60, 90])  # a fine pen to a thick marker, 280 px high
def test_strokes_are_brought_into_mnists_range_of_widths(pen):
    steps = to_mnist_steps(draw_seven(paper((400, 400)), (100, 60, 260, 340), width=pen))
    before, after = relative_width(steps.cropped), relative_width(steps.thickened)
    low, high = preprocess.MIN_STROKE_WIDTH, preprocess.MAX_STROKE_WIDTH
    assert before == pytest.approx(pen / max(steps.cropped.shape), abs=0.01)
    assert low - 0.015 <= after <= high + 0.015, (before, after)
    if low <= before <= high:
        assert steps.thickened is steps.cropped


def test_an_mnist_like_pen_is_left_as_it_is():
    steps = to_mnist_steps(draw_seven(paper((400, 400)), (100, 60, 260, 340), width=42))
    assert (
        preprocess.MIN_STROKE_WIDTH <= relative_width(steps.cropped) <= preprocess.MAX_STROKE_WIDTH
    )
    assert steps.thickened is steps.cropped


def test_a_digit_less_than_half_mnists_box_keeps_its_strokes():
    tiny = draw_seven(paper((40, 40)), (16, 16, 21, 22), width=3)  # 9 pixels high
    steps = to_mnist_steps(tiny)
    assert max(steps.cropped.shape) < preprocess.DIGIT_BOX // 2
    assert steps.thickened is steps.cropped


@pytest.mark.parametrize("angle", [0, 30, 45, 90])
def test_stroke_width_does_not_depend_on_the_strokes_direction(angle):
    bar = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(bar).rectangle((40, 94, 160, 105), fill=255)  # 12 pixels wide
    turned = np.asarray(bar.rotate(angle, resample=Image.Resampling.BILINEAR)) / 255.0
    assert preprocess.stroke_width(turned) == pytest.approx(12, rel=0.1)


def test_stroke_width_of_a_drawn_bar():
    bar = np.zeros((100, 100), dtype=np.float32)
    bar[10:90, 40:46] = 1.0  # 6 pixels wide, 80 long
    assert preprocess.stroke_width(bar) == pytest.approx(6, rel=0.1)
    assert preprocess.stroke_width(np.zeros((5, 5))) == 0.0


# --- robustness: real MNIST digits drawn as pictures of every kind ----------------------

# (size in pixels, margin, pen, dark ink on light paper?, blur, JPEG quality). The pen is
# the stroke width over the digit's longer side (None: MNIST's own strokes); blur is a
# Gaussian's width over the digit's longer side. A 40-pixel picture with a 40% margin holds
# an 8-pixel digit, too small to read back: lesson 08 shows it; here the smallest is 12 px.
FINE, MNIST_PEN, MARKER = 0.03, None, 0.2
PICTURES = [
    (40, 0.0, FINE, True, 0.0, None),
    (40, 0.0, MARKER, False, 0.0, 75),
    (40, 0.15, MNIST_PEN, True, 0.015, None),
    (40, 0.3, MARKER, True, 0.0, None),
    (100, 0.0, MNIST_PEN, False, 0.0, None),
    (100, 0.15, MARKER, True, 0.015, 75),
    (100, 0.3, FINE, False, 0.0, 75),
    (100, 0.4, MNIST_PEN, True, 0.0, None),
    (200, 0.0, MARKER, True, 0.0, None),
    (200, 0.0, FINE, False, 0.015, None),
    (200, 0.15, FINE, True, 0.0, 60),
    (200, 0.3, MNIST_PEN, False, 0.015, 75),
    (200, 0.4, MARKER, False, 0.0, None),
    (600, 0.0, MARKER, False, 0.015, 75),
    (600, 0.0, MNIST_PEN, True, 0.0, 60),
    (600, 0.15, FINE, False, 0.0, None),
    (600, 0.3, MARKER, True, 0.0, 75),
    (600, 0.4, FINE, True, 0.015, 75),
]


def picture_id(case):
    size, margin, pen, dark_ink, blur, jpeg = case
    pens = {FINE: "fine pen", MNIST_PEN: "MNIST pen", MARKER: "thick marker"}
    return (
        f"{size}px-margin{margin:.0%}-{pens[pen].replace(' ', '_')}-"
        f"{'dark' if dark_ink else 'light'}_ink{'-blur' if blur else ''}{f'-jpeg{jpeg}' if jpeg else ''}"
    )


@pytest.fixture(scope="module")
def real_digits(digit_model):
    """One real MNIST test digit per class that the small CNN reads confidently (p >= 0.95).

    Returns ``(digits (10, 28, 28) uint8, predictions (10,), shapes {pen: [drawn digit]})``.
    """
    import warnings

    from course_utils import data, keras_cnn, render

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", data.MnistSampleWarning)
        _, (x_test, y_test) = data.load_mnist(download=False, verbose=False)
    x, y = data.take(x_test, y_test, 200, seed=3)
    probs = keras_cnn.predict_in_batches(digit_model, x)
    chosen = [
        int(np.flatnonzero((y == digit) & (probs.max(axis=1) >= 0.95) & (probs.argmax(1) == y))[0])
        for digit in range(10)
    ]
    digits = x[chosen]
    shapes = {
        pen: [render.digit_shape(d, pen) for d in digits] for pen in (FINE, MNIST_PEN, MARKER)
    }
    return digits, probs[chosen].argmax(axis=1), shapes


def mnist_centred(digit):
    """The digit as MNIST defines it: cropped to its ink, longer side 20, centred by mass."""
    digit = np.asarray(digit, dtype=np.float32) / 255.0
    top, left, bottom, right = preprocess.ink_bounding_box(digit > 0.1)
    return preprocess.centre_by_mass(preprocess.fit_to_box(digit[top:bottom, left:right]))[0]


# Each digit read back must correlate (after a 1-pixel blur) with the MNIST digit it was
# drawn from by at least 0.6: redrawing a digit with another pen changes its strokes (a
# perfect pipeline reaches 0.69 with the fine pen, 0.80 with the marker, 0.93 with MNIST's),
# and by at least 0.85 with the drawn digit itself, fitted and centred without a picture
# (measured: 0.89-1.0).


def correlation(a, b):
    """Pearson correlation of two images, each blurred by 1 pixel (a stroke's width may differ)."""
    from scipy import ndimage

    a, b = (ndimage.gaussian_filter(np.asarray(v, np.float64), 1.0).ravel() for v in (a, b))
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("case", PICTURES, ids=picture_id)
def test_a_real_digit_drawn_any_size_margin_and_pen_comes_back_as_itself(
    case, real_digits, digit_model
):
    from course_utils import keras_cnn, render

    size, margin, pen, dark_ink, blur, jpeg = case
    digits, expected, shapes = real_digits
    prepared = []
    for i, shape in enumerate(shapes[pen]):
        picture = render.picture_of_shape(
            shape, size=size, margin=margin, dark_ink=dark_ink, blur=blur, jpeg_quality=jpeg, seed=i
        )
        assert picture.shape == (size, size)
        prepared.append(to_mnist(picture))
    to_original = [
        correlation(out, mnist_centred(d)) for out, d in zip(prepared, digits, strict=True)
    ]
    assert min(to_original) >= 0.6, np.round(to_original, 2)
    ideal = [
        preprocess.centre_by_mass(preprocess.fit_to_box(preprocess.normalise_strokes(s)))[0]
        for s in shapes[pen]
    ]
    to_ideal = [correlation(out, best) for out, best in zip(prepared, ideal, strict=True)]
    assert min(to_ideal) >= 0.85, np.round(to_ideal, 2)
    predicted = keras_cnn.predict_in_batches(digit_model, np.stack(prepared)).argmax(axis=1)
    np.testing.assert_array_equal(predicted, expected, err_msg=picture_id(case))


def test_pictures_and_readings_figure_has_two_rows_and_saves(tmp_path, monkeypatch):
    from course_utils import plotting, render

    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path))
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[4:24, 12:16] = 255
    pictures = [render.render_digit(digit, size=size, pen=0.1) for size in (40, 120)]
    prepared = np.stack([to_mnist(p) for p in pictures])
    fig = plotting.pictures_and_readings(
        pictures, prepared, ["40 px", "120 px"], [1, 7], 1, save_as="readings"
    )
    assert len(fig.axes) == 4
    assert fig.axes[3].get_title() == "reads 7"
    assert (tmp_path / "readings.png").is_file()
    with pytest.raises(ValueError, match="as many pictures"):
        plotting.pictures_and_readings(pictures, prepared, ["one caption"], [1, 7])


# --- the plain steps lesson 08 shows in its cells ----------------------------------------------


def test_the_steps_called_one_by_one_give_what_to_mnist_steps_gives():
    picture = preprocess.load_image(encode(seven_on_paper()))
    gray = preprocess.grayscale(picture)
    ink, was_inverted = preprocess.ink_bright(gray)
    clean = preprocess.suppress_noise(ink)
    top, left, bottom, right = preprocess.ink_bounding_box(clean)
    thickened = preprocess.normalise_strokes(clean[top:bottom, left:right])
    centred, _ = preprocess.centre_by_mass(preprocess.fit_to_box(thickened))
    steps = to_mnist_steps(encode(seven_on_paper()))
    assert was_inverted and steps.was_inverted
    np.testing.assert_array_equal(centred, steps.centred)


def test_remove_specks_keeps_the_largest_blob_and_drops_dust():
    image = np.zeros((40, 40), dtype=np.float32)
    image[5:35, 18:22] = 1.0  # a stroke of 120 pixels
    image[2, 2] = 0.8  # one pixel of dust: under 2% of the stroke
    image[30:34, 30:34] = 0.5  # a blob of 16 pixels: kept
    out = preprocess.remove_specks(image)
    assert out[2, 2] == 0 and out[5:35, 18:22].min() == 1.0 and out[30:34, 30:34].min() == 0.5


@pytest.mark.parametrize("radius", [1.0, 2.5])
def test_widening_and_narrowing_change_a_bar_by_twice_the_radius(radius):
    bar = np.zeros((60, 60), dtype=np.float32)
    bar[10:50, 26:34] = 1.0  # 8 pixels wide
    width = preprocess.stroke_width(bar)
    wide = preprocess.widen_strokes(bar, radius)
    narrow = preprocess.narrow_strokes(bar, radius)
    assert wide.shape == (60 + 2 * (int(np.ceil(radius)) + 1),) * 2
    # the distance is taken to the centre of the nearest ink pixel, whose edge lies half a
    # pixel further out: widening by r adds r - 0.5 of ink on each side, as it is today
    assert preprocess.stroke_width(wide) == pytest.approx(width + 2 * radius - 1, abs=1.0)
    assert preprocess.stroke_width(narrow) == pytest.approx(width - 2 * radius, abs=1.0)


def test_measure_ink_finds_the_contrast_and_refuses_a_flat_page():
    page = np.zeros((100, 100), dtype=np.float32)
    page[20:80, 45:55] = 0.6
    level, grain, contrast = preprocess.measure_ink(page)
    assert level == pytest.approx(0.0) and grain == pytest.approx(0.0)
    assert contrast == pytest.approx(0.6)
    with pytest.raises(ImageError) as raised:
        preprocess.measure_ink(np.full((100, 100), 0.05, dtype=np.float32))
    assert raised.value.reason == "blank"
