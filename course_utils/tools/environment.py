"""What this machine has: versions, devices and where MNIST comes from.

``check_environment()`` is the first cell of every class: it prints a table and
returns it as a dict. Taught in notebooks/00_setup_and_mnist.ipynb.

Importing this module (``import course_utils`` does, first) also keeps
TensorFlow's start-up messages out of the lessons and the runner's console:

* ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3, so TensorFlow's C++ log (the oneDNN
  notice, "failed call to cuInit" on a machine without a GPU) stays quiet; set
  the variable yourself to see it.
* The lines TensorFlow writes before its log settings apply ("All log messages
  before absl::InitializeLog() ..."), which no setting silences, are caught
  while ``tensorflow`` is first imported and kept in
  :func:`tensorflow_startup_messages` instead of the notebook's output.

So a lesson imports ``course_utils`` before ``tensorflow`` or ``keras``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import platform
import sys
import tempfile

#: TensorFlow's C++ log level for the lessons, the runner's kernels, the service's workers and
#: the tests: the one place it is set (3: errors only). Set TF_CPP_MIN_LOG_LEVEL yourself to see more.
TF_LOG_LEVEL = "3"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)

_STARTUP_MESSAGES: list[str] = []


def tensorflow_startup_messages() -> str:
    """What TensorFlow wrote to stderr while it was first imported ("" if nothing, or not yet)."""
    return "".join(_STARTUP_MESSAGES)


class _QuietLoader(importlib.abc.Loader):
    """Runs ``tensorflow/__init__.py`` with file descriptor 2 sent to a temporary file."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # get_code, is_package, get_resource_reader, ...
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        with tempfile.TemporaryFile() as caught:
            saved = os.dup(2)
            os.dup2(caught.fileno(), 2)
            try:
                self.loader.exec_module(module)
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                caught.seek(0)
                _STARTUP_MESSAGES.append(caught.read().decode("utf-8", "replace"))


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` like Python does and wraps its loader in :class:`_QuietLoader`, once."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        _remove_import_hook()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


def _remove_import_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietTensorFlowImport)]


def _install_import_hook() -> None:
    if "tensorflow" in sys.modules or os.environ.get("COURSE_TF_STARTUP_MESSAGES") == "show":
        return
    _remove_import_hook()
    sys.meta_path.insert(0, _QuietTensorFlowImport())


_install_import_hook()


def check_environment(*, verbose: bool = True) -> dict:
    """Report Python, TensorFlow, Keras and numpy versions, CPU/GPU, and the MNIST source.

    Returns a dict with the keys ``python``, ``tensorflow``, ``keras``, ``numpy``,
    ``platform``, ``cpu_count``, ``gpus`` (list of device names), ``mnist`` (a sentence)
    and ``problems`` (a list of sentences; empty when all is well).
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from ..data import find_mnist

    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    info = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "mnist": find_mnist().description,
    }
    problems = []
    if not keras.__version__.startswith("3."):
        problems.append(f"the course is written for Keras 3, this is Keras {keras.__version__}")
    info["problems"] = problems
    if verbose:
        rows = [
            ("Python", info["python"]),
            ("TensorFlow", info["tensorflow"]),
            ("Keras", info["keras"]),
            ("numpy", info["numpy"]),
            ("Platform", info["platform"]),
            ("CPU cores", str(info["cpu_count"])),
            (
                "GPU",
                ", ".join(gpus)
                if gpus
                else "none (TensorFlow runs on the CPU; every lesson is sized for that)",
            ),
            ("MNIST", info["mnist"]),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")
        for problem in problems:
            print(f"PROBLEM: {problem}")
        if not problems:
            print("Everything the course needs is here.")
    return info
