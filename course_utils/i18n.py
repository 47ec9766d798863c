"""The lines the course prints to learners, in the learner's language (stdlib ``gettext``).

    from course_utils.i18n import _
    print(_("Full lesson. For a quick run (about a minute), set QUICK = True in the cell above."))
    print(_("Quick values: {shown}. For the full lesson set QUICK = False.").format(shown=shown))

The language is the environment variable ``COURSE_LANG`` (``zh_CN``; the Chinese notebooks
set it in a cell before Setup), read at every call, so a lesson that sets it takes effect at
once. Without it, or for a language or a line with no translation, ``_`` returns the English
unchanged: English is the source and the default.

The translations are ``locale/LANG/course_utils.po`` at the repository's root (edited like
the lessons' ``.po`` files, see ``course_utils.tools.translate``); they are compiled to the
``.mo`` format in memory on first use and read by :class:`gettext.GNUTranslations`, so there
is no compiled file to keep in step. A fuzzy or empty entry is left out: the English shows.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
import struct

from .paths import repo_root

DOMAIN = "course_utils"
ENVIRONMENT_VARIABLE = "COURSE_LANG"


def catalogue_path(language: str):
    """``locale/LANG/course_utils.po`` of the course checkout."""
    return repo_root() / "locale" / language / f"{DOMAIN}.po"


def compile_mo(messages: dict[str, str]) -> bytes:
    """The GNU ``.mo`` file for ``messages`` (msgid -> msgstr), as ``msgfmt`` writes it."""
    keys = sorted(messages)
    ids = [key.encode("utf-8") for key in keys]
    strs = [messages[key].encode("utf-8") for key in keys]
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + 8 * len(keys)
    data = strs_table + 8 * len(keys)
    offsets, blob = [], b""
    for text in ids + strs:
        offsets.append((len(text), data + len(blob)))
        blob += text + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    for length, offset in offsets:
        out += struct.pack("<2I", length, offset)
    return out + blob


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``, or English (no change) when there is none."""
    path = catalogue_path(language) if language else None
    if path is None or not path.is_file():
        return gettext.NullTranslations()
    from .tools.translate import read_po

    header, entries = read_po(path.read_text(encoding="utf-8"), str(path))
    messages = {"": header}
    messages.update(
        {entry.msgid: entry.msgstr for entry in entries if entry.msgstr and not entry.fuzzy}
    )
    return gettext.GNUTranslations(io.BytesIO(compile_mo(messages)))


def language() -> str:
    """The learner's language: ``$COURSE_LANG`` (for example ``zh_CN``), or ``""`` for English."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "").strip()


def _(message: str) -> str:
    """``message`` in the learner's language; the English itself when there is no translation."""
    return translations(language()).gettext(message)


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns as a terminal shows them (a Chinese
    character takes two), so that a table of translated words stays aligned."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - columns)
