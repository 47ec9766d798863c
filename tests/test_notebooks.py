"""Every lesson notebook: well formed, clean in git, executes in fast mode, and its
checked outputs still match (nbval).

The fast runs share one build folder in this session, in lesson order, so that
lesson 08 finds the model lesson 07 saved, as in ``python -m course_utils.tools.run``.
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.paths import notebooks_dir
from course_utils.tools import nbclean, run
from course_utils.tools.lessons import LESSONS

NOTEBOOKS = notebooks_dir()
NAMES = [item.name for item in LESSONS]
WARM_UP = "import tensorflow as _tf\n_tf.config.list_physical_devices()\ndel _tf"


def test_every_lesson_has_a_notebook_and_every_notebook_a_lesson():
    on_disk = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert on_disk == sorted(NAMES)
    assert NAMES == sorted(NAMES), "lessons run in the order of their numbers"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_shape(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "one H1 title first"
    titles = [
        c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")
    ]
    assert len(titles) == 1, f"{name}: exactly one H1 title"
    intro = first.source.lower()
    assert "time" in intro and "learn" in intro, f"{name}: say what is learnt and how long it takes"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: exactly one cell tagged 'parameters'"
    declared = run.declared_parameters(path)
    assert declared, f"{name}: the parameters cell declares nothing"
    assert "record(" in "".join(c.source for c in nb.cells if c.cell_type == "code"), (
        f"{name}: record() its key figures"
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_lesson_ends_with_check_yourself_questions_and_folded_answers(name):
    notebook = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    cells = [
        c.source
        for c in notebook.cells
        if c.cell_type == "markdown" and c.source.startswith("## Check yourself")
    ]
    assert cells, f"{name} has no '## Check yourself' section"
    questions = cells[0].count("<details><summary>")
    assert 3 <= questions <= 6 and cells[0].count("</details>") == questions, (
        f"{name}: Check yourself needs 3-5 questions, each answer folded in <details> (found {questions})"
    )


@pytest.mark.parametrize("item", LESSONS, ids=NAMES)
def test_fast_parameters_are_declared_by_the_notebook(item):
    run.check_parameters(NOTEBOOKS / item.filename, item.fast)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_clean(name):
    assert nbclean.is_clean(NOTEBOOKS / f"{name}.ipynb"), (
        f"{name} has outputs or run metadata; run: python -m course_utils.tools.nbclean clean {name}"
    )


@pytest.fixture(scope="session")
def fast_build(fast_course):
    return fast_course.workdir


@pytest.mark.slow
@pytest.mark.parametrize("item", LESSONS, ids=NAMES)
def test_lesson_runs_in_fast_mode(item, fast_course):
    result = fast_course.lesson(item.name)
    assert result.status == "ok", (
        f"{item.name} failed: {result.error} (executed copy: {result.output})"
    )
    assert result.results, f"{item.name} recorded no figures"
    # the kernel's peak memory is measured (a Python kernel with numpy is well above 50 MiB)
    assert result.peak_rss_mib > 50, f"{item.name}: peak memory {result.peak_rss_mib} MiB"


@pytest.mark.slow
def test_checked_outputs_match_with_nbval(tmp_path, fast_build):
    """nbval re-executes fast copies of the lessons and compares the cells tagged
    nbval-check-output with their stored outputs."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    copies = []
    for item in LESSONS:
        nb = load_notebook_node(str(NOTEBOOKS / item.filename))
        if not any(nbclean.CHECK_TAG in c.metadata.get("tags", []) for c in nb.cells):
            continue
        nb = parameterize_notebook(nb, item.fast, kernel_name=run.KERNEL_NAME, language="python")
        # TensorFlow writes timestamped start-up lines to stderr when it first loads; let them
        # land in an unchecked cell of the harness rather than in a checked cell of the lesson.
        nb.cells.insert(0, nbformat.v4.new_code_cell(WARM_UP))
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type == "code" and cell.outputs:
                cell.execution_count = (
                    number  # nbval calls stored outputs of an unrun cell an error
                )
        copy = tmp_path / item.filename
        nbformat.write(nb, str(copy))
        copies.append(str(copy))
    assert copies, "no lesson has cells tagged nbval-check-output"
    env = {
        **os.environ,
        "COURSE_BUILD_DIR": str(fast_build),
        "COURSE_FIGURES_DIR": str(fast_build / "figures"),
        "MPLBACKEND": "Agg",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            *copies,
        ],
        cwd=str(Path(NOTEBOOKS)),
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


@pytest.mark.slow
def test_lesson_00_runs_offline_on_the_sample_and_says_so(tmp_path, monkeypatch):
    """A learner with no internet and no mnist.npz: the course still runs, on real digits."""
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("MNIST_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    item = next(item for item in LESSONS if item.name == "00_setup_and_mnist")
    result = run.run_lesson(
        item, fast=True, build=tmp_path, figures=tmp_path / "figures", progress=False
    )
    assert result.status == "ok", result.error
    assert result.results["mnist_digits"] == 5000
    executed = nbformat.read(result.output, as_version=4)
    printed = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "MnistSampleWarning" in printed and "5,000 digits" in printed
