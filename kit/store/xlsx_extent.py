"""How far a worksheet's data really goes, so that reading it costs what its data costs.

calamine (the reader) builds a tab as one rectangle from A1 to the farthest cell stored. One value typed at
the grid's far corner (``XFD1048576``) makes that 16,384 x 1,048,576 cells: a 512 GB allocation, and the
process aborts (SIGABRT; no Python error to catch). Every writer of .xlsx (Excel, LibreOffice, openpyxl,
Google's export, the kit) records that rectangle in the sheet's ``<dimension ref=...>``, in its first bytes,
so it is read first, at no cost. A tab whose rectangle is small enough is read as it is. A bigger one is
read from a copy of the workbook in memory whose tab keeps only the columns under its header (the kit reads
no other); a header cell far right of the others does not widen that copy past what a tab read as it is
may cost, and if what remains is still too big to read, that is one clear error naming the cell to delete.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from kit.errors import SourceError
from kit.program import column_letter
from kit.store.xlsx_patch import Declined, sheet_parts

# Read as it is: 2**24 cells (a million rows of 16 columns) fill a few hundred MB once read.
READ_AS_IT_IS = 1 << 24
# The most a tab may hold once cut to its header's columns: every row of the grid, 64 columns.
MOST_CELLS = 1_048_576 * 64

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"')
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*?(/?)>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_WIDE_REFERENCE = re.compile(rb'r="([A-Z]{2,3})\d')  # a literal first: scanned at C speed
_HEADER_GAP = 26  # blank header cells between two columns of one header (an alphabet's worth)
_HEAD = 65_536  # the dimension comes before the sheet's views, columns and data


def bounded_copy(path: Path, tab: str, source: str) -> bytes | None:
    """None when tab ``tab`` (its exact name) can be read from the workbook at ``path`` as it is; else the
    bytes of a copy of the workbook whose tab keeps only the cells under its header. Raises SourceError when
    even that is too big to read."""
    with zipfile.ZipFile(path) as archive:
        try:
            member = dict(sheet_parts(archive)).get(tab)
        except Declined:
            return None  # parts not where expected: calamine reports what is wrong
        if member is None:
            return None
        with archive.open(member) as part:
            head = part.read(_HEAD)
        rows, columns = _declared(head)
        if rows is not None and columns is not None and rows * columns <= READ_AS_IT_IS:
            return None
        xml = archive.read(member)
        if rows is None or columns is None:  # no dimension (openpyxl's write-only mode, the kit's own writer)
            rows, columns = _scanned(xml)
            if rows is not None and rows * columns <= READ_AS_IT_IS:
                return None
        trimmed = _under_header(xml, tab, source)
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
            for info in archive.infolist():
                out.writestr(info.filename, trimmed if info.filename == member else archive.read(info))
        return copy.getvalue()


def _declared(head: bytes) -> tuple[int | None, int | None]:
    """The last row and column of the sheet's ``dimension``, or (None, None) without one."""
    match = _DIMENSION.search(head)
    if match is None:
        return None, None
    last_column = match.group(3) or match.group(1)
    last_row = match.group(4) or match.group(2)
    return int(last_row), _column_number(last_column.decode())


def _scanned(xml: bytes) -> tuple[int | None, int]:
    """The last row and an upper bound of the farthest column of a sheet without a dimension, read in C: the
    last row element (rows are stored in order) and the cell references of two or three letters (a sheet
    whose cells all lie in A..Z has none). The row is None when the last row element has no number."""
    last = max(xml.rfind(b"<row"), xml.rfind(b":row"))
    if last < 0:
        return 0, 0
    row = _ROW.search(xml, max(0, last - 1))
    if row is None:
        return None, 0
    wide = set(_WIDE_REFERENCE.findall(xml))
    return int(row.group(1)), max([26, *(_column_number(letters.decode()) for letters in wide)])


def _under_header(xml: bytes, tab: str, source: str) -> bytes:
    """The sheet's XML with only the cells in its header's columns (row 1's), and a dimension to match.

    The header's columns run from A to its last named column with at most ``_HEADER_GAP`` blank header cells
    between two named ones (the extra columns managers add beside the data are kept). A header cell beyond
    that (a stray value at ``XFD1``) would make every row as wide as the grid: it is read only while the tab
    stays within ``READ_AS_IT_IS`` cells; past that it is one clear error naming that cell.
    """
    width = farthest = 0
    stray: list[int] = []
    last_row, last_cell = 0, "A1"  # under the header's columns
    last_row_out = 0  # under every column out to the farthest header cell
    for row in _ROW.finditer(xml):  # rows are stored in order: row 1, the header, comes first
        if row.group(2):  # <row/>: no cells
            continue
        end = xml.find(b"</row>", row.end())
        columns = [
            _column_number(reference.group(1).decode())
            for cell in _CELL.finditer(xml, row.end(), end if end >= 0 else len(xml))
            if _holds_value(cell.group(2)) and (reference := _REFERENCE.search(cell.group(1)))
        ]
        number = int(row.group(1))
        if number == 1 and columns:
            width, stray = _header_extent(sorted(columns))
            farthest = max(columns)
        under = [c for c in columns if c <= max(width, 1)]
        if under:
            last_row, last_cell = number, f"{column_letter(max(under))}{number}"
        if any(c <= farthest for c in columns):
            last_row_out = number
    width = max(width, 1)
    if stray:
        if farthest * last_row_out > READ_AS_IT_IS:
            others = f" (and {len(stray) - 1} more beyond it)" if len(stray) > 1 else ""
            raise SourceError(
                f"{source}: tab {tab!r} has a value in cell {column_letter(stray[0])}1{others}, far right of "
                f"its header, which ends at column {column_letter(width)}; delete it, or move that column next "
                "to the others"
            )
        width, last_row = farthest, last_row_out
    if last_row * width > MOST_CELLS:
        raise SourceError(
            f"{source}: tab {tab!r} has a value in cell {last_cell}, far below the rest of its data; delete "
            f"the rows below the data (the kit reads at most {MOST_CELLS // width:,} rows of {width} columns)"
        )

    def in_header_columns(cell: re.Match[bytes]) -> bytes:
        reference = _REFERENCE.search(cell.group(1))
        keep = reference is None or _column_number(reference.group(1).decode()) <= width
        return cell.group() if keep else b""

    trimmed = _CELL.sub(in_header_columns, xml)
    dimension = b'<dimension ref="A1:%s%d"/>' % (column_letter(width).encode(), max(last_row, 1))
    return _DIMENSION_ELEMENT.sub(dimension, trimmed, count=1)


_DIMENSION_ELEMENT = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


def _header_extent(columns: list[int]) -> tuple[int, list[int]]:
    """The header's last column (of ``columns``, the header cells holding a value, in order) and the
    columns beyond it: after more than ``_HEADER_GAP`` blank header cells, the header has ended."""
    last = 0
    for position, column in enumerate(columns):
        if column - last - 1 > _HEADER_GAP:
            return last, columns[position:]
        last = column
    return last, []


def _holds_value(content: bytes | None) -> bool:
    return bool(content) and (b"<v" in content or b"<is" in content or b"<f" in content)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number
