"""course_utils.paths: lessons write under build/ by default, and find lesson 07's model."""

import os

from course_utils import paths


def test_figures_go_under_the_build_folder_unless_told_otherwise(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_FIGURES_DIR", raising=False)
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "b"))
    assert paths.figures_dir() == tmp_path / "b" / "figures"
    assert paths.published_figures_dir() == paths.repo_root() / "figures"


def _save(path, mtime):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"model")
    os.utime(path, (mtime, mtime))


def test_find_model_takes_the_newest_run_full_or_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    found = paths.find_model()
    assert found.path is None
    assert (
        "run lesson 07 first" in found.message
        and str(tmp_path / "fast" / "models") in found.message
    )

    full, fast = (
        tmp_path / "models" / "lesson07_cnn.keras",
        tmp_path / "fast" / "models" / "lesson07_cnn.keras",
    )
    _save(full, 1_000_000)
    assert paths.find_model().path == full and "a full run" in paths.find_model().message
    _save(fast, 2_000_000)
    assert paths.find_model().path == fast and "a fast run" in paths.find_model().message

    # a fast run's kernels see build/fast as their build folder: the full run's model is still found
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "fast"))
    assert paths.find_model().path == fast
    _save(full, 3_000_000)
    assert paths.find_model().path == full
