"""A1 notation as the Sheets API reads and echoes it.

Follows https://developers.google.com/sheets/api/guides/concepts#cell (A1 notation): ``Sheet1!A1:B2``,
``Sheet1!A:A`` (whole columns), ``Sheet1!1:2`` (whole rows), ``Sheet1!A5:A`` (open-ended), ``A1:B2`` (the
first visible sheet), ``Sheet1`` (every cell of the sheet), and ``'My Sheet'!A1`` (a title with spaces or
punctuation in single quotes, a quote inside doubled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_A1_LIKE = re.compile(r"^[A-Za-z]{1,3}\d*$|^\d+$|^R\d*C\d*$", re.IGNORECASE)


class RangeError(ValueError):
    """A range the API answers with 400 'Unable to parse range'."""


def column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_title(title: str) -> str:
    """How the API writes a sheet title in a range it returns: bare when it can, quoted otherwise.

    Observed in recorded traffic (gspread cassettes): ``Sheet1!A1:Z1`` bare, ``'Sheet 1'!A1`` quoted;
    a title that could be read as a cell reference (``A1``) is quoted too.
    """
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not _A1_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """'Sheet1!A1:B2' → ('Sheet1', 'A1:B2'); "'It''s'!A1" → ("It's", 'A1'); 'A1:B2' → (None, 'A1:B2')."""
    text = text.strip()
    if text.startswith("'"):
        i = 1
        title = ""
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title += "'"
                    i += 2
                    continue
                break
            title += text[i]
            i += 1
        else:
            raise RangeError(text)
        rest = text[i + 1 :]
        if rest.startswith("!"):
            return title, rest[1:]
        if rest == "":
            return title, ""
        raise RangeError(text)
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


@dataclass(frozen=True)
class Box:
    """A rectangle of cells, 1-based and inclusive; None means unbounded on that side."""

    row1: int | None
    col1: int | None
    row2: int | None
    col2: int | None


def parse_cells(cells: str) -> Box:
    """'A1:B2', 'A:A', '1:1', 'A5:A', 'B3', '' (whole sheet) as a Box."""
    if cells == "":
        return Box(None, None, None, None)
    parts = cells.split(":")
    if len(parts) > 2:
        raise RangeError(cells)
    parsed = []
    for part in parts:
        match = _CELL.match(part.strip())
        if not match or (not match.group(1) and not match.group(2)):
            raise RangeError(cells)
        letters, digits = match.groups()
        col = column_number(letters) if letters else None
        row = int(digits) if digits else None
        if row == 0:
            raise RangeError(cells)
        parsed.append((row, col))
    if len(parsed) == 1:
        row, col = parsed[0]
        if row is None or col is None:  # 'A' alone or '5' alone are not ranges
            raise RangeError(cells)
        return Box(row, col, row, col)
    (r1, c1), (r2, c2) = parsed
    # 'A:B' = whole columns; '1:2' = whole rows; 'A5:A' = from row 5 down.
    if r1 is None and r2 is not None or c1 is None and c2 is not None and r1 is None:
        raise RangeError(cells)
    if r1 is not None and r2 is not None and r2 < r1:
        r1, r2 = r2, r1
    if c1 is not None and c2 is not None and c2 < c1:
        c1, c2 = c2, c1
    return Box(r1 or 1, c1 or 1, r2, c2)


def format_box(title: str, row1: int, col1: int, row2: int, col2: int) -> str:
    """The range string the API echoes: 'Sheet1!A1' for one cell, 'Sheet1!A1:J1' otherwise."""
    start = f"{column_letters(col1)}{row1}"
    end = f"{column_letters(col2)}{row2}"
    return f"{quote_title(title)}!{start}" + ("" if start == end else f":{end}")
