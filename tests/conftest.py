"""Shared test setup: no test writes into the repository's figures/ or build/."""

import io
import os
import warnings

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import course_utils  # noqa: E402,F401  (sets TensorFlow's log level: course_utils.tools.environment)


@pytest.fixture(autouse=True, scope="session")
def _course_dirs(tmp_path_factory):
    """Point figures_dir(), build_dir() and the progress file at a temporary folder for the session."""
    root = tmp_path_factory.mktemp("course")
    saved = {
        key: os.environ.get(key)
        for key in ("COURSE_FIGURES_DIR", "COURSE_BUILD_DIR", "COURSE_PROGRESS_FILE")
    }
    os.environ["COURSE_FIGURES_DIR"] = str(root / "figures")
    os.environ["COURSE_BUILD_DIR"] = str(root / "build")
    os.environ["COURSE_PROGRESS_FILE"] = str(root / "progress.json")  # never the learner's own
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _encode(picture, format="PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def png_bytes():
    """``png_bytes(picture, format="PNG", **options) -> bytes``: a PIL image encoded in memory."""
    return _encode


@pytest.fixture(scope="session")
def digit_model(tmp_path_factory):
    """A small CNN for lessons 08-09, trained once per session.

    4,000 digits, 3 epochs, seed 0: about 10 s on two CPU cores, on MNIST when
    ``MNIST_PATH`` or the Keras cache has it, otherwise on ``data.load_mnist()``'s
    offline sample of real MNIST digits.
    """
    from course_utils import data
    from course_utils.keras_cnn import load_or_train_cnn

    missing = tmp_path_factory.mktemp("digit_model") / "no_lesson07_model.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", data.MnistSampleWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # raised inside keras' fit with numpy 2
        mnist = data.load_mnist(download=False, verbose=False)
        return load_or_train_cnn(
            missing, mnist=mnist, num_train=4000, num_epochs=3, seed=0, verbose=False
        )


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str | None:
    import shutil

    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, through Playwright) for the browser tests.

    One per test module: Playwright's sync API keeps an asyncio loop running while it
    is open, so a session-wide browser would break later tests that call asyncio.run().

    In CI (``CI=true``) a missing browser or Playwright fails the test; on a
    contributor's machine it skips with the command that installs it. Pages opened
    from it should block every request that does not go to 127.0.0.1 (see
    :func:`offline_page`).
    """
    executable = _chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if executable is None or sync_playwright is None:
        message = (
            "browser tests need Debian's Chromium and Playwright: "
            "apt-get install -y chromium && python -m pip install -e '.[dev]'"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def offline_page(browser):
    """A fresh page that may load only from 127.0.0.1/localhost; records what went wrong.

    ``page.course_errors`` collects console errors, page errors, failed requests and
    blocked requests (to anything but loopback), as strings.
    """
    from urllib.parse import urlparse

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []

    def route(route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:", "file:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            errors.append(f"blocked request to {url}")
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))

    def failed(request):
        # net::ERR_ABORTED is the page cancelling its own request (a reload or a navigation
        # while JupyterLab lists checkpoints), not a request that could not be answered.
        if "ERR_ABORTED" not in (request.failure or ""):
            errors.append(f"failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    page.course_errors = errors
    yield page
    context.close()


class FastCourse:
    """The lessons run in fast mode at most once per test session, in one build folder.

    The layout is the runner's: ``root/fast/executed/NN_name.ipynb``, figures under
    ``root/fast/figures`` and ``root/results-fast.json``, so tests of what is built
    from a run (the book, the slides) read it as they would read ``build/``.
    """

    def __init__(self, root):
        self.root = root
        self.workdir = root / "fast"
        self.runs = {}

    def lesson(self, name: str):
        """The :class:`course_utils.tools.run.LessonRun` of lesson ``name``, run now if not yet run."""
        from course_utils.tools import run
        from course_utils.tools.lessons import lesson

        if name not in self.runs:
            item = lesson(name)
            self.runs[name] = run.run_lesson(
                item,
                fast=True,
                build=self.workdir,
                figures=self.workdir / "figures",
                progress=False,
            )
        return self.runs[name]

    def all(self) -> dict:
        """Every lesson's run, in order; writes ``root/results-fast.json`` like the runner."""
        import json
        from dataclasses import asdict

        from course_utils.tools.lessons import LESSONS

        for item in LESSONS:
            self.lesson(item.name)
        report = {
            "mode": "fast",
            "command": "python -m course_utils.tools.run --fast",
            "lessons": [asdict(self.runs[item.name]) for item in LESSONS],
        }
        (self.root / "results-fast.json").write_text(json.dumps(report, indent=2))
        (self.root / "results.json").write_text(json.dumps(report, indent=2))
        return self.runs


@pytest.fixture(scope="session")
def fast_course(tmp_path_factory):
    """:class:`FastCourse`: lessons executed in fast mode, each at most once per session."""
    return FastCourse(tmp_path_factory.mktemp("fast-course"))


#: Fixtures that train a model or run lessons: a test that uses one, even through another
#: fixture, is slow whatever its own marks say, so `-m "not slow"` really leaves training out.
TRAINING_FIXTURES = {"digit_model", "fast_course"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
