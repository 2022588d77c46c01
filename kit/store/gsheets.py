"""A program in a shared Google Sheet, read and written with gspread (which only this store's modules import).

Built for a sheet many people edit at once, within the Sheets API's quotas (60 requests per minute per user):

- a read is two calls whatever the roster's size: the sheet's metadata (tab names) and one ``values:batchGet``
  for every tab, unformatted, dates as serial numbers (turned back into dates here, in one place);
- an append is one ``values:append`` per batch of rows (RAW, INSERT_ROWS, batches kept under the API's ~2 MB
  request size), after reading the tab's header and key column; when Google answers 5xx (or the answer is
  lost), the key column is read again before anything is sent again, since the write may have been applied;
- a keyed update re-reads only the header and the key column, then the target rows, checks them with the same
  rules as the local workbook (``kit.store.base``), and writes the changed cells in one ``values:batchUpdate``;
- every value goes in RAW, so text such as ``=IMPORTXML(…)`` or ``+1 555`` stays text; dates go in as serial
  numbers and numbers as numbers, and the date columns carry a date format (set by ``init-sheet`` and ``push``);
- 429 and 5xx answers are retried a bounded number of times with exponential back-off and jitter, then end in a
  ``SourceError`` that names the quota; the 10-million-cell ceiling is checked before a write would cross it;
- a write Google may have applied before answering 5xx is never sent again blind: an append reads the keys
  back, a structure change is planned again from the tabs as they now are;
- no network (Google's sign-in or Sheets host refused, silent past the timeout) ends any call in one
  ``SourceError`` saying the sheet could not be reached; a sign-in Google refuses (a deleted key) says so.

The store is made of modules by job: ``gsheets_auth`` (signing in, the endpoint seam), ``gsheets_api``
(bounded retries, writes sent once, Google's errors in words), ``gsheets_cells`` (cells in and out, A1
ranges, request sizes), ``gsheets_layout`` (tabs, the cell ceiling, the template's formats) and
``gsheets_rows`` (appends and keyed updates); this module is the ``Store`` made of them, and the one the rest
of the kit imports.

Credentials come in as arguments (the CLI reads the environment); they are never printed or logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gspread
import requests

from kit.errors import SourceError
from kit.program import Grid, Program, program_from_grids
from kit.store.base import RowUpdate, SourceInfo, Store
from kit.store.gsheets_api import RetryPolicy, SheetsApi
from kit.store.gsheets_auth import GOOGLE_BASES, SCOPES, authorized_session, load_credentials
from kit.store.gsheets_cells import MAX_REQUEST_BYTES, _grid, _json_grid, _offset_batches, _quote
from kit.store.gsheets_layout import CELL_LIMIT, _plan_tabs
from kit.store.gsheets_rows import append_rows, update_rows

__all__ = [
    "CELL_LIMIT",
    "GOOGLE_BASES",
    "MAX_REQUEST_BYTES",
    "SCOPES",
    "GoogleSheetStore",
    "RetryPolicy",
    "authorized_session",
    "create_sheet",
    "load_credentials",
    "sheet_key",
]

_SHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def sheet_key(source: str) -> str:
    """The spreadsheet key in a Google Sheet URL, or the source itself when it is a bare key."""
    match = _SHEET_URL.search(source)
    return match.group(1) if match else source.strip()


class GoogleSheetStore(Store):
    """A program in a Google Sheet (URL or key). See the module's docstring for the calls each method makes.

    Args:
        credentials: google-auth credentials (takes precedence over the files).
        credentials_file: a service account JSON key (the CLI passes $GOOGLE_APPLICATION_CREDENTIALS).
        oauth_client_file: an OAuth "Desktop app" client, to sign in as yourself instead.
        endpoint: send API calls to this base URL instead of Google's (a proxy; the test emulator).
        session: a ready ``requests`` session (then no credentials are loaded).
        retry: how long to retry 429 and 5xx answers.
        timeout: seconds to wait for each answer from Google (signing in included) before giving up.
    """

    def __init__(
        self,
        source: str,
        *,
        credentials: Any = None,
        credentials_file: str | None = None,
        oauth_client_file: str | None = None,
        endpoint: str | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen: a value, like the numbers here
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 120.0,
    ) -> None:
        self._api = SheetsApi(
            str(source),
            sheet_key(str(source)),
            credentials=credentials,
            credentials_file=credentials_file,
            oauth_client_file=oauth_client_file,
            endpoint=endpoint,
            session=session,
            retry=retry,
            sleep=sleep,
            timeout=timeout,
        )

    def __repr__(self) -> str:  # never shows credentials
        return f"GoogleSheetStore({self.source!r})"

    # -- the sheet and the connection (``SheetsApi`` holds them, for its messages) ------------------------

    @property
    def source(self) -> str:
        """The sheet as it was named (its URL once ``create_sheet`` has made it)."""
        return self._api.source

    @source.setter
    def source(self, value: str) -> None:
        self._api.source = value

    @property
    def key(self) -> str:
        """The spreadsheet's key."""
        return self._api.key

    @key.setter
    def key(self, value: str) -> None:
        self._api.key = value

    @property
    def client(self) -> gspread.Client:
        """The gspread client (made on first use: no network, no files read before a call is made)."""
        return self._api.client

    @property
    def account_email(self) -> str | None:
        """The service account's e-mail (the address to share the sheet with), when it is one."""
        return self._api.account_email

    # -- reading --------------------------------------------------------------------------------------------

    def info(self) -> SourceInfo:
        """The sheet's last change time comes from Drive (one extra call; None if Drive will not say)."""
        modified = self._api.modified_time("reading when it last changed")
        when = dt.datetime.fromisoformat(modified.replace("Z", "+00:00")) if modified else None
        return SourceInfo(self.source, "google-sheet", when)

    def read_grids(self) -> dict[str, Grid]:
        metadata = self._api.metadata("reading the tab names")
        titles = [s["properties"]["title"] for s in metadata.get("sheets", [])]
        if not titles:
            return {}
        response = self._api.call(
            "reading every tab",
            lambda http: http.values_batch_get(
                self.key,
                [_quote(t) for t in titles],
                params={
                    "majorDimension": "ROWS",
                    "valueRenderOption": "UNFORMATTED_VALUE",
                    "dateTimeRenderOption": "SERIAL_NUMBER",
                },
            ),
        )
        ranges = response.get("valueRanges", [])
        return {title: _grid(title, vr.get("values", [])) for title, vr in zip(titles, ranges, strict=True)}

    def read(self) -> Program:
        """The whole program in two API calls (the last-modified time would cost a third, so it is left out)."""
        return program_from_grids(self.read_grids(), source=self.source, modified=None)

    # -- writing --------------------------------------------------------------------------------------------

    def append(self, tab: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        return append_rows(self._api, tab, rows)

    def update(self, tab: str, updates: Sequence[RowUpdate]) -> list[int]:
        return update_rows(self._api, tab, updates)

    def replace_tab(self, tab: str, grid: Grid) -> None:
        self.write_grids({tab: grid}, only=True)

    def write_grids(self, grids: Mapping[str, Grid], *, only: bool = False) -> None:
        """Write every tab given. With ``only`` (replace_tab), other tabs are left alone; without it the sheet
        is made to hold exactly these tabs, like a freshly written workbook."""

        def prepare() -> None:
            """Plan the tabs' structure from the sheet as it is now and send it. Google can apply the plan and
            still answer 5xx: the next try then plans again from the tabs the first one made (no second
            addSheet, which Google would refuse)."""
            metadata = self._api.metadata("reading the tab names")
            requests_ = _plan_tabs(metadata, grids, only=only, source=self.source)
            self._api.send_once(
                "preparing the tabs", lambda http: http.batch_update(self.key, {"requests": requests_})
            )

        self._api.again("preparing the tabs", prepare)
        cells = {name: _json_grid(name, grid) for name, grid in grids.items()}
        data: list[dict] = []
        size = 0
        for name, rows in cells.items():
            for offset, batch in _offset_batches(rows, MAX_REQUEST_BYTES // 4):
                data.append({"range": f"{_quote(name)}!A{offset + 1}", "values": batch})
        # Several ranges per request, each request under the size limit.
        pending: list[dict] = []
        sent = 0
        for item in data:
            item_size = len(json.dumps(item).encode()) + 2
            if pending and size + item_size > MAX_REQUEST_BYTES - 1024:
                self._write_values(pending, sent)
                sent += 1
                pending, size = [], 0
            pending.append(item)
            size += item_size
        if pending:
            self._write_values(pending, sent)

    def _write_values(self, data: list[dict], sent: int) -> None:
        try:
            self._api.call(
                "writing values",
                lambda http: http.values_batch_update(
                    self.key, body={"valueInputOption": "RAW", "data": data}
                ),
            )
        except SourceError as error:
            if sent:
                raise SourceError(
                    f"{error}; the sheet now holds only part of the program, run the same command again"
                ) from None
            raise


def create_sheet(title: str, share: Sequence[str] = (), **options: Any) -> GoogleSheetStore:
    """A new Google Sheet laid out from the schema (see ``kit.sheet_setup``), shared with ``share``.

    Calls: a Drive listing of the sheets with that title (1), Drive create (1) and its metadata (1), one ``spreadsheets:batchUpdate`` with every tab's
    structure, one ``values:batchUpdate`` with the headers and default settings, and one Drive permission
    per address shared with.
    """
    from kit import sheet_setup

    store = GoogleSheetStore(title, **options)  # named by its title until Google gives it a key
    key = store._api.create_spreadsheet(title)
    spreadsheet = store._api.call("creating the Google Sheet", lambda http: store.client.open_by_key(key))
    store.source = spreadsheet.url
    store.key = spreadsheet.id
    default_id = spreadsheet.sheet1.id
    store._api.call(
        "laying out the tabs",
        lambda http: http.batch_update(
            store.key, {"requests": sheet_setup.init_requests(remove_sheet_id=default_id)}
        ),
    )
    store._api.call(
        "writing the headers",
        lambda http: http.values_batch_update(
            store.key, body={"valueInputOption": "RAW", "data": sheet_setup.init_values()}
        ),
    )
    for email in share:
        store._api.call(
            f"sharing with {email}",
            lambda http, email=email: http.insert_permission(
                store.key, email, perm_type="user", role="writer", notify=True
            ),
        )
    return store
