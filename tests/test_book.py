"""The book (python -m course_utils.tools.book): built from the fast run, read offline in Chromium.

The browser tests build the book once per session from ``fast_course`` (the lessons'
fast runs, shared with test_notebooks.py), serve it on 127.0.0.1 and load every page
with every request to anything but loopback blocked.
"""

import contextlib
import functools
import http.server
import json
import re
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils.tools import book
from course_utils.tools.lessons import LESSONS, lesson

MATH_LESSONS = ["01_linear_regression_gd", "02_activations", "03_losses"]
PAGE_TIMEOUT_MS = 20_000
# Sphinx 9 warns that the theme and MyST use an API it will remove in Sphinx 11.
pytestmark = pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")


# --- without a browser ------------------------------------------------------------------


def test_without_a_run_the_command_says_which_command_to_run_first(tmp_path, capsys):
    status = book.main(["--build-dir", str(tmp_path)])
    error = capsys.readouterr().err
    assert status == 2
    assert "python -m course_utils.tools.run --fast" in error and "found none" in error
    assert not (tmp_path / "book").exists()


def test_a_results_file_without_executed_notebooks_is_no_run(tmp_path):
    (tmp_path / "results-full.json").write_text(json.dumps({"mode": "full", "lessons": []}))
    with pytest.raises(book.NoRunError, match="full run"):
        book.find_run(tmp_path, "full")


def _fake_run(tmp_path, mode):
    results, executed = book.RUNS[mode]
    (tmp_path / executed).mkdir(parents=True)
    (tmp_path / executed / "00_setup_and_mnist.ipynb").write_text("{}")
    (tmp_path / results).write_text(json.dumps({"mode": mode, "lessons": []}))


def test_the_latest_run_is_chosen_unless_one_is_asked_for(tmp_path):
    _fake_run(tmp_path, "full")
    time.sleep(0.05)
    _fake_run(tmp_path, "fast")
    assert book.find_run(tmp_path).mode == "fast"
    assert book.find_run(tmp_path, "full").executed == tmp_path / "executed"
    with pytest.raises(ValueError, match="expected 'latest', 'full' or 'fast', got 'slow'"):
        book.find_run(tmp_path, "slow")


def test_a_lesson_page_hides_solutions_and_widgets_and_frames_exercises():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Lesson 02: Activations\n\n**Time:** 2 s"),
            new_code_cell(
                "def relu(z):\n    ...\n\n\nex.relu.check(relu)",
                outputs=[new_output("stream", name="stdout", text="Not attempted yet.\n")],
            ),
            new_code_cell(
                "ex.relu.solution()",
                outputs=[
                    new_output("stream", name="stdout", text="def relu(z):\n    return SECRET\n")
                ],
            ),
            new_code_cell("# ex.relu.solution()  (commented out)\nprint(1)"),
            new_code_cell(
                "app",
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                            "text/plain": "VBox()",
                        },
                    )
                ],
            ),
        ],
        metadata={"widgets": {"state": {}}},
    )
    page = book.prepare_lesson(
        nb, lesson("02"), {"status": "failed", "error": "cell 3: boom"}, "downloads/x.ipynb", "c"
    )
    text = json.dumps(page)
    assert "SECRET" not in text and "not printed in the book" in text
    assert book.EXERCISE_TAG in page.cells[2].metadata.tags
    assert book.EXERCISE_TAG not in page.cells[4].metadata.get("tags", [])
    assert "downloads/x.ipynb" in page.cells[1].source
    assert "cell 3: boom" in page.cells[1].source
    assert (
        "widgets" not in page.metadata
        and "widget-view" not in text
        and "live Python kernel" in text
    )
    assert "SECRET" in json.dumps(nb), "the executed notebook itself is not changed"


def test_readme_sections_and_lesson_summaries_are_read_from_the_readme():
    readme = (Path(book.__file__).resolve().parents[2] / "README.md").read_text()
    title, sections = book.readme_sections(readme)
    assert title and "MNIST_PATH" in book._section(sections, "How the course finds MNIST")
    assert book._section(sections, "For lecturers").strip()
    assert set(book.lesson_summaries(readme)) == {item.number for item in LESSONS}


