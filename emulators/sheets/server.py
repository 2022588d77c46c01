"""A local emulator of the Google Sheets API v4 (and the few Drive v3 and OAuth calls gspread makes).

Served over real HTTP on 127.0.0.1 from a thread, so the real gspread client and google-auth talk to it
through ``requests``. Each endpoint's behaviour cites the reference page it follows; where the emulator is
simpler than Google, the docstring says how. It counts calls per endpoint, can answer the next calls with
an injected error (429 with Google's quota body, 500, …), can carry out a call and then answer an error (a
write Google committed before failing), and can run a callback before a given call to play "another person"
editing the sheet between two of the kit's calls.

This module is the server: its lifecycle, the test controls and the dispatch. The handlers live by API
resource: ``auth`` (the token endpoint), ``spreadsheets`` (with ``batch_requests`` for ``batchUpdate``),
``values`` and ``drive``; ``routes`` names the endpoints and ``faults`` the errors answered on purpose.
"""

from __future__ import annotations

import base64
import collections
import json
import random
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from emulators.sheets import model
from emulators.sheets.auth import OAuth
from emulators.sheets.drive import DriveFiles, DrivePermissions
from emulators.sheets.faults import _answer, _status_error
from emulators.sheets.model import ApiError, Sheet, Spreadsheet, bad_request
from emulators.sheets.resource import Resource
from emulators.sheets.routes import _Route, _route
from emulators.sheets.spreadsheets import Spreadsheets
from emulators.sheets.values import Values, _json_cell

DROP = 0  # handle()'s status for "close the connection without answering"


class _Injection:
    def __init__(self, status: int, endpoint: str | None, times: int) -> None:
        self.status = status
        self.endpoint = endpoint
        self.times = times


