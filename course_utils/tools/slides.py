"""For lecturers: reveal.js slides from the lessons, and student copies of the notebooks.

    python -m course_utils.tools.slides                      # build/slides/NN_name.html, one deck per lesson
    python -m course_utils.tools.slides 02 06                # only these lessons
    python -m course_utils.tools.slides --mark               # write the default slide metadata into notebooks/
    python -m course_utils.tools.slides --student-copies DIR # notebooks with empty exercises, no solutions
    python -m course_utils.tools.slides --lecturer-notes     # refresh the mistakes in lecturers/NN_name.md

A deck is built from the lesson itself, so it never drifts from it. Which cells
appear, and where a slide begins, comes from each cell's
``metadata.slideshow.slide_type`` (``slide``, ``subslide``, ``fragment``, ``skip``,
``notes`` or ``-``, as RISE and ``nbconvert --to slides`` read them). A cell without
it gets a default (:func:`default_slide_types`): a ``#``/``##`` heading starts a slide,
a ``###`` heading, an explanation after code and a cell that draws a figure start a
subslide, and the setup section, the parameters cell, ``record(...)`` and
``.solution()`` calls are skipped. ``--mark`` writes those defaults into the
notebooks where a cell has none (explicit metadata wins; running it twice changes
nothing), so that RISE in JupyterLab (``jupyterlab-rise``) presents the same slides.

Outputs (figures, tables, printed results) come from the latest executed copy of
the lesson, ``build/executed/`` (full run) or ``build/fast/executed/`` (fast run),
whichever is newer; a cell whose code changed since that run is shown without
output. The closing slide lists what the run recorded. Long code is trimmed to its
first lines, long printouts to their ends.

The decks work offline: reveal.js (from the ``sphinx-revealjs`` package on PyPI,
``pip install -e ".[slides]"``) is copied into ``build/slides/reveal.js/``, images are
embedded, and formulas become MathML (``latex2mathml``), which browsers draw
without MathJax. Nothing is loaded from the network.
"""

from __future__ import annotations

import argparse
import ast
import copy
import html
import importlib.util
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .outputs import command

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
#: Code cells longer than this many lines are trimmed in the decks.
MAX_CODE_LINES = 14
#: Printed output longer than this many lines keeps its first and last lines.
MAX_OUTPUT_LINES = 14
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
THEME = "white"  # reveal.js' "simple" theme loads Google fonts; "white" ships its own

_CHECK = re.compile(r"\bex\.(\w+)\.check\(")
_SOLUTION = re.compile(r"\.solution\(")


# --- which cell goes where ----------------------------------------------------------------


def _heading(cell) -> tuple[int, str]:
    """(level, text) of a markdown cell's first line when it is a heading, else (0, "")."""
    if cell.cell_type != "markdown":
        return 0, ""
    first = cell.source.lstrip().split("\n", 1)[0]
    match = re.match(r"(#{1,6})\s+(.*)", first)
    return (len(match.group(1)), match.group(2).strip()) if match else (0, "")


_SAVE_AS = re.compile(r"""save_as\s*=\s*["']([\w.-]+)["']""")


def _draws_figure(cell) -> bool:
    outputs = cell.get("outputs", [])
    if any(
        "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outputs
    ):
        return True
    return bool(re.search(r"\bplotting\.\w+\(", cell.source) or _SAVE_AS.search(cell.source))


def _attach_figures(cell, figures: Path | None) -> None:
    """Show the figures a cell saved (``save_as="NAME"``) from the run's figures folder."""
    import base64

    import nbformat

    if figures is None or any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
        return
    for name in _SAVE_AS.findall(cell.source):
        path = Path(figures) / f"{name.removesuffix('.png')}.png"
        if path.is_file():
            data = {
                "image/png": base64.b64encode(path.read_bytes()).decode("ascii"),
                "text/plain": name,
            }
            cell.outputs.append(nbformat.v4.new_output("display_data", data=data))


def _is_record(cell) -> bool:
    return cell.source.lstrip().startswith("record(")


def explicit_slide_type(cell) -> str | None:
    """The slide type written in the cell's metadata, or None."""
    value = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
    return value if value in SLIDE_TYPES else None