def test_a_cell_that_saved_a_figure_shows_it_when_the_run_drew_none(tmp_path):
    (tmp_path / "02_softmax.png").write_bytes(b"\x89PNG fake")
    cells = [
        new_code_cell('plotting.softmax(z, save_as="02_softmax");'),
        new_code_cell('plotting.other(z, save_as="02_missing")'),
        new_code_cell(
            'plotting.drawn(z, save_as="02_softmax")',
            outputs=[
                new_output("display_data", data={"image/png": "aW5saW5l", "text/plain": "<Figure>"})
            ],
        ),
    ]
    page = book.prepare_lesson(
        new_notebook(cells=[new_markdown_cell("# Title")] + cells),
        lesson("02"),
        None,
        "d.ipynb",
        "c",
        [tmp_path],
    )
    attached, missing, drawn = page.cells[2:]
    assert [o.data["text/plain"] for o in attached.outputs] == ["<02_softmax.png>"]
    assert missing.outputs == [] and len(drawn.outputs) == 1, (
        "no file: nothing; an inline figure: kept alone"
    )


def test_a_progress_bar_shows_its_last_state_as_in_a_terminal():
    prints = ["\repoch 1:   0%", "\repoch 1:  50%", "\repoch 1: 100%\n", "loss 0.1\r\n"]
    cell = new_code_cell(
        "network.fit(...)", outputs=[new_output("stream", name="stderr", text=t) for t in prints]
    )
    cell.outputs.insert(3, new_output("stream", name="stdout", text="between\n"))
    nb = new_notebook(cells=[new_markdown_cell("# Title"), cell])
    page = book.prepare_lesson(nb, lesson("06"), None, "d.ipynb", "c")
    assert [(o.name, o.text) for o in page.cells[2].outputs] == [
        ("stderr", "epoch 1: 100%\n"),
        ("stdout", "between\n"),
        ("stderr", "loss 0.1\n"),
    ]


def test_lecturer_pages_are_included_with_links_pointing_into_the_book(tmp_path):
    repo, source = tmp_path / "repo", tmp_path / "source"
    (repo / "lecturers").mkdir(parents=True)
    (repo / "figures").mkdir()
    (repo / "figures" / "06_filters.png").write_bytes(b"png")
    (repo / "README.md").write_text(
        "# The course\n\nFor learners.\n\n## Quick start\n\n```bash\npip install -e .\n```\n\n"
        "## For lecturers\n\n* Run [lesson 06](notebooks/06_numpy_cnn.ipynb) the day before.\n\n"
        "## How the course finds MNIST offline\n\nSet `MNIST_PATH`.\n"
    )
    (repo / "lecturers" / "06_numpy_cnn.md").write_text(
        "# Teaching lesson 06\n\nSee [the lesson](../notebooks/06_numpy_cnn.ipynb), "
        "![filters](../figures/06_filters.png) and [layers](../course_utils/layers.py).\n"
    )
    source.mkdir()
    run = book.Run(
        "fast", tmp_path / "results-fast.json", tmp_path, {"lessons": [], "finished": "today"}
    )
    book.write_pages(source, run, [lesson("06")], repo)
    lecturers = (source / "lecturers.md").read_text()
    assert "[lesson 06](06_numpy_cnn.ipynb)" in lecturers
    assert (
        "[Teaching lesson 06](lecturers/06_numpy_cnn.md)" in lecturers
        and "lecturers/06_numpy_cnn" in lecturers
    )
    note = (source / "lecturers" / "06_numpy_cnn.md").read_text()
    assert "(../06_numpy_cnn.ipynb)" in note and "(../figures/06_filters.png)" in note
    assert "layers (`../course_utils/layers.py`)" in note, (
        "a link to a repository file becomes text"
    )
    assert (source / "figures" / "06_filters.png").is_file()
    assert "Set `MNIST_PATH`" in (source / "mnist-offline.md").read_text()
    index = (source / "index.md").read_text()
    assert "pip install -e ." in index and "For learners." in index and "not run" in index


