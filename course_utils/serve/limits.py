"""Upload limits, bounded decoding and time limits: what protects the service from its clients.

A client's mistake never gets a 500; the answer is a 4xx whose JSON ``detail``
says what went wrong (see :mod:`course_utils.serve` for the table of codes).
The body is read in the event loop within ``body_timeout`` seconds and up to
``max_upload_bytes``; the bytes of all uploads in flight are counted by an
:class:`UploadBudget` (503 at once above it); a picture's size is checked from
its header before decoding (:func:`open_bounded`); and
:func:`header_timeout_protocol` closes connections whose headers never arrive.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math

import numpy as np
from fastapi import Request
from PIL import Image

from .. import _validate, preprocess

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

#: Seconds a client is told to wait (``Retry-After``) when the service is busy or restarting.
RETRY_AFTER_S = 1

#: Pictures are decoded (JPEG draft mode) and reduced to a longer side of about this;
#: preprocessing works at ``preprocess.WORKING_SIZE`` (512) px, so nothing is lost.
DECODE_SIDE = 1024

#: A picture or ink stroke more than this many times wider than tall is not a digit.
MAX_ASPECT = 10.0

#: The multipart field that carries the picture.
FIELD_NAME = "file"

#: Seconds a request's line and headers may take to arrive after the connection opens (408
#: and a close after), a request body may take to arrive (408 after), and an idle
#: connection may stay open.
HEADER_TIMEOUT = 10.0

BODY_TIMEOUT = 10.0

KEEP_ALIVE = 5.0

_IMAGE_TYPES_OK = ("image/", "application/octet-stream")

logger = logging.getLogger(__name__)


class UploadError(Exception):
    """A client's mistake: ``status_code`` (4xx) and a ``detail`` sentence.

    ``close=True`` also closes the connection (the body was not read to its end).
    """

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        close: bool = False,
        retry_after: int | None = None,
    ):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.close = close
        self.retry_after = retry_after


class UploadBudget:
    """The bytes of uploads in flight, at most ``limit``: over it, a 503 at once, not more memory.

    ``take(n)`` counts ``n`` more bytes or raises :class:`UploadError` 503 with
    ``Retry-After``; ``give(n)`` gives them back when the request is answered. (The
    event loop runs one request's code at a time, so no lock is needed.)
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
    """
    picture = open_bounded(content)
    steps = preprocess.to_mnist_steps(picture)
    top, left, bottom, right = steps.bounding_box
    if right - left > MAX_ASPECT * max(bottom - top, 1):
        _check_aspect((right - left, bottom - top), "ink")
    return steps.result


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
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
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
    except TimeoutError:  # the builtin TimeoutError only from Python 3.11
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


def header_timeout_protocol(header_timeout: float = HEADER_TIMEOUT) -> type:
    """uvicorn's h11 protocol, closing connections whose request headers do not arrive in time.

    uvicorn (0.29 to 0.5x) starts its keep-alive timer only after a response, and
    its body timeout is the application's: a connection that opens and sends
    nothing, or half a request line, is held forever. This protocol starts a timer
    when the connection opens (and when a kept-alive connection receives the first
    byte of its next request), stops it once h11 has parsed the request line and
    headers, and otherwise answers 408 and closes the connection after
    ``header_timeout`` seconds. Pass it as ``uvicorn.Config(app, http=...)``.
    """
    header_timeout = _validate.number(header_timeout, "header_timeout", positive=True)
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

    return HeaderTimeoutH11Protocol
