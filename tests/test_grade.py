"""python -m course_utils.tools.grade: a folder of students' notebooks, made from the student
copies of lessons 01-03, graded into grades.csv and one feedback page per student.

Right answers are the reference solutions' source; wrong, broken (a syntax error, a
raise), endless (``while True: pass``), deleted and ``sys.exit`` notebooks must each be
reported as such, within bounded time, without stopping the run.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import re
import textwrap
import time

import nbformat
import pytest

from course_utils.tools import grade, slides

CHECK = re.compile(r"\bex\.(\w+)\.check\((\w+)\)")


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """The student copies of lessons 01-03 (exercises back to their stubs)."""
    folder = tmp_path_factory.mktemp("copies")
    return {path.name[:2]: path for path in slides.write_student_copies(folder, ["01", "02", "03"])}


def reference_source(lesson: str, name: str, function: str) -> str:
    """The reference solution of exercise ``name``, as a learner's ``def function(...)``."""
    module = importlib.import_module(f"course_utils.exercises.lesson{lesson}")
    source = textwrap.dedent(inspect.getsource(getattr(module, name).reference))
    source = source[source.index("def ") :]
    return re.sub(r"def \w+\(", f"def {function}(", source, count=1)


def answered(copy_path, answers) -> nbformat.NotebookNode:
    """The student copy with each exercise cell replaced by ``answers(name, function, cell_source)``;
    ``None`` deletes the cell."""
    notebook = nbformat.read(str(copy_path), as_version=4)
    cells = []
    for cell in notebook.cells:
        match = CHECK.search(cell.source) if cell.cell_type == "code" else None
        if match:
            new = answers(match.group(1), match.group(2), cell.source)
            if new is None:
                continue
            cell.source = new
        cells.append(cell)
    notebook.cells = cells
    return notebook


