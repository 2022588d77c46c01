"""The requests of ``spreadsheets.batchUpdate`` the emulator carries out (``BATCH_REQUEST_KINDS``): each
batch checked whole before any request is applied, then applied in order, as Google does."""

from __future__ import annotations

import random
from typing import Any

from emulators.sheets import model
from emulators.sheets.a1 import Box
from emulators.sheets.model import Sheet, Spreadsheet, bad_request

# The spreadsheets.batchUpdate request kinds the emulator carries out; any other is answered 400.
BATCH_REQUEST_KINDS = frozenset(
    {
        "addSheet",
        "deleteSheet",
        "updateSheetProperties",
        "updateSpreadsheetProperties",
        "repeatCell",
        "setDataValidation",
        "addProtectedRange",
        "addConditionalFormatRule",
        "updateDimensionProperties",
        "appendDimension",
        "deleteDimension",
        "updateCells",
    }
)


def _plan_batch(book: Spreadsheet, requests: list[dict]) -> None:
    """Check the sheet ids and titles a batch refers to, following the sheets it adds and deletes."""
    ids = {s.sheet_id for s in book.sheets}
    titles = {s.title.lower() for s in book.sheets}
    for i, request in enumerate(requests):
        kind, body = next(iter(request.items()))
        if kind == "addSheet":
            props = body.get("properties") or {}
            title = props.get("title")
            if title and title.lower() in titles:
                raise bad_request(
                    f'Invalid requests[{i}].addSheet: A sheet with the name "{title}" already exists. '
                    "Please enter another name."
                )
            if props.get("sheetId") in ids:
                raise bad_request(
                    f"Invalid requests[{i}].addSheet: Sheet with id {props['sheetId']} already exists."
                )
            ids.add(props.get("sheetId", -1))
            if title:
                titles.add(title.lower())
            continue
        if kind == "deleteSheet":
            if body.get("sheetId") not in ids:
                raise bad_request(
                    f"Invalid requests[{i}].deleteSheet: No grid with id: {body.get('sheetId')}"
                )
            if len(ids) == 1:
                raise bad_request(
                    f"Invalid requests[{i}].deleteSheet: You can't remove all the sheets in a document."
                )
            ids.discard(body["sheetId"])
            continue
        for ref in _sheet_refs(body):
            if ref not in ids:
                raise bad_request(f"Invalid requests[{i}].{kind}: No grid with id: {ref}")
        if kind == "updateSheetProperties" and (body.get("properties") or {}).get("hidden"):
            target = (body.get("properties") or {}).get("sheetId", 0)
            if not [s for s in book.sheets if not s.hidden and s.sheet_id != target]:
                # Recorded: 400 "You can't hide all the sheets in a document."
                raise bad_request(
                    f"Invalid requests[{i}].updateSheetProperties: You can't hide all the sheets in a document."
                )


