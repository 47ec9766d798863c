"""For lecturers: collect the students' notebooks and see who solved which exercise.

    python -m course_utils.tools.grade FOLDER --out OUTDIR [--timeout 60] [--jobs 2]

FOLDER holds the notebooks the students handed in, of any lessons, under any file
names. OUTDIR (a new or empty folder) receives

* ``grades.csv``: one row per student, notebook and exercise, with the columns
  ``student, notebook, lesson, exercise, status, hint``; ``status`` is ``passed``,
  ``failed``, ``not attempted`` (the stub is still there), ``missing`` (the
  exercise's function, or the student's notebook of that lesson, is not there) or
  ``error`` (the cell did not run, the check did not finish in time, the code
  stopped Python); ``hint`` is the checker's sentence, as the student saw it;
* ``feedback/STUDENT.md``: one page per student with the same, in words.

**Whose notebook is it.** A notebook in a sub-folder of FOLDER belongs to the student
that sub-folder is named after (``FOLDER/alice/anything.ipynb`` is alice's; deeper
folders count for the first one). A notebook directly in FOLDER belongs to the student
named by its file name, less the lesson's own name or number and the separators
around them: ``alice_02_activations.ipynb``, ``02_activations-alice.ipynb``,
``lesson02_alice.ipynb`` and ``alice.ipynb`` are all alice's. Checkpoints
(``.ipynb_checkpoints``) are skipped.

**Which lesson.** Read from the notebook, not its name: the title cell ``# Lesson NN``,
else the ``from course_utils.exercises import lessonNN`` line.

**What runs.** Only what the exercises need, each notebook in its own Python process
(in an empty temporary folder) with a time limit: the code cells of the ``## Setup``
section; from every other code cell, only its ``import``, ``def`` and ``class``
statements (no training, no downloads); then the exercise cells (the cells with
``ex.NAME.check(...)``, without that call), last, so that the learner's functions are
the ones checked. Then every exercise of the lesson is checked with
:meth:`course_utils.exercises.Exercise.evaluate` on the student's function (the one
the notebook passes to ``ex.NAME.check``, else the one called NAME). A cell or a check
that runs longer than ``--timeout`` seconds is stopped and reported (an endless loop;
the Setup cells get at least 120 s for their imports), and a process that ignores that
is ended once all its cells and checks could have run out their time, so an
endless loop, an error, a deleted cell or a ``sys.exit`` is reported for that student
and never stops the run.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .outputs import command

PASSED, FAILED, NOT_ATTEMPTED, MISSING, ERROR = (
    "passed",
    "failed",
    "not attempted",
    "missing",
    "error",
)
COLUMNS = ("student", "notebook", "lesson", "exercise", "status", "hint")
DEFAULT_TIMEOUT = 60.0
#: The Setup cells import TensorFlow in some lessons (10 s and more on a busy machine): they
#: get at least this many seconds, whatever ``--timeout`` says.
SETUP_TIMEOUT = 120.0

_TITLE = re.compile(r"^#\s+Lesson\s+(\d{1,2})\b", re.I | re.M)
_IMPORT = re.compile(r"from\s+course_utils\.exercises\s+import\s+lesson(\d\d)\b")
_CHECK = re.compile(r"\bex\.(\w+)\.check\(\s*([A-Za-z_]\w*)?")


@dataclass(frozen=True)
class Row:
    """One line of grades.csv."""

    student: str
    notebook: str
    lesson: str
    exercise: str
    status: str
    hint: str


@dataclass
class Submission:
    """A notebook handed in: whose, which file (relative to the folder), which lesson."""

    student: str
    path: Path
    relative: str
    lesson: str | None = None
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- reading the folder -------------------------------------------------------------------


def find_notebooks(folder: Path) -> list[Path]:
    """Every ``.ipynb`` under ``folder``, checkpoints and hidden folders left out, sorted."""
    return sorted(
        path
        for path in folder.rglob("*.ipynb")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def student_name(folder: Path, path: Path) -> str:
    """The student a notebook belongs to (the rule in the module docstring)."""
    parts = path.relative_to(folder).parts
    if len(parts) > 1:
        return parts[0]
    from .lessons import LESSONS

    stem = path.stem
    for item in sorted(LESSONS, key=lambda item: -len(item.name)):
        stem = re.sub(re.escape(item.name), " ", stem, flags=re.I)
    stem = re.sub(r"(?i)(?<![A-Za-z0-9])(?:lesson[ _-]?)?\d\d(?![A-Za-z0-9])", " ", stem)
    stem = re.sub(r"(?i)[ _-]*copy\d*$", "", stem.strip(" _-."))
    return stem.strip(" _-.") or path.stem


def read_lesson(notebook) -> str | None:
    """The two-digit lesson of a notebook, from its title cell or its exercises import."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = _TITLE.search(cell.source)
            if match:
                return f"{int(match.group(1)):02d}"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            match = _IMPORT.search(cell.source)
            if match:
                return match.group(1)
    return None


