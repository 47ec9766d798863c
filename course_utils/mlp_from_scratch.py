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
* :func:`make_train_step`: one optimizer step under ``tf.GradientTape``;
  :func:`compile_train_step`: the same step traced once by ``tf.function``;
  :func:`train`: the epoch loop over mini-batches with validation, returning a
  :class:`course_utils.history.History` (per-epoch metrics in ``history.history`` and
  the seconds each epoch took). :func:`adam_train_step` puts a step together with Adam.

The lesson writes ``init_stddev``, ``MLP``, the two losses, ``make_train_step``,
``train`` and ``compile_train_step`` in its own cells (``# saved in
course_utils.mlp_from_scratch``): keep both copies the same. They are plain on
purpose; the checks of the arguments are at the entry points :class:`MiniBatches`,
:func:`predict` and :func:`evaluate`.

Randomness is passed in: ``MLP(seed=...)`` draws its weights with stateless
random ops and ``MiniBatches(seed=...)`` owns a ``numpy.random.Generator``.
Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

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
    raise ValueError(f"init must be 'normal', 'glorot' or 'he', got {init!r}")


class MLP(tf.Module):
    """A multilayer perceptron made of ``tf.Variable`` s; calling it returns the logits.

    layer_sizes (784, 512, 10): 784 inputs, one hidden ReLU layer of 512 units, 10 outputs.
    Layer i has ``weights[i]``: (fan_in, fan_out) and ``biases[i]``: (fan_out,).
    init: ``"normal"`` (weights and biases ~ N(0, 1), as published), ``"glorot"`` or
    ``"he"`` (weights with :func:`init_stddev`, biases 0). dropout: the fraction of
    hidden units switched off at random in each training step (0: none).
    """

    def __init__(self, layer_sizes=(784, 512, 10), *, init="he", dropout=0.0, seed=0):
        super().__init__()
        if len(layer_sizes) < 2 or not 0 <= dropout < 1:
            raise ValueError(
                f"expected layer_sizes such as (784, 512, 10) and 0 <= dropout < 1, got {layer_sizes}, {dropout}"
            )
        self.layer_sizes, self.init, self.dropout = tuple(layer_sizes), init, dropout
        self.noise = tf.random.Generator.from_seed(seed)  # draws the dropout masks
        self.weights, self.biases = [], []
        for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
            stddev = init_stddev(init, fan_in, fan_out)
            w = tf.random.stateless_normal((fan_in, fan_out), seed=[seed, 2 * i], stddev=stddev)
            if init == "normal":  # the published recipe draws the biases from N(0, 1) too
                b = tf.random.stateless_normal((fan_out,), seed=[seed, 2 * i + 1])
            else:
                b = tf.zeros((fan_out,))
            self.weights.append(tf.Variable(w, name=f"w{i + 1}"))
            self.biases.append(tf.Variable(b, name=f"b{i + 1}"))

    def __call__(self, x, training=False):
        return self.activations(x, training)["logits"]

    def activations(self, x, training=False):
        """Every layer's output for x: (N, 784): {"hidden 1": (N, 512), ..., "logits": (N, 10)}.

        While training, dropout zeroes each hidden unit with probability ``dropout`` and
        scales the others by 1 / (1 - dropout), so that the next layer's input keeps its size.
        """
        h = tf.convert_to_tensor(x, tf.float32)
        outputs = {}
        for i, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            z = h @ w + b
            if i == len(self.weights):
                outputs["logits"] = z
            else:
                h = tf.nn.relu(z)
                if training and self.dropout > 0:
                    keep = self.noise.uniform(tf.shape(h)) >= self.dropout
                    h = tf.where(keep, h / (1 - self.dropout), 0.0)
                outputs[f"hidden {i}"] = h
        return outputs

    def num_params(self):
        return sum(int(tf.size(v)) for v in self.trainable_variables)

    def __repr__(self):
        sizes = "-".join(str(size) for size in self.layer_sizes)
        return f"MLP({sizes}, init={self.init!r}, dropout={self.dropout}, {self.num_params():,} parameters)"


def log_softmax_loss(logits, labels):
    """The published loss: the batch's mean of ``-sum(one_hot(y) * log(softmax(z)))``.

    logits: (N, C); labels: (N,) ints. Returns a scalar. Once a probability underflows
    to exactly 0, ``log(0) = -inf`` and ``0 * -inf = nan``: the loss is nan.
    """
    probs = tf.nn.softmax(logits)
    one_hot = tf.one_hot(labels, depth=probs.shape[-1], dtype=probs.dtype)
    return tf.reduce_mean(-tf.reduce_sum(one_hot * tf.math.log(probs), axis=1))


