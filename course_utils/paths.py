"""Where the course writes things.

* ``figures_dir()``: ``$COURSE_FIGURES_DIR`` or ``build_dir() / "figures"``: where a
  lesson saves its figures. Running a lesson never changes a file tracked by git.
* ``published_figures_dir()``: ``<repo>/figures``, the figures shown in the README;
  only ``python -m course_utils.tools.run --update-figures`` (a full run) writes there.
* ``build_dir()``: ``$COURSE_BUILD_DIR`` or ``<repo>/build`` (git-ignored:
  executed notebooks, ``results.json``, saved models, figures).
* ``models_dir()``: ``build_dir() / "models"``.
* ``find_model(filename)``: a model saved by an earlier lesson, from the latest
  run, full or fast, with a sentence saying which one it is.

``<repo>`` is the checkout that holds this package (an editable install), or the
current directory when the package was installed elsewhere. Every function
creates its folder.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
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
    path = absolute(os.environ.get(variable) or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def absolute(path: str | os.PathLike) -> Path:
    """``path`` made absolute against the current directory (``~`` expanded), once.

    The one rule for every ``--build-dir`` and ``COURSE_*_DIR``: a relative folder means
    the same place for the command and for the notebooks' kernels, which run in
    ``notebooks/``.
    """
    return Path(os.path.abspath(Path(path).expanduser()))


def resolve_build_dir(value: str | os.PathLike | None = None) -> Path:
    """A command's ``--build-dir``: ``value`` made absolute, or :func:`build_dir` when None."""
    if value is None:
        return build_dir()
    path = absolute(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_dir() -> Path:
    return _dir_from_env("COURSE_FIGURES_DIR", build_dir() / "figures")


def published_figures_dir() -> Path:
    """``<repo>/figures``: the figures the README shows, written only by ``--update-figures``."""
    return repo_root() / "figures"


def build_dir() -> Path:
    return _dir_from_env("COURSE_BUILD_DIR", repo_root() / "build")


def models_dir() -> Path:
    path = build_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class FoundModel:
    """The answer of :func:`find_model`: ``path`` (None when no run saved the model)
    and ``message``, one sentence for the learner saying which model is used, or why none."""

    path: Path | None
    message: str


def _model_candidates(filename: str) -> list[tuple[str, Path]]:
    build = build_dir()
    if build.name == "fast":  # the fast run's kernels see build/fast as their build folder
        runs = [("fast", build), ("full", build.parent)]
    else:
        runs = [("full", build), ("fast", build / "fast")]
    return [(mode, folder / "models" / filename) for mode, folder in runs]


#: The file lesson 07 saves its model to and lessons 08-10 load it from (the one place it is named).
LESSON07_MODEL = "lesson07_cnn.keras"


def find_model(filename: str = LESSON07_MODEL) -> FoundModel:
    """The newest ``filename`` saved by a full run (``build/models/``) or a fast run
    (``build/fast/models/``) of the course, whichever is later.

    Returns a :class:`FoundModel`; its ``message`` names the file and its run, or
    the folders that were searched. Taught in notebooks/08_your_own_digits.ipynb.
    """
    found = [
        (path.stat().st_mtime, mode, path)
        for mode, path in _model_candidates(filename)
        if path.is_file()
    ]
    if not found:
        searched = " and ".join(str(path.parent) for _, path in _model_candidates(filename))
        return FoundModel(
            None, f"No {filename} in {searched}: run lesson 07 first to use its model."
        )
    mtime, mode, path = max(found)
    saved = datetime.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M")
    run = (
        "a fast run (its quick parameters: small data, a rougher model)"
        if mode == "fast"
        else "a full run (the lesson's own parameters)"
    )
    accuracy = _recorded_accuracy(path, mode)
    measured = f", test accuracy {accuracy:.2%}" if accuracy is not None else ""
    return FoundModel(path, f"Using {path} from {run} of lesson 07{measured}, saved {saved}.")


def _recorded_accuracy(model: Path, mode: str) -> float | None:
    """Lesson 07's recorded test accuracy in the run that saved ``model``, if it says."""
    import json

    root = model.parent.parent if mode == "full" else model.parent.parent.parent
    try:
        report = json.loads((root / f"results-{mode}.json").read_text())
        entry = next(item for item in report["lessons"] if item["name"].startswith("07"))
        value = entry["results"]["test_accuracy"]
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None
    return float(value) if isinstance(value, (int, float)) else None