def apply_request(book: Spreadsheet, request: dict, rng: random.Random) -> dict:
    """Carry out one request of a ``spreadsheets.batchUpdate`` (already checked by ``_plan_batch``); its reply."""
    kind, body = next(iter(request.items()))
    if kind == "addSheet":
        props = body.get("properties") or {}
        title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = rng.randrange(1, 2_000_000_000)
        grid = props.get("gridProperties") or {}
        index = props.get("index", len(book.sheets))
        for other in book.sheets:
            if other.index >= index:
                other.index += 1
        sheet = Sheet(int(sheet_id), title, index, grid.get("rowCount", 1000), grid.get("columnCount", 26))
        sheet.frozen_rows = grid.get("frozenRowCount", 0)
        book.sheets.append(sheet)
        book.reindex()
        return {"addSheet": {"properties": sheet.properties()}}
    if kind == "deleteSheet":
        book.sheets.remove(book.sheet_by_id(body["sheetId"]))
        book.reindex()
        return {}
    if kind == "updateSheetProperties":
        props = body.get("properties") or {}
        sheet = book.sheet_by_id(props.get("sheetId", 0))
        for path in _fields(body.get("fields", ""), props):
            value = _dig(props, path)
            if path == "title":
                sheet.title = value
            elif path == "index":
                sheet.index = value - 0.5 if value < sheet.index else value + 0.5
                book.reindex()
            elif path == "hidden":
                sheet.hidden = bool(value)
            elif path == "gridProperties.frozenRowCount":
                sheet.frozen_rows = int(value or 0)
            elif path == "gridProperties.rowCount":
                sheet.row_count = int(value)
                del sheet.rows[sheet.row_count :]
            elif path == "gridProperties.columnCount":
                sheet.col_count = int(value)
            elif path.startswith("gridProperties."):
                name = path.split(".", 1)[1]
                if value in (None, False, 0):
                    sheet.extra_grid.pop(name, None)  # proto3 JSON leaves out default values
                else:
                    sheet.extra_grid[name] = value
        return {}
    if kind == "updateSpreadsheetProperties":
        props = body.get("properties") or {}
        for path in _fields(body.get("fields", ""), props):
            if path == "title":
                book.title = props["title"]
            elif path == "locale":
                book.locale = props["locale"]
            elif path == "timeZone":
                book.time_zone = props["timeZone"]
        return {}
    if kind == "repeatCell":
        sheet, box = _grid_range(book, body["range"])
        fmt = (body.get("cell") or {}).get("userEnteredFormat") or {}
        number = fmt.get("numberFormat") or {}
        if number.get("type") in ("DATE", "DATE_TIME"):
            sheet.date_formats.append((box, number.get("pattern") or "M/d/yyyy"))
        if (fmt.get("textFormat") or {}).get("bold"):
            sheet.bold.append(box)
        return {}
    if kind == "setDataValidation":
        # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request#setdatavalidationrequest :
        # "Sets a data validation rule to every cell in the range" (a cell holds one rule; no rule clears
        # it). The emulator keeps one rule per range: a rule set again on the same range replaces it.
        sheet, _ = _grid_range(book, body["range"])
        sheet.validations = [v for v in sheet.validations if v["range"] != body["range"]]
        if body.get("rule"):
            sheet.validations.append(body)
        return {}
    if kind == "addProtectedRange":
        protected = _proto(dict(body["protectedRange"]))
        sheet, _ = _grid_range(book, body["protectedRange"]["range"])
        protected = {"protectedRangeId": rng.randrange(1, 2_000_000_000), **protected}
        # Recorded: the owner who adds a range can still edit it, and empty editors come back as {}.
        protected["requestingUserCanEdit"] = True
        if "editors" in body["protectedRange"]:
            protected["editors"] = protected.get("editors", {})
        sheet.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": protected}}
    if kind == "addConditionalFormatRule":
        rule = body["rule"]
        sheet, _ = _grid_range(book, rule["ranges"][0])
        sheet.conditional_formats.insert(body.get("index", len(sheet.conditional_formats)), rule)
        return {}
    if kind == "updateDimensionProperties":
        rng = body["range"]
        sheet = book.sheet_by_id(rng.get("sheetId", 0))
        if rng.get("dimension") == "COLUMNS" and "pixelSize" in (body.get("properties") or {}):
            for col in range(rng.get("startIndex", 0), rng.get("endIndex", sheet.col_count)):
                sheet.column_widths[col + 1] = body["properties"]["pixelSize"]
        return {}
    if kind == "appendDimension":
        sheet = book.sheet_by_id(body.get("sheetId", 0))
        if body.get("dimension") == "ROWS":
            sheet.row_count += int(body["length"])
        else:
            sheet.col_count += int(body["length"])
        return {}
    if kind == "deleteDimension":
        rng = body["range"]
        sheet = book.sheet_by_id(rng.get("sheetId", 0))
        start, end = rng.get("startIndex", 0), rng.get("endIndex")
        if rng.get("dimension") == "ROWS":
            end = sheet.row_count if end is None else end
            del sheet.rows[start:end]
            sheet.row_count -= end - start
        else:
            end = sheet.col_count if end is None else end
            for cells in sheet.rows:
                del cells[start:end]
            sheet.col_count -= end - start
        return {}
    if kind == "updateCells":
        return _update_cells(book, body)
    raise bad_request(f"emulator: {kind} is not supported")  # pragma: no cover - screened above


