"""Signing in to Google, and the seam that sends Google's API hosts elsewhere (a proxy, the test emulator).

Credentials come in as arguments (the CLI reads the environment); they are never printed or logged.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from kit.errors import SourceError

# Least privilege: the sheets this account can open, and Drive files the kit itself creates (init-sheet).
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.file",
)
# The hosts gspread and google-auth talk to; an endpoint override sends all three elsewhere.
GOOGLE_BASES = (
    "https://sheets.googleapis.com/",
    "https://www.googleapis.com/",
    "https://oauth2.googleapis.com/",
)


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