def write(notebook, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def right(lesson):
    def answers(name, function, source):
        return reference_source(lesson, name, function) + f"\n\nex.{name}.check({function})\n"

    return answers


def wrong_then(body):
    def answers(name, function, source):
        signature = re.search(r"def \w+\(.*?\):", source).group(0)
        return f"{signature}\n{textwrap.indent(body, '    ')}\n\n\nex.{name}.check({function})\n"

    return answers


def read_rows(out):
    with open(out / "grades.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def statuses(rows, student):
    return {row["exercise"]: row["status"] for row in rows if row["student"] == student}


def test_student_name_rule(tmp_path):
    for name, expected in [
        ("alice_02_activations.ipynb", "alice"),
        ("02_activations-bob.ipynb", "bob"),
        ("lesson02_carol.ipynb", "carol"),
        ("dave.ipynb", "dave"),
        ("erin-02.ipynb", "erin"),
    ]:
        assert grade.student_name(tmp_path, tmp_path / name) == expected, name
    assert grade.student_name(tmp_path, tmp_path / "frank" / "whatever.ipynb") == "frank"


def test_lesson_is_read_from_the_content_not_the_name(copies):
    notebook = nbformat.read(str(copies["02"]), as_version=4)
    assert grade.read_lesson(notebook) == "02"
    notebook.cells = [c for c in notebook.cells if not c.source.lstrip().startswith("# Lesson")]
    assert grade.read_lesson(notebook) == "02"  # from `from course_utils.exercises import lesson02`


def test_grades_right_wrong_broken_endless_and_exit_notebooks(copies, tmp_path):
    """Lesson 02 (no TensorFlow in its Setup): every kind of notebook, graded in bounded time."""
    folder = tmp_path / "handed_in"
    copy = copies["02"]
    write(answered(copy, right("02")), folder / "right" / "02_activations.ipynb")
    write(answered(copy, wrong_then("return z * 0.0")), folder / "wrong_02_activations.ipynb")
    write(answered(copy, lambda n, f, s: s), folder / "stub" / "lesson.ipynb")
    write(answered(copy, wrong_then("return (z > 0")), folder / "syntax" / "mine.ipynb")
    write(answered(copy, wrong_then("raise RuntimeError('oops')")), folder / "raises" / "x.ipynb")
    write(answered(copy, wrong_then("while True:\n    pass")), folder / "endless" / "x.ipynb")
    endless_cell = lambda n, f, s: s + "\nwhile True:\n    pass\n"  # noqa: E731
    write(answered(copy, endless_cell), folder / "endless_cell" / "x.ipynb")
    write(answered(copy, wrong_then("import sys\nsys.exit(1)")), folder / "exits" / "x.ipynb")
    write(
        answered(copy, lambda n, f, s: "import sys\nsys.exit(0)\n" + s),
        folder / "exits_cell" / "x.ipynb",
    )
    deleted = lambda n, f, s: None if n == "relu_derivative" else reference_source("02", n, f)  # noqa: E731
    write(answered(copy, deleted), folder / "deleted" / "x.ipynb")
    # sys.exit skipping the parent's limits: os._exit ends the process for real
    write(answered(copy, wrong_then("import os\nos._exit(3)")), folder / "os_exit" / "x.ipynb")
    (folder / "garbage").mkdir()
    (folder / "garbage" / "x.ipynb").write_text("not a notebook")

    out = tmp_path / "out"
    started = time.perf_counter()
    assert grade.main([str(folder), "--out", str(out), "--timeout", "1", "--jobs", "2"]) == 0
    elapsed = time.perf_counter() - started
    rows = read_rows(out)
    exercises = {"relu_derivative", "sigmoid_derivative", "stable_softmax"}

    assert statuses(rows, "right") == dict.fromkeys(exercises, "passed")
    assert statuses(rows, "wrong") == dict.fromkeys(exercises, "failed")
    assert statuses(rows, "stub") == dict.fromkeys(exercises, "not attempted")
    assert statuses(rows, "syntax") == dict.fromkeys(exercises, "error")
    assert all("SyntaxError" in r["hint"] for r in rows if r["student"] == "syntax")
    assert statuses(rows, "raises") == dict.fromkeys(exercises, "failed")
    assert all("RuntimeError" in r["hint"] for r in rows if r["student"] == "raises")
    assert statuses(rows, "endless") == dict.fromkeys(exercises, "error")
    assert all("endless loop" in r["hint"] for r in rows if r["student"] == "endless")
    assert statuses(rows, "endless_cell") == dict.fromkeys(exercises, "not attempted")
    assert statuses(rows, "exits") == dict.fromkeys(exercises, "error")
    assert all("sys.exit" in r["hint"] for r in rows if r["student"] == "exits")
    assert statuses(rows, "exits_cell") == dict.fromkeys(exercises, "error")
    assert statuses(rows, "deleted") == {
        "relu_derivative": "missing",
        "sigmoid_derivative": "passed",
        "stable_softmax": "passed",
    }
    assert statuses(rows, "os_exit") == dict.fromkeys(exercises, "error")
    assert all("ended early" in r["hint"] for r in rows if r["student"] == "os_exit")
    garbage = [r for r in rows if r["student"] == "garbage"]
    assert garbage[0]["status"] == "error" and "could not be read" in garbage[0]["hint"]
    assert {r["status"] for r in garbage[1:]} == {"missing"}  # no lesson 02 from this student
    assert {r["lesson"] for r in rows if r["student"] != "garbage"} == {"02"}

    feedback = (out / "feedback" / "endless_cell.md").read_text()
    assert "0 of 3 exercises passed" in feedback and "endless loop" in feedback
    assert "3 of 3 exercises passed" in (out / "feedback" / "right.md").read_text()
    # 3 endless exercises of 1 s each, at most: the run is bounded by the time limits
    assert elapsed < 60, f"grading took {elapsed:.0f} s"


@pytest.mark.slow
def test_grades_lessons_01_to_03_and_reports_missing_notebooks(copies, tmp_path):
    """Lessons 01 and 03 import TensorFlow in their Setup: 8 s on a quiet machine, 16 s on a busy one."""
    folder = tmp_path / "handed_in"
    for lesson, copy in copies.items():
        write(answered(copy, right(lesson)), folder / "ada" / f"{lesson}.ipynb")
    write(
        answered(copies["03"], wrong_then("return None if False else 0.5")),
        folder / "bo" / "03.ipynb",
    )
    out = tmp_path / "out"
    assert grade.main([str(folder), "--out", str(out), "--timeout", "30", "--jobs", "2"]) == 0
    rows = read_rows(out)
    ada = [r for r in rows if r["student"] == "ada"]
    assert {r["lesson"] for r in ada} == {"01", "02", "03"}
    assert all(r["status"] == "passed" for r in ada), [r for r in ada if r["status"] != "passed"]
    bo = [r for r in rows if r["student"] == "bo"]
    assert {r["status"] for r in bo if r["lesson"] == "03"} == {"failed"}
    assert {r["status"] for r in bo if r["lesson"] in ("01", "02")} == {"missing"}


def test_a_process_that_ignores_its_time_limit_is_ended(tmp_path):
    """Code that swallows the per-cell alarm is ended by the parent: the run goes on."""
    stubborn = "def relu_derivative(z):\n    return z\n\nwhile True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"
    steps = [{"index": 0, "kind": "exercise", "source": stubborn, "exercises": ["relu_derivative"]}]
    started = time.perf_counter()
    run = grade._run("02", steps, {}, timeout=0.5, limit=3)
    assert run["killed"] and time.perf_counter() - started < 20
    rows = []
    grade._read_events(run, ["relu_derivative"], {}, "02", lambda *r: rows.append(r), [])
    assert rows[0][2] == "error" and "stopped after 3 s" in rows[0][3] and "cell 1" in rows[0][3]


def test_refuses_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    assert grade.main([str(tmp_path / "in"), "--out", str(tmp_path / "new")]) == 2  # no notebooks
    assert "no notebooks" in capsys.readouterr().err and not (tmp_path / "new").exists()
    (tmp_path / "in" / "a.ipynb").write_text("{}")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    assert grade.main([str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep"