class SheetsEmulator:
    """The emulator. ``start()`` serves it; ``url`` is its base; ``calls`` counts requests per endpoint."""

    def __init__(self, *, require_auth: bool = True, seed: int = 0) -> None:
        self.require_auth = require_auth
        self.books: dict[str, Spreadsheet] = {}
        self.tokens: dict[str, str] = {}
        self.calls: collections.Counter[str] = collections.Counter()
        self.log: list[tuple[str, str, int]] = []  # (endpoint, path, request body bytes) in order
        self._injections: list[_Injection] = []
        self.errors: list[str] = []  # tracebacks of emulator bugs (answered as 500)
        self._hooks: list[tuple[str, Callable[[SheetsEmulator], None]]] = []
        self._after: list[tuple[str, int | None]] = []  # (endpoint, status): carry it out, then answer status
        self._lock = threading.RLock()
        self.rng = random.Random(seed)  # seeded: the same ids on every run
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._oauth = OAuth(self)
        # The handlers by resource: an endpoint's name is its resource, a dot, and the handler's name.
        self._resources: dict[str, Resource] = {
            "spreadsheets": Spreadsheets(self),
            "values": Values(self),
            "drive.files": DriveFiles(self),
            "drive.permissions": DrivePermissions(self),
        }

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> SheetsEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = emulator.handle(
                    self.command, self.path, body, self.headers.get("Authorization"), self.headers
                )
                if status == DROP:  # the answer is lost: the connection closes without one
                    self.close_connection = True
                    return
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8" if data else "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sheets-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test controls --------------------------------------------------------------------------------------

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.log.clear()

    def sheets_calls(self) -> int:
        """Calls to the Sheets API proper (not Drive, not the token endpoint)."""
        return sum(n for name, n in self.calls.items() if name.startswith(("spreadsheets.", "values.")))

    def fail_next(self, status: int, *, times: int = 1, endpoint: str | None = None) -> None:
        """Answer the next ``times`` calls (to ``endpoint``, or any Sheets call) with ``status``."""
        with self._lock:
            self._injections.append(_Injection(status, endpoint, times))

    def clear_injections(self) -> None:
        with self._lock:
            self._injections.clear()
            self._hooks.clear()
            self._after.clear()

    def before_next(self, endpoint: str, callback: Callable[[SheetsEmulator], None]) -> None:
        """Run ``callback(emulator)`` just before the next call to ``endpoint`` is handled."""
        with self._lock:
            self._hooks.append((endpoint, callback))

    def fail_after_next(self, endpoint: str, status: int | None = 503) -> None:
        """Carry out the next call to ``endpoint`` (a write is committed), then answer ``status`` instead
        (``None``: close the connection without an answer, as a network that drops it would).

        Google's front end can time out or fail on a request the backend has already applied: the caller then
        sees 503 UNAVAILABLE or 500 INTERNAL for a write that happened, and "retry using exponential backoff"
        (https://developers.google.com/sheets/api/limits#exponential) sends it again. The answer's body is
        Google's for that status (https://cloud.google.com/apis/design/errors#handling_errors).
        """
        with self._lock:
            self._after.append((endpoint, status))

    def issue_token(self, email: str) -> str:
        token = "emu-" + base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")
        with self._lock:
            self.tokens[token] = email
        return token

    def create_spreadsheet(
        self, title: str, owner: str, grids: dict[str, list[list[Any]]] | None = None
    ) -> str:
        """A spreadsheet owned by ``owner`` holding ``grids`` (RAW values), as if made by hand in Sheets."""
        with self._lock:
            book = self.new_book(title, owner)
            if grids:
                book.sheets = []
                for index, (name, grid) in enumerate(grids.items()):
                    sheet = Sheet(next(model._sheet_ids) * 7919 % 2_000_000_000, name, index)
                    width = max((len(r) for r in grid), default=0)
                    sheet.grow(len(grid), width)
                    model.write_values(
                        sheet,
                        1,
                        1,
                        [[_json_cell(v) for v in r] for r in grid],
                        major="ROWS",
                        option="RAW",
                        limit=None,
                    )
                    book.sheets.append(sheet)
            return book.spreadsheet_id

    def share(self, spreadsheet_id: str, email: str, role: str = "writer") -> None:
        with self._lock:
            self.books[spreadsheet_id].permissions.append(
                {"id": str(self.rng.randrange(10**19)), "type": "user", "role": role, "emailAddress": email}
            )

    def values(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """A tab's cells as stored (None = empty), for assertions."""
        with self._lock:
            sheet = self.books[spreadsheet_id].sheet_by_title(title)
            assert sheet is not None, f"no tab {title!r}"
            return [list(r) for r in sheet.rows]

    def set_value(self, spreadsheet_id: str, title: str, row: int, col: int, value: Any) -> None:
        """Change one cell directly, as a person typing in the browser would."""
        with self._lock:
            sheet = self.books[spreadsheet_id].sheet_by_title(title)
            assert sheet is not None
            sheet.set(row, col, value)

    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        sheet = self.books[spreadsheet_id].sheet_by_title(title)
        assert sheet is not None, f"no tab {title!r}"
        return sheet

    def new_book(self, title: str, owner: str) -> Spreadsheet:
        """A new spreadsheet with one empty Sheet1, owned by ``owner`` (spreadsheets.create, Drive's
        files.create and ``create_spreadsheet``)."""
        sid = model.new_spreadsheet_id(self.rng)
        stamp = model.now_rfc3339()
        book = Spreadsheet(sid, title, owner, [Sheet(0, "Sheet1", 0)], created=stamp, modified=stamp)
        self.books[sid] = book
        return book

    # -- dispatch -------------------------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, body: bytes, authorization: str | None, headers: Any = None
    ) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        route, match = _route(method, path)
        if route is None:
            return 404, ApiError(404, f"emulator: no such endpoint {method} {path}", "NOT_FOUND").body()
        hook = None
        after = None
        with self._lock:
            self.calls[route.name] += 1
            self.log.append((route.name, path, len(body)))
            for i, (endpoint, callback) in enumerate(self._hooks):
                if endpoint == route.name:
                    hook = callback
                    del self._hooks[i]
                    break
            injected = self._take_injection(route.name)
            if injected is None:
                for i, (endpoint, status) in enumerate(self._after):
                    if endpoint == route.name:
                        after = (DROP, None) if status is None else _answer(_status_error(status, route.name))
                        del self._after[i]
                        break
        if hook is not None:
            hook(self)
        if injected is not None:
            return injected.code, injected.body()
        status, payload = self._serve(route, match, query, body, authorization)
        if after is not None and status < 300:  # carried out; the answer is lost on the way back
            return after
        return status, payload

    def _serve(
        self, route: _Route, match: Any, query: dict, body: bytes, authorization: str | None
    ) -> tuple[int, Any]:
        try:
            if route.name == "oauth.token":
                return 200, self._oauth.token(body)
            principal = self._oauth.principal(authorization)
            payload = json.loads(body) if body and route.name != "oauth.token" else None
            params = {k: v for k, v in match.groupdict().items()}
            if "rng" in params:
                params["rng"] = unquote(params["rng"])
            with self._lock:
                resource, _, name = route.name.rpartition(".")
                handler = getattr(self._resources[resource], name)
                return handler(principal, query, payload, **params)
        except ApiError as error:
            return error.code, error.body()
        except json.JSONDecodeError:
            return 400, bad_request("Invalid JSON payload received.").body()
        except Exception as error:  # an emulator bug: answer 500 and keep it for the test to see
            import traceback

            self.errors.append(traceback.format_exc())
            return 500, ApiError(500, f"emulator bug: {type(error).__name__}: {error}", "INTERNAL").body()

    def _take_injection(self, name: str) -> ApiError | None:
        # The token endpoint fails only when named: an injection for "any call" means any Sheets call.
        wanted = (name,) if name == "oauth.token" else (None, name)
        for injection in self._injections:
            if injection.endpoint in wanted and injection.times > 0:
                injection.times -= 1
                if injection.times == 0:
                    self._injections.remove(injection)
                return _status_error(injection.status, name)
        return None
