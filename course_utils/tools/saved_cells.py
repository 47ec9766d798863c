"""Lesson cells that define code the package also holds, and the check that the two agree.

A lesson shows the code it teaches in its own cells (d2l's ``#@save``). When the
package keeps the same definition, for tests and for later lessons, the cell's
first line says where::

    # saved in course_utils.layers
    def relu_forward(x):
        ...

Every top-level ``def``, ``class`` and assignment in such a cell must be the
same, parsed (``ast``: whitespace, comments and line breaks do not matter;
names, code and docstrings do), as the definition of that name in the module.
``python -m course_utils.tools.saved_cells`` lists every saved cell and every
difference; ``tests/test_saved_cells.py`` fails on any.

To change such code, change both (the lesson cell and the module) in one commit.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^#\s*saved in\s+(course_utils(?:\.\w+)+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SavedCell:
    """One code cell that says ``# saved in MODULE``."""

    notebook: str
    index: int  # the cell's position in the notebook
    module: str
    source: str


@dataclass(frozen=True)
class Difference:
    cell: SavedCell
    name: str
    problem: str

    def __str__(self) -> str:
        return f"{self.cell.notebook}, cell {self.cell.index}: {self.name}: {self.problem}"


def saved_cells(notebook: Path) -> list[SavedCell]:
    """The code cells of ``notebook`` whose first line is ``# saved in course_utils.X``."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        first = source.lstrip().split("\n", 1)[0].strip()
        match = MARKER.match(first)
        if match:
            found.append(SavedCell(Path(notebook).name, index, match.group(1), source))
    return found


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Top-level functions, classes and simply assigned names of a parsed module or cell."""
    named: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            named[node.name] = node
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            for target in node.targets:
                named[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            named[node.target.id] = node
    return named


def compare(cell: SavedCell) -> list[Difference]:
    """Every definition of ``cell`` that is missing from its module or differs there."""
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as error:
        return [Difference(cell, "(cell)", f"does not parse: {error}")]
    defined = _definitions(tree)
    if not defined:
        return [Difference(cell, "(cell)", "says it is saved but defines nothing")]
    try:
        module = importlib.import_module(cell.module)
    except ImportError as error:
        return [Difference(cell, "(cell)", f"cannot import {cell.module}: {error}")]
    package = _definitions(ast.parse(inspect.getsource(module)))
    differences = []
    for name, node in defined.items():
        if name not in package:
            differences.append(Difference(cell, name, f"is not defined in {cell.module}"))
        elif ast.dump(node) != ast.dump(package[name]):
            differences.append(
                Difference(cell, name, f"differs from its definition in {cell.module}")
            )
    return differences


def check(notebooks: list[Path]) -> tuple[list[SavedCell], list[Difference]]:
    """All saved cells of ``notebooks`` and all their differences from the package."""
    cells = [cell for notebook in notebooks for cell in saved_cells(notebook)]
    return cells, [difference for cell in cells for difference in compare(cell)]


def main(argv: list[str] | None = None) -> int:
    from ..paths import notebooks_dir

    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.saved_cells",
        description="List the lesson cells saved in the package and any that differ from it.",
    )
    parser.parse_args(argv)
    cells, differences = check(sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")))
    for cell in cells:
        names = ", ".join(_definitions(ast.parse(cell.source))) or "-"
        print(f"{cell.notebook:32} cell {cell.index:3}  {cell.module:34} {names}")
    for difference in differences:
        print(f"DIFFERS: {difference}", file=sys.stderr)
    print(f"{len(cells)} saved cells, {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
