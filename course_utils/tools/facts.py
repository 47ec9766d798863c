"""One owner for every measured number: the README, the lessons and the lecturers' pages
read their times and results from the runs that measured them.

    python -m course_utils.tools.facts record     # copy the latest runs' results into measured/
    python -m course_utils.tools.facts write      # rewrite every marked number from measured/
    python -m course_utils.tools.facts check      # exit 1 when a marked number disagrees
    python -m course_utils.tools.facts list       # every fact and its value

A number in Markdown (the README, ``lecturers/*.md``, a lesson's markdown cells) that a
run measured is written between two invisible markers that name it::

    about <!--fact 04.full_time-->66 s<!--/fact--> to run in full

``record`` copies ``build/results-full.json`` and ``build/results-fast.json`` (written by
``python -m course_utils.tools.run``) and the benchmarks' JSON (``build/bench*.json``)
into ``measured/`` at the repository's root, which is committed: the measurements and
their machine, date and command. ``write`` puts each fact's value between its markers;
``check`` (a test runs it) fails, naming the file and the fact, when a text says
something else or names a fact no run measured.

The facts:

* ``NN.full_time``, ``NN.fast_time``: lesson NN's wall time in the full and the fast run;
  ``course.full_time``, ``course.fast_time``: the whole course;
* ``NN.full_memory``, ``NN.fast_memory``: the largest memory (RSS) of its kernel and the
  processes it started;
* ``NN.KEY``: what lesson NN recorded with ``course_utils.record(KEY=...)`` in the full run
  (``NN.fast.KEY`` in the fast run); accuracies are printed as percentages;
* ``full.date``, ``full.machine``, ``fast.date``: when and where the runs were made;
* ``full.reference_epoch``: TensorFlow's epoch time on the bench's reference CNN, measured at
  the end of the full run; ``NN.full_reference_epochs``: lesson NN's time in those epochs, a
  ratio that holds on any machine;
* ``bench.KEY`` and ``bench_serve.KEY``: the benchmarks' numbers, where they were recorded;
* ``NN.learner_time``, ``NN.words``, ``NN.exercises``: a learner's time for lesson NN,
  counted from the notebook itself (its prose and code at :data:`WORDS_PER_MINUTE`, plus
  :data:`MINUTES_PER_EXERCISE` for each exercise), so it follows every edit of the lesson.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from ..paths import repo_root, resolve_build_dir

MARKER = re.compile(r"<!--fact ([A-Za-z0-9_.\-]+)-->(.*?)<!--/fact-->", re.S)
RUNS = ("full", "fast")
#: A learner's reading speed for technical prose with code, and the time one exercise takes
#: (reading its task, writing a few lines, one or two tries at the check).
WORDS_PER_MINUTE = 120
MINUTES_PER_EXERCISE = 8
BENCHES = ("bench", "bench_serve", "bench_preprocess")


def measured_dir() -> Path:
    """``measured/`` at the repository's root: the committed results of the runs."""
    return repo_root() / "measured"


def duration(seconds: float) -> str:
    """``13.4`` -> ``"13 s"``; ``186`` -> ``"3.1 min"`` (as the lesson's Time line says it)."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def formatted(key: str, value) -> str:
    """A recorded value as prose shows it: accuracies in percent, ratios with 'x', floats short."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        name = key.rsplit(".", 1)[-1]
        if "accuracy" in name or name.endswith("_rate"):
            return f"{100 * value:.2f}%"
        if "ratio" in name or "speedup" in name:
            return f"{value:.2f}x"
        if name.endswith(("seconds", "_s")) or name.startswith("seconds"):
            return f"{value:.1f} s"
        return f"{value:.4g}"
    return str(value)


