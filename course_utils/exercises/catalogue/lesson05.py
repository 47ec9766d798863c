"""Plausible answers, right and wrong, to the exercises of lesson 05 (see the package docstring)."""

from __future__ import annotations

from . import ACCEPTED, Case


def _keras_model(*layers):
    import keras

    return keras.Sequential(list(layers))


def _dense_stack(
    hidden_units,
    dropout_rate,
    hidden="relu",
    out_units=10,
    out="softmax",
    input_shape=(28, 28),
    flatten_at=0,
    dropout_after=None,  # indices of the hidden layers followed by Dropout (None: all)
    rate=None,  # a function of dropout_rate (None: dropout_rate itself)
):
    """The learner's model built from parts; every argument is one way to get it wrong."""
    import keras

    layers = []
    for i, units in enumerate(hidden_units):
        layers.append(keras.layers.Dense(units, activation=hidden))
        if dropout_after is None or i in dropout_after:
            layers.append(keras.layers.Dropout(rate(dropout_rate) if rate else dropout_rate))
    layers.append(keras.layers.Dense(out_units, activation=out))
    if flatten_at is not None:
        layers.insert(flatten_at, keras.layers.Flatten())
    if input_shape is not None:
        layers.insert(0, keras.Input(shape=input_shape))
    return keras.Sequential(layers)


def _bm_separate_layers(hidden_units, dropout_rate):
    import keras

    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden_units:
        layers += [
            keras.layers.Dense(units),
            keras.layers.ReLU(),
            keras.layers.Dropout(dropout_rate),
        ]
    layers += [keras.layers.Dense(10), keras.layers.Softmax()]
    return keras.Sequential(layers)


def _bm_dropout_before_relu(hidden_units, dropout_rate):
    import keras

    layers = [keras.Input(shape=(28, 28)), keras.layers.Reshape((784,))]
    for units in hidden_units:
        layers += [
            keras.layers.Dense(units),
            keras.layers.Dropout(rate=dropout_rate, seed=1),
            keras.layers.Activation("relu"),
        ]
    layers += [keras.layers.Dense(10), keras.layers.Activation("softmax")]
    return keras.Sequential(layers)


def _bm_add(hidden_units, dropout_rate):
    import keras

    model = keras.Sequential()
    model.add(keras.layers.Flatten())
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation=keras.activations.relu))
        model.add(keras.layers.Dropout(dropout_rate))
    model.add(keras.layers.Dense(10, activation=keras.activations.softmax))
    return model


def _bm_lessons_network(hidden_units, dropout_rate):
    return _dense_stack([256, 128, 64, 32], dropout_rate)


def _bm_appends_output(hidden_units, dropout_rate):
    import keras

    hidden_units.append(10)  # the output's size added to the caller's list
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden_units[:-1]:
        layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(dropout_rate)]
    return keras.Sequential([*layers, keras.layers.Dense(hidden_units[-1], activation="softmax")])


def _bm_other_noise(layer):
    def build(hidden_units, dropout_rate):
        import keras

        layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
        for units in hidden_units:
            layers += [
                keras.layers.Dense(units, activation="relu"),
                getattr(keras.layers, layer)(dropout_rate),
            ]
        return keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])

    return build


def _bm_dropout_on_pixels(hidden_units, dropout_rate):
    import keras

    model = _dense_stack(hidden_units, dropout_rate)
    return keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dropout(dropout_rate)]
        + model.layers[1:]
    )


def _bm_dropout_after_output(hidden_units, dropout_rate):
    import keras

    model = _dense_stack(hidden_units, dropout_rate)
    model.add(keras.layers.Dropout(dropout_rate))
    return model


def _bm_class(hidden_units, dropout_rate):
    import keras

    return keras.Sequential


def _bm_keras2_input_shape(hidden_units, dropout_rate):
    import warnings

    import keras

    layers = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers.append(keras.layers.Flatten(input_shape=(28, 28)))
    for units in hidden_units:
        layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(dropout_rate)]
    return keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])


