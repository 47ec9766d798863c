"""The course in other languages from one source: the English notebooks hold all the code.

    python -m course_utils.tools.translate update [NN ...]   # refresh the .po files from the lessons
    python -m course_utils.tools.translate build              # write notebooks/zh/NN_name.ipynb
    python -m course_utils.tools.translate check              # exit 1 when something is stale

The prose of lesson ``NN_name`` is translated in one gettext file,
``locale/zh_CN/NN_name.po``: one entry per markdown cell, ``msgctxt`` the cell's id,
``msgid`` the English source, ``msgstr`` the translation. ``update`` refreshes the
existing files (and creates those of the lessons named): a new cell gets an empty
entry, a changed English cell keeps its old translation, flagged ``#, fuzzy`` with the
English it was made from as ``#| msgid`` (gettext's own convention), a deleted cell's
entry is dropped.

``build`` writes ``notebooks/zh/NN_name.ipynb`` for every lesson with a ``.po`` file: the
English notebook with each markdown cell replaced by its translation and its code cells
unchanged (same ids, same bytes), plus one code cell before Setup that sets
``COURSE_LANG=zh_CN``. A cell whose English changed since it was translated (its
``msgid`` is not the English notebook's cell, or the entry is fuzzy) shows the English
text under the note :data:`STALE_NOTE`; an untranslated cell shows it under
:data:`MISSING_NOTE`: the Chinese notebook never shows English silently.

A measured number between ``<!--fact KEY-->`` markers (see ``course_utils.tools.facts``)
is not part of what a translator translates: a changed number leaves the translation
current, and ``build`` copies the English cell's numbers into the translation.

``check`` fails (exit 1) when a *released* lesson (listed one per line in
``locale/zh_CN/RELEASED``) has a stale or missing entry or a translation that lost or
changed a code span, a link target, a formula or a marker of the English, or when
``notebooks/zh/`` differs from what ``build`` would write.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import repo_root
from .facts import MARKER as FACT
from .outputs import command, write_atomic

#: locale -> the folder under notebooks/ its notebooks go to
LANGUAGES = {"zh_CN": "zh"}
STALE_NOTE = "> 本段英文原文已更新，译文待更新。"
MISSING_NOTE = "> 本段尚未翻译。"
#: the id of the code cell ``build`` adds before the Setup cell
LANG_CELL_ID = "course-lang"
GENERATOR = "python -m course_utils.tools.translate build"


# --------------------------------------------------------------------------- .po files


@dataclass
class Entry:
    """One message of a .po file: a markdown cell's English (``msgid``) and translation."""

    msgctxt: str | None
    msgid: str
    msgstr: str = ""
    flags: list[str] = field(default_factory=list)
    previous: str | None = None  # ``#| msgid``: the English the fuzzy translation was made from
    comments: list[str] = field(default_factory=list)  # "# " translator comments, kept as written
    extracted: list[str] = field(default_factory=list)  # "#." comments, rewritten by update

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\t", "\\t")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
    )


_UNESCAPE = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), "\\" + m.group(1)), text)


