"""Exercise of lesson 10: one worker's share of the loss.

* ``replica_loss``: ``fn(per_example, global_batch_size) -> float``, the loss a worker
  differentiates when a global batch of ``global_batch_size`` examples is split between
  workers: per_example: (b,) the losses of this worker's b examples. Summed over all
  workers (the all-reduce sums the gradients) it must be the mean over the whole batch.

Taught in notebooks/10_beyond_one_machine.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise

# (per-example losses of one worker, global batch size): equal shards, uneven shards, one worker
CASES = (
    ([0.5, 1.5, 2.0, 0.0], 8),
    ([1.0, 3.0, 2.0], 8),
    ([0.2, 0.4, 0.6, 0.8, 1.0, 1.2], 6),
)


def _check_replica_loss(fn):
    for losses, global_batch_size in CASES:
        per_example = np.array(losses)
        before = per_example.copy()
        out = fn(per_example, global_batch_size)
        if not np.array_equal(per_example, before):
            raise Hint(
                "your function changed per_example in place: compute a new number and leave the input alone."
            )
        try:
            value = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            raise Hint(
                f"return one number (the worker's share of the loss); got {out!r:.80}."
            ) from None
        if value.shape != ():
            raise Hint(
                f"return one number, the losses added up and scaled; got an array of shape {value.shape}."
            )
        value = float(value)
        expected = replica_loss.reference(per_example, global_batch_size)
        if np.isclose(value, expected, rtol=1e-6, atol=0):
            continue
        b, total = len(per_example), float(np.sum(per_example))
        workers = global_batch_size / b
        if np.isclose(value, total / b):
            raise Hint(
                f"that is this worker's own mean. The all-reduce adds the workers' gradients, so {workers:g} workers "
                f"would take a step {workers:g} times too big: divide the sum by the global batch size, not by b."
            )
        if np.isclose(value, total):
            raise Hint(
                "that is the sum of this worker's losses: divide it by the global batch size, so the workers' shares add up to the mean."
            )
        if np.isclose(value, total / b / global_batch_size):
            raise Hint(
                "you divided twice (a mean, then by the global batch size): the sum divided once by the global batch size is the share."
            )
        if np.isclose(value, total / (2 * b)) or np.isclose(value, total / b / 2):
            raise Hint(
                "that assumes two workers of equal shards: use the global batch size, which holds for any number of workers and shards."
            )
        if np.isclose(value, total / global_batch_size**2):
            raise Hint("divide by the global batch size once, not squared.")
        if np.isclose(value, float(np.mean(per_example)) * global_batch_size):
            raise Hint(
                "multiplied where you should divide: the share is the sum over this worker's examples divided by the global batch size."
            )
        if np.isclose(value, total / (global_batch_size - 1)) or np.isclose(
            value, total / (global_batch_size + 1)
        ):
            raise Hint("off by one: divide by the global batch size itself.")
        if np.isclose(value, float(np.max(per_example)) / global_batch_size) or np.isclose(
            value, float(np.max(per_example))
        ):
            raise Hint(
                "that is the largest loss: add up every example's loss (a sum), then divide by the global batch size."
            )
        if np.isclose(value, float(np.sum(np.square(per_example))) / global_batch_size):
            raise Hint("the losses are added as they are (a sum), not squared.")
        raise Hint(
            f"with {b} examples on this worker and a global batch of {global_batch_size}, expected {expected:.6g}; got {value:.6g}."
        )


@exercise(
    _check_replica_loss,
    task="Write replica_loss(per_example, global_batch_size): this worker's share of the mean loss over the whole global batch.",
)
def replica_loss(per_example, global_batch_size):
    return float(np.sum(per_example)) / global_batch_size


EXERCISES = (replica_loss,)

__all__ = ["CASES", "EXERCISES", "replica_loss"]