BUILD_MODEL = [
    Case("reference", lambda h, r: _dense_stack(h, r), ACCEPTED),
    Case("Dense + ReLU + Dropout + Softmax layers", _bm_separate_layers, ACCEPTED),
    Case(
        "Dropout between Dense and Activation('relu'), Reshape", _bm_dropout_before_relu, ACCEPTED
    ),
    Case("model.add, no Input (built on first call)", _bm_add, ACCEPTED),
    Case("the lesson's 256-128-64-32, arguments ignored", _bm_lessons_network, r"hidden_units"),
    Case("hidden_units reversed", lambda h, r: _dense_stack(h[::-1], r), r"order|hidden_units"),
    Case("last hidden layer left out", lambda h, r: _dense_stack(h[:-1], r), r"hidden_units|units"),
    Case("no Dropout", lambda h, r: _dense_stack(h, r, dropout_after=()), r"no Dropout"),
    Case(
        "Dropout after the first hidden layer only",
        lambda h, r: _dense_stack(h, r, dropout_after=(0,)),
        r"exactly one|number 2",
    ),
    Case("Dropout after the output layer too", _bm_dropout_after_output, r"after the output"),
    Case("Dropout on the pixels too", _bm_dropout_on_pixels, r"before the first Dense|pixels"),
    Case(
        "Dropout(0.5) whatever the argument",
        lambda h, r: _dense_stack(h, r, rate=lambda _: 0.5),
        r"pass the argument",
    ),
    Case(
        "Dropout(1 - dropout_rate), the fraction kept",
        lambda h, r: _dense_stack(h, r, rate=lambda x: 1 - x),
        r"not the fraction kept",
    ),
    Case("GaussianDropout", _bm_other_noise("GaussianDropout"), r"Dropout"),
    Case("AlphaDropout", _bm_other_noise("AlphaDropout"), r"Dropout"),
    Case("no Flatten", lambda h, r: _dense_stack(h, r, flatten_at=None), r"Flatten"),
    Case(
        "Flatten after the first Dense", lambda h, r: _dense_stack(h, r, flatten_at=1), r"Flatten"
    ),
    Case("tanh in the hidden layers", lambda h, r: _dense_stack(h, r, hidden="tanh"), r"relu"),
    Case("no softmax at the end", lambda h, r: _dense_stack(h, r, out=None), r"softmax"),
    Case("9 output units", lambda h, r: _dense_stack(h, r, out_units=9), r"10"),
    Case(
        "Input of shape (784,)",
        lambda h, r: _dense_stack(h, r, input_shape=(784,)),
        r"28, 28|input",
    ),
    Case("the output's size appended to hidden_units", _bm_appends_output, r"in place"),
    Case("returns the class keras.Sequential", _bm_class, r"Sequential\(|instance|model"),
    Case(
        "Flatten(input_shape=(28, 28)), the Keras 2 spelling",
        _bm_keras2_input_shape,
        r"input_shape|keras\.Input",
    ),
    Case(
        "returns a list of layers",
        lambda hidden_units, dropout_rate: [__import__("keras").layers.Dense(10)],
        r"return the model itself",
    ),
    Case(
        "sigmoid in the hidden layers",
        lambda hidden_units, dropout_rate: _dense_stack(
            hidden_units, dropout_rate, hidden="sigmoid"
        ),
        r"activation='relu'",
    ),
    Case(
        "one sigmoid output unit",
        lambda hidden_units, dropout_rate: _dense_stack(
            hidden_units, dropout_rate, out_units=1, out="sigmoid"
        ),
        r"\[512, 128, 10\]",
    ),
]


def _opt(name, **kwargs):
    import keras

    return getattr(keras.optimizers, name)(**kwargs)


def _opt_schedule():
    import keras

    return keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(1e-3, 1000, 0.5)
    )


