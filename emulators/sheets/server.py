"""A local emulator of the Google Sheets API v4 (and the few Drive v3 and OAuth calls gspread makes).

Served over real HTTP on 127.0.0.1 from a thread, so the real gspread client and google-auth talk to it
through ``requests``. Each endpoint's behaviour cites the reference page it follows; where the emulator is
simpler than Google, the docstring says how. It counts calls per endpoint, can answer the next calls with
an injected error (429 with Google's quota body, 500, …), can carry out a call and then answer an error (a
write Google committed before failing), and can run a callback before a given call to play "another person"
editing the sheet between two of the kit's calls.
"""

from __future__ import annotations

import base64
import collections
import json
import random
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from emulators.sheets import model
from emulators.sheets.a1 import Box, format_box
from emulators.sheets.model import ApiError, Sheet, Spreadsheet, bad_request

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"

# Google's default spreadsheet properties, as recorded in gspread's cassettes (spreadsheets.get on a new file).
_DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {
            "colorType": "ACCENT1",
            "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}},
        },
        {
            "colorType": "ACCENT2",
            "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}},
        },
        {
            "colorType": "ACCENT3",
            "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}},
        },
        {
            "colorType": "ACCENT4",
            "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}},
        },
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {
            "colorType": "ACCENT6",
            "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}},
        },
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}

# https://developers.google.com/sheets/api/limits : 429 "Too many requests" with a quota message.
_QUOTA_MESSAGE = (
    "Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' of service "
    "'sheets.googleapis.com' for consumer 'project_number:000000000000'."
)


DROP = 0  # handle()'s status for "close the connection without answering"


class _Route:
    def __init__(self, method: str, pattern: str, name: str) -> None:
        self.method = method
        self.regex = re.compile("^" + pattern + "$")
        self.name = name


_ROUTES = [
    _Route("POST", r"/token", "oauth.token"),
    _Route("POST", r"/v4/spreadsheets", "spreadsheets.create"),
    _Route("GET", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values:batchGet", "values.batchGet"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values:batchUpdate", "values.batchUpdate"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values:batchClear", "values.batchClear"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+):append", "values.append"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+):clear", "values.clear"),
    _Route("GET", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+)", "values.get"),
    _Route("PUT", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+)", "values.update"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+):batchUpdate", "spreadsheets.batchUpdate"),
    _Route("GET", r"/v4/spreadsheets/(?P<sid>[^/:]+)", "spreadsheets.get"),
    _Route("POST", r"/drive/v3/files", "drive.files.create"),
    _Route("GET", r"/drive/v3/files", "drive.files.list"),
    _Route("POST", r"/drive/v3/files/(?P<sid>[^/]+)/permissions", "drive.permissions.create"),
    _Route("GET", r"/drive/v3/files/(?P<sid>[^/]+)/permissions", "drive.permissions.list"),
    _Route("GET", r"/drive/v3/files/(?P<sid>[^/]+)", "drive.files.get"),
    _Route("DELETE", r"/drive/v3/files/(?P<sid>[^/]+)", "drive.files.delete"),
]


def endpoint_name(method: str, path: str) -> str | None:
    """The endpoint (``"values.append"``, ``"drive.files.get"``, …) a request's method and URL path go to, as
    ``SheetsEmulator.calls`` counts it; None when the emulator does not serve it."""
    route, _ = _route(method, path)
    return None if route is None else route.name


def _route(method: str, path: str) -> tuple[_Route | None, re.Match[str] | None]:
    for route in _ROUTES:
        if route.method == method:
            match = route.regex.match(path)
            if match:
                return route, match
    return None, None


