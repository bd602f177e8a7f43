"""A Starlette app served by uvicorn in a background thread on 127.0.0.1 and a free port: the base of the
fakes of outside services (Telegram's Bot API, Meta's Graph API) that tests and benchmarks talk to over
real HTTP. Subclasses set `self.app` in their `__init__`."""

from __future__ import annotations

import socket
import threading
from typing import Self

import uvicorn
from starlette.applications import Starlette


class LoopbackServer:
    app: Starlette

    def __init__(self) -> None:
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def start(self) -> Self:
        if self._server is None:
            # listening before uvicorn runs: the first requests wait in the backlog, no start-up race
            self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
            self.port = self._socket.getsockname()[1]
            self._server = uvicorn.Server(uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off",
                                                         ws="none", timeout_graceful_shutdown=1))
            self._thread = threading.Thread(target=self._server.run, args=([self._socket],), daemon=True)
            self._thread.start()
        return self

    def _stopping(self) -> None:
        """Called before the server stops (a subclass ends requests that would wait)."""

    def stop(self) -> None:
        if self._server is None or self._thread is None or self._socket is None:
            return
        self._stopping()
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()
        self._server, self._thread, self._socket = None, None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
