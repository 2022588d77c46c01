"""Rows written into one tab of a Google Sheet that many people edit at once.

- an append is one ``values:append`` per batch of rows (RAW, INSERT_ROWS, batches kept under the API's ~2 MB
  request size), after reading the tab's header and key column; when Google answers 5xx (or the answer is
  lost), the key column is read again before anything is sent again, since the write may have been applied;
- a keyed update re-reads only the header and the key column, then the target rows, checks them with the same
  rules as the local workbook (``kit.store.base``), and writes the changed cells in one ``values:batchUpdate``;
  a row moved or a column changed since the caller read them is a ``ConflictError`` and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from kit.cells import as_text
from kit.errors import ConflictError, SourceError
from kit.program import column_letter
from kit.store.base import RowUpdate, check_expected, header_of, row_cells, schema_tab, target_rows
from kit.store.gsheets_api import SheetsApi
from kit.store.gsheets_cells import (
    _UNFORMATTED,
    MAX_REQUEST_BYTES,
    _batches,
    _grid,
    _key_of,
    _key_texts,
    _quote,
    _rows_added,
    _rows_of,
    _to_json,
    _trim,
)
from kit.store.gsheets_layout import _check_cells, _require


def append_rows(api: SheetsApi, tab: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """``Store.append`` on a Google Sheet: the header and key column read, then one ``values:append`` per
    batch, each applied once; the sheet rows written."""
    definition = schema_tab(tab)
    if not rows:
        return []
    metadata = api.metadata(f"appending to {tab}")
    props = _require(metadata, tab, api.source)
    title = props["title"]
    quoted = _quote(title)
    first = api.batch_get(f"reading the header of {title}", [f"{quoted}!1:1", f"{quoted}!A:A"], _UNFORMATTED)
    header = header_of((first[0].get("values") or [[]])[0])
    if not header:
        raise SourceError(f"{api.source}: tab {title!r} has no header row")
    cells = [
        _trim([_to_json(c) for c in row_cells(definition, header, values, api.source)]) for values in rows
    ]
    _check_cells(
        metadata,
        len(cells) * props["gridProperties"].get("columnCount", len(header)),
        f"adding {len(cells):,} rows to {title}",
        api.source,
    )
    # The keys already there: after a failed try, a key that appears once more than before is ours.
    key_name = definition.key.name if definition.key else None
    position = header.index(key_name) if key_name in header else None
    before: Counter[str] | None = None
    if position is not None:
        column = first[1] if position == 0 else _key_column(api, title, position)
        before = Counter(_key_texts(column))
    written: list[int] = []
    for batch in _batches(cells, MAX_REQUEST_BYTES):
        try:
            rows = _append_batch(api, title, batch, position, before)
        except SourceError as error:
            if written:
                raise SourceError(
                    f"{error}; rows {written[0]}–{written[-1]} ({len(written):,} of {len(cells):,}) were already "
                    f"added to {title}, the other {len(cells) - len(written):,} were not"
                ) from None
            raise
        written.extend(rows)
        if before is not None and position is not None:
            before.update(_key_of(row, position) for row in batch)
    return written


def _append_batch(
    api: SheetsApi, title: str, batch: list[list[Any]], position: int | None, before: Counter[str] | None
) -> list[int]:
    """One ``values:append``, applied once. Google can apply an append and still answer 5xx, or the answer
    can be lost on the way back; resending it blindly would add the rows twice. So after such a failure
    the key column is read again: if every key of the batch now stands once more than before, the rows
    are there; otherwise (one request is all or nothing) they were not, and the batch is sent again,
    within the bounded retry policy. A 429 is refused before anything is written: sent again as is."""
    action = f"appending rows to {title}"
    keys = [_key_of(row, position) for row in batch] if position is not None else []

    def look(error: SourceError) -> list[int] | None:
        """The rows if the key column shows them written, None if it shows they were not; when it cannot
        be read (or there is none), ``error`` is raised saying the outcome is unknown."""
        try:
            if position is None or before is None:
                raise SourceError(f"tab {title!r} has no key column to check with")
            return _rows_added(before, _key_texts(_key_column(api, title, position)), keys)
        except SourceError:
            raise SourceError(
                f"{error}; it is not known whether Google added the rows: look at the last rows of {title} "
                "before adding them again"
            ) from None

    def append(http: Any) -> list[int]:
        response = http.values_append(
            api.key,
            f"{_quote(title)}!A1",  # table_range A1: never Sheets' own guess of the table
            params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
            body={"majorDimension": "ROWS", "values": batch},
        )
        return _rows_of(response.get("updates", {}).get("updatedRange", ""), len(batch))

    not_done = "; the rows were not added"

    def send() -> list[int]:
        return api.sent_once_or_found(action, append, look, answered="Google Sheets", not_done=not_done)

    return api.again(action, send, then=not_done)


def _key_column(api: SheetsApi, title: str, position: int) -> dict:
    letter = column_letter(position + 1)
    return api.batch_get(
        f"reading the keys of {title}", [f"{_quote(title)}!{letter}:{letter}"], _UNFORMATTED
    )[0]


def update_rows(api: SheetsApi, tab: str, updates: Sequence[RowUpdate]) -> list[int]:
    """``Store.update`` on a Google Sheet: the keys and then the target rows read and checked against what
    the caller read (``kit.store.base.check_expected``), every changed cell written in one request; the
    sheet rows updated."""
    definition = schema_tab(tab)
    if not updates:
        return []
    key_name = definition.key.name if definition.key else None
    quoted = _quote(tab)
    params = {
        "majorDimension": "ROWS",
        "valueRenderOption": "UNFORMATTED_VALUE",
        "dateTimeRenderOption": "SERIAL_NUMBER",
    }
    # Call 1: the header and (where the schema puts it) the key column.
    first = api.batch_get(f"reading the keys of {tab}", [f"{quoted}!1:1", f"{quoted}!A:A"], params)
    header_row = (first[0].get("values") or [[]])[0]
    header = header_of(header_row)
    if key_name not in header:
        raise SourceError(f"{api.source}: tab {tab!r} has no key column {key_name!r}")
    position = header.index(key_name)
    key_column = first[1].get("values", [])
    if position != 0:  # someone moved the key column: one more call to read it where it is
        letter = column_letter(position + 1)
        key_column = api.batch_get(f"reading the keys of {tab}", [f"{quoted}!{letter}:{letter}"], params)[
            0
        ].get("values", [])
    key_cells = [
        (number, cells[0] if cells else None)
        for number, cells in enumerate(key_column, start=1)
        if number >= 2
    ]
    # A row addressed by position is read below with the others: if it is gone, its cells read blank and
    # check_expected refuses them, as it refuses any other change.
    reach = max([len(key_column), *(u.row or 0 for u in updates)])
    targets = target_rows(definition, key_cells, updates, reach, api.source)
    # Call 2: the header again and the target rows, to check against what the caller read.
    second = api.batch_get(
        f"reading the rows to update in {tab}",
        [f"{quoted}!1:1"] + [f"{quoted}!{r}:{r}" for r in targets],
        params,
    )
    if header_of((second[0].get("values") or [[]])[0]) != header:
        raise ConflictError(
            f"{api.source}: the columns of {tab} were changed while updating; nothing was written, run it again"
        )
    data = []
    for update, row, value_range in zip(updates, targets, second[1:], strict=True):
        cells = _grid(tab, [header_row, (value_range.get("values") or [[]])[0]], width=len(header))[1]
        if update.row is None and as_text(cells[position]) != as_text(update.key):
            raise ConflictError(
                f"{api.source}: {tab} row {row} no longer holds {key_name} {update.key!r} (rows were moved "
                "while updating); nothing was written, run it again"
            )
        check_expected(definition, header, row, cells, update, api.source)
        for column, value in update.values.items():
            cell = row_cells(definition, [column], {column: value}, api.source)[0]
            data.append(
                {
                    "range": f"{quoted}!{column_letter(header.index(column) + 1)}{row}",
                    "values": [[_to_json(cell)]],
                }
            )
    # Call 3: every changed cell in one request.
    if data:
        api.call(
            f"updating {tab}",
            lambda http: http.values_batch_update(api.key, body={"valueInputOption": "RAW", "data": data}),
        )
    return targets
