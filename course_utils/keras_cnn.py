"""Keras convolutional networks for 28x28 digits: build, train, predict, save, reload.

The shared contract of this module:

* Every model takes images ``x: (N, 28, 28, 1)`` float32 in [0, 1] (white ink on
  black, as in MNIST) and returns class probabilities ``(N, num_classes)`` (a
  softmax output), so ``probs.argmax(axis=1)`` is the predicted digit and
  ``probs.max(axis=1)`` its confidence. :func:`to_model_input` turns uint8 or
  float digits of shape ``(28, 28)``, ``(N, 28, 28)`` or ``(N, 28, 28, 1)`` into
  that layout.
* Labels are integers ``y: (N,)`` in ``[0, num_classes)`` (sparse labels, no one-hot).
* Lesson 07 writes ``model.compile``, ``model.fit``, ``model.save`` and
  ``keras.models.load_model`` in its cells: Keras' own API is the lesson. It saves
  its trained model to ``models_dir() / "lesson07_cnn.keras"`` (:func:`default_model_path`);
  :func:`load_or_train_cnn` is how later lessons get a model: that file when it
  exists, otherwise a small CNN trained on the spot with :func:`compile_cnn` and
  :func:`train_cnn` (which always measures on held-out validation data).

Taught in notebooks/07_keras_cnn_evaluation.ipynb; the model is reused in
notebooks/08_your_own_digits.ipynb and notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np
from keras import layers

from . import _validate, data
from .paths import LESSON07_MODEL, find_model, models_dir
from .reproducibility import set_seed

MODEL_FILENAME = LESSON07_MODEL
IMAGE_SHAPE = (28, 28, 1)


def default_model_path() -> Path:
    """Where lesson 07 saves its trained model: ``models_dir() / "lesson07_cnn.keras"``."""
    return models_dir() / MODEL_FILENAME


def _smallest_side(padding: str) -> int:
    """The smallest image side that three 3x3 convolutions and two 2x2 poolings reduce to >= 1 pixel."""
    trim = 2 if padding == "valid" else 0  # a 3x3 "valid" convolution loses a pixel on each side
    side = 1  # the last convolution's output, worked back through conv-pool twice
    for _ in range(2):
        side = 2 * (side + trim)
    return side + trim  # "valid": 18, "same": 4


def _check_shape_and_classes(
    input_shape, num_classes, padding: str
) -> tuple[tuple[int, int, int], int]:
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(
            f"input_shape must be (height, width, channels) such as (28, 28, 1), got {input_shape!r}"
        )
    shape = tuple(_validate.integer(d, "every entry of input_shape") for d in shape)
    smallest = _smallest_side(padding)
    if min(shape[0], shape[1]) < smallest:
        raise ValueError(
            f"input_shape {shape} is too small: three 3x3 convolutions with {padding!r} padding and "
            f"two 2x2 poolings need images of at least {smallest}x{smallest} pixels"
        )
    return shape, _validate.integer(num_classes, "num_classes", minimum=2)


def build_original_cnn(input_shape=IMAGE_SHAPE, num_classes: int = 10) -> keras.Model:
    """The original tutorial's CNN, sized for 28x28x1 digits instead of 100x100 colour images.

    Conv 32 (3x3) - max-pool 2 - conv 64 (3x3) - max-pool 2 - conv 64 (3x3) - flatten -
    dense 64 - dense ``num_classes`` (softmax), all ReLU, "valid" padding.
    On 28x28x1 the feature maps are 26x26x32, 13x13x32, 11x11x64, 5x5x64, 3x3x64, so
    the flattened vector has 576 values and the model 93,322 parameters. Images must
    be at least 18x18 (the last convolution then computes 1x1 positions).

    input_shape: (H, W, C) of one image. Returns an uncompiled ``keras.Model`` mapping
    x: (N, H, W, C) to probabilities (N, num_classes).
    """
    input_shape, num_classes = _check_shape_and_classes(input_shape, num_classes, "valid")
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(64, 3, activation="relu", name="conv3"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="original_cnn",
    )


def augmentation_layers(
    *, max_rotation_degrees: float = 10.0, max_shift: float = 0.1, seed: int | None = None
) -> keras.Sequential:
    """Light data augmentation: a random rotation and a random shift of each training image.

    Keras preprocessing layers are active only while training (``model.fit`` or
    ``model(x, training=True)``); at inference they pass images through unchanged.
    max_rotation_degrees: rotations are drawn from [-max, +max] degrees.
    max_shift: shifts are drawn from [-max, +max] times the height (and the width).
    Uncovered pixels are filled with 0 (the black background). Maps (N, H, W, C) to (N, H, W, C).
    seed: makes the draws reproducible; the rotation gets ``seed`` and the shift
    ``seed + 1``, so that the two are drawn independently (None: not reproducible).
    """
    if not 0 <= max_rotation_degrees < 180:
        raise ValueError(f"max_rotation_degrees must be in [0, 180), got {max_rotation_degrees!r}")
    if not 0 <= max_shift < 1:
        raise ValueError(f"max_shift must be a fraction in [0, 1), got {max_shift!r}")
    return keras.Sequential(
        [
            layers.RandomRotation(
                max_rotation_degrees / 360,  # Keras wants a fraction of a full turn
                fill_mode="constant",
                seed=seed,
                name="random_rotation",
            ),
            layers.RandomTranslation(
                max_shift,
                max_shift,
                fill_mode="constant",
                seed=None if seed is None else seed + 1,
                name="random_shift",
            ),
        ],
        name="augmentation",
    )


def build_improved_cnn(
    num_classes: int = 10, *, augment: bool = True, dropout: float = 0.3, seed: int | None = None
):
    """The original CNN made better at the same size: augmentation, batch normalisation, dropout.

    The same three 3x3 convolutions (32, 64, 64 filters), dense layer of 64 and
    output layer as :func:`build_original_cnn`, with

    * light augmentation (:func:`augmentation_layers`, training only) in front; with
      ``augment=False`` an ``Identity`` layer of the same name stands in its place,
    * "same" padding, so the convolutions keep the border pixels: the feature maps
      are 28x28x32, 14x14x32, 14x14x64, 7x7x64, 7x7x64, and a third pooling brings
      the last to 3x3x64, so ``Flatten`` gives 576 values as in the original,
    * batch normalisation after every convolution (the convolutions drop their bias,
      which batch normalisation's shift makes redundant; ``momentum=0.9`` instead of
      Keras' 0.99 lets the running statistics used at inference settle within tens of
      batches, so even a short fast run evaluates sensibly), and
    * dropout (rate ``dropout``, training only) before and after the dense layer.

    x: (N, 28, 28, 1) float in [0, 1] -> probabilities (N, num_classes). 93,802
    parameters for 10 classes (the original: 93,322), 320 of them batch
    normalisation's running statistics, which are not trained. ``seed`` makes
    augmentation and dropout reproducible (the augmentation layers get ``seed`` and
    ``seed + 1``, the dropout layers ``seed + 2`` and ``seed + 3``).
    Returns an uncompiled ``keras.Sequential``.
    """
    if augment:
        augmentation = augmentation_layers(seed=seed)
    else:
        augmentation = layers.Identity(name="augmentation")
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            augmentation,
            layers.Conv2D(32, 3, padding="same", use_bias=False, name="conv1"),
            layers.BatchNormalization(momentum=0.9, name="conv1_bn"),
            layers.Activation("relu", name="conv1_relu"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, padding="same", use_bias=False, name="conv2"),
            layers.BatchNormalization(momentum=0.9, name="conv2_bn"),
            layers.Activation("relu", name="conv2_relu"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(64, 3, padding="same", use_bias=False, name="conv3"),
            layers.BatchNormalization(momentum=0.9, name="conv3_bn"),
            layers.Activation("relu", name="conv3_relu"),
            layers.MaxPooling2D(2, name="pool3"),
            layers.Flatten(name="flatten"),
            layers.Dropout(dropout, seed=None if seed is None else seed + 2, name="dropout1"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dropout(dropout, seed=None if seed is None else seed + 3, name="dropout2"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="improved_cnn",
    )


def compile_cnn(
    model: keras.Model, *, learning_rate: float = 1e-3, decay_steps: int | None = None
) -> keras.Model:
    """Compile ``model`` for sparse integer labels: Adam, cross-entropy, accuracy.

    learning_rate: Adam's (initial) step size. decay_steps: when given, the step size
    follows a cosine from ``learning_rate`` down to 1% of it over that many batches
    (use ``num_epochs * steps_per_epoch(num_train, batch_size)``), which usually
    buys the last tenth of a percent of accuracy. Returns the model.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a keras.Model, got {type(model).__name__}")
    _validate.number(learning_rate, "learning_rate", positive=True)
    schedule = learning_rate
    if decay_steps is not None:
        _validate.integer(decay_steps, "decay_steps", allow_none=True)
        schedule = keras.optimizers.schedules.CosineDecay(
            learning_rate, int(decay_steps), alpha=0.01
        )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def steps_per_epoch(num_train: int, batch_size: int) -> int:
    """How many batches one epoch of ``num_train`` examples takes: ``ceil(num_train / batch_size)``."""
    if num_train < 1 or batch_size < 1:
        raise ValueError(
            f"num_train and batch_size must be positive, got {num_train!r} and {batch_size!r}"
        )
    return math.ceil(num_train / batch_size)


