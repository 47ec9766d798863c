"""Serve the digit classifier over HTTP (FastAPI + uvicorn), fast and hard to hurt.

Start it with one command::

    python -m course_utils.serve --model build/models/lesson07_cnn.keras --port 8000 [--host 127.0.0.1]

``--model`` is a ``.keras`` file or a SavedModel folder (``model.export(...)``); it
is loaded once, at start-up. The service answers

* ``GET /health`` -> ``{"status": "ok", "model": NAME}``;
* ``POST /predict`` with a picture of one digit, sent as ``multipart/form-data``
  in the field named ``file`` (``curl -F file=@digit.png http://127.0.0.1:8000/predict``)
  -> ``{"digit": 7, "probabilities": [p0, ..., p9]}``. The picture goes through
  ``course_utils.preprocess.to_mnist`` first, so any photo or scan works.

How a request is served (each step is what serving systems do, and lesson 09
measures what it buys):

1. **read** the request line and headers within ``header_timeout`` seconds
   (:func:`header_timeout_protocol`: uvicorn starts no timer of its own before a
   request's headers are complete, so a connection that sends nothing, or half a
   request line, would be held forever), then the body in the event loop, at most ``max_upload_bytes`` and within
   ``body_timeout`` seconds (408 and a closed connection for a stalled upload);
2. **decode, bounded** (:func:`open_bounded`): the declared size is checked
   before decoding (at most :data:`MAX_PIXELS`), large JPEGs are decoded at 1/2,
   1/4 or 1/8 size (Pillow's draft mode) and every picture is reduced to a longer
   side of about :data:`DECODE_SIDE` pixels; at most ``max_decodes`` uploads are
   decoded at a time (a semaphore);
3. **preprocess** (``preprocess.to_mnist_steps``) in a pool of
   ``preprocess_workers`` processes, one per core by default (Pillow's median
   filter holds Python's global lock, so threads would take turns on one core);
4. **predict** with the model's inference compiled once (a ``tf.function`` with a
   fixed input signature, or a SavedModel's ``serve`` endpoint) and **batched
   dynamically**: the digits that arrive within ``batch_window_ms`` (up to
   ``max_batch_size``) go through one batched call, and each request gets its
   own row back (TensorFlow Serving's batching, Triton's dynamic batcher).

``--no-batching`` (``inference="eager", preprocess_workers=0``) keeps the first
version: preprocessing in threads of the service's process, and one
``model(x, training=False)`` call per request, one at a time under a lock.

A client's mistake never gets a 500; the answer is a 4xx whose JSON ``detail``
says what went wrong, and the service keeps serving:

=====  ==================================================================
code   when
=====  ==================================================================
400    empty body; no ``file`` field; bytes that are not an image; a damaged
       or truncated file
408    the request line and headers did not arrive within ``header_timeout`` s of
       the connection opening (or of a request's first byte on a kept-alive
       connection), or the body did not arrive within ``body_timeout`` s; the
       connection is closed
413    a body over ``max_upload_bytes`` (default :data:`MAX_UPLOAD_BYTES`,
       10 MiB, ``--max-upload-mb`` in MiB), or a picture over :data:`MAX_PIXELS`
415    a request that is not ``multipart/form-data``, or a file part whose
       content type is neither ``image/*`` nor ``application/octet-stream``
422    a picture with no digit on it (a blank page), or clearly not a digit:
       a picture, or an ink stroke, more than :data:`MAX_ASPECT` times wider
       than tall (a 20000x1 strip, a horizontal line)
=====  ==================================================================

Idle keep-alive connections are closed after ``keep_alive`` seconds; a client
that disconnects mid-upload is logged in one line, without a traceback.

:func:`create_app(model) <create_app>` builds the application around an
already loaded model (the tests use it); :class:`BackgroundServer` runs an app
in a thread, :func:`start_service` runs the documented command in a
subprocess, and :func:`load_test` measures requests per second
(``python -m course_utils.tools.bench_serve`` compares the configurations).

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import io
import json
import logging
import math
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

from . import preprocess
from .handwriting import predict_probabilities

#: Largest request body accepted by default: 10 MiB (10,485,760 bytes), enough for a phone photo.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Largest picture the service decodes, in pixels: 36 megapixels (6000 x 6000, or a
#: 7360 x 4912 camera), below ``preprocess.MAX_PIXELS``; phones save 12 MP by default.
MAX_PIXELS = 36_000_000
#: Largest picture with more than 8 bits per channel (16-bit or 32-bit integer, float: Pillow
#: modes ``I;16``, ``I``, ``F``): these cannot be reduced while decoding and cost 4 bytes a
#: pixel at every step of preprocessing (a 5999 x 5999 16-bit PNG of 92 KB took 1 GB).
MAX_DEEP_PIXELS = 4_000_000
#: Bytes of uploads being received and handled at once; a request over it gets 503 at once.
MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024
#: Seconds a worker may take to decode and preprocess one picture; 504 after, and the
#: workers are replaced (a hung worker would otherwise hold every later request).
REQUEST_TIMEOUT = 10.0
#: Seconds a client is told to wait (``Retry-After``) when the service is busy or restarting.
RETRY_AFTER_S = 1
#: Pictures are decoded (JPEG draft mode) and reduced to a longer side of about this;
#: preprocessing works at ``preprocess.WORKING_SIZE`` (512) px, so nothing is lost.
DECODE_SIDE = 1024
#: A picture or ink stroke more than this many times wider than tall is not a digit.
MAX_ASPECT = 10.0
#: The multipart field that carries the picture.
FIELD_NAME = "file"
#: Dynamic batching: wait at most this long for more requests, and batch at most this many.
BATCH_WINDOW_MS = 5.0
MAX_BATCH_SIZE = 32
#: Seconds a request's line and headers may take to arrive after the connection opens (408
#: and a close after), a request body may take to arrive (408 after), and an idle
#: connection may stay open.
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
KEEP_ALIVE = 5.0
#: How the model is called: batched (default), compiled one at a time, or eager one at a time.
INFERENCE_MODES = ("batched", "compiled", "eager")
_IMAGE_TYPES_OK = ("image/", "application/octet-stream")

logger = logging.getLogger(__name__)


class UploadError(Exception):
    """A client's mistake: ``status_code`` (4xx) and a ``detail`` sentence.

    ``close=True`` also closes the connection (the body was not read to its end).
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    def __init__(
        self, status_code: int, detail: str, *, close: bool = False, retry_after: int | None = None
    ):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.close = close
        self.retry_after = retry_after


