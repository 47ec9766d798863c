"""Exercises of lesson 05: build the network the Keras 3 way, and pick a learning rate.

* ``build_model``: ``fn() -> keras.Model`` mapping images (N, 28, 28) to 10 class
  probabilities through Dense layers of 256, 128, 64 and 32 ReLU units. The check
  reads the model layer by layer and compares what it computes on a probe batch, so
  every way of writing it is right: ``activation="relu"`` or a separate
  ``Activation``/``ReLU`` layer, with or without ``keras.Input``, ``Flatten`` or
  ``Reshape((784,))``.
* ``make_optimizer``: ``fn() -> keras.optimizers.Adam`` with a learning rate that
  converges smoothly for this network (the lesson's comparison shows which).

Taught in notebooks/05_keras_ann.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise

EXPECTED_UNITS = [256, 128, 64, 32, 10]
#: Learning rates for Adam that the lesson's comparison supports: 0.01 does not settle,
#: and much below 1e-4 the network needs many more epochs.
SMALLEST_LEARNING_RATE = 1e-4
LARGEST_LEARNING_RATE = 3e-3


# --- build the model ----------------------------------------------------------------


def _layer_plan(model) -> list[list]:
    """The model as steps ``["flatten"]`` or ``["dense", units, activation, layer]``; a separate activation layer joins its Dense."""
    import keras

    steps = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            steps.append(["dense", layer.units, layer.activation.__name__, layer])
        elif isinstance(layer, (keras.layers.Activation, keras.layers.ReLU, keras.layers.Softmax)):
            if isinstance(layer, keras.layers.Activation):
                name = layer.activation.__name__
            elif isinstance(layer, keras.layers.Softmax):
                name = "softmax"
            else:
                plain = (
                    not layer.max_value
                    and not float(layer.negative_slope)
                    and not float(layer.threshold)
                )
                name = "relu" if plain else "a modified relu"
            if not steps or steps[-1][0] != "dense" or steps[-1][2] != "linear":
                raise Hint(
                    f"the {type(layer).__name__} layer {layer.name!r} should follow a Dense layer that has no activation of its own."
                )
            steps[-1][2] = name
        elif isinstance(layer, keras.layers.Flatten) or (
            isinstance(layer, keras.layers.Reshape) and tuple(layer.target_shape) in ((784,), (-1,))
        ):
            steps.append(["flatten"])
        else:
            raise Hint(
                f"the task's model has no {type(layer).__name__} layer ({layer.name!r}): only Flatten and Dense layers."
            )
    return steps


def _check_build_model(fn):
    import keras

    model = fn()
    if isinstance(model, type):
        raise Hint(
            f"you returned the class {model.__name__} itself: create the model, keras.Sequential([...]), and return it."
        )
    if not isinstance(model, keras.Model):
        raise Hint(f"return the model itself (a keras.Sequential), got {type(model).__name__}.")
    try:
        input_shape = tuple(model.input_shape)
    except (AttributeError, ValueError):
        input_shape = None  # no Input: the model is built by its first call below
    if input_shape is not None and input_shape != (None, 28, 28):
        raise Hint(
            f"the model takes inputs of shape {input_shape}; it should take whole images, (None, 28, 28): "
            "start with keras.Input(shape=(28, 28)) and then keras.layers.Flatten()."
        )
    steps = _layer_plan(model)
    kinds = [step[0] for step in steps]
    if "flatten" not in kinds:
        raise Hint(
            "there is no Flatten: a Dense layer on (28, 28) images works on each row of 28 pixels separately and the "
            "model outputs (N, 28, 10). Put keras.layers.Flatten() right after the input, before the first Dense."
        )
    if kinds.index("flatten") != 0 or kinds.count("flatten") > 1:
        raise Hint(
            "Flatten is in the wrong place: it must come once, right after the input and before the first Dense, "
            "so that every Dense layer sees the 784 pixels of an image as one vector."
        )
    dense = [step for step in steps if step[0] == "dense"]
    units = [step[1] for step in dense]
    if len(units) != len(EXPECTED_UNITS):
        raise Hint(
            f"the model has {len(units)} Dense layers with {units} units; the task asks for {len(EXPECTED_UNITS)}: "
            f"{EXPECTED_UNITS} (four hidden layers and the output)."
        )
    if units != EXPECTED_UNITS:
        wrong = [i + 1 for i, (u, e) in enumerate(zip(units, EXPECTED_UNITS)) if u != e]
        raise Hint(
            f"the Dense layers should have {EXPECTED_UNITS} units in that order, yours have {units} (Dense number {wrong})."
        )
    hidden = [step[2] for step in dense[:-1]]
    if any(name != "relu" for name in hidden):
        raise Hint(
            f"the hidden layers' activations are {hidden}: each hidden Dense layer needs ReLU, "
            "Dense(..., activation='relu') or Dense(...) followed by keras.layers.Activation('relu')."
        )
    if dense[-1][2] != "softmax":
        raise Hint(
            f"the last layer's activation is {dense[-1][2]!r}: it should turn the 10 scores into probabilities, "
            "activation='softmax' (or a keras.layers.Softmax() after it)."
        )
    probe = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    probs = np.asarray(model(probe))
    h = probe.reshape(3, -1).astype(np.float64)
    for i, step in enumerate(dense):
        w, b = (np.asarray(v, dtype=np.float64) for v in step[3].get_weights())
        h = h @ w + b
        h = np.maximum(h, 0) if i < len(dense) - 1 else np.exp(h - h.max(axis=1, keepdims=True))
    expected = h / h.sum(axis=1, keepdims=True)
    if probs.shape != (3, 10) or not np.allclose(probs, expected, atol=1e-4):
        raise Hint(
            "the layers look right, but the model does not compute Flatten -> Dense+ReLU x 4 -> Dense+softmax on a "
            "probe batch: check that nothing else sits between the layers."
        )


@exercise(
    _check_build_model,
    task="Write build_model(): a keras.Sequential starting with keras.Input(shape=(28, 28)) and Flatten, "
    "then Dense 256, 128, 64, 32 (ReLU) and Dense 10 (softmax). Return the model.",
)
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


# --- pick a learning rate -----------------------------------------------------------


def _check_make_optimizer(fn):
    import keras

    optimizer = fn()
    if isinstance(optimizer, type):
        raise Hint(
            f"you returned the class {optimizer.__name__} itself: call it, keras.optimizers.Adam(learning_rate=...)."
        )
    if isinstance(optimizer, (int, float)):
        raise Hint(
            f"return the optimizer, keras.optimizers.Adam(learning_rate={optimizer}), not the number."
        )
    if isinstance(optimizer, str):
        raise Hint(
            f"the string {optimizer!r} lets Keras pick the learning rate for you: return the optimizer object, "
            "keras.optimizers.Adam(learning_rate=...), with the rate you chose."
        )
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise Hint(
            f"return a Keras optimizer such as keras.optimizers.Adam(...), got {type(optimizer).__name__}."
        )
    if type(optimizer) is not keras.optimizers.Adam:
        extra = (
            " (AdamW is Adam plus weight decay, another method)"
            if isinstance(optimizer, keras.optimizers.Adam)
            else ""
        )
        raise Hint(
            f"the lesson compares learning rates for plain Adam; you returned {type(optimizer).__name__}{extra}: keras.optimizers.Adam(...)."
        )
    learning_rate = float(np.asarray(optimizer.learning_rate))  # a schedule's value at step 0
    if learning_rate <= 0:
        raise Hint(
            f"a learning rate of {learning_rate:g} does not learn: it must be positive (the optimizer subtracts the step itself)."
        )
    if learning_rate > LARGEST_LEARNING_RATE:
        raise Hint(
            f"a learning rate of {learning_rate:g} is too large: in the comparison, Adam with 0.01 took steps "
            "too big to settle and ended with the highest training loss. Try one about ten times smaller."
        )
    if learning_rate < SMALLEST_LEARNING_RATE:
        raise Hint(
            f"a learning rate of {learning_rate:g} is too small: the network would need many more epochs "
            "to learn. Try one about ten times larger."
        )


@exercise(
    _check_make_optimizer,
    task="Write make_optimizer(): return keras.optimizers.Adam with a learning rate that converges "
    "smoothly for this network (look at the comparison above). Keras 3 spells it learning_rate=.",
)
def make_optimizer():
    import keras

    return keras.optimizers.Adam(learning_rate=1e-3)


EXERCISES = (build_model, make_optimizer)
__all__ = ["EXERCISES", "build_model", "make_optimizer"]