def _po_string(keyword: str, text: str, prefix: str = "") -> list[str]:
    """``msgid "..."``, one quoted line per line of ``text`` when it has several."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= 1:
        return [f'{prefix}{keyword} "{_escape(text)}"']
    return [f'{prefix}{keyword} ""'] + [f'{prefix}"{_escape(line)}"' for line in lines]


def write_po(entries: list[Entry], header: str) -> str:
    """The text of a .po file: the header entry, then ``entries`` in order."""
    out = _po_string("msgid", "") + _po_string("msgstr", header)
    for entry in entries:
        out.append("")
        out += [f"# {line}".rstrip() for line in entry.comments]
        out += [f"#. {line}".rstrip() for line in entry.extracted]
        if entry.flags:
            out.append("#, " + ", ".join(entry.flags))
        if entry.previous is not None:
            out += _po_string("msgid", entry.previous, prefix="#| ")
        if entry.msgctxt is not None:
            out += _po_string("msgctxt", entry.msgctxt)
        out += _po_string("msgid", entry.msgid) + _po_string("msgstr", entry.msgstr)
    return "\n".join(out) + "\n"


def read_po(text: str, name: str = "<po>") -> tuple[str, list[Entry]]:
    """(header, entries) of a .po file written by :func:`write_po` or by a translator's editor.

    Reads the subset the course uses: ``msgctxt``, ``msgid``, ``msgstr``, flags, translator
    and extracted comments, the previous ``#| msgid``; plural forms and obsolete ``#~``
    entries are not used and are refused or skipped.
    """
    entries: list[Entry] = []
    header = ""
    current: dict = {}
    target = None  # the (dict, key) that a continuation line "..." extends

    def finish():
        nonlocal header, current
        if "msgid" not in current:
            if any(current.get(k) for k in ("msgctxt", "msgstr")):
                raise ValueError(f"{name}: an entry without msgid")
            current = {}
            return
        if current["msgid"] == "" and current.get("msgctxt") is None:
            header = current.get("msgstr", "")
        else:
            entries.append(
                Entry(
                    current.get("msgctxt"),
                    current["msgid"],
                    current.get("msgstr", ""),
                    current.get("flags", []),
                    current.get("previous"),
                    current.get("comments", []),
                    current.get("extracted", []),
                )
            )
        current = {}

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if "msgid" in current:
                finish()
            if line.startswith("#,"):
                current.setdefault("flags", []).extend(
                    f.strip() for f in line[2:].split(",") if f.strip()
                )
            elif line.startswith("#|"):
                rest = line[2:].strip()
                match = re.match(r'(msgid|msgctxt)?\s*"(.*)"$', rest)
                if not match:
                    raise ValueError(f"{name}:{number}: cannot read {raw!r}")
                if match.group(1) == "msgid":
                    current["previous"] = _unescape(match.group(2))
                elif match.group(1) is None and "previous" in current:
                    current["previous"] += _unescape(match.group(2))
            elif line.startswith("#."):
                current.setdefault("extracted", []).append(line[2:].strip())
            elif line.startswith("#:"):
                pass
            else:
                current.setdefault("comments", []).append(line[1:].strip())
            target = None
            continue
        match = re.match(r'(msgctxt|msgid|msgstr|msgid_plural|msgstr\[\d+\])\s+"(.*)"$', line)
        if match:
            keyword = match.group(1)
            if keyword not in ("msgctxt", "msgid", "msgstr"):
                raise ValueError(
                    f"{name}:{number}: plural forms are not used in the course's .po files"
                )
            if keyword in current or (keyword in ("msgctxt", "msgid") and "msgstr" in current):
                finish()
            current[keyword] = _unescape(match.group(2))
            target = keyword
            continue
        match = re.match(r'"(.*)"$', line)
        if match and target is not None:
            current[target] += _unescape(match.group(1))
            continue
        raise ValueError(f"{name}:{number}: cannot read {raw!r}")
    finish()
    return header, entries


def po_header(locale: str, lesson: str) -> str:
    return (
        f"Project-Id-Version: mnist-course {lesson}\n"
        f"Language: {locale}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"X-Source: notebooks/{lesson}.ipynb\n"
        "X-Generator: python -m course_utils.tools.translate update\n"
    )


# --------------------------------------------------------------------------- the layout


def locale_dir(root: Path, locale: str) -> Path:
    return Path(root) / "locale" / locale


def english_notebooks(root: Path) -> dict[str, Path]:
    """``NN_name`` -> the English lesson notebook, in order."""
    return {p.stem: p for p in sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def po_files(root: Path, locale: str) -> dict[str, Path]:
    return {p.stem: p for p in sorted(locale_dir(root, locale).glob("[0-9][0-9]_*.po"))}


def released(root: Path, locale: str) -> list[str]:
    """The lessons (``NN_name``) listed in ``locale/LOCALE/RELEASED``; ``#`` starts a comment."""
    path = locale_dir(root, locale) / "RELEASED"
    if not path.is_file():
        return []
    names = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [name.removesuffix(".ipynb").removesuffix(".po") for name in names if name]


def output_dir(root: Path, locale: str) -> Path:
    return Path(root) / "notebooks" / LANGUAGES[locale]


def _read_notebook(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def _markdown_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "markdown" and cell.source.strip()]


def without_facts(text: str) -> str:
    """``text`` with every measured number left out: what a translator translates."""
    return FACT.sub(lambda m: f"<!--fact {m.group(1)}--><!--/fact-->", text)


