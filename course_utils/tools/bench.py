"""Benchmark: the lesson's CNN trained in numpy and in TensorFlow/Keras, in one run.

``python -m course_utils.tools.bench`` trains the same architecture (conv 3x3x32 -
ReLU - maxpool 2 - conv 3x3x64 - ReLU - maxpool 2 - dense 128 - ReLU - dense 10,
Adam, batch 128) for a fixed number of batches in both libraries, on the same
synthetic 28x28 digits (speed does not depend on what the pixels show, so no
MNIST is needed), and prints a table: images per second, seconds per 60,000-image
epoch, the numpy/TensorFlow ratio and peak memory. numpy trains the lesson's
network built from :mod:`course_utils.fast_layers`. It also times the naive loop
convolution (``layers.conv2d_naive``) of both convolutions on a few images, against
the plain im2col convolution (``layers.conv2d_forward``) and the fast one. The
results go to ``build/bench.json`` (``course_utils.paths.build_dir()``).

The libraries run in alternating rounds and each reports its median round, so a
burst of load on a shared machine hits both alike. numpy runs in up to three
settings: with BLAS's default threads; where that is more than one, with one BLAS
thread (on a busy machine BLAS threads that wait for each other spin and waste CPU;
CPU ms/batch shows it); and with two workers (``parallel.DataParallel``: each half of
the batch in its own thread, one BLAS thread each, so numpy's elementwise passes use
two cores too). Memory: ``max_rss_mib`` is the process' peak resident memory
(``resource.getrusage``) after each library ran (numpy first, before TensorFlow is
imported); ``peak_traced_mib`` is the most memory numpy allocated during one
training step (``tracemalloc``).
Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from .. import _validate, layers
from ..losses import softmax_cross_entropy_backward
from ..network import lesson_cnn
from ..optim import Adam
from ..parallel import DataParallel
from ..paths import build_dir

EPOCH_IMAGES = 60_000


def _max_rss_mib() -> float | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024**2 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def synthetic_batches(num_batches: int, batch_size: int, seed: int = 0):
    """Random images x: (num_batches * batch_size, 28, 28, 1) float32 in [0, 1] and labels y: (N,)."""
    rng = np.random.default_rng(seed)
    n = num_batches * batch_size
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n).astype(np.int64)


def _timed(train) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    train()
    return time.perf_counter() - wall, time.process_time() - cpu


def _speed(times: list[tuple[float, float]], batches_per_round: int, batch_size: int) -> dict:
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    images = batches_per_round * batch_size
    return {
        "round_seconds": [round(t[0], 4) for t in times],
        "images_per_second": images / wall,
        "seconds_per_batch": wall / batches_per_round,
        "cpu_seconds_per_batch": cpu / batches_per_round,
        "seconds_per_epoch": EPOCH_IMAGES * wall / images,
    }


class _NumpyRunner:
    def __init__(
        self, batch_size: int, seed: int, blas_threads: int | None = None, workers: int = 1
    ):
        self.network = lesson_cnn(seed, fast=True)
        self.optimizer = Adam(learning_rate=1e-3)
        self.batch_size = batch_size
        self.blas_threads = blas_threads
        # DataParallel holds BLAS at one thread itself while a step runs
        self.trainer = DataParallel(self.network, workers) if workers > 1 else self.network

    def _limit(self):
        if self.blas_threads is None:
            return contextlib.nullcontext()
        return threadpool_limits(limits=self.blas_threads, user_api="blas")

    def train(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        def steps():
            with self._limit():
                for i in range(0, len(x), self.batch_size):
                    self.trainer.train_step(
                        x[i : i + self.batch_size], y[i : i + self.batch_size], self.optimizer
                    )

        return _timed(steps)

    def close(self) -> None:
        if isinstance(self.trainer, DataParallel):
            self.trainer.close()

    def peak_traced_mib(self, x: np.ndarray, y: np.ndarray) -> float:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            self.network.train_step(x[: self.batch_size], y[: self.batch_size], self.optimizer)
            return tracemalloc.get_traced_memory()[1] / 1024**2
        finally:
            tracemalloc.stop()


class _KerasRunner:
    def __init__(self, batch_size: int, seed: int):
        import keras

        keras.utils.set_random_seed(seed)
        layers = keras.layers
        self.model = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(128, activation="relu"),
                layers.Dense(10),
            ]
        )
        self.model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        self.batch_size = batch_size

    def train(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        return _timed(
            lambda: self.model.fit(
                x, y, batch_size=self.batch_size, epochs=1, shuffle=False, verbose=0
            )
        )


def reference_epoch_seconds(num_batches: int = 20, batch_size: int = 128, seed: int = 0) -> float:
    """Seconds TensorFlow/Keras takes for one MNIST epoch (60,000 images) of the bench's reference
    CNN on this machine, now: a yardstick that turns any time into a ratio (the runner records
    it after a full run, so lesson 07's minutes can be read on any machine).

    ``num_batches`` batches of random images after a two-batch warm-up; the epoch is extrapolated.
    """
    runner = _KerasRunner(batch_size, seed)
    rng = np.random.default_rng(seed)
    x = rng.random((num_batches * batch_size, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, len(x))
    runner.train(x[: 2 * batch_size], y[: 2 * batch_size])
    wall, _ = runner.train(x, y)
    return wall / num_batches * (EPOCH_IMAGES / batch_size)


def _blas_threads() -> int | None:
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return counts[0] if counts else None


def time_naive_convolution(num_images: int = 2, seed: int = 0) -> dict:
    """Seconds per image of the network's two convolutions, naive loops vs im2col (``layers``), forward only.

    Both run once untimed first (a warm-up: the first call of anything pays for imports,
    caches and memory), then the naive loops once and the im2col version five times (its best counts).
    BLAS is held at one thread (a few images are too little work to share, and on a busy machine
    waiting BLAS threads would make the im2col version look many times slower than it is).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _time_naive_convolution(num_images, seed)


def _time_naive_convolution(num_images: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    network = lesson_cnn(seed)
    conv1, conv2 = network.layers[0].params, network.layers[3].params
    x = rng.random((num_images, 28, 28, 1), dtype=np.float32)
    hidden = network.layers[2].forward(network.layers[1].forward(network.layers[0].forward(x)))

    def both(conv, images=num_images):
        start = time.perf_counter()
        first = conv(x[:images], conv1["w"], conv1["b"])
        second = conv(hidden[:images], conv2["w"], conv2["b"])
        return time.perf_counter() - start, (first, second)

    both(layers.conv2d_naive, images=1)  # warm-ups on one image, not timed
    both(lambda *a: layers.conv2d_forward(*a)[0], images=1)
    naive_seconds, naive_out = both(layers.conv2d_naive)
    fast = [both(lambda *a: layers.conv2d_forward(*a)[0]) for _ in range(5)]
    fast_seconds = min(s for s, _ in fast)
    for a, b in zip(naive_out, fast[0][1]):
        np.testing.assert_allclose(
            a, b, rtol=1e-3, atol=1e-4, err_msg="naive and vectorised convolutions disagree"
        )
    return {
        "images": num_images,
        "naive_seconds_per_image": naive_seconds / num_images,
        "vectorised_seconds_per_image": fast_seconds / num_images,
        "speedup": naive_seconds / fast_seconds,
        "naive_hours_per_epoch_forward": naive_seconds / num_images * EPOCH_IMAGES / 3600,
    }


def time_training_steps(
    batch_size: int = 64, num_batches: int = 4, *, rounds: int = 3, workers: int = 2, seed: int = 0
) -> dict:
    """Seconds per training batch (forward, backward, Adam) of the lesson's network in three settings.

    ``"plain"``: the layers of :mod:`course_utils.layers`; ``"fast"``: those of
    :mod:`course_utils.fast_layers`; ``"fast, N workers"``: the fast layers with every
    batch split between ``workers`` threads (:class:`~course_utils.parallel.DataParallel`).
    The settings run in alternating rounds of ``num_batches`` batches on the same
    synthetic digits and each reports its median round. BLAS is held at one thread
    throughout (as DataParallel holds each worker), so the comparison is of the code,
    not of BLAS threads competing with other programs on a busy machine. Before timing, it checks that
    the plain and fast networks give the same loss and gradients. Returns
    ``{"seconds_per_batch": {setting: s}, "speedup": {setting: plain / setting}}``.
    Taught in notebooks/06_numpy_cnn.ipynb (section "How to make it fast").
    """
    batch_size, num_batches = (
        _validate.integer(batch_size, "batch_size"),
        _validate.integer(num_batches, "num_batches"),
    )
    rounds, workers = _validate.integer(rounds, "rounds"), _validate.integer(workers, "workers")
    x, y = synthetic_batches(num_batches, batch_size, seed)
    plain, fast = lesson_cnn(seed), lesson_cnn(seed, fast=True)
    _check_same_gradients(plain, fast, x[:batch_size], y[:batch_size])
    parallel = DataParallel(lesson_cnn(seed, fast=True), workers)
    trainers = {"plain": plain, "fast": fast, f"fast, {workers} workers": parallel}
    optimizers = {name: Adam(1e-3) for name in trainers}
    times = {name: [] for name in trainers}
    with parallel, threadpool_limits(limits=1, user_api="blas"):
        for _ in range(rounds + 1):  # the first round warms up and is not counted
            for name, trainer in trainers.items():
                start = time.perf_counter()
                for i in range(0, len(x), batch_size):
                    trainer.train_step(
                        x[i : i + batch_size], y[i : i + batch_size], optimizers[name]
                    )
                times[name].append((time.perf_counter() - start) / num_batches)
    seconds = {name: statistics.median(t[1:]) for name, t in times.items()}
    return {
        "seconds_per_batch": seconds,
        "speedup": {name: seconds["plain"] / s for name, s in seconds.items()},
        "batch_size": batch_size,
    }


def _check_same_gradients(plain, fast, x: np.ndarray, y: np.ndarray) -> None:
    for network in (plain, fast):
        loss, logits = network.loss(x, y)
        network.backward(softmax_cross_entropy_backward(logits, y))
    np.testing.assert_allclose(
        fast.loss(x, y)[0], plain.loss(x, y)[0], rtol=1e-5, err_msg="plain and fast: loss"
    )
    for key, grad in fast.grads.items():
        np.testing.assert_allclose(
            grad, plain.grads[key], rtol=1e-3, atol=1e-5, err_msg=f"plain and fast layers: d{key}"
        )


def run_benchmark(
    num_batches: int = 30,
    batch_size: int = 128,
    *,
    rounds: int = 3,
    warmup_batches: int = 2,
    naive_images: int = 2,
    seed: int = 0,
    tensorflow: bool = True,
) -> dict:
    """Train both libraries for ``num_batches`` batches of ``batch_size`` (split into ``rounds``); return the results.

    The dict has ``config``, ``machine``, ``numpy`` (default BLAS threads),
    ``numpy_1_thread`` (None when BLAS already uses one thread), ``numpy_2_workers``
    (:class:`~course_utils.parallel.DataParallel`, one BLAS thread each), ``tensorflow``
    (None when ``tensorflow=False``), ``ratio`` (numpy epoch time / TensorFlow epoch
    time), ``ratio_1_thread``, ``ratio_2_workers``, ``ratio_best`` (the smallest of the
    three) and ``naive_conv``.
    """
    for name, value in {
        "num_batches": num_batches,
        "batch_size": batch_size,
        "rounds": rounds,
        "naive_images": naive_images,
    }.items():
        _validate.integer(value, name)
    if num_batches < rounds:
        raise ValueError(f"num_batches ({num_batches}) must be at least rounds ({rounds})")
    if warmup_batches < 1:
        raise ValueError(f"warmup_batches must be at least 1, got {warmup_batches!r}")
    per_round = num_batches // rounds
    x, y = synthetic_batches(per_round + warmup_batches, batch_size, seed)
    x_warm, y_warm = x[: warmup_batches * batch_size], y[: warmup_batches * batch_size]
    x_round, y_round = x[warmup_batches * batch_size :], y[warmup_batches * batch_size :]

    runners = {"numpy": _NumpyRunner(batch_size, seed)}
    if _blas_threads() not in (None, 1):
        runners["numpy_1_thread"] = _NumpyRunner(batch_size, seed, blas_threads=1)
    runners["numpy_2_workers"] = _NumpyRunner(batch_size, seed, workers=2)
    times = {name: [] for name in runners}
    for name, runner in runners.items():
        runner.train(x_warm, y_warm)
        times[name].append(runner.train(x_round, y_round))
    numpy_rss = _max_rss_mib()  # before TensorFlow is imported: numpy's own peak
    peak_traced = runners["numpy"].peak_traced_mib(x_round, y_round)
    if tensorflow:
        runners["tensorflow"] = _KerasRunner(batch_size, seed)
        runners["tensorflow"].train(x_warm, y_warm)
        times["tensorflow"] = [runners["tensorflow"].train(x_round, y_round)]
    for _ in range(rounds - 1):
        for name, runner in runners.items():
            times[name].append(runner.train(x_round, y_round))
    runners["numpy_2_workers"].close()

    results = {
        "config": {
            "num_batches": per_round * rounds,
            "batch_size": batch_size,
            "rounds": rounds,
            "warmup_batches": warmup_batches,
            "seed": seed,
            "epoch_images": EPOCH_IMAGES,
        },
        "machine": _machine(),
        "numpy": {
            **_speed(times["numpy"], per_round, batch_size),
            "blas_threads": _blas_threads(),
            "max_rss_mib": numpy_rss,
            "peak_traced_mib": peak_traced,
        },
        "numpy_1_thread": None,
        "numpy_2_workers": {
            **_speed(times["numpy_2_workers"], per_round, batch_size),
            "workers": 2,
            "blas_threads": 1,
            "max_rss_mib": numpy_rss,
        },
        "tensorflow": None,
        "ratio": None,
        "ratio_1_thread": None,
        "ratio_2_workers": None,
        "ratio_best": None,
        "naive_conv": time_naive_convolution(naive_images, seed),
    }
    if "numpy_1_thread" in times:
        results["numpy_1_thread"] = {
            **_speed(times["numpy_1_thread"], per_round, batch_size),
            "blas_threads": 1,
            "max_rss_mib": numpy_rss,
        }
    if tensorflow:
        import tensorflow as tf

        results["tensorflow"] = {
            **_speed(times["tensorflow"], per_round, batch_size),
            "max_rss_mib": _max_rss_mib(),
            "version": tf.__version__,
        }
        tf_epoch = results["tensorflow"]["seconds_per_epoch"]
        results["ratio"] = results["numpy"]["seconds_per_epoch"] / tf_epoch
        if results["numpy_1_thread"]:
            results["ratio_1_thread"] = results["numpy_1_thread"]["seconds_per_epoch"] / tf_epoch
        results["ratio_2_workers"] = results["numpy_2_workers"]["seconds_per_epoch"] / tf_epoch
        results["ratio_best"] = min(
            r
            for r in (results["ratio"], results["ratio_1_thread"], results["ratio_2_workers"])
            if r is not None
        )
    return results


def _machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def format_table(results: dict) -> str:
    """The benchmark as a text table (what ``python -m course_utils.tools.bench`` prints)."""

    def mib(value):
        return "n/a" if value is None else f"{value:,.0f} MiB"

    rows = [("", "images/s", "s/epoch", "ms/batch", "CPU ms/batch", "peak memory (RSS)")]
    labels = {
        "numpy": f"numpy ({results['numpy'].get('blas_threads') or '?'} BLAS threads)",
        "numpy_1_thread": "numpy (1 BLAS thread)",
        "numpy_2_workers": "numpy (2 workers, 1 BLAS thread each)",
        "tensorflow": "TensorFlow/Keras",
    }
    for key, label in labels.items():
        r = results.get(key)
        if r:
            rows.append(
                (
                    label,
                    f"{r['images_per_second']:,.0f}",
                    f"{r['seconds_per_epoch']:.1f}",
                    f"{1000 * r['seconds_per_batch']:.1f}",
                    f"{1000 * r['cpu_seconds_per_batch']:.1f}",
                    mib(r["max_rss_mib"]),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    config = results["config"]
    out = [
        f"{config['num_batches']} batches of {config['batch_size']} in {config['rounds']} rounds "
        f"(median round; epoch = {config['epoch_images']:,} images)",
        *lines,
    ]
    if results.get("ratio") is not None:
        out.append(f"numpy epoch / TensorFlow epoch: {results['ratio']:.2f}x")
    if results.get("ratio_1_thread") is not None:
        out.append(
            f"numpy (1 BLAS thread) epoch / TensorFlow epoch: {results['ratio_1_thread']:.2f}x"
        )
    if results.get("ratio_2_workers") is not None:
        out.append(f"numpy (2 workers) epoch / TensorFlow epoch: {results['ratio_2_workers']:.2f}x")
    if results.get("ratio_best") is not None:
        out.append(f"best numpy setting / TensorFlow: {results['ratio_best']:.2f}x")
    out.append(
        f"numpy peak allocation during one step (tracemalloc): {mib(results['numpy']['peak_traced_mib'])}"
        + ("; TensorFlow's RSS includes numpy's run before it" if results.get("tensorflow") else "")
    )
    naive = results["naive_conv"]
    out.append(
        f"naive loop convolutions: {naive['naive_seconds_per_image']:.3f} s/image vs vectorised "
        f"{1000 * naive['vectorised_seconds_per_image']:.3f} ms/image ({naive['speedup']:,.0f}x faster); "
        f"the naive forward pass alone would take {naive['naive_hours_per_epoch_forward']:.1f} h per epoch"
    )
    load, cpus = results["machine"].get("load_average"), results["machine"]["cpu_count"]
    if load:
        verdict = (
            "above the CPU count: besides the benchmark's own threads, other programs may have "
            "competed for the cores"
            if load[0] > cpus
            else "not above the CPU count"
        )
        out.append(f"load average at the end: {load[0]:.2f} on {cpus} CPUs ({verdict})")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict:
    """Command line: ``python -m course_utils.tools.bench [--batches N] [--batch-size B] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--batches", type=int, default=30, help="training batches timed per library (default 30)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=128, help="images per batch (default 128)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds; the median counts (default 3)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed batches first (default 2)")
    parser.add_argument(
        "--naive-images", type=int, default=2, help="images for the naive convolution (default 2)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-tensorflow", action="store_true", help="time numpy only")
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON file (default build/bench.json)"
    )
    args = parser.parse_args(argv)
    try:
        results = run_benchmark(
            args.batches,
            args.batch_size,
            rounds=args.rounds,
            warmup_batches=args.warmup,
            naive_images=args.naive_images,
            seed=args.seed,
            tensorflow=not args.no_tensorflow,
        )
    except ValueError as error:
        parser.error(str(error))
    output = args.output or build_dir() / "bench.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(format_table(results))
    print(f"written to {output}")
    return results


if __name__ == "__main__":
    main()
