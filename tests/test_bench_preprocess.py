"""python -m course_utils.tools.bench_preprocess: the command line, on two digits and one cell."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from course_utils.tools import bench_preprocess


def test_the_bench_prints_the_matrix_and_writes_json(digit_model, tmp_path, capsys):
    model_path = tmp_path / "model.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # keras 3 saving with numpy 2
        digit_model.save(model_path)
    output = tmp_path / "bench.json"
    argv = ["--model", str(model_path), "--num-digits", "2", "--sizes", "40", "100"]
    argv += ["--margins", "0", "--timing-pictures", "2", "--output", str(output)]
    results = bench_preprocess.main(argv)
    printed = capsys.readouterr().out
    assert "thick marker: accuracy new (before issue 10)" in printed
    assert "ms per 200x200 picture" in printed and str(output) in printed
    assert json.loads(output.read_text()) == results
    assert results["num_digits"] == 2 and results["sizes"] == [40, 100]
    for name in ("new", "before issue 10"):
        accuracy = np.array(results["matrix"][name]["accuracy"])
        assert accuracy.shape == (3, 2, 1)  # pens x sizes x margins
        assert ((0 <= accuracy) & (accuracy <= 1)).all()
        assert results["ms_per_200px_picture"][name] > 0
        assert 0.9 <= results["sample_accuracy"][name] <= 1.0
    assert set(results["drawn_digits_accuracy"]) == set(bench_preprocess.PENS)


def test_the_bench_refuses_a_missing_model(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        bench_preprocess.main(["--model", str(tmp_path / "missing.keras"), "--num-digits", "1"])
    assert stopped.value.code == 2
    assert "no file at" in capsys.readouterr().err


def test_every_pipeline_gets_the_same_pictures():
    conditions = [bench_preprocess.picture_conditions(i) for i in range(12)]
    assert sum(c["dark_ink"] for c in conditions) == 6
    assert sum(c["jpeg_quality"] is not None for c in conditions) == 4
    assert sum(c["blur"] > 0 for c in conditions) == 3
