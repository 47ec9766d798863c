"""course_utils.tools.bench_serve: its baseline is the first version of the service, taken from git."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from course_utils.tools import bench_serve


def _has_first_version() -> bool:
    if shutil.which("git") is None:
        return False
    done = subprocess.run(
        ["git", "cat-file", "-e", f"{bench_serve.FIRST_VERSION}^{{commit}}"], capture_output=True
    )
    return done.returncode == 0


@pytest.mark.skipif(not _has_first_version(), reason="not a git checkout with the first version")
def test_the_first_version_is_taken_from_git_into_a_scratch_folder(tmp_path):
    root = bench_serve.first_version_root(folder=tmp_path)
    first = (root / "course_utils" / "serve.py").read_text()
    assert "def create_app(model, *, max_upload_bytes" in first
    assert "DynamicBatcher" not in first  # the first version had no batching
    assert (root / "course_utils" / "preprocess.py").is_file()


def test_a_commit_that_does_not_exist_is_a_sentence(tmp_path):
    with pytest.raises(RuntimeError, match="could not take commit 0000000"):
        bench_serve.first_version_root("0000000", folder=tmp_path)


@pytest.mark.parametrize("option", ["--requests", "--clients", "--rounds"])
def test_the_command_refuses_a_count_below_one(option, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench_serve.main([option, "0", "--model", "unused.keras"])
    assert exit_.value.code == 2
    assert f"{option} must be a positive integer, got 0" in capsys.readouterr().err
