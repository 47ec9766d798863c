"""For lecturers: an offline class pack, a folder for a USB stick for a room without internet.

    python -m course_utils.tools.class_pack DIR                       # Linux x86_64, Python 3.11
    python -m course_utils.tools.class_pack DIR --platform linux windows macos --python-version 3.12

DIR (a new or empty folder) receives

* ``wheels/``: the wheels of the learner's install (the course's dependencies, from
  ``pip download --only-binary=:all: --platform TAG --python-version X.Y``, one round
  per platform named, into one folder: pip picks the wheels that fit the machine), and
  the course's own package as a wheel (``pip wheel --no-deps .``);
* ``mnist.npz``: the full MNIST, from ``MNIST_PATH`` or the Keras cache (without either,
  the pack says so and the lessons use the 5,000-digit sample inside the package);
* ``lessons/``: the student copies of the lessons (exercises empty, class mode on;
  ``python -m course_utils.tools.slides --student-copies``);
* ``slides/``: the reveal.js decks, when ``build/slides`` holds a built set
  (``python -m course_utils.tools.slides``);
* ``README.md``: the two commands that install from the folder, and how to start.

Platforms: ``linux`` (x86_64, manylinux), ``linux-arm`` (aarch64), ``windows`` (64-bit),
``macos`` (Apple silicon), or any pip platform tag such as ``win_amd64``.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .outputs import command

PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux": (
        "manylinux2014_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux_2_27_x86_64",
        "manylinux_2_28_x86_64",
    ),
    "linux-arm": (
        "manylinux2014_aarch64",
        "manylinux_2_17_aarch64",
        "manylinux_2_27_aarch64",
        "manylinux_2_28_aarch64",
    ),
    "windows": ("win_amd64",),
    "macos": (
        "macosx_11_0_arm64",
        "macosx_12_0_arm64",
        "macosx_13_0_arm64",
        "macosx_14_0_arm64",
        "macosx_10_9_universal2",
    ),
}
DEFAULT_PLATFORMS = ("linux",)
DEFAULT_PYTHON = "3.11"
NAME = "python -m course_utils.tools.class_pack"


def platform_tags(names) -> list[str]:
    """The pip platform tags for the platforms named (a name from :data:`PLATFORMS` or a tag)."""
    tags = []
    for name in names:
        if name in PLATFORMS:
            tags += PLATFORMS[name]
        elif "_" in name:
            tags.append(name)
        else:
            raise ValueError(
                f"unknown platform {name!r}: expected one of {', '.join(PLATFORMS)} or a pip "
                "platform tag such as win_amd64"
            )
    return list(dict.fromkeys(tags))


def _run(args: list[str]) -> None:
    """Run pip; on failure raise with pip's last lines (what it could not find)."""
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise RuntimeError(f"{' '.join(args[:4])} ... failed (exit {done.returncode}):\n{tail}")


def build_course_wheel(wheels: Path) -> Path:
    """``pip wheel --no-deps .`` of the course's package into ``wheels``; returns the wheel.

    Built from a clean copy of the package's sources, so that nothing left in the
    repository's ``build/`` (an old module) can slip into the wheel.
    """
    from ..paths import repo_root

    root = repo_root()
    with tempfile.TemporaryDirectory(prefix="course-wheel-") as work:
        source = Path(work)
        shutil.copytree(
            root / "course_utils",
            source / "course_utils",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"):
            if (root / name).is_file():
                shutil.copy2(root / name, source / name)
        before = set(wheels.glob("course_utils-*.whl"))
        args = [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            str(source),
        ]
        try:  # with this environment's setuptools: no download
            _run([*args[:5], "--no-build-isolation", *args[5:]])
        except RuntimeError:  # no setuptools here: let pip fetch the build requirements
            _run(args)
    made = sorted(set(wheels.glob("course_utils-*.whl")) - before) or sorted(
        wheels.glob("course_utils-*.whl")
    )
    return made[-1]


def download_wheels(wheels: Path, course_wheel: Path, tags: list[str], python_version: str) -> None:
    """``pip download`` the course's dependencies as wheels for ``tags`` and ``python_version``."""
    args = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--dest",
        str(wheels),
    ]
    for tag in tags:
        args += ["--platform", tag]
    _run([*args, str(course_wheel)])


def copy_mnist(pack: Path) -> str:
    """Copy the full MNIST into the pack; returns a sentence saying what happened."""
    from ..data import find_mnist

    source = find_mnist()
    if source.kind in ("MNIST_PATH", "keras-cache") and source.path.is_file():
        shutil.copyfile(source.path, pack / "mnist.npz")
        return f"mnist.npz: the full MNIST, copied from {source.description}."
    return (
        "mnist.npz: NOT INCLUDED: the full MNIST was not on the machine that made this pack "
        "(no MNIST_PATH, no Keras cache); the lessons run on the 5,000-digit sample inside the "
        "course package."
    )


