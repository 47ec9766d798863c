"""TensorFlow's start-up messages stay out of the lessons (course_utils.tools.environment)."""

import os
import subprocess
import sys

import pytest

NOISE = ("absl::InitializeLog", "oneDNN", "cuInit", "cuda drivers", "cpu_feature_guard")


@pytest.mark.slow
def test_importing_course_utils_first_keeps_tensorflow_quiet():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    script = (
        "import course_utils, keras, tensorflow as tf\n"
        "tf.config.list_physical_devices('GPU')\n"
        "keras.layers.Dense(2)(tf.zeros((1, 3)))\n"
        "from course_utils.tools.environment import tensorflow_startup_messages\n"
        "print(repr(tensorflow_startup_messages()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert not [word for word in NOISE if word in done.stderr], done.stderr
    assert "tensorflow" not in done.stderr.lower(), done.stderr


def test_the_import_hook_leaves_other_imports_alone():
    from course_utils.tools import environment

    finder = environment._QuietTensorFlowImport()
    assert finder.find_spec("json") is None
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == environment.TF_LOG_LEVEL


def test_tensorflows_log_level_is_set_in_one_place():
    """Only course_utils/tools/environment.py sets TF_CPP_MIN_LOG_LEVEL; everything else reads it."""
    import re

    from course_utils.paths import repo_root

    root = repo_root()
    # the variable's name in quotes, then a comma, a colon or "] =", then a digit in quotes
    setting = re.compile(r"TF_CPP_MIN_LOG_LEVEL[\"']\s*(?:[,:]|\]\s*=)\s*[\"']\d")
    owners = [
        str(path.relative_to(root))
        for folder in ("course_utils", "tests")
        for path in sorted((root / folder).rglob("*.py"))
        if setting.search(path.read_text())
    ]
    assert owners == [], (
        f"TensorFlow's log level is set in {owners}; use course_utils.tools.environment.TF_LOG_LEVEL"
    )
