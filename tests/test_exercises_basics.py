"""The exercises of lessons 01-03: each typical mistake gets its own hint.

What every exercise must do (the reference passes, a stub is "not attempted", ...) is
tested for all lessons in test_exercises.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import FAILED, lesson01, lesson02, lesson03

# --- the catalogue of typical wrong answers -------------------------------------------------


def _softmax_naive(z):
    return np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _log_softmax_naive(logits):
    return np.log(_softmax_naive(logits))


def _pick(log_probs, labels):
    return log_probs[np.arange(len(labels)), labels]


def _gradient(logits, labels):
    return lesson03.cross_entropy_gradient.reference(logits, labels)


WRONG_ANSWERS = [
    # lesson 01: the MSE gradient
    (
        lesson01.mse_gradient,
        "missing factor 2",
        lambda x, y, w, b: (np.mean((w * x + b - y) * x), np.mean(w * x + b - y)),
        "keep the factor 2",
    ),
    (
        lesson01.mse_gradient,
        "wrong sign",
        lambda x, y, w, b: (2 * np.mean((y - w * x - b) * x), 2 * np.mean(y - w * x - b)),
        "wrong sign",
    ),
    (
        lesson01.mse_gradient,
        "sum instead of mean",
        lambda x, y, w, b: (2 * np.sum((w * x + b - y) * x), 2 * np.sum(w * x + b - y)),
        "np.mean, not np.sum",
    ),
    (
        lesson01.mse_gradient,
        "no chain-rule factor x",
        lambda x, y, w, b: (2 * np.mean(w * x + b - y), 2 * np.mean(w * x + b - y)),
        "chain-rule factor x",
    ),
    (
        lesson01.mse_gradient,
        "swapped",
        lambda x, y, w, b: (2 * np.mean(w * x + b - y), 2 * np.mean((w * x + b - y) * x)),
        "swapped",
    ),
    (
        lesson01.mse_gradient,
        "per-example gradient",
        lambda x, y, w, b: (2 * (w * x + b - y) * x, 2 * (w * x + b - y)),
        "Average over the examples",
    ),
    (
        lesson01.mse_gradient,
        "one value",
        lambda x, y, w, b: 2 * np.mean((w * x + b - y) * x),
        "return two numbers",
    ),
    (
        lesson01.mse_gradient,
        "db wrong",
        lambda x, y, w, b: (2 * np.mean((w * x + b - y) * x), np.mean(w * x + b - y)),
        "dw is right",
    ),
    # lesson 01: one step
    (
        lesson01.gradient_descent_step,
        "uphill",
        lambda x, y, w, b, lr: tuple(
            np.array([w, b]) + lr * np.array(lesson01.mse_gradient.reference(x, y, w, b))
        ),
        "stepped uphill",
    ),
    (
        lesson01.gradient_descent_step,
        "no learning rate",
        lambda x, y, w, b, lr: tuple(
            np.array([w, b]) - np.array(lesson01.mse_gradient.reference(x, y, w, b))
        ),
        "ignores the learning rate",
    ),
    (
        lesson01.gradient_descent_step,
        "returns the gradient",
        lambda x, y, w, b, lr: lesson01.mse_gradient.reference(x, y, w, b),
        "you returned the gradient",
    ),
    (
        lesson01.gradient_descent_step,
        "sequential update",
        lambda x, y, w, b, lr: (
            w_new := w - lr * lesson01.mse_gradient.reference(x, y, w, b)[0],
            b - lr * lesson01.mse_gradient.reference(x, y, w_new, b)[1],
        ),
        "at the old (w, b)",
    ),
    (lesson01.gradient_descent_step, "unchanged", lambda x, y, w, b, lr: (w, b), "did not change"),
    # lesson 02: stable softmax
    (
        lesson02.stable_softmax,
        "naive (overflows)",
        _softmax_naive,
        "overflowed for scores of 1000: subtract the row maximum",
    ),
    (
        lesson02.stable_softmax,
        "wrong axis",
        lambda z: np.exp(z - z.max(axis=0)) / np.sum(np.exp(z - z.max(axis=0)), axis=0),
        "wrong axis: each row should sum to 1",
    ),
    (
        lesson02.stable_softmax,
        "global sum",
        lambda z: np.exp(z - z.max()) / np.sum(np.exp(z - z.max())),
        "the whole array sums to 1",
    ),
    (
        lesson02.stable_softmax,
        "global maximum",
        lambda z: np.exp(z - z.max()) / np.sum(np.exp(z - z.max()), axis=1, keepdims=True),
        "each row's own maximum",
    ),
    (
        lesson02.stable_softmax,
        "no keepdims on the maximum",
        lambda z: (
            np.exp(z - z.max(axis=1)) / np.sum(np.exp(z - z.max(axis=1)), axis=1, keepdims=True)
        ),
        "keepdims=True",
    ),
    (
        lesson02.stable_softmax,
        "no normalisation",
        lambda z: np.exp(z - z.max(axis=1, keepdims=True)),
        "divide exp(z) by its row sum",
    ),
    (
        lesson02.stable_softmax,
        "only the first row",
        lambda z: _softmax_naive(z)[0],
        "should return an array of shape",
    ),
    # lesson 02: derivatives
    (lesson02.relu_derivative, "relu itself", lambda z: np.maximum(z, 0), "that is ReLU itself"),
    (lesson02.relu_derivative, "sign", np.sign, "not -1"),
    (lesson02.relu_derivative, ">= at zero", lambda z: (z >= 0).astype(float), "z > 0, not z >= 0"),
    (
        lesson02.relu_derivative,
        "flattened",
        lambda z: (z.ravel() > 0).astype(float),
        "should return an array of shape",
    ),
    (lesson02.sigmoid_derivative, "sigmoid itself", _sigmoid, "that is the sigmoid itself"),
    (lesson02.sigmoid_derivative, "applied to z", lambda z: z * (1 - z), "not to z itself"),
    (lesson02.sigmoid_derivative, "one factor", lambda z: 1 - _sigmoid(z), "only one factor"),
    (
        lesson02.sigmoid_derivative,
        "overflowing formula",
        lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
        "overflows to inf",
    ),
    # lesson 03: one-hot
    (
        lesson03.one_hot,
        "transposed",
        lambda labels, c: lesson03.one_hot.reference(labels, c).T,
        "transposed",
    ),
    (
        lesson03.one_hot,
        "width from the labels",
        lambda labels, c: np.eye(labels.max() + 1)[labels],
        "should be num_classes = 5",
    ),
    (
        lesson03.one_hot,
        "off by one",
        lambda labels, c: np.eye(c)[(labels + 1) % c],
        "one column off",
    ),
    (
        lesson03.one_hot,
        "labels as values",
        lambda labels, c: np.eye(c)[labels] * labels[:, None],
        "exactly one 1",
    ),
    # lesson 03: cross-entropy from logits
    (
        lesson03.cross_entropy_from_logits,
        "log of softmax",
        lambda z, labels: -np.mean(_pick(_log_softmax_naive(z), labels)),
        "log(0)",
    ),
    (
        lesson03.cross_entropy_from_logits,
        "clipped probabilities",
        lambda z, labels: (
            -np.mean(_pick(np.log(np.clip(lesson02.stable_softmax.reference(z), 1e-7, 1)), labels))
        ),
        "clipping the probabilities",
    ),
    (
        lesson03.cross_entropy_from_logits,
        "no minus sign",
        lambda z, labels: np.mean(_pick(_log_softmax_naive(z), labels)),
        "negative of the cross-entropy",
    ),
    (
        lesson03.cross_entropy_from_logits,
        "sum over the batch",
        lambda z, labels: -np.sum(_pick(_log_softmax_naive(z), labels)),
        "mean over the batch, not the sum",
    ),
    (
        lesson03.cross_entropy_from_logits,
        "per-example losses",
        lambda z, labels: -_pick(_log_softmax_naive(z), labels),
        "one loss per example",
    ),
    (
        lesson03.cross_entropy_from_logits,
        "log-probability of class 0",
        lambda z, labels: -np.mean(_log_softmax_naive(z)[:, 0]),
        "at its label",
    ),
    # lesson 03: the gradient p - y
    (
        lesson03.cross_entropy_gradient,
        "not divided by N",
        lambda z, labels: len(labels) * _gradient(z, labels),
        "divide p - y by N",
    ),
    (
        lesson03.cross_entropy_gradient,
        "y - p",
        lambda z, labels: -_gradient(z, labels),
        "not y - p",
    ),
    (
        lesson03.cross_entropy_gradient,
        "softmax only",
        lambda z, labels: lesson02.stable_softmax.reference(z) / len(labels),
        "subtract the one-hot labels",
    ),
    (
        lesson03.cross_entropy_gradient,
        "one-hot one column off",
        lambda z, labels: _gradient(z, (labels + 1) % 3),
        "column labels[i]",
    ),
    (
        lesson03.cross_entropy_gradient,
        "a column missing",
        lambda z, labels: _gradient(z, labels)[:, :2],
        "shape (4, 3)",
    ),
]


@pytest.mark.parametrize(
    "exercise, mistake, wrong, hint",
    WRONG_ANSWERS,
    ids=[f"{e.name}: {m}" for e, m, _, _ in WRONG_ANSWERS],
)
def test_typical_mistake_gets_its_hint(exercise, mistake, wrong, hint):
    result = exercise.evaluate(wrong)
    assert result.status == FAILED, f"{exercise.name} accepted the mistake '{mistake}'"
    assert hint in result.message, f"{exercise.name}, '{mistake}': {result.message}"


def test_check_prints_and_never_raises(capsys):
    lesson02.stable_softmax.check(_softmax_naive)
    lesson02.stable_softmax.check("not a function")
    lesson03.one_hot.check(lambda labels, c: 1 / 0)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✘ stable_softmax: failed. your softmax overflowed for scores of 1000")
    assert "expected a function" in out[1]
    assert "ZeroDivisionError" in out[2]


def test_checks_do_not_change_the_learners_view_of_numpy_warnings():
    with pytest.warns(RuntimeWarning):
        np.exp(np.array([1000.0]))
    with np.errstate(over="ignore", divide="raise"):  # not the checker's own settings ("warn")
        result = lesson02.stable_softmax.evaluate(_softmax_naive)
        assert np.geterr()["over"] == "ignore" and np.geterr()["divide"] == "raise"
    assert result.status == FAILED
