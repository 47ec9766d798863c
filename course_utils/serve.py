"""Serve the digit classifier over HTTP (FastAPI + uvicorn).

Start it with one command::

    python -m course_utils.serve --model build/models/lesson07_cnn.keras --port 8000 [--host 127.0.0.1]

``--model`` is a ``.keras`` file or a SavedModel folder (``model.export(...)``); it
is loaded once, at start-up. The service answers

* ``GET /health`` -> ``{"status": "ok", "model": NAME}``;
* ``POST /predict`` with a picture of one digit, sent as ``multipart/form-data``
  in the field named ``file`` (``curl -F file=@digit.png http://127.0.0.1:8000/predict``)
  -> ``{"digit": 7, "probabilities": [p0, ..., p9]}``. The picture goes through
  ``course_utils.preprocess.to_mnist`` first, so any photo or scan works.

A client's mistake never gets a 500; the answer is a 4xx whose JSON ``detail``
says what went wrong, and the service keeps serving:

=====  ==================================================================
code   when
=====  ==================================================================
400    empty body; no ``file`` field; bytes that are not an image; a damaged
       or truncated file
413    a body over ``max_upload_bytes`` (default :data:`MAX_UPLOAD_BYTES`,
       10 MiB, ``--max-upload-mb`` in MiB), or a picture over ``preprocess.MAX_PIXELS``
415    a request that is not ``multipart/form-data``, or a file part whose
       content type is neither ``image/*`` nor ``application/octet-stream``
422    a picture with no digit on it (a blank page)
=====  ==================================================================

:func:`create_app(model) <create_app>` builds the application around an
already loaded model (the tests use it); :class:`BackgroundServer` runs an app
in a thread, :func:`start_service` runs the documented command in a
subprocess, and :func:`load_test` measures requests per second.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import argparse
import atexit
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from . import preprocess
from .handwriting import predict_probabilities

#: Largest request body accepted by default: 10 MiB (10,485,760 bytes), enough for a phone photo.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: The multipart field that carries the picture.
FIELD_NAME = "file"
_IMAGE_TYPES_OK = ("image/", "application/octet-stream")


class UploadError(Exception):
    """A client's mistake: ``status_code`` (4xx) and a ``detail`` sentence.

    Taught in notebooks/09_serve_the_model.ipynb.
    """

    def __init__(self, status_code: int, detail: str):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def export_saved_model(model, path: str | os.PathLike) -> Path:
    """Export a Keras model as a TensorFlow SavedModel whose ``serve`` endpoint runs in inference mode.

    ``model.export(path)`` traces ``model(x)`` without ``training=False``, and Keras'
    random augmentation layers (``RandomRotation``, ``RandomTranslation``: lesson 07's
    improved CNN has them) default to training mode there: the exported model would
    classify randomly shifted digits. This endpoint calls ``model(x, training=False)``.
    x: (N, 28, 28, 1) float32 in [0, 1]. Returns ``Path(path)``.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    archive.add_endpoint("serve", lambda x: model(x, training=False), input_signature=[spec])
    archive.write_out(str(path), verbose=False)
    return Path(path)


def load_model(path: str | os.PathLike):
    """Load a ``.keras`` file or a SavedModel folder for serving.

    Returns a Keras model (``.keras``/``.h5``) or the object of
    ``tf.saved_model.load`` (a folder); both work with
    ``handwriting.predict_probabilities``. Raises ``FileNotFoundError`` or
    ``ValueError`` with what was expected.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"no model at {str(path)!r}; run lesson 07 (or lesson 09's export) to make one"
        )
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ValueError(f"{str(path)!r} is a folder but not a SavedModel (no saved_model.pb)")
        import tensorflow as tf

        return tf.saved_model.load(str(path))
    if path.suffix not in (".keras", ".h5"):
        raise ValueError(f"expected a .keras file or a SavedModel folder, got {str(path)!r}")
    import keras

    return keras.models.load_model(path)


def create_app(model, *, max_upload_bytes: int = MAX_UPLOAD_BYTES, model_name: str = "digits"):
    """The FastAPI application serving ``model`` (see the module docstring for the API).

    model: anything ``handwriting.predict_probabilities`` takes, loaded once by the
    caller. max_upload_bytes: the largest request body accepted (413 above it).
    Predictions run one at a time in a worker thread, so the event loop keeps
    accepting requests while the model works.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    if (
        isinstance(max_upload_bytes, bool)
        or not isinstance(max_upload_bytes, int)
        or max_upload_bytes < 1
    ):
        raise ValueError(f"max_upload_bytes must be a positive integer, got {max_upload_bytes!r}")
    lock = threading.Lock()
    # One prediction at start-up: builds the model's graph before the first client waits.
    predict_probabilities(model, np.zeros((1, 28, 28), dtype=np.float32))

    app = FastAPI(
        title="MNIST digit classifier",
        description="POST a picture of one handwritten digit to /predict (multipart field "
        f"'{FIELD_NAME}'); the answer is the digit and the ten probabilities.",
    )
    app.state.model = model
    app.state.max_upload_bytes = max_upload_bytes

    @app.exception_handler(UploadError)
    async def _upload_error(request, error: UploadError):
        return JSONResponse(status_code=error.status_code, content={"detail": error.detail})

    @app.get("/health")
    async def health():
        """Is the service up, and which model does it serve?"""
        return {"status": "ok", "model": model_name}

    def classify(content: bytes) -> dict:
        try:
            digit_image = preprocess.to_mnist(content)
        except preprocess.ImageError as error:
            raise _image_error(error) from error
        with lock:
            probs = predict_probabilities(model, digit_image)[0]
        return {"digit": int(np.argmax(probs)), "probabilities": [float(p) for p in probs]}

    @app.post(
        "/predict",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": [FIELD_NAME],
                            "properties": {FIELD_NAME: {"type": "string", "format": "binary"}},
                        }
                    }
                },
            }
        },
    )
    async def predict(request: Request):
        """Classify the picture in the multipart field ``file``."""
        content = await _read_upload(request, max_upload_bytes)
        return await run_in_threadpool(classify, content)

    return app


