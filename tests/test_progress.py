"""course_utils.progress(): which exercises you have passed, kept without ever failing a check."""

from __future__ import annotations

import json

import pytest

import course_utils
from course_utils import progress as progress_module  # the function: course_utils.progress
from course_utils.exercises import lesson01, lesson03

note = __import__("course_utils.progress", fromlist=["note"])


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "data" / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    return path


def test_checks_are_noted_and_shown(progress_file, capsys):
    lesson01.mse_gradient.check(lesson01.mse_gradient.reference)
    lesson03.one_hot.check(lambda labels, num_classes: labels)  # wrong
    lesson03.cross_entropy_gradient.check(lambda logits, labels: ...)  # not attempted: not noted
    capsys.readouterr()
    table = course_utils.progress()
    shown = capsys.readouterr().out
    assert table["01/mse_gradient"] == "passed"
    assert table["03/one_hot"] == "failed"
    assert table["03/cross_entropy_gradient"] == "not attempted"
    assert "1 of" in shown and "exercises passed" in shown and str(progress_file) in shown
    assert set(json.loads(progress_file.read_text())) == {"01/mse_gradient", "03/one_hot"}
    assert len(table) >= 19  # every exercise of the course is listed


def test_a_pass_is_kept_and_one_lesson_can_be_shown(progress_file, capsys):
    lesson01.mse_gradient.check(lesson01.mse_gradient.reference)
    lesson01.mse_gradient.check(lambda x, y, w, b: (0.0, 0.0))
    table = course_utils.progress(1)
    assert table["01/mse_gradient"] == "passed"
    assert all(key.startswith("01/") for key in table)


def test_a_file_that_cannot_be_written_warns_once_and_the_check_still_prints(
    tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(blocker / "progress.json"))  # a file as a folder
    monkeypatch.setattr(note, "_warned", False)
    with pytest.warns(RuntimeWarning, match="your progress could not be saved"):
        lesson01.mse_gradient.check(lesson01.mse_gradient.reference)
    assert "passed" in capsys.readouterr().out
    course_utils.progress(1)  # an unreadable file shows everything as not attempted
    assert "0 of" in capsys.readouterr().out


def test_a_corrupt_file_is_read_as_empty_and_forget_starts_again(progress_file, capsys):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("{ half a file")
    assert set(course_utils.progress().values()) == {"not attempted"}
    lesson01.mse_gradient.check(lesson01.mse_gradient.reference)
    assert course_utils.progress()["01/mse_gradient"] == "passed"
    note.forget_progress()
    assert not progress_file.exists()
    assert callable(progress_module)
