"""Beyond one process: training on several workers with tf.distribute, serving from replicas behind nginx.

Training. A cluster of ``W`` worker processes, each told who is who by the
environment variable ``TF_CONFIG`` (:func:`cluster_config`), runs
``tf.distribute.MultiWorkerMirroredStrategy``: every worker keeps a full copy of
the model (the same initial weights), takes its own ``1/W`` of every global batch,
computes its gradients, and an **all-reduce** sums the gradients of all workers, so
every worker applies the same update and the copies stay equal (Keras's
``optimizer.apply_gradients`` does the all-reduce under a strategy). The step
(:func:`replica_step`) scales each worker's summed loss by the *global* batch size,
so the sum over workers is the mean over the whole batch: the same numbers as one
process on the whole batch (:func:`train_one_process`), up to float rounding.

``python -m course_utils.distribute --index I --ports P0,P1 --data D.npz --out DIR``
is one worker (:func:`train_worker`); :func:`run_workers` starts ``W`` of them on
127.0.0.1, waits with a timeout and always ends them. Only the chief (worker 0)
keeps the checkpoint and ``weights.npz``; every worker writes ``worker_I.json``
(its shard, losses and step times).

Serving. :func:`nginx_config` writes an nginx configuration that balances
``POST /predict`` over replicas of ``python -m course_utils.serve`` (an
``upstream`` block), with nginx's own limits and timeouts in front;
:class:`Nginx` runs it from a temporary prefix without touching the system's
nginx; :class:`Replica` is one service process; :func:`load_test` sends a bounded
number of requests and counts every answer.

Taught in notebooks/10_beyond_one_machine.ipynb.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HOST = "127.0.0.1"
WORKER_TIMEOUT = 300.0  # seconds a whole multi-worker run may take before it is ended
NGINX_INSTALL = "sudo apt-get install -y nginx  (Debian/Ubuntu), brew install nginx  (macOS)"


# ---------------------------------------------------------------- training


def free_ports(count: int, host: str = HOST) -> list[int]:
    """``count`` different TCP ports that are free on ``host`` right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def cluster_config(ports, index: int, host: str = HOST) -> dict:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of one worker per port.

    Every worker gets the same ``cluster`` (the addresses of all workers, in order)
    and its own ``task``; worker 0 is the **chief**, the one that saves.
    """
    workers = [f"{host}:{port}" for port in ports]
    if not 0 <= index < len(workers):
        raise ValueError(
            f"index must be in 0..{len(workers) - 1} for {len(workers)} workers, got {index}"
        )
    return {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}


def build_model(hidden: int = 64, seed: int = 0):
    """Lesson 04's MLP, 784-hidden-10 with He initialisation: the same weights for the same seed."""
    from .mlp_from_scratch import MLP

    return MLP((784, hidden, 10), init="he", seed=seed)


def global_batch(x, y, step: int, batch_size: int):
    """Global batch number ``step`` of x: (N, 784), y: (N,): rows taken in order, wrapping around."""
    rows = (np.arange(batch_size) + step * batch_size) % len(x)
    return x[rows], y[rows]


def shard(x, y, index: int, num_workers: int):
    """Worker ``index``'s part of a global batch x: (B, ...), y: (B,): rows index, index + W, ..."""
    return x[index::num_workers], y[index::num_workers]


