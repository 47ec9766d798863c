"""MNIST, found offline first, and the small helpers every lesson uses.

``load_mnist()`` returns ``(x_train, y_train), (x_test, y_test)`` exactly like
``keras.datasets.mnist.load_data()``: x uint8 (N, 28, 28), white digit on
black; y uint8 (N,) in 0..9. It looks, in order, at

1. ``path=`` given as an argument, or the environment variable ``MNIST_PATH``
   (a Keras-style ``mnist.npz``);
2. the Keras cache, ``$KERAS_HOME/datasets/mnist.npz`` (``~/.keras`` by default);
3. a download of Keras' own file, checked against its sha256, that gives up
   within ``timeout`` seconds when it cannot connect (set ``MNIST_OFFLINE=1`` to
   skip it); the file is kept in the Keras cache;
4. the offline sample: 5,000 real MNIST training digits (500 per class) that
   ship inside this package (``course_utils/datasets/mnist_sample.npz``, MNIST's
   CC BY-SA 3.0 licence), split 4,000 train / 1,000 test, with a
   :class:`MnistSampleWarning` that says how to get the full set.

It prints which source it used. A file that is not a valid MNIST ``.npz``
raises :class:`MnistFileError` naming the file and what is wrong.
Taught in notebooks/00_setup_and_mnist.ipynb.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import urllib.request
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _validate

SAMPLE_PATH = Path(__file__).with_name("datasets") / "mnist_sample.npz"
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KEYS = ("x_train", "y_train", "x_test", "y_test")
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
SAMPLE_TEST_PER_CLASS = 100
SAMPLE_SEED = 0


class MnistFileError(ValueError):
    """A file that should hold MNIST does not: unreadable, missing keys, wrong shapes or dtypes."""


class MnistSampleWarning(UserWarning):
    """The full MNIST was not found; the lesson runs on the 5,000-digit offline sample."""


@dataclass(frozen=True)
class MnistSource:
    """Where MNIST comes from: ``kind`` is one of ``argument``, ``MNIST_PATH``,
    ``keras-cache``, ``download``, ``sample`` or ``not found yet``."""

    kind: str
    path: Path | None
    description: str


# -- finding and loading ---------------------------------------------------------


def keras_cache_path() -> Path:
    """Where Keras keeps ``mnist.npz``: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


def find_mnist(path: str | os.PathLike | None = None) -> MnistSource:
    """Say where ``load_mnist(path)`` would take MNIST from, without loading or downloading."""
    if path is not None:
        return MnistSource("argument", Path(path), f"{path} (given as an argument)")
    if os.environ.get("MNIST_PATH"):
        env = Path(os.environ["MNIST_PATH"]).expanduser()
        state = (
            ""
            if env.is_file()
            else (", WHICH IS A FOLDER" if env.is_dir() else ", WHICH DOES NOT EXIST")
        )
        return MnistSource("MNIST_PATH", env, f"{env} (from MNIST_PATH{state})")
    cache = keras_cache_path()
    if cache.is_file():
        return MnistSource("keras-cache", cache, f"{cache} (the Keras cache)")
    if _offline():
        how = "downloads are switched off (MNIST_OFFLINE)"
    else:
        how = "load_mnist() will try to download it"
    return MnistSource(
        "not found yet",
        None,
        f"not on this machine: {how}, else it uses the offline sample of 5,000 real digits",
    )


def load_mnist(
    path: str | os.PathLike | None = None,
    *,
    download: bool = True,
    timeout: float = 5.0,
    verbose: bool = True,
):
    """Load MNIST, offline first (see the module docstring for the order).

    Returns ``(x_train, y_train), (x_test, y_test)``: x uint8 (N, 28, 28), y uint8 (N,).
    ``timeout`` bounds, in seconds, how long a download may wait to connect.
    """
    source = find_mnist(path)
    if source.kind in ("argument", "MNIST_PATH"):
        origin = "the path given to load_mnist()" if source.kind == "argument" else "MNIST_PATH"
        if source.path.is_dir():
            raise MnistFileError(
                f"{origin} points to the folder {source.path}; expected the file itself, for example "
                f"{source.path / 'mnist.npz'}"
                + (" (which is there)" if (source.path / "mnist.npz").is_file() else "")
            )
        if not source.path.is_file():
            raise FileNotFoundError(
                f"{origin} points to {source.path}, which does not exist; expected a Keras-style "
                "mnist.npz (x_train, y_train, x_test, y_test)"
            )
        return _report(read_mnist_npz(source.path), source, verbose)
    if source.kind == "keras-cache":
        return _report(read_mnist_npz(source.path), source, verbose)

    reason = "downloads are switched off (MNIST_OFFLINE is set)" if _offline() else "download=False"
    if download and not _offline():
        cache = keras_cache_path()
        try:
            download_mnist(cache, url=KERAS_URL, sha256=KERAS_SHA256, timeout=timeout)
        except (OSError, MnistFileError) as error:
            reason = f"the download failed ({error})"
        else:
            return _report(
                read_mnist_npz(cache),
                MnistSource("download", cache, f"{cache} (downloaded)"),
                verbose,
            )
    return _report(
        load_mnist_sample(), MnistSource("sample", None, "the offline sample"), verbose, reason
    )


