"""course_utils.serve under faults: workers killed or stopped, deep pictures, too many uploads.

Each test runs the documented command on 127.0.0.1 (a free port) and uses bounded loops.
"""

from __future__ import annotations

import os
import signal
import struct
import threading
import time
import warnings
import zlib

import httpx
import psutil
import pytest

from course_utils import preprocess, serve
from course_utils.sample_digits import load_samples

REQUEST_TIMEOUT = 2.0  # seconds: the service's time limit per picture in these tests


@pytest.fixture(scope="module")
def model_file(digit_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # raised inside keras' save
        digit_model.save(folder / "digits.keras")
    return folder / "digits.keras"


@pytest.fixture
def fault_service(model_file, tmp_path):
    """A fresh service per test (the tests kill its workers), two workers, a 2 s time limit."""
    options = ["--request-timeout-s", REQUEST_TIMEOUT, "--max-in-flight-mb", 24]
    with serve.start_service(model_file, log_path=tmp_path / "service.log", options=options) as s:
        yield s


def workers_of(service) -> list[psutil.Process]:
    """The service's preprocessing worker processes (not multiprocessing's resource tracker)."""
    children = psutil.Process(service.process.pid).children(recursive=True)
    return [c for c in children if "spawn_main" in " ".join(c.cmdline())]


def digit_bytes() -> bytes:
    return load_samples(["thick_marker"])[3].read_bytes()


def post(url: str, content: bytes, timeout: float = 30) -> httpx.Response:
    return httpx.post(
        url + "/predict", files={"file": ("digit.png", content, "image/png")}, timeout=timeout
    )


def wait_for_health(url: str, status: str, limit_s: float) -> float:
    """Seconds until ``GET /health`` says ``status``; fails after ``limit_s``."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if httpx.get(url + "/health", timeout=5).json()["status"] == status:
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"/health did not say {status!r} within {limit_s} s")


def test_a_killed_worker_is_replaced_and_requests_resume(fault_service):
    url = fault_service.url
    assert httpx.get(url + "/health").json()["ready"] is True
    content = digit_bytes()
    answers: list[httpx.Response] = []
    stop = threading.Event()

    def client():
        with httpx.Client(timeout=30) as session:
            for _ in range(2000):  # bounded; the test stops the clients long before
                if stop.is_set():
                    return
                answers.append(
                    session.post(url + "/predict", files={"file": ("d.png", content, "image/png")})
                )

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1.0)
        victim = workers_of(fault_service)[0]
        os.kill(victim.pid, signal.SIGKILL)  # as the out-of-memory killer would
        wait_for_health(url, "degraded", limit_s=5)
        assert httpx.get(url + "/ready").status_code == 503
        recovered = wait_for_health(url, "ok", limit_s=60)
        print(f"\n[test_serve_faults] the workers were replaced in {recovered:.1f} s")
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in clients:
            thread.join(60)
    codes = [answer.status_code for answer in answers]
    assert set(codes) <= {200, 503}, sorted(set(codes))
    assert codes.count(200) > 0 and codes[-1] == 200, codes[-20:]
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] == "1"
            assert "replacing a preprocessing worker" in answer.json()["detail"]
    assert post(url, content).json()["digit"] == 3
    assert victim.pid not in [w.pid for w in workers_of(fault_service)]
    log = fault_service.log()
    assert "Traceback" not in log, log[-3000:]
    assert log.count("a preprocessing worker died") == 1, log[-3000:]


def stopped_workers_answers(service, victims, num_requests: int = 8) -> list[tuple[int, float]]:
    """SIGSTOP ``victims``, send ``num_requests`` at once: [(status, seconds)] (status 0: no answer)."""
    results: list[tuple[int, float]] = []

    def one():
        started = time.monotonic()
        try:
            code = post(service.url, digit_bytes(), timeout=REQUEST_TIMEOUT + 20).status_code
        except httpx.TimeoutException:
            code = 0
        results.append((code, time.monotonic() - started))

    for victim in victims:
        os.kill(victim.pid, signal.SIGSTOP)  # hung: alive, holding whatever it held
    try:
        threads = [threading.Thread(target=one) for _ in range(num_requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT + 30)
    finally:
        for victim in victims:
            if psutil.pid_exists(victim.pid):
                os.kill(victim.pid, signal.SIGCONT)
    return results


def test_a_stopped_worker_does_not_stall_requests(fault_service):
    results = stopped_workers_answers(fault_service, workers_of(fault_service)[:1])
    assert len(results) == 8
    assert all(code in (200, 503, 504) for code, _ in results), results
    assert max(seconds for _, seconds in results) < REQUEST_TIMEOUT + 10, results
    wait_for_health(fault_service.url, "ok", limit_s=60)
    assert post(fault_service.url, digit_bytes()).status_code == 200
    assert "Traceback" not in fault_service.log()


def test_hung_workers_get_504_within_the_time_limit_and_are_replaced(fault_service):
    victims = workers_of(fault_service)
    results = stopped_workers_answers(fault_service, victims)
    assert len(results) == 8
    assert {code for code, _ in results} <= {503, 504} and 504 in dict(results), results
    assert max(seconds for _, seconds in results) < REQUEST_TIMEOUT + 10, results
    wait_for_health(fault_service.url, "ok", limit_s=60)
    assert post(fault_service.url, digit_bytes()).status_code == 200
    assert not {v.pid for v in victims} & {w.pid for w in workers_of(fault_service)}
    log = fault_service.log()
    assert "Traceback" not in log and "took more than 2 s" in log, log[-3000:]


def png_header_only(width: int, height: int, bit_depth: int = 16) -> bytes:
    """A PNG of a few hundred bytes whose header declares a ``bit_depth`` grey ``width`` x ``height``."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_deep_picture_is_refused_from_its_header(fault_service):
    pid = fault_service.process.pid
    before = sum(w.memory_info().rss for w in workers_of(fault_service))
    answer = post(fault_service.url, png_header_only(5999, 5999, 16))
    assert answer.status_code == 413, answer.text
    detail = answer.json()["detail"]
    assert "5999 x 5999" in detail and "I;16" in detail and "4,000,000" in detail, detail
    after = sum(w.memory_info().rss for w in workers_of(fault_service))
    assert after - before < 50 * 2**20, "the refused picture was decoded"
    assert psutil.pid_exists(pid) and post(fault_service.url, digit_bytes()).status_code == 200


def test_open_bounded_counts_the_depth_of_a_picture():
    with pytest.raises(preprocess.ImageError, match="more than 8 bits") as refused:
        serve.open_bounded(png_header_only(2001, 2000, 16))
    assert refused.value.reason == "too_large"
    with pytest.raises(preprocess.ImageError, match="too large") as refused:
        serve.open_bounded(png_header_only(6001, 6000, 8))
    assert refused.value.reason == "too_large"


def test_uploads_in_flight_are_capped_with_a_503_and_retry_after(fault_service):
    """24 MiB in flight at most: of 128 concurrent 9 MB uploads most are refused at once, memory
    grows by far less than the 1.1 GB sent and comes back afterwards."""
    url = fault_service.url
    big = digit_bytes() + b"\0" * 9_000_000  # a PNG with trailing bytes: 9 MB on the wire
    pid = fault_service.process.pid
    baseline = sum(p.memory_info().rss for p in [psutil.Process(pid)])
    codes: list[int] = []

    def one():
        try:
            codes.append(post(url, big, timeout=60).status_code)
        except httpx.TransportError:  # refused and closed while the body was still being sent
            codes.append(-1)

    threads = [threading.Thread(target=one) for _ in range(128)]
    for thread in threads:
        thread.start()
    peak = baseline
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, psutil.Process(pid).memory_info().rss)
        time.sleep(0.02)
    print(
        f"\n[test_serve_faults] 128 uploads of 9 MB: {codes.count(200)} answered, "
        f"{len(codes) - codes.count(200)} refused, growth {(peak - baseline) / 2**20:.0f} MiB"
    )
    assert set(codes) <= {200, 503, -1}, codes
    assert codes.count(200) >= 1 and len(codes) - codes.count(200) >= 1, codes
    assert peak - baseline < 2**30
    answer = post(url, digit_bytes())
    assert answer.status_code == 200
    time.sleep(2)
    after = psutil.Process(pid).memory_info().rss
    assert after - baseline < 256 * 2**20, f"{(after - baseline) / 2**20:.0f} MiB still held"


def test_the_budget_refuses_at_once_and_gives_back():
    budget = serve.UploadBudget(100)
    budget.take(60)
    with pytest.raises(serve.UploadError) as refused:
        budget.take(41)
    assert refused.value.status_code == 503 and refused.value.retry_after == 1
    assert "100" in refused.value.detail
    budget.give(60)
    budget.take(100)
