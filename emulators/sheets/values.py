"""The ``spreadsheets.values`` resource: reading, writing, appending to and clearing ranges of cells."""

from __future__ import annotations

from typing import Any

from emulators.sheets import model
from emulators.sheets.a1 import Box, format_box
from emulators.sheets.model import Sheet, Spreadsheet, bad_request
from emulators.sheets.resource import Resource, _one, touch


class Values(Resource):
    """``values.get``, ``batchGet``, ``update``, ``batchUpdate``, ``append``, ``clear`` and ``batchClear``."""

    def get(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get"""
        book = self.book(principal, sid)
        sheet, box = model.resolve(book, rng)
        echoed, values = model.read_values(
            sheet,
            box,
            major=_one(query, "majorDimension", "ROWS"),
            value_option=_one(query, "valueRenderOption", "FORMATTED_VALUE"),
            date_option=_one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
        )
        return 200, _value_range(echoed, _one(query, "majorDimension", "ROWS"), values)

    def batchGet(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchGet : one
        ValueRange per requested range, in order."""
        book = self.book(principal, sid)
        major = _one(query, "majorDimension", "ROWS")
        out = []
        for text in query.get("ranges", []):
            sheet, box = model.resolve(book, text)
            echoed, values = model.read_values(
                sheet,
                box,
                major=major,
                value_option=_one(query, "valueRenderOption", "FORMATTED_VALUE"),
                date_option=_one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
            )
            out.append(_value_range(echoed, major, values))
        return 200, {"spreadsheetId": book.spreadsheet_id, "valueRanges": out}

    def _input_option(self, value: str | None) -> str:
        """valueInputOption is required on writes: "'valueInputOption' is required but not specified"."""
        if not value:
            raise bad_request("'valueInputOption' is required but not specified")
        if value not in ("RAW", "USER_ENTERED"):
            raise bad_request(f"Invalid value at 'value_input_option' (TYPE_ENUM), \"{value}\"")
        return value

    def _check_cells(self, book: Spreadsheet, sheet: Sheet, rows: int, cols: int) -> None:
        """Writes that would grow the spreadsheet past 10 million cells are refused
        (https://support.google.com/drive/answer/37603)."""
        extra = (
            max(0, rows - sheet.row_count) * max(sheet.col_count, cols)
            + max(0, cols - sheet.col_count) * sheet.row_count
        )
        if extra and book.cell_count() + extra > model.CELL_LIMIT:
            raise bad_request(
                f"This action would increase the number of cells in the workbook above the limit of {model.CELL_LIMIT} cells."
            )

    def _write(self, book: Spreadsheet, text: str, value_range: dict, option: str) -> dict:
        sheet, box = model.resolve(book, text)
        values = value_range.get("values")
        if values is None:
            values = []
        major = value_range.get("majorDimension") or "ROWS"
        r1, c1 = box.row1 or 1, box.col1 or 1
        if isinstance(values, list) and all(isinstance(v, list) for v in values):
            height = len(values) if major == "ROWS" else max((len(c) for c in values), default=0)
            width = max((len(r) for r in values), default=0) if major == "ROWS" else len(values)
            self._check_cells(book, sheet, r1 + height - 1, c1 + width - 1)
        # A single cell ('Sheet1!A1') is only where writing starts; a larger range bounds the write.
        single = box.row1 == box.row2 and box.col1 == box.col2
        limit = None if single or (box.row2 is None and box.col2 is None) else box
        written = model.write_values(sheet, r1, c1, values, major=major, option=option, limit=limit)
        return _update_result(book, sheet, written, (r1, c1))

    def update(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/update"""
        book = self.book(principal, sid)
        option = self._input_option(_one(query, "valueInputOption", None))
        body = payload or {}
        if (
            body.get("range")
            and body["range"] != rng
            and model.resolve(book, body["range"]) != model.resolve(book, rng)
        ):
            raise bad_request(f"Requested range [{body['range']}] must match the range in the URL [{rng}]")
        result = self._write(book, rng, body, option)
        touch(book)
        return 200, result

    def batchUpdate(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchUpdate :
        every range is checked before any is written (a bad range fails the whole call)."""
        book = self.book(principal, sid)
        body = payload or {}
        option = self._input_option(body.get("valueInputOption"))
        data = body.get("data") or []
        for item in data:
            model.resolve(book, item.get("range", ""))
        responses = [self._write(book, item["range"], item, option) for item in data]
        touch(book)
        # Recorded: two one-row writes over A:D report 2 rows and 4 columns in total (columns are not summed).
        return 200, {
            "spreadsheetId": book.spreadsheet_id,
            "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
            "totalUpdatedColumns": max((r.get("updatedColumns", 0) for r in responses), default=0),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
            "responses": responses,
        }

    def append(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append and
        https://developers.google.com/sheets/api/guides/values#append_values : "The input range is used to
        search for existing data and find a 'table' within that range. Values will be appended to the next
        row of the table, starting with the first column of the table." insertDataOption
        INSERT_ROWS inserts new rows for the data; OVERWRITE (the default) writes over what is below. Tables are
        found as recorded Google traffic shows (see ``model.tables``)."""
        book = self.book(principal, sid)
        option = self._input_option(_one(query, "valueInputOption", None))
        insert = _one(query, "insertDataOption", "OVERWRITE")
        sheet, box = model.resolve(book, rng)
        single = box.row1 is not None and box.row1 == box.row2 and box.col1 == box.col2
        if single:
            # From one cell, the table is the group of cells connected to it.
            found = [
                t
                for t in model.tables(sheet, Box(None, None, None, None))
                if t[0] <= box.row1 <= t[2] and t[1] <= box.col1 <= t[3]
            ]
        else:
            found = model.tables(sheet, box)
        table = found[-1] if found else None
        values = (payload or {}).get("values") or []
        if (payload or {}).get("majorDimension") == "COLUMNS":
            height = max((len(c) for c in values), default=0)
            values = [[col[i] if i < len(col) else None for col in values] for i in range(height)]
        if table is not None:
            start, c1 = table[2] + 1, table[1]
        else:
            start, c1 = box.row1 or 1, box.col1 or 1
        width = max((len(r) for r in values), default=0)
        grow_rows = (
            len(values) if insert == "INSERT_ROWS" else max(0, start + len(values) - 1 - sheet.row_count)
        )
        self._check_cells(book, sheet, sheet.row_count + grow_rows, c1 + width - 1)
        if insert == "INSERT_ROWS" and start <= len(sheet.rows):
            sheet.rows[start - 1 : start - 1] = [[] for _ in values]
            sheet.cell_date_formats = {
                ((r + len(values)) if r >= start else r, c): p
                for (r, c), p in sheet.cell_date_formats.items()
            }
        if insert == "INSERT_ROWS":
            sheet.row_count += len(values)
        written = model.write_values(sheet, start, c1, values, major="ROWS", option=option, limit=None)
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if table is not None:
            result["tableRange"] = format_box(sheet.title, *table)
        updates = _update_result(book, sheet, written, (start, c1))
        if written.box is None:
            updates.pop("updatedRange")
        result["updates"] = updates
        touch(book)
        return 200, result

    def clear(self, principal, query, payload, sid, rng):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/clear : values
        only ("all other properties of the cell (such as formatting, data validation, etc..) are kept")."""
        book = self.book(principal, sid)
        cleared = self._clear(book, rng)
        touch(book)
        return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared}

    def batchClear(self, principal, query, payload, sid):
        """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchClear"""
        book = self.book(principal, sid)
        ranges = (payload or {}).get("ranges") or []
        for text in ranges:
            model.resolve(book, text)
        cleared = [self._clear(book, text) for text in ranges]
        touch(book)
        return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}

    def _clear(self, book: Spreadsheet, text: str) -> str:
        sheet, box = model.resolve(book, text)
        r1, c1, r2, c2 = model.bounded(sheet, box, check=False)
        r2, c2 = min(r2, sheet.row_count), min(c2, sheet.col_count)
        for row in range(r1, min(r2, len(sheet.rows)) + 1):
            cells = sheet.rows[row - 1]
            for col in range(c1, min(c2, len(cells)) + 1):
                cells[col - 1] = None
        return format_box(sheet.title, r1, c1, r2, c2)


def _value_range(echoed: str, major: str, values: list) -> dict:
    out = {"range": echoed, "majorDimension": major}
    if values:
        out["values"] = values
    return out


def _json_cell(value: Any) -> Any:
    """A Python cell as the JSON a RAW write would send (dates as serial numbers)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, dt.date):
        return (value - model.SERIAL_EPOCH).days
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _update_result(book: Spreadsheet, sheet: Sheet, written: model.Written, start: tuple[int, int]) -> dict:
    """An UpdateValuesResponse: the box of the cells written and how many (nothing written: only the range)."""
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if written.box is None:
        result["updatedRange"] = format_box(sheet.title, start[0], start[1], start[0], start[1])
        return result
    result["updatedRange"] = format_box(sheet.title, *written.box)
    result.update(updatedRows=written.rows, updatedColumns=written.columns, updatedCells=written.cells)
    return result
