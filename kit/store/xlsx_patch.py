"""Setting a few cells of one worksheet inside an ``.xlsx`` file without loading the workbook.

openpyxl loads every cell of every tab to change one: on a 50,000-advocate workbook that is 64 s to load and
40 s to save, so each keyed update (a request assigned, a nomination accepted) took 106 s. A worksheet is one
XML file in the zip. This finds the rows to change in that file, rewrites those rows' cells, adds new rows at
the end, and copies every other file of the zip as it was, in a few seconds. Everything it does not touch
(formatting, drop-downs, other tabs, charts and pictures, which openpyxl re-writes from what it understands
of them) is the same bytes once unzipped.

It is a fast path, never the only one: whatever it is not sure to write exactly (a row without its number,
rows stored past the end of the data, a formula to overwrite, a date when the workbook has no date format to
show it with, characters XML cannot hold, a sheet written with namespace prefixes) raises ``Declined``
before anything is written, and the caller writes with openpyxl instead.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import posixpath
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from kit.cells import serial_number
from kit.program import column_letter

Changes = Mapping[int, Mapping[int, Any]]  # sheet row -> {column number (1 = A): value; None clears it}


class Declined(Exception):
    """This change is not one the fast path is sure to write exactly; write it with openpyxl."""


def write_patched(source: Path, target: BinaryIO, tab: str, changes: Changes, *, whole: bool = False) -> None:
    """Write the workbook at ``source`` to ``target`` with ``changes`` made to the cells of tab ``tab``
    (its exact name). Rows after the sheet's last stored row are added. ``whole``: ``changes`` is the tab's
    whole content; every other row and cell goes (the tab's column widths, frozen panes and the formats of
    the cells kept stay). Raises ``Declined`` before writing anything it would not write exactly."""
    with zipfile.ZipFile(source) as archive:
        member = dict(sheet_parts(archive)).get(tab)
        if member is None:
            raise Declined(f"no worksheet part for tab {tab!r}")
        patched = _patch_sheet(archive.read(member), changes, _date_styles(archive), whole=whole)
        with zipfile.ZipFile(target, "w") as out:
            for info in archive.infolist():
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
                out.writestr(copy, patched if info.filename == member else archive.read(info))


# ------------------------------------------------------------------------------------------------------------
# Finding the worksheet part and a date style

_SHEET = re.compile(r"<(?:\w+:)?sheet\b[^>]*>")
_ATTRIBUTE = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b[^>]*>")


def _attributes(tag: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(tag)}


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(tab name, zip member of its worksheet XML) for each worksheet, in workbook order."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    except (KeyError, UnicodeDecodeError) as error:
        raise Declined(f"workbook parts not where expected ({error})") from None
    targets = {}
    for tag in _RELATIONSHIP.findall(relations):
        attributes = _attributes(tag)
        target = attributes.get("Target", "")
        if attributes.get("Type", "").endswith("/worksheet") and target:
            member = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[attributes.get("Id")] = posixpath.normpath(member)
    sheets = []
    for tag in _SHEET.findall(workbook):
        attributes = _attributes(tag)
        relation = next((v for k, v in attributes.items() if k.endswith(":id")), None)
        if "name" in attributes and relation in targets:
            sheets.append((attributes["name"], targets[relation]))
    return sheets


_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 22}  # m/d/yyyy, d-mmm-yy, d-mmm, mmm-yy, m/d/yyyy h:mm
_NUMBER_FORMAT = re.compile(r"<(?:\w+:)?numFmt\b[^>]*>")
_CELL_FORMATS = re.compile(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_FORMAT = re.compile(r"<(?:\w+:)?xf\b[^>]*>")


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", code).lower()  # quoted text and [colour] / [$-409] parts
    return "y" in code and "d" in code


def _date_styles(archive: zipfile.ZipFile) -> tuple[int, ...]:
    """The indexes of the cell formats that show a date (what a date cell's ``s`` must be), in order."""
    try:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return ()
    custom = {}
    for tag in _NUMBER_FORMAT.findall(styles):
        attributes = _attributes(tag)
        if attributes.get("numFmtId", "").isdigit():
            custom[int(attributes["numFmtId"])] = attributes.get("formatCode", "")
    formats = _CELL_FORMATS.search(styles)
    if formats is None:
        return ()
    dates = []
    for index, tag in enumerate(_FORMAT.findall(formats.group(1))):
        number = _attributes(tag).get("numFmtId", "0")
        if number.isdigit() and (
            int(number) in _BUILTIN_DATE_FORMATS or _is_date_code(custom.get(int(number), ""))
        ):
            dates.append(index)
    return tuple(dates)


# ------------------------------------------------------------------------------------------------------------
# Rewriting rows

_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>")
_ROW = re.compile(rb"<row\b([^>]*?)(/?)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"\s*/>')
# Characters no .xlsx can hold (XML 1.0 forbids them): control characters other than tab and line breaks.
NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _patch_sheet(xml: bytes, changes: Changes, date_styles: tuple[int, ...], *, whole: bool = False) -> bytes:
    opening = _SHEET_DATA.search(xml)
    if opening is None:
        raise Declined("no sheetData")
    if opening.group().endswith(b"/>"):  # no rows at all
        body_start = close = opening.end()
        head, tail = xml[: opening.start()] + b"<sheetData>", b"</sheetData>" + xml[opening.end() :]
    else:
        body_start = opening.end()
        close = xml.find(b"</sheetData>", body_start)
        if close < 0:
            raise Declined("sheetData not closed")
        head, tail = xml[:body_start], xml[close:]
    rows: dict[int, tuple[int, int]] = {}  # row number -> (start, end) of the row element in xml
    last = 0
    position = body_start
    while True:
        match = _ROW.search(xml, position, close)
        if match is None:
            break
        number = _ROW_NUMBER.search(match.group(1))
        if number is None:
            raise Declined("a row without its number")
        row = int(number.group(1))
        if row <= last:
            raise Declined("rows out of order")
        if match.group(2):
            end = match.end()
        else:
            end = xml.find(b"</row>", match.end(), close)
            if end < 0:
                raise Declined("a row not closed")
            end += len(b"</row>")
        rows[row] = (match.start(), end)
        last, position = row, end
    if whole:
        if b"<f" in xml[body_start:close]:
            raise Declined("formulas in a tab to replace")  # the calculation chain lists their cells
        last = max((r for r in rows if r in changes), default=0)
    added = sorted(r for r in changes if r not in rows)
    if added and added[0] <= last:
        raise Declined("a new row inside the stored rows")
    pieces, cursor = [head], body_start
    for row in sorted(r for r in rows if r in changes or whole):
        start, end = rows[row]
        pieces.append(xml[cursor:start])
        if row in changes:
            pieces.append(_rewrite_row(xml[start:end], row, changes[row], date_styles, whole=whole))
        cursor = end
    pieces.append(xml[cursor:close] if close > cursor else b"")
    for row in added:
        pieces.append(_rewrite_row(b'<row r="%d"/>' % row, row, changes[row], date_styles))
    pieces.append(tail)
    patched = b"".join(pieces)
    width = max((max(c) for c in changes.values() if c), default=1)
    if whole:
        patched = _set_dimension(patched, max(changes, default=1), width)
    elif added:
        patched = _grow_dimension(patched, added[-1], width)
    return patched


def _rewrite_row(
    element: bytes, row: int, values: Mapping[int, Any], date_styles: tuple[int, ...], *, whole: bool = False
) -> bytes:
    """The row's element with ``values`` set (and, ``whole``, every other cell of it gone)."""
    opening = _ROW.match(element)
    assert opening is not None
    body = element[opening.end() : -len(b"</row>")] if not opening.group(2) else b""
    cells: dict[int, bytes] = {}
    styles: dict[int, int] = {}
    for match in _CELL.finditer(body):
        reference = _CELL_REFERENCE.search(match.group(1))
        if reference is None or int(reference.group(2)) != row:
            raise Declined("a cell without its reference")
        column = _column_number(reference.group(1).decode())
        cells[column] = match.group()
        style = _STYLE.search(match.group(1))
        if style is not None:
            styles[column] = int(style.group(1))
        if column in values and b"<f" in (match.group(2) or b""):
            # a formula's cell is listed in the calculation chain, and may anchor a shared or array formula
            raise Declined("overwriting a formula")
    if _CELL.sub(b"", body).strip():
        raise Declined("something other than cells in a row")
    if whole:
        cells = {}
    for column, value in values.items():
        cell = _cell(f"{column_letter(column)}{row}", value, styles.get(column), date_styles)
        if cell is None:
            cells.pop(column, None)
        else:
            cells[column] = cell
    attributes = _SPANS.sub(b"", opening.group(1))  # spans is a hint of the columns used; now it may be wrong
    if not cells:
        return b"<row%s/>" % attributes
    return b"<row%s>%s</row>" % (attributes, b"".join(cells[c] for c in sorted(cells)))


def _cell(reference: str, value: Any, style: int | None, date_styles: tuple[int, ...]) -> bytes | None:
    """One cell's XML, keeping the cell's format (``style``), or None for an empty cell with no format."""
    if isinstance(value, (dt.date, dt.datetime)) and style not in date_styles:
        if not date_styles:
            raise Declined("a date, and no date format in the workbook to show it with")
        style = date_styles[0]
    attribute = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{reference}"{attribute}/>'.encode() if style else None
    if isinstance(value, bool):
        return f'<c r="{reference}"{attribute} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, (dt.date, dt.datetime)):
        return f'<c r="{reference}"{attribute}><v>{serial_number(value)!r}</v></c>'.encode()
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise Declined("a number that is not finite")
        return f'<c r="{reference}"{attribute}><v>{value!r}</v></c>'.encode()
    text = line_feeds(str(value))
    if NOT_IN_XLSX.search(text):
        raise Declined("characters an XML file cannot hold")
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    escaped = html.escape(text, quote=False)
    return f'<c r="{reference}"{attribute} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'.encode()


def line_feeds(text: str) -> str:
    """Line breaks as a cell holds them: LF. Excel and LibreOffice break a cell's line on LF only (Excel shows
    a lone CR as nothing, LibreOffice reads CR LF as LF); readers disagree on a CR left in the XML (calamine
    0.9 keeps it, older ones made it LF), so both ways of writing turn a pasted CR LF or CR into one LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _set_dimension(xml: bytes, last_row: int, last_column: int) -> bytes:
    """The sheet's ``dimension`` (the used range) set to A1 to the last row and column written."""
    match = _DIMENSION.search(xml)
    if match is None:
        return xml
    dimension = b'<dimension ref="A1:%s%d"/>' % (column_letter(last_column).encode(), last_row)
    return xml[: match.start()] + dimension + xml[match.end() :]


def _grow_dimension(xml: bytes, last_row: int, last_column: int) -> bytes:
    """The sheet's ``dimension`` (the used range, a hint to readers) widened to take the added rows."""
    match = _DIMENSION.search(xml)
    if match is None:
        return xml
    first = match.group(1) + match.group(2)
    end_column = match.group(3) or match.group(1)
    end_row = int(match.group(4) or match.group(2))
    column = max(_column_number(end_column.decode()), last_column)
    grown = b'<dimension ref="%s:%s%d"/>' % (first, column_letter(column).encode(), max(end_row, last_row))
    return xml[: match.start()] + grown + xml[match.end() :]
