"""Start the service as its command and load it with many clients.

:func:`start_service` runs ``python -m course_utils.serve`` in a subprocess and
waits until it answers; :func:`load_test` measures requests per second
(``python -m course_utils.tools.bench_serve`` compares configurations).

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import atexit
import json
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

from ..tools.environment import TF_LOG_LEVEL
from .limits import FIELD_NAME


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class ServiceProcess:
    """The service started by :func:`start_service`: its ``url``, ``command`` and process."""

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
        chatter = (
            "I0000 ",
            "W0000 ",
            "E0000 ",
            "WARNING: All log messages before absl",
        )
        return "".join(
            line for line in text.splitlines(keepends=True) if not line.startswith(chatter)
        )

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def service_command(model_path, port: int, host: str = "127.0.0.1", options=()) -> list[str]:
    """The documented command line: ``python -m course_utils.serve --model PATH --port PORT --host HOST``.

    options: more arguments, e.g. ``["--no-batching"]`` or ``["--body-timeout-s", "2"]``.
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
        *map(str, options),
    ]


def start_service(
    model_path,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 120.0,
    log_path=None,
    options=(),
    package_root=None,
) -> ServiceProcess:
    """Run :func:`service_command` in a subprocess and wait until ``GET /health`` answers.

    port: None picks a free one; options: more arguments (:func:`service_command`). The output goes to ``log_path`` (a temporary file
    when None). Raises ``RuntimeError`` with the service's output when it exits or
    does not answer within ``timeout`` seconds. The service is also stopped when
    this Python process exits. package_root: a folder holding another copy of
    ``course_utils`` to serve instead of this one (``bench_serve`` runs the first
    version of the service so).
    """
    import tempfile

    import httpx

    port = free_port(host) if port is None else port
    if package_root is not None:
        model_path = Path(model_path).resolve()
    command = service_command(model_path, port, host, options)
    extra_env = {} if package_root is None else {"PYTHONPATH": str(package_root)}
    if log_path is None:
        log_path = Path(tempfile.mkstemp(prefix="digit-service-", suffix=".log")[1])
    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": TF_LOG_LEVEL, **extra_env},
            cwd=package_root,
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

    def percentiles_ms(self, q=(50, 95, 99)) -> list[float]:
        """Latency percentiles of the answered requests, in milliseconds (0 when none was answered)."""
        if not self.latencies:
            return [0.0] * len(q)
        return [float(v) for v in np.percentile(self.latencies, q) * 1000]

    def __str__(self) -> str:
        p50, p95 = self.percentiles_ms((50, 95))
        return (
            f"{self.num_requests} requests from {self.concurrency} clients in {self.seconds:.2f} s: "
            f"{self.answered} answered 200 ({self.requests_per_second:.1f} per second), "
            f"{len(self.errors)} got no answer; latency of the answered: median {p50:.0f} ms, "
            f"95th percentile {p95:.0f} ms"
        )


def _multipart(
    name: str, content: bytes, boundary: str = "digit-service-boundary"
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body holding ``content`` in the field ``file``, and its content type."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{FIELD_NAME}"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return (
        head + content + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
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
    ``http.client.HTTPConnection`` (a kept-alive connection, opened again after
    an error); all are closed at the end. The multipart bodies are built once,
    before the clock starts: the standard library's client costs about 0.4 ms of
    CPU per request where ``httpx`` cost 2.6 ms, CPU that a client sharing the
    machine's cores with the service takes from the service.
    Returns a :class:`LoadReport`.
    """
    import http.client
    from urllib.parse import urlsplit

    if not files:
        raise ValueError("files must hold at least one (name, bytes) picture")
    address = urlsplit(url)
    path = address.path.rstrip("/") + "/predict"
    bodies = [_multipart(name, content) for name, content in files]
    status_codes: list[int] = [0] * num_requests
    digits: list[int | None] = [None] * num_requests
    latencies: list[float | None] = [None] * num_requests
    errors: list[str] = []
    local = threading.local()
    connections: list[http.client.HTTPConnection] = []

    def one(i: int) -> None:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
            local.connection = connection
            connections.append(connection)
        body, content_type = bodies[i % len(bodies)]
        started = time.perf_counter()
        try:
            connection.request("POST", path, body, {"Content-Type": content_type})
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()  # the next request on this thread opens it again
            errors.append(f"request {i}: {type(error).__name__}: {error}")
            return
        status_codes[i] = response.status
        if response.status == 200:
            latencies[i] = time.perf_counter() - started
            digits[i] = json.loads(answer)["digit"]

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(num_requests)))
        seconds = time.perf_counter() - started
    finally:
        for connection in connections:
            connection.close()
    answered = [latency for latency in latencies if latency is not None]
    return LoadReport(num_requests, concurrency, seconds, status_codes, digits, answered, errors)
