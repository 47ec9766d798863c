"""A multilayer perceptron from scratch: ``tf.Variable``, ``tf.GradientTape`` and Adam.

The pieces of lesson 04, each small enough to read in one go:

* :class:`MiniBatches`: the training set, shuffled afresh every epoch, yielding
  ``(xb: (B, 784) float32, yb: (B,) int32)``.
* :class:`MLP`: a network of ``tf.Variable`` s, 784-512-10 by default, ReLU in the
  hidden layers; ``model(x)`` returns the **logits** ``(N, 10)``. ``init`` picks the
  starting weights: ``"normal"`` (the published recipe: weights *and* biases from
  ``tf.random.normal``, standard deviation 1), ``"glorot"`` or ``"he"``.
* Two losses with one signature, ``loss(logits: (N, C), labels: (N,)) -> scalar``:
  :func:`log_softmax_loss` (the published recipe, ``log(softmax(z))``, which turns
  into NaN once a probability underflows to 0) and :func:`cross_entropy_from_logits`
  (``tf.nn.sparse_softmax_cross_entropy_with_logits``, stable for any logits).
* :func:`make_train_step`: one Adam step under ``tf.GradientTape``, eager or
  compiled with ``@tf.function``; :func:`train` runs epochs with a progress bar and
  returns a :class:`course_utils.history.History` (per-epoch metrics in
  ``history.history`` and the seconds each epoch took), as the numpy CNN's ``fit`` does.

Randomness is passed in: ``MLP(seed=...)`` draws its weights with stateless
random ops and ``MiniBatches(seed=...)`` owns a ``numpy.random.Generator``.
Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence

import keras  # noqa: E402
import numpy as np
import tensorflow as tf  # noqa: E402

from . import _validate, data, metrics  # noqa: E402
from .history import History  # noqa: E402

INITS = ("normal", "glorot", "he")
NUM_PIXELS = 28 * 28


def flatten_images(x) -> np.ndarray:
    """Images as rows of pixel intensities in [0, 1].

    x: (N, 28, 28) or (N, 784), uint8 in 0..255 or float in [0, 1].
    Returns float32 (N, 784).
    """
    x = np.asarray(x)
    if x.ndim not in (2, 3) or x.shape[0] == 0 or np.prod(x.shape[1:]) != NUM_PIXELS:
        raise ValueError(f"expected images of shape (N, 28, 28) or (N, 784), got shape {x.shape}")
    return data.as_float_pixels(x).reshape(len(x), -1)


class MiniBatches:
    """A training set that is shuffled afresh every epoch and yields mini-batches.

    x: (N, 28, 28) or (N, 784) images (uint8 or floats in [0, 1]); y: (N,) integer labels.
    Iterating once is one epoch: it yields ``(xb, yb)`` tensors, xb: (B, 784) float32,
    yb: (B,) int32, with B = ``batch_size`` except perhaps for the last batch.
    ``seed`` fixes the order of every epoch. Built on ``data.iterate_minibatches``.
    """

    def __init__(self, x, y, batch_size: int = 128, *, shuffle: bool = True, seed: int = 0):
        batch_size = _validate.integer(batch_size, "batch_size")
        self.x = flatten_images(x)
        self.y = _validate.labels(y, n=len(self.x), what="images").astype(np.int32)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    @property
    def num_examples(self) -> int:
        return len(self.x)

    def __iter__(self) -> Iterator[tuple[tf.Tensor, tf.Tensor]]:
        for xb, yb in data.iterate_minibatches(
            self.x, self.y, self.batch_size, rng=self.rng, shuffle=self.shuffle
        ):
            yield tf.constant(xb), tf.constant(yb)

    def __repr__(self) -> str:
        return f"MiniBatches({self.num_examples} examples, batch_size={self.batch_size}, {len(self)} batches)"


def init_stddev(init: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of the starting weights of a (fan_in, fan_out) layer.

    ``"normal"``: 1 (the published recipe); ``"glorot"``: sqrt(2 / (fan_in + fan_out));
    ``"he"``: sqrt(2 / fan_in), made for ReLU.
    """
    if init == "normal":
        return 1.0
    if init == "glorot":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if init == "he":
        return math.sqrt(2.0 / fan_in)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


