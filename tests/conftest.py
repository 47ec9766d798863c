"""Shared test setup: no test writes into the repository's figures/ or build/."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _course_dirs(tmp_path_factory):
    """Point figures_dir() and build_dir() at a temporary folder for the whole session."""
    root = tmp_path_factory.mktemp("course")
    saved = {key: os.environ.get(key) for key in ("COURSE_FIGURES_DIR", "COURSE_BUILD_DIR")}
    os.environ["COURSE_FIGURES_DIR"] = str(root / "figures")
    os.environ["COURSE_BUILD_DIR"] = str(root / "build")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
