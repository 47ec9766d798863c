"""Tests of course_utils.parallel: the batch split between threads gives the gradients of one batch."""

from __future__ import annotations

import numpy as np
import pytest
from test_network import _digits, _small_network, _small_network_for_digits, loss_and_gradients
from threadpoolctl import threadpool_info

from course_utils.network import lesson_cnn
from course_utils.optim import SGD, Adam
from course_utils.parallel import (
    SETTINGS,
    DataParallel,
    fastest_setting,
    replicate,
    set_blas_threads,
)


def test_a_replica_shares_the_weights_but_not_the_caches_or_gradients():
    network = _small_network()
    twin = replicate(network)
    assert all(twin.params[key] is param for key, param in network.params.items())
    x, y = np.ones((2, 6, 6, 1)), np.array([0, 1])
    loss_and_gradients(twin, x, y)
    assert network.grads == {} and all(layer._cache is None for layer in network.layers)


def test_blas_threads_can_be_limited():
    def blas_threads():
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

    before = blas_threads()
    try:
        assert set_blas_threads(1) == 1 and blas_threads() == [1] * len(before)
        assert set_blas_threads(None) is None and blas_threads() == [1] * len(before)
    finally:
        set_blas_threads(max(before))
    with pytest.raises(ValueError, match="positive integer or None"):
        set_blas_threads(0)


# -- data parallelism: the same step, the batch split between threads -----------------


@pytest.mark.parametrize(
    "make_network, dtype, workers, n, rtol",
    [
        (lambda: _small_network(np.float64), np.float64, 2, 5, 1e-12),
        (lambda: _small_network(np.float64), np.float64, 3, 7, 1e-12),
        (lambda: lesson_cnn(seed=0, fast=True), np.float32, 2, 16, 1e-4),
        (lambda: lesson_cnn(seed=0, fast=True), np.float32, 3, 10, 1e-4),
    ],
)
def test_data_parallel_gives_the_loss_and_gradients_of_one_batch(
    make_network, dtype, workers, n, rtol
):
    network = make_network()
    side = 6 if dtype == np.float64 else 28
    rng = np.random.default_rng(2)
    x, y = rng.random((n, side, side, 1)).astype(dtype), rng.integers(0, 2 if side == 6 else 10, n)
    loss = loss_and_gradients(network, x, y)
    grads = {key: grad.copy() for key, grad in network.grads.items()}
    with DataParallel(network, workers) as parallel:
        assert len(parallel.replicas) == workers
        assert all(
            r.params[k] is p for r in parallel.replicas for k, p in network.params.items()
        ), "replicas must share the network's weight arrays"
        parallel_loss = parallel.forward_backward(x, y)[0]
    assert parallel_loss == pytest.approx(loss, rel=rtol), f"{workers} workers: loss"
    assert set(parallel.grads) == set(grads)
    for key, grad in grads.items():
        assert parallel.grads[key].dtype == grad.dtype, f"{workers} workers: d{key} dtype"
        np.testing.assert_allclose(
            parallel.grads[key],
            grad,
            rtol=rtol,
            atol=rtol * np.abs(grad).max(),
            err_msg=f"{workers} workers: d{key}",
        )


def test_data_parallel_takes_a_batch_smaller_than_its_workers():
    network = _small_network()
    x, y = np.ones((2, 6, 6, 1)), np.array([0, 1])
    with DataParallel(network, 4) as parallel:
        assert parallel.forward_backward(x, y)[0] == pytest.approx(network.loss(x, y)[0])


def test_fit_with_two_workers_trains_like_one_worker():
    x, y = _digits(48)
    histories = {}
    for workers in (1, 2):
        network = _small_network_for_digits()
        histories[workers] = network.fit(
            x, y, Adam(1e-2), num_epochs=15, batch_size=16, seed=0, progress=False, workers=workers
        )
    loss = histories[2].history["loss"]
    assert loss[-1] < 0.5 * loss[0], f"two workers should train: loss {loss}"
    np.testing.assert_allclose(
        loss,
        histories[1].history["loss"],
        rtol=1e-3,
        err_msg="two workers should follow the one-worker run",
    )


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True, None])
def test_bad_worker_counts_are_errors(workers):
    x, y = _digits(4)
    network = _small_network_for_digits()
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        network.fit(x, y, SGD(0.1), progress=False, workers=workers)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        DataParallel(network, workers)


def test_fastest_setting_times_every_setting_and_picks_the_quickest():
    x, y = _digits(16)
    probe = fastest_setting(_small_network_for_digits, lambda: Adam(1e-3), x, y, rounds=2)
    assert set(probe["seconds_per_batch"]) == set(SETTINGS)
    assert all(seconds > 0 for seconds in probe["seconds_per_batch"].values())
    best = min(probe["seconds_per_batch"], key=probe["seconds_per_batch"].get)
    assert (probe["workers"], probe["blas_threads"]) == best
