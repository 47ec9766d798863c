"""Serve the digit classifier over HTTP (FastAPI + uvicorn), fast and hard to hurt.

Start it with one command::

    python -m course_utils.serve --model build/models/lesson07_cnn.keras --port 8000 [--host 127.0.0.1]

``--model`` is a ``.keras`` file or a SavedModel folder (``model.export(...)``); it
is loaded once, at start-up. The service answers

* ``GET /health`` -> ``{"status": "ok", "ready": true, "model": NAME}`` (``"degraded"``
  and ``false`` while a worker is being replaced); ``GET /ready`` answers 503 then;
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
   filter holds Python's global lock, so threads would take turns on one core),
   each picture within ``request_timeout`` seconds; a worker that dies or hangs is
   replaced (:class:`WorkerPool`);
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
       (:data:`MAX_DEEP_PIXELS` with more than 8 bits per channel)
415    a request that is not ``multipart/form-data``, or a file part whose
       content type is neither ``image/*`` nor ``application/octet-stream``
422    a picture with no digit on it (a blank page), or clearly not a digit:
       a picture, or an ink stroke, more than :data:`MAX_ASPECT` times wider
       than tall (a 20000x1 strip, a horizontal line)
503    the uploads in flight already hold ``max_in_flight_bytes``, or a worker is
       being replaced (``Retry-After: 1``); 504: a picture took longer than
       ``request_timeout`` s to prepare
=====  ==================================================================

Idle keep-alive connections are closed after ``keep_alive`` seconds; a client
that disconnects mid-upload is logged in one line, without a traceback.

The code, in the order a reader of lesson 09 meets it:

==========================  ===========================================================
``serve/app.py``            the model loaded once and the FastAPI app (``create_app``)
``serve/batching.py``       dynamic batching (``DynamicBatcher``)
``serve/limits.py``         upload limits, bounded decoding, timeouts, the protocol
``serve/workers.py``        the supervised preprocessing workers (``WorkerPool``)
``serve/client.py``         the service as a subprocess, and the load test
``serve/cli.py``            the command line (``python -m course_utils.serve``)
==========================  ===========================================================

Everything public is importable from ``course_utils.serve`` itself.
(``python -m course_utils.tools.bench_serve`` compares the configurations.)

Taught in notebooks/09_serve_the_model.ipynb.
"""

from .app import (
    INFERENCE_MODES,
    CompiledModel,
    check_model_path,
    create_app,
    export_saved_model,
    load_model,
)
from .batching import BATCH_WINDOW_MS, MAX_BATCH_SIZE, DynamicBatcher
from .cli import build_parser, main
from .client import (
    LoadReport,
    ServiceProcess,
    free_port,
    load_test,
    service_command,
    start_service,
)
from .limits import (
    BODY_TIMEOUT,
    DECODE_SIDE,
    FIELD_NAME,
    HEADER_TIMEOUT,
    KEEP_ALIVE,
    MAX_ASPECT,
    MAX_DEEP_PIXELS,
    MAX_IN_FLIGHT_BYTES,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    RETRY_AFTER_S,
    STATUS_BY_REASON,
    UploadBudget,
    UploadError,
    digit_from_upload,
    header_timeout_protocol,
    open_bounded,
)
from .workers import REQUEST_TIMEOUT, WorkerPool

__all__ = [
    "BATCH_WINDOW_MS",
    "BODY_TIMEOUT",
    "DECODE_SIDE",
    "FIELD_NAME",
    "HEADER_TIMEOUT",
    "INFERENCE_MODES",
    "KEEP_ALIVE",
    "MAX_ASPECT",
    "MAX_BATCH_SIZE",
    "MAX_DEEP_PIXELS",
    "MAX_IN_FLIGHT_BYTES",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "REQUEST_TIMEOUT",
    "RETRY_AFTER_S",
    "STATUS_BY_REASON",
    "CompiledModel",
    "DynamicBatcher",
    "LoadReport",
    "ServiceProcess",
    "UploadBudget",
    "UploadError",
    "WorkerPool",
    "build_parser",
    "main",
    "check_model_path",
    "create_app",
    "digit_from_upload",
    "export_saved_model",
    "free_port",
    "header_timeout_protocol",
    "load_model",
    "load_test",
    "open_bounded",
    "service_command",
    "start_service",
]
