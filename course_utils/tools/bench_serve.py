"""Benchmark the digit service: its first version against today's, side by side.

Run it with::

    python -m course_utils.tools.bench_serve [--model PATH] [--requests 2000] [--clients 32] [--rounds 4]
        [--baseline 94183dc | --baseline no-batching]

It starts two services on 127.0.0.1, side by side: the baseline, by default the
first version that landed (commit :data:`FIRST_VERSION`'s ``course_utils``, taken
with ``git archive`` into a scratch folder and started with its own command), or
with ``--baseline no-batching`` today's service with ``--no-batching``
(preprocessing in threads and one eager model call per request under a lock); and
today's default (preprocessing in one process per core, compiled and dynamically
batched). It loads them in turn with the
same client (:func:`course_utils.serve.load_test`, ``--clients`` threads) in
``--rounds`` alternating rounds, and prints requests per second, latency
percentiles (p50/p95/p99), errors, the latency of one request to an idle
service, the service's CPU time per request (its process and workers) and its
memory (RSS with its workers: after a warm-up, its peak, and after all
requests). Client and service share the machine's cores, as they did when the
first version was measured; on a shared machine, compare the CPU per request.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
import timeit
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import _validate, serve

#: The two configurations of the notebook's benchmark: name -> extra options.
CONFIGURATIONS = {
    "first version (--no-batching)": ["--no-batching"],
    "batched (default)": [],
}
#: The commit whose ``course_utils/serve.py`` was the first version of the service.
FIRST_VERSION = "94183dc"


def first_version_root(commit: str = FIRST_VERSION, folder=None) -> Path:
    """``git archive`` commit's ``course_utils`` into ``folder`` (a new temporary one when None).

    The folder then runs that version with ``python -m course_utils.serve``
    (``start_service(..., package_root=folder)``). Raises ``RuntimeError`` when
    this is not a git checkout holding the commit.
    """
    import io
    import subprocess
    import tarfile

    folder = Path(folder or tempfile.mkdtemp(prefix=f"serve-{commit}-"))
    repository = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["git", "-C", str(repository), "archive", "--format=tar", commit, "course_utils"],
        capture_output=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"could not take commit {commit} from {repository}: {done.stderr.decode().strip()}"
        )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(folder, filter="data")
    return folder


@dataclass
class ServingResult:
    """What one configuration measured; latencies in milliseconds, memory in MiB (None: not measured)."""

    name: str
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    idle_ms: float
    rss_before_mb: float | None = None
    rss_peak_mb: float | None = None
    rss_after_mb: float | None = None
    cpu_ms_per_request: float | None = None
    main_cpu_ms_per_request: float | None = None
    workers_cpu_ms_per_request: float | None = None
    client_cpu_ms_per_request: float | None = None


def milliseconds(call, number: int = 20, repeat: int = 3) -> float:
    """Milliseconds one ``call()`` takes: ``number`` calls in a row, timed ``repeat``
    times, the fastest of them divided by ``number`` (the fastest is the one least
    disturbed by other programs on the machine).

    Taught in notebooks/09_serve_the_model.ipynb, where it times the model alone.
    """
    number = _validate.integer(number, "number")
    repeat = _validate.integer(repeat, "repeat")
    return 1000 * min(timeit.repeat(call, number=number, repeat=repeat)) / number


def sample_files(step: int = 4) -> list[tuple[str, bytes]]:
    """Every ``step``-th sample digit of ``course_utils.sample_digits`` as ``(name, bytes)``."""
    from ..sample_digits import load_samples

    return [(s.path.name, s.read_bytes()) for s in load_samples()[::step]]


def idle_latency_ms(url: str, content: bytes, repeats: int = 20) -> float:
    """Median milliseconds of ``repeats`` single requests, one after the other, to an idle service."""
    import httpx

    seconds = []
    with httpx.Client(timeout=30) as client:
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.post(
                url + "/predict", files={serve.FIELD_NAME: ("digit.png", content, "image/png")}
            )
            response.raise_for_status()
            seconds.append(time.perf_counter() - started)
    return float(np.median(seconds) * 1000)


class PeakMemory:
    """Sample a process's RSS (with its children's) every ``interval`` s in a thread; ``peak_mb`` is the largest."""

    def __init__(self, pid: int, interval: float = 0.02):
        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self._children, self._children_listed = [], -math.inf
        self.peak_mb = self.rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss_mb(self) -> float:
        """The process's resident memory plus its children's (the preprocessing workers), in MiB."""
        if time.monotonic() - self._children_listed > 1.0:
            # listing children scans every process on the machine: once a second, not at each sample
            self._children = self.process.children(recursive=True)
            self._children_listed = time.monotonic()
        total = 0
        for process in [self.process, *self._children]:
            try:
                total += process.memory_info().rss
            except Exception:  # a child that just ended
                pass
        return total / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, self.rss_mb())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def restart(self) -> None:
        """Make the sampler startable again (the peak is kept)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)


