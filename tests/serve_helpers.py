"""Helpers for the service's tests: run an ASGI app with uvicorn in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time

from course_utils.serve import HEADER_TIMEOUT, KEEP_ALIVE, header_timeout_protocol


class BackgroundServer:
    """Run an ASGI ``app`` with uvicorn in a daemon thread, on ``host`` and a free port.

    Use as a context manager: ``with BackgroundServer(app) as server: httpx.get(server.url + "/health")``.
    The socket is bound before the thread starts, so there is no race for the port.
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