def replica_step(model, optimizer, x, y, global_batch_size: int):
    """One worker's part of a training step on x: (b, 784), y: (b,); returns its share of the loss.

    The loss is the *sum* over this worker's b examples divided by the *global*
    batch size B, so that the shares of all workers add up to the mean over B.
    Under a strategy, Keras's ``optimizer.apply_gradients`` all-reduces the
    gradients (sums them over every worker) before it updates, so every worker
    applies the same sum. In one process there is nothing to sum: it is lesson 04's step.
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_sum(per_example) / global_batch_size
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def train_one_process(
    x,
    y,
    *,
    num_steps: int,
    batch_size: int,
    learning_rate: float = 0.1,
    hidden: int = 64,
    seed: int = 0,
):
    """The reference: the same model and steps in this process, on whole global batches.

    Returns ``(weights, losses)``: the trained variables as numpy arrays, the loss of every step.
    """
    import keras
    import tensorflow as tf

    model = build_model(hidden, seed)
    optimizer = keras.optimizers.SGD(learning_rate)
    step = tf.function(lambda xb, yb: replica_step(model, optimizer, xb, yb, batch_size))
    losses = []
    for s in range(num_steps):
        xb, yb = global_batch(x, y, s, batch_size)
        losses.append(float(step(xb, yb)))
    return [v.numpy() for v in model.trainable_variables], losses


def train_worker(
    data_path,
    out_dir,
    *,
    num_steps: int,
    batch_size: int,
    learning_rate: float = 0.1,
    hidden: int = 64,
    seed: int = 0,
) -> dict:
    """One worker of the cluster that ``TF_CONFIG`` describes; returns (and writes) its report.

    Loads x: (N, 784), y: (N,) from ``data_path``, builds the model in the
    strategy's scope (every worker the same weights), and trains ``num_steps``
    steps on its shard of every global batch of ``batch_size``.
    """
    import keras
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    index = strategy.cluster_resolver.task_id
    num_workers = strategy.num_replicas_in_sync
    with strategy.scope():
        model = build_model(hidden, seed)
        optimizer = keras.optimizers.SGD(learning_rate)

    @tf.function
    def distributed_step(xb, yb):
        share = strategy.run(
            lambda a, b: replica_step(model, optimizer, a, b, batch_size), args=(xb, yb)
        )
        return strategy.reduce("sum", share, axis=None)  # the whole batch's mean loss

    with np.load(data_path) as arrays:
        x, y = arrays["x"].astype(np.float32), arrays["y"].astype(np.int32)
    losses, seconds = [], []
    for s in range(num_steps):
        xb, yb = shard(*global_batch(x, y, s, batch_size), index, num_workers)
        start = time.perf_counter()
        losses.append(float(distributed_step(xb, yb)))
        seconds.append(time.perf_counter() - start)

    out = Path(out_dir)
    chief = index == 0
    # Every worker takes part in saving; only the chief's copy is kept.
    folder = out / "checkpoint" if chief else Path(tempfile.mkdtemp(prefix=f"worker{index}_"))
    tf.train.Checkpoint(model=model).write(str(folder / "ckpt"))
    if chief:
        np.savez(out / "weights.npz", *[v.numpy() for v in model.trainable_variables])
    else:
        shutil.rmtree(folder, ignore_errors=True)
    report = {
        "index": index,
        "num_workers": num_workers,
        "chief": chief,
        "shard_rows": int(len(shard(*global_batch(x, y, 0, batch_size), index, num_workers)[0])),
        "losses": losses,
        "step_seconds": seconds,
    }
    (out / f"worker_{index}.json").write_text(json.dumps(report))
    return report


@dataclass
class WorkersResult:
    """What :func:`run_workers` returns: the chief's weights, every worker's report and TF_CONFIG, the logs."""

    weights: list
    reports: list[dict]
    tf_configs: list[dict]
    logs: list[str] = field(repr=False)
    seconds: float

    def step_seconds(self, skip: int = 2) -> float:
        """The median time of one step, over workers and steps after the first ``skip`` (tracing)."""
        times = [t for report in self.reports for t in report["step_seconds"][skip:]]
        return float(np.median(times))


def worker_command(index: int, ports, data_path, out_dir, **options) -> list[str]:
    """The command line of worker ``index`` (``python -m course_utils.distribute ...``)."""
    command = [
        sys.executable,
        "-m",
        "course_utils.distribute",
        "--index",
        str(index),
        "--ports",
        ",".join(str(p) for p in ports),
        "--data",
        str(data_path),
        "--out",
        str(out_dir),
    ]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    return command


def run_workers(
    data_path,
    out_dir,
    *,
    num_workers: int = 2,
    timeout: float = WORKER_TIMEOUT,
    threads_per_worker: int | None = None,
    attempts: int = 3,
    **options,
) -> WorkersResult:
    """Start ``num_workers`` worker processes on 127.0.0.1 and wait for all of them.

    ``options`` go to :func:`train_worker` (``num_steps``, ``batch_size``, ...).
    Raises ``RuntimeError`` with the workers' logs as soon as one fails (the others,
    which would wait for it forever, are ended), ``TimeoutError`` after ``timeout``
    seconds; in every case every worker is ended before it returns. A port taken by
    another program between choosing it and the worker's start is retried with new
    ports, up to ``attempts`` times.
    """
    for attempt in range(1, attempts + 1):
        try:
            return _run_workers_once(
                data_path, out_dir, num_workers, timeout, threads_per_worker, options
            )
        except _PortTaken:
            if attempt == attempts:
                raise RuntimeError(
                    f"the workers could not listen on free ports in {attempts} attempts"
                ) from None


class _PortTaken(RuntimeError):
    pass


def _run_workers_once(
    data_path, out_dir, num_workers, timeout, threads_per_worker, options
) -> WorkersResult:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ports = free_ports(num_workers)
    configs = [cluster_config(ports, i) for i in range(num_workers)]
    threads = threads_per_worker or max(1, (os.cpu_count() or 1) // num_workers)
    processes, logs = [], []
    start = time.perf_counter()
    try:
        for i, config in enumerate(configs):
            env = dict(
                os.environ,
                TF_CONFIG=json.dumps(config),
                TF_CPP_MIN_LOG_LEVEL="2",
                OMP_NUM_THREADS=str(threads),
                TF_NUM_INTRAOP_THREADS=str(threads),
                TF_NUM_INTEROP_THREADS="1",
            )
            log = open(out / f"worker_{i}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    worker_command(i, ports, data_path, out, **options),
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        while any(p.poll() is None for p in processes):
            if any(p.returncode not in (None, 0) for p in processes):
                break  # one failed: the others would wait for it in the all-reduce
            if time.perf_counter() - start > timeout:
                raise TimeoutError(
                    f"the {num_workers} workers did not finish within {timeout:g} s; logs in {out}"
                )
            time.sleep(0.1)
    finally:
        for process in processes:
            _end(process)
        for log in logs:
            log.close()
    texts = [(out / f"worker_{i}.log").read_text() for i in range(num_workers)]
    failed = [i for i, p in enumerate(processes) if p.returncode != 0]
    if failed:
        if any("Could not start gRPC server" in text for text in texts):
            raise _PortTaken()
        raise RuntimeError(
            f"worker(s) {failed} failed:\n" + "\n".join(texts[i][-2000:] for i in failed)
        )
    with np.load(out / "weights.npz") as arrays:
        weights = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    reports = [json.loads((out / f"worker_{i}.json").read_text()) for i in range(num_workers)]
    return WorkersResult(weights, reports, configs, texts, time.perf_counter() - start)


def max_difference(a, b) -> float:
    """The largest absolute difference between two lists of arrays of the same shapes."""
    return max(
        float(np.max(np.abs(np.asarray(u) - np.asarray(v)))) for u, v in zip(a, b, strict=True)
    )


def _end(process: subprocess.Popen, grace: float = 5.0) -> int:
    """End ``process``: SIGTERM, then SIGKILL after ``grace`` seconds; returns its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.distribute",
        description="One worker of a MultiWorkerMirroredStrategy cluster on this machine.",
    )
    parser.add_argument(
        "--index", type=int, required=True, help="this worker's number; 0 is the chief"
    )
    parser.add_argument(
        "--ports", required=True, help="every worker's port, comma-separated, in order"
    )
    parser.add_argument(
        "--data", required=True, help=".npz file with x: (N, 784) float32 and y: (N,) ints"
    )
    parser.add_argument(
        "--out", required=True, help="folder for the report, checkpoint and weights"
    )
    parser.add_argument("--num-steps", type=int, default=20)
    parser.add_argument(
        "--batch-size", type=int, default=256, help="the global batch, split between workers"
    )
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    ports = [int(p) for p in args.ports.split(",")]
    os.environ.setdefault("TF_CONFIG", json.dumps(cluster_config(ports, args.index)))
    train_worker(
        args.data,
        args.out,
        num_steps=args.num_steps,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        hidden=args.hidden,
        seed=args.seed,
    )


