"""Where the course writes things.

* ``figures_dir()``: ``$COURSE_FIGURES_DIR`` or ``<repo>/figures`` (the full run's
  figures, shown in the README).
* ``build_dir()``: ``$COURSE_BUILD_DIR`` or ``<repo>/build`` (git-ignored:
  executed notebooks, ``results.json``, saved models).
* ``models_dir()``: ``build_dir() / "models"``.

``<repo>`` is the checkout that holds this package (an editable install), or the
current directory when the package was installed elsewhere. Every function
creates its folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path:
    """The course checkout: the folder holding ``course_utils/`` and ``notebooks/``."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "notebooks").is_dir():
        return candidate
    return Path.cwd()


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


def _dir_from_env(variable: str, default: Path) -> Path:
    path = Path(os.environ.get(variable) or default).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_dir() -> Path:
    return _dir_from_env("COURSE_FIGURES_DIR", repo_root() / "figures")


def build_dir() -> Path:
    return _dir_from_env("COURSE_BUILD_DIR", repo_root() / "build")


def models_dir() -> Path:
    path = build_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