def with_facts_of(translation: str, english: str) -> str:
    """``translation`` with each fact's value as the English cell says it."""
    values = {m.group(1): m.group(2) for m in FACT.finditer(english)}
    return FACT.sub(
        lambda m: f"<!--fact {m.group(1)}-->{values.get(m.group(1), m.group(2))}<!--/fact-->",
        translation,
    )


# --------------------------------------------------------------------------- update


def same_ends(translation: str, english: str) -> str:
    """``translation`` starting and ending with the English's newlines, as ``msgfmt -c`` wants."""
    lead = english[: len(english) - len(english.lstrip("\n"))]
    tail = english[len(english.rstrip("\n")) :]
    return lead + translation.strip("\n") + tail


def update_entries(notebook, old: list[Entry]) -> tuple[list[Entry], dict[str, int]]:
    """The entries for ``notebook``'s markdown cells, keeping ``old`` translations by cell id."""
    by_id = {entry.msgctxt: entry for entry in old}
    entries, counts = [], Counter()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown" or not cell.source.strip():
            continue
        first = cell.source.strip().splitlines()[0][:60].strip()
        entry = by_id.pop(cell.id, None)
        if entry is None:
            entry = Entry(cell.id, cell.source)
            counts["new"] += 1
        elif without_facts(entry.msgid) != without_facts(cell.source):
            if entry.msgstr and not entry.fuzzy:
                entry.flags.append("fuzzy")
                entry.previous = entry.msgid
                counts["stale"] += 1
            entry.msgid = cell.source
        else:
            entry.msgid = cell.source  # the same prose; only measured numbers may differ
        entry.extracted = [f"cell {index}: {first}"]
        if entry.msgstr:
            entry.msgstr = same_ends(entry.msgstr, entry.msgid)
        entries.append(entry)
    counts["dropped"] = len(by_id)
    return entries, counts


def update(root: Path, locale: str, lessons: list[str] | None = None) -> list[str]:
    """Refresh the .po files (and create those of ``lessons``); one line per file saying what changed."""
    english = english_notebooks(root)
    names = set(po_files(root, locale))
    for wanted in lessons or []:
        match = [name for name in english if wanted in (name, name[:2])]
        if not match:
            raise ValueError(f"no lesson {wanted!r} in {Path(root) / 'notebooks'}")
        names.update(match)
    said = []
    for name in sorted(names):
        if name not in english:
            said.append(
                f"{name}.po: its English notebook is gone; delete the file if the lesson was removed"
            )
            continue
        path = locale_dir(root, locale) / f"{name}.po"
        header, old = (
            read_po(path.read_text(), str(path))
            if path.is_file()
            else (po_header(locale, name), [])
        )
        entries, counts = update_entries(_read_notebook(english[name]), old)
        text = write_po(entries, header)
        if not path.is_file() or path.read_text() != text:
            write_atomic(path, text)
        said.append(
            f"{path.relative_to(root)}: {len(entries)} cells, {counts['new']} new, "
            f"{counts['stale']} newly stale, {counts['dropped']} dropped"
        )
    return said


# --------------------------------------------------------------------------- build


def cell_state(entry: Entry | None, english: str) -> str:
    """``"translated"``, ``"stale"`` or ``"missing"``."""
    if entry is None or not entry.msgstr.strip():
        return "missing"
    if entry.fuzzy or without_facts(entry.msgid) != without_facts(english):
        return "stale"
    return "translated"


def translated_cell_source(entry: Entry | None, english: str) -> str:
    state = cell_state(entry, english)
    if state == "translated":
        return with_facts_of(entry.msgstr, english)
    note = STALE_NOTE if state == "stale" else MISSING_NOTE
    return f"{note}\n\n{english}"


def lang_cell(locale: str):
    import nbformat

    cell = nbformat.v4.new_code_cell(
        f'import os\n\nos.environ["COURSE_LANG"] = "{locale}"  # course_utils 的提示信息用中文显示'
    )
    cell.id = LANG_CELL_ID
    return cell


