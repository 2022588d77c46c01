"""The interface every store implements, and the write rules they share.

A store reads a whole program at once and writes it back in three ways: append rows, update rows by key
(never by position: managers sort and insert rows between a read and a write), and replace a tab the kit
owns (the ``Issues`` tab). An update names the values it expects to find; if any differs, the whole update
is refused with ``ConflictError`` and nothing is written. A row a person typed without its key (a request
with no ``request_id`` yet) is addressed by its sheet row instead, and checked against every cell read there,
so a row sorted away or edited meanwhile is refused the same way. The checks live here, so the local workbook
and the Google Sheet refuse exactly the same things.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kit import schema
from kit.cells import as_text, is_blank, same_cell, to_cell
from kit.errors import ConflictError, SchemaError
from kit.program import Grid, Program, column_letter, normalise_header, program_from_grids


@dataclass(frozen=True)
class RowUpdate:
    """Set ``values`` on the row whose key is ``key``, provided its cells still hold ``expected``.

    With ``row`` (a sheet row, header = 1) the update is addressed by position, for a row that has no key yet;
    ``key`` then only names it in messages, and ``expected`` should hold every cell as read (its blank key
    included), since nothing else tells that the row is still the one that was read.
    """

    key: str
    values: Mapping[str, Any]
    expected: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None


@dataclass(frozen=True)
class SourceInfo:
    source: str
    kind: str  # "workbook" | "google-sheet"
    modified: dt.datetime | None


class Store(ABC):
    """Where a program lives. Choose one with ``kit.store.open_store(source)``."""

    source: str

    @abstractmethod
    def read_grids(self) -> dict[str, Grid]:
        """Every tab's cells, header first, as stored (no typing)."""

    @abstractmethod
    def info(self) -> SourceInfo:
        """What the source is and when it last changed."""

    def read(self) -> Program:
        """The whole program, typed by the schema."""
        return program_from_grids(self.read_grids(), source=self.source, modified=self.info().modified)

    @abstractmethod
    def append(self, tab: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Add rows at the end of ``tab``; returns the sheet row numbers written."""

    @abstractmethod
    def update(self, tab: str, updates: Sequence[RowUpdate]) -> list[int]:
        """Apply keyed updates all-or-nothing; returns the sheet rows changed. Raises ConflictError."""

    @abstractmethod
    def replace_tab(self, tab: str, grid: Grid) -> None:
        """Replace one tab's whole content (creating the tab), touching no other tab."""

    @abstractmethod
    def write_grids(self, grids: Mapping[str, Grid]) -> None:
        """Write a whole program (every tab), replacing what the source held."""


# ------------------------------------------------------------------------------------------------------------
# Shared write rules


def schema_tab(tab: str) -> schema.Tab:
    try:
        return schema.TAB_BY_NAME[tab]
    except KeyError:
        raise SchemaError(f"the kit does not write to a tab called {tab!r}") from None


def header_of(grid_header: Iterable[Any]) -> list[str]:
    """A sheet's header row as normalised column names."""
    names = [normalise_header(h) for h in grid_header]
    while names and not names[-1]:
        names.pop()
    return names


def row_cells(tab: schema.Tab, header: list[str], values: Mapping[str, Any], where: str) -> list[Any]:
    """One new row's cells in the sheet's own column order (columns may have been moved by hand)."""
    unknown = [c for c in values if c not in header and not is_blank(values[c])]
    if unknown:
        raise SchemaError(f"{where}: tab {tab.name!r} has no column {unknown[0]!r} to write to")
    return [to_cell(tab.column(c) if c in tab else None, values.get(c)) for c in header]


def locate(
    tab: schema.Tab, key_cells: Iterable[tuple[int, Any]], keys: Iterable[str], where: str
) -> dict[str, int]:
    """Sheet row of each key; refuses a key that is gone or stands on several rows."""
    found: dict[str, list[int]] = {}
    for row, cell in key_cells:
        found.setdefault(as_text(cell), []).append(row)
    rows = {}
    key_name = tab.key.name if tab.key else "key"
    for key in keys:
        hits = found.get(as_text(key), [])
        if not hits:
            raise ConflictError(
                f"{where}: {tab.name} has no row with {key_name} {key!r} any more "
                "(deleted or changed since it was read); nothing was written"
            )
        if len(hits) > 1:
            raise ConflictError(
                f"{where}: {tab.name} has {key_name} {key!r} on rows {', '.join(map(str, hits))}; "
                "fix the duplicate before writing; nothing was written"
            )
        rows[as_text(key)] = hits[0]
    return rows


def target_rows(
    tab: schema.Tab,
    key_cells: Iterable[tuple[int, Any]],
    updates: Sequence[RowUpdate],
    last_row: int,
    where: str,
) -> list[int]:
    """The sheet row of each update: located by key, or its own ``row`` (which must still be within the data)."""
    keyed = [u.key for u in updates if u.row is None]
    found = locate(tab, key_cells, keyed, where) if keyed else {}
    targets = []
    for update in updates:
        if update.row is None:
            targets.append(found[as_text(update.key)])
        elif 2 <= update.row <= last_row:
            targets.append(update.row)
        else:
            raise ConflictError(
                f"{where}: {tab.name} row {update.row} ({update.key}) is no longer there (rows deleted since "
                "it was read); nothing was written"
            )
    return targets


def check_expected(
    tab: schema.Tab, header: list[str], row: int, cells: Sequence[Any], update: RowUpdate, where: str
) -> None:
    """Refuse the update if a cell it expects no longer holds what was read."""
    for column, expected in update.expected.items():
        if column not in header:
            raise SchemaError(f"{where}: tab {tab.name!r} has no column {column!r}")
        position = header.index(column)
        current = cells[position] if position < len(cells) else None
        definition = tab.column(column) if column in tab else None
        if not same_cell(definition, current, expected):
            cell = f"{tab.name}!{column_letter(position + 1)}{row}"
            raise ConflictError(
                f"{where}: {cell} ({column} of {update.key}) was changed by someone since it was read: "
                f"expected {as_text(expected)!r}, found {as_text(current)!r}; nothing was written"
            )
    for column in update.values:
        if column not in header:
            raise SchemaError(f"{where}: tab {tab.name!r} has no column {column!r} to write to")