def _load(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(
            f"{path} is not valid JSON ({error}); run the command that writes it again"
        ) from error


def facts(folder: Path | None = None) -> dict[str, str]:
    """Every fact the files in ``folder`` (default ``measured/``) establish: key -> text."""
    folder = Path(folder) if folder is not None else measured_dir()
    found: dict[str, str] = {}
    for mode in RUNS:
        report = _load(folder / f"{mode}.json")
        if report is None:
            continue
        found[f"{mode}.date"] = str(report.get("finished", "?"))[:10]
        found[f"{mode}.machine"] = str(report.get("machine", "?"))
        total = 0.0
        for item in report.get("lessons", []):
            number = item["name"].split("_", 1)[0]
            total += item["seconds"]
            found[f"{number}.{mode}_time"] = duration(item["seconds"])
            if item.get("peak_rss_mib"):
                found[f"{number}.{mode}_memory"] = f"{item['peak_rss_mib']:,.0f} MiB"
            prefix = f"{number}." if mode == "full" else f"{number}.fast."
            for key, value in item.get("results", {}).items():
                found[prefix + key] = formatted(key, value)
        found[f"course.{mode}_time"] = duration(total)
        reference = (report.get("reference") or {}).get("tensorflow_seconds_per_epoch")
        if reference:
            found[f"{mode}.reference_epoch"] = f"{reference:.1f} s"
            for item in report.get("lessons", []):
                number = item["name"].split("_", 1)[0]
                found[f"{number}.{mode}_reference_epochs"] = f"{item['seconds'] / reference:.1f}"
            found[f"course.{mode}_reference_epochs"] = f"{total / reference:.0f}"
    found.update(learner_facts(folder.parent / "notebooks"))
    for name in BENCHES:
        report = _load(folder / f"{name}.json")
        for key, value in _flatten(report or {}).items():
            found[f"{name}.{key}"] = formatted(key, value)
    return found


def learner_facts(notebooks: Path) -> dict[str, str]:
    """``NN.words``, ``NN.exercises`` and ``NN.learner_time`` of every lesson in ``notebooks``."""
    import nbformat

    found = {}
    for path in sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        cells = nbformat.read(path, as_version=4).cells
        words = sum(len(re.findall(r"[A-Za-z0-9_]+", cell.source)) for cell in cells)
        exercises = sum(
            bool(re.search(r"\.check\(", cell.source)) for cell in cells if cell.cell_type == "code"
        )
        minutes = words / WORDS_PER_MINUTE + MINUTES_PER_EXERCISE * exercises
        found[f"{number}.words"] = f"{words:,}"
        found[f"{number}.exercises"] = str(exercises)
        found[f"{number}.learner_time"] = f"{5 * max(1, round(minutes / 5))} min"
    return found


def _flatten(data: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in data.items():
        key = re.sub(r"[^A-Za-z0-9]+", "_", str(key)).strip("_")  # a name markers can hold
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif not isinstance(value, list):
            flat[f"{prefix}{key}"] = value
    return flat


def documents(root: Path | None = None) -> list[Path]:
    """The files whose numbers are facts: README*.md, lecturers/*.md and the lessons."""
    root = Path(root) if root is not None else repo_root()
    found = sorted(root.glob("README*.md")) + sorted((root / "lecturers").glob("*.md"))
    found += sorted((root / "notebooks").glob("*.ipynb"))  # translations are built from these
    return found


def _texts(path: Path):
    """(where, text) pairs: the whole file, or each markdown cell of a notebook."""
    if path.suffix != ".ipynb":
        yield None, path.read_text()
        return
    notebook = json.loads(path.read_text())
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            yield (
                index,
                "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
            )


def problems(root: Path | None = None, known: dict[str, str] | None = None) -> list[str]:
    """Every marked number that disagrees with its fact, or names no fact: one sentence each."""
    root = Path(root) if root is not None else repo_root()
    known = facts(root / "measured") if known is None else known
    found = []
    for path in documents(root):
        for where, text in _texts(path):
            place = path.relative_to(root).as_posix() + (
                f" (cell {where})" if where is not None else ""
            )
            for match in MARKER.finditer(text):
                key, said = match.group(1), match.group(2)
                if key not in known:
                    found.append(
                        f"{place}: no run measured the fact {key!r} (see python -m course_utils.tools.facts list)"
                    )
                elif said != known[key]:
                    found.append(f"{place}: {key} says {said!r}, the measurement is {known[key]!r}")
    return found


def write(root: Path | None = None, known: dict[str, str] | None = None) -> list[Path]:
    """Put every fact's value between its markers; return the files changed."""
    root = Path(root) if root is not None else repo_root()
    known = facts(root / "measured") if known is None else known

    def replace(match):
        key = match.group(1)
        return f"<!--fact {key}-->{known[key]}<!--/fact-->" if key in known else match.group(0)

    changed = []
    for path in documents(root):
        if path.suffix != ".ipynb":
            text = path.read_text()
            new = MARKER.sub(replace, text)
        else:
            import nbformat

            text = path.read_text()
            if MARKER.sub(replace, text) == text:
                continue  # nothing to change: the file stays byte for byte
            notebook = nbformat.reads(text, as_version=4)
            for cell in notebook.cells:
                if cell.cell_type == "markdown":
                    cell.source = MARKER.sub(replace, cell.source)
            new = nbformat.writes(notebook)
            new += "" if new.endswith("\n") else "\n"
        if new != text:
            _write_atomic(path, new)
            changed.append(path)
    return changed


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


def record(build: Path | None = None, root: Path | None = None) -> list[Path]:
    """Copy the latest runs' and benchmarks' results from ``build`` into ``measured/``."""
    build = resolve_build_dir(build)
    target = (Path(root) if root is not None else repo_root()) / "measured"
    target.mkdir(exist_ok=True)
    copied = []
    sources = {f"results-{mode}.json": f"{mode}.json" for mode in RUNS}
    sources.update({f"{name}.json": f"{name}.json" for name in BENCHES})
    for source, name in sources.items():
        if (build / source).is_file():
            _load(build / source)  # refuse to record a broken file
            temporary = target / f".{name}.tmp"
            shutil.copyfile(build / source, temporary)
            temporary.replace(target / name)
            copied.append(target / name)
    if not copied:
        raise FileNotFoundError(
            f"nothing to record in {build}: run python -m course_utils.tools.run (and --fast) first"
        )
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.facts",
        description="The measured numbers in the README, the lessons and the lecturers' pages.",
    )
    parser.add_argument("action", choices=["record", "write", "check", "list"])
    parser.add_argument("--build-dir", type=Path, default=None, help="for record: default build/")
    args = parser.parse_args(argv)
    try:
        if args.action == "record":
            for path in record(args.build_dir):
                print(f"recorded {path.relative_to(repo_root())}")
            return 0
        if args.action == "list":
            for key, value in facts().items():
                print(f"{key:<40} {value}")
            return 0
        if args.action == "write":
            changed = write()
            print(
                "\n".join(f"wrote {p.relative_to(repo_root())}" for p in changed)
                or "every fact was up to date"
            )
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print(
                f"{len(found)} number(s) disagree with measured/: python -m course_utils.tools.facts write",
                file=sys.stderr,
            )
            return 1
        print("every marked number agrees with measured/")
        return 0
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
