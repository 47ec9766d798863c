"""A Keras ``Sequential`` network of Dense layers, trained the Keras 3 way.

The pieces of lesson 05:

* The lesson writes ``keras.Sequential([...])``, ``model.compile(...)``,
  ``model.fit(...)``, ``model.save(...)`` and ``keras.models.load_model(...)`` in its
  cells: Keras' own API is the lesson. :func:`build_dense_model` is the same network
  as a function (for the learning-rate comparison and the exercise's check).
* :func:`decaying_learning_rate`: a schedule for ``keras.optimizers.Adam(learning_rate=...)``.
* :func:`make_dataset`: a ``tf.data`` pipeline (shuffle, batch, map :func:`scale_batch`,
  prefetch) from uint8 images ``(N, 28, 28)`` and labels ``(N,)`` to batches of float32
  pixels in [0, 1].
* :func:`training_callbacks`: early stopping and a checkpoint written to a ``.keras``
  file; :class:`EpochTimer` (the course's one epoch timer, :mod:`course_utils.history`)
  measures the seconds of each epoch.

The lesson writes ``decaying_learning_rate``, ``scale_batch``, ``make_dataset`` and
``training_callbacks`` in its cells (``# saved in course_utils.keras_dense``): keep
both copies the same. They are plain on purpose; Keras and tf.data check most
arguments themselves.

Keras 3 breaks three habits of older tutorials, and this module follows the new
ones: ``learning_rate=`` instead of ``lr=``, a ``.keras`` file instead of ``.h5``,
and ``keras.Input(shape)`` as the first layer instead of ``input_shape=``.
Taught in notebooks/05_keras_ann.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras  # noqa: E402
import numpy as np
import tensorflow as tf  # noqa: E402

from . import _validate, history  # noqa: E402

HIDDEN_UNITS = (256, 128, 64, 32)
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


def build_dense_model(
    hidden_units: Sequence[int] = HIDDEN_UNITS,
    *,
    input_shape: tuple[int, ...] = IMAGE_SHAPE,
    num_classes: int = NUM_CLASSES,
    name: str = "dense_mnist",
) -> keras.Sequential:
    """A ``keras.Sequential``: Input (28, 28) -> Flatten -> Dense ReLU layers -> Dense softmax.

    hidden_units: sizes of the ReLU layers, (256, 128, 64, 32) by default.
    The model maps x: (N, 28, 28) float32 in [0, 1] to probabilities (N, num_classes).
    Weights are drawn from Keras's global seed: call ``set_seed`` first.
    """
    units = tuple(hidden_units)
    for size in units:
        _validate.integer(size, "every entry of hidden_units")
    num_classes = _validate.integer(num_classes, "num_classes")
    layers: list = [
        keras.Input(shape=tuple(input_shape), name="image"),
        keras.layers.Flatten(name="flatten"),
    ]
    layers += [
        keras.layers.Dense(size, activation="relu", name=f"dense_{i + 1}")
        for i, size in enumerate(units)
    ]
    layers.append(keras.layers.Dense(num_classes, activation="softmax", name="probabilities"))
    return keras.Sequential(layers, name=name)


def dense_layer_sizes(model: keras.Model) -> list[int]:
    """The number of units of every Dense layer of ``model``, in order, e.g. [256, 128, 64, 32, 10]."""
    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def dense_param_count(layer_sizes: Sequence[int]) -> int:
    """Parameters of fully connected layers of these sizes: sum of (fan_in + 1) * fan_out.

    layer_sizes: (784, 256, 128, 64, 32, 10) counts the weights and biases of five layers.
    """
    sizes = [_validate.integer(s, "every layer size") for s in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"need at least an input and an output size, got {list(layer_sizes)}")
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


def decaying_learning_rate(initial_learning_rate, *, steps_per_epoch, decay_per_epoch=0.7):
    """A learning rate multiplied by ``decay_per_epoch`` every epoch, smoothly, step by step.

    At step t it is ``initial_learning_rate * decay_per_epoch ** (t / steps_per_epoch)``.
    Pass it to ``keras.optimizers.Adam(learning_rate=...)``: Adam asks it at every step.
    """
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=steps_per_epoch, decay_rate=decay_per_epoch
    )


def scale_batch(images, labels):
    """uint8 pixels (B, 28, 28) to float32 in [0, 1], labels (B,) to int32, as TensorFlow ops."""
    return tf.cast(images, tf.float32) / 255.0, tf.cast(labels, tf.int32)


def make_dataset(x, y, *, batch_size=128, shuffle=True, seed=0):
    """A ``tf.data`` pipeline from x: (N, 28, 28) uint8 and y: (N,) integer labels.

    Yields ``(xb, yb)``: xb (B, 28, 28) float32 in [0, 1], yb (B,) int32; the last batch may
    be smaller. ``shuffle`` draws a new order every epoch (``seed`` fixes the sequence).
    """
    if np.asarray(x).dtype != np.uint8:
        raise ValueError(
            f"expected uint8 images as load_mnist returns them (the map divides by 255), got {np.asarray(x).dtype}"
        )
    dataset = tf.data.Dataset.from_tensor_slices((x, y))  # one element per digit
    if shuffle:  # before batching: the buffer holds every digit, so any digit can come next
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)  # after batching, map scales a whole batch in one call
    dataset = dataset.map(scale_batch, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)  # prepare the next batch while the model trains


class EpochTimer(history.EpochTimer, keras.callbacks.Callback):
    """:class:`course_utils.history.EpochTimer` as a Keras callback: ``model.fit(..., callbacks=[timer])``.

    ``timer.epoch_seconds`` then holds the wall time of every epoch, ``timer.seconds_per_epoch`` their mean.
    """


def compare_learning_rates(
    learning_rates: dict,
    train_data: tuple,
    validation_data: tuple,
    *,
    num_epochs: int,
    batch_size: int = 128,
    hidden_units: Sequence[int] = HIDDEN_UNITS,
    seed: int = 0,
) -> dict[str, dict]:
    """Train the same network once per learning rate and return each run's history.

    learning_rates: ``{run name: a number or a LearningRateSchedule}``; train_data and
    validation_data: ``(x: (N, 28, 28) uint8, y: (N,) ints)``. Every run starts from the
    same weights (``set_seed(seed)``) and sees the batches in the same order.
    Returns ``{run name: {"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}}``.
    """
    from .reproducibility import set_seed

    if not isinstance(learning_rates, dict) or not learning_rates:
        raise ValueError(
            "learning_rates must be a dict {run name: learning rate or schedule} with at least one run"
        )
    num_epochs = _validate.integer(num_epochs, "num_epochs")
    histories = {}
    for name, learning_rate in learning_rates.items():
        set_seed(seed)
        model = build_dense_model(hidden_units)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = model.fit(
            make_dataset(*train_data, batch_size=batch_size, seed=seed),
            validation_data=make_dataset(*validation_data, batch_size=1000, shuffle=False),
            epochs=num_epochs,
            shuffle=False,  # the dataset shuffles itself
            verbose=0,
        )
        histories[name] = history.history
    return histories


def training_callbacks(checkpoint_path, *, monitor="val_accuracy", patience=3):
    """``[EarlyStopping, ModelCheckpoint]`` for ``model.fit(..., callbacks=...)``.

    Training stops once ``monitor`` has not improved for ``patience`` epochs, and the best
    weights are put back; the best model so far is saved to ``checkpoint_path`` (a ``.keras`` file).
    """
    if not str(checkpoint_path).endswith(".keras"):
        raise ValueError(
            f"Keras 3 saves whole models to a '.keras' file (not .h5), got {str(checkpoint_path)!r}"
        )
    mode = "min" if "loss" in monitor else "max"  # a loss should fall, an accuracy rise
    return [
        keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=patience, restore_best_weights=True
        ),
        keras.callbacks.ModelCheckpoint(
            checkpoint_path, monitor=monitor, mode=mode, save_best_only=True
        ),
    ]


__all__ = [
    "HIDDEN_UNITS",
    "EpochTimer",
    "build_dense_model",
    "compare_learning_rates",
    "decaying_learning_rate",
    "dense_layer_sizes",
    "dense_param_count",
    "make_dataset",
    "scale_batch",
    "training_callbacks",
]