def read_mnist_npz(path: str | os.PathLike):
    """Read and validate a Keras-style ``mnist.npz``; raise :class:`MnistFileError` if it is not one.

    Returns ``(x_train, y_train), (x_test, y_test)``: x uint8 (N, 28, 28), y uint8 (N,).
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in KEYS if key not in archive.files]
            if missing:
                raise MnistFileError(
                    f"{path} is missing {missing}; a Keras-style mnist.npz has {list(KEYS)}, "
                    f"this file has {sorted(archive.files)}"
                )
            arrays = {key: archive[key] for key in KEYS}
    except MnistFileError:
        raise
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as error:
        raise MnistFileError(
            f"{path} is not a readable .npz file ({type(error).__name__}: {error}); "
            "it may be truncated or corrupt: download mnist.npz again"
        ) from error
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim == 3 and len(x) == 0:
            raise MnistFileError(
                f"{path}: x_{split} holds no pictures (shape {x.shape}); expected MNIST's digits"
            )
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise MnistFileError(
                f"{path}: x_{split} should be uint8 of shape (N, 28, 28), got {x.dtype} {x.shape}"
            )
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise MnistFileError(
                f"{path}: y_{split} should be integer labels of shape ({len(x)},) to match x_{split}, "
                f"got {y.dtype} {y.shape}"
            )
        if len(y) and (y.min() < 0 or y.max() >= NUM_CLASSES):
            raise MnistFileError(
                f"{path}: y_{split} should hold digits 0-9, found values from {y.min()} to {y.max()}"
            )
        arrays[f"y_{split}"] = y.astype(np.uint8, copy=False)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def download_mnist(
    destination: str | os.PathLike,
    *,
    url: str = KERAS_URL,
    sha256: str = KERAS_SHA256,
    timeout: float = 5.0,
) -> Path:
    """Download ``url`` to ``destination`` if its sha256 matches; return the path.

    Gives up with ``TimeoutError`` when no answer arrives within ``timeout``
    seconds (name lookup and connection included), so a firewall cannot hang a
    lesson. Raises ``OSError`` on network errors and :class:`MnistFileError` on a
    hash mismatch; nothing is left at ``destination`` on failure.
    """
    destination = Path(destination)
    response = _open_within(url, timeout)
    digest = hashlib.sha256()
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=destination.parent, prefix=".mnist-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, response:
            while chunk := response.read(1 << 16):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise MnistFileError(
                f"the file downloaded from {url} has sha256 {digest.hexdigest()}, expected {sha256}; "
                "it was not kept"
            )
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return destination


def _open_within(url: str, timeout: float):
    """``urlopen`` bounded in wall time: ``urlopen``'s own timeout does not cover name lookup."""
    box: dict = {}

    def target():
        try:
            box["response"] = urllib.request.urlopen(url, timeout=timeout)
        except Exception as error:  # handed to the caller below
            box["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"no answer from {url} within {timeout:g} s")
    if "error" in box:
        error = box["error"]
        raise error if isinstance(error, OSError) else OSError(str(error))
    return box["response"]


def load_mnist_sample():
    """The offline sample: 5,000 real MNIST training digits, 500 per class, shipped in the package.

    ``course_utils/datasets/mnist_sample.npz`` (its README credits MNIST, CC BY-SA 3.0).
    Split reproducibly into 4,000 train and 1,000 test digits (100 per class).
    Returns ``(x_train, y_train), (x_test, y_test)`` like :func:`load_mnist`.
    """
    with np.load(SAMPLE_PATH) as sample:
        x, y = sample["x"], sample["y"]
    rng = np.random.default_rng(SAMPLE_SEED)
    test = np.zeros(len(y), dtype=bool)
    for digit in range(NUM_CLASSES):
        chosen = rng.permutation(np.flatnonzero(y == digit))[:SAMPLE_TEST_PER_CLASS]
        test[chosen] = True
    train_order = rng.permutation(np.flatnonzero(~test))
    test_order = rng.permutation(np.flatnonzero(test))
    return (x[train_order], y[train_order]), (x[test_order], y[test_order])


def _offline() -> bool:
    return os.environ.get("MNIST_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def _report(splits, source: MnistSource, verbose: bool, reason: str = ""):
    (x_train, _), (x_test, _) = splits
    counts = (
        f"{len(x_train) + len(x_test):,} digits ({len(x_train):,} train + {len(x_test):,} test)"
    )
    if source.kind == "sample":
        warnings.warn(
            f"MNIST: the full data set is not on this machine ({reason}). Using the offline sample: "
            f"{counts}, real MNIST digits that ship with the course. Accuracies will be lower than with "
            f"all 70,000. To get the full set, download {KERAS_URL} and either set "
            f"MNIST_PATH=/path/to/mnist.npz or put it at {keras_cache_path()}.",
            MnistSampleWarning,
            stacklevel=3,
        )
    elif verbose:
        print(f"MNIST: {counts} from {source.description}")
    return splits


# -- small helpers -----------------------------------------------------------------


def scale_pixels(x) -> np.ndarray:
    """uint8 pixels 0-255 -> float32 in [0, 1], same shape. x: (N, 28, 28) or any shape."""
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise TypeError(
            f"scale_pixels expects uint8 pixels in 0-255, got {x.dtype}; were they scaled already?"
        )
    return x.astype(np.float32) / np.float32(255.0)


def as_float_pixels(x) -> np.ndarray:
    """Pixels as float32 in [0, 1], same shape: uint8 0-255 through :func:`scale_pixels`, floats checked and kept."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return scale_pixels(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"expected uint8 or float pixels (0-255 or 0.0-1.0), got dtype {x.dtype}")
    x = x.astype(np.float32)
    if x.size and (not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"float pixels must lie in [0, 1], got values in [{np.nanmin(x):.3g}, {np.nanmax(x):.3g}]; "
            "scale uint8 pixels with data.scale_pixels (or pass them as uint8)"
        )
    return x


def one_hot(y, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Integer labels (N,) -> one-hot float32 (N, num_classes)."""
    y = _validate.labels(y, "one_hot: y", num_classes=num_classes)
    out = np.zeros((len(y), num_classes), dtype=np.float32)
    out[np.arange(len(y)), y] = 1.0
    return out


def _check_pair(x, y, name: str):
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"{name}: x has {len(x)} examples but y has {len(y)}")
    return x, y


def _balanced_order(
    y: np.ndarray, rng: np.random.Generator, proportional: bool = False
) -> np.ndarray:
    """A random order of indices in which every prefix holds each class equally often
    (or, with ``proportional=True``, in the proportion of the whole set: stratified)."""
    perm = rng.permutation(len(y))
    rank = np.empty(len(y), dtype=np.float64)
    for label in np.unique(y):
        members = perm[y[perm] == label]
        rank[members] = np.arange(len(members)) / (len(members) if proportional else 1)
    return perm[np.argsort(rank[perm], kind="stable")]


def take(x, y, n: int | None, seed: int = 0):
    """A reproducible, class-balanced subset of ``n`` examples (``n=None``: all of them).

    x: (N, ...); y: (N,). Returns ``(x_subset, y_subset)`` in shuffled order.
    """
    x, y = _check_pair(x, y, "take")
    if n is None:
        return x, y
    _validate.integer(n, "take: n", maximum=len(x))
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(_balanced_order(y, rng)[:n])
    return x[chosen], y[chosen]


def train_val_split(x, y, val_fraction: float = 0.1, seed: int = 0):
    """Split into training and validation sets, stratified by class.

    x: (N, ...); y: (N,). Returns ``(x_train, y_train), (x_val, y_val)``.
    """
    x, y = _check_pair(x, y, "train_val_split")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction!r}")
    num_val = int(round(val_fraction * len(x)))
    if not 0 < num_val < len(x):
        raise ValueError(
            f"val_fraction={val_fraction} of {len(x)} examples leaves an empty training or validation set"
        )
    rng = np.random.default_rng(seed)
    order = _balanced_order(y, rng, proportional=True)
    val, train = rng.permutation(order[:num_val]), rng.permutation(order[num_val:])
    return (x[train], y[train]), (x[val], y[val])


def iterate_minibatches(
    x, y, batch_size: int, rng: np.random.Generator | int | None = None, shuffle: bool = True
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(x_batch, y_batch)`` of ``batch_size`` examples (the last one may be smaller).

    x: (N, ...); y: (N, ...). ``rng``: a numpy Generator or a seed for the shuffle.
    """
    x, y = _check_pair(x, y, "iterate_minibatches")
    batch_size = _validate.integer(batch_size, "batch_size")
    if shuffle:
        order = np.random.default_rng(rng).permutation(len(x))
    else:
        order = np.arange(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start : start + batch_size]
        yield x[index], y[index]


__all__ = [
    "KERAS_URL",
    "KERAS_SHA256",
    "MnistFileError",
    "MnistSampleWarning",
    "MnistSource",
    "as_float_pixels",
    "download_mnist",
    "find_mnist",
    "iterate_minibatches",
    "keras_cache_path",
    "load_mnist",
    "load_mnist_sample",
    "one_hot",
    "read_mnist_npz",
    "scale_pixels",
    "take",
    "train_val_split",
]