def _service_cpu_seconds(process) -> tuple[float, float]:
    """User + system CPU seconds used so far by ``process``, and by its live children (the workers)."""
    seconds = []
    for group in ([process], process.children(recursive=True)):
        total = 0.0
        for each in group:
            try:
                times = each.cpu_times()
                total += times.user + times.system
            except Exception:  # a child that just ended
                pass
        seconds.append(total)
    return seconds[0], seconds[1]


def _own_cpu_seconds() -> float:
    """User + system CPU seconds used so far by this process (the load test's client threads)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _summarise(name, reports, idle, memory=None, rss_before=None, cpu_seconds=None):
    """cpu_seconds: (service process, its workers, the client) during the rounds, or None."""
    latencies = [t for report in reports for t in report.latencies]
    answered = sum(report.answered for report in reports)
    total = serve.LoadReport(
        num_requests=sum(report.num_requests for report in reports),
        concurrency=reports[0].concurrency,
        seconds=sum(report.seconds for report in reports),
        status_codes=[200] * answered,
        latencies=latencies,
    )
    p50, p95, p99 = total.percentiles_ms()
    result = ServingResult(
        name=name,
        requests_per_second=total.requests_per_second,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        errors=total.num_requests - answered,
        idle_ms=idle,
        rss_before_mb=rss_before,
        rss_peak_mb=memory.peak_mb if memory else None,
        rss_after_mb=memory.rss_mb() if memory else None,
    )
    if cpu_seconds and answered:
        main, workers, client = (1000 * seconds / answered for seconds in cpu_seconds)
        result.cpu_ms_per_request = main + workers
        result.main_cpu_ms_per_request = main
        result.workers_cpu_ms_per_request = workers
        result.client_cpu_ms_per_request = client
    return result


def compare_services(
    model_path,
    files=None,
    num_requests: int = 2000,
    concurrency: int = 32,
    rounds: int = 4,
    configurations=None,
) -> list[ServingResult]:
    """Start the command once per :data:`CONFIGURATIONS` entry and measure each (see the module docstring).

    Both services run side by side; the load alternates between them in
    ``rounds`` rounds of ``num_requests / rounds`` requests each, so that a change
    in the machine's other load during the benchmark hits both alike. Memory is
    the service's RSS with its workers (before, peak, after all rounds); CPU is
    the service's own CPU time per answered request (its process and its
    preprocessing workers, also shown apart), which other jobs on the machine
    hardly change, and the client's (this process's, during the rounds).
    configurations: name -> options, or name -> ``(options, package_root)`` to serve
    another copy of ``course_utils`` (default :data:`CONFIGURATIONS`).
    """
    import psutil

    files = files or sample_files()
    configurations = configurations or CONFIGURATIONS
    services = []
    for spec in configurations.values():
        options, root = spec if isinstance(spec, tuple) else (spec, None)
        services.append(serve.start_service(model_path, options=options, package_root=root))
    try:
        processes = [psutil.Process(service.process.pid) for service in services]
        idle = []
        for service in services:
            serve.load_test(service.url, files, num_requests=concurrency, concurrency=concurrency)
            idle.append(idle_latency_ms(service.url, files[0][1]))
        memories = [PeakMemory(process.pid) for process in processes]
        rss_before = [memory.rss_mb() for memory in memories]
        cpu_before = [_service_cpu_seconds(process) for process in processes]
        client_cpu = [0.0 for _ in services]
        reports = [[] for _ in services]
        per_round = max(1, num_requests // rounds)
        for _ in range(rounds):
            for k, (service, memory, collected) in enumerate(zip(services, memories, reports)):
                with memory:
                    started = _own_cpu_seconds()
                    collected.append(
                        serve.load_test(service.url, files, per_round, concurrency=concurrency)
                    )
                    client_cpu[k] += _own_cpu_seconds() - started
                memory.restart()
        cpu = [
            (main - main_before, workers - workers_before, client)
            for (main, workers), (main_before, workers_before), client in zip(
                (_service_cpu_seconds(p) for p in processes), cpu_before, client_cpu
            )
        ]
        return [
            _summarise(name, collected, idle_ms, memory, before, cpu_seconds)
            for name, collected, idle_ms, memory, before, cpu_seconds in zip(
                configurations, reports, idle, memories, rss_before, cpu
            )
        ]
    finally:
        for service in services:
            service.stop()


def request_breakdown(model_path, files=None, repeats: int = 20) -> dict[str, float]:
    """CPU milliseconds per request of each step of the service, measured one by one in this process.

    Steps: reading the multipart body (``limits._read_upload``: starlette's parser), decoding
    (``open_bounded``), preprocessing (``preprocess.to_mnist_steps``), sending the picture to a
    worker and the digit back (pickling both), the model per digit in a batch of 32 and alone
    (compiled), and the client building and reading one request (``http.client``, without the
    network). Each is ``time.process_time`` over ``repeats`` runs of every file, the median per run.
    """
    import asyncio
    import pickle

    from .. import preprocess
    from ..handwriting import predict_probabilities
    from ..serve import limits

    files = files or sample_files()
    contents = [content for _, content in files]

    def per_call(call, items) -> float:
        times = []
        for _ in range(repeats):
            started = time.process_time()
            for item in items:
                call(item)
            times.append((time.process_time() - started) / len(items))
        return 1000 * float(np.median(times))

    def read_upload(content):
        body, content_type = serve.client._multipart("digit.png", content)
        from starlette.requests import Request

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/predict",
            "headers": [(b"content-type", content_type.encode())],
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        return asyncio.run(limits._read_upload(Request(scope, receive), serve.MAX_UPLOAD_BYTES))

    pictures = [serve.open_bounded(content) for content in contents]
    digits = [preprocess.to_mnist_steps(picture).result for picture in pictures]
    runner = serve.CompiledModel(serve.load_model(model_path))
    batch = np.stack((digits * 32)[:32])
    predict_probabilities(runner, batch)  # traced once

    def asyncio_overhead(_):
        async def nothing():
            return None

        asyncio.run(nothing())

    steps = {
        "multipart body (starlette)": per_call(read_upload, contents)
        - per_call(asyncio_overhead, contents),
        "decoding (open_bounded)": per_call(serve.open_bounded, contents),
        "preprocessing (to_mnist_steps)": per_call(
            lambda picture: preprocess.to_mnist_steps(picture), pictures
        ),
        "to and from a worker (pickle)": per_call(
            lambda content: pickle.loads(pickle.dumps(content)), contents
        )
        + per_call(lambda digit: pickle.loads(pickle.dumps(("digit", digit))), digits),
        "model, per digit in a batch of 32": per_call(
            lambda _: predict_probabilities(runner, batch), [None]
        )
        / 32,
        "model, one digit alone": per_call(
            lambda digit: predict_probabilities(runner, digit), digits[:4]
        ),
    }
    return steps


def format_breakdown(steps: dict[str, float]) -> str:
    """``request_breakdown``'s steps, one line each."""
    rows = ["CPU ms per request, step by step (this process, one step at a time):"]
    rows += [f"  {name:<36}{ms:7.2f}" for name, ms in steps.items()]
    return "\n".join(rows)


def format_table(results: list[ServingResult]) -> str:
    """The results side by side, one row per configuration."""
    rows = [
        f"{'configuration':<31}{'req/s':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}"
        f"{'idle ms':>8}{'CPU ms/req':>11}{'RSS MiB: before':>17}{'peak':>7}{'after':>7}"
    ]
    for r in results:
        cpu = f"{r.cpu_ms_per_request:.1f}" if r.cpu_ms_per_request is not None else "-"
        memory = (
            f"{r.rss_before_mb:>17.0f}{r.rss_peak_mb:>7.0f}{r.rss_after_mb:>7.0f}"
            if r.rss_before_mb is not None
            else f"{'-':>17}{'-':>7}{'-':>7}"
        )
        rows.append(
            f"{r.name:<31}{r.requests_per_second:>7.1f}{r.p50_ms:>8.0f}{r.p95_ms:>8.0f}"
            f"{r.p99_ms:>8.0f}{r.errors:>7}{r.idle_ms:>8.1f}{cpu:>11}{memory}"
        )
    for r in results:
        if r.main_cpu_ms_per_request is not None:
            rows.append(
                f"  {r.name}: CPU ms per request: service process {r.main_cpu_ms_per_request:.1f}"
                f" + preprocessing workers {r.workers_cpu_ms_per_request:.1f}"
                f"; the client {r.client_cpu_ms_per_request:.1f}"
            )
    if len(results) >= 2 and results[0].requests_per_second > 0:
        ratio = results[-1].requests_per_second / results[0].requests_per_second
        line = f"{results[-1].name} / {results[0].name}: {ratio:.2f}x the requests per second"
        if results[0].cpu_ms_per_request and results[-1].cpu_ms_per_request:
            saving = results[0].cpu_ms_per_request / results[-1].cpu_ms_per_request
            line += f", {saving:.2f}x less service CPU per request"
        rows.append(line)
    return "\n".join(rows)


def _default_model() -> Path:
    from ..paths import find_model, models_dir

    if (models_dir() / "lesson09_digits.keras").is_file():
        return models_dir() / "lesson09_digits.keras"
    if find_model().path is not None:  # lesson 07's, by the one rule
        return find_model().path
    from ..keras_cnn import load_or_train_cnn

    print("no saved model in", models_dir(), "- training a small stand-in (about a minute)")
    path = Path(tempfile.mkdtemp(prefix="bench-serve-")) / "stand_in.keras"
    load_or_train_cnn(path.with_name("missing.keras"), num_train=4000, num_epochs=2).save(path)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.bench_serve", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", type=Path, default=None, help="default: lesson 09's or 07's")
    parser.add_argument("--requests", type=int, default=2000, help="requests per configuration")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (default 4)")
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where the results go (default build/bench_serve.json)",
    )
    parser.add_argument(
        "--baseline",
        default=FIRST_VERSION,
        help=f"a commit whose service is the baseline (default {FIRST_VERSION}, the first "
        "version), or no-batching (today's service with --no-batching)",
    )
    args = parser.parse_args(argv)
    for name in ("requests", "clients", "rounds"):
        try:
            _validate.integer(getattr(args, name), f"--{name}")
        except ValueError as error:
            parser.error(str(error))
    model_path = args.model or _default_model()
    if args.baseline == "no-batching":
        configurations = CONFIGURATIONS
    else:
        try:
            root = first_version_root(args.baseline)
        except RuntimeError as error:
            parser.error(str(error))
        configurations = {
            f"first version ({args.baseline})": ([], root),
            "batched (default)": [],
        }
    load_before = os.getloadavg()
    results = compare_services(
        model_path,
        num_requests=args.requests,
        concurrency=args.clients,
        rounds=args.rounds,
        configurations=configurations,
    )
    print(
        f"{args.requests} requests per configuration from {args.clients} clients, in "
        f"{args.rounds} alternating rounds; model {model_path.name}"
    )
    print(format_table(results))
    load_after = os.getloadavg()
    print(
        "machine load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.1f}" for x in load_after)
        + f"; {os.cpu_count()} cores"
    )
    breakdown = request_breakdown(model_path)
    print(format_breakdown(breakdown))
    import json

    from ..paths import build_dir
    from .outputs import write_atomic

    first, batched = results[0], results[-1]
    report = {
        "command": "python -m course_utils.tools.bench_serve "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "model": str(model_path),
        "requests": args.requests,
        "clients": args.clients,
        "load_before": round(load_before[0], 1),
        "load_after": round(load_after[0], 1),
        "first": asdict(first),
        "batched": asdict(batched),
        "speedup": batched.requests_per_second / first.requests_per_second
        if first.requests_per_second
        else None,
        "configurations": [asdict(r) for r in results],
        "breakdown_ms": breakdown,
    }
    output = args.json or build_dir() / "bench_serve.json"
    write_atomic(output, json.dumps(report, indent=1, default=str))
    print(f"Wrote {output}")


if __name__ == "__main__":
    main()
