"""The course as a book: a static website of every executed lesson that works offline.

    python -m course_utils.tools.book              # from the latest run (full or --fast)
    python -m course_utils.tools.book --run fast   # from the fast run even if a full one is newer
    python -m http.server -d build/book      # then open http://127.0.0.1:8000

It reads the executed notebooks of ``python -m course_utils.tools.run`` (``build/executed/``
for the full run, ``build/fast/executed/`` for ``--fast``, with ``build/results-full.json``
and ``build/results-fast.json``) and writes ``build/book/`` with Sphinx, MyST-NB and the
Sphinx Book Theme: a landing page with the lesson table, one page per lesson with its
outputs and figures, the lecturers' page and how the course finds MNIST offline, all
taken from the README (and ``lecturers/*.md`` when that folder exists).

Everything a page needs is inside ``build/book/``: the theme's CSS, JavaScript and fonts,
MathJax (from the ``sphinx-mathjax-offline`` package, TeX to SVG, so no font files either)
and the figures; search runs in the browser. The pages open from a local web server and
from ``file://``. A lesson page links to its notebook as stored in ``notebooks/``
(without outputs, so learners run it themselves); exercise cells are framed as exercises
and any output of a ``.solution()`` call is left out of the page.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..paths import absolute, build_dir, figures_dir, notebooks_dir, repo_root, resolve_build_dir
from . import glossary
from .lessons import LESSONS, Lesson
from .outputs import FolderNotOursError, claim_folder, clear_folder, command

COMMAND = "python -m course_utils.tools.book"

#: Which results file and executed-notebook folder each kind of run writes (see run.py).
RUNS = {
    "full": ("results-full.json", "executed"),
    "fast": ("results-fast.json", "fast/executed"),
}

#: MathJax 3, TeX input with every extension and SVG output: one file, no fonts to fetch.
MATHJAX_FILE = "tex-svg-full.js"

EXERCISE_TAG = "exercise"
SOLUTION_HIDDEN = (
    "(The solution is not printed in the book: run the notebook and call .solution() to see it.)\n"
)
WIDGET_NOTE = (
    '<p class="course-widget-note">An interactive app appears here when you run the notebook '
    "(it needs a live Python kernel).</p>"
)
_SOLUTION_CALL = re.compile(r"^[^#\n]*\.solution\(\s*\)", re.MULTILINE)
_CHECK_CALL = re.compile(r"^[^#\n]*\.check\(", re.MULTILINE)
_SAVE_AS = re.compile(r"""save_as\s*=\s*["']([\w.-]+)["']""")
_MARKDOWN_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


class NoRunError(RuntimeError):
    """There are no executed notebooks to build the book from."""


@dataclass
class Run:
    """The run of ``python -m course_utils.tools.run`` a book is built from."""

    mode: str  # "full" or "fast"
    results_file: Path
    executed: Path
    report: dict

    @property
    def command(self) -> str:
        return "python -m course_utils.tools.run" + (" --fast" if self.mode == "fast" else "")

    def lesson_runs(self) -> dict:
        """Lesson name -> its entry in the results file (status, seconds, results, error)."""
        return {item.get("name"): item for item in self.report.get("lessons", [])}

    def notebook(self, item: Lesson) -> Path:
        return self.executed / item.filename

    def figures(self) -> list[Path]:
        """Folders where this run's lessons saved their figures (``save_as=``), first match wins."""
        build = self.results_file.parent
        if self.mode == "fast":
            return [build / "fast" / "figures"]
        return [build / "figures", figures_dir()]


def find_run(build: Path | None = None, which: str = "latest") -> Run:
    """The run to build from: ``"full"``, ``"fast"`` or the ``"latest"`` of the two (by file time).

    Raises :class:`NoRunError` with the command to run first when there is none.
    """
    if which not in ("latest", *RUNS):
        raise ValueError(f"which run: expected 'latest', 'full' or 'fast', got {which!r}")
    build = resolve_build_dir(build)
    found = []
    for mode, (results_name, executed_name) in RUNS.items():
        if which not in ("latest", mode):
            continue
        results_file, executed = build / results_name, build / executed_name
        if results_file.is_file() and any(executed.glob("*.ipynb")):
            found.append((results_file.stat().st_mtime, mode, results_file, executed))
    if not found:
        wanted = {
            "latest": "the full or the fast run",
            "full": "the full run",
            "fast": "the fast run",
        }[which]
        first = "python -m course_utils.tools.run" + (" --fast" if which != "full" else "")
        raise NoRunError(
            f"no executed lessons to build the book from: expected {wanted} of python -m "
            f"course_utils.tools.run in {build} (results-full.json with executed/*.ipynb, or "
            f"results-fast.json with fast/executed/*.ipynb), found none. Run `{first}` first, "
            "then `python -m course_utils.tools.book`."
        )
    _, mode, results_file, executed = max(found)
    try:
        report = json.loads(results_file.read_text())
    except ValueError as error:
        command = "python -m course_utils.tools.run" + (" --fast" if mode == "fast" else "")
        raise NoRunError(
            f"{results_file} is not valid JSON ({error}); run `{command}` again"
        ) from error
    return Run(mode, results_file, executed, report)


# --- the README, read by sections ------------------------------------------------------


def readme_sections(text: str) -> tuple[str, dict]:
    """The README's H1 title and its ``## `` sections: heading -> body (without the heading)."""
    title = ""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if not fence and line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
            continue
        sections[current].append(line)
    return title, {key: "\n".join(lines).strip() + "\n" for key, lines in sections.items()}


def _section(sections: dict, start: str) -> str:
    """The body of the first section whose heading starts with ``start`` ('' if none)."""
    for heading, body in sections.items():
        if heading.lower().startswith(start.lower()):
            return body
    return ""


def lesson_summaries(readme_text: str) -> dict:
    """Lesson number -> the README lesson table's "what you learn" cell."""
    found = {}
    for line in readme_text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"\d\d", cells[0]) and "](" in cells[1]:
            found[cells[0]] = cells[2]
    return found