def _update_cells(book: Spreadsheet, body: dict) -> dict:
    """https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request#UpdateCellsRequest :
    with ``range`` and no rows, the fields named are cleared over the range; with ``start`` the rows are
    written from there. The emulator handles the ``note`` and ``userEnteredValue`` fields."""
    fields = body.get("fields", "")
    if "range" in body:
        sheet, box = _grid_range(book, body["range"])
        r1, c1, r2, c2 = model.bounded(sheet, box, check=False)
    else:
        start = body["start"]
        sheet = book.sheet_by_id(start.get("sheetId", 0))
        r1, c1 = start.get("rowIndex", 0) + 1, start.get("columnIndex", 0) + 1
        r2 = c2 = None
    rows = body.get("rows") or []
    if not rows and "range" in body:
        if "userEnteredValue" in fields or fields == "*":
            for row in range(r1, min(r2, len(sheet.rows)) + 1):
                cells = sheet.rows[row - 1]
                for col in range(c1, min(c2, len(cells)) + 1):
                    cells[col - 1] = None
        if "note" in fields or fields == "*":
            sheet.notes = {
                k: v for k, v in sheet.notes.items() if not (r1 <= k[0] <= r2 and c1 <= k[1] <= c2)
            }
        return {}
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values") or []):
            if "note" in fields and "note" in cell:
                sheet.notes[(r1 + i, c1 + j)] = cell["note"]
            if "userEnteredValue" in fields:
                entered = cell.get("userEnteredValue") or {}
                value = next(iter(entered.values()), None)
                sheet.set(r1 + i, c1 + j, value)
    return {}


def _sheet_refs(body: Any) -> list[int]:
    refs = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "sheetId" and isinstance(value, int):
                refs.append(value)
            else:
                refs.extend(_sheet_refs(value))
    elif isinstance(body, list):
        for item in body:
            refs.extend(_sheet_refs(item))
    return refs


def _grid_range(book: Spreadsheet, grid: dict) -> tuple[Sheet, Box]:
    """A GridRange (0-based, end exclusive, absent = unbounded;
    https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/other#GridRange) as a Box."""
    sheet = book.sheet_by_id(grid.get("sheetId", 0))
    sr, er = grid.get("startRowIndex"), grid.get("endRowIndex")
    sc, ec = grid.get("startColumnIndex"), grid.get("endColumnIndex")
    return sheet, Box(
        None if sr is None else sr + 1,
        None if sc is None else sc + 1,
        None if er is None else er,
        None if ec is None else ec,
    )


def _fields(mask: str, props: dict) -> list[str]:
    """A field mask ('title,gridProperties.frozenRowCount'; '*' = every field given)."""
    if mask.strip() == "*":
        out = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict) and value:
                for k, v in value.items():
                    walk(f"{prefix}{k}.", v)
            else:
                out.append(prefix[:-1])

        walk("", props)
        return out
    # Google accepts both 'gridProperties.rowCount' and 'gridProperties/rowCount' (gspread sends the latter).
    return [f.strip().replace("/", ".") for f in mask.split(",") if f.strip()]


def _proto(value: Any) -> Any:
    """A message as proto3 JSON prints it: fields holding their default (null, false, empty) left out, and a
    GridRange's sheetId 0 too (recorded: ``"range": {"startRowIndex": 0, …}`` without ``sheetId``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _proto(item)
            if item is None or item is False or item == [] or (key == "sheetId" and item == 0):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_proto(v) for v in value]
    return value


def _dig(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data
