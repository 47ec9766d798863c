"""The checkers of lessons 04 and 05: every answer in a catalogue of typical mistakes
fails with its own hint. What every exercise must do is tested in test_exercises.py."""



import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.exercises import FAILED, lesson04, lesson05
from course_utils.mlp_from_scratch import cross_entropy_from_logits

# --- lesson 04: cross_entropy ---------------------------------------------------------


def ce_log_of_softmax(logits, labels):
    probs = tf.nn.softmax(logits)
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))


def ce_sum(logits, labels):
    return -tf.reduce_sum(tf.gather(tf.nn.log_softmax(logits), labels, axis=1, batch_dims=1))


def ce_no_minus(logits, labels):
    return tf.reduce_mean(tf.gather(tf.nn.log_softmax(logits), labels, axis=1, batch_dims=1))


def ce_per_digit(logits, labels):
    return -tf.gather(tf.nn.log_softmax(logits), labels, axis=1, batch_dims=1)


def ce_ignores_labels(logits, labels):
    return -tf.reduce_mean(tf.reduce_max(tf.nn.log_softmax(logits), axis=1))


def ce_unstable_logsumexp(logits, labels):
    log_probs = logits - tf.math.log(tf.reduce_sum(tf.exp(logits), axis=1, keepdims=True))
    return -tf.reduce_mean(tf.gather(log_probs, labels, axis=1, batch_dims=1))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (ce_log_of_softmax, "log(0)"),
        (ce_unstable_logsumexp, "log(0)"),
        (ce_sum, "not the sum"),
        (ce_no_minus, "negative"),
        (ce_per_digit, "reduce_mean"),
        (ce_ignores_labels, "at its label"),
    ],
)
def test_cross_entropy_catches_mistakes(wrong, hint):
    result = lesson04.cross_entropy.evaluate(wrong)
    assert result.status == FAILED
    assert hint in result.message, result.message


def test_the_library_loss_is_a_forbidden_shortcut_in_the_cross_entropy_exercise():
    result = lesson04.cross_entropy.evaluate(
        cross_entropy_from_logits
    )  # it calls tf.nn.sparse_softmax_...
    assert result.status == FAILED
    assert "switched off" in result.message, result.message
    assert lesson04.cross_entropy.evaluate(lesson04.cross_entropy.reference).passed, (
        "the shortcuts are restored"
    )
    assert float(cross_entropy_from_logits(np.zeros((2, 3), np.float32), np.array([0, 1]))) > 0


# --- lesson 04: train_step ------------------------------------------------------------


def step_without_update(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    tape.gradient(loss, model.trainable_variables)
    return loss


def step_ascent(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in grads], model.trainable_variables))
    return loss


def step_first_layer_only(model, optimizer, x, y):
    variables = [model.weights[0], model.biases[0]]
    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss


def step_returns_loss_after(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = cross_entropy_from_logits(model(x), y)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return cross_entropy_from_logits(model(x), y)


def step_twice(model, optimizer, x, y):
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = cross_entropy_from_logits(model(x), y)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def step_log_softmax(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        probs = tf.nn.softmax(model(x))
        loss = -tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, 10) * tf.math.log(probs), axis=1))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def step_returns_tuple(model, optimizer, x, y):
    return step_without_update(model, optimizer, x, y), 0


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (step_without_update, "did not change"),
        (step_ascent, "went up"),
        (step_first_layer_only, "w2, b2 did not change"),
        (step_returns_loss_after, "after the update"),
        (step_twice, "called 2 times"),
        (step_log_softmax, "log(softmax)"),
        (step_returns_tuple, "one number"),
    ],
)
def test_train_step_catches_mistakes(wrong, hint):
    result = lesson04.train_step.evaluate(wrong)
    assert result.status == FAILED
    assert hint in result.message, result.message


# --- lesson 05: build_model -----------------------------------------------------------


def dense_stack(first_layers, hidden="relu", output=(10, "softmax"), dropout=True):
    def build(hidden_units, dropout_rate):
        layers = list(first_layers)
        for n in hidden_units:
            layers.append(keras.layers.Dense(n, activation=hidden))
            layers += [keras.layers.Dropout(dropout_rate)] if dropout else []
        return keras.Sequential([*layers, keras.layers.Dense(output[0], activation=output[1])])

    return build


IMAGE = (keras.Input(shape=(28, 28)), keras.layers.Flatten())


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda hidden_units, dropout_rate: [keras.layers.Dense(10)], "return the model itself"),
        (dense_stack([keras.Input(shape=(784,))]), "(None, 28, 28)"),
        (dense_stack(IMAGE, hidden="sigmoid"), "activation='relu'"),
        (dense_stack(IMAGE, output=(10, None)), "activation='softmax'"),
        (dense_stack(IMAGE, output=(1, "sigmoid")), "[512, 128, 10]"),
        (dense_stack(IMAGE, dropout=False), "no Dropout layer"),
    ],
)
def test_build_model_catches_mistakes(wrong, hint):
    result = lesson05.build_model.evaluate(wrong)
    assert result.status == FAILED
    assert hint in result.message, result.message


def test_the_lessons_own_network_is_not_the_answer_to_the_variant():
    """The check builds other sizes than the lesson's: the network of section 2 does not pass."""
    from course_utils.keras_dense import build_dense_model

    result = lesson05.build_model.evaluate(lambda hidden_units, dropout_rate: build_dense_model())
    assert result.status == FAILED
    assert "the lesson's network" in result.message, result.message


# --- lesson 05: make_optimizer --------------------------------------------------------


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda: keras.optimizers.Adam(lr=0.001), "learning_rate="),
        (lambda: 0.001, "not the number"),
        (lambda: "adam", "return the optimizer object"),
        (lambda: keras.optimizers.SGD(learning_rate=0.001), "SGD"),
        (lambda: keras.optimizers.Adam(learning_rate=0.01), "too large"),
        (lambda: keras.optimizers.Adam(learning_rate=1e-6), "too small"),
    ],
)
def test_make_optimizer_catches_mistakes(wrong, hint):
    result = lesson05.make_optimizer.evaluate(wrong)
    assert result.status == FAILED
    assert hint in result.message, result.message


def test_make_optimizer_accepts_a_decaying_schedule_that_starts_in_range():
    schedule = keras.optimizers.schedules.ExponentialDecay(2e-3, decay_steps=100, decay_rate=0.5)
    assert lesson05.make_optimizer.evaluate(
        lambda: keras.optimizers.Adam(learning_rate=schedule)
    ).passed
