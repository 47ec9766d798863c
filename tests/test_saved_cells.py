"""Lesson cells marked ``# saved in course_utils.X`` define exactly what the package holds."""

from __future__ import annotations

import inspect
import json

import pytest

from course_utils.paths import notebooks_dir
from course_utils.tools import saved_cells

NOTEBOOKS = sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_saved_cell_is_identical_to_the_package(notebook):
    _, differences = saved_cells.check([notebook])
    assert not differences, "\n".join(map(str, differences))


def _notebook(tmp_path, *sources):
    path = tmp_path / "99_demo.ipynb"
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": []} for s in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}))
    return path


def test_a_changed_cell_is_caught(tmp_path):
    from course_utils import data

    source = inspect.getsource(data.one_hot)
    # The cell as the package has it, spaced differently: no difference.
    respaced = source.replace("out = np.zeros(", "out   =   np.zeros(  ")
    cells, differences = saved_cells.check(
        [_notebook(tmp_path, "# saved in course_utils.data\n" + respaced)]
    )
    assert len(cells) == 1 and differences == []
    # One expression changed in the lesson: the check names the cell, the function, the module.
    changed = source.replace("return", "return 0 * ", 1)
    _, differences = saved_cells.check(
        [_notebook(tmp_path, "# saved in course_utils.data\n" + changed)]
    )
    assert [(d.name, d.cell.index) for d in differences] == [("one_hot", 0)]
    assert "differs from its definition in course_utils.data" in str(differences[0])


def test_a_name_the_package_lacks_and_an_empty_saved_cell_are_caught(tmp_path):
    path = _notebook(
        tmp_path,
        "# saved in course_utils.data\ndef not_in_the_package():\n    return 1\n",
        "# Saved in course_utils.data\nprint('nothing defined')\n",
        "def unmarked():\n    return 2\n",
    )
    cells, differences = saved_cells.check([path])
    assert [c.index for c in cells] == [0, 1]
    problems = sorted(d.problem for d in differences)
    assert problems == [
        "is not defined in course_utils.data",
        "says it is saved but defines nothing",
    ]
