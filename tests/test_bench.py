"""A tiny run of the benchmark (python -m course_utils.tools.bench): the JSON it writes and its table."""

from __future__ import annotations

import json
import os
import re

import pytest

from course_utils.tools import bench


def test_a_tiny_benchmark_writes_every_field(tmp_path, capsys):
    output = tmp_path / "bench.json"
    bench.main(
        [
            "--batches",
            "2",
            "--rounds",
            "2",
            "--batch-size",
            "8",
            "--warmup",
            "1",
            "--naive-images",
            "1",
            "--output",
            str(output),
        ]
    )
    results = json.loads(output.read_text())

    assert results["config"] == {
        "num_batches": 2,
        "batch_size": 8,
        "rounds": 2,
        "warmup_batches": 1,
        "seed": 0,
        "epoch_images": 60_000,
    }
    libraries = ["numpy", "numpy_2_workers", "tensorflow"] + (
        ["numpy_1_thread"] if results["numpy"]["blas_threads"] != 1 else []
    )
    for library in libraries:
        r = results[library]
        assert len(r["round_seconds"]) == 2 and all(s > 0 for s in r["round_seconds"]), library
        assert (
            r["images_per_second"] > 0
            and r["seconds_per_batch"] > 0
            and r["cpu_seconds_per_batch"] > 0
        ), library
        assert r["seconds_per_epoch"] == pytest.approx(60_000 / r["images_per_second"]), library
        assert r["max_rss_mib"] > 0, library
    assert results["numpy"]["peak_traced_mib"] > 0
    assert results["ratio"] == pytest.approx(
        results["numpy"]["seconds_per_epoch"] / results["tensorflow"]["seconds_per_epoch"]
    )
    assert (
        results["numpy_2_workers"]["workers"] == 2
        and results["numpy_2_workers"]["blas_threads"] == 1
    )
    assert results["ratio_2_workers"] == pytest.approx(
        results["numpy_2_workers"]["seconds_per_epoch"] / results["tensorflow"]["seconds_per_epoch"]
    )
    assert results["ratio_best"] == min(
        r
        for r in (results["ratio"], results["ratio_1_thread"], results["ratio_2_workers"])
        if r is not None
    )
    naive = results["naive_conv"]
    assert naive["images"] == 1 and naive["speedup"] > 1
    assert naive["naive_seconds_per_image"] > naive["vectorised_seconds_per_image"] > 0
    assert results["machine"]["cpu_count"] >= 1

    table = capsys.readouterr().out
    assert (
        "numpy epoch / TensorFlow epoch" in table and "TensorFlow" in table and str(output) in table
    )
    assert (
        "numpy (2 workers, 1 BLAS thread each)" in table
        and "best numpy setting / TensorFlow" in table
    )


#: The smallest run of the bench: one batch of four, numpy only.
TINY_RUN = [
    "--batches",
    "1",
    "--rounds",
    "1",
    "--batch-size",
    "4",
    "--warmup",
    "1",
    "--naive-images",
    "1",
    "--no-tensorflow",
]


def test_numpy_only_run_by_default_goes_to_the_build_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    results = bench.main(TINY_RUN)
    assert (
        results["tensorflow"] is None and results["ratio"] is None and results["ratio_best"] is None
    )
    assert (
        results["ratio_2_workers"] is None and results["numpy_2_workers"]["images_per_second"] > 0
    )
    assert json.loads((tmp_path / "bench.json").read_text())["numpy"]["images_per_second"] > 0
    assert "TensorFlow" not in bench.format_table(results) and "numpy (" in bench.format_table(
        results
    )


@pytest.mark.parametrize(
    "load, verdict", [(1.36, "(not above the CPU count)"), (2.5, "(above the CPU count:")]
)
def test_the_load_line_says_whether_the_load_was_above_the_cpu_count(load, verdict):
    results = bench.main(
        [
            *TINY_RUN,
            "--output",
            os.devnull,
        ]
    )
    results["machine"].update(load_average=[load, load, load], cpu_count=2)
    assert f"load average at the end: {load:.2f} on 2 CPUs {verdict}" in bench.format_table(results)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--batches", "0"], "num_batches must be a positive integer"),
        (["--batches", "2", "--rounds", "3"], r"num_batches \(2\) must be at least rounds \(3\)"),
        (["--warmup", "0"], "warmup_batches must be at least 1"),
    ],
)
def test_bad_arguments_are_reported(argv, message, capsys):
    with pytest.raises(SystemExit):
        bench.main([*argv, "--no-tensorflow"])
    assert re.search(message, capsys.readouterr().err)


def test_training_steps_are_timed_for_plain_fast_and_parallel_layers():
    steps = bench.time_training_steps(batch_size=4, num_batches=1, rounds=1, workers=2)
    assert list(steps["seconds_per_batch"]) == ["plain", "fast", "fast, 2 workers"]
    assert all(seconds > 0 for seconds in steps["seconds_per_batch"].values())
    assert steps["speedup"]["plain"] == 1.0 and steps["batch_size"] == 4
    assert steps["speedup"]["fast"] == pytest.approx(
        steps["seconds_per_batch"]["plain"] / steps["seconds_per_batch"]["fast"]
    )
    with pytest.raises(ValueError, match="workers must be a positive integer, got 0"):
        bench.time_training_steps(workers=0)
