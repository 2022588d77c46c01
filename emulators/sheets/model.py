"""The emulator's state: spreadsheets, their sheets and cells, and how values go in and come out.

Every rule cites the page of Google's reference it follows. Cells hold what the API stores: a string, a
number, a boolean, or a ``Formula`` (text entered with USER_ENTERED that starts with '='). Formulas are kept,
not computed: the emulator renders a formula's text where Google would render its result (the kit never
writes formulas, so nothing in the kit depends on a computed value).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
import re
import string
from dataclasses import dataclass, field
from typing import Any

from emulators.sheets.a1 import Box, RangeError, column_letters, format_box, parse_cells, split_sheet

# https://support.google.com/drive/answer/37603 — "up to 10 million cells" per spreadsheet.
CELL_LIMIT = 10_000_000
SERIAL_EPOCH = dt.date(1899, 12, 30)


class ApiError(Exception):
    """An error answer: https://cloud.google.com/apis/design/errors (code, message, status)."""

    def __init__(self, code: int, message: str, status: str, details: list | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def body(self) -> dict:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


@dataclass
class Formula:
    text: str


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    col_count: int = 26
    frozen_rows: int = 0
    extra_grid: dict[str, Any] = field(default_factory=dict)  # other gridProperties (hideGridlines, …)
    hidden: bool = False
    rows: list[list[Any]] = field(default_factory=list)  # rows[0] is row 1; None = empty cell
    date_formats: list[tuple[Box, str]] = field(default_factory=list)  # ranges with a DATE number format
    cell_date_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    bold: list[Box] = field(default_factory=list)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    validations: list[dict] = field(default_factory=list)
    protected_ranges: list[dict] = field(default_factory=list)
    conditional_formats: list[dict] = field(default_factory=list)
    column_widths: dict[int, int] = field(default_factory=dict)

    def properties(self) -> dict:
        grid = {"rowCount": self.row_count, "columnCount": self.col_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        grid.update(self.extra_grid)
        props = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props

    # -- cells -------------------------------------------------------------------------------------------

    def get(self, row: int, col: int) -> Any:
        if row - 1 < len(self.rows):
            cells = self.rows[row - 1]
            if col - 1 < len(cells):
                return cells[col - 1]
        return None

    def set(self, row: int, col: int, value: Any) -> None:
        while len(self.rows) < row:
            self.rows.append([])
        cells = self.rows[row - 1]
        if value is None and col > len(cells):
            return
        while len(cells) < col:
            cells.append(None)
        cells[col - 1] = value

    def used_rows(self) -> int:
        for number in range(len(self.rows), 0, -1):
            if any(v is not None for v in self.rows[number - 1]):
                return number
        return 0

    def date_pattern(self, row: int, col: int) -> str | None:
        if (row, col) in self.cell_date_formats:
            return self.cell_date_formats[(row, col)]
        for box, pattern in reversed(self.date_formats):
            if _inside(box, row, col):
                return pattern
        return None

    def grow(self, rows: int, cols: int) -> None:
        self.row_count = max(self.row_count, rows)
        self.col_count = max(self.col_count, cols)


def _inside(box: Box, row: int, col: int) -> bool:
    return (
        (box.row1 is None or row >= box.row1)
        and (box.row2 is None or row <= box.row2)
        and (box.col1 is None or col >= box.col1)
        and (box.col2 is None or col <= box.col2)
    )


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    owner: str
    sheets: list[Sheet]
    permissions: list[dict] = field(default_factory=list)
    created: str = ""
    modified: str = ""
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"

    def sheet_by_title(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        # Titles in ranges match case-insensitively (a range 'sheet1!A1' reads Sheet1).
        for sheet in self.sheets:
            if sheet.title.lower() == title.lower():
                return sheet
        return None

    def sheet_by_id(self, sheet_id: int) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise bad_request(f"Invalid requests[0]: No grid with id: {sheet_id}")

    def cell_count(self) -> int:
        return sum(s.row_count * s.col_count for s in self.sheets)

    def reindex(self) -> None:
        self.sheets.sort(key=lambda s: s.index)
        for position, sheet in enumerate(self.sheets):
            sheet.index = position

    def can_read(self, who: str | None) -> bool:
        return who is not None and (
            who == self.owner
            or any(p.get("emailAddress") == who or p.get("type") == "anyone" for p in self.permissions)
        )


_ID_CHARS = string.ascii_letters + string.digits + "-_"
_sheet_ids = itertools.count(1)


def new_spreadsheet_id(rng: random.Random) -> str:
    """44 characters like Google's ids (they pass kit.store.is_google_sheet's key test)."""
    return "1" + "".join(rng.choice(_ID_CHARS) for _ in range(43))


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


# ------------------------------------------------------------------------------------------------------------
# Ranges


def resolve(book: Spreadsheet, text: str) -> tuple[Sheet, Box]:
    """A1 text → (sheet, box). https://developers.google.com/sheets/api/guides/concepts#cell :
    a range without a sheet name means the first visible sheet; a name alone means the whole sheet;
    a range that names no sheet of the spreadsheet is a 400 'Unable to parse range: …'."""
    try:
        title, cells = split_sheet(text)
        if title is None:
            # 'Sheet1' alone is a sheet title, not a cell: try it as a title first.
            sheet = book.sheet_by_title(cells)
            if sheet is not None:
                return sheet, Box(None, None, None, None)
            visible = [s for s in book.sheets if not s.hidden] or book.sheets
            return visible[0], parse_cells(cells)
        sheet = book.sheet_by_title(title)
        if sheet is None:
            raise RangeError(text)
        return sheet, parse_cells(cells)
    except RangeError:
        raise bad_request(f"Unable to parse range: {text}") from None


def bounded(sheet: Sheet, box: Box, *, check: bool = True) -> tuple[int, int, int, int]:
    """Unbounded sides filled with the grid's extent. Reading outside the grid is a 400
    ('Range (…) exceeds grid limits. Max rows: 1000, max columns: 26'), as Google answers."""
    r1, c1 = box.row1 or 1, box.col1 or 1
    r2 = box.row2 if box.row2 is not None else sheet.row_count
    c2 = box.col2 if box.col2 is not None else sheet.col_count
    if check and (r2 > sheet.row_count or c2 > sheet.col_count or r1 > sheet.row_count):
        raise bad_request(
            f"Range ({format_box(sheet.title, r1, c1, r2, c2)}) exceeds grid limits. "
            f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
        )
    return r1, c1, max(r1, r2), max(c1, c2)


# ------------------------------------------------------------------------------------------------------------
# Values in: https://developers.google.com/sheets/api/reference/rest/v4/ValueInputOption

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def input_value(value: Any, option: str) -> tuple[Any, str | None]:
    """A JSON value as the cell it becomes, and a date pattern when USER_ENTERED parsed a date.

    RAW: "The values the user has entered will not be parsed and will be stored as-is" — a string stays a
    string, even '=1+1' or '+1 555'. USER_ENTERED: "parsed exactly as if they were entered into the UI" —
    '=' starts a formula, numbers and dates become numbers (dates get a date format), TRUE/FALSE become
    booleans, a leading apostrophe forces text. ``null`` is handled by the caller (the cell is skipped).
    """
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        return value, None
    if not isinstance(value, str):
        raise bad_request(f"Invalid value at 'data.values' ({type(value).__name__})")
    if value == "":
        return None, None
    if option == "RAW":
        return value, None
    text = value.strip()
    if value.startswith("'"):
        return value[1:], None
    if value.startswith("="):
        return Formula(value), None
    if _NUMBER.match(text):
        number = float(text)
        return (
            int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        ), None
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE", None
    for pattern, order, fmt in ((_ISO_DATE, (0, 1, 2), "yyyy-mm-dd"), (_US_DATE, (2, 0, 1), "M/d/yyyy")):
        match = pattern.match(text)
        if match:
            parts = [int(g) for g in match.groups()]
            year, month, day = (parts[i] for i in order)
            try:
                return (dt.date(year, month, day) - SERIAL_EPOCH).days, fmt
            except ValueError:
                break
    return value, None


# ------------------------------------------------------------------------------------------------------------
# Values out: https://developers.google.com/sheets/api/reference/rest/v4/ValueRenderOption and
# https://developers.google.com/sheets/api/reference/rest/v4/DateTimeRenderOption


def _number_json(number: float | int) -> float | int:
    if isinstance(number, float) and number.is_integer() and math.isfinite(number):
        return int(number)
    return number


def _format_date(serial: float, pattern: str) -> str:
    day = SERIAL_EPOCH + dt.timedelta(days=int(math.floor(serial)))
    out = pattern
    for token, value in (
        ("yyyy", f"{day.year:04d}"),
        ("mm", f"{day.month:02d}"),
        ("dd", f"{day.day:02d}"),
        ("M", str(day.month)),
        ("d", str(day.day)),
    ):
        out = out.replace(token, value)
    return out


def _format_number(number: float | int) -> str:
    number = _number_json(number)
    if isinstance(number, int):
        return str(number)
    return f"{number:.10g}"


def render(value: Any, pattern: str | None, value_option: str, date_option: str) -> Any:
    """A stored cell as the API returns it.

    FORMATTED_VALUE (the default): "Values will be calculated & formatted in the response according to the
    cell's formatting" — numbers as text, TRUE/FALSE, dates in their pattern. UNFORMATTED_VALUE: numbers and
    booleans as JSON numbers and booleans. FORMULA: formulas as typed. Dates under UNFORMATTED_VALUE or
    FORMULA follow dateTimeRenderOption: SERIAL_NUMBER (the default, days since 1899-12-30) or
    FORMATTED_STRING. An empty cell is "".
    """
    if value is None:
        return ""
    if isinstance(value, Formula):
        result = _arithmetic(value.text) if value_option != "FORMULA" else None
        if result is None:
            return value.text
        value = result
    if isinstance(value, bool):
        return value if value_option != "FORMATTED_VALUE" else ("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        if value_option == "FORMATTED_VALUE":
            return _format_date(value, pattern) if pattern else _format_number(value)
        if pattern and date_option == "FORMATTED_STRING":
            return _format_date(value, pattern)
        return _number_json(value)
    return value


def _arithmetic(formula: str) -> float | None:
    """The result of a formula made only of numbers, + - * / and brackets ('= 1 / 1024', '=3/2');
    None for anything else (the emulator does not compute spreadsheet functions)."""
    import ast
    import operator

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(formula)

    try:
        return walk(ast.parse(formula.lstrip("=").strip(), mode="eval").body)
    except (ValueError, SyntaxError, ZeroDivisionError):
        return None


def read_values(
    sheet: Sheet, box: Box, *, major: str, value_option: str, date_option: str
) -> tuple[str, list[list[Any]]]:
    """The echoed range and the values of a box. "Empty trailing rows and columns will not be included"
    (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange)."""
    r1, c1, r2, c2 = bounded(sheet, box)
    last_row = min(r2, len(sheet.rows))
    grid = []
    for row in range(r1, last_row + 1):
        cells = sheet.rows[row - 1]
        grid.append(
            [
                render(
                    cells[c - 1] if c - 1 < len(cells) else None,
                    sheet.date_pattern(row, c),
                    value_option,
                    date_option,
                )
                if c - 1 < len(cells) and cells[c - 1] is not None
                else ""
                for c in range(c1, min(c2, len(cells)) + 1)
            ]
        )
    if major == "COLUMNS":
        width = max((len(r) for r in grid), default=0)
        grid = [[r[i] if i < len(r) else "" for r in grid] for i in range(width)]
    for line in grid:
        while line and line[-1] == "":
            line.pop()
    while grid and not grid[-1]:
        grid.pop()
    return format_box(sheet.title, r1, c1, r2, c2), grid


@dataclass(frozen=True)
class Written:
    """What a write reports (https://developers.google.com/sheets/api/reference/rest/v4/UpdateValuesResponse):
    as recorded, only non-null cells count — rows and columns holding one, and the box around them."""

    rows: int
    columns: int
    cells: int
    box: tuple[int, int, int, int] | None  # r1, c1, r2, c2 of the non-null cells


def invalid_values(value: Any) -> ApiError:
    """The 400 Google answers for ``values`` that are not a list of lists (recorded in gspread's cassettes)."""
    text = (
        f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), {json.dumps(value)}"
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": "data.values", "description": text}],
        }
    ]
    return ApiError(400, text, "INVALID_ARGUMENT", details)


def write_values(
    sheet: Sheet, r1: int, c1: int, values: list[list[Any]], *, major: str, option: str, limit: Box | None
) -> Written:
    """Write a ValueRange from (r1, c1).

    "For input, supported value types are: bool, string, and double. Null values will be skipped. To set a
    cell to an empty value, set the string value to an empty string."
    (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange)
    Writing past a range's explicit end is a 400 ("Requested writing within range […], but tried writing to
    row […]"); writing past the grid's end adds rows and columns.
    """
    if not isinstance(values, list):
        raise invalid_values(values)
    if not all(isinstance(r, list) for r in values):
        raise invalid_values(next(r for r in values if not isinstance(r, list)))
    if major == "COLUMNS":
        height = max((len(c) for c in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(height)]
    height = len(values)
    width = max((len(r) for r in values), default=0)
    if limit is not None:
        if limit.row2 is not None and r1 + height - 1 > limit.row2:
            raise bad_request(
                f"Requested writing within range [{format_box(sheet.title, r1, c1, limit.row2, limit.col2 or c1)}], "
                f"but tried writing to row [{r1 + height - 1}]"
            )
        if limit.col2 is not None and c1 + width - 1 > limit.col2:
            raise bad_request(
                f"Requested writing within range [{format_box(sheet.title, r1, c1, limit.row2 or r1, limit.col2)}], "
                f"but tried writing to column [{column_letters(c1 + width - 1)}]"
            )
    parsed = [[None if v is None else input_value(v, option) for v in row] for row in values]
    rows: set[int] = set()
    cols: set[int] = set()
    cells = 0
    for i, row in enumerate(parsed):
        for j, item in enumerate(row):
            if item is None:
                continue  # null: skipped
            value, pattern = item
            sheet.set(r1 + i, c1 + j, value)
            if pattern:
                sheet.cell_date_formats[(r1 + i, c1 + j)] = pattern
            rows.add(r1 + i)
            cols.add(c1 + j)
            cells += 1
    sheet.grow(r1 + height - 1, c1 + width - 1)
    box = (min(rows), min(cols), max(rows), max(cols)) if cells else None
    return Written(len(rows), len(cols), cells, box)


def tables(sheet: Sheet, box: Box) -> list[tuple[int, int, int, int]]:
    """The "tables" Sheets finds in a range for values.append: groups of non-empty cells touching each other
    (side by side or one above the other), as boxes in the order their first cell is met row by row.

    Recorded behaviour (gspread cassettes ``test_append_row_with_empty_value*``): after ``x, "", y`` in row 1,
    appending to ``Sheet1`` finds the table ``C1`` (the last one) and writes from C2; appending to
    ``Sheet1!A1`` finds the table ``A1`` and writes from A2.
    """
    r1, c1 = box.row1 or 1, box.col1 or 1
    r2 = min(box.row2 if box.row2 is not None else len(sheet.rows), len(sheet.rows))
    c2 = box.col2 if box.col2 is not None else sheet.col_count
    # Runs of filled cells in each row, joined across rows where their columns overlap (union-find):
    # the same groups as a flood fill, in time proportional to the rows rather than the cells.
    parent: list[int] = []
    runs: list[tuple[int, int, int]] = []  # (row, first column, last column)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    previous: list[int] = []
    for r in range(r1, r2 + 1):
        cells = sheet.rows[r - 1]
        current: list[int] = []
        c = c1
        last = min(c2, len(cells))
        while c <= last:
            if cells[c - 1] is None:
                c += 1
                continue
            start = c
            while c + 1 <= last and cells[c] is not None:
                c += 1
            runs.append((r, start, c))
            parent.append(len(parent))
            current.append(len(runs) - 1)
            c += 1
        for i in current:
            _, a, b = runs[i]
            for j in previous:
                _, pa, pb = runs[j]
                if pa <= b and a <= pb:
                    parent[find(i)] = find(j)
        previous = current
    boxes: dict[int, list[int]] = {}
    order: list[int] = []
    for i, (r, a, b) in enumerate(runs):
        root = find(i)
        if root not in boxes:
            boxes[root] = [r, a, r, b]
            order.append(root)
        else:
            found = boxes[root]
            found[1], found[2], found[3] = min(found[1], a), max(found[2], r), max(found[3], b)
    return [tuple(boxes[root]) for root in order]
