"""A program in a shared Google Sheet, read and written with gspread (the only module that imports it).

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

Credentials come in as arguments (the CLI reads the environment); they are never printed or logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import gspread
import requests
import tenacity
import urllib3
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from requests.adapters import HTTPAdapter

from kit import schema
from kit.cells import as_text, is_blank, parse_date, serial_number, to_cell
from kit.errors import ConflictError, SourceError
from kit.program import Grid, Program, column_letter, normalise_header, program_from_grids
from kit.store.base import (
    RowUpdate,
    SourceInfo,
    Store,
    check_expected,
    header_of,
    locate,
    row_cells,
    schema_tab,
)

# Least privilege: the sheets this account can open, and Drive files the kit itself creates (init-sheet).
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.file",
)
# https://support.google.com/drive/answer/37603 : a spreadsheet holds at most 10 million cells.
CELL_LIMIT = 10_000_000
# https://developers.google.com/sheets/api/limits : "a 2 MB maximum payload is recommended".
MAX_REQUEST_BYTES = 1_800_000
# The hosts gspread and google-auth talk to; an endpoint override sends all three elsewhere.
GOOGLE_BASES = (
    "https://sheets.googleapis.com/",
    "https://www.googleapis.com/",
    "https://oauth2.googleapis.com/",
)
_SHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_A1_ROWS = re.compile(r"![A-Z]+(\d+)(?::[A-Z]+(\d+))?$")
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# The network failing: requests' own errors for the Sheets host, google-auth's for its token endpoint (it wraps
# requests' errors in TransportError when signing in).
_NO_NETWORK = (requests.RequestException, google.auth.exceptions.TransportError)
_UNFORMATTED = {"majorDimension": "ROWS", "valueRenderOption": "UNFORMATTED_VALUE"}


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying when Google answers 429 (quota) or 5xx: bounded in attempts and in time."""

    attempts: int = 6
    first_wait: float = 1.0  # seconds; doubles each time, with random jitter
    max_wait: float = 32.0
    max_total: float = 120.0


def sheet_key(source: str) -> str:
    """The spreadsheet key in a Google Sheet URL, or the source itself when it is a bare key."""
    match = _SHEET_URL.search(source)
    return match.group(1) if match else source.strip()


# ------------------------------------------------------------------------------------------------------------
# Transport: credentials, the endpoint seam, bounded retries


class _EndpointAdapter(HTTPAdapter):
    """Sends requests for Google's API hosts to another base URL (a proxy, or the test emulator).

    gspread has no base-URL option; its documented seam is the ``requests`` session it is given, so the
    redirection lives in the session's transport and gspread itself is untouched.
    """

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        for base in GOOGLE_BASES:
            if request.url and request.url.startswith(base):
                request.url = self.endpoint + request.url[len(base) :]
                break
        return super().send(request, **kwargs)


def _plain_session(endpoint: str | None) -> requests.Session:
    session = requests.Session()
    if endpoint:
        adapter = _EndpointAdapter(endpoint)
        for base in GOOGLE_BASES:
            session.mount(base, adapter)
    return session


def authorized_session(credentials: Any, endpoint: str | None = None) -> requests.Session:
    """A session that signs requests with ``credentials`` (and refreshes the token through the same
    transport, so an endpoint override also covers the token URL)."""
    from google.auth.transport.requests import AuthorizedSession, Request

    session = AuthorizedSession(credentials, auth_request=Request(_plain_session(endpoint)))
    if endpoint:
        adapter = _EndpointAdapter(endpoint)
        for base in GOOGLE_BASES:
            session.mount(base, adapter)
    return session