def _opt_cosine_schedule():
    import keras

    return keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=5000)
    )


def _opt_fast_decay():
    import keras

    return keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(
            1e-3, decay_steps=10, decay_rate=0.5
        )
    )


def _opt_class():
    import keras

    return keras.optimizers.Adam


MAKE_OPTIMIZER = [
    Case("reference", lambda: _opt("Adam", learning_rate=1e-3), ACCEPTED),
    Case("Adam() with its default", lambda: _opt("Adam"), ACCEPTED),
    Case("Adam(5e-4)", lambda: _opt("Adam", learning_rate=5e-4), ACCEPTED),
    Case("ExponentialDecay schedule", _opt_schedule, ACCEPTED),
    Case("CosineDecay schedule", _opt_cosine_schedule, ACCEPTED),
    Case("SGD", lambda: _opt("SGD", learning_rate=1e-3), r"Adam"),
    Case("RMSprop", lambda: _opt("RMSprop", learning_rate=1e-3), r"Adam"),
    Case(
        "AdamW", lambda: _opt("AdamW", learning_rate=1e-3), r"Adam\b|plain Adam|weight decay|AdamW"
    ),
    Case("learning rate 1", lambda: _opt("Adam", learning_rate=1.0), r"too (large|big|high)"),
    Case("learning rate 0.1", lambda: _opt("Adam", learning_rate=0.1), r"too (large|big|high)"),
    Case("learning rate 1e-6", lambda: _opt("Adam", learning_rate=1e-6), r"too (small|low)"),
    Case("negative learning rate", lambda: _opt("Adam", learning_rate=-1e-3), r"positive|negative"),
    Case("returns the class", _opt_class, r"Adam\(|instance|call"),
    Case("returns the string 'adam'", lambda: "adam", r"object|keras\.optimizers\.Adam"),
    Case("lr= (Keras 2 spelling)", lambda: _opt("Adam", lr=1e-3), r"learning_rate"),
    Case(
        "Adam(1e-4), the smallest rate that learns",
        lambda: _opt("Adam", learning_rate=1e-4),
        ACCEPTED,
    ),
    Case(
        "Adam(3e-3), the largest rate that settles",
        lambda: _opt("Adam", learning_rate=3e-3),
        ACCEPTED,
    ),
    Case("a schedule that halves every 10 steps", _opt_fast_decay, r"one epoch|decay"),
    Case("returns the learning rate, not an optimizer", lambda: 0.001, r"not the number"),
    Case("Adam with 0.01", lambda: _opt("Adam", learning_rate=0.01), r"too large"),
]


CATALOGUE = {
    ("lesson05", "build_model"): BUILD_MODEL,
    ("lesson05", "make_optimizer"): MAKE_OPTIMIZER,
}


# --- make_flat_dataset ---------------------------------------------------------------


def _pipeline(
    *,
    reshape=(-1, 784),
    scale=255.0,
    cast=True,
    one_hot=10,
    shuffle="before",
    buffer=None,
    reshuffle=True,
    drop_remainder=False,
    repeat=False,
    prefetch=True,
    fixed_batch=None,
):
    """A learner's make_flat_dataset from parts; every argument is one way to get it wrong."""

    def make_flat_dataset(x, y, batch_size):
        import tensorflow as tf

        def prepare(images, labels):
            images = tf.cast(images, tf.float32) if cast else images
            if scale:
                images = images / scale
            if reshape:
                images = tf.reshape(images, reshape)
            return images, (tf.one_hot(labels, one_hot) if one_hot else labels)

        dataset = tf.data.Dataset.from_tensor_slices((x, y))
        size = buffer or len(x)
        if shuffle == "before":
            dataset = dataset.shuffle(size, reshuffle_each_iteration=reshuffle)
        dataset = dataset.batch(fixed_batch or batch_size, drop_remainder=drop_remainder).map(
            prepare
        )
        if shuffle == "after":
            dataset = dataset.shuffle(size)
        if repeat:
            dataset = dataset.repeat()
        return dataset.prefetch(tf.data.AUTOTUNE) if prefetch else dataset

    return make_flat_dataset


