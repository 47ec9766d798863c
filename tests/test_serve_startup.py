"""The service's command line refuses what it cannot serve, in one sentence, before the model loads."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from course_utils.serve import cli


def _serve(*args, timeout=120):
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "course_utils.serve", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.perf_counter() - start


@pytest.fixture
def garbage_model(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive" * 10)
    return path


def test_an_empty_host_is_refused_before_the_model_loads(garbage_model):
    done, seconds = _serve("--model", str(garbage_model), "--host", "")
    assert done.returncode == 2
    assert "--host is empty; expected an address such as 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_said_at_once(garbage_model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done, seconds = _serve("--model", str(garbage_model), "--port", str(port))
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "cannot serve" not in done.stderr  # said before the model was even opened


def _free_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


def test_a_corrupt_model_file_is_one_sentence_not_a_traceback(garbage_model):
    done, _ = _serve("--model", str(garbage_model), "--port", str(_free_port()))
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"cannot serve {garbage_model}: " in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr and last.startswith(
        "python -m course_utils.serve: error: cannot serve"
    )


def test_a_model_with_the_wrong_shapes_is_refused(tmp_path):
    import keras

    path = tmp_path / "three_classes.keras"
    keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]
    ).save(path)
    with pytest.raises(ValueError, match=r"expected ten scores per digit"):
        cli.check_model(keras.models.load_model(path))
    wide = keras.Sequential(
        [keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    with pytest.raises(ValueError, match=r"expected MNIST digits"):
        cli.check_model(wide)


def test_a_host_other_machines_reach_gets_a_warning_and_loopback_none():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert cli.check_address("127.0.0.1", port) is None
    assert "other machines on the network" in cli.check_address("0.0.0.0", port)
    with pytest.raises(ValueError, match="is not an address of this machine"):
        cli.check_address("no-such-host.invalid", port)


def test_no_docs_page_that_would_load_scripts_from_a_cdn():
    import keras
    from fastapi.testclient import TestClient

    from course_utils.serve import create_app

    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    client = TestClient(create_app(model))
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


# --- small inputs the outside review found (issue 25) --------------------------------------


@pytest.fixture(scope="module")
def tiny_client():
    import keras
    from fastapi.testclient import TestClient

    from course_utils.serve import create_app

    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    with TestClient(create_app(model, preprocess_workers=0, inference="eager")) as client:
        yield client


def test_a_float_tiff_in_0_1_is_read_as_a_picture_not_as_blank(tiny_client):
    import io

    import numpy as np
    from PIL import Image

    pixels = np.ones((100, 100), np.float32)  # white paper, in [0, 1]
    pixels[25:75, 45:55] = 0.0  # a dark stroke: a 1
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="F").save(buffer, format="TIFF")
    answer = tiny_client.post(
        "/predict", files={"file": ("one.tif", buffer.getvalue(), "image/tiff")}
    )
    assert answer.status_code == 200, answer.text


def test_an_eps_file_is_called_a_vector_drawing_not_damaged(tiny_client):
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\n"
    answer = tiny_client.post(
        "/predict", files={"file": ("d.eps", eps, "application/octet-stream")}
    )
    assert answer.status_code == 400
    assert "vector drawing (EPS)" in answer.json()["detail"] and "damaged" not in answer.text


def test_a_content_type_that_only_starts_like_multipart_is_415(tiny_client):
    answer = tiny_client.post(
        "/predict", content=b"abc", headers={"content-type": "multipart/form-dataX; boundary=x"}
    )
    assert answer.status_code == 415
    assert "got content type multipart/form-dataX" in answer.json()["detail"]


def test_a_text_file_named_h5_and_a_broken_savedmodel_are_one_sentence(tmp_path):
    text_h5 = tmp_path / "model.h5"
    text_h5.write_text("this is a text file, not HDF5\n")
    broken = tmp_path / "saved_model"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"\x00\x01 not a protocol buffer")
    for model in (text_h5, broken):
        done, _ = _serve("--model", str(model), "--port", str(_free_port()))
        assert done.returncode == 2, done.stderr[-2000:]
        last = done.stderr.strip().splitlines()[-1]
        assert "Traceback" not in done.stderr and last.startswith(
            f"python -m course_utils.serve: error: cannot serve {model}"
        ), last
