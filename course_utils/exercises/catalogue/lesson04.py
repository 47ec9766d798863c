"""Plausible answers, right and wrong, to the exercises of lesson 04 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case, _course
from .lesson03 import _ce_ref


def _tf_ce_ref(logits, labels):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
    return -tf.reduce_mean(tf.gather(log_probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1))


def _tf_log_probs(logits, keepdims=True, axis=1):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    return logits - tf.reduce_logsumexp(logits, axis=axis, keepdims=keepdims)


def _tf_ce_one_hot(logits, labels):
    import tensorflow as tf

    one_hot = tf.one_hot(labels, depth=tf.shape(logits)[1])
    return -tf.reduce_mean(
        tf.reduce_sum(one_hot * tf.nn.log_softmax(tf.cast(logits, tf.float32)), axis=1)
    )


def _tf_ce_numpy(logits, labels):
    return _ce_ref(np.asarray(logits, dtype=np.float64), np.asarray(labels))


def _tf_ce_forbidden(logits, labels):
    import tensorflow as tf

    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def _tf_ce_keras(logits, labels):
    import keras

    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)


def _tf_ce_dense_forbidden(logits, labels):
    import tensorflow as tf

    one_hot = tf.one_hot(labels, depth=logits.shape[1])
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=one_hot, logits=logits))


def _tf_ce_naive(logits, labels):
    import tensorflow as tf

    probs = tf.nn.softmax(tf.cast(logits, tf.float32))
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))


def _tf_ce_clipped(logits, labels):
    import tensorflow as tf

    probs = tf.clip_by_value(tf.nn.softmax(tf.cast(logits, tf.float32)), 1e-7, 1.0)
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))


def _tf_pick(log_probs, labels):
    import tensorflow as tf

    return tf.gather(log_probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1)


def _tf_ce_variant(transform):
    def cross_entropy(logits, labels):
        return transform(_tf_log_probs(logits), labels)

    return cross_entropy


def _tf_ce_no_keepdims(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(_tf_pick(_tf_log_probs(logits, keepdims=False), labels))


def _tf_ce_gather_no_batch_dims(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(tf.gather(_tf_log_probs(logits), labels, axis=1))


def _tf_ce_axis0(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(_tf_pick(_tf_log_probs(logits, axis=0), labels))


def _tf_ce_max_only(logits, labels):
    import tensorflow as tf

    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    return -tf.reduce_mean(_tf_pick(logits - tf.reduce_max(logits, axis=1, keepdims=True), labels))


def _tf_reduce(name):
    import tensorflow as tf

    return getattr(tf, name)


def _tf_ce_tf_keras(logits, labels):
    import tensorflow as tf

    return tf.reduce_mean(
        tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    )


CROSS_ENTROPY_TF = [
    Case("reference", _tf_ce_ref, ACCEPTED),
    Case("one-hot and log_softmax", _tf_ce_one_hot, ACCEPTED),
    Case("numpy, returns a float", _tf_ce_numpy, ACCEPTED),
    Case(
        "forbidden: tf.nn.sparse_softmax_cross_entropy_with_logits",
        _tf_ce_forbidden,
        r"sparse_softmax_cross_entropy_with_logits|yourself",
    ),
    Case("forbidden: keras SparseCategoricalCrossentropy", _tf_ce_keras, r"yourself|library|Keras"),
    Case(
        "forbidden: tf.nn.softmax_cross_entropy_with_logits",
        _tf_ce_dense_forbidden,
        r"yourself|library",
    ),
    Case("naive log(softmax)", _tf_ce_naive, r"log\(0\)|inf|log-softmax|reduce_logsumexp"),
    Case("clipped log(softmax)", _tf_ce_clipped, r"clip"),
    Case("logsumexp without keepdims", _tf_ce_no_keepdims, r"keepdims"),
    Case("gather without batch_dims", _tf_ce_gather_no_batch_dims, r"batch_dims"),
    Case(
        "reduce_sum instead of mean",
        _tf_ce_variant(lambda lp, lb: -_tf_reduce("reduce_sum")(_tf_pick(lp, lb))),
        r"mean|sum",
    ),
    Case(
        "missing minus sign",
        _tf_ce_variant(lambda lp, lb: _tf_reduce("reduce_mean")(_tf_pick(lp, lb))),
        r"sign|minus|negative",
    ),
    Case("logsumexp over axis 0", _tf_ce_axis0, r"axis"),
    Case("subtracts the max only", _tf_ce_max_only, r"logsumexp|log-sum-exp"),
    Case(
        "returns per-example losses",
        _tf_ce_variant(lambda lp, lb: -_tf_pick(lp, lb)),
        r"one number|mean|scalar",
    ),
    Case(
        "the course's own mlp.cross_entropy_from_logits",
        lambda lg, lb: _course("mlp_from_scratch").cross_entropy_from_logits(lg, lb),
        r"switched off",
    ),
    Case(
        "forbidden: tf.keras.losses.sparse_categorical_crossentropy",
        _tf_ce_tf_keras,
        r"switched off",
    ),
]


def _ts_ref(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_numpy_loss(model, optimizer, x, y):
    loss = _ts_ref(model, optimizer, x, y)
    return float(loss.numpy())


def _ts_keras_loss(model, optimizer, x, y):
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_no_apply(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    tape.gradient(loss, model.trainable_variables)
    return loss


def _ts_loss_outside_tape(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        logits = model(x)
    loss = cross_entropy_from_logits(logits, y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_no_tape(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    loss = cross_entropy_from_logits(model(x), y)
    with tf.GradientTape() as tape:
        pass
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_own_optimizer(model, optimizer, x, y):
    import keras

    return _ts_ref(model, keras.optimizers.SGD(learning_rate=0.1), x, y)


def _ts_manual_sgd(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    for g, v in zip(grads, model.trainable_variables):
        v.assign_sub(0.01 * g)
    return loss


def _ts_ascent(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in grads], model.trainable_variables))
    return loss


def _ts_swapped_pairs(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(model.trainable_variables, grads))
    return loss


def _ts_returns_grads(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return grads


def _ts_twice(model, optimizer, x, y):
    _ts_ref(model, optimizer, x, y)
    return _ts_ref(model, optimizer, x, y)


def _ts_mse(model, optimizer, x, y):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - tf.one_hot(y, 10)) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_grad_wrt_x(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, x)
    optimizer.apply_gradients(zip([grads], model.trainable_variables))
    return loss


def _ts_softmax_twice(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(tf.nn.softmax(model(x)), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


TRAIN_STEP = [
    Case("reference", _ts_ref, ACCEPTED),
    Case("returns a float", _ts_numpy_loss, ACCEPTED),
    Case("Keras's loss object, from_logits=True", _ts_keras_loss, ACCEPTED),
    Case("never applies the gradients", _ts_no_apply, r"apply_gradients"),
    Case(
        "loss computed outside the tape",
        _ts_loss_outside_tape,
        r"inside|under|with tf\.GradientTape",
    ),
    Case("no tape at all around the loss", _ts_no_tape, r"inside|under|with tf\.GradientTape"),
    Case(
        "ignores the optimizer it was given",
        _ts_own_optimizer,
        r"optimizer you were given|optimizer argument|given optimizer",
    ),
    Case("manual SGD update", _ts_manual_sgd, r"optimizer"),
    Case("gradient ascent (-g)", _ts_ascent, r"negat|went up"),
    Case(
        "(variable, gradient) pairs swapped",
        _ts_swapped_pairs,
        r"\(gradient, variable\)|pairs|order",
    ),
    Case("returns the gradients", _ts_returns_grads, r"return the loss|one number"),
    Case("two steps", _ts_twice, r"once|one step|twice"),
    Case("mean squared error", _ts_mse, r"cross_entropy_from_logits|loss"),
    Case("gradient with respect to x", _ts_grad_wrt_x, r"trainable_variables"),
    Case("softmax before the loss from logits", _ts_softmax_twice, r"logits|softmax"),
]


CATALOGUE = {
    ("lesson04", "cross_entropy"): CROSS_ENTROPY_TF,
    ("lesson04", "train_step"): TRAIN_STEP,
}
