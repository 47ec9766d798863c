"""How the course's commands write files: never over a user's, never half.

* :func:`claim_folder`: a command writes only into a folder it made (it leaves the marker
  file :data:`MARKER` there) or an empty one; any other folder is refused with a sentence,
  and nothing in it is touched. :func:`clear_folder` empties only a claimed folder.
* :func:`write_atomic` and :func:`replacing`: a result file is written under a temporary
  name beside it and renamed over the old one, so an interruption or a full disk leaves
  the previous complete file (a rename within one folder is atomic on POSIX and Windows).
* :func:`command`: the end of every command's ``main``: Ctrl-C prints one line and exits
  130 (the shell's code for SIGINT); an ``OSError`` (no space left, read-only, not a
  folder, permission) prints one sentence naming the path and exits 1.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

MARKER = ".made-by-course-utils"


class FolderNotOursError(ValueError):
    """A command was asked to write into a folder that holds files it did not make."""


def claim_folder(folder: str | os.PathLike, command: str) -> Path:
    """Make ``folder`` ours: create it, or take an empty one, or keep one we made before.

    Raises :class:`FolderNotOursError` for a folder with other files in it, and
    ``NotADirectoryError`` for a file, so that nothing of the user's is ever overwritten.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            errno.ENOTDIR, f"{command} writes a folder, but this is a file", str(folder)
        )
    if folder.is_dir() and not (folder / MARKER).is_file():
        present = sorted(p.name for p in folder.iterdir())
        if present:
            shown = ", ".join(present[:5]) + (
                f" and {len(present) - 5} more" if len(present) > 5 else ""
            )
            raise FolderNotOursError(
                f"{command} writes only into a new or empty folder, or one it made before; "
                f"{folder} holds other files ({shown}), so nothing was written. Choose another "
                "folder, or empty this one yourself."
            )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(f"Made by {command}; it may empty and rewrite this folder.\n")
    return folder


def clear_folder(folder: str | os.PathLike, command: str) -> Path:
    """Empty ``folder`` (claiming it first): only a folder this course made is ever cleared."""
    folder = claim_folder(folder, command)
    for path in folder.iterdir():
        if path.name == MARKER:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return folder


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    On any error (Ctrl-C included) the temporary file is removed and ``path`` is left as
    it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            if temporary.is_dir():
                shutil.rmtree(temporary)
            else:
                temporary.unlink()
        raise


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` all at once: readers see the old file or the new, never half."""
    with replacing(path) as temporary:
        if isinstance(data, bytes):
            temporary.write_bytes(data)
        else:
            temporary.write_text(data)
    return Path(path)


def describe_os_error(error: OSError) -> str:
    """One sentence for an ``OSError``: what went wrong and where."""
    reason = {
        errno.ENOSPC: "no space left on the device",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a path in it is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENOENT: "no such file or folder",
        errno.EDQUOT: "the disk quota is exceeded",
    }.get(error.errno, error.strerror or str(error))
    if (
        error.errno == errno.ENOTDIR
        and error.strerror
        and error.strerror != os.strerror(errno.ENOTDIR)
    ):
        reason = error.strerror  # claim_folder's own sentence
    where = error.filename if error.filename is not None else ""
    return f"{reason}: {where}" if where else reason


def command(name: str) -> Callable:
    """Decorate a command's ``main``: Ctrl-C -> one line, exit 130; OSError -> one sentence, exit 1."""

    def decorate(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def wrapper(*args, **kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except KeyboardInterrupt:
                print(
                    f"\n{name}: interrupted (Ctrl-C); files already complete were kept.",
                    file=sys.stderr,
                )
                return 130
            except FolderNotOursError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            except OSError as error:
                print(
                    f"error: {name} could not write or read a file: {describe_os_error(error)}",
                    file=sys.stderr,
                )
                return 1

        return wrapper

    return decorate