# --- the book, built from the fast run and read in Chromium --------------------------------


@pytest.fixture(scope="module")
def built_book(fast_course, tmp_path_factory):
    """``(folder, seconds)``: the book of the fast run, built once for this module by the command."""
    fast_course.all()
    output = tmp_path_factory.mktemp("book") / "book"
    start = time.perf_counter()
    status = book.main(
        ["--build-dir", str(fast_course.root), "--run", "fast", "--output", str(output)]
    )
    assert status == 0, "python -m course_utils.tools.book failed; its messages are above"
    return output, time.perf_counter() - start


@pytest.fixture(scope="module")
def site(built_book):
    """The base URL of the book served by ``http.server`` on 127.0.0.1 (a free port)."""
    folder, _ = built_book
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


PAGES = ["index", *(item.name for item in LESSONS)]


def _open(page, url):
    page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
    with contextlib.suppress(Exception):  # a page that keeps a connection open still gets checked
        page.wait_for_load_state("networkidle", timeout=5_000)


def _broken_images(page) -> list:
    return page.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )


def _math_problems(page) -> list:
    """Wait for MathJax; return what did not render (raw TeX left, MathJax errors)."""
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.document"
        " && document.querySelectorAll('span.math mjx-container, div.math mjx-container').length > 0",
        timeout=PAGE_TIMEOUT_MS,
    )
    page.evaluate("() => MathJax.startup.promise")
    return page.evaluate(
        """() => [
            ...[...document.querySelectorAll('span.math, div.math')]
                .filter(e => !e.querySelector('mjx-container')).map(e => 'not rendered: ' + e.textContent),
            ...[...document.querySelectorAll('mjx-merror')].map(e => 'MathJax error: ' + e.textContent),
        ]"""
    )


@pytest.mark.slow
def test_the_book_has_every_lesson_and_references_nothing_outside(built_book):
    folder, seconds = built_book
    print(f"book built in {seconds:.0f} s")
    assert (folder / "index.html").is_file()
    for name in PAGES + ["lecturers", "mnist-offline", "search"]:
        assert (folder / f"{name}.html").is_file(), f"{name}.html is missing from {folder}"
    outside = re.compile(
        r"""<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)=["'](?:https?:)?//""", re.I
    )
    for page in folder.rglob("*.html"):
        found = outside.findall(page.read_text())
        assert not found, f"{page.name} loads something from another site: {found[:3]}"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_with_images_and_math(name, site, offline_page, fast_course):
    page = offline_page
    _open(page, f"{site}{name}.html")
    problems = list(page.course_errors)
    problems += [f"image not loaded: {src}" for src in _broken_images(page)]
    if name in MATH_LESSONS:
        problems += _math_problems(page)
    text = page.inner_text("article")
    if name == "index":
        for item in LESSONS:
            link = page.locator(f"article a[href='{item.name}.html']")
            assert link.count() >= 1, f"the landing page does not link to lesson {item.name}"
        assert "pip install" in text and "python -m course_utils.tools.run" in text
    else:
        source = nbformat.read(book.notebooks_dir() / f"{name}.ipynb", as_version=4)
        for line in ("Time:", "Prerequisites:"):
            assert line not in source.cells[0].source or line in text, (
                f"{name}: the lesson's {line!r} line is not on its page"
            )
        # figures where the executed lesson saved some (a failed lesson is test_notebooks' to report)
        run = fast_course.lesson(name)
        executed = nbformat.read(run.output, as_version=4).cells if run.status == "ok" else []
        if any(book._SAVE_AS.search(c.source) for c in executed if c.cell_type == "code"):
            assert page.locator("article img").count() > 0, (
                f"{name} saves figures, its page shows none"
            )
        download = page.locator("a.download", has_text=f"{name}.ipynb")
        assert download.count() == 1, f"{name}: expected one download link to {name}.ipynb"
        href = urljoin(page.url, download.get_attribute("href"))
        copy = nbformat.reads(
            urllib.request.urlopen(href, timeout=10).read().decode(), as_version=4
        )
        assert [c.source for c in copy.cells] == [c.source for c in source.cells], (
            f"{name}: not the notebook"
        )
        assert not [c for c in copy.cells if c.cell_type == "code" and c.outputs], (
            f"{name}: download has outputs"
        )
    assert not problems, f"{name}.html:\n" + "\n".join(problems)


