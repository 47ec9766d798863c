"""The glossary (GLOSSARY.md): every entry's lesson defines it; the book links to it."""

from __future__ import annotations

import re

import nbformat
import pytest

from course_utils.paths import repo_root
from course_utils.tools import book, glossary

TERMS = glossary.read()


def _headings(notebook) -> set[str]:
    return {
        line.lstrip("#").strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if re.match(r"^#{1,4} ", line)
    }


def test_the_glossary_is_large_sorted_and_without_duplicates():
    names = [t.term.lower() for t in TERMS]
    assert len(names) >= 40, f"only {len(names)} terms"
    assert len(set(names)) == len(names), "a term appears twice"
    assert names == sorted(names), "keep the entries in alphabetical order"
    assert len({t.lesson for t in TERMS}) >= 9, "terms from (nearly) every lesson"


@pytest.mark.parametrize("term", TERMS, ids=[t.term for t in TERMS])
def test_each_term_is_defined_where_the_glossary_says(term):
    path = repo_root() / term.notebook
    assert path.is_file(), f"{term.term}: {term.notebook} does not exist"
    assert path.name.startswith(term.lesson), (
        f"{term.term}: lesson {term.lesson} is not {path.name}"
    )
    notebook = nbformat.read(path, as_version=4)
    assert term.section in _headings(notebook), (
        f"{term.term}: {path.name} has no section {term.section!r}; its sections: {sorted(_headings(notebook))}"
    )
    text = " ".join(cell.source for cell in notebook.cells).lower()
    assert term.term.lower() in text, f"{term.term}: the word does not appear in {path.name}"


def test_an_entry_without_its_lesson_is_refused(tmp_path):
    path = tmp_path / "GLOSSARY.md"
    path.write_text("# Glossary\n\n### epoch\n\nOne pass over the training set.\n")
    with pytest.raises(ValueError, match="'epoch' lacks its last line"):
        glossary.read(path)


def test_the_first_mention_of_a_term_on_a_page_is_linked_and_nothing_else():
    terms = [
        glossary.Term("softmax", "d", "02", "s", "notebooks/02.ipynb"),
        glossary.Term("learning rate", "d", "01", "s", "notebooks/01.ipynb"),
    ]
    done: set[str] = set()
    text = (
        "## Softmax\n\nThe `softmax` of $softmax(z)$, then softmax again, with a [softmax](x.md).\n"
    )
    linked = glossary.link_terms(text, terms, "glossary.md", done)
    assert linked == (
        "## Softmax\n\nThe `softmax` of $softmax(z)$, then [softmax](glossary.md#softmax) again, "
        "with a [softmax](x.md).\n"
    )
    again = glossary.link_terms("Softmax and the Learning rate.", terms, "glossary.md", done)
    assert again == "Softmax and the [Learning rate](glossary.md#learning-rate)."


def test_the_books_lesson_pages_link_to_the_glossary():
    notebook = nbformat.read(repo_root() / "notebooks" / "02_activations.ipynb", as_version=4)
    book.link_glossary(notebook, TERMS)
    markdown = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "](glossary.md#" in markdown
    assert "](glossary.md#" not in notebook.cells[0].source  # the title cell stays as it is
