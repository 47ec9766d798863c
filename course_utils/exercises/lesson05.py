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
  converges smoothly for this network (the lesson's comparison shows which), or a
  schedule that starts there and has not died out after one epoch.
* ``make_flat_dataset``: ``fn(x: (N, 28, 28) uint8, y: (N,), batch_size) -> tf.data.Dataset``
  of ``(xb: (B, 784) float32 in [0, 1], yb: (B, 10) one-hot)``, shuffled anew every epoch,
  every digit once per epoch, prefetched: the pipeline for the post's network with
  ``input_shape=(784,)`` and ``categorical_crossentropy``, which the lesson does not write
  out. The check feeds digits whose pixels carry their own index, so that it can follow
  every digit through the pipeline (lost, repeated, mislabelled, not shuffled).

Taught in notebooks/05_keras_ann.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import Hint, exercise

#: Learning rates for Adam that the lesson's comparison supports: 0.01 does not settle,
#: and much below 1e-4 the network needs many more epochs.
SMALLEST_LEARNING_RATE = 1e-4
LARGEST_LEARNING_RATE = 3e-3
#: Steps of one epoch of the lesson's full run: ceil(54,000 / 128).
STEPS_PER_EPOCH = 422


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
    if any(getattr(layer, "_input_shape_arg", None) is not None for layer in model.layers):
        raise Hint(
            "a layer got input_shape=..., the Keras 2 spelling that Keras 3 warns about: make "
            "keras.Input(shape=(28, 28)) the first entry of the list instead."
        )
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
    task="Write build_model(hidden_units, dropout_rate): the lesson's kind of network (28 x 28 images in, "
    "10 probabilities out) with one ReLU layer per entry of hidden_units, each followed by dropout at "
    "dropout_rate. Return the model.",
)
def build_model(hidden_units, dropout_rate):
    import keras

    # keras.Input first (Keras 3; not input_shape= on a layer), then Flatten: a Dense layer
    # on (28, 28) images would work on each row of 28 pixels separately.
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden_units:  # a list of any length: one hidden layer per entry
        layers.append(keras.layers.Dense(units, activation="relu"))
        # Dropout after the hidden layer, never after the output: it would zero probabilities.
        layers.append(keras.layers.Dropout(dropout_rate))
    layers.append(keras.layers.Dense(10, activation="softmax"))  # 10 digits, probabilities
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
    schedule = getattr(optimizer, "_learning_rate", None)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule) and learning_rate > 0:
        after_one_epoch = float(schedule(STEPS_PER_EPOCH))
        if after_one_epoch < SMALLEST_LEARNING_RATE / 10:
            raise Hint(
                f"your schedule starts at {learning_rate:g} but is down to {after_one_epoch:.2g} after one epoch "
                f"({STEPS_PER_EPOCH} steps of 128 digits): training stops before it has learned. Let it decay "
                "over epochs, not steps (decay_steps=steps_per_epoch, as in section 3)."
            )
    if learning_rate <= 0:
        raise Hint(
            f"a learning rate of {learning_rate:g} does not learn: it must be positive (the optimizer subtracts the step itself)."
        )
    if learning_rate > LARGEST_LEARNING_RATE * (1 + 1e-6):  # float32 stores 3e-3 as 0.0030000000260
        raise Hint(
            f"a learning rate of {learning_rate:g} is too large: in the comparison, Adam with 0.01 took steps "
            "too big to settle and ended with the highest training loss. Try one about ten times smaller."
        )
    if learning_rate < SMALLEST_LEARNING_RATE * (1 - 1e-6):
        raise Hint(
            f"a learning rate of {learning_rate:g} is too small: the network would need many more epochs "
            "to learn. Try one about ten times larger."
        )


@exercise(
    _check_make_optimizer,
    task="Write make_optimizer(): return the Adam optimizer with a learning rate (or a schedule) you would "
    "pick for this network after the lesson's comparison of learning rates.",
)
def make_optimizer():
    import keras

    # 0.01 bounced around in the comparison; ten times smaller settles. Keras 3 takes
    # learning_rate= (lr= is refused). A schedule decaying per epoch would do as well.
    return keras.optimizers.Adam(learning_rate=1e-3)


# --- a pipeline for flat images and one-hot labels ------------------------------------

#: (number of digits, batch size) the check feeds: one with a smaller last batch, one without.
PIPELINE_PROBES = ((200, 32), (120, 40))


def _epoch(dataset, n):
    """One pass over ``dataset`` as (indices of the digits in order, labels, batch sizes), checked on the way."""
    import tensorflow as tf

    indices, labels, sizes = [], [], []
    try:
        elements = list(dataset.take(10 * n))
    except (tf.errors.OpError, ValueError, TypeError) as error:
        reason = str(error).strip().splitlines()[0][:200]
        raise Hint(
            f"the pipeline failed while running ({type(error).__name__}: {reason}). A reshape to "
            "(batch_size, 784) breaks on the smaller last batch: reshape to (-1, 784)."
        ) from None
    for element in elements:
        if not isinstance(element, tuple) or len(element) != 2:
            raise Hint(
                "each element should be a pair (images, labels): from_tensor_slices((x, y)) keeps them together."
            )
        xb, yb = (tf.convert_to_tensor(part) for part in element)
        if xb.shape.rank != 2 or xb.shape[-1] != 784:
            raise Hint(
                f"a batch of images has shape {tuple(xb.shape)}; the network wants (B, 784): flatten each image "
                "in the map (tf.reshape to 784 values per image)."
                if xb.shape.rank == 3
                else f"a batch of images has shape {tuple(xb.shape)}; the network wants (B, 784)."
            )
        if not xb.dtype.is_floating:
            raise Hint(
                f"the images arrive as {xb.dtype.name}: cast them to float32 and divide by 255 in the map."
            )
        if yb.shape.rank != 2 or yb.shape[-1] != 10:
            raise Hint(
                f"a batch of labels has shape {tuple(yb.shape)}; categorical_crossentropy wants one-hot rows (B, 10): "
                "tf.one_hot(labels, 10) in the map."
            )
        pixels = xb.numpy().astype(np.float64)
        if pixels.max() > 1.0 + 1e-6:
            raise Hint(
                f"pixels go up to {pixels.max():g}: divide by 255 so that they lie in [0, 1]."
            )
        index = np.rint(pixels[:, 0] * 255).astype(int)
        if not np.allclose(pixels * 255, index[:, None], atol=1e-3):
            raise Hint(
                "the pixels of an image no longer match the image they came from: reshape each image, do not mix them."
            )
        indices += index.tolist()
        labels.append(yb.numpy())
        sizes.append(len(index))
    return indices, np.concatenate(labels) if labels else np.zeros((0, 10)), sizes