# --- lesson notebooks ------------------------------------------------------------------


def prepare_lesson(
    nb, item: Lesson, entry: dict | None, download: str, command: str, figures: list[Path] = ()
):
    """A copy of the executed notebook ``nb`` as its book page shows it.

    * a note after the first cell (title, what you learn, time, prerequisites) with the
      link to the notebook without outputs, and the run's status when it failed;
    * code cells that call an exercise's ``.check(`` are tagged ``exercise``;
    * outputs of cells that call ``.solution()`` are replaced by a short note;
    * widget outputs (they need a live kernel) are replaced by a note;
    * progress bars show their last state, as in a terminal;
    * a cell that saved a figure (``save_as="NAME"``) but shows no image (the runner draws
      with matplotlib's Agg backend) shows ``NAME.png`` from the first of ``figures`` that has it.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        if _CHECK_CALL.search(cell.source) and EXERCISE_TAG not in tags:
            tags.append(EXERCISE_TAG)
        if _SOLUTION_CALL.search(cell.source):
            cell.outputs = [_stream(SOLUTION_HIDDEN)] if cell.get("outputs") else []
            continue
        cell.outputs = _tidy_streams(
            [_without_widget(output) for output in cell.get("outputs", [])]
        )
        _attach_figures(cell, figures)
    note = [
        f"```{{admonition}} Run it yourself\n:class: tip course-download\n"
        f"[Download {item.filename}](path:{download}) (the notebook without outputs), "
        "open it with `jupyter lab` after the installation on the [home page](index.md), and "
        "run the cells from the top. The outputs below come from "
        f"`{command}`.\n```"
    ]
    if entry and entry.get("status") != "ok":
        note.append(
            f"```{{warning}}\nThis lesson failed in the run the book was built from: "
            f"{entry.get('error') or entry.get('status')}. The page shows its outputs up to the failure.\n```"
        )
    from nbformat.v4 import new_markdown_cell

    nb.cells.insert(1, new_markdown_cell("\n\n".join(note)))
    return nb


def link_glossary(nb, terms) -> None:
    """Link the first mention of each glossary term on a lesson's page to its entry."""
    done: set[str] = set()
    for cell in nb.cells[1:]:  # not the title cell
        if cell.cell_type == "markdown":
            cell.source = glossary.link_terms(cell.source, terms, "glossary.md", done)


def _stream(text: str):
    from nbformat.v4 import new_output

    return new_output("stream", name="stdout", text=text)


def _attach_figures(cell, figures: list[Path]) -> None:
    import base64

    from nbformat.v4 import new_output

    if any(key.startswith("image/") for output in cell.outputs for key in output.get("data", {})):
        return
    for name in _SAVE_AS.findall(cell.source):
        filename = f"{name.removesuffix('.png')}.png"
        found = next(
            (Path(folder) / filename for folder in figures if (Path(folder) / filename).is_file()),
            None,
        )
        if found is not None:
            data = {
                "image/png": base64.b64encode(found.read_bytes()).decode("ascii"),
                "text/plain": f"<{filename}>",
            }
            cell.outputs.append(new_output("display_data", data=data))