# --- what runs ----------------------------------------------------------------------------


def _without_magics(source: str) -> str:
    """IPython's ``%magic`` and ``!shell`` lines become ``pass`` (plain Python runs the rest)."""
    lines = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        lines.append(
            line[: len(line) - len(stripped)] + "pass"
            if stripped[:1] in "%!" and stripped
            else line
        )
    return "\n".join(lines)


def _without_checks(source: str) -> str:
    """An exercise cell less its ``ex.NAME.check(...)`` statements (the grader checks instead)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source  # run as it is: the SyntaxError is reported for this cell
    lines = source.split("\n")
    for node in reversed(tree.body):
        if isinstance(node, ast.Expr) and _CHECK.search(ast.get_source_segment(source, node) or ""):
            lines[node.lineno - 1 : node.end_lineno] = ["pass"]
    return "\n".join(lines)


def _definitions(source: str) -> str:
    """Only the top-level ``import``, ``def`` and ``class`` statements of a cell ("" if none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    kept = [node for node in tree.body if isinstance(node, kinds)]
    return "\n\n".join(ast.get_source_segment(source, node) for node in kept)


def plan(notebook) -> tuple[list[dict], dict[str, str]]:
    """What the grading process runs: the cells ``[{"index", "kind", "source", "exercises"}]``,
    and which function each exercise checks (``{"relu_derivative": "relu_derivative"}``)."""
    steps, functions = [], {}
    in_setup = False
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            match = re.match(r"(#{1,6})\s+(.*)", cell.source.lstrip().split("\n", 1)[0])
            if match and len(match.group(1)) <= 2:
                in_setup = match.group(2).strip().lower().rstrip(":") == "setup"
            continue
        if cell.cell_type != "code":
            continue
        source = _without_magics(cell.source)
        checks = _CHECK.findall(source)
        for name, function in checks:
            functions.setdefault(name, function or name)
        if in_setup:
            steps.append({"index": index, "kind": "setup", "source": source, "exercises": []})
        elif checks:
            steps.append(
                {
                    "index": index,
                    "kind": "exercise",
                    "source": _without_checks(source),
                    "exercises": [name for name, _ in checks],
                }
            )
        else:
            kept = _definitions(source)
            if kept:
                steps.append(
                    {"index": index, "kind": "definitions", "source": kept, "exercises": []}
                )
    # the exercise cells last, so that no lesson cell's `def` of the same name replaces the learner's
    order = {"setup": 0, "definitions": 1, "exercise": 2}
    return sorted(steps, key=lambda step: order[step["kind"]]), functions


# --- the grading process (runs in the child) ----------------------------------------------


class _TimeUp(BaseException):
    """Raised in the child when a cell or a check runs longer than its time limit."""


def _describe(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return f"the code called sys.exit({error.code!r}), which stops the notebook's kernel"
    if isinstance(error, _TimeUp):
        return str(error)
    if isinstance(error, SyntaxError):
        return f"SyntaxError on line {error.lineno}: {error.msg}"
    return f"{type(error).__name__}: {str(error)[:300]}"


def run_child(job_path: str, results_path: str) -> None:
    """The grading process: run the planned cells, check every exercise, write JSON lines.

    Each line of ``results_path`` is written (and flushed) as soon as it is known, so the
    parent still has them when it has to end this process.
    """
    job = json.loads(Path(job_path).read_text())
    limit = float(job["timeout"])
    setup_limit = max(limit, SETUP_TIMEOUT)
    seconds = [limit]  # the limit of the step running now, for the message
    out = open(results_path, "a", buffering=1)  # noqa: SIM115 (open for the whole run)

    def emit(**record) -> None:
        out.write(json.dumps(record) + "\n")
        out.flush()

    def time_up(signum, frame):
        raise _TimeUp(
            f"it was still running after {seconds[0]:g} s (an endless loop?), so it was stopped"
        )

    signal.signal(signal.SIGALRM, time_up)
    namespace: dict = {"__name__": "__main__"}
    for step in job["steps"]:
        emit(event="cell", index=step["index"], state="started")
        seconds[0] = setup_limit if step["kind"] == "setup" else limit
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds[0])
            code = compile(step["source"], f"<cell {step['index']}>", "exec")
            exec(code, namespace)  # noqa: S102 (grading the student's own code is the point)
            signal.setitimer(signal.ITIMER_REAL, 0)
            emit(event="cell", index=step["index"], state="ok")
        except BaseException as error:  # noqa: BLE001 (SystemExit and time-outs included)
            signal.setitimer(signal.ITIMER_REAL, 0)
            emit(
                event="cell",
                index=step["index"],
                state="error",
                kind=step["kind"],
                exercises=step["exercises"],
                message=_describe(error),
            )
    import importlib

    from course_utils.exercises import Exercise

    module = importlib.import_module(f"course_utils.exercises.lesson{job['lesson']}")
    for name, exercise in vars(module).items():
        if not isinstance(exercise, Exercise) or name.startswith("_"):
            continue
        function_name = job["functions"].get(name, name)
        emit(event="exercise", exercise=name, state="started")
        function = namespace.get(function_name)
        if function is None:
            emit(
                event="exercise",
                exercise=name,
                state=MISSING,
                function=function_name,
                message=f"no function `{function_name}` in the notebook: was the exercise's cell deleted or renamed?",
            )
            continue
        seconds[0] = limit
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            result = exercise.evaluate(function)
            signal.setitimer(signal.ITIMER_REAL, 0)
            emit(event="exercise", exercise=name, state=result.status, message=result.message)
        except BaseException as error:  # noqa: BLE001
            signal.setitimer(signal.ITIMER_REAL, 0)
            emit(
                event="exercise",
                exercise=name,
                state=ERROR,
                message=f"checking `{function_name}` failed: {_describe(error)}",
            )
    emit(event="done")
    out.close()
    os._exit(0)  # no atexit handlers of the student's code


# --- the parent: one process per notebook ----------------------------------------------------


def _exercise_names(lesson: str) -> list[str]:
    import importlib

    from ..exercises import Exercise

    module = importlib.import_module(f"course_utils.exercises.lesson{lesson}")
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, Exercise) and not name.startswith("_")
    ]