def _fd_map_each_image(x, y, batch_size):
    import tensorflow as tf

    def prepare(image, label):
        return tf.reshape(tf.cast(image, tf.float32) / 255.0, (784,)), tf.one_hot(label, 10)

    dataset = tf.data.Dataset.from_tensor_slices((x, y)).map(prepare).cache()
    return dataset.shuffle(len(x), seed=0).batch(batch_size).prefetch(1)


def _fd_numpy_first(x, y, batch_size):
    import numpy as np
    import tensorflow as tf

    flat = x.reshape(len(x), 784).astype(np.float32) / 255
    labels = np.eye(10, dtype=np.float32)[y]
    return (
        tf.data.Dataset.from_tensor_slices((flat, labels))
        .shuffle(10_000)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


def _fd_separately(x, y, batch_size):
    import tensorflow as tf

    images = tf.data.Dataset.from_tensor_slices(x).shuffle(len(x))
    labels = tf.data.Dataset.from_tensor_slices(y).shuffle(len(y))
    dataset = tf.data.Dataset.zip((images, labels)).batch(batch_size)
    dataset = dataset.map(
        lambda a, b: (tf.reshape(tf.cast(a, tf.float32) / 255.0, (-1, 784)), tf.one_hot(b, 10))
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def _fd_returns_arrays(x, y, batch_size):
    import numpy as np

    return x.reshape(len(x), 784).astype(np.float32) / 255, np.eye(10)[y]


def _fd_reshape_batch_size(x, y, batch_size):
    import tensorflow as tf

    def prepare(images, labels):
        return tf.reshape(tf.cast(images, tf.float32) / 255.0, (batch_size, 784)), tf.one_hot(
            labels, 10
        )

    dataset = (
        tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x)).batch(batch_size).map(prepare)
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


MAKE_FLAT_DATASET = [
    Case("reference", _pipeline(), ACCEPTED),
    Case("map on each image before batching, cache, seed", _fd_map_each_image, ACCEPTED),
    Case(
        "numpy first, then from_tensor_slices, buffer larger than the data",
        _fd_numpy_first,
        ACCEPTED,
    ),
    Case("no reshape: (B, 28, 28)", _pipeline(reshape=None), r"784|reshape"),
    Case("pixels not divided by 255", _pipeline(scale=None), r"255"),
    Case("no cast: uint8 batches", _pipeline(cast=False, scale=None), r"float32|cast"),
    Case("integer labels, not one-hot", _pipeline(one_hot=None), r"one-hot"),
    Case("one_hot of depth 9", _pipeline(one_hot=9), r"one-hot|\(B, 10\)"),
    Case("no shuffle", _pipeline(shuffle=None), r"original order|shuffle"),
    Case("shuffle after batch", _pipeline(shuffle="after"), r"whole batches|before batching"),
    Case("shuffle buffer of 10", _pipeline(buffer=10), r"buffer"),
    Case("the same order every epoch", _pipeline(reshuffle=False), r"same order|new order"),
    Case("drop_remainder=True", _pipeline(drop_remainder=True), r"drop_remainder"),
    Case("repeat()", _pipeline(repeat=True), r"repeat|never ends"),
    Case("no prefetch", _pipeline(prefetch=False), r"prefetch"),
    Case("batch(32) whatever batch_size", _pipeline(fixed_batch=32), r"batch_size"),
    Case("images and labels shuffled separately", _fd_separately, r"together|separately|belong"),
    Case("returns numpy arrays", _fd_returns_arrays, r"Dataset"),
    Case("reshape to (batch_size, 784)", _fd_reshape_batch_size, r"-1|last batch"),
]

CATALOGUE[("lesson05", "make_flat_dataset")] = MAKE_FLAT_DATASET