def default_slide_types(notebook) -> list[str]:
    """The slide type of every cell of ``notebook``: its explicit metadata, else a default.

    Defaults: ``#``/``##`` headings start a slide, ``###`` headings and exercises a
    subslide; the ``## Setup`` section (imports, the parameters), ``record(...)`` and
    ``.solution()`` calls are skipped; a cell that draws a figure, and an
    explanation that follows shown code, start a subslide; the rest continues the slide.
    """
    types = []
    in_setup = False
    previous = None  # the last cell shown
    for cell in notebook.cells:
        level, title = _heading(cell)
        if level and level <= 2:
            in_setup = title.lower().rstrip(":") == "setup"
        kind = explicit_slide_type(cell)
        if kind is None:
            kind = _default(cell, level, in_setup, previous)
        types.append(kind)
        if kind not in ("skip", "notes"):
            previous = cell
    return types


def _default(cell, level, in_setup, previous) -> str:
    tags = cell.get("metadata", {}).get("tags", [])
    if in_setup or "parameters" in tags or cell.cell_type == "raw":
        return "skip"
    if cell.cell_type == "markdown":
        if level in (1, 2):
            return "slide"
        if level >= 3 or cell.source.lstrip().startswith("**Exercise"):
            return "subslide"
        return "subslide" if previous is not None and previous.cell_type == "code" else "-"
    if _SOLUTION.search(cell.source) or _is_record(cell):
        return "skip"
    return "subslide" if _draws_figure(cell) else "-"


def mark(path: str | Path, executed: str | Path | None = None) -> int:
    """Write the default slide types into the cells of the notebook at ``path`` that have none.

    ``executed`` (an executed copy) tells which cells draw figures. Returns the
    number of cells changed; explicit metadata is never overwritten.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    view = _with_outputs(notebook, executed)[0] if executed else notebook
    changed = 0
    for cell, kind in zip(notebook.cells, default_slide_types(view)):
        if explicit_slide_type(cell) is None:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
            changed += 1
    if changed:
        nbformat.validate(notebook)
        nbformat.write(notebook, str(path))
    return changed


# --- the latest run -----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a deck's outputs come from: an executed copy, which run made it, and the
    folder its figures were saved to (the runner executes with matplotlib's Agg
    backend, so the figures are files, not outputs of the executed copy)."""

    path: Path | None
    run: str  # "full run", "fast run" or "no run"
    figures: Path | None = None


def latest_run(name: str, build: Path | None = None) -> Source:
    """The newer of ``build/executed/NAME.ipynb`` (full) and ``build/fast/executed/`` (fast)."""
    from ..paths import figures_dir, resolve_build_dir

    build = resolve_build_dir(build)
    found = [
        (path.stat().st_mtime, Source(path, run, figures))
        for path, run, figures in (
            (build / "executed" / f"{name}.ipynb", "full run", figures_dir()),
            (build / "fast" / "executed" / f"{name}.ipynb", "fast run", build / "fast" / "figures"),
        )
        if path.is_file()
    ]
    return max(found, key=lambda pair: pair[0])[1] if found else Source(None, "no run")


def _with_outputs(notebook, executed) -> tuple[object, int]:
    """A copy of ``notebook`` whose code cells carry the outputs of the executed copy.

    Cells are matched by id; a cell whose source changed since the run gets no
    output. Returns (copy, number of cells whose output was dropped as stale).
    """
    import nbformat

    result = copy.deepcopy(notebook)
    if executed is None:
        return result, 0
    ran = {
        c.get("id"): c
        for c in nbformat.read(str(executed), as_version=4).cells
        if c.cell_type == "code"
    }
    stale = 0
    for cell in result.cells:
        if cell.cell_type != "code":
            continue
        before = ran.get(cell.get("id"))
        if before is not None and before.source == cell.source:
            cell.outputs = before.get("outputs", [])
        elif before is not None and before.get("outputs"):
            cell.outputs, stale = [], stale + 1
    return result, stale


# --- what a deck shows --------------------------------------------------------------------

_CODE_SPAN = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$([^$\n]+?)\$(?!\w)", re.S)


def math_to_mathml(text: str, store: dict | None = None) -> str:
    """Markdown with its ``$...$`` and ``$$...$$`` formulas turned into MathML (code spans kept).

    With ``store``, each formula is replaced by a placeholder word and its MathML is
    kept in ``store`` (placeholder -> MathML), to be put back into the HTML after the
    Markdown is rendered (:func:`to_html`): a Markdown renderer takes MathML apart.
    """
    try:
        from latex2mathml.converter import convert
    except ImportError:  # without the [slides] extra, formulas show as code
        convert = None

    def replace(match):
        display = match.group(1) is not None
        tex = (match.group(1) if display else match.group(2)).strip()
        mathml = f"<code>{html.escape(tex)}</code>"
        if convert is not None:
            try:
                mathml = convert(tex, display="block" if display else "inline")
                mathml = " ".join(
                    mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "").split()
                )
            except Exception:  # a formula latex2mathml cannot read stays readable as code
                pass
        if store is None:
            return mathml
        key = f"COURSEMATH{len(store)}X"
        store[key] = mathml
        return key

    parts = _CODE_SPAN.split(text)
    return "".join(part if k % 2 else _MATH.sub(replace, part) for k, part in enumerate(parts))


