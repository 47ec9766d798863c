"""Exercises of lesson 04: a loss that cannot become NaN, and the training step.

* ``cross_entropy``: ``fn(logits: (N, C), labels: (N,)) -> scalar``, the mean
  cross-entropy computed from the logits, finite even for logits of +-1000. The
  library's cross-entropy functions (:data:`SHORTCUTS`) are switched off while it is checked.
* ``train_step``: ``fn(model, optimizer, x: (B, 784), y: (B,)) -> loss``, one step of
  the given optimizer (the check hands it SGD, whose step is proportional to the gradient) under ``tf.GradientTape`` that returns the loss of the batch
  before the update.
* ``train_step_l2``: ``fn(model, optimizer, x, y, weight_decay) -> loss``, the same step on
  the cross-entropy plus L2 weight decay, ``weight_decay * sum of W**2`` over the weight
  matrices (not the biases); it returns the loss it minimised. The lesson does not write
  this one out. The check reads the size of the decay off the learner's update (how far
  each weight moved beyond the plain step, in units of the weight), which tells apart
  a missing, halved, negated or fixed decay, one matrix only, and decayed biases.

A step decorated with ``@tf.function`` is checked as the plain function (the check calls
it for several models, which one traced function cannot serve).

Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, _guarded, _LearnerError, _NotAttempted, exercise


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
        if args or not all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs):
            raise Hint(
                "optimizer.apply_gradients takes one argument, a list of (gradient, variable) pairs: "
                "zip(grads, model.trainable_variables) makes them from the two lists."
            )
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


def _plain(fn):
    """The learner's function; one decorated with ``@tf.function`` as the Python function inside."""
    inner = getattr(fn, "__wrapped__", fn)
    return _guarded(inner.python_function) if hasattr(inner, "python_function") else fn


def _call_step(fn, model, *args):
    """``fn(model, *args)``; a step that updates the weights but returns nothing is told so."""
    before = [v.numpy().copy() for v in model.trainable_variables]
    try:
        return fn(model, *args)
    except _NotAttempted:
        if any(not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables)):
            raise Hint(
                "your step updated the weights but returned nothing: end it with `return loss`, the loss of the batch."
            ) from None
        raise
    except _LearnerError as raised:
        if "labels.shape" in str(raised.error) and "logits.shape" in str(raised.error):
            raise Hint(
                "the loss got its arguments the other way round: cross_entropy_from_logits(logits, labels), "
                "that is cross_entropy_from_logits(model(x), y)."
            ) from None
        raise


def _check_train_step(fn):
    import keras

    from ..mlp_from_scratch import MLP, cross_entropy_from_logits

    fn = _plain(fn)
    x, y = _batch()
    ours, theirs = MLP((784, 16, 10), seed=0), MLP((784, 16, 10), seed=0)
    in_order = [v for pair in zip(theirs.weights, theirs.biases) for v in pair]  # w1, b1, w2, b2
    before = [v.numpy().copy() for v in in_order]
    loss_before = float(cross_entropy_from_logits(theirs(x), y))
    # plain SGD, whose step is proportional to the gradient: Adam's first step is about
    # learning_rate * sign(gradient), which turns rounding noise in tiny gradients into full steps
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    calls = _watched(optimizer, theirs.trainable_variables)
    got = _scalar(_call_step(fn, theirs, optimizer, x, y), "The returned loss")
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
    task="Write train_step(model, optimizer, x, y): one update of the model with the given optimizer, on "
    "the batch's cross-entropy computed from the logits; return the loss of the batch before the update.",
)
def train_step(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    # The tape records what happens to the variables while the loss is computed ...
    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)  # model(x) are logits: no softmax before it
    # ... and plays it backwards: one gradient per variable, in the same order.
    grads = tape.gradient(loss, model.trainable_variables)
    # The optimizer wants (gradient, variable) pairs and subtracts the step itself.
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss  # computed before the update


# --- the training step with L2 weight decay ------------------------------------------

#: The two decays the check tries, so that a number typed in instead of the argument shows.
WEIGHT_DECAYS = (0.05, 0.02)
_SGD_RATE = 0.5


