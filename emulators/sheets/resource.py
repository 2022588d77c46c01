"""What the handlers of every API resource share: the emulator they serve (its spreadsheets, tokens and
seeded random ids), the permission check a Sheets call makes, and the small readers of a request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.sheets import model
from emulators.sheets.model import ApiError, Spreadsheet

if TYPE_CHECKING:
    from emulators.sheets.server import SheetsEmulator


class Resource:
    """The handlers of one API resource. A handler is named after its method (``values.batchGet`` is
    ``Values.batchGet``), takes ``(principal, query, payload, **path_params)`` and answers ``(status, body)``;
    the emulator runs it under its lock."""

    def __init__(self, emulator: SheetsEmulator) -> None:
        self.emulator = emulator

    def book(self, principal: str, sid: str) -> Spreadsheet:
        """404 "Requested entity was not found." for an unknown id; 403 "The caller does not have
        permission" for a spreadsheet not shared with the caller
        (https://developers.google.com/sheets/api/guides/troubleshoot-api-errors)."""
        book = self.emulator.books.get(sid)
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if self.emulator.require_auth and not book.can_read(principal):
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        return book


def touch(book: Spreadsheet) -> None:
    """A write changes the spreadsheet's modified time (Drive's ``modifiedTime``)."""
    book.modified = model.now_rfc3339()


def _one(query: dict, name: str, default: Any) -> Any:
    values = query.get(name)
    return values[0] if values else default
