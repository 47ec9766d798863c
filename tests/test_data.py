"""course_utils.data: finding MNIST offline, validating files, and the small helpers."""

import hashlib
import http.server
import io
import socket
import threading
import time
import warnings

import numpy as np
import pytest

from course_utils import data
from course_utils.data import MnistFileError, MnistSampleWarning


def tiny_mnist(n_train=20, n_test=10, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_npz(path, arrays):
    np.savez_compressed(path, **arrays)
    return path


@pytest.fixture
def no_mnist(monkeypatch, tmp_path):
    """A machine with no MNIST anywhere and no network."""
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setenv("MNIST_OFFLINE", "1")


# -- reading and validating files ------------------------------------------------------


def test_read_valid_file_round_trips(tmp_path):
    arrays = tiny_mnist()
    (x_train, y_train), (x_test, y_test) = data.read_mnist_npz(
        write_npz(tmp_path / "m.npz", arrays)
    )
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8


def test_integer_labels_of_another_dtype_become_uint8(tmp_path):
    arrays = tiny_mnist()
    arrays["y_train"] = arrays["y_train"].astype(np.int64)
    (_, y_train), _ = data.read_mnist_npz(write_npz(tmp_path / "m.npz", arrays))
    assert y_train.dtype == np.uint8


def _broken(change):
    arrays = tiny_mnist()
    change(arrays)
    return arrays


BAD_FILES = {
    "missing key": (_broken(lambda a: a.pop("y_test")), "missing ['y_test']"),
    "float images": (
        _broken(lambda a: a.update(x_train=a["x_train"].astype(np.float32))),
        "x_train should be uint8",
    ),
    "flat images": (
        _broken(lambda a: a.update(x_test=a["x_test"].reshape(10, 784))),
        "x_test should be uint8 of shape (N, 28, 28)",
    ),
    "label count": (
        _broken(lambda a: a.update(y_train=a["y_train"][:5])),
        "y_train should be integer labels of shape (20,)",
    ),
    "label range": (_broken(lambda a: a.update(y_test=a["y_test"] + 5)), "should hold digits 0-9"),
    "float labels": (
        _broken(lambda a: a.update(y_train=a["y_train"].astype(np.float32))),
        "y_train should be integer labels",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_names_file_and_problem(tmp_path, case):
    arrays, expected = BAD_FILES[case]
    path = write_npz(tmp_path / "bad.npz", arrays)
    with pytest.raises(MnistFileError) as caught:
        data.read_mnist_npz(path)
    assert str(path) in str(caught.value), case
    assert expected in str(caught.value), case


def test_corrupt_bytes(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"this is not a zip file at all" * 100)
    with pytest.raises(MnistFileError, match="not a readable .npz file"):
        data.read_mnist_npz(path)


def test_truncated_file(tmp_path):
    good = write_npz(tmp_path / "good.npz", tiny_mnist(200, 50))
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(MnistFileError, match="cut.npz"):
        data.read_mnist_npz(cut)


# -- where load_mnist looks ----------------------------------------------------------------


def test_path_argument_wins(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "elsewhere.npz"))
    path = write_npz(tmp_path / "m.npz", tiny_mnist())
    (x_train, _), _ = data.load_mnist(path)
    assert len(x_train) == 20
    assert "given as an argument" in capsys.readouterr().out


def test_missing_path_argument_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        data.load_mnist(tmp_path / "nope.npz")


def test_mnist_path_variable(tmp_path, monkeypatch, capsys):
    path = write_npz(tmp_path / "m.npz", tiny_mnist())
    monkeypatch.setenv("MNIST_PATH", str(path))
    (x_train, _), (x_test, _) = data.load_mnist()
    assert (len(x_train), len(x_test)) == (20, 10)
    out = capsys.readouterr().out
    assert "MNIST_PATH" in out and "30 digits" in out


def test_mnist_path_to_missing_file_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "missing.npz"))
    with pytest.raises(FileNotFoundError, match="MNIST_PATH points to .*missing.npz"):
        data.load_mnist()
    assert "DOES NOT EXIST" in data.find_mnist().description


def test_keras_cache_honours_keras_home(tmp_path, monkeypatch, capsys, no_mnist):
    cache = tmp_path / "keras-home" / "datasets" / "mnist.npz"
    cache.parent.mkdir(parents=True)
    write_npz(cache, tiny_mnist())
    assert data.keras_cache_path() == cache
    assert data.find_mnist().kind == "keras-cache"
    data.load_mnist()
    assert "the Keras cache" in capsys.readouterr().out


def test_offline_sample_is_real_balanced_and_reproducible(no_mnist):
    with pytest.warns(MnistSampleWarning) as caught:
        (x_train, y_train), (x_test, y_test) = data.load_mnist()
    message = str(caught[0].message)
    assert "5,000 digits" in message and "MNIST_PATH" in message and "MNIST_OFFLINE" in message
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.all(np.bincount(y_train) == 400) and np.all(np.bincount(y_test) == 100)
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test), "train and test overlap"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MnistSampleWarning)
        (x_again, _), _ = data.load_mnist()
    np.testing.assert_array_equal(x_train, x_again)


# -- download -------------------------------------------------------------------------------