def _trim_code(source: str) -> str:
    lines = source.rstrip().split("\n")
    if len(lines) <= MAX_CODE_LINES:
        return source
    keep = MAX_CODE_LINES - 1
    return "\n".join(lines[:keep] + [f"# ... {len(lines) - keep} more lines in the notebook"])


def _trim_text(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= MAX_OUTPUT_LINES:
        return text
    head, tail = 3, MAX_OUTPUT_LINES - 4
    return (
        "\n".join(lines[:head] + [f"... ({len(lines) - head - tail} lines)"] + lines[-tail:]) + "\n"
    )


def _shown_outputs(cell) -> list:
    outputs = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr":
                continue
            output = copy.deepcopy(output)
            output["text"] = _trim_text(output.get("text", ""))
        elif kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                continue  # a live widget needs a kernel; the notebook shows it
            if list(data) == ["text/plain"] and re.fullmatch(
                r"<Figure size [^>]*>", data["text/plain"].strip()
            ):
                continue  # a figure drawn with the Agg backend: the saved file is shown instead
            if "text/plain" in data and len(data) == 1:
                output = copy.deepcopy(output)
                output["data"]["text/plain"] = _trim_text(data["text/plain"])
        outputs.append(output)
    return outputs


def deck_notebook(notebook, executed=None, *, run: str = "no run", figures: Path | None = None):
    """The notebook as the deck shows it: slide types set, skipped cells dropped,
    long code trimmed, formulas as MathML, outputs from ``executed`` with the figures
    saved in ``figures``, and a closing slide with what the run recorded."""
    import nbformat

    from ..results import read_recorded

    view, _ = _with_outputs(notebook, executed)
    types = default_slide_types(view)
    formulas: dict[str, str] = {}
    cells = []
    for cell, kind in zip(view.cells, types):
        if kind == "skip":
            continue
        cell = copy.deepcopy(cell)
        cell.metadata["slideshow"] = {"slide_type": kind}
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source, formulas)
        elif cell.cell_type == "code":
            exercise = bool(_CHECK.search(cell.source))
            cell.source = _trim_code(cell.source)
            cell.outputs = [] if exercise else _shown_outputs(cell)
            if not exercise:
                _attach_figures(cell, figures)
        cells.append(cell)
    recorded = read_recorded(nbformat.read(str(executed), as_version=4)) if executed else {}
    if recorded:
        rows = "\n".join(f"| `{key}` | {_format(value)} |" for key, value in recorded.items())
        text = f"## Key numbers of this run\n\n| figure | value |\n|---|---|\n{rows}\n\nFrom the {run}: `{Path(executed).name}`."
        cells.append(
            nbformat.v4.new_markdown_cell(text, metadata={"slideshow": {"slide_type": "slide"}})
        )
    deck = copy.deepcopy(view)
    deck.cells = cells
    deck.metadata["course_formulas"] = formulas  # placeholder -> MathML, for to_html
    return deck


def _format(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


# --- the HTML -----------------------------------------------------------------------------

_TEMPLATE = """{%- extends 'reveal/index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}
<style type="text/css">
.reveal .slides { text-align: left; }
.reveal .slides section { height: 100%; overflow-y: auto; }
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; }
.jp-OutputArea-output img { max-height: 520px; width: auto; }
math[display="block"] { margin: 0.4em 0; }
</style>
{% endblock html_head_js_mathjax %}
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true, progress: true, hash: true, slideNumber: "c/t",
  transition: "none", width: 1280, height: 800, margin: 0.04,
  plugins: [RevealNotes]
});
</script>
{% endblock footer_js %}
"""

#: What of reveal.js the decks load, relative to sphinx-revealjs' copy of it.
REVEAL_FILES = (
    "LICENSE",
    "dist/reveal.js",
    "dist/reveal.css",
    f"dist/theme/{THEME}.css",
    "dist/theme/fonts/source-sans-pro",
    "plugin/notes/notes.js",
)


class MissingPackage(RuntimeError):
    """A package the slides need is not installed."""


def reveal_source() -> Path:
    """The folder of reveal.js inside the installed ``sphinx-revealjs`` package."""
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackage(
            "the slides need reveal.js, which the sphinx-revealjs package ships; install it with: "
            "python -m pip install -e \".[slides]\"  (or: python -m pip install 'sphinx-revealjs>=3.2,<4')"
        )
    folder = Path(list(spec.submodule_search_locations)[0]) / "_static" / "revealjs"
    if not (folder / "dist" / "reveal.js").is_file():
        raise MissingPackage(f"expected reveal.js in {folder}/dist/reveal.js, found no such file")
    return folder


def copy_reveal(out: Path) -> Path:
    """Copy what the decks load of reveal.js into ``out / "reveal.js"``; return that folder."""
    source, target = reveal_source(), Path(out) / "reveal.js"
    for name in REVEAL_FILES:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    return target


_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)


