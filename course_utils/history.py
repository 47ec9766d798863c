"""What a training loop measured: one epoch timer and one history, for numpy and Keras alike.

:class:`EpochTimer` keeps the wall time of every epoch in ``epoch_seconds``; its
``on_epoch_begin``/``on_epoch_end`` are the names Keras calls on a callback, and the
numpy loops (``network.Sequential.fit``, ``mlp_from_scratch.train``) call them too.
``keras_dense.EpochTimer`` is this same timer as a ``keras.callbacks.Callback``.
:class:`History` is what the numpy loops return, shaped like Keras' ``History``:
``history.history`` is ``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``
(one value per epoch, what ``plotting.learning_curves`` draws), and it is an
:class:`EpochTimer`. Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import time

import numpy as np


class EpochTimer:
    """Wall time of every epoch: ``epoch_seconds`` (a list) and their mean ``seconds_per_epoch``."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args, **kwargs
        )  # cooperative: keras_dense.EpochTimer mixes in a Keras callback
        self.epoch_seconds: list[float] = []
        self._start: float | None = None

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self._start is None:
            raise RuntimeError("on_epoch_end was called before on_epoch_begin")
        self.epoch_seconds.append(time.perf_counter() - self._start)
        self._start = None

    @property
    def seconds_per_epoch(self) -> float:
        """Mean seconds of an epoch so far; NaN before the first one ends."""
        return float(np.mean(self.epoch_seconds)) if self.epoch_seconds else float("nan")


class History(EpochTimer):
    """Per-epoch metrics in ``history`` (a dict of lists) plus the time of every epoch.

    ``metrics`` names the lists to start with, e.g. ``("loss", "accuracy", "val_loss",
    "val_accuracy")``. ``batch_loss``: the loss of every batch, where the loop records it;
    ``learning_rate``: the rate of every epoch; ``num_examples``: training examples per epoch.
    """

    def __init__(self, metrics=("loss", "accuracy")):
        super().__init__()
        self.history: dict[str, list[float]] = {name: [] for name in metrics}
        self.batch_loss: list[float] = []
        self.learning_rate: list[float] = []
        self.num_examples = 0

    @property
    def images_per_second(self) -> float:
        """Training examples processed per second, over all epochs."""
        total = sum(self.epoch_seconds)
        return self.num_examples * len(self.epoch_seconds) / total if total else float("nan")

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch_seconds)}, last={last})"


__all__ = ["EpochTimer", "History"]
