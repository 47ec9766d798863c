"""A sequential network of numpy layers, its softmax cross-entropy output and a training loop.

``Sequential(layers)`` chains layers from :mod:`course_utils.layers`: ``forward``
runs them in order and returns the logits, ``backward`` runs them in reverse.
The output is softmax followed by cross-entropy, fused
(:func:`course_utils.losses.softmax_cross_entropy` and its backward), so the
gradient of the logits is simply ``(softmax(logits) - one_hot(y)) / N``.
``fit`` trains with any optimizer of :mod:`course_utils.optim`, shows a tqdm
progress bar and returns a :class:`History` that ``plotting.learning_curves``
draws. ``fit(..., workers=2)`` splits every batch between two threads
(:class:`DataParallel`), which uses both cores for numpy's elementwise passes.
``lesson_cnn`` builds the lesson's network.
Taught in notebooks/06_numpy_cnn.ipynb.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import data
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU
from .losses import softmax_cross_entropy, softmax_cross_entropy_backward
from .optim import Optimizer


class History:
    """What ``fit`` measured, shaped like Keras' ``History``.

    ``history``: ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``,
    one value per epoch (training values are means over the epoch's batches);
    ``batch_loss``: the loss of every batch; ``epoch_seconds``: the training time of
    every epoch (without the validation pass); ``learning_rate``: the rate of every epoch.
    Taught in notebooks/06_numpy_cnn.ipynb.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        self.batch_loss: list[float] = []
        self.epoch_seconds: list[float] = []
        self.learning_rate: list[float] = []
        self.num_examples = 0

    @property
    def seconds_per_epoch(self) -> float:
        """Mean training time of an epoch, in seconds."""
        return float(np.mean(self.epoch_seconds)) if self.epoch_seconds else float("nan")

    @property
    def images_per_second(self) -> float:
        """Training examples processed per second, over all epochs."""
        total = sum(self.epoch_seconds)
        return self.num_examples * len(self.epoch_seconds) / total if total else float("nan")

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch_seconds)}, last={last})"


