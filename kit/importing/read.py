"""Reading the file a person brings: a CSV in whatever encoding and delimiter a spreadsheet or a CRM wrote, or a
sheet of an Excel workbook (``FILE.xlsx#Sheet name``), into a header and rows of cells.

CSV text is decoded by its byte-order mark when it has one (UTF-8 with BOM, as Excel's "CSV UTF-8" writes it;
UTF-16, as Excel's "Unicode Text" writes it), else as UTF-8, else as Windows-1252 (Excel's plain "CSV" on a
Western Windows, and Salesforce's "ISO-8859-1" export encoding, whose printable characters it includes). The
delimiter is found among comma, semicolon (Excel in locales whose decimal mark is a comma), tab and pipe: the one
that splits the first rows evenly. A file that cannot be read raises ``ImportFileError``: one line naming the
file, row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.errors import KitError
from kit.program import column_letter

DELIMITERS = ",;\t|"
_SAMPLE_CHARS = 64_000
_SNIFF_ROWS = 200
_FOOTER_LINES = 10  # a report's footer (Salesforce writes 5 or 6 lines) is at most this long
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# The spelling a person knows each encoding by, for messages.
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252",
}


class ImportFileError(KitError):
    """The file to import cannot be read at all (missing, not text, malformed): nothing was imported."""


@dataclass(frozen=True)
class Table:
    """A file's cells as read: its header, its data rows, and each row's number as a spreadsheet shows it."""

    name: str  # the file as the person named it ("deals.csv", "deals.xlsx#Opportunities")
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    numbers: tuple[int, ...]  # header = row 1
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only
    footer: int = 0  # lines of a report's footer, after the data, not read as rows

    @property
    def described(self) -> str:
        """'deals.csv: 1,204 rows (UTF-8 with BOM, ';' delimited; a 5-line footer skipped)'."""
        how = []
        if self.encoding:
            shown = "tab" if self.delimiter == "\t" else repr(self.delimiter)
            how.append(f"{_ENCODING_NAMES.get(self.encoding, self.encoding)}, {shown} delimited")
        if self.footer:
            how.append(f"a {self.footer}-line footer skipped")
        return f"{self.name}: {len(self.rows):,} rows" + (f" ({'; '.join(how)})" if how else "")


def split_spec(spec: str) -> tuple[Path, str | None]:
    """'deals.xlsx#Sheet 2' → (deals.xlsx, 'Sheet 2'); a CSV path has no sheet."""
    path, hash_, sheet = spec.rpartition("#")
    if hash_ and path.lower().endswith(_WORKBOOK_SUFFIXES):
        return Path(path), sheet or None
    return Path(spec), None


def read_table(spec: str) -> Table:
    """The file ``spec`` names (a CSV, or ``FILE.xlsx#Sheet``: the first sheet when none is named)."""
    path, sheet = split_spec(spec)
    if path.is_dir():
        raise ImportFileError(f"{path}: a folder, not a file to import")
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return _read_workbook(path, sheet, spec)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    return read_csv_bytes(data, spec)


# ------------------------------------------------------------------------------------------------------------
# CSV


def read_csv_bytes(data: bytes, name: str) -> Table:
    """A CSV's bytes as a table (see the module: encodings and delimiters)."""
    text, encoding = _decode(data, name)
    if not text.strip():
        raise ImportFileError(f"{name}: the file is empty")
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    row_number = 0
    try:
        for cells in reader:
            row_number += 1
            rows.append(tuple(cells))
            numbers.append(row_number)
    except csv.Error as error:
        lines = text.splitlines()
        line = lines[min(reader.line_num, len(lines)) - 1] if lines else ""
        column = _fault_column(line, delimiter)
        raise ImportFileError(
            f"{name} row {row_number + 1}, column {column}: cannot be read as CSV ({error})"
        ) from None
    return _table(name, rows, numbers, encoding, delimiter)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _strict(data, encoding, name), encoding
    sample = data[:2000]
    if sample and sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without a mark: every other byte is 0
        encoding = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        return _strict(data, encoding, name), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _strict(data, "cp1252", name, also="UTF-8"), "cp1252"


def _strict(data: bytes, encoding: str, name: str, also: str = "") -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        start = before.rfind(b"\n") + 1
        partial = before[start:].decode(encoding, errors="replace")
        column = len(_partial_cells(partial, 1, _sniff(partial) if partial else ","))
        tried = (
            f"{also} or {_ENCODING_NAMES.get(encoding, encoding)}"
            if also
            else _ENCODING_NAMES.get(encoding, encoding)
        )
        raise ImportFileError(
            f"{name} row {line}, column {column}: byte 0x{data[error.start]:02x} is not text in {tried}; "
            "save the file as CSV UTF-8 and import it again"
        ) from None


def _partial_cells(text: str, line: int, delimiter: str) -> list[str]:
    """The cells of ``text``'s line ``line`` up to its end, as far as they read: which column a fault is in."""
    lines = text.splitlines()
    if not lines:
        return [""]
    current = lines[min(line, len(lines)) - 1]
    return current.split(delimiter) or [""]


def _fault_column(line: str, delimiter: str) -> int:
    """The column (1 = first) where a line stops reading as CSV: a quoted cell whose closing quote is followed
    by something other than the delimiter; the line's last column when no such quote is found."""
    column, i = 1, 0
    while i < len(line):
        if line[i] == '"':
            i += 1
            while i < len(line):
                if line[i] == '"':
                    if line[i + 1 : i + 2] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
            if i < len(line) and line[i] != delimiter:
                return column
        following = line.find(delimiter, i)
        if following < 0:
            return column
        column, i = column + 1, following + 1
    return column


def _sniff(text: str) -> str:
    """The delimiter: the one of comma, semicolon, tab and pipe that splits the header into most columns among
    those that split the first rows evenly (the same number of cells as the header). A comma inside prose, or
    a semicolon in a comma-separated file, splits some rows and not others, so it loses; a file of one column
    is read as comma-separated."""
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [
                row
                for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                if any(cell.strip() for cell in row)
            ][:_SNIFF_ROWS]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        even = sum(1 for row in rows if len(row) == width) / len(rows)
        if (even, width) > best_score:
            best, best_score = delimiter, (even, width)
    return best


# ------------------------------------------------------------------------------------------------------------
# Workbooks


def _read_workbook(path: Path, sheet: str | None, spec: str) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own errors for a damaged or foreign file
        raise ImportFileError(f"{path}: not a workbook that can be read ({error})") from None
    names = workbook.sheet_names
    if sheet is None:
        if not names:
            raise ImportFileError(f"{path}: the workbook has no sheet")
        sheet = names[0]
    chosen = next((n for n in names if n == sheet), None) or next(
        (n for n in names if n.strip().lower() == sheet.strip().lower()), None
    )
    if chosen is None:
        raise ImportFileError(f"{path}: no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}")
    try:
        cells = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as error:
        raise ImportFileError(f"{path}#{chosen}: cannot be read ({error})") from None
    rows = [tuple(None if c == "" else c for c in row) for row in cells]
    return _table(f"{path}#{chosen}", rows, list(range(1, len(rows) + 1)), None, None)


# ------------------------------------------------------------------------------------------------------------


def _table(
    name: str, rows: list[tuple[Any, ...]], numbers: list[int], encoding: str | None, delimiter: str | None
) -> Table:
    """Header and data rows: leading blank rows skipped, blank rows dropped, and a report's footer cut: at the end,
    after a blank row, a few lines with only their first cell filled (Salesforce's report name, copyright and
    "Generated By", blank lines between them or not). Rows of data with one cell filled and no blank row after
    them are kept; a footer is at most ``_FOOTER_LINES`` lines, and the output says how many were cut."""
    start = next((i for i, row in enumerate(rows) if not _blank(row)), None)
    if start is None:
        raise ImportFileError(f"{name}: the file has no header row")
    header = _header(rows[start])
    body = list(zip(rows[start + 1 :], numbers[start + 1 :], strict=True))
    footer = 0
    if len(header) > 1:
        end = len(body)  # the trailing run of blank lines and lines of one first cell
        while end and (_blank(body[end - 1][0]) or _first_cell_only(body[end - 1][0])):
            end -= 1
        blank = next((i for i in range(end, len(body)) if _blank(body[i][0])), None)
        if blank is not None:
            lines = [row for row, _ in body[blank:] if not _blank(row)]
            if 0 < len(lines) <= _FOOTER_LINES:
                body, footer = body[:blank], len(lines)
    kept = [(row, n) for row, n in body if not _blank(row)]
    return Table(
        name,
        header,
        tuple(row for row, _ in kept),
        tuple(n for _, n in kept),
        encoding,
        delimiter,
        footer,
    )


def _header(cells: tuple[Any, ...]) -> tuple[str, ...]:
    """Header cells as text; trailing empty ones dropped, an empty one named by its column, repeats numbered."""
    texts = ["" if c is None else str(c).strip() for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    seen: dict[str, int] = {}
    out = []
    for i, text in enumerate(texts):
        text = text or f"column {column_letter(i + 1)}"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return tuple(out)


def _blank(row: tuple[Any, ...]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def _first_cell_only(row: tuple[Any, ...]) -> bool:
    return bool(row) and not _blank(row[:1]) and _filled(row) == 1


def _filled(row: tuple[Any, ...]) -> int:
    return sum(1 for c in row if not (c is None or (isinstance(c, str) and not c.strip())))
