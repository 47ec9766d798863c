"""Lesson 10: two tf.distribute workers reach the one-process weights; nginx in front of replicas.

The worker and nginx processes are started by the tests and always ended, also when
a test fails. nginx is a Debian package (``apt-get install -y nginx``): without it the
nginx tests skip locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import os
import signal
import subprocess

import numpy as np
import pytest

from course_utils import distribute

PARITY_TOLERANCE = 1e-5  # the largest weight difference allowed, float32 rounding


def needs_nginx() -> str:
    program = distribute.find_nginx()
    if program is None:
        message = f"nginx is not installed ({distribute.NGINX_INSTALL})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install it")
        pytest.skip(message)
    return program


def test_cluster_config_lists_every_worker_and_names_this_one():
    config = distribute.cluster_config([1111, 2222], 1)
    assert config == {
        "cluster": {"worker": ["127.0.0.1:1111", "127.0.0.1:2222"]},
        "task": {"type": "worker", "index": 1},
    }
    with pytest.raises(ValueError, match="index must be in 0..1"):
        distribute.cluster_config([1111, 2222], 2)


def test_free_ports_are_different():
    ports = distribute.free_ports(3)
    assert len(set(ports)) == 3


def test_the_shards_of_a_global_batch_cover_it_once():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    xb, yb = distribute.global_batch(x, y, 1, 6)  # rows 6..11, wrapping to 0, 1
    assert yb.tolist() == [6, 7, 8, 9, 0, 1]
    parts = [distribute.shard(xb, yb, i, 3)[1] for i in range(3)]
    assert sorted(np.concatenate(parts).tolist()) == sorted(yb.tolist())


def test_the_replica_step_in_one_process_is_lesson_04s_step():
    import keras
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits, make_train_step

    rng = np.random.default_rng(0)
    x = rng.random((32, 784), dtype=np.float32)
    y = rng.integers(0, 10, 32).astype(np.int32)
    ours = distribute.build_model(16, seed=1)
    theirs = distribute.build_model(16, seed=1)
    loss = distribute.replica_step(ours, keras.optimizers.SGD(0.1), x, y, 32)
    reference_loss, _ = make_train_step(
        theirs, keras.optimizers.SGD(0.1), cross_entropy_from_logits, compiled=False
    )(tf.constant(x), tf.constant(y))
    assert float(loss) == pytest.approx(float(reference_loss), rel=1e-6)
    assert distribute.max_difference(ours.trainable_variables, theirs.trainable_variables) < 1e-6


@pytest.fixture
def digits_file(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((384, 784), dtype=np.float32)
    y = rng.integers(0, 10, 384).astype(np.int32)
    path = tmp_path / "digits.npz"
    np.savez(path, x=x, y=y)
    return path, x, y


@pytest.mark.slow
def test_two_workers_reach_the_weights_of_one_process(digits_file, tmp_path):
    path, x, y = digits_file
    options = dict(num_steps=6, batch_size=128, learning_rate=0.1, hidden=32, seed=3)
    two = distribute.run_workers(path, tmp_path / "out", num_workers=2, timeout=240, **options)
    one_weights, one_losses = distribute.train_one_process(x, y, **options)
    difference = distribute.max_difference(one_weights, two.weights)
    print(f"largest weight difference, two workers against one process: {difference:.2e}")
    assert difference < PARITY_TOLERANCE
    assert two.reports[0]["losses"] == pytest.approx(one_losses, rel=1e-5)
    assert [r["shard_rows"] for r in two.reports] == [64, 64]
    assert [r["chief"] for r in two.reports] == [True, False]
    assert (tmp_path / "out" / "checkpoint").is_dir()  # the chief's; the other worker's is deleted
    assert len(list((tmp_path / "out").glob("*/ckpt*.index"))) == 1


@pytest.mark.slow
def test_workers_that_overrun_their_timeout_are_ended(digits_file, tmp_path, monkeypatch):
    path, _, _ = digits_file
    started = []
    popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(distribute.subprocess, "Popen", recording_popen)
    with pytest.raises(TimeoutError, match="did not finish within 1 s"):
        distribute.run_workers(path, tmp_path / "out", num_workers=2, timeout=1, num_steps=1000)
    assert len(started) == 2
    assert all(process.poll() is not None for process in started)


def test_nginx_config_names_the_replicas_and_the_limits(tmp_path):
    text = distribute.nginx_config(
        [8001, 8002], 9000, tmp_path, max_body_mb=3, body_timeout_s=7, header_timeout_s=4
    )
    assert "server 127.0.0.1:8001 " in text and "server 127.0.0.1:8002 " in text
    assert "listen 127.0.0.1:9000;" in text
    for line in (
        "client_max_body_size 3m;",
        "client_body_timeout 7s;",
        "client_header_timeout 4s;",
        "proxy_pass http://digit_service;",
        "daemon off;",
    ):
        assert line in text
    assert "non_idempotent" in text.split("proxy_next_upstream ")[1].split(";")[0]
    for path_line in (
        "pid ",
        "error_log ",
        "access_log ",
        "client_body_temp_path ",
        "proxy_temp_path ",
    ):
        written = text.split(path_line)[1].split()[0].rstrip(";")
        assert written.startswith(str(tmp_path)), (
            f"{path_line.strip()} writes outside the prefix: {written}"
        )
    with pytest.raises(ValueError, match="at least one"):
        distribute.nginx_config([], 9000, tmp_path)


def test_nginx_accepts_the_generated_config(tmp_path):
    program = needs_nginx()
    (tmp_path / "tmp").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(distribute.nginx_config([8001, 8002], distribute.free_ports(1)[0], tmp_path))
    check = subprocess.run(
        [program, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr


@pytest.fixture
def replicas(digit_model, tmp_path):
    """Two replicas of the course's service on free ports; killed after the test, whatever happens."""
    path = tmp_path / "digits.keras"
    digit_model.save(path)
    started = []
    try:
        for _ in range(2):
            started.append(distribute.Replica(path))
        yield started
    finally:
        for replica in started:
            replica.kill()


@pytest.mark.slow
def test_nginx_routes_around_a_killed_replica_and_loses_no_request(replicas, digit_model, capsys):
    needs_nginx()
    from course_utils import handwriting
    from course_utils.sample_digits import load_samples

    pictures = [(s.path.name, s.read_bytes()) for s in load_samples()[::3]]
    expected = [handwriting.predict_image(digit_model, content).digit for _, content in pictures]
    with distribute.Nginx([r.port for r in replicas]) as nginx:
        assert nginx.process.poll() is None
        report = distribute.load_test(
            nginx.url, pictures, num_requests=120, concurrency=8, after=(30, replicas[1].kill)
        )
        assert replicas[1].process.returncode == -signal.SIGKILL
        assert report.action_at is not None
        assert report.errors == [], report.errors
        assert report.answers == [expected[i % len(expected)] for i in range(120)]
        with capsys.disabled():
            print(f"\nfailover: {report}; replica killed {report.action_at:.2f} s in")
    assert nginx.process.poll() is not None  # stopped by the with block


@pytest.mark.slow
def test_nginx_refuses_an_oversized_upload_itself(replicas):
    needs_nginx()
    import httpx

    with distribute.Nginx([r.port for r in replicas], max_body_mb=1) as nginx:
        answer = httpx.post(nginx.url + "/predict", files={"file": ("big.png", bytes(2 * 2**20))})
        assert answer.status_code == 413
        assert "413" in answer.text
