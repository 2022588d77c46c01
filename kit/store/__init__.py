"""Where a program lives: a local workbook or a Google Sheet, chosen from the ``source`` string."""

from __future__ import annotations

import re
from pathlib import Path

from kit.errors import SourceError
from kit.store.base import RowUpdate, SourceInfo, Store

__all__ = ["RowUpdate", "SourceInfo", "Store", "open_store", "is_google_sheet"]

_SHEET_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")
_SHEET_KEY = re.compile(r"^[A-Za-z0-9_-]{30,}$")


def is_google_sheet(source: str) -> bool:
    """A Google Sheet URL or bare key (as opposed to a path to a workbook)."""
    return bool(_SHEET_URL.match(source) or (_SHEET_KEY.match(source) and not Path(source).suffix))


def open_store(source: str, **options) -> Store:
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
        return GoogleSheetStore(source, **options)
    if Path(source).suffix.lower() not in (".xlsx", ".xlsm"):
        raise SourceError(f"{source}: not an .xlsx workbook or a Google Sheet URL")
    from kit.store.local import LocalStore

    return LocalStore(source, **options)