@pytest.fixture
def npz_server(tmp_path):
    """An HTTP server on 127.0.0.1 that serves a tiny mnist.npz; yields (url, sha256)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **tiny_mnist())
    payload = buffer.getvalue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/mnist.npz", hashlib.sha256(payload).hexdigest()
    server.shutdown()


def test_download_checks_hash_and_keeps_file(tmp_path, npz_server):
    url, sha = npz_server
    dest = data.download_mnist(tmp_path / "cache" / "mnist.npz", url=url, sha256=sha, timeout=5)
    (x_train, _), _ = data.read_mnist_npz(dest)
    assert len(x_train) == 20


def test_download_with_wrong_hash_keeps_nothing(tmp_path, npz_server):
    url, _ = npz_server
    dest = tmp_path / "cache" / "mnist.npz"
    with pytest.raises(MnistFileError, match="expected 0000"):
        data.download_mnist(dest, url=url, sha256="0" * 64, timeout=5)
    assert list(dest.parent.iterdir()) == []


def test_download_gives_up_quickly_when_nothing_answers(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist.npz"
    start = time.monotonic()
    with pytest.raises(OSError):
        data.download_mnist(tmp_path / "mnist.npz", url=url, timeout=0.5)
    assert time.monotonic() - start < 5, "a silent host must not hang the lesson"
    silent.close()


def test_load_mnist_downloads_into_keras_cache(monkeypatch, npz_server, no_mnist, capsys):
    url, sha = npz_server
    monkeypatch.delenv("MNIST_OFFLINE")
    monkeypatch.setattr(data, "KERAS_URL", url)
    monkeypatch.setattr(data, "KERAS_SHA256", sha)
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 20 and data.keras_cache_path().is_file()
    assert "downloaded" in capsys.readouterr().out


def test_load_mnist_falls_back_to_sample_when_download_fails(monkeypatch, no_mnist):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused
    monkeypatch.delenv("MNIST_OFFLINE")
    monkeypatch.setattr(data, "KERAS_URL", f"http://127.0.0.1:{port}/mnist.npz")
    with pytest.warns(MnistSampleWarning, match="the download failed"):
        (x_train, _), _ = data.load_mnist(timeout=2)
    assert len(x_train) == 4000


# -- helpers ----------------------------------------------------------------------------------


def test_scale_pixels():
    out = data.scale_pixels(np.array([[0, 51, 255]], dtype=np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 0.2, 1.0]])
    with pytest.raises(TypeError, match="already"):
        data.scale_pixels(out)


def test_as_float_pixels_scales_uint8_keeps_floats_and_refuses_the_rest():
    np.testing.assert_allclose(
        data.as_float_pixels(np.array([0, 51, 255], np.uint8)), [0.0, 0.2, 1.0]
    )
    kept = data.as_float_pixels(np.array([0.0, 0.5, 1.0]))
    assert kept.dtype == np.float32 and kept.tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(
        ValueError, match=r"float pixels must lie in \[0, 1\], got values in \[0, 255\]"
    ):
        data.as_float_pixels(np.array([0.0, 255.0]))
    with pytest.raises(TypeError, match="uint8 or float pixels .* got dtype int64"):
        data.as_float_pixels(np.array([0, 255], np.int64))


def test_one_hot():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert data.one_hot(np.array([1, 2]), 4).dtype == np.float32
    with pytest.raises(
        ValueError, match=r"one_hot: y must lie in \[0, 10\), got values from 10 to 10"
    ):
        data.one_hot(np.array([10]))
    with pytest.raises(ValueError, match=r"\(N,\)"):
        data.one_hot(np.array([[1]]))


def labelled(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = np.arange(n)  # each x names its example, so we can check what moved where
    return x, y


def test_take_is_balanced_reproducible_and_consistent():
    x, y = labelled()
    xs, ys = data.take(x, y, 100, seed=3)
    counts = np.bincount(ys, minlength=10)
    assert counts.max() - counts.min() <= 1
    np.testing.assert_array_equal(y[xs], ys)
    np.testing.assert_array_equal(data.take(x, y, 100, seed=3)[0], xs)
    assert data.take(x, y, None)[0] is x
    for bad in (0, 1001, 2.5, True):
        with pytest.raises(ValueError, match="n must be an integer"):
            data.take(x, y, bad)


def test_train_val_split_is_stratified_and_disjoint():
    x, y = labelled()
    (x_tr, y_tr), (x_val, y_val) = data.train_val_split(x, y, val_fraction=0.2, seed=1)
    assert len(x_val) == 200 and len(x_tr) == 800
    assert set(x_tr).isdisjoint(x_val) and set(x_tr) | set(x_val) == set(x)
    expected = np.bincount(y) * 0.2
    assert np.all(np.abs(np.bincount(y_val, minlength=10) - expected) <= 1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.train_val_split(x, y, val_fraction=1.5)
    with pytest.raises(ValueError, match="x has 1000 examples but y has 3"):
        data.train_val_split(x, y[:3])


def test_iterate_minibatches_covers_every_example_once():
    x, y = labelled(103)
    batches = list(data.iterate_minibatches(x, y, 10, rng=0))
    assert [len(xb) for xb, _ in batches] == [10] * 10 + [3]
    seen = np.concatenate([xb for xb, _ in batches])
    assert sorted(seen) == list(range(103)) and not np.array_equal(seen, np.arange(103))
    for xb, yb in batches:
        np.testing.assert_array_equal(y[xb], yb)
    again = np.concatenate([xb for xb, _ in data.iterate_minibatches(x, y, 10, rng=0)])
    np.testing.assert_array_equal(seen, again)
    in_order = np.concatenate([xb for xb, _ in data.iterate_minibatches(x, y, 10, shuffle=False)])
    np.testing.assert_array_equal(in_order, x)
    with pytest.raises(ValueError, match="positive integer"):
        next(data.iterate_minibatches(x, y, 0))
