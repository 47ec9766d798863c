"""Shared test setup: no test writes into the repository's figures/ or build/."""

import io
import os
import warnings

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


def _encode(picture, format="PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def png_bytes():
    """``png_bytes(picture, format="PNG", **options) -> bytes``: a PIL image encoded in memory."""
    return _encode


@pytest.fixture(scope="session")
def digit_model(tmp_path_factory):
    """A small CNN for lessons 08-09, trained once per session.

    4,000 digits, 3 epochs, seed 0: about 10 s on two CPU cores, on MNIST when
    ``MNIST_PATH`` or the Keras cache has it, otherwise on ``data.load_mnist()``'s
    offline sample of real MNIST digits.
    """
    from course_utils import data
    from course_utils.keras_cnn import load_or_train_cnn

    missing = tmp_path_factory.mktemp("digit_model") / "no_lesson07_model.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", data.MnistSampleWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # raised inside keras' fit with numpy 2
        mnist = data.load_mnist(download=False, verbose=False)
        return load_or_train_cnn(
            missing, mnist=mnist, num_train=4000, num_epochs=3, seed=0, verbose=False
        )
