"""Plausible answers, right and wrong, to the exercise of lesson 10 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case


def _compute_average_loss(per_example, global_batch_size):
    import tensorflow as tf

    return float(
        tf.nn.compute_average_loss(tf.constant(per_example), global_batch_size=global_batch_size)
    )


def _in_place(per_example, global_batch_size):
    per_example /= global_batch_size
    return per_example.sum()


def _reduce_sum(per_example, global_batch_size):
    import tensorflow as tf

    return float(tf.reduce_sum(tf.constant(per_example)) / global_batch_size)


REPLICA_LOSS = [
    Case("reference", lambda p, g: np.sum(p) / g, ACCEPTED),
    Case("tf.nn.compute_average_loss", _compute_average_loss, ACCEPTED),
    Case("tf.reduce_sum / global", _reduce_sum, ACCEPTED),
    Case("mean times the share b / B", lambda p, g: np.mean(p) * len(p) / g, ACCEPTED),
    Case("python sum", lambda p, g: sum(float(v) for v in p) / g, ACCEPTED),
    Case("the worker's own mean", lambda p, g: np.mean(p), r"own mean|global batch"),
    Case("divided by len(per_example)", lambda p, g: np.sum(p) / len(p), r"own mean|global batch"),
    Case("the sum, not divided", lambda p, g: np.sum(p), r"divide .*global batch"),
    Case("mean, then divided again", lambda p, g: np.mean(p) / g, r"divided twice"),
    Case(
        "assumes two workers",
        lambda p, g: np.sum(p) / (2 * len(p)),
        r"two workers|global batch size",
    ),
    Case("divided by the square", lambda p, g: np.sum(p) / g**2, r"once|squared"),
    Case("multiplied by the global batch", lambda p, g: np.mean(p) * g, r"multipl|divide"),
    Case("off by one", lambda p, g: np.sum(p) / (g - 1), r"off by one"),
    Case("the largest loss", lambda p, g: np.max(p) / g, r"largest|sum"),
    Case("squared losses", lambda p, g: np.sum(np.square(p)) / g, r"squared|sum"),
    Case("no reduction", lambda p, g: p / g, r"one number"),
    Case("changed the input in place", _in_place, r"in place"),
]

CATALOGUE = {("lesson10", "replica_loss"): REPLICA_LOSS}
