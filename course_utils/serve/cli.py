"""The command line: ``python -m course_utils.serve --model PATH [--port 8000] ...``.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from pathlib import Path

from .. import _validate
from .app import check_model_path, create_app, load_model
from .batching import BATCH_WINDOW_MS, MAX_BATCH_SIZE
from .limits import (
    BODY_TIMEOUT,
    HEADER_TIMEOUT,
    KEEP_ALIVE,
    MAX_IN_FLIGHT_BYTES,
    MAX_UPLOAD_BYTES,
    header_timeout_protocol,
)
from .workers import REQUEST_TIMEOUT


def _option(kind, **limits):
    """An argparse type: ``kind(text)`` checked by ``_validate`` within ``limits``; a bad value is a usage error."""
    check = _validate.integer if kind is int else _validate.number

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            wanted = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        try:
            return check(value, "the value", **limits)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


_positive_number = _option(float, positive=True)
_non_negative_number = _option(float, non_negative=True)
_batch_size = _option(int, minimum=1, maximum=1024)
_port = _option(int, minimum=1, maximum=65535)


def _upload_megabytes(text: str) -> float:
    value = _positive_number(text)
    if value * 1024 * 1024 < 1:
        raise argparse.ArgumentTypeError(f"expected at least one byte (1e-6 MiB), got {text!r}")
    return value


def _model_path(text: str) -> Path:
    try:
        return check_model_path(text)
    except (FileNotFoundError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser; every bad value is a usage error (exit 2) before the model loads."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.serve",
        description="Serve a digit classifier over HTTP: POST /predict (multipart field 'file'), GET /health.",
    )
    parser.add_argument(
        "--model",
        required=True,
        type=_model_path,
        help="a .keras file or a SavedModel folder",
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


def check_address(host: str, port: int) -> str | None:
    """Refuse an address the service cannot listen on, before the model loads (seconds early).

    Returns a warning when ``host`` is reachable from other machines, else None; raises
    ``ValueError`` with a sentence for an empty or unknown host, or a port already in use.
    """
    import ipaddress
    import socket

    if not host.strip():
        raise ValueError(
            "--host is empty; expected an address such as 127.0.0.1 (this machine only, the "
            "default) or 0.0.0.0 (every network interface)"
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ValueError(
            f"--host {host!r} is not an address of this machine ({error.strerror})"
        ) from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ValueError(
                    f"port {port} on {host} is already in use (another service, or an earlier run "
                    "still running); choose another with --port"
                ) from None
            raise ValueError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    try:
        loopback = ipaddress.ip_address(address[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return (
            f"warning: listening on {host}: other machines on the network can send requests to this "
            "service; use --host 127.0.0.1 to keep it on this machine"
        )
    return None


def check_model(model) -> None:
    """Refuse a model that does not take 28x28(x1) digits or does not answer ten classes."""
    input_shape = getattr(model, "input_shape", None)
    output_shape = getattr(model, "output_shape", None)
    if input_shape is None or output_shape is None:
        return  # a SavedModel: its serving signature is checked when the service warms up
    if tuple(input_shape[1:]) not in ((28, 28, 1), (28, 28), (784,)):
        raise ValueError(
            f"the model takes inputs of shape {tuple(input_shape)}; expected MNIST digits, "
            "(None, 28, 28, 1), (None, 28, 28) or (None, 784)"
        )
    if tuple(output_shape[1:]) != (10,):
        raise ValueError(
            f"the model answers shape {tuple(output_shape)}; expected ten scores per digit, (None, 10)"
        )


class _AnnouncingServer:
    """uvicorn's server that prints one line once it listens (not before)."""

    def __new__(cls, config, message: str):
        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets=None):
                await super().startup(sockets)
                if self.started:
                    print(message, flush=True)

        return Server(config)


def main(argv=None) -> None:
    """The command line: ``python -m course_utils.serve --model PATH [--port 8000] [--host 127.0.0.1] ...``.

    ``--help`` lists the options (batching, timeouts, upload limit). The host, the port and the
    model are checked before anything is served: each problem is one sentence and exit 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        warning = check_address(args.host, args.port)
    except ValueError as error:
        parser.error(str(error))
    if warning:
        print(warning, file=sys.stderr, flush=True)
    import uvicorn

    logging.basicConfig(format="%(levelname)s:  %(message)s")
    if not args.no_batching:
        import tensorflow as tf

        # The preprocessing workers keep the cores busy; TensorFlow's own thread pools would only
        # take turns with them (one thread each: 2.6 -> 2.2 ms of CPU per request, +15% requests
        # per second on 2 cores). The first version keeps TensorFlow's defaults.
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    try:
        model = load_model(args.model)
        check_model(model)
    except (ValueError, OSError) as error:
        parser.error(f"cannot serve {args.model}: {error}")
    except Exception as error:  # a corrupt or truncated file: Keras' own errors are long
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        parser.error(
            f"cannot serve {args.model}: Keras could not load it ({type(error).__name__}: {first}); "
            "expected a .keras file saved by Keras 3 or a SavedModel folder (lesson 07 or 09 makes one)"
        )
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
    message = (
        f"Serving {args.model} on http://{args.host}:{args.port} (POST /predict, GET /health, "
        f"GET /ready); inference {mode}"
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_keep_alive=args.keep_alive_s,
        http=header_timeout_protocol(args.header_timeout_s),
    )
    _AnnouncingServer(config, message).run()
