"""course_utils.serve: the HTTP service, started for real on 127.0.0.1 and sent real requests."""

from __future__ import annotations

import struct
import warnings
import zlib

import httpx
import numpy as np
import pytest
from PIL import Image

from course_utils import preprocess, serve
from course_utils.handwriting import predict_image, predict_probabilities
from course_utils.sample_digits import load_samples

LIMIT = 1_000_000  # bytes: the upload limit of the service under test


@pytest.fixture(scope="module")
def service(digit_model):
    app = serve.create_app(digit_model, max_upload_bytes=LIMIT)
    with serve.BackgroundServer(app, host="127.0.0.1") as server:
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
    upload_error = serve._image_error(error)
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

    class Client(httpx.Client):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(httpx, "Client", Client)
    nobody = f"http://127.0.0.1:{serve.free_port()}"  # nothing listens there: every request fails
    report = serve.load_test(nobody, [("a.png", b"x")], num_requests=6, concurrency=2)
    assert len(report.errors) == 6 and report.status_codes == [0] * 6
    assert report.latencies == [] and report.answered == 0
    assert report.requests_per_second == 0.0
    assert made and all(client.is_closed for client in made)


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
            asyncio.run(serve._read_upload(_multipart_request(body), LIMIT))
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
            "model": "digits.keras",
        }
        response = post_file(service.url, load_samples(["chalkboard"])[5].read_bytes())
        assert response.status_code == 200 and response.json()["digit"] == 5
    assert service.process.poll() is not None  # stopped


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