def _check_xy(x, y, what: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{what}: x must be a float numpy array (scale the pixels first), "
                        f"got {getattr(x, 'dtype', type(x).__name__)}")
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"{what}: y must be integer class ids of shape (N,), got {y.dtype} {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"{what}: x has {len(x)} examples but y has {len(y)}")
    if len(x) == 0:
        raise ValueError(f"{what}: got no examples")
    return x, y


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Sequential:
    """Layers applied one after the other; the last one produces the logits (N, K).

    ``params`` and ``grads`` are flat dicts over all layers, keyed ``"<layer name>.<param>"``
    (``"conv1.w"``), holding the layers' own arrays: an optimizer's ``step(net.params,
    net.grads)`` updates the network. Layer names must be unique; layers left without a
    name are numbered (``relu``, ``relu_1``, ...).
    Taught in notebooks/06_numpy_cnn.ipynb.
    """

    def __init__(self, layers: Sequence[Layer]):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential takes layers from course_utils.layers, got {type(layer).__name__}")
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
            raise ValueError(f"layer names must be unique, {duplicates} appear more than once; "
                             "pass name=... to the layers")
        self.layers = layers

    # -- the two passes ----------------------------------------------------------------

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, ...) the first layer's input. Returns the logits (N, K)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for x: (N, ...), by layer name, in order: what the network "sees"."""
        outputs = {}
        for layer in self.layers:
            x = outputs[layer.name] = layer.forward(x)
        return outputs

    def backward(self, dlogits: np.ndarray) -> np.ndarray | None:
        """dlogits: (N, K). Fills every layer's ``grads``; returns dx (None if the first layer skips it)."""
        dout = dlogits
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def loss(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Forward pass and mean softmax cross-entropy: returns ``(loss, logits)``."""
        logits = self.forward(x)
        return softmax_cross_entropy(logits, y), logits

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward and backward on one batch: returns the loss and fills ``grads``."""
        loss, logits = self.loss(x, y)
        self.backward(softmax_cross_entropy_backward(logits, y))
        return loss

    def replica(self) -> Sequential:
        """A network sharing this one's weights (the same ``params`` arrays), with its own caches and ``grads``.

        Forward and backward on the replica leave this network's caches and gradients
        alone, and an optimizer's step on either network updates both. Used by :class:`DataParallel`.
        """
        return Sequential([layer.replica() for layer in self.layers])

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {f"{layer.name}.{key}": value for layer in self.layers for key, value in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return {f"{layer.name}.{key}": value for layer in self.layers for key, value in layer.grads.items()}

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
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None, *shape)), f"{layer.num_params:,}"))
        rows.append(("total", "", f"{self.num_params:,}"))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(-1, "-" * len(lines[0]))
        return "\n".join(lines)

    # -- training and evaluation ---------------------------------------------------------

    def train_step(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer) -> tuple[float, float]:
        """One gradient step on the batch x: (N, ...), y: (N,). Returns ``(loss, accuracy)`` before the step."""
        loss, logits = self.loss(x, y)
        self.backward(softmax_cross_entropy_backward(logits, y))
        optimizer.step(self.params, self.grads)
        return loss, float(np.mean(logits.argmax(axis=1) == y))

    def predict_logits(self, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
        """Logits (N, K) for x: (N, ...), computed ``batch_size`` examples at a time."""
        batch_size = _positive_int(batch_size, "batch_size")
        return np.concatenate([self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])

    def predict(self, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
        """Class probabilities (N, K): the softmax of the logits."""
        logits = self.predict_logits(x, batch_size)
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 128) -> dict[str, float]:
        """Mean loss and accuracy on x: (N, ...), y: (N,): ``{"loss": ..., "accuracy": ...}``."""
        x, y = _check_xy(x, y, "evaluate")
        logits = self.predict_logits(x, batch_size)
        return {"loss": softmax_cross_entropy(logits, y), "accuracy": float(np.mean(logits.argmax(axis=1) == y))}

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
        every training step on two halves of the batch in two threads (:class:`DataParallel`):
        the same gradients, faster on a machine with two or more free cores.
        """
        from tqdm import tqdm

        x, y = _check_xy(x, y, "fit")
        num_epochs = _positive_int(num_epochs, "num_epochs")
        batch_size = _positive_int(batch_size, "batch_size")
        workers = _positive_int(workers, "workers")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must come from course_utils.optim (SGD, Adam), got {type(optimizer).__name__}")
        if validation_data is not None:
            validation_data = _check_xy(*validation_data, "fit(validation_data=...)")
        rng = np.random.default_rng(seed)
        history = History()
        history.num_examples = len(x)
        if validation_data is not None:
            history.history.update(val_loss=[], val_accuracy=[])
        num_batches = math.ceil(len(x) / batch_size)
        # one worker: this network itself; more: a DataParallel over replicas, closed at the end
        parallel = DataParallel(self, workers) if workers > 1 else contextlib.nullcontext(self)
        with parallel as trainer:
            for epoch in range(num_epochs):
                if learning_rate_schedule is not None:
                    optimizer.learning_rate = float(learning_rate_schedule(epoch))
                history.learning_rate.append(optimizer.learning_rate)
                losses, correct, seen = [], 0.0, 0
                bar = tqdm(total=num_batches, desc=f"epoch {epoch + 1}/{num_epochs}", unit="batch",
                           disable=not progress, file=sys.stdout, mininterval=1.0, leave=True)
                start = time.perf_counter()
                for xb, yb in data.iterate_minibatches(x, y, batch_size, rng=rng):
                    if augment is not None:
                        xb = augment(xb, rng)
                    loss, accuracy = trainer.train_step(xb, yb, optimizer)
                    if not math.isfinite(loss):
                        bar.close()
                        raise FloatingPointError(
                            f"the loss became {loss} in epoch {epoch + 1}: weights or activations overflowed; "
                            f"lower the learning rate (now {optimizer.learning_rate:g}) or scale the inputs to [0, 1]")
                    losses.append(loss)
                    correct += accuracy * len(yb)
                    seen += len(yb)
                    bar.update(1)
                    if len(losses) % 10 == 0:
                        bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}", accuracy=f"{correct / seen:.4f}",
                                        refresh=False)
                history.epoch_seconds.append(time.perf_counter() - start)
                history.batch_loss.extend(losses)
                history.history["loss"].append(float(np.mean(losses)))
                history.history["accuracy"].append(correct / len(x))
                if validation_data is not None:
                    scores = self.evaluate(*validation_data)
                    history.history["val_loss"].append(scores["loss"])
                    history.history["val_accuracy"].append(scores["accuracy"])
                    bar.set_postfix(loss=f"{history.history['loss'][-1]:.4f}",
                                    accuracy=f"{history.history['accuracy'][-1]:.4f}",
                                    val_loss=f"{scores['loss']:.4f}", val_accuracy=f"{scores['accuracy']:.4f}",
                                    refresh=False)
                bar.close()
        return history


class DataParallel:
    """One training step split between ``workers`` threads, each running a part of the batch.

    ``DataParallel(network, workers=2)`` keeps ``network`` and ``workers - 1``
    replicas of it (:meth:`Sequential.replica`: the same weight arrays, their own
    caches and gradients). ``loss_and_gradients(x, y)`` cuts the batch x: (N, ...),
    y: (N,) into ``workers`` nearly equal parts of n_i examples, runs forward and
    backward of part i on replica i in its own thread, and combines the results.
    Each part's loss and gradients are means over its n_i examples, so

        loss = sum_i (n_i / N) * loss_i        grads = sum_i (n_i / N) * grads_i

    are the mean over the whole batch: the same numbers as one network on the whole
    batch, up to float rounding. ``train_step(x, y, optimizer)`` is
    :meth:`Sequential.train_step` done this way.

    Threads help in Python here because numpy releases the GIL inside matrix
    products and elementwise operations on large arrays, so the parts really run on
    different cores. During a step BLAS is held at one thread (``threadpoolctl``),
    so the workers do not compete with BLAS's own threads. ``close()`` (or a
    ``with`` block) stops the threads.
    Taught in notebooks/06_numpy_cnn.ipynb.
    """

    def __init__(self, network: Sequential, workers: int = 2):
        if not isinstance(network, Sequential):
            raise TypeError(f"DataParallel takes a Sequential network, got {type(network).__name__}")
        self.workers = _positive_int(workers, "workers")
        self.network = network
        self.replicas = [network] + [network.replica() for _ in range(self.workers - 1)]
        self.grads: dict[str, np.ndarray] = {}
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="data-parallel")
        self._blas = _blas_controller()

    @staticmethod
    def _forward_backward(network: Sequential, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One part: fills ``network.grads``; returns its mean loss and how many it classified right."""
        loss, logits = network.loss(x, y)
        network.backward(softmax_cross_entropy_backward(logits, y))
        return loss, int(np.sum(logits.argmax(axis=1) == y))

    def _run(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        x, y = _check_xy(x, y, "DataParallel")
        n = len(x)
        parts = min(self.workers, n)  # a batch smaller than the workers: one example each
        edges = [n * i // parts for i in range(parts + 1)]
        slices = [slice(edges[i], edges[i + 1]) for i in range(parts)]
        blas = self._blas.limit(limits=1, user_api="blas") if self._blas else contextlib.nullcontext()
        with blas:
            futures = [self._pool.submit(self._forward_backward, replica, x[part], y[part])
                       for replica, part in zip(self.replicas, slices)]
            results = [future.result() for future in futures]
        weights = [(part.stop - part.start) / n for part in slices]
        self.grads = {}
        for replica, weight in zip(self.replicas, weights):
            for key, grad in replica.grads.items():
                if key in self.grads:
                    self.grads[key] += weight * grad
                else:
                    self.grads[key] = weight * grad
        loss = sum(weight * part_loss for weight, (part_loss, _) in zip(weights, results))
        return float(loss), sum(correct for _, correct in results) / n

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward and backward on x: (N, ...), y: (N,) in parts: returns the mean loss and fills ``grads``."""
        return self._run(x, y)[0]

    def train_step(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer) -> tuple[float, float]:
        """One gradient step on the batch x: (N, ...), y: (N,). Returns ``(loss, accuracy)`` before the step."""
        loss, accuracy = self._run(x, y)
        optimizer.step(self.network.params, self.grads)
        return loss, accuracy

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown()

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DataParallel(workers={self.workers})"


def _blas_controller():
    """threadpoolctl's controller of the BLAS threads, or None (with a warning) without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        warnings.warn("threadpoolctl is not installed, so the BLAS threads cannot be held at one per worker: "
                      "pip install threadpoolctl", stacklevel=3)
        return None
    return ThreadpoolController()


def random_shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Move every image by a random whole number of pixels, up to ``max_shift`` each way, filling with 0.

    x: (N, H, W, C). Returns a new array shaped and typed like x. A digit moved by a
    pixel or two is still the same digit: training on such copies (data augmentation)
    makes the network less sensitive to where the digit sits, and it overfits later.
    Taught in notebooks/06_numpy_cnn.ipynb.
    """
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        raise ValueError(f"random_shift: expected images of shape (N, H, W, C), got shape {getattr(x, 'shape', None)}")
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"random_shift: max_shift must be a non-negative integer, got {max_shift!r}")
    if max_shift == 0:
        return x.copy()
    n, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    top, left = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    rows = (top[:, None] + np.arange(h))[:, :, None]  # (N, H, 1)
    cols = (left[:, None] + np.arange(w))[:, None, :]  # (N, 1, W)
    return padded[np.arange(n)[:, None, None], rows, cols]


def set_blas_threads(num_threads: int | None) -> int | None:
    """Limit the threads of numpy's matrix products (BLAS) to ``num_threads``; None leaves them alone.

    On a busy machine (more running programs than cores) one thread is often much
    faster: BLAS threads that wait for each other spin and waste the CPU the others
    need. Uses ``threadpoolctl``; without it, warns and changes nothing. Returns the
    limit set (None when nothing changed).
    Taught in notebooks/06_numpy_cnn.ipynb.
    """
    if num_threads is None:
        return None
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 1:
        raise ValueError(f"num_threads must be a positive integer or None, got {num_threads!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        warnings.warn("threadpoolctl is not installed, so the BLAS threads cannot be limited: "
                      "pip install threadpoolctl", stacklevel=2)
        return None
    threadpool_limits(limits=int(num_threads), user_api="blas")
    return int(num_threads)


def lesson_cnn(seed: int | np.random.Generator = 0, dtype=np.float32) -> Sequential:
    """The lesson's network for (N, 28, 28, 1) digits, returning logits (N, 10).

    conv 3x3x32 - ReLU - maxpool 2 - conv 3x3x64 - ReLU - maxpool 2 - flatten -
    dense 128 - ReLU - dense 10 (softmax is part of the loss). No padding, as in the
    Keras MNIST example: 28 -> 26 -> 13 -> 11 -> 5, so the flattened size is 5*5*64 = 1600.
    Weights are drawn with He initialisation from ``seed``.
    Taught in notebooks/06_numpy_cnn.ipynb.
    """
    rng = np.random.default_rng(seed)
    return Sequential([
        Conv2D(1, 32, 3, rng=rng, dtype=dtype, input_gradient=False, name="conv1"),
        ReLU(name="relu1"),
        MaxPool2D(2, name="pool1"),
        Conv2D(32, 64, 3, rng=rng, dtype=dtype, name="conv2"),
        ReLU(name="relu2"),
        MaxPool2D(2, name="pool2"),
        Flatten(name="flatten"),
        Dense(5 * 5 * 64, 128, rng=rng, dtype=dtype, name="dense1"),
        ReLU(name="relu3"),
        Dense(128, 10, rng=rng, dtype=dtype, name="dense2"),
    ])


__all__ = ["DataParallel", "History", "Sequential", "lesson_cnn", "random_shift", "set_blas_threads"]