def load_credentials(credentials_file: str | None = None, oauth_client_file: str | None = None) -> Any:
    """Service-account credentials from a JSON key file, or a person's own Google account via the browser.

    The service account is the documented default (``GOOGLE_APPLICATION_CREDENTIALS``). The OAuth path
    (``oauth_client_file``: an OAuth client of type "Desktop app") opens a browser once per run and keeps
    the token only in memory.
    """
    if credentials_file:
        from google.oauth2 import service_account

        try:
            return service_account.Credentials.from_service_account_file(
                credentials_file, scopes=list(SCOPES)
            )
        except FileNotFoundError:
            raise SourceError(
                f"the service account key file {credentials_file} does not exist "
                "(check GOOGLE_APPLICATION_CREDENTIALS)"
            ) from None
        except (ValueError, KeyError, json.JSONDecodeError):
            raise SourceError(
                f"{credentials_file} is not a service account JSON key "
                "(download one from Google Cloud console → IAM → Service accounts → Keys)"
            ) from None
    if oauth_client_file:
        from google_auth_oauthlib.flow import InstalledAppFlow

        try:
            flow = InstalledAppFlow.from_client_secrets_file(oauth_client_file, scopes=list(SCOPES))
        except (FileNotFoundError, ValueError):
            raise SourceError(f"{oauth_client_file} is not an OAuth client secrets file") from None
        return flow.run_local_server(port=0, open_browser=True)
    raise SourceError(
        "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to the path of a service account JSON key "
        "(see docs/google-sheets.md)"
    )


def _network_failure(error: BaseException, timeout: float) -> str:
    """What went wrong on the way to Google, in a few words (not requests' long text with the URL)."""
    cause: BaseException | None = error
    while cause is not None:  # google-auth's TransportError carries requests' error as its cause
        if isinstance(cause, requests.Timeout) and not isinstance(cause, requests.ConnectTimeout):
            return f"no answer within {timeout:g} s"
        if isinstance(cause, requests.ConnectTimeout):
            return f"no connection within {timeout:g} s"
        if isinstance(cause, requests.ConnectionError):
            text = str(cause)
            if "NameResolutionError" in text or "getaddrinfo" in text or "Name or service" in text:
                return "the name of Google's server could not be looked up"
            if "refused" in text.lower():
                return "connection refused"
            return "the connection failed"
        cause = cause.__cause__ or (
            cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        )
    return type(error).__name__