def to_html(deck, title: str) -> str:
    """The reveal.js page of ``deck`` (a notebook from :func:`deck_notebook`), offline."""
    import jinja2
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        extra_loaders=[jinja2.DictLoader({"course_slides.html.j2": _TEMPLATE})],
        template_file="course_slides.html.j2",
        reveal_url_prefix="reveal.js",
        reveal_theme=THEME,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    deck = copy.deepcopy(deck)
    formulas = deck.metadata.pop("course_formulas", {})
    deck.metadata["title"] = title
    body, _ = exporter.from_notebook_node(deck)
    if formulas:  # a heading's anchor (an attribute) names its formula by a word, the text shows it
        body = re.sub(
            r'="[^"]*COURSEMATH[^"]*"',
            lambda m: re.sub(r"COURSEMATH\d+X", "math", m.group(0)),
            body,
        )
        body = re.sub(r"COURSEMATH\d+X", lambda m: formulas.get(m.group(0), m.group(0)), body)
    # CSS comments in nbconvert's style sheets cite web pages; a deck names no URL at all.
    return _STYLE.sub(
        lambda m: m.group(1) + re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S) + m.group(3), body
    )


def build_deck(
    name: str, *, build: Path | None = None, out: Path | None = None
) -> tuple[Path, Source, int]:
    """Write the deck of lesson ``name`` to ``out / NN_name.html``; return (path, source, stale cells)."""
    import nbformat

    from ..paths import absolute, build_dir, notebooks_dir
    from .lessons import lesson
    from .outputs import claim_folder, write_atomic

    item = lesson(name)
    out = absolute(out) if out is not None else build_dir() / "slides"
    claim_folder(out, "python -m course_utils.tools.slides")
    notebook = nbformat.read(str(notebooks_dir() / item.filename), as_version=4)
    source = latest_run(item.name, build)
    _, stale = _with_outputs(notebook, source.path)
    deck = deck_notebook(notebook, source.path, run=source.run, figures=source.figures)
    path = out / f"{item.name}.html"
    write_atomic(path, to_html(deck, f"Lesson {item.number}: {item.title}"))
    return path, source, stale


def build_decks(
    names=None, *, build: Path | None = None, out: Path | None = None, stream=None
) -> list[Path]:
    """Build the decks of ``names`` (default: every lesson) and copy reveal.js next to them."""
    from ..paths import absolute, build_dir
    from .lessons import LESSONS, lesson

    stream = stream or sys.stdout
    out = absolute(out) if out is not None else build_dir() / "slides"
    from .outputs import claim_folder

    claim_folder(out, "python -m course_utils.tools.slides")  # before reveal.js goes in
    copy_reveal(out)
    paths = []
    for item in [lesson(n) for n in names] if names else LESSONS:
        path, source, stale = build_deck(item.name, build=build, out=out)
        paths.append(path)
        if source.path is None:
            note = (
                f"no executed copy, so no figures or results: run `python -m course_utils.tools.run --fast "
                f"--only {item.number}` (or without --fast) first"
            )
        else:
            note = f"outputs from the {source.run} ({source.path})"
            if stale:
                note += f"; {stale} cell(s) changed since, shown without output"
        print(f"{path}: {note}", file=stream)
    return paths


# --- student copies -----------------------------------------------------------------------

_SOLUTION_SENTENCE = re.compile(
    r"[ \t]*(?:Stuck\?\s+)?\(?`ex\.\w+\.solution\(\)`(?:(?:,\s*|\s+and\s+)`ex\.\w+\.solution\(\)`)*"
    r"\s+(?:shows|prints?)\s+one\s+answer(?:\s+with\s+(?:the|its)\s+reasoning)?\.\)?"
)


