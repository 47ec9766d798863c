"""Exercises of lesson 04: a loss that cannot become NaN, and the training step.

* ``cross_entropy``: ``fn(logits: (N, C), labels: (N,)) -> scalar``, the mean
  cross-entropy computed from the logits, finite even for logits of +-1000.
* ``train_step``: ``fn(model, optimizer, x: (B, 784), y: (B,)) -> loss``, one Adam
  step under ``tf.GradientTape`` that returns the loss of the batch before the update.

Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Hint


def _tf():
    import tensorflow as tf

    return tf


def _scalar(value, what: str) -> float:
    array = np.asarray(value)
    if array.shape != ():
        raise Hint(
            f"{what} should be one number (a scalar tensor), got an array of shape {array.shape}: "
            "average the per-digit losses with tf.reduce_mean."
        )
    return float(array)


# --- cross-entropy from logits -------------------------------------------------------


def cross_entropy(logits, labels):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
    picked = tf.gather(log_probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1)
    return -tf.reduce_mean(picked)


def _check_cross_entropy(fn):
    tf = _tf()
    logits = tf.constant([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0]])
    labels = tf.constant([0, 2, 1])
    expected = float(cross_entropy_exercise.reference(logits, labels))
    got = _scalar(fn(logits, labels), "The loss")
    if np.isclose(got, -expected, rtol=1e-4):
        raise Hint(f"got {got:.4f}, the negative of the cross-entropy {expected:.4f}: the loss is minus the mean log-probability.")
    if np.isclose(got, 3 * expected, rtol=1e-4):
        raise Hint(f"got {got:.4f}, three times the answer {expected:.4f} for 3 digits: take the mean over the batch, not the sum.")
    if not np.isclose(got, expected, rtol=1e-4, atol=1e-6):
        raise Hint(
            f"for logits {logits.numpy().tolist()} and labels {labels.numpy().tolist()} the mean cross-entropy "
            f"is {expected:.4f}, got {got:.4f}. Pick each row's log-probability at its label: "
            "log_softmax(z) = z - logsumexp(z)."
        )
    big = tf.constant([[1000.0, 0.0, -1000.0], [0.0, -1000.0, 1000.0]])
    big_labels = tf.constant([0, 0])
    got = _scalar(fn(big, big_labels), "The loss")
    expected = float(cross_entropy_exercise.reference(big, big_labels))
    if not np.isfinite(got):
        raise Hint(
            f"for logits of +-1000 your loss is {got}: softmax rounds tiny probabilities to exactly 0 and "
            "log(0) = -inf. Work with z - tf.reduce_logsumexp(z) instead of log(softmax(z))."
        )
    if not np.isclose(got, expected, rtol=1e-4):
        raise Hint(f"for logits of +-1000 the loss is {expected:.1f}, got {got:.4f}.")


cross_entropy_exercise = Exercise(
    "cross_entropy",
    _check_cross_entropy,
    cross_entropy,
    task="Write cross_entropy(logits, labels): the mean cross-entropy from logits (N, C) and integer "
    "labels (N,), finite even for logits of +-1000. Do not call tf.nn.sparse_softmax_cross_entropy_with_logits.",
)


# --- the training step ---------------------------------------------------------------


def train_step(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _batch(seed: int = 0, n: int = 16):
    tf = _tf()
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 784)) < 0.2).astype(np.float32)
    return tf.constant(x), tf.constant(rng.integers(0, 10, n), dtype=tf.int32)


def _check_train_step(fn):
    import keras

    from ..mlp_from_scratch import MLP, cross_entropy_from_logits

    x, y = _batch()
    ours, theirs = MLP((784, 16, 10), seed=0), MLP((784, 16, 10), seed=0)
    in_order = [v for pair in zip(theirs.weights, theirs.biases) for v in pair]  # w1, b1, w2, b2
    before = [v.numpy().copy() for v in in_order]
    loss_before = float(cross_entropy_from_logits(theirs(x), y))
    got = _scalar(fn(theirs, keras.optimizers.Adam(learning_rate=1e-2), x, y), "The returned loss")
    train_step_exercise.reference(ours, keras.optimizers.Adam(learning_rate=1e-2), x, y)
    loss_after = float(cross_entropy_from_logits(theirs(x), y))
    moved = [not np.array_equal(b, v.numpy()) for b, v in zip(before, in_order)]
    if not any(moved):
        raise Hint("the weights did not change: after tape.gradient, call optimizer.apply_gradients(zip(grads, variables)).")
    if not all(moved):
        names = [v.name.split(":")[0] for v, m in zip(in_order, moved) if not m]
        raise Hint(f"{', '.join(names)} did not change: take the gradients with respect to all of model.trainable_variables.")
    if loss_after > loss_before:
        raise Hint(
            f"the loss went up ({loss_before:.3f} -> {loss_after:.3f}): the optimizer subtracts the gradients itself, "
            "so hand it the gradients of the loss as they are (not negated, not of -loss)."
        )
    for reference, variable in zip(ours.trainable_variables, theirs.trainable_variables):
        if not np.allclose(reference.numpy(), variable.numpy(), rtol=1e-4, atol=1e-6):
            raise Hint(
                f"{variable.name.split(':')[0]} moved differently from one Adam step on the loss cross_entropy_from_logits(model(x), y): "
                "use that loss and apply the gradients once."
            )
    if np.isclose(got, loss_after, rtol=1e-5) and not np.isclose(got, loss_before, rtol=1e-5):
        raise Hint("you returned the loss after the update: return the loss computed inside the tape.")
    if not np.isclose(got, loss_before, rtol=1e-4):
        raise Hint(f"the batch's loss before the step was {loss_before:.4f}, your function returned {got:.4f}.")
    published = MLP((784, 16, 10), init="normal", seed=0)
    got = _scalar(fn(published, keras.optimizers.Adam(learning_rate=1e-3), x, y), "The returned loss")
    if not np.isfinite(got):
        raise Hint(
            f"with stddev-1 weights your step's loss is {got}: compute it from the logits "
            "(cross_entropy_from_logits), not as log(softmax)."
        )


train_step_exercise = Exercise(
    "train_step",
    _check_train_step,
    train_step,
    task="Write train_step(model, optimizer, x, y): under tf.GradientTape compute the loss "
    "cross_entropy_from_logits(model(x), y), take its gradients with respect to "
    "model.trainable_variables, apply them with the optimizer, and return the loss.",
)

# the names the notebook uses: ex.cross_entropy.check(fn), ex.train_step.solution()
cross_entropy = cross_entropy_exercise  # noqa: F811
train_step = train_step_exercise  # noqa: F811

EXERCISES = (cross_entropy_exercise, train_step_exercise)
__all__ = ["EXERCISES", "cross_entropy", "train_step"]