def _tidy_streams(outputs: list) -> list:
    """Merge consecutive prints to the same stream and keep what a terminal would show of
    a line rewritten with carriage returns (progress bars): its last version."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] += output["text"]
        else:
            merged.append(copy.deepcopy(output))
    for output in merged:
        if output.get("output_type") == "stream" and "\r" in output["text"]:
            lines = output["text"].replace("\r\n", "\n").split("\n")
            output["text"] = "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)
    return merged


def _without_widget(output):
    data = output.get("data") or {}
    if "application/vnd.jupyter.widget-view+json" not in data:
        return output
    from nbformat.v4 import new_output

    return new_output("display_data", data={"text/html": WIDGET_NOTE})


def clean_copy(source: Path, target: Path) -> None:
    """Write ``source`` without any output or execution count to ``target`` (the download)."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


# --- pages -----------------------------------------------------------------------------


def _percent_or_short(key: str, value) -> str:
    if isinstance(value, float) and "accuracy" in key and 0 <= value <= 1:
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _duration(seconds) -> str:
    if not isinstance(seconds, (int, float)):
        return "-"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def lesson_table(run: Run, summaries: dict, built: list[Lesson]) -> str:
    """The landing page's table: lesson, what you learn, time, status and results of ``run``."""
    entries = run.lesson_runs()
    rows = [
        "| # | lesson | what you learn | time | status | results |",
        "|---|---|---|---|---|---|",
    ]
    for item in LESSONS:
        entry = entries.get(item.name, {})
        link = f"[{item.title}]({item.name}.ipynb)" if item in built else item.title
        results = "; ".join(
            f"{k} {_percent_or_short(k, v)}" for k, v in (entry.get("results") or {}).items()
        )
        status = entry.get("status", "not run")
        rows.append(
            f"| {item.number} | {link} | {_cell(summaries.get(item.number, ''))} | "
            f"{_duration(entry.get('seconds'))} | {status} | {_cell(results) or '-'} |"
        )
    return "\n".join(rows) + "\n"


def _rewrite_links(
    text: str, page_depth: int, built: list[Lesson], static_figures: Path, repo: Path
) -> str:
    """Point a README-style link at the book's pages: a lesson notebook at its page, a figure
    at its copy in the book; a link to any other file of the repository becomes plain text."""
    up = "../" * page_depth
    names = {item.filename: item for item in built}

    def replace(match):
        bang, label, target = match.groups()
        if re.match(r"^[a-z]+:|^#|^/", target):
            return match.group(0)
        filename = Path(target.split("#")[0]).name
        if filename in names:
            return f"{bang}[{label}]({up}{filename})"
        if "figures/" in target and filename.endswith((".png", ".jpg", ".svg")):
            source = repo / "figures" / filename
            if source.is_file():
                static_figures.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, static_figures / filename)
                return f"{bang}[{label}]({up}figures/{filename})"
        return f"{label} (`{target}`)" if not bang else f"`{target}`"

    return _MARKDOWN_LINK.sub(replace, text)


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def write_pages(source: Path, run: Run, built: list[Lesson], repo: Path) -> None:
    """Write the landing page, the lecturers' page (with ``lecturers/*.md``) and the MNIST page."""
    readme = (repo / "README.md").read_text() if (repo / "README.md").is_file() else ""
    title, sections = readme_sections(readme)
    title = title or "Handwritten digit recognition"
    figures = source / "figures"
    entries = run.lesson_runs()
    finished = run.report.get("finished") or time.strftime(
        "%Y-%m-%d %H:%M", time.localtime(run.results_file.stat().st_mtime)
    )
    machine = run.report.get("machine")
    measured = f"`{run.command}`, {finished}" + (f", {machine}" if machine else "")
    if run.mode == "full":
        about = f"The pages show the outputs and figures of the full run ({measured}): every lesson with its own parameters."
    else:
        about = (
            f"The pages show the outputs and figures of the fast run ({measured}): small parameters, "
            "so accuracies are lower than in the full course (`python -m course_utils.tools.run`)."
        )
    failed = [name for name, entry in entries.items() if entry.get("status") != "ok"]
    if failed:
        about += f" Failed in that run: {', '.join(failed)}."

    lecturer_files = (
        sorted((repo / "lecturers").glob("*.md")) if (repo / "lecturers").is_dir() else []
    )
    for path in lecturer_files:
        text = _rewrite_links(path.read_text(), 1, built, figures, repo)
        (source / "lecturers").mkdir(exist_ok=True)
        (source / "lecturers" / path.name).write_text(
            text if text.lstrip().startswith("# ") else f"# {path.stem}\n\n{text}"
        )

    about_pages = "lecturers\nmnist-offline"
    if (repo / glossary.FILENAME).is_file():
        text = _rewrite_links((repo / glossary.FILENAME).read_text(), 0, built, figures, repo)
        (source / "glossary.md").write_text(text)
        about_pages += "\nglossary"

    intro = _rewrite_links(sections.get("", ""), 0, built, figures, repo)
    quick_start = _rewrite_links(
        _section(sections, "Start here") or _section(sections, "Quick start"),
        0,
        built,
        figures,
        repo,
    )
    toc_lessons = "\n".join(item.name for item in built)
    index = f"""# {title}

{intro}
## The lessons

{about} Each lesson's page links to its notebook, without outputs, for you to run.

{lesson_table(run, lesson_summaries(readme), built)}
## Start here

{quick_start}
This book is built by `python -m course_utils.tools.book` from the latest run, into `build/book/`;
open `build/book/index.html` or serve it with `python -m http.server -d build/book`.
It works offline. See also [the glossary](glossary.md), [the lecturers' page](lecturers.md) and
[how the course finds MNIST offline](mnist-offline.md).

```{{toctree}}
:hidden:
:caption: Lessons

{toc_lessons}
```

```{{toctree}}
:hidden:
:caption: About the course

{about_pages}
```
"""
    (source / "index.md").write_text(index)

    lecturers = _rewrite_links(_section(sections, "For lecturers"), 0, built, figures, repo)
    page = f"# For lecturers\n\n{lecturers}\n"
    if lecturer_files:
        page += "\n## Notes for each lesson\n\n"
        for path in lecturer_files:
            page += f"- [{_title(path.read_text(), path.stem)}](lecturers/{path.name})\n"
        page += (
            "\n```{toctree}\n:hidden:\n\n"
            + "\n".join(f"lecturers/{p.stem}" for p in lecturer_files)
            + "\n```\n"
        )
    (source / "lecturers.md").write_text(page)

    mnist = _rewrite_links(
        _section(sections, "How the course finds MNIST"), 0, built, figures, repo
    )
    (source / "mnist-offline.md").write_text(f"# How the course finds MNIST offline\n\n{mnist}")