def cross_entropy_from_logits(logits, labels):
    """The same cross-entropy computed from the logits, finite for any finite logits.

    logits: (N, C); labels: (N,) ints. Returns the batch's mean, a scalar. It works with
    ``log_softmax(z) = z - logsumexp(z)`` and never takes the log of a probability.
    """
    labels = tf.cast(labels, tf.int32)
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


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
    return np.concatenate(
        [model(x[i : i + batch_size]).numpy() for i in range(0, len(x), batch_size)]
    )


def evaluate(
    model: MLP, x, y, *, loss_fn: Callable = cross_entropy_from_logits, batch_size: int = 2000
) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on images x: (N, 28, 28) or (N, 784) and labels y: (N,).

    Returns ``{"loss": ..., "accuracy": ...}``, as Keras' ``model.evaluate(..., return_dict=True)`` does.
    """
    logits = predict(model, x, batch_size)
    y = _validate.labels(y, n=len(logits), what="images")
    return {
        "loss": float(loss_fn(logits, y)),
        "accuracy": metrics.accuracy(y, logits.argmax(axis=1)),
    }


def make_train_step(model, optimizer, loss_fn):
    """One optimisation step on a mini-batch: ``step(xb, yb) -> (loss, num_correct)``.

    xb: (B, 784) float32; yb: (B,) int32. The tape records the forward pass and the loss;
    ``tape.gradient`` plays it backwards to the gradient of every variable; the optimizer
    (e.g. Adam) moves each variable against its gradient.
    """

    def step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = loss_fn(logits, yb)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        predicted = tf.argmax(logits, axis=1, output_type=tf.int32)
        return loss, tf.reduce_sum(tf.cast(tf.equal(predicted, yb), tf.int32))

    return step


def train(model, batches, step, *, num_epochs, validation_data=None, verbose=1):
    """Run ``step`` on every mini-batch of ``batches``, ``num_epochs`` times over.

    batches: a :class:`MiniBatches` yielding xb: (B, 784), yb: (B,); step: from
    :func:`make_train_step`. validation_data: (x_val, y_val), scored after every epoch.
    Returns a :class:`~course_utils.history.History`: each epoch's mean training loss and
    accuracy (and val_loss, val_accuracy), and the seconds each epoch took.
    """
    history = History()
    history.num_examples = batches.num_examples
    for epoch in range(1, num_epochs + 1):
        history.on_epoch_begin(epoch)
        total_loss, total_correct = 0.0, 0
        for xb, yb in batches:
            loss, correct = step(xb, yb)
            total_loss += float(loss) * len(yb)
            total_correct += int(correct)
        history.on_epoch_end(epoch)
        logs = {
            "loss": total_loss / batches.num_examples,
            "accuracy": total_correct / batches.num_examples,
        }
        if validation_data is not None:
            scores = evaluate(model, *validation_data)
            logs.update(val_loss=scores["loss"], val_accuracy=scores["accuracy"])
        for name, value in logs.items():
            history.history.setdefault(name, []).append(value)
        if verbose:
            scores = "  ".join(f"{name} {value:.4f}" for name, value in logs.items())
            print(f"epoch {epoch}/{num_epochs}  {scores}  ({history.epoch_seconds[-1]:.1f} s)")
    return history


def compile_train_step(step, num_inputs=784):
    """``step`` traced once into a TensorFlow graph by ``tf.function``, then run as a whole.

    The signature, xb: (None, num_inputs) float32 and yb: (None,) int32, lets the one graph
    serve every batch size (an epoch's last batch is often smaller).
    """
    signature = [tf.TensorSpec([None, num_inputs], tf.float32), tf.TensorSpec([None], tf.int32)]
    return tf.function(step, input_signature=signature)


def adam_train_step(model, *, learning_rate=1e-3, loss_fn=cross_entropy_from_logits, compiled=True):
    """:func:`make_train_step` with a new ``keras.optimizers.Adam``, compiled unless ``compiled=False``."""
    step = make_train_step(model, keras.optimizers.Adam(learning_rate=learning_rate), loss_fn)
    return compile_train_step(step, model.layer_sizes[0]) if compiled else step


def time_epoch(
    model: MLP, batches: MiniBatches, *, compiled: bool, learning_rate: float = 1e-3
) -> float:
    """Seconds one training epoch of ``model`` over ``batches`` takes, eager or compiled.

    One step is run first and not counted, so that the compiled step's one-off
    tracing is left out; the result is the steady cost of an epoch.
    """
    step = adam_train_step(model, learning_rate=learning_rate, compiled=compiled)
    xb, yb = next(iter(batches))
    step(xb, yb)
    start = time.perf_counter()
    for xb, yb in batches:
        loss, _ = step(xb, yb)
    float(loss)  # wait for the last step to finish
    return time.perf_counter() - start


def compare_eager_and_compiled(
    x, y, *, batch_size: int = 128, init: str = "he", seed: int = 0
) -> dict[str, float]:
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
    "adam_train_step",
    "compile_train_step",
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
