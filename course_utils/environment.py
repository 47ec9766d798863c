"""What this machine has: versions, devices and where MNIST comes from.

``check_environment()`` is the first cell of every class: it prints a table and
returns it as a dict. Taught in notebooks/00_setup_and_mnist.ipynb.
"""

from __future__ import annotations

import os
import platform


def check_environment(*, verbose: bool = True) -> dict:
    """Report Python, TensorFlow, Keras and numpy versions, CPU/GPU, and the MNIST source.

    Returns a dict with the keys ``python``, ``tensorflow``, ``keras``, ``numpy``,
    ``platform``, ``cpu_count``, ``gpus`` (list of device names), ``mnist`` (a sentence)
    and ``problems`` (a list of sentences; empty when all is well).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np
    import tensorflow as tf

    from .data import find_mnist

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
            ("GPU", ", ".join(gpus) if gpus else "none (TensorFlow runs on the CPU; every lesson is sized for that)"),
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
