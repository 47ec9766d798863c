"""Exercises of lesson 05: build the network the Keras 3 way, and pick a learning rate.

* ``build_model``: ``fn(hidden_units, dropout_rate) -> keras.Model``, a variant of the
  lesson's network: images (N, 28, 28) to 10 class probabilities through one Dense
  ReLU layer per entry of ``hidden_units``, each followed by ``Dropout(dropout_rate)``.
  The check builds models for sizes and rates other than the lesson's, reads them
  layer by layer and compares what they compute (at inference) on a probe batch, so
  every way of writing it is right: ``activation="relu"`` or a separate
  ``Activation``/``ReLU`` layer (before or after the Dropout), with or without
  ``keras.Input``, ``Flatten`` or ``Reshape((784,))``.
* ``make_optimizer``: ``fn() -> keras.optimizers.Adam`` with a learning rate that
  converges smoothly for this network (the lesson's comparison shows which).

Taught in notebooks/05_keras_ann.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise

#: Learning rates for Adam that the lesson's comparison supports: 0.01 does not settle,
#: and much below 1e-4 the network needs many more epochs.
SMALLEST_LEARNING_RATE = 1e-4
LARGEST_LEARNING_RATE = 3e-3


# --- build the model ----------------------------------------------------------------

#: The arguments the check builds a model with: other sizes than the lesson's, other rates.
PROBES = (([512, 128], 0.2), ([64], 0.3), ([100, 50, 25], 0.1))


def _layer_plan(model) -> list[list]:
    """The model as steps ``["flatten"]``, ``["dropout", rate]`` or ``["dense", units, activation, layer]``.

    A separate activation layer joins the Dense before it (Dropout layers may sit between).
    """
    import keras

    steps = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            steps.append(["dense", layer.units, layer.activation.__name__, layer])
        elif type(layer) is keras.layers.Dropout:
            steps.append(["dropout", float(layer.rate)])
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
            last = next((step for step in reversed(steps) if step[0] != "dropout"), None)
            if last is None or last[0] != "dense" or last[2] != "linear":
                raise Hint(
                    f"the {type(layer).__name__} layer {layer.name!r} should follow a Dense layer that has no activation of its own."
                )
            last[2] = name
        elif isinstance(layer, keras.layers.Flatten) or (
            isinstance(layer, keras.layers.Reshape) and tuple(layer.target_shape) in ((784,), (-1,))
        ):
            steps.append(["flatten"])
        else:
            raise Hint(
                f"the task's model has no {type(layer).__name__} layer ({layer.name!r}): only Flatten, Dense and "
                "keras.layers.Dropout layers."
            )
    return steps


def _check_dropout(steps, hidden_units, rate):
    """Exactly one Dropout(rate) after each hidden Dense layer, none elsewhere."""
    dense_at = [i for i, step in enumerate(steps) if step[0] == "dense"]
    rates = [step[1] for step in steps if step[0] == "dropout"]
    if not rates:
        raise Hint(
            "there is no Dropout layer: put keras.layers.Dropout(dropout_rate) after each hidden Dense layer."
        )
    if any(step[0] == "dropout" for step in steps[: dense_at[0]]):
        raise Hint(
            "a Dropout sits before the first Dense layer, on the pixels themselves: the task puts one after "
            "each hidden Dense layer only."
        )
    if any(step[0] == "dropout" for step in steps[dense_at[-1] + 1 :]):
        raise Hint(
            "a Dropout sits after the output layer: it would zero some of the 10 probabilities while training. "
            "Put Dropout after each hidden Dense layer only, not after the last one."
        )
    for number, (here, after) in enumerate(zip(dense_at, dense_at[1:]), start=1):
        between = after - here - 1
        if between != 1:
            raise Hint(
                f"with hidden_units={hidden_units}, hidden Dense layer number {number} is followed by "
                f"{between} Dropout layers: put exactly one after each hidden Dense layer."
            )
    if all(abs(r - rate) < 1e-9 for r in rates):
        return
    if all(abs(r - (1 - rate)) < 1e-9 for r in rates):
        raise Hint(
            f"your Dropout rates are {rates} for dropout_rate={rate}: Keras' rate is the fraction of inputs "
            "set to zero, not the fraction kept, so pass dropout_rate as it is."
        )
    raise Hint(
        f"your Dropout rates are {rates} for dropout_rate={rate}: pass the argument, "
        "keras.layers.Dropout(dropout_rate), instead of a number of your own."
    )


def _check_one_model(fn, hidden_units, rate):
    import keras

    model = fn(list(hidden_units), rate)
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
    expected = [*hidden_units, 10]
    if units != expected:
        lesson = (
            " (the lesson's network: build one hidden layer per entry of hidden_units)"
            if units[:-1] == [256, 128, 64, 32]
            else ""
        )
        raise Hint(
            f"with hidden_units={hidden_units}, the Dense layers should have {expected} units in that order; "
            f"yours have {units}{lesson}."
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
    _check_dropout(steps, hidden_units, rate)
    probe = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    probs = np.asarray(model(probe, training=False))
    h = probe.reshape(3, -1).astype(np.float64)
    for i, step in enumerate(dense):
        w, b = (np.asarray(v, dtype=np.float64) for v in step[3].get_weights())
        h = h @ w + b
        h = np.maximum(h, 0) if i < len(dense) - 1 else np.exp(h - h.max(axis=1, keepdims=True))
    if probs.shape != (3, 10) or not np.allclose(
        probs, h / h.sum(axis=1, keepdims=True), atol=1e-4
    ):
        raise Hint(
            "the layers look right, but the model does not compute Flatten -> (Dense+ReLU, Dropout) per hidden "
            "layer -> Dense+softmax on a probe batch: check that nothing else sits between the layers."
        )


def _check_build_model(fn):
    for hidden_units, rate in PROBES:
        _check_one_model(fn, hidden_units, rate)


@exercise(
    _check_build_model,
    task="Write build_model(hidden_units, dropout_rate): a keras.Sequential starting with keras.Input(shape=(28, 28)) "
    "and Flatten, then for each entry of hidden_units a Dense layer of that many ReLU units followed by "
    "keras.layers.Dropout(dropout_rate), and Dense 10 (softmax) at the end. Return the model.",
)
def build_model(hidden_units, dropout_rate):
    import keras

    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden_units:
        layers.append(keras.layers.Dense(units, activation="relu"))
        layers.append(keras.layers.Dropout(dropout_rate))
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers)


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