class _Links(HTMLParser):
    """The URLs an HTML page links to or loads: a[href], link[href], script[src], img[src]."""

    WANTED = {"a": "href", "link": "href", "script": "src", "img": "src"}

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        value = dict(attrs).get(self.WANTED.get(tag, ""))
        if value:
            self.urls.append(value)


@pytest.mark.slow
def test_every_internal_link_answers_200(site):
    """Follow every same-site link from the landing page (at most 500 files), fetch every file."""
    pages, seen, broken = [f"{site}index.html"], set(), []
    while pages and len(seen) < 500:
        url = pages.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            response = urllib.request.urlopen(url, timeout=10)
        except urllib.error.HTTPError as error:
            broken.append(f"{error.code} {url}")
            continue
        if not url.endswith(".html"):
            continue
        parser = _Links()
        parser.feed(response.read().decode("utf-8"))
        for link in parser.urls:
            target = urldefrag(urljoin(url, link))[0]
            if urlparse(target).netloc == urlparse(site).netloc and target not in seen:
                pages.append(target)
    html = [url for url in seen if url.endswith(".html")]
    assert len(html) >= len(PAGES) + 3, (
        f"expected every lesson page to be reachable, reached {sorted(html)}"
    )
    assert not broken, "\n".join(broken)


@pytest.mark.slow
@pytest.mark.browser
def test_search_finds_softmax_offline(site, offline_page):
    page = offline_page
    _open(page, f"{site}search.html?q=softmax")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=PAGE_TIMEOUT_MS)
    links = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.href)"
    )
    assert any("02_activations.html" in link for link in links), (
        f"softmax not found in lesson 02: {links}"
    )
    assert not page.course_errors, "\n".join(page.course_errors)


@pytest.mark.slow
@pytest.mark.browser
def test_exercises_are_framed_and_solutions_not_printed(site, offline_page, built_book):
    page = offline_page
    _open(page, f"{site}02_activations.html")
    source = nbformat.read(book.notebooks_dir() / "02_activations.ipynb", as_version=4)
    checks = sum(".check(" in c.source for c in source.cells if c.cell_type == "code")
    assert page.locator("div.cell.tag_exercise").count() == checks > 0
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('div.cell.tag_exercise'), '::before').content"
    )
    assert "Exercise" in label
    from course_utils.exercises import lesson02

    text = page.inner_text("article")
    for exercise in ("relu_derivative", "sigmoid_derivative", "stable_softmax"):
        solution = getattr(lesson02, exercise).solution
        shown = _printed(solution)
        body = [line for line in shown.splitlines() if line.strip().startswith("return")]
        assert body, f"{exercise}.solution() prints no return line: {shown!r}"
        assert body[0].strip() not in text, f"the solution of {exercise} is printed in the book"


def _printed(function) -> str:
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        function()
    return buffer.getvalue()


@pytest.mark.slow
@pytest.mark.browser
def test_the_book_opens_from_file_urls(built_book, offline_page):
    folder, _ = built_book
    page = offline_page
    for name in ("index", "02_activations"):
        _open(page, (folder / f"{name}.html").as_uri())
        assert not _broken_images(page), f"{name}: images not loaded from file://"
        if name in MATH_LESSONS:
            assert not _math_problems(page)
    assert not page.course_errors, "\n".join(page.course_errors)
