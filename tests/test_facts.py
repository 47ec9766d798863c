"""One owner for every measured number (course_utils.tools.facts)."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from course_utils.paths import repo_root
from course_utils.tools import facts


def test_every_marked_number_in_the_repository_agrees_with_measured():
    found = facts.problems()
    assert not found, "\n".join(found) + "\nrun: python -m course_utils.tools.facts write"


def test_the_main_numbers_are_marked():
    """The README's lesson table and every lesson's Time line read their numbers from measured/."""
    readme = (repo_root() / "README.md").read_text()
    from course_utils.tools.lessons import LESSONS

    for lesson in LESSONS:
        assert f"<!--fact {lesson.number}.full_time-->" in readme, (
            f"README: lesson {lesson.number}'s full time"
        )
        cell = (
            nbformat.read(repo_root() / "notebooks" / lesson.filename, as_version=4).cells[0].source
        )
        assert f"<!--fact {lesson.number}.full_time-->" in cell, f"{lesson.filename}: its Time line"


def _tree(tmp_path, lessons):
    (tmp_path / "measured").mkdir()
    report = {
        "mode": "full",
        "finished": "2026-12-08 01:02:03",
        "machine": "Linux x86_64, 2 CPU cores",
        "lessons": [
            {"name": name, "seconds": seconds, "results": results}
            for name, seconds, results in lessons
        ],
    }
    (tmp_path / "measured" / "full.json").write_text(json.dumps(report))
    (tmp_path / "lecturers").mkdir()
    (tmp_path / "notebooks").mkdir()
    return tmp_path


def test_facts_are_read_from_the_runs_and_formatted_as_prose_says_them(tmp_path):
    root = _tree(
        tmp_path, [("04_mlp", 65.6, {"test_accuracy": 0.98183, "epochs": 5}), ("07_cnn", 186.0, {})]
    )
    known = facts.facts(root / "measured")
    assert known["04.full_time"] == "66 s"
    assert known["07.full_time"] == "3.1 min"
    assert known["04.test_accuracy"] == "98.18%"
    assert known["04.epochs"] == "5"
    assert known["course.full_time"] == "4.2 min"
    assert known["full.date"] == "2026-12-08"


def test_check_names_the_file_and_the_fact_that_disagree_and_write_fixes_them(tmp_path):
    root = _tree(tmp_path, [("04_mlp", 65.6, {"test_accuracy": 0.98183})])
    readme = root / "README.md"
    readme.write_text(
        "Lesson 04: <!--fact 04.full_time-->70 s<!--/fact-->, <!--fact 04.test_accuracy-->98.18%<!--/fact-->.\n"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("**Time:** <!--fact 04.full_time-->1 s<!--/fact-->")]
    )
    nbformat.write(notebook, root / "notebooks" / "04_mlp.ipynb")
    (root / "lecturers" / "04_mlp.md").write_text("Takes <!--fact 04.nothing-->9 s<!--/fact-->.\n")

    found = facts.problems(root)
    assert any(
        "README.md: 04.full_time says '70 s', the measurement is '66 s'" in line for line in found
    ), found
    assert any("notebooks/04_mlp.ipynb (cell 0): 04.full_time" in line for line in found), found
    assert any(
        "lecturers/04_mlp.md: no run measured the fact '04.nothing'" in line for line in found
    ), found
    assert len(found) == 3

    changed = facts.write(root)
    assert sorted(p.name for p in changed) == ["04_mlp.ipynb", "README.md"]
    assert (
        readme.read_text()
        == "Lesson 04: <!--fact 04.full_time-->66 s<!--/fact-->, <!--fact 04.test_accuracy-->98.18%<!--/fact-->.\n"
    )
    assert (
        "<!--fact 04.full_time-->66 s<!--/fact-->"
        in nbformat.read(root / "notebooks" / "04_mlp.ipynb", as_version=4).cells[0].source
    )
    assert len(facts.problems(root)) == 1  # the unknown fact is still reported, never invented


def test_record_copies_the_runs_results_and_refuses_a_broken_file(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "results-fast.json").write_text(json.dumps({"finished": "2026-12-08", "lessons": []}))
    copied = facts.record(build, root=tmp_path)
    assert [p.name for p in copied] == ["fast.json"]
    (build / "results-full.json").write_text("{ not json")
    with pytest.raises(ValueError, match="results-full.json is not valid JSON"):
        facts.record(build, root=tmp_path)
    assert not (tmp_path / "measured" / "full.json").exists()
    with pytest.raises(FileNotFoundError, match="nothing to record"):
        facts.record(tmp_path / "empty", root=tmp_path)


def test_the_command_fails_with_the_list_of_disagreements(tmp_path, monkeypatch, capsys):
    root = _tree(tmp_path, [("04_mlp", 65.6, {})])
    shutil.copy(repo_root() / "pyproject.toml", root / "pyproject.toml")
    (root / "README.md").write_text("<!--fact 04.full_time-->2 s<!--/fact-->\n")
    monkeypatch.setattr(facts, "repo_root", lambda: root)
    assert facts.main(["check"]) == 1
    assert "04.full_time says '2 s'" in capsys.readouterr().err
    assert facts.main(["write"]) == 0
    assert facts.main(["check"]) == 0


def test_a_full_runs_reference_epoch_turns_times_into_ratios(tmp_path):
    root = _tree(tmp_path, [("07_cnn", 150.0, {})])
    report = json.loads((root / "measured" / "full.json").read_text())
    report["reference"] = {"tensorflow_seconds_per_epoch": 12.5}
    (root / "measured" / "full.json").write_text(json.dumps(report))
    known = facts.facts(root / "measured")
    assert known["full.reference_epoch"] == "12.5 s"
    assert known["07.full_reference_epochs"] == "12.0"


def test_the_runner_records_the_reference_epoch_after_a_whole_full_run(tmp_path, monkeypatch):
    from course_utils.tools import run

    monkeypatch.setattr(run, "run_lesson", lambda item, **kw: run.LessonRun(item.name, "ok", 1.0))
    monkeypatch.setattr(
        run, "measure_reference_epoch", lambda stream=None: {"tensorflow_seconds_per_epoch": 9.0}
    )
    run.run_course(["00"], build=tmp_path, progress=False, reference_epoch=True)
    assert json.loads((tmp_path / "results.json").read_text())["reference"] == {
        "tensorflow_seconds_per_epoch": 9.0
    }
    run.run_course(["00"], fast=True, build=tmp_path, progress=False, reference_epoch=True)
    assert "reference" not in json.loads((tmp_path / "results.json").read_text())
