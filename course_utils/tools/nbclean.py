"""How notebooks are kept in git: outputs stripped, except the cells nbval checks.

A lesson is committed with no outputs, no execution counts and no run metadata,
so that a diff shows only what an author changed. Of a cell's metadata only its
``tags``, ``jupyter`` (hidden source) and ``slideshow`` (the slide type that
``course_utils.tools.slides`` and RISE read) are kept. The one exception: code cells
tagged ``nbval-check-output`` keep their output (less what went to stderr: log
lines with timestamps), which the tests compare (with nbval) against a fresh fast run. Those cells hold deterministic values that do
not depend on the fast parameters.

    python -m course_utils.tools.nbclean clean            # strip every lesson in notebooks/
    python -m course_utils.tools.nbclean check            # exit 1 if a lesson is not clean
    python -m course_utils.tools.nbclean refresh 02 03    # re-run fast, store the checked outputs
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .outputs import command, replacing

CHECK_TAG = "nbval-check-output"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_CELL_METADATA_KEPT = ("tags", "jupyter", "slideshow")  # slideshow: course_utils.tools.slides, RISE


def _is_checked(cell) -> bool:
    return CHECK_TAG in cell.get("metadata", {}).get("tags", [])


def cleaned(notebook):
    """Return ``notebook`` (an nbformat node) stripped for git; checked cells keep their outputs."""
    notebook.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    for cell in notebook.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in _CELL_METADATA_KEPT and v}
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if not _is_checked(cell):
            cell.outputs = []
            continue
        cell.outputs = [
            o
            for o in cell.outputs
            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = None
    return notebook


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _write(notebook, path) -> None:
    import nbformat

    nbformat.validate(notebook)
    with replacing(path) as temporary:  # a lesson is never left half-written
        nbformat.write(notebook, str(temporary))


def is_clean(path: str | Path) -> bool:
    """Whether the notebook at ``path`` is stored as :func:`cleaned` would store it."""
    import nbformat

    original = Path(path).read_text()
    stripped = nbformat.writes(cleaned(nbformat.reads(original, as_version=4)))
    return original.rstrip("\n") == stripped.rstrip("\n")


def clean(path: str | Path) -> bool:
    """Strip the notebook at ``path`` in place; return whether anything changed."""
    if is_clean(path):
        return False
    _write(cleaned(_read(path)), path)
    return True


def refresh(name: str) -> Path:
    """Execute a lesson in fast mode and store the outputs of its checked cells in the source."""
    from ..paths import notebooks_dir
    from .lessons import lesson
    from .run import run_lesson

    item = lesson(name)
    source = notebooks_dir() / item.filename
    with tempfile.TemporaryDirectory() as tmp:
        run = run_lesson(
            item, fast=True, build=Path(tmp), figures=Path(tmp) / "figures", progress=False
        )
        if run.status != "ok":
            raise RuntimeError(f"{item.name} failed in fast mode, nothing stored: {run.error}")
        executed = _read(run.output)
    outputs = {
        cell.get("id"): cell.get("outputs", [])
        for cell in executed.cells
        if cell.cell_type == "code"
    }
    notebook = _read(source)
    for cell in notebook.cells:
        if cell.cell_type == "code" and _is_checked(cell):
            if cell.get("id") not in outputs:
                raise RuntimeError(
                    f"{item.name}: checked cell {cell.get('id')} not found in the executed copy"
                )
            cell.outputs = outputs[cell.get("id")]
    _write(cleaned(notebook), source)
    return source


def _lesson_paths(names: list[str]) -> list[Path]:
    from ..paths import notebooks_dir
    from .lessons import lesson

    if names:
        return [notebooks_dir() / lesson(name).filename for name in names]
    return sorted(notebooks_dir().glob("*.ipynb"))


@command("python -m course_utils.tools.nbclean")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.nbclean", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=["clean", "check", "refresh"])
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names (default: all)")
    args = parser.parse_args(argv)
    try:
        _lesson_paths(args.lessons)
    except ValueError as error:
        parser.error(str(error))  # exit 2 with the usage and the known lessons
    if args.command == "refresh":
        for name in args.lessons or [p.stem for p in _lesson_paths([])]:
            print(f"refreshed {refresh(name)}")
        return 0
    dirty = []
    for path in _lesson_paths(args.lessons):
        if args.command == "clean":
            if clean(path):
                print(f"cleaned {path}")
        elif not is_clean(path):
            dirty.append(path)
    for path in dirty:
        print(f"not clean: {path} (run: python -m course_utils.tools.nbclean clean)")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