def export_saved_model(model, path: str | os.PathLike) -> Path:
    """Export a Keras model as a TensorFlow SavedModel whose ``serve`` endpoint runs in inference mode.

    ``model.export(path)`` traces ``model(x)`` without ``training=False``, and Keras'
    random augmentation layers (``RandomRotation``, ``RandomTranslation``: lesson 07's
    improved CNN has them) default to training mode there: the exported model would
    classify randomly shifted digits. This endpoint calls ``model(x, training=False)``.
    x: (N, 28, 28, 1) float32 in [0, 1]. Returns ``Path(path)``.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    archive.add_endpoint("serve", lambda x: model(x, training=False), input_signature=[spec])
    archive.write_out(str(path), verbose=False)
    return Path(path)


def check_model_path(path: str | os.PathLike) -> Path:
    """``Path(path)`` if a model can be loaded from it, without loading it.

    Raises ``FileNotFoundError`` (nothing there) or ``ValueError`` (neither a
    ``.keras``/``.h5`` file nor a SavedModel folder) saying what was expected.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"no model at {str(path)!r}; run lesson 07 (or lesson 09's export) to make one"
        )
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ValueError(f"{str(path)!r} is a folder but not a SavedModel (no saved_model.pb)")
    elif path.suffix not in (".keras", ".h5"):
        raise ValueError(f"expected a .keras file or a SavedModel folder, got {str(path)!r}")
    return path


