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


def _tf_ce_ignores_labels(logits, labels):
    import tensorflow as tf

    return -tf.reduce_mean(tf.reduce_max(tf.nn.log_softmax(logits), axis=1))


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
    Case(
        "the largest log-probability of each row, whatever the label",
        _tf_ce_ignores_labels,
        r"at its label",
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


class _TfFunctionLater:
    """``fn`` decorated with ``@tf.function``, made on first use (the catalogue loads without TensorFlow)."""

    def __init__(self, fn):
        self._fn, self._made = fn, None
        self.__signature__ = __import__("inspect").signature(fn)

    def _function(self):
        if self._made is None:
            import tensorflow as tf

            self._made = tf.function(self._fn)
        return self._made

    def __call__(self, *args, **kwargs):
        return self._function()(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._function(), name)


def _ts_no_zip(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(grads, model.trainable_variables)
    return loss


def _ts_swapped_loss_arguments(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_no_return(model, optimizer, x, y):
    _ts_ref(model, optimizer, x, y)


def _ts_first_layer_only(model, optimizer, x, y):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    variables = [model.weights[0], model.biases[0]]
    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss


def _ts_loss_after_update(model, optimizer, x, y):
    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    _ts_ref(model, optimizer, x, y)
    return cross_entropy_from_logits(model(x), y)


def _ts_log_of_softmax(model, optimizer, x, y):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        probs = tf.nn.softmax(model(x))
        loss = -tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, 10) * tf.math.log(probs), axis=1))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _ts_returns_tuple(model, optimizer, x, y):
    return _ts_ref(model, optimizer, x, y), 0


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
    Case("decorated with @tf.function", _TfFunctionLater(_ts_ref), ACCEPTED),
    Case("apply_gradients(grads, variables) without zip", _ts_no_zip, r"zip|pairs"),
    Case("updates but returns nothing", _ts_no_return, r"return"),
    Case(
        "loss(labels, logits): arguments swapped",
        _ts_swapped_loss_arguments,
        r"other way round|order",
    ),
    Case("only the first layer's variables", _ts_first_layer_only, r"w2, b2 did not change"),
    Case("returns the loss after the update", _ts_loss_after_update, r"after the update"),
    Case("the loss as log(softmax)", _ts_log_of_softmax, r"log\(softmax\)"),
    Case("returns (loss, 0)", _ts_returns_tuple, r"one number"),
]


CATALOGUE = {
    ("lesson04", "cross_entropy"): CROSS_ENTROPY_TF,
    ("lesson04", "train_step"): TRAIN_STEP,
}


# --- train_step_l2 ---------------------------------------------------------------------


def _l2_step(penalty, *, returned="total", decay_argument=True):
    """A train_step_l2 whose penalty is ``penalty(model, weight_decay)``, computed inside the tape."""

    def train_step_l2(model, optimizer, x, y, weight_decay):
        import tensorflow as tf

        from course_utils.mlp_from_scratch import cross_entropy_from_logits

        decay = weight_decay if decay_argument else 0.01
        with tf.GradientTape() as tape:
            cross_entropy = cross_entropy_from_logits(model(x), y)
            loss = cross_entropy + penalty(model, decay)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss if returned == "total" else cross_entropy

    return train_step_l2


def _sum_squares(variables):
    import tensorflow as tf

    return tf.add_n([tf.reduce_sum(tf.square(v)) for v in variables])


def _l2_ref(model, optimizer, x, y, weight_decay):
    return _l2_step(lambda m, wd: wd * _sum_squares(m.weights))(
        model, optimizer, x, y, weight_decay
    )


def _l2_loop_float(model, optimizer, x, y, weight_decay):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
        for w in model.weights:
            loss += weight_decay * tf.reduce_sum(w * w)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)


def _l2_twice_l2_loss(model, optimizer, x, y, weight_decay):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        penalty = sum(2 * tf.nn.l2_loss(w) for w in model.weights)
        loss = cross_entropy_from_logits(model(x), y) + weight_decay * penalty
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _l2_gradient_by_hand(model, optimizer, x, y, weight_decay):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        cross_entropy = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(cross_entropy, model.trainable_variables)
    weight_ids = {id(w) for w in model.weights}
    grads = [
        g + 2 * weight_decay * v if id(v) in weight_ids else g
        for g, v in zip(grads, model.trainable_variables)
    ]
    penalty = weight_decay * _sum_squares(model.weights)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return cross_entropy + penalty


