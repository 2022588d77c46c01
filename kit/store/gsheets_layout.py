"""The tabs of a Google Sheet as the kit lays them out: finding a tab in the sheet's metadata, the 10-million-cell
ceiling checked before a write would cross it, and the one ``spreadsheets:batchUpdate`` that gives each tab its
size, header and formats (``kit.sheet_setup``: frozen header, date formats, drop-downs) before a whole program
is written."""

from __future__ import annotations

from collections.abc import Mapping

from kit.cells import as_text
from kit.errors import SourceError
from kit.program import Grid

# https://support.google.com/drive/answer/37603 : a spreadsheet holds at most 10 million cells.
CELL_LIMIT = 10_000_000


def _find(metadata: dict, tab: str) -> dict | None:
    """The properties of the tab titled ``tab`` (spaces around and case aside), or None."""
    for sheet in metadata.get("sheets", []):
        if sheet["properties"]["title"].strip().lower() == tab.lower():
            return sheet["properties"]
    return None


def _require(metadata: dict, tab: str, source: str) -> dict:
    props = _find(metadata, tab)
    if props is None:
        raise SourceError(f"{source}: the Google Sheet has no tab {tab!r}")
    return props


def _check_cells(metadata: dict, added: int, what: str, source: str) -> None:
    """Refuse, before writing, a write that would take the spreadsheet past 10 million cells."""
    current = sum(
        s["properties"]["gridProperties"].get("rowCount", 0)
        * s["properties"]["gridProperties"].get("columnCount", 0)
        for s in metadata.get("sheets", [])
    )
    if current + added > CELL_LIMIT:
        raise SourceError(
            f"{source}: {what} would take the Google Sheet to {current + added:,} cells, past Google's "
            f"limit of {CELL_LIMIT:,} cells per spreadsheet; nothing was written (archive old rows to "
            "another sheet, or delete empty rows and columns)"
        )


def _plan_tabs(metadata: dict, grids: Mapping[str, Grid], *, only: bool, source: str) -> list[dict]:
    """The ``spreadsheets:batchUpdate`` requests that give the sheet, as ``metadata`` shows it now, a tab of the
    right size, cleared and formatted, for each of ``grids``. With ``only``, other tabs are left alone; without
    it the tabs not in ``grids`` are deleted and the rest put in their order. Refused before anything is sent
    when the tabs would need more cells than a spreadsheet holds."""
    from kit import sheet_setup

    existing = {s["properties"]["title"]: s["properties"] for s in metadata.get("sheets", [])}
    sizes = {
        name: (max(len(g), 1) + sheet_setup.SPARE_ROWS, max((len(r) for r in g), default=1))
        for name, g in grids.items()
    }
    kept = {n: p for n, p in existing.items() if only and n not in grids}
    total = sum(r * c for r, c in sizes.values()) + sum(
        p["gridProperties"]["rowCount"] * p["gridProperties"]["columnCount"] for p in kept.values()
    )
    if total > CELL_LIMIT:
        raise SourceError(
            f"{source}: writing {len(grids)} tab(s) would need {total:,} cells, past Google's limit of "
            f"{CELL_LIMIT:,} cells per spreadsheet; nothing was written"
        )
    used_ids = {p["sheetId"] for p in existing.values()}
    requests_: list[dict] = []
    for position, (name, grid) in enumerate(grids.items()):
        rows, cols = sizes[name]
        header = [as_text(h) for h in (grid[0] if grid else [])]
        match = existing.get(name)
        if match is not None:
            requests_ += sheet_setup.resize_and_clear(match["sheetId"], rows, cols)
            requests_ += sheet_setup.format_requests(name, match["sheetId"], header, new=False)
        else:
            sheet_id = sheet_setup.free_sheet_id(used_ids)
            used_ids.add(sheet_id)
            index = None if only else position
            requests_.append(sheet_setup.add_sheet(name, sheet_id, rows, cols, index=index))
            requests_ += sheet_setup.format_requests(name, sheet_id, header, new=True)
    if not only:
        requests_ += [
            {"deleteSheet": {"sheetId": p["sheetId"]}} for n, p in existing.items() if n not in grids
        ]
    return requests_
