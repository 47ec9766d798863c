"""A Keras ``Sequential`` network of Dense layers, trained the Keras 3 way.

The pieces of lesson 05:

* The lesson writes ``keras.Sequential([...])``, ``model.compile(...)``,
  ``model.fit(...)``, ``model.save(...)`` and ``keras.models.load_model(...)`` in its
  cells: Keras' own API is the lesson. :func:`build_dense_model` is the same network
  as a function (for the learning-rate comparison and the exercise's check).
* :func:`decaying_learning_rate`: a schedule for ``keras.optimizers.Adam(learning_rate=...)``.
* :func:`make_dataset`: a ``tf.data`` pipeline (map, shuffle, batch, prefetch) from
  uint8 images ``(N, 28, 28)`` and labels ``(N,)`` to batches of float32 pixels in [0, 1].
* :func:`training_callbacks`: early stopping and a checkpoint written to a ``.keras``
  file; :class:`EpochTimer` (the course's one epoch timer, :mod:`course_utils.history`)
  measures the seconds of each epoch.

Keras 3 breaks three habits of older tutorials, and this module follows the new
ones: ``learning_rate=`` instead of ``lr=``, a ``.keras`` file instead of ``.h5``,
and ``keras.Input(shape)`` as the first layer instead of ``input_shape=``.
Taught in notebooks/05_keras_ann.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
    layers: list = [keras.Input(shape=tuple(input_shape), name="image"), keras.layers.Flatten(name="flatten")]
    layers += [keras.layers.Dense(size, activation="relu", name=f"dense_{i + 1}") for i, size in enumerate(units)]
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


def decaying_learning_rate(
    initial_learning_rate: float, *, steps_per_epoch: int, decay_per_epoch: float = 0.7
) -> keras.optimizers.schedules.LearningRateSchedule:
    """A learning rate multiplied by ``decay_per_epoch`` every epoch (smoothly, step by step).

    Pass it to ``keras.optimizers.Adam(learning_rate=...)``.
    """
    if not 0 < initial_learning_rate:
        raise ValueError(f"initial_learning_rate must be positive, got {initial_learning_rate!r}")
    if not 0 < decay_per_epoch <= 1:
        raise ValueError(f"decay_per_epoch must lie in (0, 1], got {decay_per_epoch!r}")
    steps_per_epoch = _validate.integer(steps_per_epoch, "steps_per_epoch")
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=steps_per_epoch, decay_rate=decay_per_epoch
    )


def _scale(images, labels):
    """``data.scale_pixels`` as TensorFlow ops, so that it runs inside the pipeline."""
    return tf.cast(images, tf.float32) / 255.0, tf.cast(labels, tf.int32)


def make_dataset(x, y, *, batch_size: int = 128, shuffle: bool = True, seed: int = 0) -> tf.data.Dataset:
    """A ``tf.data`` pipeline: shuffle every epoch, batch, scale pixels (map), prefetch.

    Mapping after batching scales a whole batch in one call instead of one image at a time.

    x: (N, 28, 28) uint8; y: (N,) integer labels. Yields ``(xb, yb)`` with xb: (B, 28, 28)
    float32 in [0, 1] and yb: (B,) int32. ``seed`` fixes the shuffle order.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise ValueError(f"expected uint8 images of shape (N, 28, 28) as load_mnist returns them, got {x.dtype} {x.shape}")
    y = _validate.labels(y, n=len(x), what="images")
    batch_size = _validate.integer(batch_size, "batch_size")
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(_scale, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


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
        raise ValueError("learning_rates must be a dict {run name: learning rate or schedule} with at least one run")
    num_epochs = _validate.integer(num_epochs, "num_epochs")
    histories = {}
    for name, learning_rate in learning_rates.items():
        set_seed(seed)
        model = build_dense_model(hidden_units)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(
            make_dataset(*train_data, batch_size=batch_size, seed=seed),
            validation_data=make_dataset(*validation_data, batch_size=1000, shuffle=False),
            epochs=num_epochs,
            shuffle=False,  # the dataset shuffles itself
            verbose=0,
        )
        histories[name] = history.history
    return histories


def _keras_path(path) -> Path:
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Keras 3 saves whole models to a '.keras' file (not .h5 or a folder), got {str(path)!r}")
    return path


def training_callbacks(
    checkpoint_path, *, monitor: str = "val_accuracy", patience: int = 3
) -> list[keras.callbacks.Callback]:
    """Early stopping and checkpointing for ``model.fit``.

    Returns ``[EarlyStopping, ModelCheckpoint]``: training stops once ``monitor`` has not
    improved for ``patience`` epochs and the best weights are restored; the best model
    so far is written to ``checkpoint_path`` (a ``.keras`` file).
    """
    path = _keras_path(checkpoint_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "min" if "loss" in monitor else "max"
    return [
        keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=_validate.integer(patience, "patience"), restore_best_weights=True
        ),
        keras.callbacks.ModelCheckpoint(path, monitor=monitor, mode=mode, save_best_only=True),
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
    "training_callbacks",
]
