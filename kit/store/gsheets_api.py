"""Calling the Sheets API within its quotas, and Google's refusals in words a program manager can act on.

- 429 and 5xx answers are retried a bounded number of times with exponential back-off and jitter, then end in
  a ``SourceError`` that names the quota (gspread's own back-off client never stops);
- a write Google may have applied before answering 5xx is never sent again blind: ``sent_once_or_found``
  sends it once and asks its caller to look at the sheet first (an append reads the keys back, a new
  spreadsheet is looked for by its title), and ``again`` sends it again only when it was not applied;
- no network (Google's sign-in or Sheets host refused, silent past the timeout) ends any call in one
  ``SourceError`` saying the sheet could not be reached; a sign-in Google refuses (a deleted key) says so.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import gspread
import requests
import tenacity
import urllib3
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from kit.errors import SourceError
from kit.store.gsheets_auth import authorized_session, load_credentials

_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# The network failing: requests' own errors for the Sheets host, google-auth's for its token endpoint (it wraps
# requests' errors in TransportError when signing in).
_NO_NETWORK = (requests.RequestException, google.auth.exceptions.TransportError)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying when Google answers 429 (quota) or 5xx: bounded in attempts and in time."""

    attempts: int = 6
    first_wait: float = 1.0  # seconds; doubles each time, with random jitter
    max_wait: float = 32.0
    max_total: float = 120.0


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


class SheetsApi:
    """One spreadsheet's API calls through gspread's HTTP client, made on first use (no network, no files
    read before a call is made). ``source`` (the sheet as the user named it) and ``key`` name it in every
    error; ``create_sheet`` sets them once Google has given the new sheet its key."""

    def __init__(
        self,
        source: str,
        key: str,
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
        self.source = source
        self.key = key
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
        return f"SheetsApi({self.source!r})"

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

    def call(self, action: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One API call, with Google's errors turned into a message a program manager can act on."""
        http = self.client.http_client
        try:
            return function(http, *args, **kwargs)
        except APIError as error:
            raise self.explain(error, action) from None
        except _NO_NETWORK as error:
            raise self.unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self.refused_sign_in(error, action) from None

    def send_once(self, action: str, function: Callable[..., Any]) -> Any:
        """One API call, not retried by the HTTP client: 429 and 5xx become ``_SendAgain`` for ``again``,
        whose caller knows what to check or plan again before sending it a second time."""
        http = self.client.http_client
        try:
            with http.without_retries():
                return function(http)
        except APIError as error:
            if error.response.status_code in _RETRY_STATUSES:
                raise _SendAgain(error) from None
            raise self.explain(error, action) from None
        except _NO_NETWORK as error:
            raise self.unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self.refused_sign_in(error, action) from None

    def sent_once_or_found(
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
        5xx, ``_SendAgain`` for ``again``; after a lost answer, ``error`` with ``not_done``). A 429 is refused
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
                raise self.explain(error, action) from None
            found = look(SourceError(f"{self.source}: {answered} answered {status} while {action}"))
            if found is None:
                raise _SendAgain(error) from None
            return found
        except _NO_NETWORK as error:
            unreachable = self.unreachable(error, action)
            if _never_sent(error):
                raise unreachable from None
            found = look(unreachable)  # sent, but the answer was lost: look, and do not send again
            if found is None:
                raise SourceError(f"{unreachable}{not_done}") from None
            return found
        except google.auth.exceptions.RefreshError as error:  # signing in comes before sending
            raise self.refused_sign_in(error, action) from None

    def again(self, action: str, attempt: Callable[[], Any], *, then: str = "") -> Any:
        """``attempt()`` until it does not raise ``_SendAgain``, within the retry policy; ``then`` is added to
        the last error (what that failure left behind)."""
        try:
            return _retrying(self._retry, self._sleep, tenacity.retry_if_exception_type(_SendAgain))(attempt)
        except _SendAgain as last:
            raise SourceError(f"{self.explain(last.error, action)}{then}") from None

    def refused_sign_in(self, error: google.auth.exceptions.RefreshError, action: str) -> SourceError:
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

    def unreachable(self, error: BaseException, action: str) -> SourceError:
        """The network failed on the way to Google (signing in or the Sheets call itself)."""
        return SourceError(
            f"{self.source}: the Google Sheet could not be reached while {action} "
            f"({_network_failure(error, self._timeout)}); check the network connection and try again"
        )

    def explain(self, error: APIError, action: str) -> SourceError:
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

    def metadata(self, action: str) -> dict:
        """The spreadsheet's metadata: its tabs' titles, ids and grid sizes."""
        return self.call(action, lambda http: http.fetch_sheet_metadata(self.key))

    def modified_time(self, action: str) -> str | None:
        """When Drive says the sheet last changed (ISO text), or None when Drive will not say."""
        try:
            return self.client.http_client.get_file_drive_metadata(self.key).get("modifiedTime")
        except APIError:  # Drive may not say (the drive.file scope covers only files the kit created)
            return None
        except _NO_NETWORK as error:
            raise self.unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self.refused_sign_in(error, action) from None

    def batch_get(self, action: str, ranges: list[str], params: dict) -> list[dict]:
        """The ``values:batchGet`` of ``ranges``; a range naming a tab the sheet lacks says which."""
        try:
            response = self.client.http_client.values_batch_get(self.key, ranges, params=dict(params))
        except APIError as error:
            if error.response.status_code == 400 and "parse range" in error.response.text:
                raise SourceError(
                    f"{self.source}: the Google Sheet has no tab {ranges[0].split('!')[0]}"
                ) from None
            raise self.explain(error, action) from None
        except _NO_NETWORK as error:
            raise self.unreachable(error, action) from None
        except google.auth.exceptions.RefreshError as error:
            raise self.refused_sign_in(error, action) from None
        return response.get("valueRanges", [])

    def create_spreadsheet(self, title: str) -> str:
        """A new, empty spreadsheet titled ``title``, created once; its key. Google can create it and still
        answer 5xx, or the answer can be lost: creating it again would leave two. So the sheets with that title
        are listed first, and after such a failure again: one more than before is ours; none, it was not made
        and is created again (within the retry policy); a 429 is refused before anything is made."""
        action = "creating the Google Sheet"

        def named() -> set[str]:
            quoted = title.replace("\\", "\\\\").replace('"', '\\"')  # Drive's query language
            files = self.call(action, lambda http: self.client.list_spreadsheet_files(title=quoted))
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
            return self.sent_once_or_found(action, create, look, answered="Google", not_done=not_done)

        return self.again(action, send, then=not_done)