def _course_functions(lesson: str) -> dict[str, str]:
    """Which function each exercise checks in the course's own copy of the lesson."""
    import nbformat

    from ..paths import notebooks_dir
    from .lessons import lesson as find_lesson

    try:
        path = notebooks_dir() / find_lesson(lesson).filename
        return plan(nbformat.read(str(path), as_version=4))[1]
    except (OSError, ValueError):
        return {}


def grade_notebook(submission: Submission, timeout: float = DEFAULT_TIMEOUT) -> Submission:
    """Grade one notebook in its own process; fills ``submission.rows`` (and ``.notes``)."""
    import nbformat

    student, relative = submission.student, submission.relative

    def row(lesson, exercise, status, hint):
        submission.rows.append(Row(student, relative, lesson, exercise, status, hint))

    try:
        notebook = nbformat.read(str(submission.path), as_version=4)
    except Exception as error:  # not JSON, not a notebook
        row(
            "",
            "",
            ERROR,
            f"the file could not be read as a notebook ({type(error).__name__}: {str(error)[:200]})",
        )
        return submission
    lesson = submission.lesson = read_lesson(notebook)
    if lesson is None:
        row(
            "",
            "",
            ERROR,
            "could not tell which lesson this is: no '# Lesson NN' title cell and no "
            "'from course_utils.exercises import lessonNN' line",
        )
        return submission
    try:
        names = _exercise_names(lesson)
    except ImportError:
        names = []
    if not names:
        submission.notes.append(f"Lesson {lesson} has no exercises to check.")
        return submission
    steps, functions = plan(notebook)
    functions = {**_course_functions(lesson), **functions}
    limit = max(timeout, SETUP_TIMEOUT) + timeout * (len(steps) + len(names) + 2)
    events = _run(lesson, steps, functions, timeout, limit=limit)
    _read_events(events, names, functions, lesson, row, submission.notes)
    return submission


