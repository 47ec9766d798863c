"""Exercises of lesson 05: build the network the Keras 3 way, and pick a learning rate.

* ``build_model``: ``fn() -> keras.Model`` mapping images (N, 28, 28) to 10 class
  probabilities through Dense layers of 256, 128, 64 and 32 ReLU units.
* ``make_optimizer``: ``fn() -> keras.optimizers.Adam`` with a learning rate that
  converges smoothly for this network (the lesson's comparison shows which).

Taught in notebooks/05_keras_ann.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Hint

EXPECTED_UNITS = [256, 128, 64, 32, 10]
#: Learning rates for Adam that the lesson's comparison supports: 0.01 does not settle,
#: and much below 1e-4 the network needs many more epochs.
SMALLEST_LEARNING_RATE = 1e-4
LARGEST_LEARNING_RATE = 3e-3


# --- build the model ----------------------------------------------------------------


def build_model():
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def _check_build_model(fn):
    import keras

    model = fn()
    if not isinstance(model, keras.Model):
        raise Hint(f"return the model itself (a keras.Sequential), got {type(model).__name__}.")
    try:
        input_shape = tuple(model.input_shape)
    except (AttributeError, ValueError) as error:
        raise Hint("the model has no input yet: make keras.Input(shape=(28, 28)) its first entry.") from error
    if input_shape != (None, 28, 28):
        raise Hint(
            f"the model takes inputs of shape {input_shape}; it should take whole images, (None, 28, 28): "
            "start with keras.Input(shape=(28, 28)) and then keras.layers.Flatten()."
        )
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    units = [layer.units for layer in dense]
    if units != EXPECTED_UNITS:
        raise Hint(f"the Dense layers should have {EXPECTED_UNITS} units, yours have {units}.")
    hidden = [layer.activation.__name__ for layer in dense[:-1]]
    if any(name != "relu" for name in hidden):
        raise Hint(f"the hidden layers' activations are {hidden}: give each hidden Dense layer activation='relu'.")
    probs = np.asarray(model(np.random.default_rng(0).random((3, 28, 28)).astype("float32")))
    if not (np.allclose(probs.sum(axis=1), 1.0, atol=1e-4) and (probs >= 0).all()):
        raise Hint(
            "the outputs are not probabilities (they should be >= 0 and sum to 1 per image): "
            "give the last Dense layer activation='softmax'."
        )
    expected = 244_522
    if model.count_params() != expected:
        raise Hint(f"the model has {model.count_params():,} parameters, expected {expected:,}: is there an extra layer?")


build_model_exercise = Exercise(
    "build_model",
    _check_build_model,
    build_model,
    task="Write build_model(): a keras.Sequential starting with keras.Input(shape=(28, 28)) and Flatten, "
    "then Dense 256, 128, 64, 32 (ReLU) and Dense 10 (softmax). Return the model.",
)


# --- pick a learning rate -----------------------------------------------------------


def make_optimizer():
    import keras

    return keras.optimizers.Adam(learning_rate=1e-3)


def _check_make_optimizer(fn):
    import keras

    try:
        optimizer = fn()
    except (TypeError, ValueError) as error:
        if "lr" in str(error):
            raise Hint("Keras 3 no longer knows lr=: write keras.optimizers.Adam(learning_rate=...).") from error
        raise
    if isinstance(optimizer, (int, float)):
        raise Hint(f"return the optimizer, keras.optimizers.Adam(learning_rate={optimizer}), not the number.")
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise Hint(f"return a Keras optimizer such as keras.optimizers.Adam(...), got {type(optimizer).__name__}.")
    if not isinstance(optimizer, keras.optimizers.Adam):
        raise Hint(f"the lesson compares learning rates for Adam; you returned {type(optimizer).__name__}.")
    learning_rate = float(np.asarray(optimizer.learning_rate))  # a schedule's value at step 0
    if learning_rate > LARGEST_LEARNING_RATE:
        raise Hint(
            f"a learning rate of {learning_rate:g} is too large: in the comparison, Adam with 0.01 took steps "
            "too big to settle and ended with the highest training loss. Try one about ten times smaller."
        )
    if learning_rate < SMALLEST_LEARNING_RATE:
        raise Hint(
            f"a learning rate of {learning_rate:g} is so small that the network would need many more epochs "
            "to learn. Try one about ten times larger."
        )


make_optimizer_exercise = Exercise(
    "make_optimizer",
    _check_make_optimizer,
    make_optimizer,
    task="Write make_optimizer(): return keras.optimizers.Adam with a learning rate that converges "
    "smoothly for this network (look at the comparison above). Keras 3 spells it learning_rate=.",
)

# the names the notebook uses: ex.build_model.check(fn), ex.make_optimizer.solution()
build_model = build_model_exercise  # noqa: F811
make_optimizer = make_optimizer_exercise  # noqa: F811

EXERCISES = (build_model_exercise, make_optimizer_exercise)
__all__ = ["EXERCISES", "build_model", "make_optimizer"]