def load_model(path: str | os.PathLike):
    """Load a ``.keras`` file or a SavedModel folder for serving.

    Returns a Keras model (``.keras``/``.h5``) or the object of
    ``tf.saved_model.load`` (a folder); both work with
    ``handwriting.predict_probabilities``. Raises ``FileNotFoundError`` or
    ``ValueError`` with what was expected (:func:`check_model_path`).
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    path = check_model_path(path)
    if path.is_dir():
        import tensorflow as tf

        return tf.saved_model.load(str(path))
    import keras

    return keras.models.load_model(path)


class CompiledModel:
    """``model``'s inference traced once into a graph: ``serve(x)`` -> (N, 10).

    x: (N, 28, 28, 1) float32 (or the model's own input layout), any N: the input
    signature fixes everything but the batch size, so TensorFlow traces once and
    every later call runs the graph without Python's per-layer overhead. A
    SavedModel's ``serve`` endpoint is already such a graph and is used as it is.
    ``handwriting.predict_probabilities(CompiledModel(model), digits)`` works like
    ``predict_probabilities(model, digits)``.
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    def __init__(self, model):
        import tensorflow as tf

        self.input_shape = getattr(model, "input_shape", None)
        if hasattr(model, "serve") and not hasattr(model, "predict"):
            self.serve = model.serve
            return
        layout = tuple(self.input_shape[1:]) if self.input_shape else (28, 28, 1)
        spec = tf.TensorSpec((None, *layout), tf.float32)
        self.serve = tf.function(lambda x: model(x, training=False), input_signature=[spec])


def open_bounded(
    content: bytes, *, max_pixels: int = MAX_PIXELS, longest_side: int = DECODE_SIDE
) -> Image.Image:
    """Decode ``content`` with bounded memory: a PIL image whose longer side is about ``longest_side``.

    The size in the file's header is checked first (``preprocess.ImageError``
    "too_large" above ``max_pixels``, "blank" for a picture more than
    :data:`MAX_ASPECT` times longer one way than the other: not a digit); a JPEG is decoded directly at 1/2, 1/4 or
    1/8 size (draft mode) and any picture is then reduced by an integer factor
    (box average) to a longer side between ``longest_side`` and twice it. A
    6000x6000 JPEG thus never exists in memory at full size; a PNG does, once,
    for the moment of its reduction. EXIF orientation travels with the result
    (``preprocess`` applies it). Pictures that cannot be decoded raise the
    ``preprocess.ImageError`` that ``preprocess.load_image`` gives them.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    try:
        picture = Image.open(io.BytesIO(content))
        width, height = picture.size
        if width * height > max_pixels:
            raise preprocess.ImageError(
                f"the image is too large ({width} x {height} pixels): the service accepts "
                f"at most {max_pixels:,} pixels; shrink the picture first",
                reason="too_large",
            )
        if picture.mode in _DEEP_MODES and width * height > MAX_DEEP_PIXELS:
            raise preprocess.ImageError(
                f"the image is too large for its depth ({width} x {height} pixels, mode "
                f"{picture.mode}: more than 8 bits per channel): the service accepts such "
                f"pictures up to {MAX_DEEP_PIXELS:,} pixels (8-bit ones up to {max_pixels:,}); "
                "save it as an 8-bit PNG or a JPEG, or shrink it first",
                reason="too_large",
            )
        _check_aspect((width, height), "picture")  # a 20000x1 strip: refused before decoding
        target = longest_side / max(width, height, 1)
        if picture.format == "JPEG" and target < 0.5:
            picture.draft(None, (math.ceil(width * target), math.ceil(height * target)))
        picture.load()
    except preprocess.ImageError:
        raise
    except Exception:  # let preprocess say what is wrong, in its words and with its reason
        preprocess.load_image(content)
        raise
    factor = max(picture.size) // longest_side
    if factor >= 2:
        try:
            picture = picture.reduce(factor)
        except ValueError:  # a mode reduce() does not handle (16-bit): preprocess shrinks it
            pass
    return picture


_DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")


def _check_aspect(size: tuple[int, int], what: str) -> None:
    width, height = size
    if width > MAX_ASPECT * max(height, 1) or height > MAX_ASPECT * max(width, 1):
        raise preprocess.ImageError(
            f"not a digit: the {what} is {width} x {height} pixels, more than "
            f"{MAX_ASPECT:g} times longer one way than the other; send a picture of one digit",
            reason="blank",
        )


def digit_from_upload(content: bytes) -> np.ndarray:
    """The (28, 28) float32 MNIST digit of an uploaded picture, with bounded memory.

    Decodes with :func:`open_bounded` (which refuses a picture more than
    :data:`MAX_ASPECT` times longer one way than the other), runs
    ``preprocess.to_mnist_steps`` and refuses an ink bounding box more than
    :data:`MAX_ASPECT` times wider than tall (a line; a tall thin stroke is a 1). Raises
    ``preprocess.ImageError``.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    picture = open_bounded(content)
    steps = preprocess.to_mnist_steps(picture)
    top, left, bottom, right = steps.bounding_box
    if right - left > MAX_ASPECT * max(bottom - top, 1):
        _check_aspect((right - left, bottom - top), "ink")
    return steps.result


def _digit_or_error(content: bytes):
    """:func:`digit_from_upload` for a worker process: ("digit", x) or ("error", reason, message).

    (An ``ImageError`` itself does not survive pickling: its ``reason`` is keyword-only.)
    """
    try:
        return ("digit", digit_from_upload(content))
    except preprocess.ImageError as error:
        return ("error", error.reason, str(error))


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
    Taught in notebooks/09_serve_the_model.ipynb.
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


def create_app(
    model,
    *,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    model_name: str = "digits",
    inference: str = "batched",
    batch_window_ms: float = BATCH_WINDOW_MS,
    max_batch_size: int = MAX_BATCH_SIZE,
    body_timeout: float = BODY_TIMEOUT,
    preprocess_workers: int | None = None,
    max_decodes: int | None = None,
    request_timeout: float = REQUEST_TIMEOUT,
    max_in_flight_bytes: int = MAX_IN_FLIGHT_BYTES,
):
    """The FastAPI application serving ``model`` (see the module docstring for the API).

    model: anything ``handwriting.predict_probabilities`` takes, loaded once by the
    caller. max_upload_bytes: the largest request body accepted (413 above it).
    inference: "batched" (compiled, dynamic batches of up to ``max_batch_size``
    collected for ``batch_window_ms``), "compiled" (one request at a time) or
    "eager" (``model(x, training=False)`` one at a time, as the first version).
    body_timeout: seconds for a body to arrive (408 after).
    preprocess_workers: processes that decode and preprocess (default: one per
    core; Pillow's median filter holds Python's lock, so threads would share one
    core); 0 preprocesses in threads of this process, as the first version did.
    max_decodes: how many pictures are decoded at the same time (default: one per
    worker, at least 2). request_timeout: seconds a worker may take for one
    picture (504 after, and the workers are replaced). max_in_flight_bytes: the
    bytes of uploads handled at once (503 above). ``app.state.batcher`` is the
    :class:`DynamicBatcher` (None unless batched), ``app.state.workers`` the
    :class:`WorkerPool`.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    _check_positive_int("max_upload_bytes", max_upload_bytes)
    _check_positive_int("max_batch_size", max_batch_size)
    workers = (os.cpu_count() or 2) if preprocess_workers is None else preprocess_workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"preprocess_workers must be an integer >= 0, got {preprocess_workers!r}")
    max_decodes = max(workers, 2) if max_decodes is None else max_decodes
    _check_positive_int("max_decodes", max_decodes)
    if inference not in INFERENCE_MODES:
        raise ValueError(f"inference must be one of {INFERENCE_MODES}, got {inference!r}")
    if not _is_number(batch_window_ms) or batch_window_ms < 0:
        raise ValueError(f"batch_window_ms must be a finite number >= 0, got {batch_window_ms!r}")
    if not _is_number(body_timeout) or body_timeout <= 0:
        raise ValueError(f"body_timeout must be a finite number > 0, got {body_timeout!r}")
    if not _is_number(request_timeout) or request_timeout <= 0:
        raise ValueError(f"request_timeout must be a finite number > 0, got {request_timeout!r}")
    _check_positive_int("max_in_flight_bytes", max_in_flight_bytes)

    runner = model if inference == "eager" else CompiledModel(model)
    # One prediction at start-up: builds (traces) the model's graph before the first client waits.
    predict_probabilities(runner, np.zeros((1, 28, 28), dtype=np.float32))
    pool = WorkerPool(workers, request_timeout)
    budget = UploadBudget(max_in_flight_bytes)
    decode_slots = asyncio.Semaphore(max_decodes)
    lock = threading.Lock()
    batcher = None
    preprocessing = [0]  # requests being preprocessed: on their way to the batcher
    if inference == "batched":
        batcher = DynamicBatcher(
            lambda digits: predict_probabilities(runner, digits),
            max_batch_size=max_batch_size,
            window_s=batch_window_ms / 1000,
            more_coming=lambda: preprocessing[0],
        )

    @asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(batcher.run()) if batcher else None
        supervisor = asyncio.create_task(pool.supervise())
        try:
            yield
        finally:
            supervisor.cancel()
            if task:
                task.cancel()
                batcher.close()
            # wait for the workers to end: uvicorn re-raises SIGTERM afterwards, and atexit never runs
            await asyncio.to_thread(pool.shutdown)

    app = FastAPI(
        title="MNIST digit classifier",
        description="POST a picture of one handwritten digit to /predict (multipart field "
        f"'{FIELD_NAME}'); the answer is the digit and the ten probabilities.",
        lifespan=lifespan,
    )
    app.state.model = model
    app.state.max_upload_bytes = max_upload_bytes
    app.state.batcher = batcher
    app.state.workers = pool

    @app.exception_handler(UploadError)
    async def _upload_error(request, error: UploadError):
        headers = {"connection": "close"} if error.close else {}
        if error.retry_after is not None:
            headers["retry-after"] = str(error.retry_after)
        return JSONResponse(
            status_code=error.status_code, content={"detail": error.detail}, headers=headers
        )

    @app.get("/health")
    async def health():
        """Is the service up (always 200 while it runs), can it answer now, and which model?"""
        ready = pool.ready
        return {"status": "ok" if ready else "degraded", "ready": ready, "model": model_name}

    @app.get("/ready")
    async def ready():
        """200 when ``/predict`` can answer, 503 while workers are being replaced (a readiness probe)."""
        if pool.ready:
            return {"ready": True}
        return JSONResponse(
            status_code=503, content={"ready": False}, headers={"retry-after": str(RETRY_AFTER_S)}
        )

    def predict_one(digit: np.ndarray) -> np.ndarray:
        with lock:
            return predict_probabilities(runner, digit)[0]

    @app.post(
        "/predict",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": [FIELD_NAME],
                            "properties": {FIELD_NAME: {"type": "string", "format": "binary"}},
                        }
                    }
                },
            }
        },
    )
    async def predict(request: Request):
        """Classify the picture in the multipart field ``file``."""
        from starlette.requests import ClientDisconnect

        taken = [0]  # bytes of this request counted in the budget, given back when it is answered
        try:
            content = await _read_upload(request, max_upload_bytes, body_timeout, budget, taken)
            preprocessing[0] += 1
            try:
                async with decode_slots:
                    outcome = await pool.run(content)
            finally:
                preprocessing[0] -= 1
        except ClientDisconnect:
            client = (
                f"{request.client.host}:{request.client.port}" if request.client else "a client"
            )
            logger.warning("%s disconnected before its upload arrived; nothing to answer", client)
            return JSONResponse(status_code=400, content={"detail": "disconnected"})
        finally:
            budget.give(taken[0])
        if outcome[0] == "error":
            raise _image_error(preprocess.ImageError(outcome[2], reason=outcome[1]))
        digit = outcome[1]
        if batcher is None:
            probs = await asyncio.get_running_loop().run_in_executor(None, predict_one, digit)
        else:
            probs = await batcher.predict(digit)
        # a JSONResponse is sent as it is (FastAPI would first walk a returned dict to encode it)
        return JSONResponse({"digit": int(np.argmax(probs)), "probabilities": probs.tolist()})

    return app


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
    Taught in notebooks/09_serve_the_model.ipynb.
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
        except asyncio.TimeoutError:
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


class UploadBudget:
    """The bytes of uploads in flight, at most ``limit``: over it, a 503 at once, not more memory.

    ``take(n)`` counts ``n`` more bytes or raises :class:`UploadError` 503 with
    ``Retry-After``; ``give(n)`` gives them back when the request is answered. (The
    event loop runs one request's code at a time, so no lock is needed.)
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    def __init__(self, limit: int = MAX_IN_FLIGHT_BYTES):
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        if self.used + n > self.limit:
            raise UploadError(
                503,
                f"the service is busy: {self.used:,} bytes of uploads are in flight and this one "
                f"would pass the limit of {self.limit:,}; send it again in {RETRY_AFTER_S} s",
                close=True,
                retry_after=RETRY_AFTER_S,
            )
        self.used += n

    def give(self, n: int) -> None:
        self.used -= n


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


#: HTTP status of a picture that ``preprocess`` refused, by ``ImageError.reason``; 400 otherwise.
STATUS_BY_REASON = {"blank": 422, "too_large": 413}


def _image_error(error: preprocess.ImageError) -> UploadError:
    return UploadError(STATUS_BY_REASON.get(error.reason, 400), str(error))


async def _read_body(request, max_upload_bytes: int, budget=None, taken=None) -> bytearray:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_upload_bytes:
            raise UploadError(413, _too_large(len(body), max_upload_bytes), close=True)
        if budget is not None and len(body) > taken[0]:  # more than the declared length
            budget.take(len(body) - taken[0])
            taken[0] = len(body)
    return body


async def _read_upload(
    request,
    max_upload_bytes: int,
    body_timeout: float = BODY_TIMEOUT,
    budget: UploadBudget | None = None,
    taken: list[int] | None = None,
) -> bytes:
    """The bytes of the uploaded file, or an :class:`UploadError` saying what is wrong."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        shown = content_type or "none"
        raise UploadError(
            415,
            f"expected a multipart/form-data upload with the picture in the field "
            f"'{FIELD_NAME}' (curl -F {FIELD_NAME}=@digit.png ...), got content type {shown}",
            close=True,
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_upload_bytes:
        raise UploadError(413, _too_large(int(declared), max_upload_bytes), close=True)
    if budget is not None and declared is not None and declared.isdigit():
        budget.take(int(declared))  # before reading: a refused upload costs no memory
        taken[0] = int(declared)
    try:
        body = await asyncio.wait_for(
            _read_body(request, max_upload_bytes, budget, taken), body_timeout
        )
    except asyncio.TimeoutError:  # the builtin TimeoutError only from Python 3.11
        raise UploadError(
            408,
            f"the request body did not arrive within {body_timeout:g} s; send it again",
            close=True,
        ) from None
    if not body:
        raise UploadError(400, "the request body is empty: send a picture in the field 'file'")

    async def replay():
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except Exception as error:  # the multipart parser rejects malformed bodies
        reason = getattr(error, "detail", None) or str(error)
        raise UploadError(
            400,
            f"the multipart body could not be read ({reason}); send the picture as "
            f"multipart/form-data in the field '{FIELD_NAME}'",
        ) from error
    try:
        upload = form.get(FIELD_NAME)
        if upload is None or isinstance(upload, str):
            raise UploadError(
                400,
                f"no file in the field '{FIELD_NAME}'; send the picture as {FIELD_NAME}=@digit.png",
            )
        part_type = (upload.content_type or "application/octet-stream").lower()
        if not part_type.startswith(_IMAGE_TYPES_OK):
            raise UploadError(
                415,
                f"the file's content type is {part_type}; expected an image (image/png, image/jpeg, ...)",
            )
        content = await upload.read()
    finally:
        await form.close()  # the parsed parts are temporary files: close them on every path
    if not content:
        raise UploadError(400, f"the file in the field '{FIELD_NAME}' is empty")
    return content


def _too_large(size: int, limit: int) -> str:
    return f"the upload is too large ({size:,} bytes or more); the limit is {limit:,} bytes"


# --- running it -------------------------------------------------------------------------


def header_timeout_protocol(header_timeout: float = HEADER_TIMEOUT) -> type:
    """uvicorn's h11 protocol, closing connections whose request headers do not arrive in time.

    uvicorn (0.29 to 0.5x) starts its keep-alive timer only after a response, and
    its body timeout is the application's: a connection that opens and sends
    nothing, or half a request line, is held forever. This protocol starts a timer
    when the connection opens (and when a kept-alive connection receives the first
    byte of its next request), stops it once h11 has parsed the request line and
    headers, and otherwise answers 408 and closes the connection after
    ``header_timeout`` seconds. Pass it as ``uvicorn.Config(app, http=...)``.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    if not _is_number(header_timeout) or header_timeout <= 0:
        raise ValueError(f"header_timeout must be a finite number > 0, got {header_timeout!r}")
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._start_header_timer()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE:
                self._start_header_timer()  # a kept-alive connection's next request has begun
            else:
                self._stop_header_timer()  # the request line and headers are parsed

        def connection_lost(self, exc) -> None:
            self._stop_header_timer()
            super().connection_lost(exc)

        def _start_header_timer(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _stop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            detail = (
                f"the request headers did not arrive within {header_timeout:g} s; send them again"
            )
            body = json.dumps({"detail": detail}).encode()
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                b"connection: close\r\ncontent-length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            self.transport.close()
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            logger.warning("closed the connection from %s: %s", client, detail)

    HeaderTimeoutH11Protocol.header_timeout = header_timeout
    return HeaderTimeoutH11Protocol


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now.

    Taught in notebooks/09_serve_the_model.ipynb.
    """
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class BackgroundServer:
    """Run an ASGI ``app`` with uvicorn in a daemon thread, on ``host`` and a free port.

    Use as a context manager: ``with BackgroundServer(app) as server: httpx.get(server.url + "/health")``.
    The socket is bound before the thread starts, so there is no race for the port.
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    def __init__(
        self,
        app,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 30.0,
        keep_alive: float = KEEP_ALIVE,
        header_timeout: float = HEADER_TIMEOUT,
    ):
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.host, self.port = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=keep_alive,
            http=header_timeout_protocol(header_timeout),
        )
        self.server = uvicorn.Server(config)
        self.timeout = timeout
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + self.timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {self.timeout} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(self.timeout)
        self.socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class ServiceProcess:
    """The service started by :func:`start_service`: its ``url``, ``command`` and process.

    Taught in notebooks/09_serve_the_model.ipynb.
    """

    url: str
    command: list[str]
    process: subprocess.Popen
    log_path: Path | None = None

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the service (SIGTERM, then SIGKILL after ``timeout`` s); return its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def log(self, tensorflow_chatter: bool = False) -> str:
        """What the service printed so far; without TensorFlow's start-up messages unless asked."""
        text = self.log_path.read_text() if self.log_path and self.log_path.exists() else ""
        if tensorflow_chatter:
            return text
        chatter = ("I0000 ", "W0000 ", "E0000 ", "WARNING: All log messages before absl")
        return "".join(
            line for line in text.splitlines(keepends=True) if not line.startswith(chatter)
        )

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def service_command(model_path, port: int, host: str = "127.0.0.1", options=()) -> list[str]:
    """The documented command line: ``python -m course_utils.serve --model PATH --port PORT --host HOST``.

    options: more arguments, e.g. ``["--no-batching"]`` or ``["--body-timeout-s", "2"]``.

    Taught in notebooks/09_serve_the_model.ipynb.
    """
    return [
        sys.executable,
        "-m",
        "course_utils.serve",
        "--model",
        str(model_path),
        "--port",
        str(port),
        "--host",
        host,
        *map(str, options),
    ]


def start_service(
    model_path,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 120.0,
    log_path=None,
    options=(),
) -> ServiceProcess:
    """Run :func:`service_command` in a subprocess and wait until ``GET /health`` answers.

    port: None picks a free one; options: more arguments (:func:`service_command`). The output goes to ``log_path`` (a temporary file
    when None). Raises ``RuntimeError`` with the service's output when it exits or
    does not answer within ``timeout`` seconds. The service is also stopped when
    this Python process exits.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    import tempfile

    import httpx

    port = free_port(host) if port is None else port
    command = service_command(model_path, port, host, options)
    if log_path is None:
        log_path = Path(tempfile.mkstemp(prefix="digit-service-", suffix=".log")[1])
    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
    service = ServiceProcess(f"http://{host}:{port}", command, process, log_path)
    atexit.register(service.stop)  # never leave a server behind when Python exits
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the service exited with code {process.returncode}:\n{service.log()}"
            )
        try:
            if httpx.get(service.url + "/health", timeout=1.0).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    service.stop()
    raise RuntimeError(f"the service did not answer /health within {timeout} s:\n{service.log()}")


@dataclass
class LoadReport:
    """What :func:`load_test` measured.

    ``status_codes[i]`` and ``digits[i]`` belong to request ``i`` (status 0 and
    digit None when it got no answer; its error is in ``errors``). ``latencies``
    holds the seconds of the *answered* requests only (status 200), so requests
    that failed do not pull the median and the 95th percentile towards 0; likewise
    :attr:`requests_per_second` counts answered requests only.
    Taught in notebooks/09_serve_the_model.ipynb.
    """

    num_requests: int
    concurrency: int
    seconds: float
    status_codes: list[int] = field(default_factory=list)
    digits: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        """How many requests were answered 200 (a digit and its probabilities)."""
        return sum(code == 200 for code in self.status_codes)

    @property
    def requests_per_second(self) -> float:
        """Answered requests (status 200) per second of the whole test."""
        return self.answered / self.seconds

    def percentiles_ms(self, q=(50, 95, 99)) -> list[float]:
        """Latency percentiles of the answered requests, in milliseconds (0 when none was answered)."""
        if not self.latencies:
            return [0.0] * len(q)
        return [float(v) for v in np.percentile(self.latencies, q) * 1000]

    def __str__(self) -> str:
        p50, p95 = self.percentiles_ms((50, 95))
        return (
            f"{self.num_requests} requests from {self.concurrency} clients in {self.seconds:.2f} s: "
            f"{self.answered} answered 200 ({self.requests_per_second:.1f} per second), "
            f"{len(self.errors)} got no answer; latency of the answered: median {p50:.0f} ms, "
            f"95th percentile {p95:.0f} ms"
        )


def _multipart(
    name: str, content: bytes, boundary: str = "digit-service-boundary"
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body holding ``content`` in the field ``file``, and its content type."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{FIELD_NAME}"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return (
        head + content + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def load_test(
    url: str,
    files: list[tuple[str, bytes]],
    num_requests: int = 200,
    concurrency: int = 8,
    timeout: float = 30.0,
) -> LoadReport:
    """Send ``num_requests`` POST /predict requests from ``concurrency`` threads.

    files: ``[(file_name, content), ...]``, used in turn. Every request is recorded:
    ``status_codes[i]`` and ``digits[i]`` belong to ``files[i % len(files)]``;
    a request that got no answer is in ``errors``. Each thread keeps one
    ``http.client.HTTPConnection`` (a kept-alive connection, opened again after
    an error); all are closed at the end. The multipart bodies are built once,
    before the clock starts: the standard library's client costs about 0.4 ms of
    CPU per request where ``httpx`` cost 2.6 ms, CPU that a client sharing the
    machine's cores with the service takes from the service.
    Returns a :class:`LoadReport`.
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    import http.client
    from urllib.parse import urlsplit

    if not files:
        raise ValueError("files must hold at least one (name, bytes) picture")
    address = urlsplit(url)
    path = address.path.rstrip("/") + "/predict"
    bodies = [_multipart(name, content) for name, content in files]
    status_codes: list[int] = [0] * num_requests
    digits: list[int | None] = [None] * num_requests
    latencies: list[float | None] = [None] * num_requests
    errors: list[str] = []
    local = threading.local()
    connections: list[http.client.HTTPConnection] = []

    def one(i: int) -> None:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
            local.connection = connection
            connections.append(connection)
        body, content_type = bodies[i % len(bodies)]
        started = time.perf_counter()
        try:
            connection.request("POST", path, body, {"Content-Type": content_type})
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()  # the next request on this thread opens it again
            errors.append(f"request {i}: {type(error).__name__}: {error}")
            return
        status_codes[i] = response.status
        if response.status == 200:
            latencies[i] = time.perf_counter() - started
            digits[i] = json.loads(answer)["digit"]

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(num_requests)))
        seconds = time.perf_counter() - started
    finally:
        for connection in connections:
            connection.close()
    answered = [latency for latency in latencies if latency is not None]
    return LoadReport(num_requests, concurrency, seconds, status_codes, digits, answered, errors)


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _upload_megabytes(text: str) -> float:
    value = _positive_number(text)
    if value * 1024 * 1024 < 1:
        raise argparse.ArgumentTypeError(f"expected at least one byte (1e-6 MiB), got {text!r}")
    return value