#: HTTP status of a picture that ``preprocess`` refused, by ``ImageError.reason``; 400 otherwise.
STATUS_BY_REASON = {"blank": 422, "too_large": 413}


def _image_error(error: preprocess.ImageError) -> UploadError:
    return UploadError(STATUS_BY_REASON.get(error.reason, 400), str(error))


async def _read_upload(request, max_upload_bytes: int) -> bytes:
    """The bytes of the uploaded file, or an :class:`UploadError` saying what is wrong."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        shown = content_type or "none"
        raise UploadError(
            415,
            f"expected a multipart/form-data upload with the picture in the field "
            f"'{FIELD_NAME}' (curl -F {FIELD_NAME}=@digit.png ...), got content type {shown}",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_upload_bytes:
        raise UploadError(413, _too_large(int(declared), max_upload_bytes))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_upload_bytes:
            raise UploadError(413, _too_large(len(body), max_upload_bytes))
    if not body:
        raise UploadError(400, "the request body is empty: send a picture in the field 'file'")

    async def replay():
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except Exception as error:  # the multipart parser rejects malformed bodies
        reason = getattr(error, "detail", None) or str(error)
        raise UploadError(
            400,
            f"the multipart body could not be read ({reason}); send the picture as "
            f"multipart/form-data in the field '{FIELD_NAME}'",
        ) from error
    try:
        upload = form.get(FIELD_NAME)
        if upload is None or isinstance(upload, str):
            raise UploadError(
                400,
                f"no file in the field '{FIELD_NAME}'; send the picture as {FIELD_NAME}=@digit.png",
            )
        part_type = (upload.content_type or "application/octet-stream").lower()
        if not part_type.startswith(_IMAGE_TYPES_OK):
            raise UploadError(
                415,
                f"the file's content type is {part_type}; expected an image (image/png, image/jpeg, ...)",
            )
        content = await upload.read()
    finally:
        await form.close()  # the parsed parts are temporary files: close them on every path
    if not content:
        raise UploadError(400, f"the file in the field '{FIELD_NAME}' is empty")
    return content


def _too_large(size: int, limit: int) -> str:
    return f"the upload is too large ({size:,} bytes or more); the limit is {limit:,} bytes"


# --- running it -------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now.

    Taught in notebooks/09_serve_the_model.ipynb.
    """
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class BackgroundServer:
    """Run an ASGI ``app`` with uvicorn in a daemon thread, on ``host`` and a free port.

    Use as a context manager: ``with BackgroundServer(app) as server: httpx.get(server.url + "/health")``.
    The socket is bound before the thread starts, so there is no race for the port.
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, timeout: float = 30.0):
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.host, self.port = self.socket.getsockname()[:2]
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.timeout = timeout
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + self.timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {self.timeout} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(self.timeout)
        self.socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class ServiceProcess:
    """The service started by :func:`start_service`: its ``url``, ``command`` and process.

    Taught in notebooks/09_serve_the_model.ipynb.
    """

    url: str
    command: list[str]
    process: subprocess.Popen
    log_path: Path | None = None

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the service (SIGTERM, then SIGKILL after ``timeout`` s); return its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def log(self, tensorflow_chatter: bool = False) -> str:
        """What the service printed so far; without TensorFlow's start-up messages unless asked."""
        text = self.log_path.read_text() if self.log_path and self.log_path.exists() else ""
        if tensorflow_chatter:
            return text
        chatter = ("I0000 ", "W0000 ", "E0000 ", "WARNING: All log messages before absl")
        return "".join(
            line for line in text.splitlines(keepends=True) if not line.startswith(chatter)
        )

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def service_command(model_path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The documented command line: ``python -m course_utils.serve --model PATH --port PORT --host HOST``.

    Taught in notebooks/09_serve_the_model.ipynb.
    """
    return [
        sys.executable,
        "-m",
        "course_utils.serve",
        "--model",
        str(model_path),
        "--port",
        str(port),
        "--host",
        host,
    ]


def start_service(
    model_path,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 120.0,
    log_path=None,
) -> ServiceProcess:
    """Run :func:`service_command` in a subprocess and wait until ``GET /health`` answers.

    port: None picks a free one. The output goes to ``log_path`` (a temporary file
    when None). Raises ``RuntimeError`` with the service's output when it exits or
    does not answer within ``timeout`` seconds. The service is also stopped when
    this Python process exits.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    import tempfile

    import httpx

    port = free_port(host) if port is None else port
    command = service_command(model_path, port, host)
    if log_path is None:
        log_path = Path(tempfile.mkstemp(prefix="digit-service-", suffix=".log")[1])
    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
    service = ServiceProcess(f"http://{host}:{port}", command, process, log_path)
    atexit.register(service.stop)  # never leave a server behind when Python exits
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the service exited with code {process.returncode}:\n{service.log()}"
            )
        try:
            if httpx.get(service.url + "/health", timeout=1.0).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    service.stop()
    raise RuntimeError(f"the service did not answer /health within {timeout} s:\n{service.log()}")


