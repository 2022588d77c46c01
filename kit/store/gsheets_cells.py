"""Cells in and out of the Sheets API, A1 ranges, and request sizes.

Every value goes in RAW (text such as ``=IMPORTXML(…)`` or ``+1 555`` stays text), dates as serial numbers and
numbers as numbers; a read comes back unformatted, date columns' serial numbers turned back into dates here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from typing import Any

from kit import schema
from kit.cells import as_text, is_blank, parse_date, serial_number, to_cell
from kit.program import Grid, normalise_header

# https://developers.google.com/sheets/api/limits : "a 2 MB maximum payload is recommended".
MAX_REQUEST_BYTES = 1_800_000
_A1_ROWS = re.compile(r"![A-Z]+(\d+)(?::[A-Z]+(\d+))?$")
_UNFORMATTED = {"majorDimension": "ROWS", "valueRenderOption": "UNFORMATTED_VALUE"}


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
