"""For lecturers: slide defaults, offline reveal.js decks of every lesson (opened in
headless Chromium), student copies that run, and one lecturer's page per lesson."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys

import nbformat
import pytest

from course_utils.paths import notebooks_dir, repo_root
from course_utils.tools import nbclean, slides
from course_utils.tools.lessons import LESSONS

NAMES = [item.name for item in LESSONS]
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def _lesson(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def tiny_lesson():
    return _lesson(
        md("# Lesson 99: a title\n\n**What you will learn**\n- one thing"),
        md("## Setup"),
        code("import numpy as np"),
        md("The parameters:"),
        code("NUM_EPOCHS = 1", metadata={"tags": ["parameters"]}),
        md("## 1. A section"),
        code("print(1)"),
        md("What that printed."),
        code('plotting.digit_grid(x, y, save_as="99_grid");'),
        md("### Exercise 1"),
        code("def f(x):\n    return x + 1\n\n\nex.f.check(f)"),
        code("ex.f.solution()"),
        md("An explicit fragment.", metadata={"slideshow": {"slide_type": "fragment"}}),
        md("## Summary"),
        code("record(accuracy=1.0)"),
    )


def test_default_slide_types_follow_headings_and_skip_setup_parameters_record_and_solutions():
    assert slides.default_slide_types(tiny_lesson()) == [
        "slide", "skip", "skip", "skip", "skip",   # title; the setup section and parameters
        "slide", "-", "subslide", "subslide",      # a section; explanation after code; a figure
        "subslide", "-", "skip",                   # exercise heading, its cell; no solution() call
        "fragment",                                # explicit metadata wins
        "slide", "skip",                           # summary; record() becomes the closing table
    ]  # fmt: skip


def test_mark_writes_defaults_once_and_keeps_explicit_metadata(tmp_path):
    path = tmp_path / "99_tiny.ipynb"
    nbformat.write(tiny_lesson(), str(path))
    assert slides.mark(path) == len(tiny_lesson().cells) - 1
    marked = nbformat.read(str(path), as_version=4)
    assert [
        c.metadata["slideshow"]["slide_type"] for c in marked.cells
    ] == slides.default_slide_types(tiny_lesson())
    text = path.read_text()
    assert slides.mark(path) == 0 and path.read_text() == text, "a second --mark changes nothing"


def test_clean_notebooks_keep_slide_metadata_and_drop_other_cell_metadata():
    notebook = _lesson(
        md("# T", metadata={"slideshow": {"slide_type": "slide"}, "collapsed": True}),
        code(
            "x = 1",
            metadata={
                "slideshow": {"slide_type": "skip"},
                "tags": ["parameters"],
                "scrolled": True,
            },
        ),
    )
    cleaned = nbclean.cleaned(notebook)
    assert cleaned.cells[0].metadata == {"slideshow": {"slide_type": "slide"}}
    assert cleaned.cells[1].metadata == {
        "slideshow": {"slide_type": "skip"},
        "tags": ["parameters"],
    }


def test_formulas_become_mathml_and_code_spans_stay():
    text = slides.math_to_mathml("Slope $w$, loss $$\\frac{1}{N}\\sum_i e_i^2$$ and `cost = $5`.")
    assert text.count("<math") == 2 and 'display="block"' in text
    assert "`cost = $5`" in text and "$" not in text.replace("`cost = $5`", "")
    assert "http" not in text


def test_deck_notebook_trims_long_code_and_shows_saved_figures(tmp_path):
    from PIL import Image

    figures = tmp_path / "figures"
    figures.mkdir()
    Image.new("RGB", (20, 10), "white").save(figures / "99_grid.png")
    notebook = tiny_lesson()
    notebook.cells[6].source = "\n".join(f"x{i} = {i}" for i in range(40))
    deck = slides.deck_notebook(notebook, figures=figures)
    sources = [c.source for c in deck.cells]
    assert "import numpy as np" not in sources and "ex.f.solution()" not in sources
    long = next(c for c in deck.cells if c.source.startswith("x0 = 0"))
    assert (
        len(long.source.split("\n")) == slides.MAX_CODE_LINES
        and "more lines in the notebook" in long.source
    )
    figure = next(c for c in deck.cells if "save_as" in c.source)
    assert "image/png" in figure.outputs[0]["data"]


def test_missing_reveal_says_what_to_install(monkeypatch):
    monkeypatch.setattr(slides.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(slides.MissingPackage, match=r"pip install -e \"\.\[slides\]\""):
        slides.reveal_source()


# --- student copies -----------------------------------------------------------------------


def test_stub_source_empties_an_answer_and_keeps_a_stub_as_written():
    answer = 'def f(x):\n    """Doc."""\n    y = x + 1\n    return y\n\n\nex.f.check(f)'
    assert (
        slides.stub_source(answer)
        == 'def f(x):\n    """Doc."""\n    ...  # your code here\n\n\nex.f.check(f)'
    )
    stub = "def f(x):\n    ...  # your code here: return x + 1\n\n\nex.f.check(f)"
    assert slides.stub_source(stub) == stub


@pytest.mark.parametrize("name", NAMES)
def test_student_copy_has_no_solution_and_only_stubs(name):
    source = nbformat.read(str(notebooks_dir() / f"{name}.ipynb"), as_version=4)
    student = slides.student_notebook(source)
    assert len(student.cells) == len(source.cells)
    if any(slides._CHECK.search(c.source) for c in source.cells if c.cell_type == "code"):
        switched_on = [c for c in student.cells if slides.CLASS_MODE.strip() in c.source]
        assert len(switched_on) == 1, f"{name}: class mode switched on {len(switched_on)} times"
    for cell in student.cells:
        assert ".solution(" not in cell.source, (
            f"{name}: a solution is still pointed at: {cell.source[:120]}"
        )
        if cell.cell_type == "code" and slides._CHECK.search(cell.source):
            assert slides.stub_source(cell.source) == cell.source


@pytest.mark.slow
def test_student_copies_run_top_to_bottom_with_exercises_not_attempted(tmp_path):
    import papermill

    from course_utils.tools import run

    run._register_engine()
    for path in slides.write_student_copies(tmp_path / "class", ["01", "02", "03"]):
        out = tmp_path / path.name
        papermill.execute_notebook(
            str(path), str(out), kernel_name=run.KERNEL_NAME, engine_name=run.ENGINE_NAME,
            cwd=str(path.parent), progress_bar=False, execution_timeout=300,
        )  # fmt: skip
        executed = nbformat.read(str(out), as_version=4)
        checks = [
            c for c in executed.cells if c.cell_type == "code" and slides._CHECK.search(c.source)
        ]
        assert checks, f"{path.name}: no exercise found"
        assert any("hide_solutions()" in c.source for c in executed.cells), (
            f"{path.name}: no class mode"
        )
        for cell in checks:
            printed = "".join(o.get("text", "") for o in cell.outputs)
            assert "not attempted" in printed, (
                f"{path.name}: {cell.source.splitlines()[0]} printed {printed!r}"
            )


# --- the decks, in a browser --------------------------------------------------------------

_URL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//"""
)