def _run(lesson: str, steps: list[dict], functions: dict, timeout: float, limit: float) -> dict:
    """Run the grading process; returns ``{"events": [...], "returncode", "killed", "log"}``."""
    import course_utils

    root = str(Path(course_utils.__file__).resolve().parent.parent)
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", COURSE_SOLUTIONS="hidden")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
    with tempfile.TemporaryDirectory(prefix="course-grade-") as work:
        job, results, log = (
            Path(work, "job.json"),
            Path(work, "results.jsonl"),
            Path(work, "log.txt"),
        )
        job.write_text(
            json.dumps(
                {"lesson": lesson, "steps": steps, "functions": functions, "timeout": timeout}
            )
        )
        results.touch()
        cwd = Path(work, "cwd")
        cwd.mkdir()
        script = "import sys; from course_utils.tools.grade import run_child; run_child(sys.argv[1], sys.argv[2])"
        killed = False
        with open(log, "wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-c", script, str(job), str(results)],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                killed = True
                _kill(process)
        events = [
            json.loads(line)
            for line in results.read_text().splitlines()
            if line.strip().endswith("}")
        ]
        text = log.read_text(errors="replace")
    return {
        "events": events,
        "returncode": process.returncode,
        "killed": killed,
        "limit": limit,
        "log": text[-600:],
    }