class MLP(tf.Module):
    """A multilayer perceptron made of ``tf.Variable`` s; calling it returns logits.

    layer_sizes: (784, 512, 10) means input 784, one hidden ReLU layer of 512, 10 outputs.
    Layer i has ``weights[i]``: (fan_in, fan_out) and ``biases[i]``: (fan_out,).
    ``model(x)`` with x: (N, 784) float32 returns logits (N, 10); ``model.probabilities(x)``
    their softmax. ``init`` is ``"normal"`` (weights and biases ~ N(0, 1), as published),
    ``"glorot"`` or ``"he"`` (normal with :func:`init_stddev`, biases 0). ``dropout``: the
    fraction of hidden units switched off at random in each training step (0: none).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int] = (NUM_PIXELS, 512, 10),
        *,
        init: str = "he",
        dropout: float = 0.0,
        seed: int = 0,
        name=None,
    ):
        super().__init__(name=name)
        sizes = tuple(layer_sizes)
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes must be at least two sizes such as (784, 512, 10), got {layer_sizes!r}")
        self.layer_sizes = tuple(_validate.integer(s, "every entry of layer_sizes") for s in sizes)
        self.dropout = _validate.probability(dropout, "dropout")
        self._noise = tf.random.Generator.from_seed(seed) if dropout else None
        self.init = init
        self.weights: list[tf.Variable] = []
        self.biases: list[tf.Variable] = []
        for i, (fan_in, fan_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:])):
            stddev = init_stddev(init, fan_in, fan_out)
            w = tf.random.stateless_normal((fan_in, fan_out), seed=[seed, 2 * i], stddev=stddev)
            if init == "normal":
                b = tf.random.stateless_normal((fan_out,), seed=[seed, 2 * i + 1])
            else:
                b = tf.zeros((fan_out,))
            self.weights.append(tf.Variable(w, name=f"w{i + 1}"))
            self.biases.append(tf.Variable(b, name=f"b{i + 1}"))

    def __call__(self, x, training: bool = False) -> tf.Tensor:
        return self.activations(x, training=training)["logits"]

    def activations(self, x, training: bool = False) -> dict[str, tf.Tensor]:
        """Every layer's output: {"hidden 1": (N, 512) after ReLU, ..., "logits": (N, 10)}.

        With ``training=True`` and ``dropout > 0`` each hidden unit is zeroed with
        probability ``dropout`` and the others are scaled by 1 / (1 - dropout).
        """
        h = tf.convert_to_tensor(x, dtype=tf.float32)
        if h.shape.rank != 2 or (h.shape[1] is not None and h.shape[1] != self.layer_sizes[0]):
            raise ValueError(f"expected inputs of shape (N, {self.layer_sizes[0]}), got shape {tuple(h.shape)}")
        out = {}
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = tf.matmul(h, w) + b
            if i == last:
                out["logits"] = z
            else:
                h = tf.nn.relu(z)
                if training and self.dropout:
                    keep = self._noise.uniform(tf.shape(h)) >= self.dropout
                    h = tf.where(keep, h / (1.0 - self.dropout), 0.0)
                out[f"hidden {i + 1}"] = h
        return out

    def probabilities(self, x) -> tf.Tensor:
        """Softmax of the logits: (N, 10), rows sum to 1."""
        return tf.nn.softmax(self(x))

    def num_params(self) -> int:
        return int(sum(np.prod(v.shape) for v in self.trainable_variables))

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in self.layer_sizes)
        dropout = f", dropout={self.dropout:g}" if self.dropout else ""
        return f"MLP({sizes}, init={self.init!r}{dropout}, {self.num_params():,} parameters)"


def log_softmax_loss(logits, labels) -> tf.Tensor:
    """The published loss: mean over the batch of ``-sum(one_hot(y) * log(softmax(z)))``.

    logits: (N, C); labels: (N,) ints. Returns a scalar. Once any probability in the
    batch underflows to exactly 0 (logits that differ by more than about 100 in
    float32), ``log(0) = -inf`` and ``0 * -inf = NaN``: the loss is NaN.
    """
    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    probs = tf.nn.softmax(logits)
    y_true = tf.one_hot(labels, depth=tf.shape(logits)[-1])
    return tf.reduce_mean(-tf.reduce_sum(y_true * tf.math.log(probs), axis=1))


def cross_entropy_from_logits(logits, labels) -> tf.Tensor:
    """Cross-entropy computed from the logits, stable for any finite logits.

    logits: (N, C); labels: (N,) ints. Returns the mean over the batch, a scalar.
    ``tf.nn.sparse_softmax_cross_entropy_with_logits`` works with
    ``log_softmax(z) = z - logsumexp(z)`` and never takes ``log`` of a probability.
    """
    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    labels = tf.cast(labels, tf.int32)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


LOSSES = {"log(softmax)": log_softmax_loss, "from logits": cross_entropy_from_logits}


def softmax_underflow_fraction(logits) -> float:
    """Fraction of softmax probabilities that are exactly 0 in float32.

    logits: (N, C). ``exp(z - max z)`` underflows to 0 once a logit lies more than about
    104 below the row's largest, and then ``log(probability)`` is ``-inf``.
    """
    z = np.asarray(logits, dtype=np.float32)
    if z.ndim != 2 or z.size == 0:
        raise ValueError(f"expected logits of shape (N, C), got shape {z.shape}")
    probs = np.exp(z - z.max(axis=1, keepdims=True))
    return float(np.mean(probs == 0))


def predict(model: MLP, x, batch_size: int = 2000) -> np.ndarray:
    """Logits of ``model`` for images x: (N, 28, 28) or (N, 784); returns (N, 10) float32."""
    x = flatten_images(x)
    return np.concatenate([model(x[i : i + batch_size]).numpy() for i in range(0, len(x), batch_size)])


def evaluate(model: MLP, x, y, *, loss_fn: Callable = cross_entropy_from_logits, batch_size: int = 2000) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on images x: (N, 28, 28) or (N, 784) and labels y: (N,).

    Returns ``{"loss": ..., "accuracy": ...}``, as ``Sequential.evaluate`` and Keras'
    ``model.evaluate(..., return_dict=True)`` do.
    """
    logits = predict(model, x, batch_size)
    y = _validate.labels(y, n=len(logits), what="images")
    return {"loss": float(loss_fn(logits, y)), "accuracy": metrics.accuracy(y, logits.argmax(axis=1))}


