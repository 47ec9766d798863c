"""The service itself: the model loaded once, and the FastAPI app around it.

:func:`create_app(model) <create_app>` builds the application (``POST /predict``,
``GET /health``, ``GET /ready``) around an already loaded model; the request path is
read the upload (:mod:`.limits`), preprocess it in a worker (:mod:`.workers`),
predict in a dynamic batch (:mod:`.batching`).

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .. import _validate, preprocess
from ..handwriting import predict_probabilities
from .batching import BATCH_WINDOW_MS, MAX_BATCH_SIZE, DynamicBatcher
from .limits import (
    BODY_TIMEOUT,
    FIELD_NAME,
    MAX_IN_FLIGHT_BYTES,
    MAX_UPLOAD_BYTES,
    RETRY_AFTER_S,
    UploadBudget,
    UploadError,
    _image_error,
    _read_upload,
)
from .workers import REQUEST_TIMEOUT, WorkerPool

#: How the model is called: compiled and batched (default), or eager one at a time (the first version).
INFERENCE_MODES = ("batched", "eager")

logger = logging.getLogger(__name__)


def export_saved_model(model, path: str | os.PathLike) -> Path:
    """Export a Keras model as a TensorFlow SavedModel whose ``serve`` endpoint runs in inference mode.

    ``model.export(path)`` traces ``model(x)`` without ``training=False``, and Keras'
    random augmentation layers (``RandomRotation``, ``RandomTranslation``: lesson 07's
    improved CNN has them) default to training mode there: the exported model would
    classify randomly shifted digits. This endpoint calls ``model(x, training=False)``.
    x: (N, 28, 28, 1) float32 in [0, 1]. Returns ``Path(path)``.
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
    collected for ``batch_window_ms``) or "eager" (``model(x, training=False)``
    one at a time, as the first version).
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
    """
    max_upload_bytes = _validate.integer(max_upload_bytes, "max_upload_bytes")
    max_batch_size = _validate.integer(max_batch_size, "max_batch_size")
    workers = (os.cpu_count() or 2) if preprocess_workers is None else preprocess_workers
    workers = _validate.integer(workers, "preprocess_workers", minimum=0)
    max_decodes = max(workers, 2) if max_decodes is None else max_decodes
    max_decodes = _validate.integer(max_decodes, "max_decodes")
    if inference not in INFERENCE_MODES:
        raise ValueError(f"inference must be one of {INFERENCE_MODES}, got {inference!r}")
    batch_window_ms = _validate.number(batch_window_ms, "batch_window_ms", non_negative=True)
    body_timeout = _validate.number(body_timeout, "body_timeout", positive=True)
    request_timeout = _validate.number(request_timeout, "request_timeout", positive=True)
    max_in_flight_bytes = _validate.integer(max_in_flight_bytes, "max_in_flight_bytes")

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
        # FastAPI's /docs and /redoc load their scripts from public CDNs: blank offline. The
        # routes are few and described in lesson 09; /openapi.json still describes them.
        docs_url=None,
        redoc_url=None,
    )
    app.state.batcher = batcher
    app.state.workers = pool

    @app.exception_handler(UploadError)
    async def _upload_error(request, error: UploadError):
        headers = {"connection": "close"} if error.close else {}
        if error.retry_after is not None:
            headers["retry-after"] = str(error.retry_after)
        return JSONResponse(
            status_code=error.status_code,
            content={"detail": error.detail},
            headers=headers,
        )

    @app.get("/health")
    async def health():
        """Is the service up (always 200 while it runs), can it answer now, and which model?"""
        ready = pool.ready
        return {
            "status": "ok" if ready else "degraded",
            "ready": ready,
            "model": model_name,
        }

    @app.get("/ready")
    async def ready():
        """200 when ``/predict`` can answer, 503 while workers are being replaced (a readiness probe)."""
        if pool.ready:
            return {"ready": True}
        return JSONResponse(
            status_code=503,
            content={"ready": False},
            headers={"retry-after": str(RETRY_AFTER_S)},
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