def copy_slides(pack: Path, build: Path | None = None) -> str:
    """Copy ``build/slides`` (a built set of decks) into the pack, if there is one."""
    from ..paths import resolve_build_dir

    slides = resolve_build_dir(build) / "slides"
    if slides.is_dir() and any(slides.glob("*.html")):
        shutil.copytree(slides, pack / "slides")
        return f"slides/: the lessons' slides (reveal.js, offline), from {slides}."
    return (
        "slides/: not included (no built slides in build/slides; build them with "
        "`python -m course_utils.tools.slides`, then make the pack again)."
    )


def readme(
    version: str, platforms: list[str], python_version: str, notes: list[str], course_wheel: str
) -> str:
    """The pack's README.md: what is in it and the two commands that install from it."""
    date = datetime.date.today().isoformat()
    listed = "\n".join(f"- {note}" for note in notes)
    return f"""# MNIST course: offline class pack

Made on {date} by `{NAME}`, course_utils {version}, for
{", ".join(platforms)} and Python {python_version}. Nothing here needs the internet.

## Install (two commands, from this folder)

Linux and macOS (Python {python_version} must be installed):

    python{python_version} -m venv .venv && . .venv/bin/activate
    pip install --no-index --find-links wheels course-utils

Windows (PowerShell, Python {python_version} from python.org):

    py -{python_version} -m venv .venv; .venv\\Scripts\\Activate.ps1
    pip install --no-index --find-links wheels course-utils

`--no-index` keeps pip off the internet; `--find-links wheels` takes every package from
the `wheels/` folder (the course's own package is `{course_wheel}`). For a copy of the
course's repository instead (to edit `course_utils`):
`pip install --no-index --find-links wheels -e PATH/TO/course` (needs `setuptools` in
`wheels/`: add it with `pip download setuptools --dest wheels` before the class).

## Start

Linux and macOS:

    export MNIST_PATH="$PWD/mnist.npz"
    jupyter lab lessons/

Windows (PowerShell):

    $env:MNIST_PATH = "$PWD\\mnist.npz"
    jupyter lab lessons\\

Open `00_setup_and_mnist.ipynb` and run it: its first cells check the install and say
where MNIST was found.

## What is in the pack

{listed}
- lessons/: the student copies of the lessons: the exercises are empty stubs and class
  mode is on (a `.solution()` prints a note instead of the code; the checks work).
- README.md: this page.
"""


def build_pack(
    folder: str | Path,
    platforms=DEFAULT_PLATFORMS,
    python_version: str = DEFAULT_PYTHON,
    build: Path | None = None,
    log=print,
) -> Path:
    """Write the class pack into ``folder`` (a new or empty folder, see :func:`claim_folder`)."""
    import course_utils

    from .outputs import claim_folder
    from .slides import write_student_copies

    rounds = [platform_tags([name]) for name in platforms]  # raises for an unknown name first
    pack = claim_folder(folder, NAME)
    wheels = pack / "wheels"
    wheels.mkdir(exist_ok=True)
    log(f"building the course's wheel into {wheels}")
    with tempfile.TemporaryDirectory() as work:
        made = build_course_wheel(Path(work))
        course_wheel = Path(shutil.copy2(made, wheels / made.name))
    # one round per platform: given several tags at once, pip takes one wheel per package
    # that fits any of them (Windows' numpy, not macOS' as well)
    for name, tags in zip(platforms, rounds):
        log(f"downloading the wheels for {name} (Python {python_version}); this takes a while")
        download_wheels(wheels, course_wheel, tags, python_version)
    notes = [
        f"wheels/: {len(list(wheels.glob('*.whl')))} wheels for {', '.join(platforms)}, Python {python_version}."
    ]
    notes.append(copy_mnist(pack))
    write_student_copies(pack / "lessons")
    notes.append(copy_slides(pack, build))
    (pack / "README.md").write_text(
        readme(course_utils.__version__, list(platforms), python_version, notes, course_wheel.name)
    )
    for note in notes:
        log(note)
    return pack


def folder_size(folder: Path) -> int:
    """Bytes of all files under ``folder``."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


@command(NAME)
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=NAME,
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("folder", type=Path, help="where the pack goes (a new or empty folder)")
    parser.add_argument(
        "--platform",
        nargs="+",
        default=list(DEFAULT_PLATFORMS),
        help=f"platforms to download wheels for: {', '.join(PLATFORMS)} or pip tags (default: linux)",
    )
    parser.add_argument(
        "--python-version",
        default=DEFAULT_PYTHON,
        help=f"the classroom's Python, X.Y (default {DEFAULT_PYTHON})",
    )
    parser.add_argument(
        "--build-dir", type=Path, default=None, help="where built slides are (default: build/)"
    )
    args = parser.parse_args(argv)
    try:
        platform_tags(args.platform)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        pack = build_pack(args.folder, args.platform, args.python_version, args.build_dir)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {pack} ({folder_size(pack) / 2**20:.0f} MiB); copy it to a USB stick and read its README.md"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
