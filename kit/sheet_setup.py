"""The shared Google Sheet's layout, built from ``kit.schema``: the ``spreadsheets:batchUpdate`` requests.

``init-sheet`` sends all of them in one call: every tab with a frozen bold header row, the header protected
with a warning (so editors are told not to rename columns, without being locked out), a drop-down for every
enumerated column, a note on each header cell with the column's description, date columns formatted as
dates, and conditional formatting that highlights stale profiles and overdue requests. ``push`` reuses the
idempotent part for tabs that already exist. Request shapes follow
https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request . Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kit import schema
from kit.program import column_letter, normalise_header

SPARE_ROWS = 200  # empty rows under the data, so people can type new rows without inserting any
DATE_PATTERN = "yyyy-mm-dd"
_FIRST_SHEET_ID = 1001
_STALE = {"red": 1.0, "green": 0.9, "blue": 0.7}  # light amber
_OVERDUE = {"red": 0.96, "green": 0.8, "blue": 0.8}  # light red

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
S = schema.SETTINGS.col


def free_sheet_id(used: Iterable[int]) -> int:
    """A sheet id not in ``used`` (ids are ours to choose, so one batch can add a tab and format it)."""
    taken = set(used)
    candidate = _FIRST_SHEET_ID
    while candidate in taken:
        candidate += 1
    return candidate


def _rows(
    sheet_id: int, start: int, end: int | None = None, col: int | None = None, width: int | None = None
) -> dict:
    """A GridRange: rows [start, end) (0-based), one column or the first ``width`` columns."""
    grid: dict[str, Any] = {"sheetId": sheet_id, "startRowIndex": start}
    if end is not None:
        grid["endRowIndex"] = end
    if col is not None:
        grid.update(startColumnIndex=col, endColumnIndex=col + 1)
    elif width is not None:
        grid.update(startColumnIndex=0, endColumnIndex=width)
    return grid


def add_sheet(title: str, sheet_id: int, rows: int, cols: int, *, index: int | None = None) -> dict:
    props: dict[str, Any] = {
        "sheetId": sheet_id,
        "title": title,
        "gridProperties": {"rowCount": rows, "columnCount": cols, "frozenRowCount": 1},
    }
    if index is not None:
        props["index"] = index
    return {"addSheet": {"properties": props}}


def resize_and_clear(sheet_id: int, rows: int, cols: int) -> list[dict]:
    """Make an existing tab exactly rows × cols and empty its values (formats and validations stay)."""
    return [
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet_id,
                    "gridProperties": {"rowCount": rows, "columnCount": cols},
                },
                "fields": "gridProperties.rowCount,gridProperties.columnCount",
            }
        },
        {"updateCells": {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue"}},
    ]


def format_requests(title: str, sheet_id: int, header: Sequence[str], *, new: bool) -> list[dict]:
    """The layout of one tab whose header row is ``header`` (columns found by name: people move them).

    Always (safe to repeat): frozen bold header, header notes, date formats, drop-downs, column widths.
    Only for a ``new`` tab (they would pile up if repeated): the protected header and conditional formats.
    """
    names = [normalise_header(h) for h in header]
    width = max(len(names), 1)
    requests: list[dict] = [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount",
            }
        },
        {
            "repeatCell": {
                "range": _rows(sheet_id, 0, 1, width=width),
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
    ]
    tab = schema.TAB_BY_NAME.get(title)
    if tab is None:
        return requests
    notes = []
    for position, name in enumerate(names):
        column = tab.column(name) if name in tab else None
        notes.append({"note": column.description} if column else {})
        if column is None:
            continue
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": position,
                        "endIndex": position + 1,
                    },
                    "properties": {"pixelSize": column.width * 7},
                    "fields": "pixelSize",
                }
            }
        )
        if column.kind is schema.Kind.DATE:
            requests.append(
                {
                    "repeatCell": {
                        "range": _rows(sheet_id, 1, col=position),
                        "cell": {
                            "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": DATE_PATTERN}}
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        if column.kind is schema.Kind.ENUM:
            requests.append(
                {
                    "setDataValidation": {
                        "range": _rows(sheet_id, 1, col=position),
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": v} for v in column.values],
                            },
                            "inputMessage": f"Pick one of: {', '.join(column.values)}",
                            # A warning, not a refusal: the validator reports near-misses ('enterprise').
                            "strict": False,
                            "showCustomUi": True,
                        },
                    }
                }
            )
    requests.append(
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": notes}],
                "fields": "note",
            }
        }
    )
    if new:
        requests.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": _rows(sheet_id, 0, 1, width=width),
                        "description": "Column names: the kit finds columns by these names. Please do not rename them.",
                        "warningOnly": True,
                    }
                }
            }
        )
        requests += conditional_formats(tab, sheet_id, names)
    return requests


def conditional_formats(tab: schema.Tab, sheet_id: int, names: Sequence[str]) -> list[dict]:
    """Stale profiles (Advocates) and overdue open requests (Requests), highlighted on the whole row."""

    def letter(name: str) -> str | None:
        return column_letter(names.index(name) + 1) if name in names else None

    width = len(names)
    rules = []
    if tab is schema.ADVOCATES and letter(A.last_verified):
        verified = letter(A.last_verified)
        key_col = column_letter(schema.SETTINGS.names.index(S.key) + 1)
        value_col = column_letter(schema.SETTINGS.names.index(S.value) + 1)
        setting = schema.SETTING_BY_KEY["stale_after_days"]
        lookup = (
            f'VLOOKUP("{setting.key}", INDIRECT("{schema.SETTINGS.name}!{key_col}:{value_col}"), 2, FALSE)'
        )
        formula = f"=AND(ISNUMBER(${verified}2), ${verified}2 < TODAY() - IFERROR(VALUE({lookup}), {setting.default}))"
        rules.append((formula, _STALE))
    if tab is schema.REQUESTS and letter(R.needed_by) and letter(R.status):
        due, status = letter(R.needed_by), letter(R.status)
        open_ = ", ".join(f'${status}2="{s}"' for s in schema.OPEN_REQUEST_STATUSES)
        formula = f"=AND(ISNUMBER(${due}2), ${due}2 < TODAY(), OR({open_}))"
        rules.append((formula, _OVERDUE))
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [_rows(sheet_id, 1, width=width)],
                    "booleanRule": {
                        "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
                        "format": {"backgroundColor": color},
                    },
                },
            }
        }
        for formula, color in rules
    ]


def init_requests(remove_sheet_id: int | None = 0) -> list[dict]:
    """Every schema tab laid out, then the new spreadsheet's default 'Sheet1' removed: one batchUpdate."""
    requests: list[dict] = []
    for index, tab in enumerate(schema.TABS):
        sheet_id = _FIRST_SHEET_ID + index
        rows = 1 + SPARE_ROWS * 5 if tab is not schema.SETTINGS else 1 + len(schema.SETTING_DEFAULTS) + 20
        requests.append(add_sheet(tab.name, sheet_id, rows, len(tab.columns), index=index))
        requests += format_requests(tab.name, sheet_id, tab.names, new=True)
    if remove_sheet_id is not None:
        requests.append({"deleteSheet": {"sheetId": remove_sheet_id}})
    return requests


def init_values() -> list[dict]:
    """The header rows, and the Settings tab filled with the defaults, for one ``values:batchUpdate``."""
    data = [{"range": f"'{tab.name}'!A1", "values": [tab.names]} for tab in schema.TABS]
    settings = [[s.key, s.default, s.description] for s in schema.SETTING_DEFAULTS]
    order = [S.key, S.value, S.description]
    rows = [[row[order.index(name)] for name in schema.SETTINGS.names] for row in settings]
    data.append({"range": f"'{schema.SETTINGS.name}'!A2", "values": rows})
    return data
