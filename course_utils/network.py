"""A sequential network of numpy layers, its softmax cross-entropy output and a training loop.

The plain training code, as lesson 06 writes it: ``forward(layers, x)`` and
``backward(layers, dlogits)`` run the layers in order and in reverse,
``train_step(network, x, y, optimizer)`` takes one gradient step and
``train_epoch(...)`` one pass over the data in mini-batches.
``Sequential(layers)`` chains layers from :mod:`course_utils.layers`: ``forward``
runs them in order and returns the logits, ``backward`` runs them in reverse.
The output is softmax followed by cross-entropy, fused
(:func:`course_utils.losses.softmax_cross_entropy` and its backward), so the
gradient of the logits is simply ``(softmax(logits) - one_hot(y)) / N``.
``fit`` trains with any optimizer of :mod:`course_utils.optim`, shows a tqdm
progress bar and returns a :class:`course_utils.history.History` that
``plotting.learning_curves`` draws. ``fit(..., workers=2)`` splits every batch between two threads
(:class:`course_utils.parallel.DataParallel`). ``lesson_cnn`` builds the lesson's
network, from the plain layers or (``fast=True``) from :mod:`course_utils.fast_layers`.
Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Sequence

import numpy as np

from . import _validate, data, fast_layers
from .activations import softmax
from .history import History
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU
from .losses import softmax_cross_entropy, softmax_cross_entropy_backward
from .optim import Optimizer
from .parallel import DataParallel

# --------------------------------------------------------------- the plain training code


def forward(layers, x):
    """Run the layers in order on x: (N, ...). Returns the last layer's output, the logits (N, K)."""
    for layer in layers:
        x = layer.forward(x)
    return x


def backward(layers, dlogits):
    """Run the layers in reverse on dlogits: (N, K); each fills its ``grads``. Returns dx, the input's gradient."""
    dout = dlogits
    for layer in reversed(layers):
        dout = layer.backward(dout)
    return dout


def train_step(network, x, y, optimizer):
    """One gradient step on the batch x: (N, ...), y: (N,). Returns ``(loss, accuracy)`` before the step."""
    logits = network.forward(x)  # (N, 10)
    loss = softmax_cross_entropy(logits, y)
    network.backward(softmax_cross_entropy_backward(logits, y))  # fills every layer's grads
    optimizer.step(network.params, network.grads)  # updates every layer's params in place
    return loss, float(np.mean(logits.argmax(axis=1) == y))


def train_epoch(network, x, y, optimizer, batch_size, rng, augment=None, on_batch=None):
    """One pass over x: (N, ...), y: (N,) in shuffled mini-batches. Returns ``(batch losses, accuracy)``.

    ``augment(x_batch, rng)`` changes every batch; ``on_batch(loss)`` is called after every step.
    """
    losses, correct = [], 0.0
    for xb, yb in data.iterate_minibatches(x, y, batch_size, rng=rng):
        if augment is not None:
            xb = augment(xb, rng)
        loss, accuracy = network.train_step(xb, yb, optimizer)
        losses.append(loss)
        correct += accuracy * len(yb)
        if on_batch is not None:
            on_batch(loss)
    return losses, correct / len(x)


