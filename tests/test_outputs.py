"""The commands never destroy a user's file and end cleanly (course_utils.tools.outputs)."""

from __future__ import annotations

import errno
import json
import math
from pathlib import Path

import numpy as np
import pytest

from course_utils import data, paths
from course_utils.tools import book, nbclean, outputs, run, slides
from course_utils.tools.lessons import LESSONS


def _users_folder(tmp_path) -> Path:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("years of work")
    return folder


# --- folders the commands write into ----------------------------------------------------


def test_a_new_an_empty_or_an_own_folder_is_claimed(tmp_path):
    new = outputs.claim_folder(tmp_path / "a" / "b", "cmd")
    assert (new / outputs.MARKER).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    outputs.claim_folder(empty, "cmd")
    (new / "page.html").write_text("old")
    outputs.clear_folder(new, "cmd")  # ours: emptied, marker kept
    assert [p.name for p in new.iterdir()] == [outputs.MARKER]


def test_a_folder_with_a_users_files_is_refused_and_left_alone(tmp_path):
    folder = _users_folder(tmp_path)
    with pytest.raises(
        outputs.FolderNotOursError,
        match=r"holds other files \(chapter1.tex\), so nothing was written",
    ):
        outputs.clear_folder(folder, "python -m course_utils.tools.book")
    assert (folder / "chapter1.tex").read_text() == "years of work"
    assert not (folder / outputs.MARKER).exists()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(NotADirectoryError):
        outputs.claim_folder(a_file, "cmd")


def test_the_book_refuses_a_non_empty_folder_before_any_work(tmp_path):
    folder = _users_folder(tmp_path)
    pytest.importorskip("sphinx")
    with pytest.raises(outputs.FolderNotOursError):
        book.build_book(run=None, output=folder, work=tmp_path / "work")
    assert sorted(p.name for p in folder.iterdir()) == ["chapter1.tex"]
    assert not (tmp_path / "work").exists()


def test_student_copies_refuse_a_non_empty_folder_and_exit_1(tmp_path, capsys):
    folder = _users_folder(tmp_path)
    assert slides.main(["--student-copies", str(folder), "01"]) == 1
    assert "holds other files (chapter1.tex)" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["chapter1.tex"]
    written = slides.write_student_copies(tmp_path / "class", ["01"])
    assert [p.name for p in written] == [LESSONS[1].filename]
    slides.write_student_copies(tmp_path / "class", ["01"])  # again: the folder is ours


# --- files written at once ---------------------------------------------------------------


def test_a_full_disk_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    outputs.write_atomic(target, '{"complete": true}')
    real = Path.write_text

    def full_disk(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2])  # half of it reached the disk
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(OSError):
        outputs.write_atomic(target, '{"complete": false, "much": "longer"}')
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"complete": True}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary left behind


def test_os_errors_become_one_sentence_and_exit_1_and_ctrl_c_exits_130(capsys):
    @outputs.command("python -m course_utils.tools.demo")
    def full(argv=None):
        raise OSError(errno.ENOSPC, "No space left on device", "/data/build/model.keras")

    @outputs.command("python -m course_utils.tools.demo")
    def interrupted(argv=None):
        raise KeyboardInterrupt

    assert full() == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "error: python -m course_utils.tools.demo could not write or read a file: "
        "no space left on the device: /data/build/model.keras"
    )
    assert interrupted() == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "python -m course_utils.tools.demo: interrupted (Ctrl-C); files already complete were kept."
    ]


# --- the runner ---------------------------------------------------------------------------


def _fake_run(name, seconds=1.0):
    return run.LessonRun(name, "ok", seconds, {}, {"test_accuracy": 0.99}, "", "", "")


def test_ctrl_c_records_the_lessons_that_finished_and_exits_130(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_run_lesson(item, **kwargs):
        calls.append(item.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return _fake_run(item.name)

    monkeypatch.setattr(run, "run_lesson", fake_run_lesson)
    previous = {
        "mode": "full",
        "lessons": [{"name": LESSONS[5].name, "seconds": 9.0, "results": {}}],
    }
    (tmp_path / "results-full.json").write_text(json.dumps(previous))
    code = run.main(["--only", "00", "01", "02", "--build-dir", str(tmp_path), "--no-progress"])
    assert code == 130
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["interrupted"] is True and [r["name"] for r in report["lessons"]] == [
        LESSONS[0].name
    ]
    merged = json.loads((tmp_path / "results-full.json").read_text())
    assert [r["name"] for r in merged["lessons"]] == [LESSONS[0].name, LESSONS[5].name]
    err = capsys.readouterr().err
    assert "Traceback" not in err and "interrupted (Ctrl-C)" in err


def test_an_interrupted_lesson_keeps_its_previous_executed_notebook(tmp_path, monkeypatch):
    import papermill

    executed = tmp_path / "executed" / LESSONS[2].filename
    executed.parent.mkdir(parents=True)
    executed.write_text("the complete notebook of the last run")

    def interrupted(source, output, **kwargs):
        Path(output).write_text("half a notebook")
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run.run_lesson(LESSONS[2], fast=True, build=tmp_path, progress=False)
    assert executed.read_text() == "the complete notebook of the last run"
    assert sorted(p.name for p in executed.parent.iterdir()) == [LESSONS[2].filename]


def test_a_relative_build_dir_means_one_place(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(
        run, "run_lesson", lambda item, **kw: seen.append(kw["build"]) or _fake_run(item.name)
    )
    monkeypatch.chdir(tmp_path)
    run.run_course(["00"], build=Path("mybuild"), progress=False)
    assert seen == [tmp_path / "mybuild"] and seen[0].is_absolute()
    assert (tmp_path / "mybuild" / "results.json").is_file()
    assert paths.absolute("x") == tmp_path / "x"


@pytest.mark.parametrize("value", ["nan", "0", "-1", "inf", "soon"])
def test_a_timeout_must_be_a_positive_number_of_seconds(value, capsys):
    with pytest.raises(SystemExit) as stop:
        run.main(["--timeout", value, "--only", "00"])
    assert stop.value.code == 2
    assert "expected a number of seconds" in capsys.readouterr().err
    assert run.positive_seconds("600") == 600 and math.isfinite(run.positive_seconds("0.5"))


def test_nbclean_names_the_lessons_when_one_is_unknown(capsys):
    with pytest.raises(SystemExit) as stop:
        nbclean.main(["check", "99"])
    assert stop.value.code == 2
    assert "no lesson called '99'; the lessons are: 00_setup_and_mnist" in capsys.readouterr().err


# --- MNIST files ----------------------------------------------------------------------------


def test_mnist_path_pointing_at_a_folder_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path))
    with pytest.raises(
        data.MnistFileError, match=r"points to the folder .*expected the file itself"
    ):
        data.load_mnist(verbose=False)


def test_an_npz_with_no_pictures_is_refused(tmp_path):
    empty = np.zeros((0, 28, 28), np.uint8), np.zeros((0,), np.uint8)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=empty[0], y_train=empty[1], x_test=empty[0], y_test=empty[1])
    with pytest.raises(data.MnistFileError, match="x_train holds no pictures"):
        data.read_mnist_npz(path)