def make_train_step(model: MLP, optimizer, loss_fn: Callable = cross_entropy_from_logits, *, compiled: bool = True) -> Callable:
    """One optimisation step: ``step(xb, yb) -> (loss, num_correct)``, both scalar tensors.

    xb: (B, 784) float32; yb: (B,) int32. Under ``tf.GradientTape`` it computes the
    logits and ``loss_fn(logits, yb)``, then lets ``optimizer`` (e.g. Adam) apply the
    gradients to ``model.trainable_variables``. ``compiled=True`` wraps the step in
    ``tf.function`` (traced once into a graph); ``False`` runs it eagerly, op by op.
    """
    variables = model.trainable_variables

    def step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = loss_fn(logits, yb)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), yb), tf.int32))
        return loss, correct

    if not compiled:
        return step
    signature = [
        tf.TensorSpec([None, model.layer_sizes[0]], tf.float32),
        tf.TensorSpec([None], tf.int32),
    ]
    return tf.function(step, input_signature=signature)


def train(
    model: MLP,
    batches: MiniBatches,
    *,
    num_epochs: int,
    learning_rate: float = 1e-3,
    loss_fn: Callable = cross_entropy_from_logits,
    compiled: bool = True,
    validation_data: tuple | None = None,
    optimizer=None,
    verbose: int = 1,
) -> History:
    """Train ``model`` with Adam for ``num_epochs`` passes over ``batches``.

    validation_data: ``(x_val: (M, 28, 28) or (M, 784), y_val: (M,))`` evaluated after
    every epoch. ``optimizer`` defaults to ``keras.optimizers.Adam(learning_rate)``.
    ``verbose=1`` shows a progress bar per epoch, ``0`` nothing. Training loss and
    accuracy are averaged over the epoch's batches, as Keras reports them.
    Returns a :class:`~course_utils.history.History`.
    """
    num_epochs = _validate.integer(num_epochs, "num_epochs")
    if not isinstance(batches, MiniBatches):
        raise TypeError(f"expected batches to be a MiniBatches, got {type(batches).__name__}")
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    step = make_train_step(model, optimizer, loss_fn, compiled=compiled)
    metrics = ("loss", "accuracy") + (("val_loss", "val_accuracy") if validation_data is not None else ())
    history = History(metrics)
    history.num_examples = batches.num_examples
    for epoch in range(1, int(num_epochs) + 1):
        if verbose:
            print(f"Epoch {epoch}/{num_epochs}")
        bar = keras.utils.Progbar(len(batches), verbose=verbose, unit_name="batch")
        total_loss, total_correct, seen = 0.0, 0, 0
        history.on_epoch_begin(epoch)
        for i, (xb, yb) in enumerate(batches, start=1):
            loss, correct = step(xb, yb)
            n = int(yb.shape[0])
            total_loss += float(loss) * n
            total_correct += int(correct)
            seen += n
            values = [("loss", total_loss / seen), ("accuracy", total_correct / seen)]
            if i < len(batches):
                bar.update(i, values, finalize=False)
        history.on_epoch_end(epoch)
        history.history["loss"].append(total_loss / seen)
        history.history["accuracy"].append(total_correct / seen)
        if validation_data is not None:
            scores = evaluate(model, *validation_data, loss_fn=loss_fn)
            history.history["val_loss"].append(scores["loss"])
            history.history["val_accuracy"].append(scores["accuracy"])
            values += [("val_loss", scores["loss"]), ("val_accuracy", scores["accuracy"])]
        bar.update(len(batches), values, finalize=True)
    return history


