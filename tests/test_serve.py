"""course_utils.serve: the HTTP service, started for real on 127.0.0.1 and sent real requests."""

from __future__ import annotations

import asyncio
import http.client
import io
import math
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
import zlib

import httpx
import numpy as np
import psutil
import pytest
from PIL import Image
from serve_helpers import BackgroundServer

from course_utils import preprocess, serve
from course_utils.handwriting import predict_image, predict_probabilities
from course_utils.sample_digits import load_samples
from course_utils.serve import cli, limits

LIMIT = 1_000_000  # bytes: the upload limit of the service under test


@pytest.fixture(scope="module")
def service(digit_model):
    """The batched app in this process; a 20 ms window so that concurrent requests share batches."""
    app = serve.create_app(digit_model, max_upload_bytes=LIMIT, batch_window_ms=20)
    with BackgroundServer(app, host="127.0.0.1") as server:
        server.app = app
        yield server


def post_file(url, content, name="digit.png", content_type="image/png", field=serve.FIELD_NAME):
    return httpx.post(url + "/predict", files={field: (name, content, content_type)}, timeout=30)


def test_health(service):
    response = httpx.get(service.url + "/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert service.host == "127.0.0.1"


def test_a_good_picture_gets_the_digit_and_ten_probabilities(service):
    sample = load_samples(["thick_marker"])[3]
    response = post_file(service.url, sample.read_bytes())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["digit"] == 3
    assert len(answer["probabilities"]) == 10
    assert sum(answer["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    assert int(np.argmax(answer["probabilities"])) == answer["digit"]


def test_a_jpeg_sent_as_octet_stream_is_accepted(service):
    sample = load_samples(["pen_on_paper"])[0]
    response = post_file(service.url, sample.read_bytes(), "photo", "application/octet-stream")
    assert response.status_code == 200, response.text


def truncated_png():
    data_ = load_samples(["thin_pen"])[8].read_bytes()
    return data_[: len(data_) // 2]


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind, data_):
        crc = zlib.crc32(kind + data_)
        return struct.pack(">I", len(data_)) + kind + data_ + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def encode(picture, format="PNG", **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=format, **options)
    return out.getvalue()


def line_picture():
    """A white page with one black horizontal bar, 300 x 8 pixels: ink 37 times wider than tall."""
    picture = Image.new("L", (400, 400), 255)
    picture.paste(0, (50, 196, 350, 204))
    return picture


#: name: (send(url, blank_page_png) -> response, expected status, words in the detail)
BAD_REQUESTS = {
    "garbage bytes": (
        lambda url, blank: post_file(url, b"\x00\x01 definitely not a picture"),
        400,
        "not an image",
    ),
    "truncated file": (lambda url, blank: post_file(url, truncated_png()), 400, "truncated"),
    "empty file": (lambda url, blank: post_file(url, b""), 400, "empty"),
    "empty body": (
        lambda url, blank: httpx.post(
            url + "/predict",
            content=b"",
            headers={"content-type": "multipart/form-data; boundary=x"},
        ),
        400,
        "empty",
    ),
    "no file field": (lambda url, blank: post_file(url, blank, field="image"), 400, "field 'file'"),
    "malformed multipart": (
        lambda url, blank: httpx.post(
            url + "/predict",
            content=b"--x\r\nnot a part",
            headers={"content-type": "multipart/form-data; boundary=x"},
        ),
        400,
        "field 'file'",
    ),
    "oversized body": (
        lambda url, blank: post_file(url, b"\x89PNG" + bytes(LIMIT + 10)),
        413,
        "too large",
    ),
    "oversized body without a length": (
        lambda url, blank: httpx.post(
            url + "/predict",
            content=iter([bytes(300_000)] * 5),  # streamed in chunks: no Content-Length header
            headers={"content-type": "multipart/form-data; boundary=x"},
        ),
        413,
        "too large",
    ),
    "JSON instead of a file": (
        lambda url, blank: httpx.post(url + "/predict", json={"image": "7.png"}),
        415,
        "multipart/form-data",
    ),
    "raw PNG body": (
        lambda url, blank: httpx.post(
            url + "/predict", content=blank, headers={"content-type": "image/png"}
        ),
        415,
        "multipart/form-data",
    ),
    "text file": (
        lambda url, blank: post_file(url, b"seven", "seven.txt", "text/plain"),
        415,
        "text/plain",
    ),
    "blank page": (lambda url, blank: post_file(url, blank), 422, "no digit found"),
    "a 20000x1 strip": (
        lambda url, blank: post_file(url, encode(Image.new("L", (20000, 1), 0))),
        422,
        "not a digit",
    ),
    "a horizontal line": (
        lambda url, blank: post_file(url, encode(line_picture())),
        422,
        "not a digit",
    ),
    "picture over MAX_PIXELS": (
        lambda url, blank: post_file(url, png_claiming(50_000, 50_000)),
        413,
        "too large",
    ),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_a_bad_request_gets_a_clear_4xx_and_the_service_keeps_serving(service, png_bytes, name):
    send, status, words = BAD_REQUESTS[name]
    response = send(service.url, png_bytes(Image.new("L", (120, 120), 250)))
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and words.lower() in detail.lower(), detail
    assert httpx.get(service.url + "/health").status_code == 200


#: The status each kind of refused picture got when it was chosen by the message's words.
STATUS_BY_REASON = {
    "missing_file": 400,
    "empty": 400,
    "not_an_image": 400,
    "truncated": 400,
    "bad_array": 400,
    "too_large": 413,
    "blank": 422,
}


@pytest.mark.parametrize("reason", list(preprocess.ERROR_REASONS))
def test_a_refused_picture_gets_the_status_of_its_reason(reason):
    error = preprocess.ImageError("what went wrong", reason=reason)
    upload_error = limits._image_error(error)
    assert upload_error.status_code == STATUS_BY_REASON[reason]
    assert upload_error.detail == "what went wrong"


def test_200_requests_from_8_clients_are_all_answered_correctly(service, digit_model, capsys):
    samples = load_samples(["pen_on_paper", "rgba", "off_centre"])[::3]
    files = [(s.path.name, s.read_bytes()) for s in samples]
    expected = [predict_image(digit_model, content).digit for _, content in files]
    report = serve.load_test(service.url, files, num_requests=200, concurrency=8)
    assert report.errors == []
    assert report.status_codes == [200] * 200
    assert report.digits == [expected[i % len(files)] for i in range(200)]
    with capsys.disabled():
        print(f"\n[test_serve] load test on {service.url}: {report}")
    assert report.requests_per_second > 0


def test_load_test_counts_only_answered_requests_and_closes_its_clients(monkeypatch):
    made = []

    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

        def connect(self):
            super().connect()
            opened.append(self.sock)

    opened = []
    monkeypatch.setattr(http.client, "HTTPConnection", Connection)
    nobody = f"http://127.0.0.1:{serve.free_port()}"  # nothing listens there: every request fails
    report = serve.load_test(nobody, [("a.png", b"x")], num_requests=6, concurrency=2)
    assert len(report.errors) == 6 and report.status_codes == [0] * 6
    assert report.latencies == [] and report.answered == 0
    assert report.requests_per_second == 0.0
    assert made and all(connection.sock is None for connection in made)


def test_load_test_sends_each_file_and_closes_its_connections(service, digit_model, monkeypatch):
    made = []

    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(http.client, "HTTPConnection", Connection)
    files = [(s.path.name, s.read_bytes()) for s in load_samples(["thick_marker"])[:3]]
    expected = [predict_image(digit_model, content).digit for _, content in files]
    report = serve.load_test(service.url, files, num_requests=6, concurrency=2)
    assert report.status_codes == [200] * 6 and report.errors == []
    assert report.digits == expected * 2
    assert 1 <= len(made) <= 2 and all(connection.sock is None for connection in made)


def test_load_report_statistics_leave_failed_requests_out():
    report = serve.LoadReport(
        num_requests=4,
        concurrency=2,
        seconds=2.0,
        status_codes=[200, 0, 200, 415],
        digits=[7, None, 7, None],
        latencies=[0.1, 0.3],
        errors=["request 1: ConnectError"],
    )
    assert report.answered == 2 and report.requests_per_second == pytest.approx(1.0)
    assert "2 answered 200 (1.0 per second)" in str(report)
    assert "median 200 ms" in str(report)


def _multipart_request(body: bytes):
    """A starlette Request carrying ``body`` as multipart/form-data with boundary x."""
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/predict",
        "headers": [
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return Request(scope, receive)


def test_a_refused_upload_leaves_no_temporary_file_open():
    import asyncio
    import gc

    body = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="seven.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nseven\r\n--x--\r\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(serve.UploadError) as refused:
            asyncio.run(limits._read_upload(_multipart_request(body), LIMIT))
        gc.collect()
    assert refused.value.status_code == 415
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_the_documented_command_serves_a_saved_model(digit_model, tmp_path):
    model_path = tmp_path / "digits.keras"
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", DeprecationWarning
        )  # raised inside keras' save with numpy 2
        digit_model.save(model_path)
    assert serve.service_command(model_path, 8123)[1:] == [
        "-m",
        "course_utils.serve",
        "--model",
        str(model_path),
        "--port",
        "8123",
        "--host",
        "127.0.0.1",
    ]
    with serve.start_service(model_path, host="127.0.0.1") as service:
        assert service.url.startswith("http://127.0.0.1:")
        assert httpx.get(service.url + "/health").json() == {
            "status": "ok",
            "ready": True,
            "model": "digits.keras",
        }
        response = post_file(service.url, load_samples(["chalkboard"])[5].read_bytes())
        assert response.status_code == 200 and response.json()["digit"] == 5
        workers = psutil.Process(service.process.pid).children(recursive=True)
        assert len(workers) >= 2  # the preprocessing processes
    assert service.process.poll() is not None  # stopped
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == [], "preprocessing workers outlived the service"


def test_a_saved_model_export_serves_the_same_probabilities(digit_model, tmp_path):
    digit_model.export(tmp_path / "saved", verbose=False)
    reloaded = serve.load_model(tmp_path / "saved")
    digits = np.stack([predict_image(digit_model, s.path).image for s in load_samples(["rgba"])])
    np.testing.assert_allclose(
        predict_probabilities(reloaded, digits),
        predict_probabilities(digit_model, digits),
        atol=1e-5,
    )


def test_load_model_says_what_it_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model"):
        serve.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="not a SavedModel"):
        serve.load_model(tmp_path)
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ValueError, match=".keras file"):
        serve.load_model(tmp_path / "weights.bin")


def test_the_command_line_exits_with_a_message_for_a_missing_model(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        serve.main(["--model", str(tmp_path / "missing.keras"), "--port", "8124"])
    assert exit_.value.code == 2
    assert "no model" in capsys.readouterr().err


@pytest.mark.parametrize("limit", [0, -5, 1.5, True])
def test_create_app_rejects_a_bad_upload_limit(digit_model, limit):
    with pytest.raises(ValueError, match="max_upload_bytes"):
        serve.create_app(digit_model, max_upload_bytes=limit)


# --- the exercise of lesson 09 -------------------------------------------------------------

from course_utils.exercises import lesson09  # noqa: E402

# Reference and stub checks for every lesson are in tests/test_exercises.py; here, the mistakes.

WRONG_TOP_DIGITS = {
    "least likely": (
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: t[1])[:k],
        "reverse=True",
    ),
    "pairs flipped": (
        lambda a, k: [(p, d) for d, p in lesson09.top_digits.reference(a, k)],
        "put the digit first",
    ),
    "always three": (lambda a, k: lesson09.top_digits.reference(a, 3), "pairs"),
}


@pytest.mark.parametrize("name", list(WRONG_TOP_DIGITS))
def test_top_digits_exercise_explains_each_mistake(name):
    fn, words = WRONG_TOP_DIGITS[name]
    result = lesson09.top_digits.evaluate(fn)
    assert result.status == "failed" and words in result.message, result.message


def test_exported_saved_model_switches_augmentation_off(tmp_path):
    """model.export() would keep RandomTranslation active in the serve endpoint; ours must not."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.RandomTranslation(0.3, 0.3, fill_mode="constant"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    # model.export would give probabilities that differ by 0.19
    exported = serve.load_model(serve.export_saved_model(model, tmp_path / "saved"))
    np.testing.assert_allclose(exported.serve(x).numpy(), model.predict(x, verbose=0), atol=1e-5)


# --- batching, bounded memory, timeouts, the command line ----------------------------------

BODY_TIMEOUT = 1.5  # seconds: the command-line service's body timeout in these tests
HEADER_TIMEOUT = 1.5
KEEP_ALIVE = 1.0


@pytest.fixture(scope="module")
def cli_service(digit_model, tmp_path_factory):
    """The documented command, with short timeouts, in its own process (so its memory can be measured)."""
    folder = tmp_path_factory.mktemp("cli_service")
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", DeprecationWarning
        )  # raised inside keras' save with numpy 2
        digit_model.save(folder / "digits.keras")
    options = ["--body-timeout-s", BODY_TIMEOUT, "--keep-alive-s", KEEP_ALIVE]
    options += ["--header-timeout-s", HEADER_TIMEOUT]
    with serve.start_service(
        folder / "digits.keras", log_path=folder / "service.log", options=options
    ) as service:
        yield service


def raw_connection(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10)
    return connection


def stalled_upload(url: str, declared: int = 100_000, sent: int = 100) -> socket.socket:
    """A connection that declares a ``declared``-byte multipart body and sends only ``sent`` bytes."""
    connection = raw_connection(url)
    connection.sendall(
        b"POST /predict HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
        + f"Content-Length: {declared}\r\n\r\n".encode()
        + b"--x\r\n"
        + b"a" * (sent - 5)
    )
    return connection


def read_until_closed(connection: socket.socket, limit_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection (or ``limit_s`` passes), and when."""
    started = time.monotonic()
    connection.settimeout(0.2)
    received = b""
    while time.monotonic() - started < limit_s:
        try:
            chunk = connection.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            return received, time.monotonic() - started
        received += chunk
    return received, math.inf


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the preprocessing workers), in MiB."""
    process = psutil.Process(pid)
    total = 0
    for each in [process, *process.children(recursive=True)]:
        try:
            total += each.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def test_stalled_uploads_get_408_and_a_closed_connection_while_others_are_answered(cli_service):
    stalled = [stalled_upload(cli_service.url) for _ in range(20)]
    good = load_samples(["thick_marker"])[3].read_bytes()
    try:
        started = time.monotonic()
        answers = [post_file(cli_service.url, good).status_code for _ in range(3)]
        assert answers == [200] * 3, "the service stopped answering while uploads were stalled"
        for connection in stalled:
            received, after = read_until_closed(
                connection, BODY_TIMEOUT + 5 - (time.monotonic() - started)
            )
            assert after < math.inf, "a stalled upload kept its connection open"
            assert received.startswith(b"HTTP/1.1 408"), received[:80]
            assert b"did not arrive within 1.5 s" in received
        assert time.monotonic() - started < BODY_TIMEOUT + 5
    finally:
        for connection in stalled:
            connection.close()
    assert post_file(cli_service.url, good).status_code == 200


def test_silent_and_half_sent_requests_are_closed_within_the_header_timeout(cli_service):
    silent = [raw_connection(cli_service.url) for _ in range(50)]
    half = [raw_connection(cli_service.url) for _ in range(20)]
    for connection in half:
        connection.sendall(b"POST /predi")  # half a request line, and nothing more
    good = load_samples(["thick_marker"])[5].read_bytes()
    try:
        started = time.monotonic()
        answers = [post_file(cli_service.url, good).status_code for _ in range(3)]
        assert answers == [200] * 3, "the service stopped answering while connections were stalled"
        for kind, connections in [("silent", silent), ("half a request line", half)]:
            for connection in connections:
                received, after = read_until_closed(
                    connection, HEADER_TIMEOUT + 5 - (time.monotonic() - started)
                )
                assert after < math.inf, f"a {kind} connection was kept open"
                assert received.startswith(b"HTTP/1.1 408"), (kind, received[:80])
                assert b"headers did not arrive within 1.5 s" in received, received
        assert time.monotonic() - started < HEADER_TIMEOUT + 5
    finally:
        for connection in silent + half:
            connection.close()
    assert post_file(cli_service.url, good).status_code == 200


def test_headers_sent_slowly_but_in_time_are_answered(cli_service):
    connection = raw_connection(cli_service.url)
    try:
        connection.sendall(b"GET /hea")
        time.sleep(HEADER_TIMEOUT / 3)
        connection.sendall(b"lth HTTP/1.1\r\nHost: test\r\n")
        time.sleep(HEADER_TIMEOUT / 3)
        connection.sendall(b"Connection: close\r\n\r\n")
        received, after = read_until_closed(connection, HEADER_TIMEOUT + 5)
    finally:
        connection.close()
    assert received.startswith(b"HTTP/1.1 200"), received[:80]
    assert after < math.inf


def test_header_timeout_protocol_refuses_a_non_positive_timeout():
    with pytest.raises(ValueError, match="header_timeout must be a positive finite number, got 0"):
        serve.header_timeout_protocol(0)


def test_an_idle_keep_alive_connection_is_closed(cli_service):
    connection = raw_connection(cli_service.url)
    try:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        received, after = read_until_closed(connection, KEEP_ALIVE + 5)
    finally:
        connection.close()
    assert received.startswith(b"HTTP/1.1 200")
    assert after < KEEP_ALIVE + 5, "an idle connection was kept open"


def test_a_client_that_disconnects_mid_upload_is_logged_in_one_line(cli_service):
    before = cli_service.log()
    stalled_upload(cli_service.url).close()
    deadline = time.monotonic() + 10
    while "disconnected" not in cli_service.log()[len(before) :] and time.monotonic() < deadline:
        time.sleep(0.1)
    new = cli_service.log()[len(before) :]
    assert [line for line in new.splitlines() if line.strip()] == [
        line for line in new.splitlines() if "disconnected before its upload arrived" in line
    ], new
    assert new.count("disconnected") == 1 and "Traceback" not in new, new
    assert post_file(cli_service.url, load_samples(["rgba"])[1].read_bytes()).status_code == 200


def huge_pictures(digit: int = 4) -> list[tuple[str, bytes, str]]:
    """Four 36-megapixel PNGs (RGBA, 144 MB decoded) and four 36-megapixel JPEGs of one sample digit."""
    sample = Image.open(load_samples(["thick_marker"])[digit].path).convert("RGBA")
    big = sample.resize((6000, 6000), Image.Resampling.BILINEAR)
    png = encode(big, compress_level=1)
    jpeg = encode(big.convert("RGB"), "JPEG", quality=85)
    return [("huge.png", png, "image/png")] * 4 + [("huge.jpg", jpeg, "image/jpeg")] * 4


def test_eight_huge_pictures_at_once_stay_under_a_gigabyte_and_memory_falls_back(cli_service):
    pictures = huge_pictures()
    pid = cli_service.process.pid
    baseline = rss_mib(pid)
    peak = baseline
    statuses = []

    def send(picture):
        name, content, kind = picture
        response = httpx.post(
            cli_service.url + "/predict", files={"file": (name, content, kind)}, timeout=120
        )
        statuses.append((response.status_code, response.json().get("digit")))

    threads = [threading.Thread(target=send, args=(p,)) for p in pictures]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, rss_mib(pid))
        time.sleep(0.02)
    deadline = time.monotonic() + 10
    while rss_mib(pid) - baseline > 150 and time.monotonic() < deadline:
        time.sleep(0.2)
    after = rss_mib(pid)
    print(f"\n[test_serve] RSS {baseline:.0f} MiB, peak {peak:.0f} MiB, after {after:.0f} MiB")
    assert statuses == [(200, 4)] * 8
    assert peak - baseline < 1024, f"8 huge pictures took {peak - baseline:.0f} MiB"
    assert after - baseline < 150, f"memory did not fall back: {after - baseline:.0f} MiB more"


def test_open_bounded_decodes_big_pictures_small(png_bytes):
    jpeg = encode(Image.new("RGB", (6000, 4000), "white"), "JPEG")
    assert serve.open_bounded(jpeg).size == (1500, 1000)  # decoded at 1/4 size (draft mode)
    assert serve.open_bounded(png_bytes(Image.new("L", (3000, 2500), 255))).size == (1500, 1250)
    assert serve.open_bounded(png_bytes(Image.new("L", (900, 300), 255))).size == (900, 300)
    with pytest.raises(preprocess.ImageError) as too_large:
        serve.open_bounded(png_claiming(7000, 6000))
    assert too_large.value.reason == "too_large"
    with pytest.raises(preprocess.ImageError, match="20000 x 1 pixels") as strip:
        serve.open_bounded(png_bytes(Image.new("L", (20000, 1), 0)))
    assert strip.value.reason == "blank" and "not a digit" in str(strip.value)
    with pytest.raises(preprocess.ImageError) as broken:
        serve.open_bounded(truncated_png())
    assert broken.value.reason == "truncated"


def test_open_bounded_keeps_the_exif_rotation():
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 270 degrees to see it upright
    photo = encode(Image.new("RGB", (4000, 2000), "white"), "JPEG", exif=exif)
    picture = serve.open_bounded(photo)
    assert picture.size == (2000, 1000)
    assert preprocess.load_image(picture).size == (1000, 2000)


def test_the_batcher_answers_each_request_with_its_own_row():
    calls = []

    def predict_batch(digits):
        calls.append(len(digits))
        return digits.reshape(len(digits), -1)[:, :10] * 2  # row i depends on digit i only

    async def main():
        batcher = serve.DynamicBatcher(predict_batch, max_batch_size=4, window_s=0.05)
        task = asyncio.create_task(batcher.run())
        await asyncio.sleep(0)
        digits = [np.full((28, 28), i, dtype=np.float32) for i in range(10)]
        rows = await asyncio.gather(*(batcher.predict(d) for d in digits))
        task.cancel()
        batcher.close()
        return rows

    rows = asyncio.run(main())
    assert [row.tolist() for row in rows] == [[2.0 * i] * 10 for i in range(10)]
    assert sum(calls) == 10 and max(calls) == 4 and len(calls) == 3


def test_a_lone_request_does_not_wait_out_the_batch_window():
    async def main():
        batcher = serve.DynamicBatcher(
            lambda digits: digits[:, 0, :10], window_s=2.0, more_coming=lambda: 0
        )
        task = asyncio.create_task(batcher.run())
        await asyncio.sleep(0)
        started = time.monotonic()
        await batcher.predict(np.zeros((28, 28), dtype=np.float32))
        task.cancel()
        batcher.close()
        return time.monotonic() - started

    assert asyncio.run(main()) < 1.0  # the 2 s window was not waited for


def test_concurrent_requests_are_batched_and_each_gets_its_own_answer(service):
    samples = load_samples()[::3][:24]
    batcher = service.app.state.batcher
    alone = [post_file(service.url, s.read_bytes()).json() for s in samples]  # one at a time
    sizes_before = len(batcher.batch_sizes)
    together = [None] * len(samples)

    def send(i):
        together[i] = post_file(service.url, samples[i].read_bytes()).json()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(samples))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert max(batcher.batch_sizes[sizes_before:]) > 1, "nothing was batched"
    for sample, one, batched in zip(samples, alone, together):
        np.testing.assert_allclose(
            batched["probabilities"], one["probabilities"], atol=1e-5, err_msg=sample.path.name
        )
        assert batched["digit"] == one["digit"], sample.path.name
    assert len({answer["digit"] for answer in together}) >= 5  # different digits, each its own


BAD_COMMAND_LINES = {
    "upload limit 0": ["--max-upload-mb", "0"],
    "negative upload limit": ["--max-upload-mb", "-5"],
    "upload limit nan": ["--max-upload-mb", "nan"],
    "upload limit inf": ["--max-upload-mb", "inf"],
    "upload limit not a number": ["--max-upload-mb", "ten"],
    "port 0": ["--port", "0"],
    "port out of range": ["--port", "70000"],
    "port not a number": ["--port", "http"],
    "negative batch window": ["--batch-window-ms", "-1"],
    "batch size 0": ["--max-batch-size", "0"],
    "body timeout 0": ["--body-timeout-s", "0"],
    "header timeout -1": ["--header-timeout-s", "-1"],
    "missing model": ["--model", "no/such/model.keras"],
    "a folder that is not a SavedModel": ["--model", "."],
}


@pytest.mark.parametrize("name", list(BAD_COMMAND_LINES))
def test_a_bad_command_line_is_a_usage_error_before_the_model_loads(
    name, tmp_path, monkeypatch, capsys
):
    model = tmp_path / "digits.keras"
    model.write_bytes(b"never loaded")
    monkeypatch.setattr(cli, "load_model", lambda path: pytest.fail("the model was loaded"))
    with pytest.raises(SystemExit) as exit_:
        serve.main(["--model", str(model), *BAD_COMMAND_LINES[name]])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m course_utils.serve") and "error: argument" in err, err


def test_the_real_command_exits_2_with_a_usage_message(tmp_path):
    model = tmp_path / "digits.keras"
    model.write_bytes(b"never loaded")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "course_utils.serve",
            "--model",
            str(model),
            "--max-upload-mb",
            "nan",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        "argument --max-upload-mb: the value must be a positive finite number, got nan"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 60


def test_the_benchmark_table_and_figure_show_every_configuration():
    from course_utils import plotting
    from course_utils.tools import bench_serve

    def result(name, rate, cpu):
        return bench_serve.ServingResult(
            name, rate, 900, 1500, 2000, 0, 14.0, 700, 710, 705, cpu_ms_per_request=cpu
        )

    results = [result("first", 10.0, 16.0), result("batched", 40.0, 4.0)]
    table = bench_serve.format_table(results).splitlines()
    assert table[1].split()[:2] == ["first", "10.0"] and table[2].split()[:2] == ["batched", "40.0"]
    assert (
        table[-1]
        == "batched / first: 4.00x the requests per second, 4.00x less service CPU per request"
    )
    measured = result("batched", 40.0, 8.0)
    measured.main_cpu_ms_per_request, measured.workers_cpu_ms_per_request = 3.0, 5.0
    measured.client_cpu_ms_per_request = 0.4
    assert bench_serve.format_table([measured]).splitlines()[-1] == (
        "  batched: CPU ms per request: service process 3.0 + preprocessing workers 5.0; "
        "the client 0.4"
    )
    figure = plotting.serving_comparison(results)
    assert len(figure.axes) == 2
    with pytest.raises(ValueError, match="at least one"):
        plotting.serving_comparison([])


def test_peak_memory_counts_this_process():
    from course_utils.tools import bench_serve

    with bench_serve.PeakMemory(os.getpid()) as memory:
        block = np.ones(50 * 2**20 // 8)  # 50 MiB
        time.sleep(0.2)
    assert memory.peak_mb >= memory.rss_mb() - 1 and memory.peak_mb > 50
    del block


def test_milliseconds_times_one_call_at_its_fastest():
    from course_utils.tools import bench_serve

    calls = []

    def call():
        calls.append(1)
        time.sleep(0.002)

    ms = bench_serve.milliseconds(call, number=3, repeat=2)
    assert len(calls) == 6 and 2.0 <= ms < 50
    with pytest.raises(ValueError, match="number"):
        bench_serve.milliseconds(call, number=0)