@pytest.fixture(scope="session")
def decks(fast_course, tmp_path_factory):
    """Every lesson's deck, built from this session's fast runs."""
    try:
        slides.reveal_source()
    except slides.MissingPackage as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    runs = fast_course.all()
    failed = {name for name, run in runs.items() if run.status != "ok"}
    out = tmp_path_factory.mktemp("slides")
    paths = slides.build_decks(NAMES, build=fast_course.root, out=out)
    return {path.stem: path for path in paths}, failed


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_deck_opens_offline_with_slides_and_images(name, decks, offline_page):
    paths, failed = decks
    path = paths[name]
    text = path.read_text()
    assert not _URL.search(text), (
        f"{path.name} loads something from the network: {_URL.search(text).group(0)}"
    )
    named = set(re.findall(r"https?://([^/:\s\"'<>)]+)", text)) - {"127.0.0.1", "localhost"}
    assert not named, (
        f"{path.name} names web addresses (only the lesson's own 127.0.0.1 ones may appear): {named}"
    )
    page = offline_page
    page.goto(path.as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=15000)
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total >= 5, f"{name}: {total} slides"
    images = page.evaluate(
        "[...document.images].map(i => [i.complete && i.naturalWidth > 0, i.alt])"
    )
    assert all(ok for ok, _ in images), f"{name}: images that did not load: {images}"
    source = nbformat.read(str(notebooks_dir() / f"{name}.ipynb"), as_version=4)
    if name not in failed and any(
        "save_as=" in c.source for c in source.cells if c.cell_type == "code"
    ):
        assert images, f"{name} saves figures but its deck shows none"
    prose = [
        re.sub(r"```.*?```|`[^`]*`", "", c.source, flags=re.S)  # code is not math ($PWD)
        for c in source.cells
        if c.cell_type == "markdown"
    ]
    if any("$" in text for text in prose):
        assert page.evaluate("document.querySelectorAll('.slides math').length") > 0, (
            f"{name}: no formula drawn"
        )
        assert "COURSEMATH" not in text
    assert page.course_errors == [], f"{name}: {page.course_errors}"


def test_decks_ship_reveal_and_nothing_from_a_cdn(tmp_path):
    try:
        folder = slides.copy_reveal(tmp_path)
    except slides.MissingPackage as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    for name in (
        "dist/reveal.js",
        "dist/reveal.css",
        f"dist/theme/{slides.THEME}.css",
        "plugin/notes/notes.js",
    ):
        assert (folder / name).is_file(), name
    css = (folder / f"dist/theme/{slides.THEME}.css").read_text()
    assert not re.search(r"@import\s+url\(\s*[\"']?https?:", css), (
        "the theme must not load web fonts"
    )


# --- the lecturers' pages -----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_lesson_has_a_lecturer_page_with_plans_and_its_exercises(name):
    from course_utils.exercises import Exercise
    from course_utils.tools import lecturer_notes

    path = repo_root() / "lecturers" / f"{name}.md"
    assert path.is_file(), (
        f"missing {path}; write it, then: python -m course_utils.tools.slides --lecturer-notes {name[:2]}"
    )
    text = path.read_text()
    for needed in (
        "45-minute",
        "90-minute",
        "--fast",
        "Questions",
        lecturer_notes.BEGIN,
        lecturer_notes.END,
    ):
        assert needed in text, f"{path.name} lacks {needed!r}"
    try:
        module = importlib.import_module(f"course_utils.exercises.lesson{name[:2]}")
    except ModuleNotFoundError:  # lesson 00 has no exercises
        return
    for exercise in [v for v in vars(module).values() if isinstance(v, Exercise)]:
        assert f"`{exercise.name}`" in text, (
            f"{path.name} does not cover the exercise {exercise.name}"
        )


def test_lecturer_notes_need_neither_pytest_nor_the_tests(tmp_path):
    """The package does not run its test suite: the mistakes come from the importable catalogue."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pytest' or name.startswith(('_pytest', 'tests')):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from course_utils.tools import lecturer_notes\n"
        "mistakes = lecturer_notes.harvest()\n"
        "print(len(mistakes), len({m.lesson for m in mistakes}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    count, lessons = map(int, result.stdout.split()[-2:])
    assert count >= 200 and lessons >= 9, result.stdout
