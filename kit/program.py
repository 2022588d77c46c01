"""A program as the kit works with it: every tab as a typed DataFrame, plus the cells as they were typed.

Both stores read a workbook into plain grids (lists of rows of cell values, header first) and hand them to
``program_from_grids``; this is where headers are matched to the schema and cells are typed, so a local
workbook and a Google Sheet give the same ``Program``. Each frame's index is the row number a person sees in
the sheet (header = row 1), so any finding can point at its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from rapidfuzz import process

from kit import schema
from kit.cells import as_text, is_blank, parse_amount, parse_int, to_cell, typed_column
from kit.errors import SchemaError
from kit.segments import Segment, parse_segments

Grid = list[list[Any]]
ROW_INDEX = "row"


def normalise_header(text: Any) -> str:
    """'Advocate ID ' → 'advocate_id': how a header cell is matched to a schema column."""
    return "_".join(as_text(text).lower().replace("-", " ").split())


@dataclass(frozen=True)
class SkippedRow:
    """A row the kit did not read as data: blank, or the header typed again mid-sheet."""

    tab: str
    row: int
    reason: str  # "blank_row" | "repeated_header"


@dataclass(frozen=True)
class Settings:
    """The Settings tab's values over the schema's defaults, read with forgiving types."""

    values: Mapping[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None or not str(value).strip():
            default = schema.SETTING_BY_KEY.get(key)
            return default.default if default else ""
        return str(value).strip()

    def number(self, key: str) -> float:
        """A numeric setting; an unreadable value falls back to the default (the validator reports it)."""
        parsed = parse_amount(self.values.get(key))
        if parsed is None:
            parsed = (
                parse_amount(schema.SETTING_BY_KEY[key].default) if key in schema.SETTING_BY_KEY else None
            )
        return float(parsed) if parsed is not None else 0.0

    def integer(self, key: str) -> int:
        parsed = parse_int(self.values.get(key))
        if parsed is None and key in schema.SETTING_BY_KEY:
            parsed = parse_int(schema.SETTING_BY_KEY[key].default)
        return int(parsed or 0)

    @property
    def default_max_per_quarter(self) -> int:
        return self.integer("default_max_per_quarter")

    @property
    def cooldown_days(self) -> int:
        return self.integer("cooldown_days")

    @property
    def stale_after_days(self) -> int:
        return self.integer("stale_after_days")

    @property
    def fiscal_year_start_month(self) -> int:
        month = self.integer("fiscal_year_start_month")
        return month if 1 <= month <= 12 else 1

    def sla_days(self, activity: str) -> int:
        key = f"sla_days.{activity}"
        if key in self.values or key in schema.SETTING_BY_KEY:
            return self.integer(key)
        return self.integer("sla_days.default")

    @property
    def strategic_segments(self) -> list[Segment]:
        return parse_segments(self.text("strategic_segments"))

    def weight(self, criterion: str) -> float:
        return self.number(f"weight.{criterion}")


@dataclass
class Program:
    """All tabs of one program: typed frames, the raw cells behind them, and what was skipped."""

    tables: dict[str, pd.DataFrame]
    raw: dict[str, pd.DataFrame]
    headers: dict[str, list[str]]  # each tab's header as it stands in the sheet (normalised), for A1 refs
    skipped: tuple[SkippedRow, ...] = ()
    extra_tabs: tuple[str, ...] = ()
    source: str = ""
    modified: dt.datetime | None = None

    def __getitem__(self, tab: str | schema.Tab) -> pd.DataFrame:
        return self.tables[tab.name if isinstance(tab, schema.Tab) else tab]

    @property
    def advocates(self) -> pd.DataFrame:
        return self.tables[schema.ADVOCATES.name]

    @property
    def requests(self) -> pd.DataFrame:
        return self.tables[schema.REQUESTS.name]

    @property
    def activities(self) -> pd.DataFrame:
        return self.tables[schema.ACTIVITIES.name]

    @property
    def nominations(self) -> pd.DataFrame:
        return self.tables[schema.NOMINATIONS.name]

    @property
    def opportunities(self) -> pd.DataFrame:
        return self.tables[schema.OPPORTUNITIES.name]

    @property
    def goals(self) -> pd.DataFrame:
        return self.tables[schema.GOALS.name]

    @cached_property
    def settings(self) -> Settings:
        frame = self.tables[schema.SETTINGS.name]
        col = schema.SETTINGS.col
        values = {
            str(k): ("" if v is None else str(v))
            for k, v in zip(frame[col.key], frame[col.value], strict=True)
            if k
        }
        return Settings(values)

    def column_letter(self, tab: str, column: str) -> str | None:
        """The sheet column ('F') where ``column`` stands in ``tab``, or None if the sheet lacks it."""
        header = self.headers.get(tab, [])
        if column not in header:
            return None
        return column_letter(header.index(column) + 1)


def column_letter(number: int) -> str:
    """1 → 'A', 27 → 'AA'."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _find_tab(grids: Mapping[str, Grid], tab: schema.Tab) -> str | None:
    for name in grids:
        if name.strip().lower() == tab.name.lower():
            return name
    return None