def to_model_input(images) -> np.ndarray:
    """Digits in any common layout -> x: (N, 28, 28, 1) float32 in [0, 1].

    images: one digit (H, W), a batch (N, H, W) or (N, H, W, 1); uint8 in [0, 255]
    (scaled by ``data.scale_pixels``) or float in [0, 1] (kept). White ink on black, like MNIST.
    """
    x = data.as_float_pixels(images)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] != 1:
        raise ValueError(
            f"expected images of shape (H, W), (N, H, W) or (N, H, W, 1), got {np.asarray(images).shape}"
        )
    return x


def train_cnn(
    model: keras.Model,
    x_train,
    y_train,
    x_val,
    y_val,
    *,
    num_epochs: int = 5,
    batch_size: int = 128,
    callbacks: list | None = None,
    verbose: int | str = "auto",
) -> keras.callbacks.History:
    """Train a compiled ``model``, measuring loss and accuracy on validation data each epoch.

    x_train: (N, 28, 28[, 1]) digits, y_train: (N,) ints; x_val, y_val likewise
    (held out from training: never the test set). Images go through
    :func:`to_model_input`. Returns the Keras ``History`` whose ``history`` dict
    has ``loss``, ``accuracy``, ``val_loss`` and ``val_accuracy`` per epoch. Pass a
    ``keras_dense.EpochTimer`` in ``callbacks`` for the wall time of each epoch (the
    first includes TensorFlow's one-off tracing). Call ``set_seed`` before building the model for a
    repeatable run.
    """
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError("the model is not compiled: call compile_cnn(model) first")
    x_train, x_val = to_model_input(x_train), to_model_input(x_val)
    num_classes = int(model.output_shape[-1])
    y_train = _validate.labels(
        y_train, "y_train", n=len(x_train), num_classes=num_classes, what="images"
    )
    y_val = _validate.labels(y_val, "y_val", n=len(x_val), num_classes=num_classes, what="images")
    if len(x_val) == 0:
        raise ValueError(
            "validation data is empty: hold out some training examples, e.g. data.train_val_split"
        )
    return model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=int(num_epochs),
        batch_size=int(batch_size),
        shuffle=True,
        callbacks=callbacks,
        verbose=verbose,
    )