def _kill(process: subprocess.Popen) -> None:
    """End the grading process and whatever it started (its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


def _read_events(run: dict, names, functions, lesson, row, notes) -> None:
    events = run["events"]
    cell_errors = [e for e in events if e["event"] == "cell" and e["state"] == "error"]
    setup_error = next((e for e in cell_errors if e.get("kind") == "setup"), None)
    for error in cell_errors:
        notes.append(
            f"Cell {error['index'] + 1} ({error['kind']}) did not run: {error['message']}."
        )
    results = {
        e["exercise"]: e for e in events if e["event"] == "exercise" and e["state"] != "started"
    }
    started = [
        e["exercise"] for e in events if e["event"] == "exercise" and e["state"] == "started"
    ]
    cells_started = [e for e in events if e["event"] == "cell" and e["state"] == "started"]
    done = any(e["event"] == "done" for e in events)
    if not done:
        if run["killed"]:
            why = f"the notebook's grading was stopped after {run['limit']:g} s (an endless loop that ignored the time limit?)"
        else:
            why = (
                f"the grading process ended early (exit code {run['returncode']}): the code stopped Python "
                "(os._exit, a crash)"
            )
        where = (
            f"while checking `{started[-1]}`"
            if started
            else f"in cell {cells_started[-1]['index'] + 1}"
            if cells_started
            else "before any cell ran"
        )
        notes.append(f"{why[0].upper()}{why[1:]}, {where}.")
    for name in names:
        result = results.get(name)
        if result is not None:
            status, hint = result["state"], result["message"]
            own_cell = next((e for e in cell_errors if name in e.get("exercises", [])), None)
            if status == MISSING and own_cell is not None:
                status, hint = ERROR, f"the exercise's cell did not run: {own_cell['message']}"
            elif status == MISSING and setup_error is not None:
                status, hint = ERROR, f"the Setup cell did not run: {setup_error['message']}"
            row(lesson, name, status, hint)
        elif done:
            row(lesson, name, ERROR, "not checked")
        else:
            row(lesson, name, ERROR, f"not checked: {why}, {where}.")


# --- the whole folder -----------------------------------------------------------------------


def grade_folder(
    folder: str | Path, timeout: float = DEFAULT_TIMEOUT, jobs: int = 1
) -> list[Submission]:
    """Grade every notebook under ``folder``; a student without a notebook of a lesson that
    others handed in gets ``missing`` rows for it."""
    folder = Path(folder)
    submissions = [
        Submission(student_name(folder, path), path, path.relative_to(folder).as_posix())
        for path in find_notebooks(folder)
    ]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(lambda s: grade_notebook(s, timeout), submissions))
    lessons = sorted(
        {s.lesson for s in submissions if s.lesson and any(r.exercise for r in s.rows)}
    )
    for student in sorted({s.student for s in submissions}):
        have = {s.lesson for s in submissions if s.student == student}
        for lesson in lessons:
            if lesson not in have:
                absent = Submission(student, Path(), "", lesson)
                for name in _exercise_names(lesson):
                    absent.rows.append(
                        Row(
                            student,
                            "",
                            lesson,
                            name,
                            MISSING,
                            f"no notebook of lesson {lesson} was handed in",
                        )
                    )
                submissions.append(absent)
    return submissions


def write_grades(submissions: list[Submission], out: Path) -> Path:
    """``out/grades.csv``, sorted by student, lesson and file."""
    from .outputs import write_atomic

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = [row for s in submissions for row in s.rows]
    for row in sorted(rows, key=lambda r: (r.student.lower(), r.lesson, r.notebook)):
        writer.writerow([row.student, row.notebook, row.lesson, row.exercise, row.status, row.hint])
    return write_atomic(out / "grades.csv", buffer.getvalue())


_MARKS = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "…", MISSING: "–", ERROR: "⚠"}


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "student"


def write_feedback(submissions: list[Submission], out: Path) -> list[Path]:
    """``out/feedback/STUDENT.md``: each student's exercises, in words."""
    from .lessons import lesson as find_lesson
    from .outputs import write_atomic

    paths = []
    for student in sorted({s.student for s in submissions}, key=str.lower):
        own = sorted(
            (s for s in submissions if s.student == student),
            key=lambda s: (s.lesson or "", s.relative),
        )
        rows = [r for s in own for r in s.rows if r.exercise]
        passed = sum(r.status == PASSED for r in rows)
        lines = [f"# Feedback for {student}", "", f"{passed} of {len(rows)} exercises passed.", ""]
        for s in own:
            try:
                title = (
                    f"Lesson {s.lesson}: {find_lesson(s.lesson).title}"
                    if s.lesson
                    else "Unknown lesson"
                )
            except ValueError:
                title = f"Lesson {s.lesson}"
            lines += [
                f"## {title}",
                "",
                f"Notebook: `{s.relative}`" if s.relative else "No notebook handed in.",
                "",
            ]
            for r in s.rows:
                label = f"**{r.exercise}**: " if r.exercise else ""
                lines.append(f"- {_MARKS.get(r.status, '?')} {label}{r.status}. {r.hint}".rstrip())
            lines += [f"- Note: {note}" for note in s.notes]
            lines.append("")
        paths.append(write_atomic(out / "feedback" / f"{_safe(student)}.md", "\n".join(lines)))
    return paths


def summary(submissions: list[Submission]) -> str:
    """One line per student: exercises passed of those graded, and what else happened."""
    lines = []
    for student in sorted({s.student for s in submissions}, key=str.lower):
        rows = [r for s in submissions if s.student == student for r in s.rows if r.exercise]
        counts = {status: sum(r.status == status for r in rows) for status in _MARKS}
        rest = ", ".join(f"{n} {status}" for status, n in counts.items() if n and status != PASSED)
        lines.append(
            f"{student}: {counts[PASSED]}/{len(rows)} passed" + (f" ({rest})" if rest else "")
        )
    return "\n".join(lines)


@command("python -m course_utils.tools.grade")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.grade",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("folder", type=Path, help="the folder of the students' notebooks")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="where grades.csv and feedback/ go (a new or empty folder)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one cell or one check may run (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    if not find_notebooks(args.folder):
        print(f"error: no notebooks (.ipynb) under {args.folder}", file=sys.stderr)
        return 2
    from .outputs import claim_folder

    out = claim_folder(args.out, "python -m course_utils.tools.grade")  # refuses before any work
    started = time.perf_counter()
    submissions = grade_folder(args.folder, timeout=args.timeout, jobs=args.jobs)
    path = write_grades(submissions, out)
    feedback = write_feedback(submissions, out)
    print(summary(submissions))
    print(
        f"wrote {path} and {len(feedback)} feedback file(s) in {out / 'feedback'} "
        f"({len([s for s in submissions if s.relative])} notebooks, {time.perf_counter() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
