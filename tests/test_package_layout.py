"""The package a newcomer can find their way in: teaching code flat, machinery in tools/."""

from __future__ import annotations

import ast
import re

from course_utils.paths import repo_root

PACKAGE = repo_root() / "course_utils"


def test_each_module_says_once_which_lesson_teaches_it():
    """'Taught in' on a function only where another lesson than the module's teaches it."""
    repeated = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        module = set(re.findall(r"notebooks/\d\d_\w+\.ipynb", ast.get_docstring(tree) or ""))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                said = re.findall(
                    r"Taught in (notebooks/\d\d_\w+\.ipynb)\.", ast.get_docstring(node) or ""
                )
                repeated += [
                    f"{path.relative_to(repo_root())}:{node.lineno} {node.name}"
                    for nb in said
                    if nb in module
                ]
    assert not repeated, "these repeat their module's 'Taught in' line:\n" + "\n".join(repeated)


def test_the_machinery_lives_in_tools_and_the_lessons_modules_do_not_import_it():
    machinery = {
        "run",
        "nbclean",
        "lessons",
        "environment",
        "bench",
        "bench_preprocess",
        "bench_serve",
        "book",
        "slides",
        "lecturer_notes",
        "saved_cells",
        "facts",
        "glossary",
        "outputs",
    }
    flat = {p.stem for p in PACKAGE.glob("*.py")}
    assert not machinery & flat, (
        f"machinery outside course_utils/tools/: {sorted(machinery & flat)}"
    )
    assert machinery <= {p.stem for p in (PACKAGE / "tools").glob("*.py")}