@dataclass
class LoadReport:
    """What :func:`load_test` measured.

    ``status_codes[i]`` and ``digits[i]`` belong to request ``i`` (status 0 and
    digit None when it got no answer; its error is in ``errors``). ``latencies``
    holds the seconds of the *answered* requests only (status 200), so requests
    that failed do not pull the median and the 95th percentile towards 0; likewise
    :attr:`requests_per_second` counts answered requests only.
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    num_requests: int
    concurrency: int
    seconds: float
    status_codes: list[int] = field(default_factory=list)
    digits: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        """How many requests were answered 200 (a digit and its probabilities)."""
        return sum(code == 200 for code in self.status_codes)

    @property
    def requests_per_second(self) -> float:
        """Answered requests (status 200) per second of the whole test."""
        return self.answered / self.seconds

    def __str__(self) -> str:
        p50, p95 = np.percentile(self.latencies, [50, 95]) * 1000 if self.latencies else (0, 0)
        return (
            f"{self.num_requests} requests from {self.concurrency} clients in {self.seconds:.2f} s: "
            f"{self.answered} answered 200 ({self.requests_per_second:.1f} per second), "
            f"{len(self.errors)} got no answer; latency of the answered: median {p50:.0f} ms, "
            f"95th percentile {p95:.0f} ms"
        )


def load_test(
    url: str,
    files: list[tuple[str, bytes]],
    num_requests: int = 200,
    concurrency: int = 8,
    timeout: float = 30.0,
) -> LoadReport:
    """Send ``num_requests`` POST /predict requests from ``concurrency`` threads.

    files: ``[(file_name, content), ...]``, used in turn. Every request is recorded:
    ``status_codes[i]`` and ``digits[i]`` belong to ``files[i % len(files)]``;
    a request that got no answer is in ``errors``. Each thread keeps one
    ``httpx.Client`` (a connection it reuses); all are closed at the end.
    Returns a :class:`LoadReport`.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    import httpx

    if not files:
        raise ValueError("files must hold at least one (name, bytes) picture")
    status_codes: list[int] = [0] * num_requests
    digits: list[int | None] = [None] * num_requests
    latencies: list[float | None] = [None] * num_requests
    errors: list[str] = []
    local = threading.local()
    clients: list[httpx.Client] = []

    def one(i: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=timeout)
            clients.append(client)
        name, content = files[i % len(files)]
        started = time.perf_counter()
        try:
            response = client.post(
                url.rstrip("/") + "/predict", files={FIELD_NAME: (name, content, "image/png")}
            )
        except httpx.HTTPError as error:
            errors.append(f"request {i}: {type(error).__name__}: {error}")
            return
        status_codes[i] = response.status_code
        if response.status_code == 200:
            latencies[i] = time.perf_counter() - started
            digits[i] = response.json()["digit"]

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(num_requests)))
        seconds = time.perf_counter() - started
    finally:
        for client in clients:
            client.close()
    answered = [latency for latency in latencies if latency is not None]
    return LoadReport(num_requests, concurrency, seconds, status_codes, digits, answered, errors)


def main(argv=None) -> None:
    """The command line: ``python -m course_utils.serve --model PATH [--port 8000] [--host 127.0.0.1]``.

    Taught in notebooks/09_serve_the_model.ipynb.
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.serve",
        description="Serve a digit classifier over HTTP: POST /predict (multipart field 'file'), GET /health.",
    )
    parser.add_argument("--model", required=True, help="a .keras file or a SavedModel folder")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=MAX_UPLOAD_BYTES / 1024 / 1024,
        help="largest upload in MiB, 1 MiB = 1,048,576 bytes (default 10)",
    )
    args = parser.parse_args(argv)
    import uvicorn

    try:
        model = load_model(args.model)
    except (FileNotFoundError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")
    app = create_app(
        model,
        max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
        model_name=Path(args.model).name,
    )
    print(
        f"Serving {args.model} on http://{args.host}:{args.port} (POST /predict, GET /health)",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