CSS = """
/* Exercise cells: framed, with a label, so a reader sees what to write and what checks it. */
div.cell.tag_exercise {
  border-left: 4px solid #d9822b;
  background: #fff8ef;
  padding: 0.4em 0.6em 0.2em 0.8em;
  margin: 1em 0;
}
div.cell.tag_exercise::before {
  content: "Exercise: write the function in your copy of the notebook; the check below says what is wrong";
  display: block;
  font-weight: 600;
  font-size: 0.9em;
  color: #9a4f0a;
  margin-bottom: 0.3em;
}
html[data-theme="dark"] div.cell.tag_exercise { background: #2b2117; }
html[data-theme="dark"] div.cell.tag_exercise::before { color: #f0b070; }
p.course-widget-note { font-style: italic; color: #666; }
/* The landing page's lesson table: six columns in the text's width. */
section#the-lessons table { font-size: 0.85em; }
"""

CONF = """# Written by python -m course_utils.tools.book; edit course_utils/tools/book.py instead.
project = {project!r}
author = "the course's authors"
extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"
nb_ipywidgets_js = {{}}
nb_merge_streams = True
exclude_patterns = ["_build", "downloads/**"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]
html_theme = "sphinx_book_theme"
html_title = {project!r}
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
mathjax_path = {mathjax!r}
# The figures have white backgrounds: light by default (the reader can switch); a mode must be
# set, or the theme logs "Got invalid theme mode" as a console error.
html_context = {{"default_mode": "light"}}
html_theme_options = {{
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}}
"""


def mathjax_dir() -> Path:
    """MathJax 3 as shipped by the ``sphinx-mathjax-offline`` package (only its files are used)."""
    from importlib import metadata

    try:
        distribution = metadata.distribution("sphinx-mathjax-offline")
    except metadata.PackageNotFoundError as error:
        raise ModuleNotFoundError(
            "the book needs MathJax from the sphinx-mathjax-offline package: python -m pip install -e '.[book]'"
        ) from error
    for file in distribution.files or []:
        if file.name == MATHJAX_FILE:
            return Path(distribution.locate_file(file)).parent
    raise FileNotFoundError(f"sphinx-mathjax-offline has no {MATHJAX_FILE}; reinstall it")


