"""What the CRM emulators share: a JSON (or XML) answering HTTP server on 127.0.0.1 in a thread.

Each emulator gives ``serve`` a ``handle(method, path, body, headers) -> (status, payload, content_type)``;
the payload is JSON-encoded unless it is already ``bytes`` (the SOAP log-in answers XML).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