def translated_notebook(english_path: Path, po_path: Path, locale: str) -> str:
    """The text of the translated notebook ``build`` writes for one lesson."""
    import nbformat

    notebook = copy.deepcopy(_read_notebook(english_path))
    _, entries = read_po(po_path.read_text(), str(po_path))
    by_id = {entry.msgctxt: entry for entry in entries}
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = translated_cell_source(by_id.get(cell.id), cell.source)
        if cell.cell_type == "code" and not any(c.cell_type == "code" for c in cells):
            cells.append(lang_cell(locale))
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata["course_translation"] = {
        "language": locale,
        "source": english_path.name,
        "generated_by": GENERATOR,
        "note": f"edit locale/{locale}/{po_path.name}, not this file",
    }
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def expected_notebooks(root: Path, locale: str) -> dict[Path, str]:
    """Every translated notebook ``build`` writes, and its text."""
    english = english_notebooks(root)
    out = output_dir(root, locale)
    return {
        out / f"{name}.ipynb": translated_notebook(english[name], po, locale)
        for name, po in po_files(root, locale).items()
        if name in english
    }


def _generated(path: Path) -> bool:
    try:
        return (
            json.loads(path.read_text())["metadata"]["course_translation"]["generated_by"]
            == GENERATOR
        )
    except (ValueError, KeyError, TypeError):
        return False


def build(root: Path, locale: str) -> list[Path]:
    """Write the translated notebooks; remove those ``build`` wrote whose lesson is gone."""
    expected = expected_notebooks(root, locale)
    written = []
    for path, text in expected.items():
        if not path.is_file() or path.read_text() != text:
            write_atomic(path, text)
            written.append(path)
    folder = output_dir(root, locale)
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        if path not in expected and _generated(path):
            path.unlink()
            written.append(path)
    return written


# --------------------------------------------------------------------------- check

#: what a translation keeps exactly as the English has it
KEPT = {
    "code block": re.compile(r"```.*?```", re.S),
    "code span": re.compile(r"(?<!`)`[^`]+`(?!`)"),  # may run over a line break
    "formula": re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S),
    "link target": re.compile(r"\]\(([^)\s]+)\)"),
    "HTML comment": re.compile(r"<!--.*?-->", re.S),
    # a bare URL ends at a space, a bracket, a backtick, Chinese text or a final full stop
    "URL": re.compile(r"(?<![(<])https?://[^\s)>`\u3000-\uffff]*[^\s)>`\u3000-\uffff.,;:]"),
}


def lost_in_translation(english: str, translation: str) -> list[str]:
    """What the English cell has (code spans, formulas, link targets, markers) that the translation lacks or adds."""
    said = []
    for what, pattern in KEPT.items():
        have = Counter(pattern.findall(without_facts(english)))
        got = Counter(pattern.findall(without_facts(translation)))
        for item in have - got:
            said.append(f"lost {what} {item!r}")
        for item in got - have:
            said.append(f"added {what} {item!r}")
    return said


@dataclass(frozen=True)
class Term:
    """One line of ``locale/LANG/terms.tsv``: an English term and its one translation."""

    english: str
    translation: str
    origin: str  # post, chosen, kept or unchecked

    @property
    def pattern(self) -> re.Pattern:
        words = "|".join(re.escape(word.strip()) for word in self.english.split("|"))
        return re.compile(rf"(?<![\w-])(?:{words})(?:e?s)?(?![\w-])", re.I)


def terms(root: Path, locale: str) -> list[Term]:
    """The terminology of ``locale``: ``locale/LANG/terms.tsv`` (english, translation, origin)."""
    path = locale_dir(root, locale) / "terms.tsv"
    if not path.is_file():
        return []
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(
                f"{path}:{number}: expected english<TAB>translation<TAB>origin, got {line!r}"
            )
        found.append(Term(*(part.strip() for part in parts)))
    return found


def prose(markdown: str) -> str:
    """``markdown`` without code, formulas, HTML tags and link targets: the words a reader reads."""
    for pattern in KEPT.values():
        markdown = pattern.sub(" ", markdown)
    return re.sub(r"<[^>]+>", " ", markdown)


def terms_missing(english: str, translation: str, terminology: list[Term]) -> list[str]:
    """The terms the English cell uses whose translation the translated cell lacks."""
    words = prose(english)
    return [
        f"uses {term.english.split('|')[0]!r} but not {term.translation!r} (locale terms.tsv)"
        for term in terminology
        if term.origin in ("post", "chosen")
        and term.pattern.search(words)
        and term.translation not in translation
    ]