def stage(run: Run, source: Path, repo: Path | None = None) -> list[Lesson]:
    """Write the Sphinx project for ``run`` into ``source``; return the lessons it holds."""
    import nbformat

    repo = repo or repo_root()
    if source.exists():
        shutil.rmtree(source)
    (source / "_static").mkdir(parents=True)
    entries = run.lesson_runs()
    built = []
    terms = glossary.read(repo / glossary.FILENAME) if (repo / glossary.FILENAME).is_file() else []
    for item in LESSONS:
        executed = run.notebook(item)
        if not executed.is_file():
            continue
        download = f"downloads/{item.filename}"
        original = notebooks_dir() / item.filename
        clean_copy(original if original.is_file() else executed, source / download)
        nb = prepare_lesson(
            nbformat.read(executed, as_version=4),
            item,
            entries.get(item.name),
            download,
            run.command,
            run.figures(),
        )
        link_glossary(nb, terms)
        nbformat.write(nb, source / item.filename)
        built.append(item)
    write_pages(source, run, built, repo)
    (source / "_static" / "course.css").write_text(CSS)
    shutil.copy2(mathjax_dir() / MATHJAX_FILE, source / "_static" / MATHJAX_FILE)
    project = (
        readme_sections((repo / "README.md").read_text())[0]
        if (repo / "README.md").is_file()
        else ""
    )
    (source / "conf.py").write_text(
        CONF.format(project=project or "MNIST course", mathjax=MATHJAX_FILE)
    )
    return built


def build_book(
    run: Run, output: Path | None = None, *, work: Path | None = None, quiet: bool = True
) -> Path:
    """Build the book of ``run`` into ``output`` (default ``build/book``); return ``output``."""
    try:
        from sphinx.cmd.build import build_main
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            f"the book is built with Sphinx ({error}): python -m pip install -e '.[book]'"
        ) from error

    output = absolute(output) if output is not None else build_dir() / "book"
    work = Path(work) if work is not None else output.parent / "book-source"
    claim_folder(output, COMMAND)  # refuses a folder of the user's before any work
    stage(run, work / "source")
    html = work / "html"  # built apart, then moved in: an interrupted build leaves the old book
    if html.exists():
        shutil.rmtree(html)
    arguments = [
        "-b",
        "html",
        "-d",
        str(work / "doctrees"),
        "-j",
        "1",
        str(work / "source"),
        str(html),
    ]
    if quiet:
        arguments.insert(0, "-q")
    status = build_main(arguments)
    if status != 0 or not (html / "index.html").is_file():
        raise RuntimeError(f"Sphinx failed (exit status {status}); its messages are above")
    clear_folder(output, COMMAND)
    for item in html.iterdir():
        shutil.move(str(item), str(output / item.name))
    html.rmdir()
    # Source maps are for the theme's developers (a browser fetches them only with its
    # developer tools open): 2.5 MB that a reader's copy does not need.
    for source_map in (output / "_static").rglob("*.map"):
        source_map.unlink()
    with contextlib.suppress(OSError):
        (output / "_sources").rmdir()  # empty: the pages' sources are not copied
    (output / ".nojekyll").write_text("")
    return output


@command(COMMAND)
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.book",
        description="Build build/book/, a static website of the executed lessons that works offline.",
    )
    parser.add_argument(
        "--run",
        choices=["latest", "full", "fast"],
        default="latest",
        help="which run of python -m course_utils.tools.run to show (default: the latest of the two)",
    )
    parser.add_argument(
        "--build-dir", type=Path, default=None, help="default: $COURSE_BUILD_DIR or build/"
    )
    parser.add_argument("--output", type=Path, default=None, help="default: <build dir>/book")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    args = parser.parse_args(argv)
    try:
        run = find_run(args.build_dir, args.run)
    except NoRunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    build = resolve_build_dir(args.build_dir)
    output = absolute(args.output) if args.output is not None else build / "book"
    lessons = len(run.lesson_runs())
    print(
        f"Building the book from the {run.mode} run ({run.results_file}, {lessons} lesson(s), "
        f"notebooks in {run.executed}) ...",
        flush=True,
    )
    start = time.perf_counter()
    try:
        path = build_book(run, output, work=Path(build) / "book-source", quiet=not args.verbose)
    except (RuntimeError, ModuleNotFoundError, FileNotFoundError, FolderNotOursError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"Wrote {path / 'index.html'} in {time.perf_counter() - start:.0f} s. "
        f"Open it, or serve it: python -m http.server -d {path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
