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

import numpy as np
import pandas as pd
from rapidfuzz import process

from kit import schema
from kit.cells import (
    Factorized,
    as_text,
    blank_each,
    factorize,
    merged_cells,
    parse_amount,
    parse_bool,
    parse_int,
    to_cell,
    typed_column,
)
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


SettingValue = int | float | bool


def read_setting(setting: schema.Setting, value: Any) -> SettingValue | None:
    """``value`` as the kit uses ``setting``, or None when it cannot be used: blank, unreadable, or outside
    the setting's range. The one rule both ``Settings`` (which then uses the default) and the validator
    (which reports the value and names that default) follow. Segments are read by ``parse_segments``."""
    if setting.kind is schema.SettingKind.YES_NO:
        return parse_bool(value)
    if setting.kind is schema.SettingKind.INTEGER:
        number: float | None = parse_int(value)
    elif setting.kind is schema.SettingKind.NUMBER:
        number = parse_amount(value)
    else:
        return None
    if number is None:
        return None
    if (setting.low is not None and number < setting.low) or (
        setting.high is not None and number > setting.high
    ):
        return None
    return number


@dataclass(frozen=True)
class Settings:
    """The Settings tab's values over the schema's defaults: a value the kit cannot use (``read_setting``)
    counts as not given, which is what the validator's ``bad_setting`` finding says."""

    values: Mapping[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None or not str(value).strip():
            default = schema.SETTING_BY_KEY.get(key)
            return default.default if default else ""
        return str(value).strip()

    def given(self, key: str) -> SettingValue | None:
        """The value typed for ``key`` when the kit can use it; else None."""
        setting = schema.setting_declaration(key)
        return None if setting is None else read_setting(setting, self.values.get(key))

    def value(self, key: str) -> SettingValue:
        """What the kit uses for ``key``: the value typed when usable, else the default.

        An activity's SLA with no declaration of its own (``sla_days.webinar``) falls back to the program's
        ``sla_days.default``, as if it were not there.
        """
        given = self.given(key)
        if given is not None:
            return given
        if key not in schema.SETTING_BY_KEY and schema.setting_declaration(key) is not None:
            return self.value(f"{schema.SLA_PREFIX}default")
        setting = schema.SETTING_BY_KEY.get(key)
        default = read_setting(setting, setting.default) if setting else None
        return default if default is not None else 0

    def number(self, key: str) -> float:
        return float(self.value(key))

    def integer(self, key: str) -> int:
        return int(self.value(key))

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
        return self.integer("fiscal_year_start_month")

    def sla_days(self, activity: str) -> int:
        key = f"{schema.SLA_PREFIX}{activity}"
        if schema.setting_declaration(key) is None:
            key = f"{schema.SLA_PREFIX}default"
        return self.integer(key)

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
    # What other modules work out from the cells alone, kept with the program so it is worked out once (and
    # travels with it into the read cache): e.g. kit.validate's findings that do not depend on the day.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

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

    @property
    def people(self) -> pd.DataFrame:
        return self.tables[schema.PEOPLE.name]

    @property
    def commitments(self) -> pd.DataFrame:
        return self.tables[schema.COMMITMENTS.name]

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

    def __getstate__(self) -> dict[str, Any]:
        # A program is pickled into the read cache (kit/store/cache.py). The raw cells are pickled as
        # each column's distinct values and codes: a date cell is a Python object, slow to pickle one by one,
        # and a long column of dates has few distinct ones (docs/performance.md measures the read cache).
        state = {k: v for k, v in self.__dict__.items() if k != "settings"}
        state["raw"] = {tab: _pack(frame) for tab, frame in self.raw.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["raw"] = {tab: _unpack(packed) for tab, packed in state["raw"].items()}
        state.setdefault("derived", {})
        self.__dict__.update(state)

    def column_letter(self, tab: str, column: str) -> str | None:
        """The sheet column ('F') where ``column`` stands in ``tab``, or None if the sheet lacks it."""
        header = self.headers.get(tab, [])
        if column not in header:
            return None
        return column_letter(header.index(column) + 1)


Packed = tuple[pd.Index, list[str], list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]


def _pack(frame: pd.DataFrame) -> Packed:
    """A frame of raw cells as, per column, its distinct values and codes (see ``Program.__getstate__``).

    factorize holds True, 1 and 1.0 as one value, and None, NaN and NaT as none: such cells (``merged_cells``,
    and missing cells other than None) are kept aside as they are, so unpacking gives back the same cells.
    """
    columns = []
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object)
        codes, distinct = factorize(values)
        missing = np.flatnonzero(codes < 0)
        aside = missing[np.not_equal(values[missing], None)]
        aside = np.union1d(aside, merged_cells(values, codes, distinct))
        columns.append((codes, np.asarray(distinct, dtype=object), aside, values[aside]))
    return frame.index, list(frame.columns), columns


def _unpack(packed: Packed) -> pd.DataFrame:
    index, names, columns = packed
    data = {}
    for name, (codes, distinct, aside, cells) in zip(names, columns, strict=True):
        values = np.append(distinct, None)[codes]  # code -1 picks the appended None
        values[aside] = cells
        data[name] = values
    return pd.DataFrame(data, index=index, columns=names, dtype=object)


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
) -> tuple[pd.DataFrame, list[str], list[SkippedRow], dict[str, Factorized]]:
    """Raw cells of one tab (index = sheet row, columns = the sheet's normalised headers), the rows skipped,
    and each column factorized for ``typed_frame``."""
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
    body = grid[1:]
    rows = np.arange(2, len(body) + 2)
    if body:
        cells = pd.DataFrame(body, dtype=object).iloc[:, :width]
        for short in range(cells.shape[1], width):  # rows shorter than the header (Google trims them)
            cells[short] = None
    else:
        cells = pd.DataFrame(index=range(0), columns=range(width), dtype=object)
    cells.columns = names
    columns: dict[str, np.ndarray] = {}
    factorized: dict[str, Factorized] = {}
    blank = np.ones((len(body), width), dtype=bool)
    for j, name in enumerate(names):
        columns[name], blank[:, j], factorized[name] = _column_cells(cells[name])
    blank_row = blank.all(axis=1)
    filled = np.flatnonzero(~blank_row)
    # Blank rows count only when data follows them: trailing empty rows are just the sheet's end.
    last = filled[-1] if len(filled) else 0
    skipped = [SkippedRow(tab.name, int(n), "blank_row") for n in rows[:last][blank_row[:last]]]
    keep = ~blank_row
    for position in _repeated_headers(cells, header[:width], filled):
        skipped.append(SkippedRow(tab.name, int(rows[position]), "repeated_header"))
        keep[position] = False
    skipped.sort(key=lambda s: s.row)
    frame = pd.DataFrame(
        {name: values[keep] for name, values in columns.items()},
        index=pd.Index(rows[keep], name=ROW_INDEX),
        columns=names,
        dtype=object,
    )
    factorized = {name: (codes[keep], distinct) for name, (codes, distinct) in factorized.items()}
    return frame, names, skipped, factorized