def time_epoch(model: MLP, batches: MiniBatches, *, compiled: bool, learning_rate: float = 1e-3) -> float:
    """Seconds one training epoch of ``model`` over ``batches`` takes, eager or compiled.

    One step is run first and not counted, so that the compiled step's one-off
    tracing is left out; the result is the steady cost of an epoch.
    """
    step = make_train_step(model, keras.optimizers.Adam(learning_rate=learning_rate), compiled=compiled)
    xb, yb = next(iter(batches))
    step(xb, yb)
    start = time.perf_counter()
    for xb, yb in batches:
        loss, _ = step(xb, yb)
    float(loss)  # wait for the last step to finish
    return time.perf_counter() - start


def compare_eager_and_compiled(x, y, *, batch_size: int = 128, init: str = "he", seed: int = 0) -> dict[str, float]:
    """Seconds per epoch of the same training run eagerly and with ``tf.function``.

    x: (N, 28, 28) images, y: (N,) labels; each mode trains a fresh :class:`MLP` with
    the same seed on the same batches. Returns ``{"eager": s, "tf.function": s}``.
    """
    seconds = {}
    for name, compiled in (("eager", False), ("tf.function", True)):
        batches = MiniBatches(x, y, batch_size, seed=seed)
        seconds[name] = time_epoch(MLP(init=init, seed=seed), batches, compiled=compiled)
    return seconds


__all__ = [
    "INITS",
    "LOSSES",
    "MLP",
    "MiniBatches",
    "compare_eager_and_compiled",
    "cross_entropy_from_logits",
    "evaluate",
    "flatten_images",
    "init_stddev",
    "log_softmax_loss",
    "make_train_step",
    "predict",
    "softmax_underflow_fraction",
    "time_epoch",
    "train",
]
