"""What the CRM emulators share: a JSON (or XML) answering HTTP server on 127.0.0.1 in a thread.

Each emulator gives ``serve`` a ``handle(method, path, body, headers) -> (status, payload, content_type)``;
the payload is JSON-encoded unless it is already ``bytes`` (the SOAP log-in answers XML).
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Handle = Callable[[str, str, bytes, Any], tuple[int, Any, str]]


class LoopbackServer:
    """A threaded HTTP server on an ephemeral loopback port answering through ``handle``."""

    def __init__(self, handle: Handle, name: str) -> None:
        self._handle = handle
        self._name = name
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        handle = self._handle

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload, content_type = handle(self.command, self.path, body, self.headers)
                if isinstance(payload, bytes):
                    data = payload
                else:
                    data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name=self._name, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"


class LoopbackEmulator:
    """What each CRM emulator's class shares: serving ``handle`` on loopback, counting and logging the calls,
    and the failures a test asks for (the vendor's error for the next calls, or for one page of a paged read).

    A subclass calls ``super().__init__(name)``, implements ``handle``, records each call in ``calls`` and
    ``log``, and asks ``_next_failure()`` / ``_page_failure(page)`` where the real API could fail, raising its
    vendor's refusal with the status they return.
    """

    def __init__(self, name: str) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.log: list[tuple[str, str]] = []
        self._page_failures: dict[int, tuple[int, int]] = {}  # page number -> (status, times)
        self._next_failures: list[list[int]] = []  # [status, times]
        self._lock = threading.RLock()
        self._server = LoopbackServer(self.handle, name)

    def handle(self, method: str, raw_path: str, body: bytes, headers: Any) -> tuple[int, Any, str]:
        raise NotImplementedError

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    # -- test controls --------------------------------------------------------------------------------------

    def fail_on_page(self, page: int, status: int = 500, *, times: int = 1) -> None:
        """Answer the request for the ``page``-th page of a paged read (1 = the first request) with
        ``status``, ``times`` times."""
        with self._lock:
            self._page_failures[page] = (status, times)

    def fail_next(self, status: int, *, times: int = 1) -> None:
        """Answer the next ``times`` data calls (not log-ins) with ``status`` and the vendor's body for it."""
        with self._lock:
            self._next_failures.append([status, times])

    def clear_injections(self) -> None:
        with self._lock:
            self._page_failures.clear()
            self._next_failures.clear()

    def reset_counts(self) -> None:
        """Forget the calls counted and logged so far (and what the subclass records in ``_recorded``)."""
        with self._lock:
            self.calls.clear()
            self.log.clear()
            for record in self._recorded():
                record.clear()

    def _recorded(self) -> list[list[Any]]:
        return []

    def _next_failure(self) -> int | None:
        """The status to answer this call with, if a test asked for failures of the next calls."""
        if not self._next_failures:
            return None
        failure = self._next_failures[0]
        failure[1] -= 1
        if failure[1] <= 0:
            self._next_failures.pop(0)
        return failure[0]

    def _page_failure(self, page: int) -> int | None:
        """The status to answer the request for ``page`` with, if a test asked for it."""
        if page not in self._page_failures:
            return None
        status, times = self._page_failures[page]
        if times <= 1:
            del self._page_failures[page]
        else:
            self._page_failures[page] = (status, times - 1)
        return status