def _column_cells(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, Factorized]:
    """A column's cells with '' spelled None (as some sources spell an empty cell), which are blank, and the
    column factorized (each distinct value is then looked at once: a column has far fewer than cells)."""
    values = cells.to_numpy(dtype=object, copy=True)
    codes, distinct = factorize(values)
    blank = np.array([*blank_each(distinct), True], dtype=bool)[codes]
    empty = np.array([*(type(v) is str and not v for v in distinct), False], dtype=bool)[codes]
    values[empty] = None  # its code still points at '', which every cell reader reads as blank
    return values, blank, (codes, distinct)


def _repeated_headers(cells: pd.DataFrame, header: list[str], filled: np.ndarray) -> list[int]:
    """Positions of rows that repeat the header (pasted blocks bring theirs along)."""
    if not len(filled) or not header:
        return []
    first = cells.iloc[filled, 0].to_numpy()
    # Only a first cell whose text holds the header's first word can start a repeated header.
    word = header[0].split("_")[0]
    maybe = [type(c) is not str or word in c.lower() for c in first] if word else [True] * len(first)
    candidates = filled[np.asarray(maybe, dtype=bool)]
    return [int(p) for p in candidates if [normalise_header(c) for c in cells.iloc[p].tolist()] == header]


def typed_frame(
    tab: schema.Tab, raw: pd.DataFrame, factorized: Mapping[str, Factorized] | None = None
) -> pd.DataFrame:
    """The schema's columns typed (in schema order), then any extra columns as they were typed."""
    typed = {}
    for column in tab.columns:
        cells = raw[column.name] if column.name in raw else pd.Series(None, index=raw.index, dtype=object)
        typed[column.name] = typed_column(column, cells, (factorized or {}).get(column.name))
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
        if name is None and not tab.optional:
            raise SchemaError(f"{source}: the workbook has no tab {tab.name!r}")
        # a workbook made before an optional tab existed reads as if the tab were there, empty
        grid = [list(tab.names)] if name is None else grids[name]
        raw, header, skips, factorized = _frame_from_grid(tab, grid, source)
        raws[tab.name] = raw
        headers[tab.name] = header
        skipped.extend(skips)
        tables[tab.name] = typed_frame(tab, raw, factorized)
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