def _frame_from_grid(
    tab: schema.Tab, grid: Grid, source: str
) -> tuple[pd.DataFrame, list[str], list[SkippedRow]]:
    """Raw cells of one tab, index = sheet row, columns = the sheet's normalised headers."""
    header_cells = list(grid[0]) if grid else []
    header = [normalise_header(h) for h in header_cells]
    # Trailing empty header cells are not columns.
    while header and not header[-1]:
        header.pop()
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        name = name or f"column_{column_letter(i + 1)}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)

    missing = [c for c in tab.required if c.name not in names]
    if missing:
        column = missing[0]
        guess = process.extractOne(column.name, [n for n in names if n not in tab.names]) if names else None
        hint = f"; is it the column now called {guess[0]!r}?" if guess and guess[1] >= 70 else ""
        raise SchemaError(
            f"{source}: tab {tab.name!r} has no column {column.name!r}, which is required{hint}"
        )

    width = len(names)
    rows: list[list[Any]] = []
    index: list[int] = []
    skipped: list[SkippedRow] = []
    pending_blank: list[int] = []
    for number, cells in enumerate(grid[1:], start=2):
        cells = list(cells[:width]) + [None] * (width - len(cells))
        if all(is_blank(c) for c in cells):
            pending_blank.append(number)
            continue
        # Blank rows count only when data follows them: trailing empty rows are just the sheet's end.
        skipped.extend(SkippedRow(tab.name, n, "blank_row") for n in pending_blank)
        pending_blank = []
        if [normalise_header(c) for c in cells] == header[:width] and any(not is_blank(c) for c in cells):
            skipped.append(SkippedRow(tab.name, number, "repeated_header"))
            continue
        rows.append(cells)
        index.append(number)
    frame = pd.DataFrame(rows, columns=names, index=pd.Index(index, name=ROW_INDEX), dtype=object)
    return frame, names, skipped


def typed_frame(tab: schema.Tab, raw: pd.DataFrame) -> pd.DataFrame:
    """The schema's columns typed (in schema order), then any extra columns as they were typed."""
    typed = {}
    for column in tab.columns:
        cells = raw[column.name] if column.name in raw else pd.Series(None, index=raw.index, dtype=object)
        typed[column.name] = typed_column(column, cells)
    frame = pd.DataFrame(typed, index=raw.index)
    extras = [c for c in raw.columns if c not in tab]
    if extras:
        frame = pd.concat([frame, raw[extras]], axis=1)
    return frame


def program_from_grids(
    grids: Mapping[str, Grid], *, source: str = "", modified: dt.datetime | None = None
) -> Program:
    """Build a Program from every tab's grid; raises SchemaError naming a missing tab or required column."""
    tables: dict[str, pd.DataFrame] = {}
    raws: dict[str, pd.DataFrame] = {}
    headers: dict[str, list[str]] = {}
    skipped: list[SkippedRow] = []
    for tab in schema.TABS:
        name = _find_tab(grids, tab)
        if name is None:
            raise SchemaError(f"{source}: the workbook has no tab {tab.name!r}")
        raw, header, skips = _frame_from_grid(tab, grids[name], source)
        raws[tab.name] = raw
        headers[tab.name] = header
        skipped.extend(skips)
        tables[tab.name] = typed_frame(tab, raw)
    known = {t.name.lower() for t in schema.TABS}
    extra = tuple(n for n in grids if n.strip().lower() not in known)
    return Program(tables, raws, headers, tuple(skipped), extra, source, modified)


def empty_program(source: str = "") -> Program:
    """A program with every tab and no rows (a fresh template)."""
    grids = {tab.name: [tab.names] for tab in schema.TABS}
    return program_from_grids(grids, source=source)


def grids_from_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, Grid]:
    """Typed frames (as the demo builds them) back into grids of cells, schema columns first."""
    grids: dict[str, Grid] = {}
    for name, frame in frames.items():
        tab = schema.TAB_BY_NAME.get(name)
        columns = list(tab.names) if tab else []
        columns += [c for c in frame.columns if c not in columns]
        rows: Grid = [columns]
        col_defs = [tab.column(c) if tab and c in tab else None for c in columns]
        present = [c in frame.columns for c in columns]
        values = [
            frame[c].tolist() if ok else [None] * len(frame) for c, ok in zip(columns, present, strict=True)
        ]
        for r in range(len(frame)):
            rows.append([to_cell(d, v[r]) for d, v in zip(col_defs, values, strict=True)])
        grids[name] = rows
    return grids
