"""What a learner sees in JupyterLab: lessons 01, 02 and 08 run in headless Chromium.

A JupyterLab server (tests/lab.py) serves copies of the lessons with their fast
parameters; ``COURSE_BUILD_DIR`` points into the temporary folder and
``COURSE_FIGURES_DIR`` is unset, as for a learner, so the test also checks that
running the lessons changes no file tracked by git. Each test opens a lesson,
runs every cell with Run → Run All Cells, and uses its apps with real mouse and
keyboard events. Screenshots and the Run All times are written to
``$COURSE_BROWSER_ARTIFACTS`` (default: a temporary folder), in ``run-all-times.json``.

Skip them locally with ``-m "not browser"``; CI runs them (``tests/conftest.py``'s
``browser`` fixture fails there when Chromium is missing).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from lab import JupyterLab, Notebook, git_status, prepare_lesson

from course_utils.sample_digits import load_samples

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The lessons' start-up noise that must not reach a learner's notebook.
TENSORFLOW_NOISE = re.compile(r"absl::InitializeLog|oneDNN|cuInit|cuda drivers|cpu_feature_guard")

#: Strokes in the pad's 280x280 pixels, as a learner would draw them.
SEVEN = [[(70, 60), (210, 60), (130, 235)]]
ONE = [[(140, 45), (140, 235)]]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("COURSE_BROWSER_ARTIFACTS") or tmp_path_factory.mktemp("browser"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts):
    """JupyterLab serving lessons 01, 02 and 08 prepared with their fast parameters."""
    from course_utils.paths import repo_root

    root = tmp_path_factory.mktemp("lab")
    lessons = root / "lessons"
    lessons.mkdir()
    for name in ("01", "02", "08"):
        prepare_lesson(name, lessons)
    before = git_status(repo_root())
    with JupyterLab(lessons, env={"COURSE_BUILD_DIR": str(root / "build")}) as server:
        server.times = {}
        yield server
    (artifacts / "run-all-times.json").write_text(json.dumps(server.times, indent=2))
    assert git_status(repo_root()) == before, "running the lessons changed files tracked by git"


def _open_and_run(
    offline_page, lab, filename: str, artifacts: Path, timeout_s: float = 180
) -> Notebook:
    notebook = Notebook(offline_page, lab, filename).open()
    seconds = notebook.run_all(timeout_s=timeout_s)
    lab.times[filename] = round(seconds, 1)
    print(f"{filename}: Run All took {seconds:.1f} s")
    stderr = "\n".join(notebook.errors_in_outputs())
    assert not TENSORFLOW_NOISE.search(stderr), (
        f"TensorFlow's start-up lines in {filename}:\n{stderr[:2000]}"
    )
    offline_page.screenshot(path=str(artifacts / f"{filename}-ran.png"))
    return notebook


def _drag_slider(page, app, dx: float) -> None:
    handle = app.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x + dx * step / 5, y)
    page.mouse.up()


def _image_src(app) -> str:
    return app.locator(".widget-output img").first.get_attribute("src") or ""


def _check_slider_app(page, notebook, source: str, label: str, artifacts: Path, name: str) -> None:
    cell = notebook.cell_with(source)
    app = cell.locator(".widget-vbox").filter(has=page.locator(".widget-slider")).first
    app.scroll_into_view_if_needed()
    summary = app.locator(".widget-label", has_text=re.compile(label)).first
    before_text, before_image = summary.inner_text(), _image_src(app)
    assert before_image, f"{name}: the app shows no figure"
    page.screenshot(path=str(artifacts / f"{name}-slider-before.png"))

    _drag_slider(page, app, 80)  # the mouse
    page.wait_for_function(
        "([el, old]) => el.textContent !== old",
        arg=[summary.element_handle(), before_text],
        timeout=20_000,
    )
    page.wait_for_function(
        "([app, old]) => { const img = app.querySelector('.widget-output img'); return img && img.src !== old; }",
        arg=[app.element_handle(), before_image],
        timeout=20_000,
    )
    page.screenshot(path=str(artifacts / f"{name}-slider-after.png"))
    after_mouse = summary.inner_text()

    app.locator(".noUi-handle").first.focus()  # the keyboard
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "([el, old]) => el.textContent !== old",
        arg=[summary.element_handle(), after_mouse],
        timeout=20_000,
    )


def test_lesson01_learning_rate_slider_redraws(offline_page, lab, artifacts):
    notebook = _open_and_run(offline_page, lab, "01_linear_regression_gd.ipynb", artifacts)
    _check_slider_app(
        offline_page, notebook, "learning_rate_app(", r"^learning rate [\d.]+:", artifacts, "01"
    )
    assert offline_page.course_errors == []


def test_lesson02_temperature_slider_redraws(offline_page, lab, artifacts):
    notebook = _open_and_run(offline_page, lab, "02_activations.ipynb", artifacts)
    _check_slider_app(
        offline_page, notebook, "softmax_temperature_app(", r"^T = [\d.]+:", artifacts, "02"
    )
    assert offline_page.course_errors == []


# --- lesson 08: the drawing pad and the upload app ------------------------------------------

BLANK_CANVAS = """(canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 250) return false;
    return true;
}"""

BLANK_IMAGE = """(img) => {
    if (!img.complete || img.naturalWidth === 0) return false;  // a broken image is not blank
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 250) return false;
    return true;
}"""


def _broken_images(page) -> list[str]:
    """The images in the notebook's outputs that the browser could not show."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.jp-OutputArea img')]
            .filter(img => img.complete && img.naturalWidth === 0).map(img => img.outerHTML.slice(0, 80))"""
    )


def _draw(page, canvas, strokes) -> None:
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        for x1, y1 in rest:
            page.mouse.move(box["x"] + x1, box["y"] + y1, steps=12)
        page.mouse.up()


def _wait_for_text(page, locator, pattern: str, timeout_ms: int = 20_000) -> str:
    """Wait until ``locator``'s text matches the regular expression ``pattern``; return the text."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "([el, pattern]) => new RegExp(pattern).test(el.textContent)",
            arg=[locator.element_handle(), pattern],
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        raise AssertionError(
            f"expected text matching {pattern!r} within {timeout_ms / 1000:.0f} s, "
            f"the app shows {locator.inner_text()!r}"
        ) from None
    return locator.inner_text()


