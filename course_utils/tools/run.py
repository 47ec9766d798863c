"""The course's main job: execute every lesson in order and report what each measured.

    python -m course_utils.tools.run            # the full course, each notebook's own defaults
    python -m course_utils.tools.run --fast     # small parameters (course_utils/tools/lessons.py): minutes
    python -m course_utils.tools.run --only 04 05 -p NUM_EPOCHS=2
    python -m course_utils.tools.run --update-figures   # maintainers: a full run that rewrites figures/

Each notebook runs with papermill; the executed copies go to ``build/executed/``
and their figures to ``build/figures/`` (``build/fast/...`` with ``--fast``).
Running the course never changes a file tracked by git: only ``--update-figures``,
a full run meant for a machine with all of MNIST, writes the published
``figures/`` that the README shows. What the kernels write to their stdout and
stderr (TensorFlow's C++ log, kernel warnings) goes to ``logs/NN_name.log`` next to
``executed/`` and is shown only for a lesson that fails. The closing table
(status, wall time, the figures each lesson recorded with ``course_utils.record``)
is printed and written to ``build/results.json``. A parameter that a notebook does
not declare is an error. The exit status is non-zero when any lesson fails.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import json
import logging
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..paths import notebooks_dir, published_figures_dir, resolve_build_dir
from ..results import read_recorded
from .environment import TF_LOG_LEVEL
from .lessons import LESSONS, Lesson, lesson
from .outputs import command, write_atomic

KERNEL_NAME = "python3"
ENGINE_NAME = "course"
#: Seconds one cell may run before the lesson fails (the longest full-run training cell
#: takes a few minutes on 2 CPU cores); a hung kernel must not hang CI.
CELL_TIMEOUT = 1800
#: Lines of a failing lesson's kernel log shown in the console.
LOG_TAIL_LINES = 30


def _register_engine() -> None:
    """Register papermill's nbclient engine without its ipywidgets Output emulation.

    nbclient answers an ``Output`` widget's messages on the kernel's shell socket from
    inside its IOPub handler, which can deadlock the execution of a cell that shows a
    widget app (jupyter/nbclient#312; seen here on lesson 02). Without the emulation,
    what a widget prints simply lands in the cell's outputs.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import remove_args

    class Client(PapermillNotebookClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.widget_registry = {}

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            kernel_log=None,
            **kwargs,
        ):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = Client(
                nb_man,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            if kernel_log is None:
                return client.execute()
            # the kernel process's own stdout/stderr (not the cells' outputs) go to the log file
            return client.execute(stdout=kernel_log, stderr=kernel_log)

    papermill_engines.register(ENGINE_NAME, Engine)


class ParameterError(ValueError):
    """A parameter that the notebook does not declare, or of the wrong type."""


@dataclass
class LessonRun:
    """What happened when one lesson ran."""

    name: str
    status: str  # "ok" or "failed"
    seconds: float
    parameters: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    error: str = ""
    output: str = ""
    log: str = ""
    peak_rss_mib: float = 0.0  # the kernel and its subprocesses at their largest (MiB)


class _PeakMemory:
    """Samples the memory (RSS) of this process's children, the kernel and whatever it
    starts (lesson 06's workers, lesson 09's service), every ``interval`` seconds, and keeps
    the largest total: what a lesson needs on a shared server (lecturers/class.md)."""

    def __init__(self, interval: float = 0.25):
        import threading

        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        return False

    @property
    def mib(self) -> float:
        return round(self.peak / 2**20, 1)


def declared_parameters(notebook: str | os.PathLike) -> dict:
    """The parameters a notebook declares in its cell tagged ``parameters``: name -> papermill's info
    (``default``, ``inferred_type_name``, ``help``)."""
    import nbformat
    from papermill.translators import PythonTranslator

    cells = [
        cell
        for cell in nbformat.read(str(notebook), as_version=4).cells
        if "parameters" in cell.get("metadata", {}).get("tags", [])
    ]
    if not cells:
        return {}
    return {p.name: p._asdict() for p in PythonTranslator.inspect(cells[0])}


_TYPE_OF = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


def check_parameters(notebook: str | os.PathLike, parameters: dict) -> None:
    """Raise :class:`ParameterError` unless every name in ``parameters`` is declared by ``notebook``
    with a value of a matching type (an ``int`` where the default is an ``int``, ...)."""
    declared = declared_parameters(notebook)
    name = Path(notebook).name
    if parameters and not declared:
        raise ParameterError(f"{name} has no cell tagged 'parameters', so it takes no parameters")
    for key, value in parameters.items():
        if key not in declared:
            close = difflib.get_close_matches(key, declared, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ParameterError(
                f"{name} does not declare a parameter {key!r}.{hint} "
                f"It declares: {', '.join(sorted(declared))}"
            )
        default = _literal(declared[key].get("default"))
        if default is None or value is None:
            continue
        expected = type(default).__name__
        allowed = _TYPE_OF.get(expected)
        if allowed is None:
            continue
        if (isinstance(value, bool) and expected != "bool") or not isinstance(value, allowed):
            raise ParameterError(
                f"{name}: parameter {key!r} is declared as {expected} "
                f"(default {declared[key].get('default')}), got {type(value).__name__} {value!r}"
            )


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError):
        return None


@contextlib.contextmanager
def _environment(**variables):
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update({key: str(value) for key, value in variables.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_lesson(
    item: Lesson,
    *,
    fast: bool,
    build: Path,
    figures: Path | None = None,
    overrides: dict | None = None,
    progress: bool = True,
    timeout: float | None = CELL_TIMEOUT,
) -> LessonRun:
    """Execute one lesson with papermill into ``build / "executed"`` and collect what it recorded.

    The kernel's own stdout and stderr go to ``build / "logs" / "NN_name.log"``
    (:attr:`LessonRun.log`); ``figures`` (default: ``figures_dir()``) receives the figures.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = notebooks_dir() / item.filename
    if not source.is_file():
        raise FileNotFoundError(f"lesson {item.name}: {source} does not exist")
    parameters = {**(item.fast if fast else {}), **(overrides or {})}
    check_parameters(source, parameters)
    output = build / "executed" / item.filename
    output.parent.mkdir(parents=True, exist_ok=True)
    log = build / "logs" / f"{item.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        "COURSE_BUILD_DIR": build,
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": TF_LOG_LEVEL,
        "COURSE_PROGRESS_FILE": build
        / "progress.json",  # a run's checks are not the learner's progress
    }
    if figures is not None:
        env["COURSE_FIGURES_DIR"] = figures
    _register_engine()
    start = time.perf_counter()
    status, error = "ok", ""
    # papermill saves the notebook after every cell; it writes beside the previous complete
    # copy, which is replaced only when the lesson has ended (passed or failed): Ctrl-C or
    # a full disk leave the last complete notebook for the book and the slides.
    partial = output.with_name(f".{output.name}.partial.ipynb")
    with _environment(**env), open(log, "wb") as kernel_log, _PeakMemory() as memory:
        try:
            papermill.execute_notebook(
                str(source),
                str(partial),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                language="python",
                engine_name=ENGINE_NAME,
                cwd=str(source.parent),
                progress_bar=progress,
                execution_timeout=timeout,
                log_output=False,
                kernel_log=kernel_log,
            )
        except PapermillExecutionError as failure:
            status = "failed"
            error = f"cell {failure.exec_count}: {failure.ename}: {failure.evalue}"
        except (
            OSError
        ):  # no space left, read-only: the previous notebook stays, the command says why
            partial.unlink(missing_ok=True)
            raise
        except Exception as failure:  # a dead kernel, a timeout: report it, run the next lesson
            status = "failed"
            error = f"{type(failure).__name__}: {failure}"
        except BaseException:  # Ctrl-C: keep the previous complete notebook
            partial.unlink(missing_ok=True)
            raise
    if partial.is_file():
        os.replace(partial, output)
    seconds = time.perf_counter() - start
    results = read_recorded(nbformat.read(output, as_version=4)) if output.is_file() else {}
    return LessonRun(
        item.name,
        status,
        round(seconds, 1),
        parameters,
        results,
        error,
        str(output),
        str(log),
        memory.mib,
    )


def log_tail(run: LessonRun, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a lesson's kernel log, indented, or "" when it is empty."""
    path = Path(run.log) if run.log else None
    if path is None or not path.is_file():
        return ""
    text = path.read_text(errors="replace").rstrip().splitlines()[-lines:]
    if not text:
        return ""
    return f"  kernel log ({path}, last {len(text)} lines):\n" + "\n".join(
        "    " + line for line in text
    )


def run_course(
    names: list[str] | None = None,
    *,
    fast: bool = False,
    build: Path | None = None,
    overrides: dict | None = None,
    progress: bool = True,
    timeout: float | None = CELL_TIMEOUT,
    stream=None,
    update_figures: bool = False,
    reference_epoch: bool = False,
) -> list[LessonRun]:
    """Run the lessons ``names`` (default: all) in order; write ``results.json``; return the runs.

    Parameter errors are found for every selected lesson before anything runs.
    Figures go to ``build/figures`` (``build/fast/figures`` when ``fast``), or to the
    published ``figures/`` with ``update_figures`` (full runs only). With ``reference_epoch``
    (full runs), TensorFlow's epoch time on the bench's reference CNN is measured at the end and
    recorded, so that the lessons' times can be read as ratios on any machine.
    """
    if update_figures and fast:
        raise ValueError(
            "--update-figures rewrites the published figures/ and needs a full run; "
            "got --fast too (the fast run's figures go to build/fast/figures)"
        )
    stream = stream or sys.stdout
    chosen = [lesson(name) for name in names] if names else list(LESSONS)
    overrides = overrides or {}
    for item in chosen:
        source = notebooks_dir() / item.filename
        if not source.is_file():
            raise FileNotFoundError(f"lesson {item.name}: {source} does not exist")
        check_parameters(source, {**(item.fast if fast else {}), **overrides})
    root = resolve_build_dir(build)
    workdir = root / "fast" if fast else root
    figures = published_figures_dir() if update_figures else workdir / "figures"
    runs = []
    mode = "fast" if fast else "full"
    print(
        f"Running {len(chosen)} lesson(s) in {mode} mode; executed notebooks go to {workdir / 'executed'}",
        file=stream,
    )
    interrupted = False
    reference = None
    try:
        for index, item in enumerate(chosen, 1):
            print(f"[{index}/{len(chosen)}] {item.name} ...", file=stream, flush=True)
            run = run_lesson(
                item,
                fast=fast,
                build=workdir,
                figures=figures,
                overrides=overrides,
                progress=progress,
                timeout=timeout,
            )
            runs.append(run)
            line = f"[{index}/{len(chosen)}] {item.name}: {run.status} in {run.seconds:.1f} s"
            print(line + (f" -- {run.error}" if run.error else ""), file=stream, flush=True)
            if run.status != "ok" and log_tail(run):
                print(log_tail(run), file=stream, flush=True)
        if not fast and reference_epoch and runs:
            reference = measure_reference_epoch(stream)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if runs or not interrupted:
            _write_report(
                root, mode, fast, runs, interrupted, stream, reference if not interrupted else None
            )
    return runs


def measure_reference_epoch(stream=None) -> dict | None:
    """TensorFlow's epoch time on the bench's reference CNN, measured now in a fresh process:
    the yardstick recorded with a full run (``None``, with a line saying why, if it fails)."""
    import subprocess

    code = "from course_utils.tools.bench import reference_epoch_seconds as r; print(r())"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": TF_LOG_LEVEL},
        )
        seconds = float(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError) as error:
        print(f"(the reference epoch could not be measured: {error})", file=stream or sys.stdout)
        return None
    print(
        f"Reference: TensorFlow trains the bench's reference CNN at {seconds:.1f} s per MNIST epoch "
        "on this machine now (python -m course_utils.tools.bench)",
        file=stream or sys.stdout,
    )
    return {"tensorflow_seconds_per_epoch": round(seconds, 2)}


def _write_report(
    root: Path,
    mode: str,
    fast: bool,
    runs: list[LessonRun],
    interrupted: bool,
    stream,
    reference=None,
) -> None:
    """``results.json`` (this run) and ``results-<mode>.json`` (the latest of every lesson),
    each written at once; an interrupted run records the lessons that finished."""
    report = {
        "mode": mode,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores",
        "python": platform.python_version(),
        "command": "python -m course_utils.tools.run" + (" --fast" if fast else ""),
        "lessons": [asdict(run) for run in runs],
    }
    if interrupted:
        report["interrupted"] = True
    if reference:
        report["reference"] = reference
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root / "results.json", json.dumps(report, indent=2))
    _merge_report(root / f"results-{mode}.json", report)
    if interrupted:
        names = ", ".join(run.name for run in runs)
        print(
            f"Interrupted; the finished lessons ({names}) are recorded in {root / 'results.json'}",
            file=stream,
        )
        return
    print(format_table(runs), file=stream)
    print(f"Wrote {root / 'results.json'}", file=stream)


def _merge_report(path: Path, report: dict) -> None:
    """Update ``path`` (``results-full.json`` or ``results-fast.json``) with this run's lessons.

    ``results.json`` is the last run; the per-mode file keeps the latest run of every
    lesson, so ``--only 06`` does not erase what the other lessons measured.
    """
    lessons = {}
    if path.is_file():
        try:
            lessons = {
                item["name"]: item for item in json.loads(path.read_text()).get("lessons", [])
            }
        except (ValueError, AttributeError, KeyError, TypeError):
            lessons = {}  # an unreadable old file is replaced, not a reason to fail the run
    for item in report["lessons"]:
        lessons[item["name"]] = {**item, "finished": report["finished"]}
    order = {item.name: index for index, item in enumerate(LESSONS)}
    merged = {
        **report,
        "lessons": sorted(lessons.values(), key=lambda item: order.get(item["name"], len(order))),
    }
    merged.pop("interrupted", None)
    write_atomic(path, json.dumps(merged, indent=2))


def format_table(runs: list[LessonRun]) -> str:
    """The closing table: lesson, status, wall time, peak memory and recorded figures."""
    rows = [("lesson", "status", "time", "memory", "recorded")]
    for run in runs:
        recorded = ", ".join(f"{k}={_short(v)}" for k, v in run.results.items())
        memory = f"{run.peak_rss_mib:,.0f} MiB" if run.peak_rss_mib else "-"
        rows.append((run.name, run.status, _duration(run.seconds), memory, recorded or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for k, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4]
        )
        if k == 0:
            lines.append("-" * (sum(widths) + 8 + max(len(r[4]) for r in rows)))
    total = sum(run.seconds for run in runs)
    failed = sum(run.status != "ok" for run in runs)
    lines.append(f"{len(runs)} lesson(s), {failed} failed, {_duration(total)} in all")
    return "\n".join(lines)


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def parse_assignment(text: str) -> tuple[str, object]:
    """``"NUM_EPOCHS=2"`` -> ``("NUM_EPOCHS", 2)``; values are Python literals, else strings."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE such as NUM_EPOCHS=2, got {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return name.strip(), value


def positive_seconds(text: str) -> float:
    """``--timeout``: a finite number of seconds above zero (0, -1, nan and inf are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds such as 600, got {text!r}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds above 0 such as 600, got {text!r} "
            "(a cell without a time limit is not offered: a stuck cell would stop the run for ever)"
        )
    return value


@command("python -m course_utils.tools.run")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.run",
        description="Execute the course's notebooks in order.",
    )
    parser.add_argument(
        "--fast", action="store_true", help="small parameters: every lesson in about a minute"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="LESSON", help="lesson numbers or names, e.g. 03 05"
    )
    parser.add_argument(
        "-p",
        "--parameter",
        action="append",
        type=parse_assignment,
        default=[],
        metavar="NAME=VALUE",
        help="override a notebook parameter (each selected lesson must declare it)",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="default: $COURSE_BUILD_DIR or build/ in the repository",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=CELL_TIMEOUT,
        help=f"seconds one cell may run (default {CELL_TIMEOUT})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no per-cell progress bar")
    parser.add_argument(
        "--update-figures",
        action="store_true",
        help="maintainers: write the figures to the published figures/ (a full run with all of MNIST)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the lessons and their fast parameters"
    )
    args = parser.parse_args(argv)
    if args.list:
        for item in LESSONS:
            print(f"{item.name:<28} {item.title}  fast: {item.fast or '-'}")
        return 0
    try:
        runs = run_course(
            args.only,
            fast=args.fast,
            build=args.build_dir,
            overrides=dict(args.parameter),
            progress=not args.no_progress and sys.stderr.isatty(),
            timeout=args.timeout,
            update_figures=args.update_figures,
            reference_epoch=not args.only,  # a full course run measures the yardstick once
        )
    except (ParameterError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0 if all(run.status == "ok" for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