def _decay_seen(before, after, plain_after):
    """The decay lambda that explains ``after`` as the plain SGD step plus ``-rate * 2 * lambda * w``.

    Returns (lambda, relative error of that fit); the fit is exact for a right answer.
    """
    extra = after - plain_after
    pull = -_SGD_RATE * 2 * before
    lam = float(np.sum(extra * pull) / max(float(np.sum(pull * pull)), 1e-30))
    scale = max(float(np.linalg.norm(extra)), 1e-12)
    return lam, float(np.linalg.norm(extra - lam * pull)) / scale


def _check_l2_once(fn, weight_decay, other):
    import keras

    from ..mlp_from_scratch import MLP, cross_entropy_from_logits

    x, y = _batch(seed=1)
    theirs, plain = MLP((784, 16, 10), seed=1), MLP((784, 16, 10), seed=1)
    for model in (theirs, plain):  # biases away from 0, so that decaying them would show
        for i, b in enumerate(model.biases):
            b.assign(np.random.default_rng(i).normal(0.0, 0.1, b.shape).astype(np.float32))
    names = [w.name.split(":")[0] for w in theirs.weights]
    weights_before = [w.numpy().copy() for w in theirs.weights]
    biases_before = [b.numpy().copy() for b in theirs.biases]
    cross_entropy_before = float(cross_entropy_from_logits(theirs(x), y))
    penalty_before = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in weights_before)
    expected = cross_entropy_before + weight_decay * penalty_before
    optimizer = keras.optimizers.SGD(learning_rate=_SGD_RATE)
    calls = _watched(optimizer, theirs.trainable_variables)
    got = _scalar(_call_step(fn, theirs, optimizer, x, y, weight_decay), "The returned loss")
    train_step.reference(
        plain, keras.optimizers.SGD(learning_rate=_SGD_RATE), x, y
    )  # without decay
    moved = [
        not np.array_equal(b, v.numpy())
        for b, v in zip(weights_before + biases_before, theirs.weights + theirs.biases)
    ]
    if not calls:
        raise Hint(
            "the optimizer you were given never applied a step (its apply_gradients was not called): "
            "optimizer.apply_gradients(zip(grads, model.trainable_variables)), once."
            if any(moved)
            else "the weights did not change: apply the gradients with optimizer.apply_gradients(zip(grads, model.trainable_variables))."
        )
    if len(calls) > 1:
        raise Hint(
            f"optimizer.apply_gradients was called {len(calls)} times: one step is one update. Add the penalty to "
            "the loss (inside the tape) and apply the gradients of the sum once."
        )
    if not all(moved):
        raise Hint(
            "some variables did not move: take the gradients with respect to all of model.trainable_variables."
        )
    for b_before, b_plain, b_theirs in zip(biases_before, plain.biases, theirs.biases):
        if not np.allclose(b_theirs.numpy(), b_plain.numpy(), rtol=1e-4, atol=1e-6):
            _, fit = _decay_seen(b_before, b_theirs.numpy(), b_plain.numpy())
            raise Hint(
                "your biases moved differently from the step without decay: "
                + ("they were decayed too. " if fit < 0.05 else "")
                + "The penalty sums the squares of the weight matrices only (model.weights), not of the biases "
                "(model.trainable_variables holds both)."
            )
    seen = [
        _decay_seen(b, w.numpy(), p.numpy())
        for b, w, p in zip(weights_before, theirs.weights, plain.weights)
    ]
    right = [abs(lam - weight_decay) <= 1e-3 * weight_decay and fit < 1e-2 for lam, fit in seen]
    if not all(right):
        if all(abs(lam) < 1e-3 * weight_decay for lam, _ in seen):
            if np.isclose(got, expected, rtol=1e-4):
                raise Hint(
                    "you return the right loss, but the step is the one without decay: the penalty was computed "
                    "outside the tape (or after tape.gradient), so its gradient never reached the optimizer. "
                    "Compute it inside `with tf.GradientTape() as tape:`, added to the cross-entropy."
                )
            mean_penalty = sum(float(np.mean(w.astype(np.float64) ** 2)) for w in weights_before)
            if np.isclose(got, cross_entropy_before + weight_decay * mean_penalty, rtol=1e-4):
                raise Hint(
                    "your penalty takes the mean of the squares (tf.reduce_mean), which divides it by the number "
                    "of weights and leaves almost nothing: the formula sums them (tf.reduce_sum)."
                )
            raise Hint(
                "your step moved the weights exactly as the step without weight decay does: add "
                "weight_decay * (sum of the squares of every weight matrix) to the loss, inside the tape."
            )
        if any(ok for ok in right):
            missed = [name for name, ok in zip(names, right) if not ok]
            raise Hint(
                f"{', '.join(missed)} did not get the decay: the penalty sums over every weight matrix "
                "(a loop over model.weights), not just one of them."
            )
        if all(
            abs(lam - weight_decay / w.size) <= 1e-2 * weight_decay / w.size
            for (lam, _), w in zip(seen, weights_before)
        ):
            raise Hint(
                "your penalty takes the mean of the squares (tf.reduce_mean), which divides each matrix's "
                "penalty by its number of weights: the formula sums them (tf.reduce_sum)."
            )
        lams = [lam for lam, _ in seen]
        fits = [fit for _, fit in seen]
        lam = float(np.mean(lams))
        if max(fits) > 0.05:
            raise Hint(
                "the extra pull of your decay is not proportional to each weight, as the gradient of "
                "weight_decay * w**2, which is 2 * weight_decay * w, would be: square each weight and sum "
                "(not abs(w), not the norm tf.norm(w) without squaring)."
            )
        if abs(lam + weight_decay) <= 1e-3 * weight_decay:
            raise Hint(
                "your decay pushes the weights away from 0: the penalty is added to the loss (+), "
                "so that minimising the loss also shrinks the weights."
            )
        if abs(lam - weight_decay / 2) <= 1e-3 * weight_decay:
            raise Hint(
                "your decay is half as strong as the formula's: tf.nn.l2_loss(w) is sum(w**2) / 2, "
                "and the gradient of weight_decay * w**2 is 2 * weight_decay * w. Sum the squares yourself."
            )
        if abs(lam - other) <= 1e-3 * other:
            raise Hint(
                f"with weight_decay={weight_decay} your step decays as if it were {other}: use the argument "
                "weight_decay, not a number of your own."
            )
        raise Hint(
            f"with weight_decay={weight_decay} your step decays the weights as if the factor were {lam:.3g}: "
            "the penalty is weight_decay * (sum of the squares of every weight matrix), added once to the loss."
        )
    if np.isclose(got, cross_entropy_before, rtol=1e-4):
        raise Hint(
            "the step is right, but you returned the cross-entropy alone: return the loss the step minimised, "
            "the cross-entropy plus the penalty."
        )
    if not np.isclose(got, expected, rtol=1e-4):
        after = float(cross_entropy_from_logits(theirs(x), y)) + weight_decay * sum(
            float(np.sum(w.numpy().astype(np.float64) ** 2)) for w in theirs.weights
        )
        if np.isclose(got, after, rtol=1e-4):
            raise Hint(
                "you returned the loss after the update: return the one computed inside the tape."
            )
        raise Hint(
            f"the step is right, but the loss before it (cross-entropy {cross_entropy_before:.4f} plus penalty "
            f"{weight_decay * penalty_before:.4f}) is {expected:.4f}, and your function returned {got:.4f}."
        )


def _check_train_step_l2(fn):
    fn = _plain(fn)
    first, second = WEIGHT_DECAYS
    _check_l2_once(fn, first, second)
    _check_l2_once(fn, second, first)


@exercise(
    _check_train_step_l2,
    task="Write train_step_l2(model, optimizer, x, y, weight_decay): one update of the model on the batch's "
    "cross-entropy (from the logits) plus weight_decay times the sum of the squares of every weight matrix "
    "(not the biases); return that loss, computed before the update.",
)
def train_step_l2(model, optimizer, x, y, weight_decay):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        cross_entropy = cross_entropy_from_logits(model(x), y)
        # Inside the tape: only what the tape records gets a gradient. model.weights are the
        # weight matrices; the biases (model.biases) only shift a unit and are not decayed.
        # Sum, not mean: every weight pays for its own size, and the gradient of
        # weight_decay * w**2 is 2 * weight_decay * w, a pull towards 0 proportional to w.
        penalty = tf.add_n([tf.reduce_sum(tf.square(w)) for w in model.weights])
        loss = cross_entropy + weight_decay * penalty
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


EXERCISES = (cross_entropy, train_step, train_step_l2)
__all__ = ["EXERCISES", "cross_entropy", "train_step", "train_step_l2"]