def predict_in_batches(model: keras.Model, images, *, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities for many digits, ``batch_size`` at a time.

    images: anything :func:`to_model_input` takes, e.g. (N, 28, 28) uint8.
    Returns probs: (N, num_classes) float32 (rows sum to 1). One call for the whole
    test set is hundreds of times faster than calling the model once per image.
    """
    batch_size = _validate.integer(batch_size, "batch_size")
    x = to_model_input(images)
    if len(x) == 0:
        return np.zeros((0, int(model.output_shape[-1])), dtype=np.float32)
    return np.asarray(model.predict(x, batch_size=int(batch_size), verbose=0), dtype=np.float32)


def load_or_train_cnn(
    path: str | Path | None = None,
    *,
    mnist=None,
    num_train: int = 10_000,
    num_epochs: int = 2,
    batch_size: int = 128,
    seed: int = 0,
    verbose: bool = True,
) -> keras.Model:
    """A trained digit classifier for lessons 08-09: lesson 07's model, or a quick stand-in.

    * If ``path`` (default: lesson 07's model from the latest run, full or fast, as
      found by ``paths.find_model()``, else ``models_dir() / "lesson07_cnn.keras"``;
      written by notebooks/07_keras_cnn_evaluation.ipynb) exists, the saved model is loaded and
      returned: that is the course's best model (>= 99.3% on the MNIST test set after
      a full run of lesson 07).
    * Otherwise a small :func:`build_original_cnn` is trained on the spot, with a
      fixed ``seed``, on a class-balanced subset of ``num_train`` training digits
      for ``num_epochs`` epochs: about ten seconds to a minute on two CPU cores and
      roughly 97-98% test accuracy with the defaults. The data are ``mnist``
      (``((x_train, y_train), (x_test, y_test))`` as returned by
      ``course_utils.data.load_mnist()``, which is called when ``mnist`` is None; only
      the training part is used). The stand-in is *not* saved, so it never
      masquerades as lesson 07's model.

    Either way the model maps x: (N, 28, 28, 1) float32 in [0, 1] to probabilities
    (N, 10); pass images through :func:`to_model_input` or use
    :func:`predict_in_batches`. With ``verbose`` a line says which model you got.

    Example::

        from course_utils.keras_cnn import load_or_train_cnn, predict_in_batches
        model = load_or_train_cnn()
        probs = predict_in_batches(model, digit_28x28)   # (1, 10)

    Taught in notebooks/07_keras_cnn_evaluation.ipynb; used by
    notebooks/08_your_own_digits.ipynb and notebooks/09_serve_the_model.ipynb.
    """
    if path is None:
        path = find_model(MODEL_FILENAME).path or default_model_path()
    path = Path(path)
    if path.is_file():
        model = keras.models.load_model(path)
        if verbose:
            print(f"Loaded lesson 07's model from {path}")
        return model
    if mnist is None:
        mnist = data.load_mnist()
    try:
        (x_train, y_train), _ = mnist
    except (TypeError, ValueError):
        raise ValueError(
            "mnist must be ((x_train, y_train), (x_test, y_test)) as returned by data.load_mnist()"
        ) from None
    x_train, y_train = data.take(x_train, y_train, min(num_train, len(x_train)), seed=seed)
    (x_fit, y_fit), (x_val, y_val) = data.train_val_split(x_train, y_train, 0.1, seed=seed)
    if verbose:
        print(
            f"No saved model at {path} (run lesson 07 to make one); training a small CNN on "
            f"{len(x_train)} digits for {num_epochs} epoch(s) instead..."
        )
    set_seed(seed)
    start = time.perf_counter()
    model = compile_cnn(build_original_cnn())
    train_cnn(
        model, x_fit, y_fit, x_val, y_val, num_epochs=num_epochs, batch_size=batch_size, verbose=0
    )
    if verbose:
        print(f"...trained in {time.perf_counter() - start:.0f} s.")
    return model


__all__ = [
    "IMAGE_SHAPE",
    "MODEL_FILENAME",
    "augmentation_layers",
    "build_improved_cnn",
    "build_original_cnn",
    "compile_cnn",
    "default_model_path",
    "load_or_train_cnn",
    "predict_in_batches",
    "steps_per_epoch",
    "to_model_input",
    "train_cnn",
]
