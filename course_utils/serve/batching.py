"""Dynamic batching: digits from concurrent requests answered by one model call.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Dynamic batching: wait at most this long for more requests, and batch at most this many.
BATCH_WINDOW_MS = 5.0

MAX_BATCH_SIZE = 32


class DynamicBatcher:
    """Collect digits from concurrent requests and answer them with one batched model call.

    ``await batcher.predict(digit)`` (digit: (28, 28) float32) returns that digit's
    probabilities (10,). The loop in :meth:`run` takes the first waiting digit,
    then whatever else arrives within ``window_s`` seconds (at most
    ``max_batch_size``), calls ``predict_batch`` ((N, 28, 28) -> (N, 10)) once in
    its own thread, and hands each request its row. While that call runs, the next
    requests queue up, so under load the batches fill without waiting.
    ``more_coming()`` (optional) says how many requests are on their way (being
    preprocessed); when none is, the batch goes at once instead of waiting out the
    window, so a lone request is not delayed.
    """

    def __init__(
        self,
        predict_batch,
        *,
        max_batch_size: int = MAX_BATCH_SIZE,
        window_s: float = 0.005,
        more_coming=None,
    ):
        self.predict_batch = predict_batch
        self.more_coming = more_coming or (lambda: 1)
        self.max_batch_size = max_batch_size
        self.window_s = window_s
        self.batch_sizes: list[int] = []
        self._queue: asyncio.Queue | None = None
        self._model_thread = ThreadPoolExecutor(1, thread_name_prefix="model")

    async def predict(self, digit: np.ndarray) -> np.ndarray:
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((digit, future))
        return await future

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + self.window_s
            while len(batch) < self.max_batch_size:
                if not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0 or self.more_coming() == 0:
                    break
                # Poll rather than asyncio.wait_for(queue.get()): before Python 3.12 a
                # timeout can cancel a get() that already took an item (that request
                # would never be answered), and on 3.10 it raises asyncio.TimeoutError,
                # not TimeoutError, which ended this loop and stalled every request.
                await asyncio.sleep(min(remaining, 0.0005))
            waiting = [(digit, future) for digit, future in batch if not future.done()]
            if not waiting:
                continue
            self.batch_sizes.append(len(waiting))
            digits = np.stack([digit for digit, _ in waiting])
            try:
                probs = await loop.run_in_executor(self._model_thread, self.predict_batch, digits)
            except Exception as error:  # a model failure fails this batch's requests, not the loop
                for _, future in waiting:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), row in zip(waiting, probs):
                if not future.done():
                    future.set_result(row)

    def close(self) -> None:
        self._model_thread.shutdown(wait=False, cancel_futures=True)
