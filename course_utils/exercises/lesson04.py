"""Exercises of lesson 04: a loss that cannot become NaN, and the training step.

* ``cross_entropy``: ``fn(logits: (N, C), labels: (N,)) -> scalar``, the mean
  cross-entropy computed from the logits, finite even for logits of +-1000. The
  library's cross-entropy functions (:data:`SHORTCUTS`) are switched off while it is checked.
* ``train_step``: ``fn(model, optimizer, x: (B, 784), y: (B,)) -> loss``, one step of
  the given optimizer (the check hands it SGD, whose step is proportional to the gradient) under ``tf.GradientTape`` that returns the loss of the batch
  before the update.

Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise


def _tf():
    import tensorflow as tf

    return tf


def _scalar(value, what: str) -> float:
    if isinstance(value, (list, tuple)):
        raise Hint(
            f"{what} should be one number, the loss; your function returned a {type(value).__name__} of {len(value)} items (the gradients?)."
        )
    array = np.asarray(value)
    if array.shape != ():
        raise Hint(
            f"{what} should be one number (a scalar tensor), got an array of shape {array.shape}: "
            "average the per-digit losses with tf.reduce_mean."
        )
    return float(array)


# --- cross-entropy from logits -------------------------------------------------------

#: The library's cross-entropies, switched off while the learner's cross_entropy runs.
SHORTCUTS = (
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits",
    "tensorflow.nn.softmax_cross_entropy_with_logits",
    "keras.losses.sparse_categorical_crossentropy",
    "keras.losses.SparseCategoricalCrossentropy",
    "keras.losses.categorical_crossentropy",
    "keras.losses.CategoricalCrossentropy",
    "keras.ops.sparse_categorical_crossentropy",
    "keras.ops.categorical_crossentropy",
    "course_utils.mlp_from_scratch.cross_entropy_from_logits",
    "course_utils.losses.softmax_cross_entropy",
    "course_utils.losses.sparse_categorical_cross_entropy",
)


def _check_cross_entropy(fn):
    tf = _tf()
    logits = tf.constant([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0], [1.0, -1.0, 0.5]])
    labels = tf.constant([0, 2, 2, 1])
    n = int(labels.shape[0])
    expected = float(cross_entropy.reference(logits, labels))
    got = _scalar(fn(logits, labels), "The loss")
    log_probs = (logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)).numpy()
    rows = np.arange(n), labels.numpy()
    if not np.isclose(got, expected, rtol=1e-4, atol=1e-6):
        z = logits.numpy()
        wrong = {
            f"got {got:.4f}, the negative of the cross-entropy {expected:.4f}: the loss is minus the mean log-probability.": -expected,
            f"got {got:.4f}, {n} times the answer {expected:.4f} for {n} digits: take the mean over the batch (tf.reduce_mean), not the sum.": n
            * expected,
            "tf.gather(log_probs, labels, axis=1) without batch_dims=1 takes every row at every label (an N x N block): "
            "add batch_dims=1 so that row i gives its own label's value.": -np.mean(
                log_probs[:, labels.numpy()]
            ),
            "the log-sum-exp went down the columns: reduce each row, tf.reduce_logsumexp(logits, axis=1, keepdims=True).": -np.mean(
                (z - np.log(np.exp(z).sum(axis=0, keepdims=True)))[rows]
            ),
            "z - max(z) is not yet the log-softmax: subtract the log-sum-exp, z - tf.reduce_logsumexp(z, axis=1, keepdims=True).": -np.mean(
                (z - z.max(axis=1, keepdims=True))[rows]
            ),
        }
        for hint, value in wrong.items():
            if np.isclose(got, value, rtol=1e-4):
                raise Hint(hint)
        raise Hint(
            f"for logits {np.round(z, 2).tolist()} and labels {labels.numpy().tolist()} the mean cross-entropy "
            f"is {expected:.4f}, got {got:.4f}. Pick each row's log-probability at its label: "
            "log_softmax(z) = z - logsumexp(z)."
        )
    big = tf.constant([[1000.0, 0.0, -1000.0], [0.0, -1000.0, 1000.0]])
    big_labels = tf.constant([0, 0])
    got = _scalar(fn(big, big_labels), "The loss")
    expected = float(cross_entropy.reference(big, big_labels))
    if not np.isfinite(got):
        raise Hint(
            f"for logits of +-1000 your loss is {got}: softmax rounds tiny probabilities to exactly 0 and "
            "log(0) = -inf. Work with z - tf.reduce_logsumexp(z) instead of log(softmax(z))."
        )
    if not np.isclose(got, expected, rtol=1e-4):
        raise Hint(
            f"for logits of +-1000 the loss is {expected:.1f}, got {got:.4f}: clipping the probabilities (or adding "
            "a small eps) before the log caps the loss and hides how wrong the model is (lesson 03). Compute "
            "log-probabilities directly, z - tf.reduce_logsumexp(z, axis=1, keepdims=True)."
        )


@exercise(
    _check_cross_entropy,
    task="Write cross_entropy(logits, labels): the mean cross-entropy from logits (N, C) and integer "
    "labels (N,), finite even for logits of +-1000. Do not call tf.nn.sparse_softmax_cross_entropy_with_logits "
    "(or another library cross-entropy).",
    switched_off=SHORTCUTS,
)
def cross_entropy(logits, labels):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
    picked = tf.gather(log_probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1)
    return -tf.reduce_mean(picked)


# --- the training step ---------------------------------------------------------------


def _batch(seed: int = 0, n: int = 16):
    tf = _tf()
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 784)) < 0.2).astype(np.float32)
    return tf.constant(x), tf.constant(rng.integers(0, 10, n), dtype=tf.int32)


def _watched(optimizer, variables):
    """``optimizer`` whose apply_gradients checks its (gradient, variable) pairs and counts its calls."""
    original = optimizer.apply_gradients
    names = {id(v): v.name.split(":")[0] for v in variables}
    calls = []

    def apply_gradients(grads_and_vars, *args, **kwargs):
        pairs = list(grads_and_vars)
        calls.append(len(pairs))
        for gradient, variable in pairs:
            if id(gradient) in names and id(variable) not in names:
                raise Hint(
                    "optimizer.apply_gradients expects (gradient, variable) pairs, in that order: "
                    "zip(grads, model.trainable_variables)."
                )
            if gradient is None:
                raise Hint(
                    f"the gradient for {names.get(id(variable), 'a variable')} is None: the tape did not see the loss depend "
                    "on it. Compute model(x) and the loss inside `with tf.GradientTape() as tape:`."
                )
            if tuple(gradient.shape) != tuple(variable.shape):
                raise Hint(
                    f"a gradient of shape {tuple(gradient.shape)} was paired with {names.get(id(variable), 'a variable')} of shape "
                    f"{tuple(variable.shape)}: take the gradients with respect to the weights, "
                    "tape.gradient(loss, model.trainable_variables), not the input x."
                )
        return original(pairs, *args, **kwargs)

    optimizer.apply_gradients = apply_gradients
    return calls


def _check_train_step(fn):
    import keras

    from ..mlp_from_scratch import MLP, cross_entropy_from_logits

    x, y = _batch()
    ours, theirs = MLP((784, 16, 10), seed=0), MLP((784, 16, 10), seed=0)
    in_order = [v for pair in zip(theirs.weights, theirs.biases) for v in pair]  # w1, b1, w2, b2
    before = [v.numpy().copy() for v in in_order]
    loss_before = float(cross_entropy_from_logits(theirs(x), y))
    # plain SGD, whose step is proportional to the gradient: Adam's first step is about
    # learning_rate * sign(gradient), which turns rounding noise in tiny gradients into full steps
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    calls = _watched(optimizer, theirs.trainable_variables)
    got = _scalar(fn(theirs, optimizer, x, y), "The returned loss")
    train_step.reference(ours, keras.optimizers.SGD(learning_rate=0.5), x, y)
    loss_after = float(cross_entropy_from_logits(theirs(x), y))
    moved = [not np.array_equal(b, v.numpy()) for b, v in zip(before, in_order)]
    if not calls:
        if any(moved):
            raise Hint(
                "the weights changed, but not through the optimizer you were given (its apply_gradients was never "
                "called): use the `optimizer` argument, optimizer.apply_gradients(zip(grads, model.trainable_variables)), "
                "not a new optimizer or a hand-written update."
            )
        raise Hint(
            "the weights did not change: after tape.gradient, call optimizer.apply_gradients(zip(grads, model.trainable_variables))."
        )
    if len(calls) > 1:
        raise Hint(
            f"optimizer.apply_gradients was called {len(calls)} times: one train_step is one update, so apply the gradients once."
        )
    if not all(moved):
        names = [v.name.split(":")[0] for v, m in zip(in_order, moved) if not m]
        raise Hint(
            f"{', '.join(names)} did not change: take the gradients with respect to all of model.trainable_variables."
        )
    if loss_after > loss_before:
        raise Hint(
            f"the loss went up ({loss_before:.3f} -> {loss_after:.3f}): the optimizer subtracts the gradients itself, "
            "so hand it the gradients of the loss as they are (not negated, not of -loss)."
        )
    for reference, variable in zip(ours.trainable_variables, theirs.trainable_variables):
        if not np.allclose(reference.numpy(), variable.numpy(), rtol=1e-4, atol=1e-6):
            raise Hint(
                f"{variable.name.split(':')[0]} moved differently from one optimizer step on the loss cross_entropy_from_logits(model(x), y) "
                "(the model returns logits: no softmax before it): use that loss and apply the gradients once."
            )
    if np.isclose(got, loss_after, rtol=1e-5) and not np.isclose(got, loss_before, rtol=1e-5):
        raise Hint(
            "you returned the loss after the update: return the loss computed inside the tape."
        )
    if not np.isclose(got, loss_before, rtol=1e-4):
        raise Hint(
            f"the batch's loss before the step was {loss_before:.4f}, your function returned {got:.4f}."
        )
    published = MLP((784, 16, 10), init="normal", seed=0)
    got = _scalar(
        fn(published, keras.optimizers.Adam(learning_rate=1e-3), x, y), "The returned loss"
    )
    if not np.isfinite(got):
        raise Hint(
            f"with stddev-1 weights your step's loss is {got}: compute it from the logits "
            "(cross_entropy_from_logits), not as log(softmax)."
        )


@exercise(
    _check_train_step,
    task="Write train_step(model, optimizer, x, y): under tf.GradientTape compute the loss "
    "cross_entropy_from_logits(model(x), y), take its gradients with respect to "
    "model.trainable_variables, apply them with the optimizer, and return the loss.",
)
def train_step(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


EXERCISES = (cross_entropy, train_step)
__all__ = ["EXERCISES", "cross_entropy", "train_step"]