class Sequential:
    """Layers applied one after the other; the last one produces the logits (N, K).

    ``params`` and ``grads`` are flat dicts over all layers, keyed ``"<layer name>.<param>"``
    (``"conv1.w"``), holding the layers' own arrays: an optimizer's ``step(net.params,
    net.grads)`` updates the network. Layer names must be unique; layers left without a
    name are numbered (``relu``, ``relu_1``, ...).
    """

    def __init__(self, layers: Sequence[Layer]):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential takes layers from course_utils.layers, got {type(layer).__name__}"
                )
        taken = {layer.name for layer in layers if not layer.auto_named}
        for layer in layers:
            if layer.auto_named:
                base, count = layer.name, 0
                while layer.name in taken:
                    count += 1
                    layer.name = f"{base}_{count}"
                taken.add(layer.name)
        names = [layer.name for layer in layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"layer names must be unique, {duplicates} appear more than once; "
                "pass name=... to the layers"
            )
        self.layers = layers

    # -- the two passes ----------------------------------------------------------------

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, ...) the first layer's input. Returns the logits (N, K)."""
        return forward(self.layers, x)

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for x: (N, ...), by layer name, in order: what the network "sees"."""
        outputs = {}
        for layer in self.layers:
            x = outputs[layer.name] = layer.forward(x)
        return outputs

    def backward(self, dlogits: np.ndarray) -> np.ndarray | None:
        """dlogits: (N, K). Fills every layer's ``grads``; returns dx (None if the first layer skips it)."""
        return backward(self.layers, dlogits)

    def loss(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Forward pass and mean softmax cross-entropy: returns ``(loss, logits)``."""
        logits = self.forward(x)
        return softmax_cross_entropy(logits, y), logits

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {
            f"{layer.name}.{key}": value
            for layer in self.layers
            for key, value in layer.params.items()
        }

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return {
            f"{layer.name}.{key}": value
            for layer in self.layers
            for key, value in layer.grads.items()
        }

    @property
    def num_params(self) -> int:
        return sum(layer.num_params for layer in self.layers)

    def summary(self, input_shape: tuple) -> str:
        """A table of the layers, their output shapes and parameter counts, for an input (H, W, C).

        Checks every shape on the way, so a mismatch shows before anything runs.
        """
        rows = [("layer", "output shape", "parameters")]
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append(
                (
                    f"{layer.name} ({type(layer).__name__})",
                    str((None, *shape)),
                    f"{layer.num_params:,}",
                )
            )
        rows.append(("total", "", f"{self.num_params:,}"))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(-1, "-" * len(lines[0]))
        return "\n".join(lines)

    # -- training and evaluation ---------------------------------------------------------

    def train_step(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer) -> tuple[float, float]:
        """One gradient step on the batch x: (N, ...), y: (N,). Returns ``(loss, accuracy)`` before the step."""
        return train_step(self, x, y, optimizer)

    def predict_logits(self, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
        """Logits (N, K) for x: (N, ...), computed ``batch_size`` examples at a time."""
        batch_size = _validate.integer(batch_size, "batch_size")
        return np.concatenate(
            [self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        )

    def predict(self, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
        """Class probabilities (N, K): the softmax of the logits."""
        return softmax(self.predict_logits(x, batch_size))

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 128) -> dict[str, float]:
        """Mean loss and accuracy on x: (N, ...), y: (N,): ``{"loss": ..., "accuracy": ...}``."""
        x, y = _validate.examples(x, y, "evaluate")
        logits = self.predict_logits(x, batch_size)
        return {
            "loss": softmax_cross_entropy(logits, y),
            "accuracy": float(np.mean(logits.argmax(axis=1) == y)),
        }

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        optimizer: Optimizer,
        *,
        num_epochs: int = 1,
        batch_size: int = 128,
        seed: int | np.random.Generator = 0,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        learning_rate_schedule: Callable[[int], float] | None = None,
        augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
        progress: bool = True,
        workers: int = 1,
    ) -> History:
        """Train on x: (N, ...), y: (N,) in shuffled mini-batches; returns a :class:`History`.

        ``seed`` (or a Generator) fixes the shuffling. ``learning_rate_schedule(epoch)``,
        epoch counted from 0, sets the optimizer's learning rate before each epoch.
        ``validation_data=(x_val, y_val)`` is evaluated after every epoch.
        ``augment(x_batch, rng)`` returns a changed copy of every training batch (e.g.
        :func:`random_shift`); validation and test data are never augmented. With
        ``progress`` a tqdm bar shows the running loss and accuracy. ``workers=2`` runs
        every training step on two halves of the batch in two threads
        (:class:`course_utils.parallel.DataParallel`): the same gradients, faster on a
        machine with two or more free cores.
        """
        from tqdm import tqdm

        x, y = _validate.examples(x, y, "fit")
        num_epochs = _validate.integer(num_epochs, "num_epochs")
        batch_size = _validate.integer(batch_size, "batch_size")
        workers = _validate.integer(workers, "workers")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer must come from course_utils.optim (SGD, Adam), got {type(optimizer).__name__}"
            )
        if validation_data is not None:
            validation_data = _validate.examples(*validation_data, "fit(validation_data=...)")
        rng = np.random.default_rng(seed)
        metrics = ("loss", "accuracy") + (
            ("val_loss", "val_accuracy") if validation_data is not None else ()
        )
        history = History(metrics)
        history.num_examples = len(x)
        num_batches = math.ceil(len(x) / batch_size)
        # one worker: this network itself; more: a DataParallel over replicas, closed at the end
        parallel = DataParallel(self, workers) if workers > 1 else contextlib.nullcontext(self)
        with parallel as trainer:
            for epoch in range(num_epochs):
                if learning_rate_schedule is not None:
                    optimizer.learning_rate = float(learning_rate_schedule(epoch))
                history.learning_rate.append(optimizer.learning_rate)
                bar = tqdm(
                    total=num_batches,
                    desc=f"epoch {epoch + 1}/{num_epochs}",
                    unit="batch",
                    disable=not progress,
                    file=sys.stdout,
                    mininterval=1.0,
                    leave=True,
                )

                def on_batch(loss, bar=bar, epoch=epoch):
                    if not math.isfinite(loss):
                        bar.close()
                        raise FloatingPointError(
                            f"the loss became {loss} in epoch {epoch + 1}: weights or activations overflowed; "
                            f"lower the learning rate (now {optimizer.learning_rate:g}) or scale the inputs to [0, 1]"
                        )
                    bar.update(1)
                    if bar.n % 10 == 0:
                        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

                history.on_epoch_begin(epoch)
                losses, accuracy = train_epoch(
                    trainer, x, y, optimizer, batch_size, rng, augment, on_batch
                )
                history.on_epoch_end(epoch)
                history.batch_loss.extend(losses)
                history.history["loss"].append(float(np.mean(losses)))
                history.history["accuracy"].append(accuracy)
                if validation_data is not None:
                    scores = self.evaluate(*validation_data)
                    history.history["val_loss"].append(scores["loss"])
                    history.history["val_accuracy"].append(scores["accuracy"])
                    bar.set_postfix(
                        loss=f"{history.history['loss'][-1]:.4f}",
                        accuracy=f"{history.history['accuracy'][-1]:.4f}",
                        val_loss=f"{scores['loss']:.4f}",
                        val_accuracy=f"{scores['accuracy']:.4f}",
                        refresh=False,
                    )
                bar.close()
        return history


def random_shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Move every image by a random whole number of pixels, up to ``max_shift`` each way, filling with 0.

    x: (N, H, W, C). Returns a new array shaped and typed like x. A digit moved by a
    pixel or two is still the same digit: training on such copies (data augmentation)
    shows the network positions it has not seen (lesson 06 says how to measure the gain).
    """
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        raise ValueError(
            f"random_shift: expected images of shape (N, H, W, C), got shape {getattr(x, 'shape', None)}"
        )
    _validate.integer(max_shift, "random_shift: max_shift", minimum=0)
    if max_shift == 0:
        return x.copy()
    n, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    top, left = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    rows = (top[:, None] + np.arange(h))[:, :, None]  # (N, H, 1)
    cols = (left[:, None] + np.arange(w))[:, None, :]  # (N, 1, W)
    return padded[np.arange(n)[:, None, None], rows, cols]


def lesson_cnn(
    seed: int | np.random.Generator = 0, dtype=np.float32, *, fast: bool = False
) -> Sequential:
    """The lesson's network for (N, 28, 28, 1) digits, returning logits (N, 10).

    conv 3x3x32 - ReLU - maxpool 2 - conv 3x3x64 - ReLU - maxpool 2 - flatten -
    dense 128 - ReLU - dense 10 (softmax is part of the loss). No padding, as in the
    Keras MNIST example: 28 -> 26 -> 13 -> 11 -> 5, so the flattened size is 5*5*64 = 1600.
    Weights are drawn with He initialisation from ``seed``. ``fast=True`` takes the
    convolution and pooling layers from :mod:`course_utils.fast_layers` (same weights,
    same numbers, faster) and skips the first layer's input gradient.
    """
    rng = np.random.default_rng(seed)
    if fast:
        first_conv = fast_layers.Conv2D(
            1, 32, 3, rng=rng, dtype=dtype, input_gradient=False, name="conv1"
        )
        conv, pool = fast_layers.Conv2D, fast_layers.MaxPool2D
    else:
        first_conv = Conv2D(1, 32, 3, rng=rng, dtype=dtype, name="conv1")
        conv, pool = Conv2D, MaxPool2D
    return Sequential(
        [
            first_conv,
            ReLU(name="relu1"),
            pool(2, name="pool1"),
            conv(32, 64, 3, rng=rng, dtype=dtype, name="conv2"),
            ReLU(name="relu2"),
            pool(2, name="pool2"),
            Flatten(name="flatten"),
            Dense(5 * 5 * 64, 128, rng=rng, dtype=dtype, name="dense1"),
            ReLU(name="relu3"),
            Dense(128, 10, rng=rng, dtype=dtype, name="dense2"),
        ]
    )


__all__ = [
    "History",
    "Sequential",
    "backward",
    "forward",
    "lesson_cnn",
    "random_shift",
    "train_epoch",
    "train_step",
]