def _l2_outside_tape(model, optimizer, x, y, weight_decay):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        cross_entropy = cross_entropy_from_logits(model(x), y)
    loss = cross_entropy + weight_decay * _sum_squares(model.weights)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _l2_two_steps(model, optimizer, x, y, weight_decay):
    import tensorflow as tf

    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    with tf.GradientTape() as tape:
        cross_entropy = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(cross_entropy, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    with tf.GradientTape() as tape:
        penalty = weight_decay * _sum_squares(model.weights)
    grads = tape.gradient(penalty, model.weights)
    optimizer.apply_gradients(zip(grads, model.weights))
    return cross_entropy + penalty


def _l2_after_update(model, optimizer, x, y, weight_decay):
    from course_utils.mlp_from_scratch import cross_entropy_from_logits

    _l2_ref(model, optimizer, x, y, weight_decay)
    return cross_entropy_from_logits(model(x), y) + weight_decay * _sum_squares(model.weights)


def _l2_no_return(model, optimizer, x, y, weight_decay):
    _l2_ref(model, optimizer, x, y, weight_decay)


def _tf():
    import tensorflow as tf

    return tf


TRAIN_STEP_L2 = [
    Case("reference", _l2_ref, ACCEPTED),
    Case("a loop adding each matrix's penalty, returns a float", _l2_loop_float, ACCEPTED),
    Case("2 * tf.nn.l2_loss(w)", _l2_twice_l2_loss, ACCEPTED),
    Case(
        "2 * weight_decay * w added to the weights' gradients by hand",
        _l2_gradient_by_hand,
        ACCEPTED,
    ),
    Case("decorated with @tf.function", _TfFunctionLater(_l2_ref), ACCEPTED),
    Case("no penalty at all", _l2_step(lambda m, wd: 0.0), r"without (weight )?decay"),
    Case("penalty computed outside the tape", _l2_outside_tape, r"outside the tape|inside"),
    Case(
        "biases decayed too (trainable_variables)",
        _l2_step(lambda m, wd: wd * _sum_squares(m.trainable_variables)),
        r"bias",
    ),
    Case(
        "tf.nn.l2_loss, half the decay",
        _l2_step(lambda m, wd: wd * _tf().add_n([_tf().nn.l2_loss(w) for w in m.weights])),
        r"l2_loss|half",
    ),
    Case(
        "mean of the squares",
        _l2_step(lambda m, wd: wd * _tf().add_n([_tf().reduce_mean(w**2) for w in m.weights])),
        r"mean|sum",
    ),
    Case(
        "penalty subtracted",
        _l2_step(lambda m, wd: -wd * _sum_squares(m.weights)),
        r"away from 0|added|\+",
    ),
    Case(
        "L1: abs instead of squares",
        _l2_step(
            lambda m, wd: wd * _tf().add_n([_tf().reduce_sum(_tf().abs(w)) for w in m.weights])
        ),
        r"square|abs",
    ),
    Case(
        "the norm, not squared",
        _l2_step(lambda m, wd: wd * _tf().add_n([_tf().norm(w) for w in m.weights])),
        r"norm|square",
    ),
    Case(
        "only the first weight matrix",
        _l2_step(lambda m, wd: wd * _tf().reduce_sum(m.weights[0] ** 2)),
        r"every weight matrix|w2",
    ),
    Case(
        "a fixed decay of 0.01 instead of the argument",
        _l2_step(lambda m, wd: wd * _sum_squares(m.weights), decay_argument=False),
        r"argument|weight_decay",
    ),
    Case(
        "returns the cross-entropy alone",
        _l2_step(lambda m, wd: wd * _sum_squares(m.weights), returned="ce"),
        r"penalty|cross-entropy alone",
    ),
    Case("a second optimizer step for the penalty", _l2_two_steps, r"once|one update|times"),
    Case("returns the loss after the update", _l2_after_update, r"after the update"),
    Case("updates but returns nothing", _l2_no_return, r"return"),
]

CATALOGUE[("lesson04", "train_step_l2")] = TRAIN_STEP_L2