# Endpoints that count against Google's read or write quota (https://developers.google.com/sheets/api/limits).
READS = {"spreadsheets.get", "values.get", "values.batchGet"}
WRITES = {
    "values.update",
    "values.batchUpdate",
    "values.append",
    "values.clear",
    "values.batchClear",
    "spreadsheets.batchUpdate",
    "spreadsheets.create",
}


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
        self._rng = random.Random(seed)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
            book = self._new_book(title, owner)
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
                {"id": str(self._rng.randrange(10**19)), "type": "user", "role": role, "emailAddress": email}
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
                return 200, self._token(body)
            principal = self._principal(authorization)
            payload = json.loads(body) if body and route.name != "oauth.token" else None
            params = {k: v for k, v in match.groupdict().items()}
            if "rng" in params:
                params["rng"] = unquote(params["rng"])
            with self._lock:
                handler = getattr(self, "_" + route.name.replace(".", "_"))
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

    # -- auth -----------------------------------------------------------------------------------------------

    def _token(self, body: bytes) -> dict:
        """https://developers.google.com/identity/protocols/oauth2/service-account#httprest : the token
        endpoint takes a signed JWT (grant_type jwt-bearer) and answers an access token. The emulator reads
        the JWT's ``iss`` (the service account's e-mail) without checking its signature."""
        form = parse_qs(body.decode())
        assertion = (form.get("assertion") or [""])[0]
        try:
            claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
            email = claims["iss"]
        except (IndexError, ValueError, KeyError):
            raise ApiError(400, "Invalid JWT", "INVALID_ARGUMENT") from None
        return {"access_token": self.issue_token(email), "expires_in": 3599, "token_type": "Bearer"}

    def _principal(self, authorization: str | None) -> str | None:
        """https://developers.google.com/sheets/api/guides/authorizing : requests need an OAuth token;
        without one the API answers 401 UNAUTHENTICATED."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        who = self.tokens.get(token)
        if who is None and self.require_auth:
            raise ApiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
            )
        return who or "anonymous@emulator"

    def _book(self, principal: str, sid: str) -> Spreadsheet:
        """404 "Requested entity was not found." for an unknown id; 403 "The caller does not have
        permission" for a spreadsheet not shared with the caller
        (https://developers.google.com/sheets/api/guides/troubleshoot-api-errors)."""
        book = self.books.get(sid)
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if self.require_auth and not book.can_read(principal):
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        return book

    def _new_book(self, title: str, owner: str) -> Spreadsheet:
        sid = model.new_spreadsheet_id(self._rng)
        stamp = model.now_rfc3339()
        book = Spreadsheet(sid, title, owner, [Sheet(0, "Sheet1", 0)], created=stamp, modified=stamp)
        self.books[sid] = book
        return book

    def _touch(self, book: Spreadsheet) -> None:
        book.modified = model.now_rfc3339()

    # -- spreadsheets ---------------------------------------------------------------------------------------

    def _metadata(self, book: Spreadsheet) -> dict:
        sheets = []
        for sheet in book.sheets:
            entry: dict[str, Any] = {"properties": sheet.properties()}
            if sheet.conditional_formats:
                entry["conditionalFormats"] = sheet.conditional_formats
            if sheet.protected_ranges:
                entry["protectedRanges"] = sheet.protected_ranges
            sheets.append(entry)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {
                "title": book.title,
                "locale": book.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": book.time_zone,
                "defaultFormat": _DEFAULT_FORMAT,
                "spreadsheetTheme": _THEME,
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }

    def _spreadsheets_get(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/get (without grid data;
        the ``fields`` mask is not applied: the emulator always answers the whole metadata)."""
        return 200, self._metadata(self._book(principal, sid))

    def _spreadsheets_create(self, principal, query, payload):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/create"""
        title = ((payload or {}).get("properties") or {}).get("title", "Untitled spreadsheet")
        book = self._new_book(title, principal)
        return 200, self._metadata(book)

    def _spreadsheets_batchUpdate(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate :
        "The requests will be applied in the order they are specified. If any request is not valid, no
        requests will be applied." The emulator checks every request before applying any."""
        book = self._book(principal, sid)
        requests = (payload or {}).get("requests") or []
        for i, request in enumerate(requests):
            if len(request) != 1 or next(iter(request)) not in BATCH_REQUEST_KINDS:
                name = next(iter(request), "")
                raise bad_request(
                    f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{i}]': Cannot find field."
                )
        # Dry run on a shallow plan first, so a bad request leaves the spreadsheet untouched.
        _plan_batch(book, requests)
        replies = [self._apply(book, request) for request in requests]
        self._touch(book)
        return 200, {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    def _apply(self, book: Spreadsheet, request: dict) -> dict:
        kind, body = next(iter(request.items()))
        if kind == "addSheet":
            props = body.get("properties") or {}
            title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
            sheet_id = props.get("sheetId")
            if sheet_id is None:
                sheet_id = self._rng.randrange(1, 2_000_000_000)
            grid = props.get("gridProperties") or {}
            index = props.get("index", len(book.sheets))
            for other in book.sheets:
                if other.index >= index:
                    other.index += 1
            sheet = Sheet(
                int(sheet_id), title, index, grid.get("rowCount", 1000), grid.get("columnCount", 26)
            )
            sheet.frozen_rows = grid.get("frozenRowCount", 0)
            book.sheets.append(sheet)
            book.reindex()
            return {"addSheet": {"properties": sheet.properties()}}
        if kind == "deleteSheet":
            book.sheets.remove(book.sheet_by_id(body["sheetId"]))
            book.reindex()
            return {}
        if kind == "updateSheetProperties":
            props = body.get("properties") or {}
            sheet = book.sheet_by_id(props.get("sheetId", 0))
            for path in _fields(body.get("fields", ""), props):
                value = _dig(props, path)
                if path == "title":
                    sheet.title = value
                elif path == "index":
                    sheet.index = value - 0.5 if value < sheet.index else value + 0.5
                    book.reindex()
                elif path == "hidden":
                    sheet.hidden = bool(value)
                elif path == "gridProperties.frozenRowCount":
                    sheet.frozen_rows = int(value or 0)
                elif path == "gridProperties.rowCount":
                    sheet.row_count = int(value)
                    del sheet.rows[sheet.row_count :]
                elif path == "gridProperties.columnCount":
                    sheet.col_count = int(value)
                elif path.startswith("gridProperties."):
                    name = path.split(".", 1)[1]
                    if value in (None, False, 0):
                        sheet.extra_grid.pop(name, None)  # proto3 JSON leaves out default values
                    else:
                        sheet.extra_grid[name] = value
            return {}
        if kind == "updateSpreadsheetProperties":
            props = body.get("properties") or {}
            for path in _fields(body.get("fields", ""), props):
                if path == "title":
                    book.title = props["title"]
                elif path == "locale":
                    book.locale = props["locale"]
                elif path == "timeZone":
                    book.time_zone = props["timeZone"]
            return {}
        if kind == "repeatCell":
            sheet, box = _grid_range(book, body["range"])
            fmt = (body.get("cell") or {}).get("userEnteredFormat") or {}
            number = fmt.get("numberFormat") or {}
            if number.get("type") in ("DATE", "DATE_TIME"):
                sheet.date_formats.append((box, number.get("pattern") or "M/d/yyyy"))
            if (fmt.get("textFormat") or {}).get("bold"):
                sheet.bold.append(box)
            return {}
        if kind == "setDataValidation":
            # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request#setdatavalidationrequest :
            # "Sets a data validation rule to every cell in the range" (a cell holds one rule; no rule clears
            # it). The emulator keeps one rule per range: a rule set again on the same range replaces it.
            sheet, _ = _grid_range(book, body["range"])
            sheet.validations = [v for v in sheet.validations if v["range"] != body["range"]]
            if body.get("rule"):
                sheet.validations.append(body)
            return {}
        if kind == "addProtectedRange":
            protected = _proto(dict(body["protectedRange"]))
            sheet, _ = _grid_range(book, body["protectedRange"]["range"])
            protected = {"protectedRangeId": self._rng.randrange(1, 2_000_000_000), **protected}
            # Recorded: the owner who adds a range can still edit it, and empty editors come back as {}.
            protected["requestingUserCanEdit"] = True
            if "editors" in body["protectedRange"]:
                protected["editors"] = protected.get("editors", {})
            sheet.protected_ranges.append(protected)
            return {"addProtectedRange": {"protectedRange": protected}}
        if kind == "addConditionalFormatRule":
            rule = body["rule"]
            sheet, _ = _grid_range(book, rule["ranges"][0])
            sheet.conditional_formats.insert(body.get("index", len(sheet.conditional_formats)), rule)
            return {}
        if kind == "updateDimensionProperties":
            rng = body["range"]
            sheet = book.sheet_by_id(rng.get("sheetId", 0))
            if rng.get("dimension") == "COLUMNS" and "pixelSize" in (body.get("properties") or {}):
                for col in range(rng.get("startIndex", 0), rng.get("endIndex", sheet.col_count)):
                    sheet.column_widths[col + 1] = body["properties"]["pixelSize"]
            return {}
        if kind == "appendDimension":
            sheet = book.sheet_by_id(body.get("sheetId", 0))
            if body.get("dimension") == "ROWS":
                sheet.row_count += int(body["length"])
            else:
                sheet.col_count += int(body["length"])
            return {}
        if kind == "deleteDimension":
            rng = body["range"]
            sheet = book.sheet_by_id(rng.get("sheetId", 0))
            start, end = rng.get("startIndex", 0), rng.get("endIndex")
            if rng.get("dimension") == "ROWS":
                end = sheet.row_count if end is None else end
                del sheet.rows[start:end]
                sheet.row_count -= end - start
            else:
                end = sheet.col_count if end is None else end
                for cells in sheet.rows:
                    del cells[start:end]
                sheet.col_count -= end - start
            return {}
        if kind == "updateCells":
            return self._update_cells(book, body)
        raise bad_request(f"emulator: {kind} is not supported")  # pragma: no cover - screened above

    def _update_cells(self, book: Spreadsheet, body: dict) -> dict:
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request#UpdateCellsRequest :
        with ``range`` and no rows, the fields named are cleared over the range; with ``start`` the rows are
        written from there. The emulator handles the ``note`` and ``userEnteredValue`` fields."""
        fields = body.get("fields", "")
        if "range" in body:
            sheet, box = _grid_range(book, body["range"])
            r1, c1, r2, c2 = model.bounded(sheet, box, check=False)
        else:
            start = body["start"]
            sheet = book.sheet_by_id(start.get("sheetId", 0))
            r1, c1 = start.get("rowIndex", 0) + 1, start.get("columnIndex", 0) + 1
            r2 = c2 = None
        rows = body.get("rows") or []
        if not rows and "range" in body:
            if "userEnteredValue" in fields or fields == "*":
                for row in range(r1, min(r2, len(sheet.rows)) + 1):
                    cells = sheet.rows[row - 1]
                    for col in range(c1, min(c2, len(cells)) + 1):
                        cells[col - 1] = None
            if "note" in fields or fields == "*":
                sheet.notes = {
                    k: v for k, v in sheet.notes.items() if not (r1 <= k[0] <= r2 and c1 <= k[1] <= c2)
                }
            return {}
        for i, row in enumerate(rows):
            for j, cell in enumerate(row.get("values") or []):
                if "note" in fields and "note" in cell:
                    sheet.notes[(r1 + i, c1 + j)] = cell["note"]
                if "userEnteredValue" in fields:
                    entered = cell.get("userEnteredValue") or {}
                    value = next(iter(entered.values()), None)
                    sheet.set(r1 + i, c1 + j, value)
        return {}

    # -- values ---------------------------------------------------------------------------------------------

    def _values_get(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get"""
        book = self._book(principal, sid)
        sheet, box = model.resolve(book, rng)
        echoed, values = model.read_values(
            sheet,
            box,
            major=_one(query, "majorDimension", "ROWS"),
            value_option=_one(query, "valueRenderOption", "FORMATTED_VALUE"),
            date_option=_one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
        )
        return 200, _value_range(echoed, _one(query, "majorDimension", "ROWS"), values)

    def _values_batchGet(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchGet : one
        ValueRange per requested range, in order."""
        book = self._book(principal, sid)
        major = _one(query, "majorDimension", "ROWS")
        out = []
        for text in query.get("ranges", []):
            sheet, box = model.resolve(book, text)
            echoed, values = model.read_values(
                sheet,
                box,
                major=major,
                value_option=_one(query, "valueRenderOption", "FORMATTED_VALUE"),
                date_option=_one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
            )
            out.append(_value_range(echoed, major, values))
        return 200, {"spreadsheetId": book.spreadsheet_id, "valueRanges": out}

    def _input_option(self, value: str | None) -> str:
        """valueInputOption is required on writes: "'valueInputOption' is required but not specified"."""
        if not value:
            raise bad_request("'valueInputOption' is required but not specified")
        if value not in ("RAW", "USER_ENTERED"):
            raise bad_request(f"Invalid value at 'value_input_option' (TYPE_ENUM), \"{value}\"")
        return value

    def _check_cells(self, book: Spreadsheet, sheet: Sheet, rows: int, cols: int) -> None:
        """Writes that would grow the spreadsheet past 10 million cells are refused
        (https://support.google.com/drive/answer/37603)."""
        extra = (
            max(0, rows - sheet.row_count) * max(sheet.col_count, cols)
            + max(0, cols - sheet.col_count) * sheet.row_count
        )
        if extra and book.cell_count() + extra > model.CELL_LIMIT:
            raise bad_request(
                f"This action would increase the number of cells in the workbook above the limit of {model.CELL_LIMIT} cells."
            )

    def _write(self, book: Spreadsheet, text: str, value_range: dict, option: str) -> dict:
        sheet, box = model.resolve(book, text)
        values = value_range.get("values")
        if values is None:
            values = []
        major = value_range.get("majorDimension") or "ROWS"
        r1, c1 = box.row1 or 1, box.col1 or 1
        if isinstance(values, list) and all(isinstance(v, list) for v in values):
            height = len(values) if major == "ROWS" else max((len(c) for c in values), default=0)
            width = max((len(r) for r in values), default=0) if major == "ROWS" else len(values)
            self._check_cells(book, sheet, r1 + height - 1, c1 + width - 1)
        # A single cell ('Sheet1!A1') is only where writing starts; a larger range bounds the write.
        single = box.row1 == box.row2 and box.col1 == box.col2
        limit = None if single or (box.row2 is None and box.col2 is None) else box
        written = model.write_values(sheet, r1, c1, values, major=major, option=option, limit=limit)
        return _update_result(book, sheet, written, (r1, c1))

    def _values_update(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/update"""
        book = self._book(principal, sid)
        option = self._input_option(_one(query, "valueInputOption", None))
        body = payload or {}
        if (
            body.get("range")
            and body["range"] != rng
            and model.resolve(book, body["range"]) != model.resolve(book, rng)
        ):
            raise bad_request(f"Requested range [{body['range']}] must match the range in the URL [{rng}]")
        result = self._write(book, rng, body, option)
        self._touch(book)
        return 200, result

    def _values_batchUpdate(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchUpdate :
        every range is checked before any is written (a bad range fails the whole call)."""
        book = self._book(principal, sid)
        body = payload or {}
        option = self._input_option(body.get("valueInputOption"))
        data = body.get("data") or []
        for item in data:
            model.resolve(book, item.get("range", ""))
        responses = [self._write(book, item["range"], item, option) for item in data]
        self._touch(book)
        # Recorded: two one-row writes over A:D report 2 rows and 4 columns in total (columns are not summed).
        return 200, {
            "spreadsheetId": book.spreadsheet_id,
            "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
            "totalUpdatedColumns": max((r.get("updatedColumns", 0) for r in responses), default=0),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
            "responses": responses,
        }

    def _values_append(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append and
        https://developers.google.com/sheets/api/guides/values#append_values : "The input range is used to
        search for existing data and find a 'table' within that range. Values will be appended to the next
        row of the table, starting with the first column of the table." insertDataOption
        INSERT_ROWS inserts new rows for the data; OVERWRITE (the default) writes over what is below. Tables are
        found as recorded Google traffic shows (see ``model.tables``)."""
        book = self._book(principal, sid)
        option = self._input_option(_one(query, "valueInputOption", None))
        insert = _one(query, "insertDataOption", "OVERWRITE")
        sheet, box = model.resolve(book, rng)
        single = box.row1 is not None and box.row1 == box.row2 and box.col1 == box.col2
        if single:
            # From one cell, the table is the group of cells connected to it.
            found = [
                t
                for t in model.tables(sheet, Box(None, None, None, None))
                if t[0] <= box.row1 <= t[2] and t[1] <= box.col1 <= t[3]
            ]
        else:
            found = model.tables(sheet, box)
        table = found[-1] if found else None
        values = (payload or {}).get("values") or []
        if (payload or {}).get("majorDimension") == "COLUMNS":
            height = max((len(c) for c in values), default=0)
            values = [[col[i] if i < len(col) else None for col in values] for i in range(height)]
        if table is not None:
            start, c1 = table[2] + 1, table[1]
        else:
            start, c1 = box.row1 or 1, box.col1 or 1
        width = max((len(r) for r in values), default=0)
        grow_rows = (
            len(values) if insert == "INSERT_ROWS" else max(0, start + len(values) - 1 - sheet.row_count)
        )
        self._check_cells(book, sheet, sheet.row_count + grow_rows, c1 + width - 1)
        if insert == "INSERT_ROWS" and start <= len(sheet.rows):
            sheet.rows[start - 1 : start - 1] = [[] for _ in values]
            sheet.cell_date_formats = {
                ((r + len(values)) if r >= start else r, c): p
                for (r, c), p in sheet.cell_date_formats.items()
            }
        if insert == "INSERT_ROWS":
            sheet.row_count += len(values)
        written = model.write_values(sheet, start, c1, values, major="ROWS", option=option, limit=None)
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if table is not None:
            result["tableRange"] = format_box(sheet.title, *table)
        updates = _update_result(book, sheet, written, (start, c1))
        if written.box is None:
            updates.pop("updatedRange")
        result["updates"] = updates
        self._touch(book)
        return 200, result

    def _values_clear(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/clear : values
        only ("all other properties of the cell (such as formatting, data validation, etc..) are kept")."""
        book = self._book(principal, sid)
        cleared = self._clear(book, rng)
        self._touch(book)
        return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared}

    def _values_batchClear(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchClear"""
        book = self._book(principal, sid)
        ranges = (payload or {}).get("ranges") or []
        for text in ranges:
            model.resolve(book, text)
        cleared = [self._clear(book, text) for text in ranges]
        self._touch(book)
        return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}

    def _clear(self, book: Spreadsheet, text: str) -> str:
        sheet, box = model.resolve(book, text)
        r1, c1, r2, c2 = model.bounded(sheet, box, check=False)
        r2, c2 = min(r2, sheet.row_count), min(c2, sheet.col_count)
        for row in range(r1, min(r2, len(sheet.rows)) + 1):
            cells = sheet.rows[row - 1]
            for col in range(c1, min(c2, len(cells)) + 1):
                cells[col - 1] = None
        return format_box(sheet.title, r1, c1, r2, c2)

    # -- Drive v3 (the calls gspread makes) -----------------------------------------------------------------

    def _drive_book(self, principal: str, sid: str) -> Spreadsheet:
        """Drive answers 404 "File not found: <id>." both for unknown files and for files the caller cannot
        see (https://developers.google.com/drive/api/guides/handle-errors#resolve_a_404_error_file_not_found_fileid)."""
        book = self.books.get(sid)
        if book is None or (self.require_auth and not book.can_read(principal)):
            raise ApiError(404, f"File not found: {sid}.", "NOT_FOUND")
        return book

    def _drive_files_create(self, principal, query, payload):
        """https://developers.google.com/drive/api/reference/rest/v3/files/create with the Sheets mime type
        makes a new spreadsheet with one 1000×26 'Sheet1' (as recorded)."""
        body = payload or {}
        if body.get("mimeType") != SHEETS_MIME:
            raise bad_request("emulator: only spreadsheets can be created")
        book = self._new_book(body.get("name", "Untitled spreadsheet"), principal)
        return 200, {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": SHEETS_MIME,
        }

    def _drive_files_get(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/files/get with a ``fields`` list."""
        book = self._drive_book(principal, sid)
        full = {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": SHEETS_MIME,
            "createdTime": book.created,
            "modifiedTime": book.modified,
        }
        fields = _one(query, "fields", "")
        if not fields:
            return 200, {k: full[k] for k in ("kind", "id", "name", "mimeType")}
        return 200, {k: full[k] for k in fields.split(",") if k in full}

    def _drive_files_list(self, principal, query, payload):
        """https://developers.google.com/drive/api/reference/rest/v3/files/list ; of the ``q`` language the
        emulator understands ``mimeType="…"`` and ``name = "…"`` joined by ``and``."""
        q = _one(query, "q", "")
        name = re.search(r'name\s*=\s*"((?:[^"\\]|\\.)*)"', q)
        files = [
            {"id": b.spreadsheet_id, "name": b.title, "createdTime": b.created, "modifiedTime": b.modified}
            for b in self.books.values()
            if b.can_read(principal) and (name is None or b.title == name.group(1))
        ]
        listing = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = _one(query, "fields", "")
        if fields:  # 'kind,nextPageToken,files(id,name)': only the top-level fields asked for
            wanted = {f.split("(")[0].strip() for f in re.split(r",(?![^(]*\))", fields)}
            listing = {k: v for k, v in listing.items() if k in wanted}
        return 200, listing

    def _drive_files_delete(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/files/delete : 204, empty body."""
        book = self._drive_book(principal, sid)
        del self.books[book.spreadsheet_id]
        return 204, None

    def _drive_permissions_create(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/permissions/create"""
        book = self._drive_book(principal, sid)
        body = payload or {}
        permission = {
            "kind": "drive#permission",
            "id": str(self._rng.randrange(10**19)),
            "type": body.get("type", "user"),
            "role": body.get("role", "reader"),
        }
        if body.get("emailAddress"):
            permission["emailAddress"] = body["emailAddress"]
        book.permissions.append(permission)
        return 200, {k: v for k, v in permission.items() if k != "emailAddress"}

    def _drive_permissions_list(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/permissions/list"""
        book = self._drive_book(principal, sid)
        return 200, {"kind": "drive#permissionList", "permissions": book.permissions}


# ------------------------------------------------------------------------------------------------------------

# The spreadsheets.batchUpdate request kinds the emulator carries out; any other is answered 400.
BATCH_REQUEST_KINDS = frozenset(
    {
        "addSheet",
        "deleteSheet",
        "updateSheetProperties",
        "updateSpreadsheetProperties",
        "repeatCell",
        "setDataValidation",
        "addProtectedRange",
        "addConditionalFormatRule",
        "updateDimensionProperties",
        "appendDimension",
        "deleteDimension",
        "updateCells",
    }
)


def _plan_batch(book: Spreadsheet, requests: list[dict]) -> None:
    """Check the sheet ids and titles a batch refers to, following the sheets it adds and deletes."""
    ids = {s.sheet_id for s in book.sheets}
    titles = {s.title.lower() for s in book.sheets}
    for i, request in enumerate(requests):
        kind, body = next(iter(request.items()))
        if kind == "addSheet":
            props = body.get("properties") or {}
            title = props.get("title")
            if title and title.lower() in titles:
                raise bad_request(
                    f'Invalid requests[{i}].addSheet: A sheet with the name "{title}" already exists. '
                    "Please enter another name."
                )
            if props.get("sheetId") in ids:
                raise bad_request(
                    f"Invalid requests[{i}].addSheet: Sheet with id {props['sheetId']} already exists."
                )
            ids.add(props.get("sheetId", -1))
            if title:
                titles.add(title.lower())
            continue
        if kind == "deleteSheet":
            if body.get("sheetId") not in ids:
                raise bad_request(
                    f"Invalid requests[{i}].deleteSheet: No grid with id: {body.get('sheetId')}"
                )
            if len(ids) == 1:
                raise bad_request(
                    f"Invalid requests[{i}].deleteSheet: You can't remove all the sheets in a document."
                )
            ids.discard(body["sheetId"])
            continue
        for ref in _sheet_refs(body):
            if ref not in ids:
                raise bad_request(f"Invalid requests[{i}].{kind}: No grid with id: {ref}")
        if kind == "updateSheetProperties" and (body.get("properties") or {}).get("hidden"):
            target = (body.get("properties") or {}).get("sheetId", 0)
            if not [s for s in book.sheets if not s.hidden and s.sheet_id != target]:
                # Recorded: 400 "You can't hide all the sheets in a document."
                raise bad_request(
                    f"Invalid requests[{i}].updateSheetProperties: You can't hide all the sheets in a document."
                )


def _sheet_refs(body: Any) -> list[int]:
    refs = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "sheetId" and isinstance(value, int):
                refs.append(value)
            else:
                refs.extend(_sheet_refs(value))
    elif isinstance(body, list):
        for item in body:
            refs.extend(_sheet_refs(item))
    return refs


def _grid_range(book: Spreadsheet, grid: dict) -> tuple[Sheet, Box]:
    """A GridRange (0-based, end exclusive, absent = unbounded;
    https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/other#GridRange) as a Box."""
    sheet = book.sheet_by_id(grid.get("sheetId", 0))
    sr, er = grid.get("startRowIndex"), grid.get("endRowIndex")
    sc, ec = grid.get("startColumnIndex"), grid.get("endColumnIndex")
    return sheet, Box(
        None if sr is None else sr + 1,
        None if sc is None else sc + 1,
        None if er is None else er,
        None if ec is None else ec,
    )


def _fields(mask: str, props: dict) -> list[str]:
    """A field mask ('title,gridProperties.frozenRowCount'; '*' = every field given)."""
    if mask.strip() == "*":
        out = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict) and value:
                for k, v in value.items():
                    walk(f"{prefix}{k}.", v)
            else:
                out.append(prefix[:-1])

        walk("", props)
        return out
    # Google accepts both 'gridProperties.rowCount' and 'gridProperties/rowCount' (gspread sends the latter).
    return [f.strip().replace("/", ".") for f in mask.split(",") if f.strip()]


def _proto(value: Any) -> Any:
    """A message as proto3 JSON prints it: fields holding their default (null, false, empty) left out, and a
    GridRange's sheetId 0 too (recorded: ``"range": {"startRowIndex": 0, …}`` without ``sheetId``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _proto(item)
            if item is None or item is False or item == [] or (key == "sheetId" and item == 0):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_proto(v) for v in value]
    return value


def _dig(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _one(query: dict, name: str, default: Any) -> Any:
    values = query.get(name)
    return values[0] if values else default


def _value_range(echoed: str, major: str, values: list) -> dict:
    out = {"range": echoed, "majorDimension": major}
    if values:
        out["values"] = values
    return out


def _json_cell(value: Any) -> Any:
    """A Python cell as the JSON a RAW write would send (dates as serial numbers)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, dt.date):
        return (value - model.SERIAL_EPOCH).days
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _update_result(book: Spreadsheet, sheet: Sheet, written: model.Written, start: tuple[int, int]) -> dict:
    """An UpdateValuesResponse: the box of the cells written and how many (nothing written: only the range)."""
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if written.box is None:
        result["updatedRange"] = format_box(sheet.title, start[0], start[1], start[0], start[1])
        return result
    result["updatedRange"] = format_box(sheet.title, *written.box)
    result.update(updatedRows=written.rows, updatedColumns=written.columns, updatedCells=written.cells)
    return result


def _answer(error: ApiError) -> tuple[int, dict]:
    return error.code, error.body()


class _OAuthError(ApiError):
    """The token endpoint's own error body, ``{"error": …, "error_description": …}``: for a deleted or disabled
    service account key, 400 ``invalid_grant`` "Invalid JWT Signature."
    (https://developers.google.com/identity/protocols/oauth2/service-account#error-codes)."""

    def body(self) -> dict:
        return {"error": self.status, "error_description": self.message}


def _status_error(status: int, endpoint: str) -> ApiError:
    """An injected failure with the body Google sends for that status."""
    if endpoint == "oauth.token":
        if status == 400:
            return _OAuthError(400, "Invalid JWT Signature.", "invalid_grant")
        return _OAuthError(status, "Internal error", "internal_failure")
    if status == 429:
        metric = "Read requests" if endpoint in READS else "Write requests"
        return ApiError(
            429,
            _QUOTA_MESSAGE.format(metric=metric),
            "RESOURCE_EXHAUSTED",
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "sheets.googleapis.com",
                        "quota_metric": "sheets.googleapis.com/"
                        + ("read_requests" if metric.startswith("Read") else "write_requests"),
                        "quota_limit": ("ReadRequests" if metric.startswith("Read") else "WriteRequests")
                        + "PerMinutePerUser",
                        "quota_limit_value": "60",
                        "consumer": "projects/000000000000",
                    },
                }
            ],
        )
    if status == 500:
        return ApiError(500, "Internal error encountered.", "INTERNAL")
    if status == 503:
        return ApiError(503, "The service is currently unavailable.", "UNAVAILABLE")
    if status == 403:
        return ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
    return ApiError(status, f"Injected error {status}", "UNKNOWN")