def _check_one_pipeline(fn, n, batch_size):
    import tensorflow as tf

    x = np.repeat(np.arange(n, dtype=np.uint8), 784).reshape(n, 28, 28)  # digit i: every pixel is i
    y = (np.arange(n) * 7) % 10
    dataset = fn(x, y, batch_size)
    if not isinstance(dataset, tf.data.Dataset):
        raise Hint(f"return the tf.data.Dataset itself, got {type(dataset).__name__}.")
    if int(dataset.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
        raise Hint(
            "your dataset never ends (repeat()): one pass is one epoch, and model.fit starts the next itself."
        )
    if "Prefetch" not in type(dataset).__name__:
        raise Hint(
            "the pipeline should end with prefetch(tf.data.AUTOTUNE), so that the next batch is ready in time."
        )
    first, labels, sizes = _epoch(dataset, n)
    if sorted(first) != list(range(n)):
        missing = n - len(set(first))
        raise Hint(
            f"one epoch of {n} digits in batches of {batch_size} gave {len(first)} digits, {missing} missing: "
            + (
                "drop_remainder=True throws the last, smaller batch away; keep it."
                if len(first) == n - n % batch_size
                else "every digit should come exactly once per epoch."
            )
        )
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sorted(sizes) != sorted(expected_sizes):
        raise Hint(
            f"with batch_size={batch_size} the batches should hold {expected_sizes} digits, yours {sizes}."
        )
    expected_labels = np.eye(10)[y[first]]
    if not np.allclose(labels, expected_labels):
        if np.allclose(labels.sum(axis=1), 1):
            raise Hint(
                "the labels no longer belong to their images: shuffle the pairs (images, labels) together, "
                "in one dataset, not x and y separately."
            )
        raise Hint(
            "the labels should be one-hot rows: a 1 at the digit, 0 elsewhere (tf.one_hot(labels, 10))."
        )
    if first == list(range(n)):
        raise Hint("the digits come in their original order: shuffle them.")
    ends = np.cumsum(sizes)
    batches = [first[end - size : end] for end, size in zip(ends, sizes)]
    if all(max(b) - min(b) == len(b) - 1 for b in batches):
        raise Hint(
            "each batch holds neighbours of the original order: you shuffled whole batches. Shuffle the digits "
            "before batching, so that every epoch makes new batches."
        )
    if max(first[:batch_size]) < 2 * batch_size:
        raise Hint(
            "the first batch comes only from the first digits: the shuffle buffer is too small to mix them all. "
            "Give shuffle a buffer as large as the data, shuffle(len(x))."
        )
    second, _, _ = _epoch(dataset, n)
    if second == first:
        raise Hint(
            "every epoch comes in the same order: let the shuffle draw a new order each time "
            "(reshuffle_each_iteration=True, the default)."
        )


def _check_make_flat_dataset(fn):
    for n, batch_size in PIPELINE_PROBES:
        _check_one_pipeline(fn, n, batch_size)


@exercise(
    _check_make_flat_dataset,
    task="Write make_flat_dataset(x, y, batch_size): a tf.data pipeline from uint8 images (N, 28, 28) and "
    "integer labels (N,) to batches (B, 784) of float32 pixels in [0, 1] with one-hot labels (B, 10), "
    "in a new order every epoch, every digit once per epoch, prefetched.",
)
def make_flat_dataset(x, y, batch_size):
    import tensorflow as tf

    def flat_one_hot(images, labels):
        # After batch: images (B, 28, 28) -> (B, 784); -1 keeps the batch size, which is
        # smaller for the last batch. Floats in [0, 1] as the network was trained on.
        flat = tf.reshape(tf.cast(images, tf.float32) / 255.0, (-1, 784))
        return flat, tf.one_hot(labels, 10)  # (B,) ints -> (B, 10), a 1 at the digit

    dataset = tf.data.Dataset.from_tensor_slices((x, y))  # pairs: shuffling keeps them together
    # Shuffle digits, before batching, from a buffer holding all of them: new batches every
    # epoch (a small buffer only mixes neighbours; after batch it would shuffle whole batches).
    dataset = dataset.shuffle(len(x))
    dataset = dataset.batch(batch_size).map(flat_one_hot)  # keep the smaller last batch
    return dataset.prefetch(tf.data.AUTOTUNE)


EXERCISES = (build_model, make_optimizer, make_flat_dataset)
__all__ = ["EXERCISES", "build_model", "make_flat_dataset", "make_optimizer"]
