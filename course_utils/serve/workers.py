"""The worker processes that decode and preprocess uploads, supervised.

Pillow's median filter holds Python's global lock, so preprocessing runs in
processes (one per core) rather than threads. :class:`WorkerPool` replaces them
when one dies or hangs, as gunicorn replaces its workers.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from .limits import RETRY_AFTER_S, UploadError, digit_from_upload, preprocess

#: Seconds a worker may take to decode and preprocess one picture; 504 after, and the
#: workers are replaced (a hung worker would otherwise hold every later request).
REQUEST_TIMEOUT = 30.0

logger = logging.getLogger(__name__)


def _digit_or_error(content: bytes):
    """:func:`digit_from_upload` for a worker process: ("digit", x) or ("error", reason, message).

    (An ``ImageError`` itself does not survive pickling: its ``reason`` is keyword-only.)
    """
    try:
        return ("digit", digit_from_upload(content))
    except preprocess.ImageError as error:
        return ("error", error.reason, str(error))


def _end_with_parent(parent_pid: int) -> None:
    """In a worker: exit as soon as the service's process is gone (killed, or ended by a signal)."""

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def _start_processes(workers: int):
    """A started pool of ``workers`` processes for :func:`_digit_or_error`, warmed up."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: forking a process that runs TensorFlow's threads is unsafe.
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    )
    blank = np.full((8, 8), 255, dtype=np.uint8)
    warm_up = io.BytesIO()
    Image.fromarray(blank).save(warm_up, format="PNG")
    for future in [pool.submit(_digit_or_error, warm_up.getvalue()) for _ in range(workers)]:
        future.result()  # the workers have imported everything before the first client
    return pool


class WorkerPool:
    """Processes that decode and preprocess uploads, replaced when one dies or hangs.

    ``await pool.run(content)`` returns :func:`_digit_or_error`'s outcome within
    ``timeout`` seconds. A worker that dies (``kill -9``, the out-of-memory killer)
    breaks a ``ProcessPoolExecutor`` for good; a worker that hangs (SIGSTOP) holds
    its task and the queue's lock, so the others stall too. Either way the pool
    is replaced, as gunicorn replaces its workers: the old processes are killed,
    new ones started in a thread (the event loop keeps answering), and the
    requests the old pool held get :class:`UploadError` 503 (died) or 504 (too
    slow) with ``Retry-After``, and one log line. :attr:`ready` is False while a
    replacement starts. ``workers=0`` preprocesses in threads of this process, as
    the first version did (a thread cannot be killed: only the time limit holds).
    """

    def __init__(self, workers: int, timeout: float = REQUEST_TIMEOUT):
        self.workers = workers
        self.timeout = timeout
        self.restarts = 0
        self._replacing: asyncio.Task | None = None
        if workers == 0:
            self._pool = ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="preprocess")
        else:
            self._pool = _start_processes(workers)

    @property
    def ready(self) -> bool:
        """True when every worker is alive and none is being replaced."""
        return self._pool is not None and self._replacing is None and not self._broken(self._pool)

    def _broken(self, pool) -> bool:
        if self.workers == 0:
            return False
        # ProcessPoolExecutor marks itself broken when a worker dies (a private attribute)
        processes = getattr(pool, "_processes", None) or {}
        return bool(getattr(pool, "_broken", False)) or any(
            not process.is_alive() for process in processes.values()
        )

    async def run(self, content: bytes):
        pool = self._pool
        if pool is None or self._broken(pool):
            self.replace(pool, "a preprocessing worker died")
            raise self._unavailable()
        loop = asyncio.get_running_loop()
        from concurrent.futures.process import BrokenProcessPool

        try:
            return await asyncio.wait_for(
                loop.run_in_executor(pool, _digit_or_error, content), self.timeout
            )
        except BrokenProcessPool:
            self.replace(pool, "a preprocessing worker died")
            raise self._unavailable() from None
        except TimeoutError:
            self.replace(pool, f"a preprocessing worker took more than {self.timeout:g} s")
            raise UploadError(
                504,
                f"preparing the picture took more than {self.timeout:g} s, the service's limit; "
                "the workers are being replaced: send it again",
                retry_after=RETRY_AFTER_S,
            ) from None

    async def supervise(self, every_s: float = 0.25) -> None:
        """Check the workers every ``every_s`` seconds and replace them when one has died."""
        while True:
            await asyncio.sleep(every_s)
            if self._pool is not None and self._broken(self._pool):
                self.replace(self._pool, "a preprocessing worker died")

    def _unavailable(self) -> UploadError:
        return UploadError(
            503,
            "the service is replacing a preprocessing worker that stopped; send it again "
            f"in {RETRY_AFTER_S} s",
            retry_after=RETRY_AFTER_S,
        )

    def replace(self, pool, why: str) -> None:
        """Kill ``pool``'s processes and start new ones in the background (once per broken pool)."""
        if self.workers == 0 or self._replacing is not None or pool is not self._pool:
            return
        logger.warning("%s; replacing the %d workers", why, self.workers)
        self._pool = None
        self._replacing = asyncio.get_running_loop().create_task(self._replace(pool))

    async def _replace(self, old) -> None:
        try:
            if old is not None:
                _kill(old)
            self._pool = await asyncio.to_thread(_start_processes, self.workers)
            self.restarts += 1
            logger.warning("the %d preprocessing workers are running again", self.workers)
        except Exception as error:  # the next request tries again
            logger.error("could not start the preprocessing workers: %s", error)
        finally:
            self._replacing = None

    def shutdown(self) -> None:
        if self._replacing is not None:
            self._replacing.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _kill(pool) -> None:
    """SIGKILL a process pool's workers (a stopped one too) and let the executor go."""
    import signal

    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            os.kill(process.pid, signal.SIGKILL)
        except (ProcessLookupError, TypeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)