def _batch_size(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 1024:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 1024, got {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return int(text)


def _model_path(text: str) -> Path:
    try:
        return check_model_path(text)
    except (FileNotFoundError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser; every bad value is a usage error (exit 2) before the model loads.

    Taught in notebooks/09_serve_the_model.ipynb.
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.serve",
        description="Serve a digit classifier over HTTP: POST /predict (multipart field 'file'), GET /health.",
    )
    parser.add_argument(
        "--model", required=True, type=_model_path, help="a .keras file or a SavedModel folder"
    )
    parser.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=_upload_megabytes,
        default=MAX_UPLOAD_BYTES / 1024 / 1024,
        help="largest upload in MiB, 1 MiB = 1,048,576 bytes (default 10)",
    )
    parser.add_argument(
        "--batch-window-ms",
        type=_non_negative_number,
        default=BATCH_WINDOW_MS,
        help=f"how long to collect requests into one batch (default {BATCH_WINDOW_MS:g} ms)",
    )
    parser.add_argument(
        "--max-batch-size",
        type=_batch_size,
        default=MAX_BATCH_SIZE,
        help=f"most pictures in one model call (default {MAX_BATCH_SIZE})",
    )
    parser.add_argument(
        "--no-batching",
        action="store_true",
        help="the first version: preprocessing in threads, one eager model call per request, "
        "one at a time",
    )
    parser.add_argument(
        "--header-timeout-s",
        type=_positive_number,
        default=HEADER_TIMEOUT,
        help="seconds a request's line and headers may take to arrive; 408 and a close after "
        f"(default {HEADER_TIMEOUT:g})",
    )
    parser.add_argument(
        "--body-timeout-s",
        type=_positive_number,
        default=BODY_TIMEOUT,
        help=f"seconds a request body may take to arrive; 408 after (default {BODY_TIMEOUT:g})",
    )
    parser.add_argument(
        "--request-timeout-s",
        type=_positive_number,
        default=REQUEST_TIMEOUT,
        help="seconds a worker may take to prepare one picture; 504 after, and the workers are "
        f"replaced (default {REQUEST_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-in-flight-mb",
        type=_upload_megabytes,
        default=MAX_IN_FLIGHT_BYTES / 1024 / 1024,
        help="MiB of uploads handled at once; a request over it gets 503 and Retry-After "
        f"(default {MAX_IN_FLIGHT_BYTES / 1024 / 1024:g})",
    )
    parser.add_argument(
        "--keep-alive-s",
        type=_positive_number,
        default=KEEP_ALIVE,
        help=f"seconds an idle connection stays open (default {KEEP_ALIVE:g})",
    )
    return parser


def main(argv=None) -> None:
    """The command line: ``python -m course_utils.serve --model PATH [--port 8000] [--host 127.0.0.1] ...``.

    ``--help`` lists the options (batching, timeouts, upload limit).
    Taught in notebooks/09_serve_the_model.ipynb.
    """
    args = build_parser().parse_args(argv)
    import uvicorn

    logging.basicConfig(format="%(levelname)s:  %(message)s")
    if not args.no_batching:
        import tensorflow as tf

        # The preprocessing workers keep the cores busy; TensorFlow's own thread pools would only
        # take turns with them (one thread each: 2.6 -> 2.2 ms of CPU per request, +15% requests
        # per second on 2 cores). The first version keeps TensorFlow's defaults.
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    model = load_model(args.model)
    app = create_app(
        model,
        max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
        model_name=args.model.name,
        inference="eager" if args.no_batching else "batched",
        preprocess_workers=0 if args.no_batching else None,
        batch_window_ms=args.batch_window_ms,
        max_batch_size=args.max_batch_size,
        body_timeout=args.body_timeout_s,
        request_timeout=args.request_timeout_s,
        max_in_flight_bytes=int(args.max_in_flight_mb * 1024 * 1024),
    )
    mode = (
        "one at a time (eager)"
        if args.no_batching
        else (f"batched (up to {args.max_batch_size} per call, {args.batch_window_ms:g} ms window)")
    )
    print(
        f"Serving {args.model} on http://{args.host}:{args.port} (POST /predict, GET /health); "
        f"inference {mode}",
        flush=True,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_keep_alive=args.keep_alive_s,
        http=header_timeout_protocol(args.header_timeout_s),
    )


if __name__ == "__main__":
    main()
