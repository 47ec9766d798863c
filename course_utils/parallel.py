"""Training on more than one core: a batch split between threads, and BLAS's own threads.

``DataParallel(network, workers=2)`` keeps ``network`` and ``workers - 1``
replicas of it (:func:`replicate`: the same weight arrays, their own caches and
gradients). A training step cuts the batch x: (N, ...), y: (N,) into ``workers``
nearly equal parts of n_i examples, runs forward and backward of part i on
replica i in its own thread, and combines the results. Each part's loss and
gradients are means over its n_i examples, so

    loss = sum_i (n_i / N) * loss_i        grads = sum_i (n_i / N) * grads_i

are the mean over the whole batch: the same numbers as one network on the whole
batch, up to float rounding. ``Sequential.fit(..., workers=2)`` trains this way.

Threads help in Python here because numpy releases the GIL inside matrix
products and elementwise operations on large arrays, so the parts really run on
different cores. During a step BLAS is held at one thread (``threadpoolctl``),
so the workers do not compete with BLAS's own threads; :func:`set_blas_threads`
sets that limit for a whole session. Which setting is fastest depends on the
machine and on what else runs on it, so :func:`fastest_setting` measures it with
a short probe instead of assuming.
Taught in notebooks/06_numpy_cnn.ipynb (section "How to make it fast").
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_limits

from . import _validate
from .losses import softmax_cross_entropy_backward
from .optim import Optimizer


def replicate(network):
    """A copy of a ``Sequential`` network sharing its weights (the same ``params`` arrays), with its own caches and ``grads``.

    Forward and backward on the replica leave the original's caches and gradients
    alone, and an optimizer's step on either network updates both.
    """
    twins = []
    for layer in network.layers:
        twin = copy.copy(layer)  # shares the params dict and its arrays
        twin.grads, twin._cache = {}, None
        twins.append(twin)
    return type(network)(twins)


class DataParallel:
    """One training step split between ``workers`` threads, each running a part of the batch.

    ``network`` is a :class:`course_utils.network.Sequential`. ``forward_backward(x, y)``
    fills ``grads`` (the whole batch's mean gradients) and returns ``(loss, accuracy)``;
    ``train_step(x, y, optimizer)`` also takes the step. ``close()`` (or a ``with``
    block) stops the threads.
    """

    def __init__(self, network, workers: int = 2):
        if not hasattr(network, "layers") or not hasattr(network, "loss"):
            raise TypeError(
                f"DataParallel takes a Sequential network, got {type(network).__name__}"
            )
        self.workers = _validate.integer(workers, "workers")
        self.network = network
        self.replicas = [network] + [replicate(network) for _ in range(self.workers - 1)]
        self.grads: dict[str, np.ndarray] = {}
        self._pool = ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="data-parallel"
        )
        self._blas = ThreadpoolController()

    @staticmethod
    def _part(network, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        loss, logits = network.loss(x, y)
        network.backward(softmax_cross_entropy_backward(logits, y))
        return loss, int(np.sum(logits.argmax(axis=1) == y))

    def forward_backward(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Forward and backward on x: (N, ...), y: (N,) in parts: fills ``grads``, returns ``(loss, accuracy)``."""
        x, y = _validate.examples(x, y, "DataParallel")
        n = len(x)
        parts = min(self.workers, n)  # a batch smaller than the workers: one example each
        edges = [n * i // parts for i in range(parts + 1)]
        slices = [slice(edges[i], edges[i + 1]) for i in range(parts)]
        with self._blas.limit(limits=1, user_api="blas"):
            futures = [
                self._pool.submit(self._part, replica, x[part], y[part])
                for replica, part in zip(self.replicas, slices)
            ]
            results = [future.result() for future in futures]
        weights = [(part.stop - part.start) / n for part in slices]
        self.grads = {}
        for replica, weight in zip(self.replicas, weights):
            for key, grad in replica.grads.items():
                if key in self.grads:
                    self.grads[key] += weight * grad
                else:
                    self.grads[key] = weight * grad
        loss = sum(weight * part_loss for weight, (part_loss, _) in zip(weights, results))
        return float(loss), sum(correct for _, correct in results) / n

    def train_step(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer) -> tuple[float, float]:
        """One gradient step on the batch x: (N, ...), y: (N,). Returns ``(loss, accuracy)`` before the step."""
        loss, accuracy = self.forward_backward(x, y)
        optimizer.step(self.network.params, self.grads)
        return loss, accuracy

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown()

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DataParallel(workers={self.workers})"


def set_blas_threads(num_threads: int | None) -> int | None:
    """Limit the threads of numpy's matrix products (BLAS) to ``num_threads``; None leaves them alone.

    On a busy machine (more running programs than cores) one thread is often much
    faster: BLAS threads that wait for each other spin and waste the CPU the others
    need. Returns the limit set (None when nothing changed).
    """
    num_threads = _validate.integer(num_threads, "num_threads", allow_none=True)
    if num_threads is None:
        return None
    threadpool_limits(limits=num_threads, user_api="blas")
    return num_threads


#: The (workers, BLAS threads) settings :func:`fastest_setting` tries; None: BLAS's default threads.
SETTINGS = ((1, None), (1, 1), (2, 1))


def fastest_setting(
    make_network: Callable,
    make_optimizer: Callable,
    x: np.ndarray,
    y: np.ndarray,
    *,
    settings=SETTINGS,
    rounds: int = 3,
) -> dict:
    """Measure training steps on the batch x: (N, ...), y: (N,) in every (workers, BLAS threads) setting.

    ``make_network()`` and ``make_optimizer()`` give each setting its own network and optimizer.
    Each setting first takes one untimed step (a warm-up), then the settings take one step each
    in ``rounds`` alternating rounds, so a burst of load hits all of them alike; the median
    round counts. Returns ``{"seconds_per_batch": {(workers, blas_threads): s}, "workers": w,
    "blas_threads": t}`` with the fastest setting's w and t.
    """
    rounds = _validate.integer(rounds, "rounds")
    x, y = _validate.examples(x, y, "fastest_setting")
    trainers, times = {}, {}
    try:
        for workers, threads in settings:
            network = make_network()
            trainers[workers, threads] = (
                DataParallel(network, workers) if workers > 1 else network,
                make_optimizer(),
            )
            times[workers, threads] = []
        for round_ in range(rounds + 1):  # round 0 warms up and is not counted
            for (workers, threads), (trainer, optimizer) in trainers.items():
                with threadpool_limits(limits=threads, user_api="blas"):
                    start = time.perf_counter()
                    trainer.train_step(x, y, optimizer)
                    if round_:
                        times[workers, threads].append(time.perf_counter() - start)
    finally:
        for trainer, _ in trainers.values():
            if isinstance(trainer, DataParallel):
                trainer.close()
    seconds = {setting: statistics.median(t) for setting, t in times.items()}
    workers, threads = min(seconds, key=seconds.get)
    return {"seconds_per_batch": seconds, "workers": workers, "blas_threads": threads}


__all__ = ["SETTINGS", "DataParallel", "fastest_setting", "replicate", "set_blas_threads"]
