"""Where a program lives: a local workbook or a Google Sheet, chosen from the ``source`` string."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.errors import SourceError

if TYPE_CHECKING:
    from kit.store.base import RowUpdate, SourceInfo, Store

__all__ = [
    "RowUpdate",
    "SourceInfo",
    "Store",
    "open_store",
    "is_google_sheet",
    "google_options_from_env",
    "google_sheet_options",
    "current_google_options",
]

# Environment variables for the Google Sheet store (docs/google-sheets.md).
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"  # a service account JSON key: Google's own variable
OAUTH_CLIENT_ENV = "ADVOCACY_KIT_GOOGLE_OAUTH_CLIENT"  # an OAuth "Desktop app" client, to sign in as yourself
ENDPOINT_ENV = "ADVOCACY_KIT_SHEETS_ENDPOINT"  # send API calls to a proxy (or the test emulator) instead

_BASE_NAMES = frozenset({"RowUpdate", "SourceInfo", "Store"})


def __getattr__(name: str) -> Any:
    """The store interface's names load with pandas on first use, so the CLI's --help and the config
    (which only asks ``is_google_sheet``) do not pay for them (PEP 562)."""
    if name in _BASE_NAMES:
        from kit.store import base

        return getattr(base, name)
    raise AttributeError(f"module 'kit.store' has no attribute {name!r}")


_GOOGLE_OPTIONS: ContextVar[dict[str, Any] | None] = ContextVar("google_sheet_options", default=None)


def google_options_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The Google Sheet store's options from environment variables (only the paths, never a secret)."""
    options = {
        "credentials_file": environ.get(CREDENTIALS_ENV) or None,
        "oauth_client_file": environ.get(OAUTH_CLIENT_ENV) or None,
        "endpoint": environ.get(ENDPOINT_ENV) or None,
    }
    return {k: v for k, v in options.items() if v}


def current_google_options() -> dict[str, Any]:
    """The options set by ``google_sheet_options`` (the CLI); with none set (a notebook's kernel), the
    standard environment variables, as google-auth itself reads them."""
    options = _GOOGLE_OPTIONS.get()
    return dict(options) if options is not None else google_options_from_env(os.environ)


@contextmanager
def google_sheet_options(**options: Any) -> Iterator[None]:
    """Within this block, ``open_store`` gives Google Sheet stores these options (the CLI sets them once)."""
    token = _GOOGLE_OPTIONS.set(options)
    try:
        yield
    finally:
        _GOOGLE_OPTIONS.reset(token)


_SHEET_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")
_SHEET_KEY = re.compile(r"^[A-Za-z0-9_-]{30,}$")


def is_google_sheet(source: str) -> bool:
    """A Google Sheet URL or bare key (as opposed to a path to a workbook)."""
    return bool(_SHEET_URL.match(source) or (_SHEET_KEY.match(source) and not Path(source).suffix))


def open_store(source: str, **options: Any) -> Store:
    """The store for ``source``: a Google Sheet URL or key, or a path to an ``.xlsx`` workbook."""
    source = str(source).strip()
    if not source:
        raise SourceError("no source given: set `source` in advocacy-kit.toml or pass --source")
    if is_google_sheet(source):
        try:
            from kit.store.gsheets import GoogleSheetStore
        except ImportError:  # pragma: no cover - arrives with the Google Sheets store
            raise SourceError(
                f"{source}: Google Sheets are not supported by this version of the kit"
            ) from None
        return GoogleSheetStore(source, **{**current_google_options(), **options})
    if Path(source).suffix.lower() not in (".xlsx", ".xlsm"):
        raise SourceError(f"{source}: not an .xlsx workbook or a Google Sheet URL")
    from kit.store.local import LocalStore

    return LocalStore(source, **options)
