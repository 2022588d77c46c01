"""The ``spreadsheets`` resource: a spreadsheet's metadata, a new spreadsheet, and ``batchUpdate``, whose
requests are carried out by ``batch_requests``."""

from __future__ import annotations

from typing import Any

from emulators.sheets.batch_requests import BATCH_REQUEST_KINDS, _plan_batch, apply_request
from emulators.sheets.model import Spreadsheet, bad_request
from emulators.sheets.resource import Resource, touch

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


class Spreadsheets(Resource):
    """``spreadsheets.get``, ``spreadsheets.create`` and ``spreadsheets.batchUpdate``."""

    def metadata(self, book: Spreadsheet) -> dict:
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

    def get(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/get (without grid data;
        the ``fields`` mask is not applied: the emulator always answers the whole metadata)."""
        return 200, self.metadata(self.book(principal, sid))

    def create(self, principal, query, payload):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/create"""
        title = ((payload or {}).get("properties") or {}).get("title", "Untitled spreadsheet")
        book = self.emulator.new_book(title, principal)
        return 200, self.metadata(book)

    def batchUpdate(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate :
        "The requests will be applied in the order they are specified. If any request is not valid, no
        requests will be applied." The emulator checks every request before applying any."""
        book = self.book(principal, sid)
        requests = (payload or {}).get("requests") or []
        for i, request in enumerate(requests):
            if len(request) != 1 or next(iter(request)) not in BATCH_REQUEST_KINDS:
                name = next(iter(request), "")
                raise bad_request(
                    f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{i}]': Cannot find field."
                )
        # Dry run on a shallow plan first, so a bad request leaves the spreadsheet untouched.
        _plan_batch(book, requests)
        replies = [apply_request(book, request, self.emulator.rng) for request in requests]
        touch(book)
        return 200, {"spreadsheetId": book.spreadsheet_id, "replies": replies}
