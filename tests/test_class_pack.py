"""python -m course_utils.tools.class_pack: the offline class pack.

The fast tests replace pip (no network, no downloads) and check the pack's layout and
README. The slow test builds a real pack for this machine's platform and installs from it
in a fresh virtual environment with no index, then loads the pack's MNIST.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from course_utils.tools import class_pack
from course_utils.tools.lessons import LESSONS


def fake_mnist(path):
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_train=np.arange(20, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10, dtype=np.uint8),
    )
    return path


@pytest.fixture
def no_pip(monkeypatch):
    """pip replaced: the course wheel is an empty zip, a download leaves one wheel per call."""
    calls = []

    def build_course_wheel(wheels):
        path = wheels / "course_utils-0.0-py3-none-any.whl"
        zipfile.ZipFile(path, "w").close()
        return path

    def download_wheels(wheels, course_wheel, tags, python_version):
        calls.append((tuple(tags), python_version, course_wheel.name))
        (wheels / f"numpy-2.0-cp311-cp311-{tags[0]}.whl").write_bytes(b"")

    monkeypatch.setattr(class_pack, "build_course_wheel", build_course_wheel)
    monkeypatch.setattr(class_pack, "download_wheels", download_wheels)
    return calls


def test_pack_layout_and_readme(tmp_path, monkeypatch, no_pip):
    monkeypatch.setenv("MNIST_PATH", str(fake_mnist(tmp_path / "full.npz")))
    pack = tmp_path / "pack"
    assert (
        class_pack.main(
            [str(pack), "--platform", "linux", "windows", "--build-dir", str(tmp_path / "b")]
        )
        == 0
    )
    # one pip round per platform: in one round pip would take one wheel per package for all
    assert no_pip == [
        (tuple(class_pack.PLATFORMS[name]), "3.11", "course_utils-0.0-py3-none-any.whl")
        for name in ("linux", "windows")
    ]
    assert {p.name.rsplit("-", 1)[1] for p in (pack / "wheels").glob("numpy-*")} == {
        "manylinux2014_x86_64.whl",
        "win_amd64.whl",
    }
    assert (pack / "mnist.npz").read_bytes() == (tmp_path / "full.npz").read_bytes()
    assert sorted(p.name for p in (pack / "lessons").glob("*.ipynb")) == [
        item.filename for item in LESSONS
    ]
    assert (pack / "wheels" / "course_utils-0.0-py3-none-any.whl").is_file()
    text = (pack / "README.md").read_text()
    assert "pip install --no-index --find-links wheels course-utils" in text
    assert "-m venv .venv" in text and "MNIST_PATH" in text
    assert "slides/: not included" in text


def test_pack_without_mnist_says_so(tmp_path, monkeypatch, no_pip):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras"))
    pack = class_pack.build_pack(tmp_path / "pack", log=lambda *a: None, build=tmp_path / "b")
    assert not (pack / "mnist.npz").exists()
    assert "NOT INCLUDED" in (pack / "README.md").read_text()


def test_pack_writes_only_into_a_new_or_empty_folder(tmp_path, no_pip):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "notes.txt").write_text("mine")
    assert class_pack.main([str(tmp_path / "pack")]) == 1
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == ["notes.txt"]


def test_unknown_platform_is_refused(tmp_path, capsys):
    assert class_pack.main([str(tmp_path / "pack"), "--platform", "amiga"]) == 2
    assert "unknown platform" in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()


def _here_tags() -> list[str]:
    import platform

    machine = platform.machine().lower()
    if sys.platform.startswith("linux"):
        return ["linux-arm" if machine in ("aarch64", "arm64") else "linux"]
    if sys.platform == "darwin":
        return ["macos"]
    return ["windows"]


@pytest.mark.slow
def test_offline_install_from_a_real_pack(tmp_path, monkeypatch):
    """Build a pack for this machine, install from it with no index, load its MNIST.

    Downloads the wheels (730 MiB for Linux) and installs TensorFlow: about 1.5 min on a
    machine with a local package mirror (30 s to build, 45 s to install, 8 s for lesson 00).
    """
    monkeypatch.setenv("MNIST_PATH", str(fake_mnist(tmp_path / "full.npz")))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    pack = class_pack.build_pack(tmp_path / "pack", _here_tags(), version, build=tmp_path / "b")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PYTHONPATH="", MNIST_PATH=str(pack / "mnist.npz"))
    started = time.perf_counter()
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            str(pack / "wheels"),
            "course-utils",
        ],
        check=True,
        env=env,
        cwd=pack,
    )
    print(
        f"offline install: {time.perf_counter() - started:.0f} s; "
        f"pack: {class_pack.folder_size(pack) / 2**20:.0f} MiB"
    )
    lesson00 = (
        "import course_utils, numpy, tensorflow, keras, matplotlib\n"
        "from course_utils.data import load_mnist\n"
        "(x, y), (xt, yt) = load_mnist()\n"
        "assert x.shape == (20, 28, 28) and xt.shape == (10, 28, 28), x.shape\n"
        "print('ok', course_utils.__file__)\n"
    )
    done = subprocess.run(
        [str(python), "-c", lesson00], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(venv) in done.stdout
    # and the whole of lesson 00's student copy, in the offline environment
    env.update(MNIST_OFFLINE="1", MPLBACKEND="Agg")
    ran = subprocess.run(
        [
            str(python),
            "-m",
            "papermill",
            "--cwd",
            str(tmp_path),
            str(pack / "lessons" / "00_setup_and_mnist.ipynb"),
            str(tmp_path / "00.ipynb"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