class _RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with a real limit on retries (gspread 6.2.1's BackOffHTTPClient never stops).

    Retries 408, 429 and 5xx with exponential back-off and full jitter, at most ``policy.attempts`` times and
    ``policy.max_total`` seconds; the last error is raised as is, for the store to explain. A write that may
    have been applied before the error (an append, a structure change) is sent ``without_retries``: the store
    checks the sheet before sending it again.
    """

    def __init__(
        self, auth: Any, session: requests.Session | None, *, policy: RetryPolicy, sleep: Callable
    ) -> None:
        super().__init__(auth, session)
        self.policy = policy
        self.sleep = sleep
        self.retry_statuses: set[int] = _RETRY_STATUSES

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        retrying = _retrying(self.policy, self.sleep, tenacity.retry_if_exception(self._transient))
        return retrying(super().request, *args, **kwargs)

    def _transient(self, error: BaseException) -> bool:
        return isinstance(error, APIError) and error.response.status_code in self.retry_statuses

    @contextlib.contextmanager
    def without_retries(self) -> Iterator[None]:
        """For a call whose caller decides itself whether sending it again is safe."""
        saved, self.retry_statuses = self.retry_statuses, set()
        try:
            yield
        finally:
            self.retry_statuses = saved


def _retrying(policy: RetryPolicy, sleep: Callable, retry: tenacity.retry_base) -> tenacity.Retrying:
    """Exponential back-off with full jitter, bounded in attempts and in time; the last error is raised."""
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_after_delay(policy.max_total),
        wait=tenacity.wait_random_exponential(multiplier=policy.first_wait, max=policy.max_wait),
        retry=retry,
        sleep=sleep,
        reraise=True,
    )


class _SendAgain(Exception):
    """Google answered 429 or 5xx to a write; its caller has checked (or will plan again) before resending."""

    def __init__(self, error: APIError) -> None:
        super().__init__(str(error))
        self.error = error


def _never_sent(error: BaseException) -> bool:
    """The request did not leave: signing in failed first, or no connection was made (refused, no route,
    name not found, or not connected in time)."""
    if isinstance(error, (google.auth.exceptions.TransportError, requests.ConnectTimeout)):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None  # urllib3's MaxRetryError
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)  # NewConnectionError is one too


# ------------------------------------------------------------------------------------------------------------
# Cells in and out


def _to_json(value: Any) -> Any:
    """A cell for a RAW write: text as text, numbers as numbers, dates as serial numbers, blank as ''."""
    if value is None or (not isinstance(value, str) and is_blank(value)):
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.date):
        return serial_number(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ""
    return str(value)


def _from_serial(value: Any) -> Any:
    """A date column's unformatted cell: serial numbers become dates (as the local workbook reads them);
    text and numbers outside the date window stay as typed, for the validator to report."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        day = parse_date(value)
        if day is not None:
            seconds = round((float(value) - math.floor(float(value))) * 86400)
            return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    return value


def _grid(title: str, values: list[list[Any]], width: int | None = None) -> Grid:
    """An API ValueRange's rows as a grid: blanks as None, rows padded, date columns as dates."""
    width = width if width is not None else max((len(r) for r in values), default=0)
    rows = [[None if c == "" else c for c in r] + [None] * (width - len(r)) for r in values]
    tab = schema.TAB_BY_NAME.get(
        next((t.name for t in schema.TABS if t.name.lower() == title.strip().lower()), "")
    )
    if tab is not None and rows:
        header = [normalise_header(h) for h in rows[0]]
        dates = [
            i for i, name in enumerate(header) if name in tab and tab.column(name).kind is schema.Kind.DATE
        ]
        for row in rows[1:]:
            for i in dates:
                if i < len(row) and row[i] is not None:
                    row[i] = _from_serial(row[i])
    return rows


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _batches(rows: list[list[Any]], limit: int) -> list[list[list[Any]]]:
    """Rows split so each request body stays under ``limit`` bytes of JSON."""
    batches: list[list[list[Any]]] = []
    current: list[list[Any]] = []
    size = 0
    for row in rows:
        row_size = len(json.dumps(row).encode()) + 2  # as requests encodes it, with the ", " between rows
        if current and size + row_size > limit - 1024:  # room for the request's own wrapper
            batches.append(current)
            current, size = [], 0
        current.append(row)
        size += row_size
    if current:
        batches.append(current)
    return batches


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


# ------------------------------------------------------------------------------------------------------------


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
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 120.0,
    ) -> None:
        self.source = str(source)
        self.key = sheet_key(self.source)
        self._credentials = credentials
        self._credentials_file = credentials_file
        self._oauth_client_file = oauth_client_file
        self._endpoint = endpoint
        self._session = session
        self._retry = retry
        self._sleep = sleep
        self._timeout = timeout
        self._gspread: gspread.Client | None = None

    def __repr__(self) -> str:  # never shows credentials
        return f"GoogleSheetStore({self.source!r})"

    # -- connection -----------------------------------------------------------------------------------------

    @property
    def client(self) -> gspread.Client:
        """The gspread client (made on first use: no network, no files read before a call is made)."""
        if self._gspread is None:
            session = self._session
            if session is None:
                if self._credentials is None:
                    self._credentials = load_credentials(self._credentials_file, self._oauth_client_file)
                session = authorized_session(self._credentials, self._endpoint)
            retry, sleep = self._retry, self._sleep
            self._gspread = gspread.Client(
                None,
                session=session,
                http_client=lambda auth, s: _RetryingHTTPClient(auth, s, policy=retry, sleep=sleep),
            )
            # gspread waits forever by default; this also bounds google-auth's sign-in (it passes it on).
            self._gspread.http_client.set_timeout(self._timeout)
        return self._gspread

    @property
    def account_email(self) -> str | None:
        """The service account's e-mail (the address to share the sheet with), when it is one."""
        return getattr(self._credentials, "service_account_email", None)

    def _call(self, action: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One API call, with Google's errors turned into a message a program manager can act on."""
        http = self.client.http_client
        try:
            return function(http, *args, **kwargs)
        except APIError as error:
            raise self._explain(error, action) from None
        except _NO_NETWORK as error:
            raise self._unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self._refused_sign_in(error, action) from None

    def _send_once(self, action: str, function: Callable[..., Any]) -> Any:
        """One API call, not retried by the HTTP client: 429 and 5xx become ``_SendAgain`` for ``_again``,
        whose caller knows what to check or plan again before sending it a second time."""
        http = self.client.http_client
        try:
            with http.without_retries():
                return function(http)
        except APIError as error:
            if error.response.status_code in _RETRY_STATUSES:
                raise _SendAgain(error) from None
            raise self._explain(error, action) from None
        except _NO_NETWORK as error:
            raise self._unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self._refused_sign_in(error, action) from None

    def _sent_once_or_found(
        self,
        action: str,
        function: Callable[..., Any],
        look: Callable[[SourceError], Any],
        *,
        answered: str,
        not_done: str,
    ) -> Any:
        """One write Google may carry out and still fail to answer (an append, a new spreadsheet), sent once
        without the HTTP client's retries. After a 5xx, or an answer lost on the way back, ``look(error)``
        tells what Google did: its result when the write was carried out, None when it was not (then, after a
        5xx, ``_SendAgain`` for ``_again``; after a lost answer, ``error`` with ``not_done``). A 429 is refused
        before anything is written: sent again as is. ``answered`` names the service in a 5xx's message."""
        http = self.client.http_client
        try:
            with http.without_retries():
                return function(http)
        except APIError as error:
            status = error.response.status_code
            if status == 429:
                raise _SendAgain(error) from None
            if status not in _RETRY_STATUSES:
                raise self._explain(error, action) from None
            found = look(SourceError(f"{self.source}: {answered} answered {status} while {action}"))
            if found is None:
                raise _SendAgain(error) from None
            return found
        except _NO_NETWORK as error:
            unreachable = self._unreachable(error, action)
            if _never_sent(error):
                raise unreachable from None
            found = look(unreachable)  # sent, but the answer was lost: look, and do not send again
            if found is None:
                raise SourceError(f"{unreachable}{not_done}") from None
            return found
        except google.auth.exceptions.RefreshError as error:  # signing in comes before sending
            raise self._refused_sign_in(error, action) from None

    def _again(self, action: str, attempt: Callable[[], Any], *, then: str = "") -> Any:
        """``attempt()`` until it does not raise ``_SendAgain``, within the retry policy; ``then`` is added to
        the last error (what that failure left behind)."""
        try:
            return _retrying(self._retry, self._sleep, tenacity.retry_if_exception_type(_SendAgain))(attempt)
        except _SendAgain as last:
            raise SourceError(f"{self._explain(last.error, action)}{then}") from None

    def _refused_sign_in(self, error: google.auth.exceptions.RefreshError, action: str) -> SourceError:
        """Google's token endpoint answered, with a refusal (a deleted or disabled key) or its own failure."""
        detail = error.args[0] if error.args and isinstance(error.args[0], str) else type(error).__name__
        detail = " ".join(detail.split())[:200]
        who = self.account_email or "your Google account"
        if getattr(error, "retryable", False):
            return SourceError(
                f"{self.source}: Google's sign-in service kept failing while {action} ({detail}); try again later"
            )
        return SourceError(
            f"{self.source}: Google refused to sign in {who} while {action} ({detail}); if the service account "
            "key was deleted or disabled, make a new key (Google Cloud console → IAM → Service accounts → Keys)"
        )

    def _unreachable(self, error: BaseException, action: str) -> SourceError:
        """The network failed on the way to Google (signing in or the Sheets call itself)."""
        return SourceError(
            f"{self.source}: the Google Sheet could not be reached while {action} "
            f"({_network_failure(error, self._timeout)}); check the network connection and try again"
        )

    def _explain(self, error: APIError, action: str) -> SourceError:
        status = error.response.status_code
        try:
            message = error.response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = error.response.reason or ""
        where = f"{self.source}: while {action}"
        if status == 429:
            return SourceError(
                f"{where}: Google Sheets API quota exceeded ({message}); still refused after "
                f"{self._retry.attempts} tries with back-off. The limit is 60 requests per minute per user "
                "(300 per project): wait a minute and run it again"
            )
        if status in (401, 403):
            email = self.account_email
            if email:
                return SourceError(
                    f"{where}: the Google Sheet is not shared with the kit's service account; "
                    f"share the sheet with {email} (Share → add it as an Editor)"
                )
            return SourceError(
                f"{where}: your Google account has no access to this sheet; ask its owner to share it"
            )
        if status == 404:
            return SourceError(f"{where}: there is no Google Sheet with key {self.key} (check the URL)")
        if status >= 500 or status == 408:
            return SourceError(
                f"{where}: Google Sheets kept failing ({status}: {message}) after {self._retry.attempts} tries; "
                "try again later"
            )
        return SourceError(f"{where}: Google Sheets refused the request ({status}: {message})")

    def _metadata(self, action: str) -> dict:
        return self._call(action, lambda http: http.fetch_sheet_metadata(self.key))

    def _find(self, metadata: dict, tab: str) -> dict | None:
        for sheet in metadata.get("sheets", []):
            if sheet["properties"]["title"].strip().lower() == tab.lower():
                return sheet["properties"]
        return None

    def _require(self, metadata: dict, tab: str) -> dict:
        props = self._find(metadata, tab)
        if props is None:
            raise SourceError(f"{self.source}: the Google Sheet has no tab {tab!r}")
        return props

    def _check_cells(self, metadata: dict, added: int, what: str) -> None:
        """Refuse, before writing, a write that would take the spreadsheet past 10 million cells."""
        current = sum(
            s["properties"]["gridProperties"].get("rowCount", 0)
            * s["properties"]["gridProperties"].get("columnCount", 0)
            for s in metadata.get("sheets", [])
        )
        if current + added > CELL_LIMIT:
            raise SourceError(
                f"{self.source}: {what} would take the Google Sheet to {current + added:,} cells, past Google's "
                f"limit of {CELL_LIMIT:,} cells per spreadsheet; nothing was written (archive old rows to "
                "another sheet, or delete empty rows and columns)"
            )

    # -- reading --------------------------------------------------------------------------------------------

    def info(self) -> SourceInfo:
        """The sheet's last change time comes from Drive (one extra call; None if Drive will not say)."""
        try:
            modified = self.client.http_client.get_file_drive_metadata(self.key).get("modifiedTime")
        except APIError:  # Drive may not say (the drive.file scope covers only files the kit created)
            modified = None
        except _NO_NETWORK as error:
            raise self._unreachable(error, "reading when it last changed") from None
        except google.auth.exceptions.RefreshError as error:
            raise self._refused_sign_in(error, "reading when it last changed") from None
        when = dt.datetime.fromisoformat(modified.replace("Z", "+00:00")) if modified else None
        return SourceInfo(self.source, "google-sheet", when)

    def read_grids(self) -> dict[str, Grid]:
        metadata = self._metadata("reading the tab names")
        titles = [s["properties"]["title"] for s in metadata.get("sheets", [])]
        if not titles:
            return {}
        response = self._call(
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
        definition = schema_tab(tab)
        if not rows:
            return []
        metadata = self._metadata(f"appending to {tab}")
        props = self._require(metadata, tab)
        title = props["title"]
        quoted = _quote(title)
        first = self._batch_get(
            f"reading the header of {title}", [f"{quoted}!1:1", f"{quoted}!A:A"], _UNFORMATTED
        )
        header = header_of((first[0].get("values") or [[]])[0])
        if not header:
            raise SourceError(f"{self.source}: tab {title!r} has no header row")
        cells = [
            _trim([_to_json(c) for c in row_cells(definition, header, values, self.source)])
            for values in rows
        ]
        self._check_cells(
            metadata,
            len(cells) * props["gridProperties"].get("columnCount", len(header)),
            f"adding {len(cells):,} rows to {title}",
        )
        # The keys already there: after a failed try, a key that appears once more than before is ours.
        key_name = definition.key.name if definition.key else None
        position = header.index(key_name) if key_name in header else None
        before: Counter[str] | None = None
        if position is not None:
            column = first[1] if position == 0 else self._key_column(title, position)
            before = Counter(_key_texts(column))
        written: list[int] = []
        for batch in _batches(cells, MAX_REQUEST_BYTES):
            try:
                rows = self._append_batch(title, batch, position, before)
            except SourceError as error:
                if written:
                    raise SourceError(
                        f"{error}; rows {written[0]}–{written[-1]} ({len(written):,} of {len(cells):,}) were already "
                        f"added to {title}, the other {len(cells) - len(written):,} were not"
                    ) from None
                raise
            written.extend(rows)
            if before is not None and position is not None:
                before.update(_key_of(row, position) for row in batch)
        return written

    def _append_batch(
        self, title: str, batch: list[list[Any]], position: int | None, before: Counter[str] | None
    ) -> list[int]:
        """One ``values:append``, applied once. Google can apply an append and still answer 5xx, or the answer
        can be lost on the way back; resending it blindly would add the rows twice. So after such a failure
        the key column is read again: if every key of the batch now stands once more than before, the rows
        are there; otherwise (one request is all or nothing) they were not, and the batch is sent again,
        within the bounded retry policy. A 429 is refused before anything is written: sent again as is."""
        action = f"appending rows to {title}"
        keys = [_key_of(row, position) for row in batch] if position is not None else []

        def look(error: SourceError) -> list[int] | None:
            """The rows if the key column shows them written, None if it shows they were not; when it cannot
            be read (or there is none), ``error`` is raised saying the outcome is unknown."""
            try:
                if position is None or before is None:
                    raise SourceError(f"tab {title!r} has no key column to check with")
                return _rows_added(before, _key_texts(self._key_column(title, position)), keys)
            except SourceError:
                raise SourceError(
                    f"{error}; it is not known whether Google added the rows: look at the last rows of {title} "
                    "before adding them again"
                ) from None

        def append(http: Any) -> list[int]:
            response = http.values_append(
                self.key,
                f"{_quote(title)}!A1",  # table_range A1: never Sheets' own guess of the table
                params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                body={"majorDimension": "ROWS", "values": batch},
            )
            return _rows_of(response.get("updates", {}).get("updatedRange", ""), len(batch))

        not_done = "; the rows were not added"

        def send() -> list[int]:
            return self._sent_once_or_found(action, append, look, answered="Google Sheets", not_done=not_done)

        return self._again(action, send, then=not_done)

    def _key_column(self, title: str, position: int) -> dict:
        letter = column_letter(position + 1)
        return self._batch_get(
            f"reading the keys of {title}", [f"{_quote(title)}!{letter}:{letter}"], _UNFORMATTED
        )[0]

    def _create_spreadsheet(self, title: str) -> str:
        """A new, empty spreadsheet titled ``title``, created once; its key. Google can create it and still
        answer 5xx, or the answer can be lost: creating it again would leave two. So the sheets with that title
        are listed first, and after such a failure again: one more than before is ours; none, it was not made
        and is created again (within the retry policy); a 429 is refused before anything is made."""
        action = "creating the Google Sheet"

        def named() -> set[str]:
            quoted = title.replace("\\", "\\\\").replace('"', '\\"')  # Drive's query language
            files = self._call(action, lambda http: self.client.list_spreadsheet_files(title=quoted))
            return {f["id"] for f in files}

        before = named()

        def look(error: SourceError) -> str | None:
            try:
                made = named() - before
            except SourceError:
                made = None
            if made is None or len(made) > 1:
                raise SourceError(
                    f"{error}; it is not known whether Google created the sheet: look in Google Drive for "
                    f"{title!r} before creating it again"
                ) from None
            return next(iter(made), None)

        def create(http: Any) -> str:
            response = http.request(
                "post",
                gspread.urls.DRIVE_FILES_API_V3_URL,
                json={"name": title, "mimeType": gspread.utils.MimeType.google_sheets},
                params={"supportsAllDrives": True},
            )
            return response.json()["id"]

        not_done = "; no sheet was created"

        def send() -> str:
            return self._sent_once_or_found(action, create, look, answered="Google", not_done=not_done)

        return self._again(action, send, then=not_done)

    def update(self, tab: str, updates: Sequence[RowUpdate]) -> list[int]:
        definition = schema_tab(tab)
        if not updates:
            return []
        key_name = definition.key.name if definition.key else None
        quoted = _quote(tab)
        params = {
            "majorDimension": "ROWS",
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        }
        # Call 1: the header and (where the schema puts it) the key column.
        first = self._batch_get(f"reading the keys of {tab}", [f"{quoted}!1:1", f"{quoted}!A:A"], params)
        header_row = (first[0].get("values") or [[]])[0]
        header = header_of(header_row)
        if key_name not in header:
            raise SourceError(f"{self.source}: tab {tab!r} has no key column {key_name!r}")
        position = header.index(key_name)
        key_column = first[1].get("values", [])
        if position != 0:  # someone moved the key column: one more call to read it where it is
            letter = column_letter(position + 1)
            key_column = self._batch_get(
                f"reading the keys of {tab}", [f"{quoted}!{letter}:{letter}"], params
            )[0].get("values", [])
        key_cells = (
            (number, cells[0] if cells else None)
            for number, cells in enumerate(key_column, start=1)
            if number >= 2
        )
        rows = locate(definition, key_cells, [u.key for u in updates], self.source)
        # Call 2: the header again and the target rows, to check against what the caller read.
        targets = [rows[as_text(u.key)] for u in updates]
        second = self._batch_get(
            f"reading the rows to update in {tab}",
            [f"{quoted}!1:1"] + [f"{quoted}!{r}:{r}" for r in targets],
            params,
        )
        if header_of((second[0].get("values") or [[]])[0]) != header:
            raise ConflictError(
                f"{self.source}: the columns of {tab} were changed while updating; nothing was written, run it again"
            )
        data = []
        for update, row, value_range in zip(updates, targets, second[1:], strict=True):
            cells = _grid(tab, [header_row, (value_range.get("values") or [[]])[0]], width=len(header))[1]
            if as_text(cells[position]) != as_text(update.key):
                raise ConflictError(
                    f"{self.source}: {tab} row {row} no longer holds {key_name} {update.key!r} (rows were moved "
                    "while updating); nothing was written, run it again"
                )
            check_expected(definition, header, row, cells, update, self.source)
            for column, value in update.values.items():
                cell = row_cells(definition, [column], {column: value}, self.source)[0]
                data.append(
                    {
                        "range": f"{quoted}!{column_letter(header.index(column) + 1)}{row}",
                        "values": [[_to_json(cell)]],
                    }
                )
        # Call 3: every changed cell in one request.
        if data:
            self._call(
                f"updating {tab}",
                lambda http: http.values_batch_update(
                    self.key, body={"valueInputOption": "RAW", "data": data}
                ),
            )
        return targets

    def _batch_get(self, action: str, ranges: list[str], params: dict) -> list[dict]:
        try:
            response = self.client.http_client.values_batch_get(self.key, ranges, params=dict(params))
        except APIError as error:
            if error.response.status_code == 400 and "parse range" in error.response.text:
                raise SourceError(
                    f"{self.source}: the Google Sheet has no tab {ranges[0].split('!')[0]}"
                ) from None
            raise self._explain(error, action) from None
        except _NO_NETWORK as error:
            raise self._unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self._refused_sign_in(error, action) from None
        return response.get("valueRanges", [])

    def replace_tab(self, tab: str, grid: Grid) -> None:
        self.write_grids({tab: grid}, only=True)

    def write_grids(self, grids: Mapping[str, Grid], *, only: bool = False) -> None:
        """Write every tab given. With ``only`` (replace_tab), other tabs are left alone; without it the sheet
        is made to hold exactly these tabs, like a freshly written workbook."""
        from kit import sheet_setup

        def prepare() -> None:
            """Plan the tabs' structure from the sheet as it is now and send it. Google can apply the plan and
            still answer 5xx: the next try then plans again from the tabs the first one made (no second
            addSheet, which Google would refuse)."""
            metadata = self._metadata("reading the tab names")
            existing = {s["properties"]["title"]: s["properties"] for s in metadata.get("sheets", [])}
            sizes = {
                name: (max(len(g), 1) + sheet_setup.SPARE_ROWS, max((len(r) for r in g), default=1))
                for name, g in grids.items()
            }
            kept = {n: p for n, p in existing.items() if only and n not in grids}
            total = sum(r * c for r, c in sizes.values()) + sum(
                p["gridProperties"]["rowCount"] * p["gridProperties"]["columnCount"] for p in kept.values()
            )
            if total > CELL_LIMIT:
                raise SourceError(
                    f"{self.source}: writing {len(grids)} tab(s) would need {total:,} cells, past Google's limit of "
                    f"{CELL_LIMIT:,} cells per spreadsheet; nothing was written"
                )
            used_ids = {p["sheetId"] for p in existing.values()}
            requests_: list[dict] = []
            for position, (name, grid) in enumerate(grids.items()):
                rows, cols = sizes[name]
                header = [as_text(h) for h in (grid[0] if grid else [])]
                match = existing.get(name)
                if match is not None:
                    requests_ += sheet_setup.resize_and_clear(match["sheetId"], rows, cols)
                    requests_ += sheet_setup.format_requests(name, match["sheetId"], header, new=False)
                else:
                    sheet_id = sheet_setup.free_sheet_id(used_ids)
                    used_ids.add(sheet_id)
                    index = None if only else position
                    requests_.append(sheet_setup.add_sheet(name, sheet_id, rows, cols, index=index))
                    requests_ += sheet_setup.format_requests(name, sheet_id, header, new=True)
            if not only:
                requests_ += [
                    {"deleteSheet": {"sheetId": p["sheetId"]}} for n, p in existing.items() if n not in grids
                ]
            self._send_once(
                "preparing the tabs", lambda http: http.batch_update(self.key, {"requests": requests_})
            )

        self._again("preparing the tabs", prepare)
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
            self._call(
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


def _json_grid(name: str, grid: Grid) -> list[list[Any]]:
    """A grid as RAW JSON rows; schema columns typed as the local workbook writes them (``to_cell``)."""
    tab = schema.TAB_BY_NAME.get(name)
    header = [normalise_header(h) for h in grid[0]] if grid else []
    definitions = [tab.column(h) if tab is not None and h in tab else None for h in header]
    out = []
    for r, row in enumerate(grid):
        cells = []
        for position, value in enumerate(row):
            if r > 0 and position < len(definitions):
                value = to_cell(definitions[position], value)
            cells.append(_to_json(value))
        out.append(_trim(cells))
    return out


def _offset_batches(rows: list[list[Any]], limit: int) -> list[tuple[int, list[list[Any]]]]:
    out = []
    offset = 0
    for batch in _batches(rows, limit):
        out.append((offset, batch))
        offset += len(batch)
    return out


def _key_texts(value_range: dict) -> list[str]:
    """A key column's cells below the header, as text (row 2 first; blank cells as '')."""
    return [as_text(cells[0]) if cells else "" for cells in value_range.get("values", [])[1:]]


def _key_of(row: list[Any], position: int) -> str:
    return as_text(row[position]) if position < len(row) else ""


def _rows_added(before: Counter[str], after: list[str], keys: list[str]) -> list[int] | None:
    """The sheet rows holding ``keys`` if each stands in ``after`` once more than in ``before`` (so this
    append wrote it, even where the key was already there), else None. New rows are the last ones with a key."""
    rows_of: dict[str, list[int]] = {}
    for number, key in enumerate(after, start=2):
        rows_of.setdefault(key, []).append(number)
    need = Counter(keys)
    if any(len(rows_of.get(key, [])) - before[key] < count for key, count in need.items()):
        return None
    taken = {key: rows_of[key][len(rows_of[key]) - count :] for key, count in need.items()}
    return [taken[key].pop(0) for key in keys]


def _rows_of(updated_range: str, count: int) -> list[int]:
    """'Advocates!A302:W310' → [302, …, 310]."""
    match = _A1_ROWS.search(updated_range)
    if not match:
        return []
    first = int(match.group(1))
    last = int(match.group(2) or first)
    return list(range(first, last + 1))


def create_sheet(title: str, share: Sequence[str] = (), **options: Any) -> GoogleSheetStore:
    """A new Google Sheet laid out from the schema (see ``kit.sheet_setup``), shared with ``share``.

    Calls: a Drive listing of the sheets with that title (1), Drive create (1) and its metadata (1), one ``spreadsheets:batchUpdate`` with every tab's
    structure, one ``values:batchUpdate`` with the headers and default settings, and one Drive permission
    per address shared with.
    """
    from kit import sheet_setup

    store = GoogleSheetStore(title, **options)  # named by its title until Google gives it a key
    key = store._create_spreadsheet(title)
    spreadsheet = store._call("creating the Google Sheet", lambda http: store.client.open_by_key(key))
    store.source = spreadsheet.url
    store.key = spreadsheet.id
    default_id = spreadsheet.sheet1.id
    store._call(
        "laying out the tabs",
        lambda http: http.batch_update(
            store.key, {"requests": sheet_setup.init_requests(remove_sheet_id=default_id)}
        ),
    )
    store._call(
        "writing the headers",
        lambda http: http.values_batch_update(
            store.key, body={"valueInputOption": "RAW", "data": sheet_setup.init_values()}
        ),
    )
    for email in share:
        store._call(
            f"sharing with {email}",
            lambda http, email=email: http.insert_permission(
                store.key, email, perm_type="user", role="writer", notify=True
            ),
        )
    return store