def test_lesson08_pad_and_upload_work_and_survive_a_reload(offline_page, lab, artifacts, tmp_path):
    page = offline_page
    notebook = _open_and_run(page, lab, "08_your_own_digits.ipynb", artifacts, timeout_s=300)

    pad_cell = notebook.cell_with("handwriting.DrawingPad(")
    canvas = pad_cell.locator("canvas.course-pad")
    result = pad_cell.locator(".widget-html").last
    preview = pad_cell.locator(".widget-image").first
    border = canvas.evaluate(
        "c => getComputedStyle(c).borderTopWidth + ' ' + getComputedStyle(c).borderTopStyle"
    )
    assert border.startswith(("2px solid", "1px solid")), (
        f"the pad needs a visible frame, got {border}"
    )
    # the lesson's next cell draws a 7 from Python (pad.draw): the pad shows that ink
    assert "Prediction: 7" in result.inner_text()
    assert not canvas.evaluate(BLANK_CANVAS), "the strokes drawn by pad.draw() show on the canvas"
    assert _broken_images(page) == []

    clear = pad_cell.get_by_role("button", name="Clear")
    clear.click()
    _wait_for_text(page, result, "Draw a digit in the box")
    page.wait_for_function(BLANK_CANVAS, arg=canvas.element_handle(), timeout=10_000)
    page.wait_for_function(BLANK_IMAGE, arg=preview.element_handle(), timeout=10_000)
    page.screenshot(path=str(artifacts / "08-pad-cleared.png"))

    _draw(page, canvas, ONE)
    _wait_for_text(page, result, "Prediction: 1")
    clear.click()
    _wait_for_text(page, result, "Draw a digit in the box")
    _draw(page, canvas, SEVEN)
    _wait_for_text(page, result, "Prediction: 7")
    assert not preview.evaluate(BLANK_IMAGE)
    page.screenshot(path=str(artifacts / "08-pad-seven.png"))

    # the upload app: a sample picture through the file chooser, then a file that is no picture
    upload_cell = notebook.cell_with("handwriting.UploadApp(")
    upload_result = upload_cell.locator(".widget-html").last
    upload_preview = upload_cell.locator(".widget-image").first
    sample = load_samples(["pen_on_paper"])[7]
    with page.expect_file_chooser() as chooser:
        upload_cell.get_by_role("button", name=re.compile("Upload a digit")).click()
    chooser.value.set_files(str(sample.path))
    _wait_for_text(page, upload_result, "Prediction: 7")
    page.screenshot(path=str(artifacts / "08-upload-seven.png"))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    with page.expect_file_chooser() as chooser:
        upload_cell.get_by_role("button", name=re.compile("Upload a digit")).click()
    chooser.value.set_files(str(notes))
    assert "notes.txt" in _wait_for_text(page, upload_result, "not an image")
    page.wait_for_function(BLANK_IMAGE, arg=upload_preview.element_handle(), timeout=10_000)
    assert page.course_errors == []

    # reload the saved notebook with the kernel still running: the pad shows its ink and still works
    notebook.save()
    page.reload()
    notebook.wait_for_kernel()
    pad_cell = notebook.cell_with("handwriting.DrawingPad(")
    canvas = pad_cell.locator("canvas.course-pad")
    result = pad_cell.locator(".widget-html").last
    canvas.wait_for(timeout=30_000)
    page.wait_for_function(
        f"c => !({BLANK_CANVAS})(c)", arg=canvas.element_handle(), timeout=10_000
    )
    canvas.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "08-pad-reloaded.png"))
    pad_cell.get_by_role("button", name="Clear").click()
    page.wait_for_function(BLANK_CANVAS, arg=canvas.element_handle(), timeout=10_000)
    _draw(page, canvas, ONE)
    _wait_for_text(page, result, "Prediction: 1")
    page.screenshot(path=str(artifacts / "08-pad-after-reload.png"))
    assert page.course_errors == []