def stub_source(source: str) -> str:
    """An exercise cell with every function the learner writes emptied back to its stub:
    the signature, the docstring and ``...``; the check call stays."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (a magic): leave the cell as the author wrote it
        return source
    lines = source.split("\n")
    for node in sorted(
        (n for n in tree.body if isinstance(n, ast.FunctionDef)), key=lambda n: -n.lineno
    ):
        body = node.body
        keep = 1 if ast.get_docstring(node) is not None else 0
        rest = body[keep:]
        if not rest or (
            len(rest) == 1
            and isinstance(rest[0], ast.Expr)
            and rest[0].value.__class__ is ast.Constant
            and rest[0].value.value is Ellipsis
        ):
            continue  # already a stub: keep it as written, comment and all
        indent = " " * rest[0].col_offset
        start, end = rest[0].lineno - 1, node.end_lineno
        lines[start:end] = [f"{indent}...  # your code here"]
    return "\n".join(lines)


CLASS_MODE = "\nfrom course_utils.exercises import hide_solutions\n\nhide_solutions()  # class mode: a solution shows a note, not the code"


def student_notebook(notebook):
    """A copy of a lesson for a class: exercises back to stubs, no ``.solution()`` calls
    and no sentence pointing at them; the cell that imports the exercises also switches
    on class mode (``hide_solutions()``), so that a solution asked for in class shows no code."""
    result = copy.deepcopy(notebook)
    cells = []
    class_mode_pending = True  # hide_solutions() goes after the first exercises import
    for cell in result.cells:
        if (
            cell.cell_type == "code"
            and class_mode_pending
            and re.search(r"from course_utils\.exercises import", cell.source)
        ):
            cell.source = cell.source.rstrip("\n") + "\n" + CLASS_MODE
            class_mode_pending = False
        if cell.cell_type == "code":
            if _CHECK.search(cell.source):
                cell.source = stub_source(cell.source)
            if _SOLUTION.search(cell.source):
                kept = [line for line in cell.source.split("\n") if not _SOLUTION.search(line)]
                cell.source = "\n".join(kept).strip("\n")
                if not cell.source:
                    continue
        elif cell.cell_type == "markdown":
            cell.source = _SOLUTION_SENTENCE.sub("", cell.source)
        cells.append(cell)
    result.cells = cells
    return result


def write_student_copies(folder: str | Path, names=None) -> list[Path]:
    """Write student copies of the lessons ``names`` (default: all) into ``folder``."""
    import nbformat

    from ..paths import notebooks_dir
    from .lessons import LESSONS, lesson
    from .nbclean import cleaned
    from .outputs import claim_folder, replacing

    folder = claim_folder(folder, "python -m course_utils.tools.slides --student-copies")
    paths = []
    for item in [lesson(n) for n in names] if names else LESSONS:
        notebook = nbformat.read(str(notebooks_dir() / item.filename), as_version=4)
        path = folder / item.filename
        copy_ = cleaned(student_notebook(notebook))
        nbformat.validate(copy_)
        with replacing(path) as temporary:
            nbformat.write(copy_, str(temporary))
        paths.append(path)
    return paths


# --- the command --------------------------------------------------------------------------


@command("python -m course_utils.tools.slides")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.slides", description=__doc__.split("\n")[0]
    )
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names (default: all)")
    parser.add_argument(
        "--build-dir", type=Path, default=None, help="where the runs are (default: build/)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="where the decks go (default: build/slides)"
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--mark", action="store_true", help="write default slide metadata into the notebooks"
    )
    action.add_argument(
        "--student-copies", type=Path, metavar="DIR", help="write student copies into DIR"
    )
    action.add_argument(
        "--lecturer-notes",
        action="store_true",
        help="refresh the 'mistakes' section of lecturers/NN_name.md from the checkers' catalogues",
    )
    args = parser.parse_args(argv)
    from ..paths import notebooks_dir
    from .lessons import LESSONS, lesson

    try:
        chosen = [lesson(n) for n in args.lessons] if args.lessons else list(LESSONS)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.mark:
        for item in chosen:
            changed = mark(
                notebooks_dir() / item.filename, latest_run(item.name, args.build_dir).path
            )
            print(f"{item.filename}: {changed} cell(s) marked")
        return 0
    if args.student_copies:
        for path in write_student_copies(args.student_copies, [item.name for item in chosen]):
            print(f"wrote {path}")
        return 0
    if args.lecturer_notes:
        from .lecturer_notes import refresh_pages

        for path in refresh_pages([item.name for item in chosen]):
            print(f"refreshed {path}")
        return 0
    try:
        build_decks([item.name for item in chosen], build=args.build_dir, out=args.out)
    except MissingPackage as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
