"""The glossary: every term the course defines, where it is defined, linked from the book.

``GLOSSARY.md`` at the repository's root is the one source. Each entry is a level-3 heading
(the term), a definition, and a last line naming where a lesson defines it::

    ### softmax

    Turns a row of scores into probabilities: exp(z) divided by the row's sum of exp(z).

    Defined in: [lesson 02, "4. Softmax: from scores to probabilities"](notebooks/02_activations.ipynb)

``tests/test_glossary.py`` checks that every entry's lesson has that section and uses the
term; the book (``python -m course_utils.tools.book``) shows the page and links the first
mention of each term on every lesson page to its entry (:func:`link_terms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import repo_root

FILENAME = "GLOSSARY.md"
_ENTRY = re.compile(r"^### (.+?)\s*$", re.M)
_DEFINED = re.compile(
    r'^Defined in: \[lesson (\d\d), "([^"]+)"\]\((notebooks/[^)]+\.ipynb)\)\s*$', re.M
)


@dataclass(frozen=True)
class Term:
    term: str
    definition: str
    lesson: str  # "02"
    section: str  # the heading of the section that defines it
    notebook: str  # notebooks/02_activations.ipynb

    @property
    def anchor(self) -> str:
        """The heading's anchor in the book (MyST's slug of the term)."""
        return slug(self.term)


def slug(text: str) -> str:
    """MyST's (GitHub's) heading anchor: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def read(path: Path | None = None) -> list[Term]:
    """Every entry of ``GLOSSARY.md``; a malformed entry raises ``ValueError`` naming it."""
    path = Path(path) if path is not None else repo_root() / FILENAME
    text = path.read_text()
    headings = list(_ENTRY.finditer(text))
    terms = []
    for index, match in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[match.end() : end].strip()
        defined = _DEFINED.search(body)
        if defined is None:
            raise ValueError(
                f"{path.name}: the entry {match.group(1)!r} lacks its last line "
                "'Defined in: [lesson NN, \"SECTION\"](notebooks/NN_name.ipynb)'"
            )
        definition = body[: defined.start()].strip()
        if not definition:
            raise ValueError(f"{path.name}: the entry {match.group(1)!r} has no definition")
        terms.append(Term(match.group(1), definition, *defined.groups()))
    return terms


# Parts of Markdown where a term must not be linked: code, math, links, HTML, headings.
_PROTECTED = re.compile(
    r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|!?\[[^\]]*\]\([^)]*\)|<[^>\n]*>|^#{1,6} [^\n]*",
    re.S | re.M,
)


def link_terms(markdown: str, terms: list[Term], target: str, done: set[str]) -> str:
    """Link the first mention of each term in ``markdown`` to ``target#anchor``.

    ``done`` holds the terms already linked on this page (updated here), so that each term
    is linked once per page. Code, math, links, HTML and headings are left as they are.
    """
    pieces, last = [], 0
    for match in _PROTECTED.finditer(markdown):
        pieces.append((False, markdown[last : match.start()]))
        pieces.append((True, match.group(0)))
        last = match.end()
    pieces.append((False, markdown[last:]))
    for term in sorted(terms, key=lambda t: -len(t.term)):  # "learning rate" before "rate"
        if term.term in done:
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(term.term)}(?![\w-])", re.I)
        for index, (protected, text) in enumerate(pieces):
            if protected:
                continue
            match = pattern.search(text)
            if match:
                link = f"[{match.group(0)}]({target}#{term.anchor})"
                pieces[index : index + 1] = [
                    (False, text[: match.start()]),
                    (True, link),
                    (False, text[match.end() :]),
                ]
                done.add(term.term)
                break
    return "".join(text for _, text in pieces)