# ---------------------------------------------------------------- serving


def find_nginx() -> str | None:
    """The path of the ``nginx`` program, or None (also looks in /usr/sbin, often not on PATH)."""
    return shutil.which("nginx") or shutil.which(
        "nginx", path="/usr/sbin:/usr/local/sbin:/opt/homebrew/bin"
    )


def nginx_config(
    upstream_ports,
    listen_port: int,
    prefix,
    *,
    max_body_mb: int = 10,
    body_timeout_s: int = 10,
    header_timeout_s: int = 10,
    proxy_timeout_s: int = 30,
) -> str:
    """An nginx configuration: listen on 127.0.0.1:listen_port, balance over the replicas on ``upstream_ports``.

    Everything nginx writes (pid, logs, temporary files) goes under ``prefix``, so
    no root rights and no system files are needed. ``client_max_body_size``,
    ``client_body_timeout`` and ``client_header_timeout`` refuse huge and stalled
    uploads before a replica sees them; ``proxy_next_upstream`` sends a request
    that failed on one replica (refused, reset, 502/503) to the next one.
    """
    if not upstream_ports:
        raise ValueError("upstream_ports must name at least one replica's port")
    prefix = Path(prefix)
    servers = "\n".join(
        f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in upstream_ports
    )
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'tmp' / kind.split('_')[0]};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
daemon off;                      # stays in the foreground: the lesson owns the process
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections 512;
}}
http {{
    access_log {prefix / "access.log"};
{temp}
    upstream digit_service {{     # the replicas; round robin by default
{servers}
    }}
    server {{
        listen {HOST}:{listen_port};
        client_max_body_size {max_body_mb}m;      # larger uploads: 413, never read
        client_body_buffer_size 1m;
        client_body_timeout {body_timeout_s}s;      # a stalled upload: 408
        client_header_timeout {header_timeout_s}s;    # headers that never end: 408
        location / {{
            proxy_pass http://digit_service;
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout {proxy_timeout_s}s;
        }}
    }}
}}
"""


class Nginx:
    """nginx run from a temporary prefix with :func:`nginx_config`; ``stop()`` (or a ``with`` block) ends it.

    ``Nginx(upstream_ports)`` writes the configuration to ``prefix/nginx.conf``,
    checks it (``nginx -t``), starts nginx in the foreground and waits until it
    accepts connections; ``url`` is where it listens.
    """

    def __init__(
        self,
        upstream_ports,
        *,
        listen_port: int | None = None,
        prefix=None,
        startup_timeout: float = 10.0,
        **limits,
    ):
        program = find_nginx()
        if program is None:
            raise FileNotFoundError(f"nginx is not installed; install it with: {NGINX_INSTALL}")
        self.prefix = Path(prefix or tempfile.mkdtemp(prefix="course_nginx_"))
        self._own_prefix = prefix is None
        (self.prefix / "tmp").mkdir(parents=True, exist_ok=True)
        os.chmod(self.prefix, 0o755)  # nginx's worker may run as another user when started by root
        self.port = listen_port or free_ports(1)[0]
        self.url = f"http://{HOST}:{self.port}"
        self.config_path = self.prefix / "nginx.conf"
        self.config = nginx_config(upstream_ports, self.port, self.prefix, **limits)
        self.config_path.write_text(self.config)
        self.command = [
            program,
            "-p",
            str(self.prefix),
            "-c",
            str(self.config_path),
            "-e",
            str(self.prefix / "error.log"),
        ]
        check = subprocess.run([*self.command, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        atexit.register(self.stop)  # also when the notebook's kernel ends before stop()
        try:
            _wait_for_port(self.port, startup_timeout, self.process)
        except BaseException:
            self.stop()
            raise

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> int | None:
        """SIGQUIT (finish the requests in flight, then end), SIGKILL if it lingers; removes the prefix it made."""
        code = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        if self._own_prefix:
            shutil.rmtree(self.prefix, ignore_errors=True)
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _wait_for_port(port: int, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the process ended (exit code {process.returncode}) before it listened on port {port}"
            )
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout:g} s")


class Replica:
    """One replica of the course's service: ``python -m course_utils.serve --model MODEL --port PORT``.

    Starts it and waits until ``GET /health`` answers; ``kill()`` ends it at once
    (SIGKILL, as a crash would), ``stop()`` politely; both are safe to call twice.
    """

    def __init__(
        self, model_path, port: int | None = None, *, options=(), startup_timeout: float = 300.0
    ):
        import httpx

        self.port = port or free_ports(1)[0]
        self.url = f"http://{HOST}:{self.port}"
        self.command = [
            sys.executable,
            "-m",
            "course_utils.serve",
            "--model",
            str(model_path),
            "--port",
            str(self.port),
            *options,
        ]
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT)
        atexit.register(self.kill)
        deadline = time.monotonic() + startup_timeout
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"the service ended (exit code {self.process.returncode}):\n{self.log()[-2000:]}"
                    )
                try:
                    if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the service on port {self.port} did not answer /health within {startup_timeout:g} s"
                    )
                time.sleep(0.2)
        except BaseException:
            self.kill()
            raise

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def kill(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return self.process.returncode

    def stop(self) -> int:
        return _end(self.process)


@dataclass
class LoadReport:
    """What :func:`load_test` measured: requests sent, answers (digit or error) in order, seconds."""

    num_requests: int
    answers: list
    seconds: float
    errors: list = field(default_factory=list)
    action_at: float | None = None  # seconds after the start when ``after``'s action ran

    @property
    def requests_per_second(self) -> float:
        return self.num_requests / self.seconds

    def __str__(self) -> str:
        return (
            f"{self.num_requests} requests in {self.seconds:.2f} s: {self.requests_per_second:.0f} requests/s, "
            f"{len(self.errors)} errors"
        )


def load_test(
    url: str,
    pictures,
    *,
    num_requests: int,
    concurrency: int = 16,
    after=None,
    timeout: float = 30.0,
) -> LoadReport:
    """Send ``num_requests`` ``POST /predict`` requests from ``concurrency`` threads; count every answer.

    ``pictures``: a list of ``(filename, bytes)``, sent in turn. ``after``: an
    optional ``(n, action)``: ``action()`` runs (once, in its own thread) when the
    ``n``-th request has been answered, e.g. to kill a replica mid-test.
    Every request either answers a digit or is recorded in ``errors`` as ``(i, what)``.
    """
    import httpx

    answers: list = [None] * num_requests
    errors: list = []
    done = 0
    lock = threading.Lock()
    fired = threading.Event()
    action_thread = None
    action_at = None

    def send(client: httpx.Client, i: int) -> None:
        nonlocal done, action_thread, action_at
        name, content = pictures[i % len(pictures)]
        try:
            response = client.post(
                url + "/predict", files={"file": (name, content)}, timeout=timeout
            )
            if response.status_code == 200:
                answers[i] = response.json()["digit"]
            else:
                errors.append((i, f"HTTP {response.status_code}"))
        except httpx.HTTPError as error:
            errors.append((i, type(error).__name__))
        with lock:
            done += 1
            if after and done == after[0] and not fired.is_set():
                fired.set()
                action_at = time.perf_counter() - start
                action_thread = threading.Thread(target=after[1])
                action_thread.start()

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    start = time.perf_counter()
    with httpx.Client(limits=limits) as client, ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda i: send(client, i), range(num_requests)))
    seconds = time.perf_counter() - start
    if action_thread is not None:
        action_thread.join()
    return LoadReport(num_requests, answers, seconds, sorted(errors), action_at)


if __name__ == "__main__":
    main()
