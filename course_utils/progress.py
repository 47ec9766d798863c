"""Your progress: which exercises of which lessons you have passed.

Every ``exercise.check(...)`` notes its result in a small JSON file; ``course_utils.progress()``
shows a table of every lesson's exercises::

    >>> import course_utils
    >>> course_utils.progress()
    lesson  exercise                   status          when
    01      mse_gradient               passed          2026-12-08 10:14
    01      gradient_descent_step      failed          2026-12-08 10:20
    02      relu_derivative            not attempted
    ...
    3 of 24 exercises passed.

The file is ``$COURSE_PROGRESS_FILE`` if set, else ``progress.json`` in your user data folder
(``~/.local/share/mnist-course`` on Linux, ``~/Library/Application Support/mnist-course`` on
macOS, ``%APPDATA%\\mnist-course`` on Windows). It is never required: when it cannot be read
or written (a read-only home, a full disk) the checks work as before and say so once. A pass
is kept: failing an exercise later does not take a pass away. ``forget_progress()`` starts
again. The runner and the tests keep their own file, so they never touch yours.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

from .i18n import _, ljust

APP = "mnist-course"
_warned = False


def progress_file() -> Path:
    """Where the progress is kept (see the module's docstring)."""
    if os.environ.get("COURSE_PROGRESS_FILE"):
        return Path(os.environ["COURSE_PROGRESS_FILE"]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP / "progress.json"


def _read() -> dict:
    try:
        data = json.loads(progress_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def note(lesson: str, exercise: str, status: str) -> None:
    """Keep ``status`` ("passed", "failed", ...) of ``exercise`` in ``lesson``; never raises."""
    global _warned
    if status not in ("passed", "failed"):
        return  # "not attempted" is what every exercise is until you try it
    key = f"{lesson}/{exercise}"
    try:
        data = _read()
        previous = data.get(key, {})
        if previous.get("status") == "passed" and status != "passed":
            return  # a pass is kept
        data[key] = {"status": status, "when": time.strftime("%Y-%m-%d %H:%M")}
        path = progress_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(temporary, path)
    except OSError as error:
        if not _warned:
            _warned = True
            warnings.warn(
                _("your progress could not be saved ({error}); the checks work as before").format(
                    error=error
                ),
                RuntimeWarning,
                stacklevel=3,
            )


def _all_exercises() -> list[tuple[str, str]]:
    """(lesson, exercise name) for every exercise of the course, in order."""
    import importlib
    import pkgutil

    from . import exercises

    found = []
    for info in sorted(pkgutil.iter_modules(exercises.__path__), key=lambda i: i.name):
        if not (info.name.startswith("lesson") and info.name[6:].isdigit()):
            continue
        module = importlib.import_module(f"{exercises.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, exercises.Exercise):
                found.append((info.name[6:], value.name))
    return found


def progress(lesson: str | int | None = None) -> dict:
    """Print which exercises you have passed (of every lesson, or of ``lesson``); return the table.

    The returned dict maps ``"NN/exercise"`` to ``"passed"``, ``"failed"`` or ``"not attempted"``.
    """
    data = _read()
    wanted = None if lesson is None else f"{int(lesson):02d}"
    rows = [(number, name) for number, name in _all_exercises() if wanted in (None, number)]
    table = {}
    lines = [
        f"{ljust(_('lesson'), 7)} {ljust(_('exercise'), 30)} {ljust(_('status'), 15)} {_('when')}"
    ]
    for number, name in rows:
        entry = data.get(f"{number}/{name}", {})
        status = entry.get("status", "not attempted")
        table[f"{number}/{name}"] = status
        mark = {"passed": "\u2714", "failed": "\u2718"}.get(status, "\u00b7")
        lines.append(
            f"{number:<7} {name:<30} {mark} {ljust(_(status), 13)} {entry.get('when', '')}".rstrip()
        )
    passed = sum(status == "passed" for status in table.values())
    lines.append(
        _("{passed} of {total} exercises passed. (Kept in {path}.)").format(
            passed=passed, total=len(table), path=progress_file()
        )
    )
    print("\n".join(lines))
    return table


def forget_progress() -> None:
    """Start again: delete the progress file (nothing else)."""
    try:
        progress_file().unlink()
    except FileNotFoundError:
        pass