@dataclass
class LessonReport:
    name: str
    released: bool
    translated: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.translated + len(self.stale) + len(self.missing)


def lesson_report(
    english_path: Path, po_path: Path | None, is_released: bool, terminology: list[Term] = ()
) -> LessonReport:
    report = LessonReport(english_path.stem, is_released)
    entries = read_po(po_path.read_text(), str(po_path))[1] if po_path is not None else []
    by_id = {entry.msgctxt: entry for entry in entries}
    for cell in _markdown_cells(_read_notebook(english_path)):
        entry = by_id.get(cell.id)
        state = cell_state(entry, cell.source)
        if state == "translated":
            report.translated += 1
            report.damaged += [
                f"cell {cell.id}: {p}"
                for p in terms_missing(cell.source, entry.msgstr, terminology)
            ]
            report.damaged += [
                f"cell {cell.id}: {p}" for p in lost_in_translation(cell.source, entry.msgstr)
            ]
        else:
            getattr(report, state).append(cell.id)
    return report


def check(root: Path, locale: str) -> tuple[list[str], list[LessonReport]]:
    """(problems, one report per lesson with a .po file or released)."""
    problems, reports = [], []
    english = english_notebooks(root)
    pos = po_files(root, locale)
    releases = released(root, locale)
    terminology = terms(root, locale)
    for name in releases:
        if name not in english:
            problems.append(
                f"locale/{locale}/RELEASED names {name}, which is not a lesson in notebooks/"
            )
        elif name not in pos:
            problems.append(
                f"{name} is released in {locale} but locale/{locale}/{name}.po does not exist"
            )
    for name in english:
        if name not in pos and name not in releases:
            continue
        report = lesson_report(english[name], pos.get(name), name in releases, terminology)
        reports.append(report)
        if report.released:
            where = f"locale/{locale}/{name}.po"
            if report.stale:
                problems.append(
                    f"{where}: {len(report.stale)} stale translations (English changed), cells {', '.join(report.stale)}"
                )
            if report.missing:
                problems.append(
                    f"{where}: {len(report.missing)} cells not translated, cells {', '.join(report.missing)}"
                )
            problems += [f"{where}: {damage}" for damage in report.damaged]
    expected = expected_notebooks(root, locale)
    for path, text in expected.items():
        if not path.is_file():
            problems.append(f"{path.relative_to(root)} is missing: run {GENERATOR}")
        elif path.read_text() != text:
            problems.append(
                f"{path.relative_to(root)} is out of step with its .po file or the English lesson: run {GENERATOR}"
            )
    folder = output_dir(root, locale)
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        if path not in expected:
            problems.append(f"{path.relative_to(root)} has no .po file in locale/{locale}/")
    return problems, reports


# --------------------------------------------------------------------------- command


@command("translate")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.translate",
        description="The translated lessons: .po files per lesson in locale/, notebooks in notebooks/zh/.",
    )
    parser.add_argument("action", choices=["update", "build", "check"])
    parser.add_argument(
        "lessons",
        nargs="*",
        help="update: also create the .po files of these lessons (NN or NN_name)",
    )
    parser.add_argument("--lang", default="zh_CN", choices=sorted(LANGUAGES))
    parser.add_argument(
        "--root", type=Path, default=None, help="the course checkout (default: this one)"
    )
    args = parser.parse_args(argv)
    root = (args.root or repo_root()).resolve()
    if args.lessons and args.action != "update":
        parser.error("lessons are named only with update")
    try:
        if args.action == "update":
            for line in update(root, args.lang, args.lessons):
                print(line)
            return 0
        if args.action == "build":
            written = build(root, args.lang)
            for path in written:
                print(f"{'wrote' if path.exists() else 'removed'} {path.relative_to(root)}")
            if not written:
                print(f"{output_dir(root, args.lang).relative_to(root)} is up to date")
            return 0
        problems, reports = check(root, args.lang)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for report in reports:
        status = "released" if report.released else "in progress"
        print(
            f"{args.lang} {report.name}: {report.translated}/{report.total} cells translated, "
            f"{len(report.stale)} stale, {len(report.missing)} missing ({status})"
        )
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
