"""The data a computation sees: the program's tabs with every cell the validator found an error in blank, a
segment applied, and per figure the rows it can use (see 'Data quality' in ``kit.metrics.definitions``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import fold
from kit.metrics.definitions import (
    _ACT,
    _ADV,
    _NOM,
    _OPP,
    _REQ,
    ADVOCATE_ALIASES,
    NEEDED_WHERE_BLANK,
    NEEDS,
    SEGMENT_TABS,
    A,
    N,
    O,
    X,
    affected_figures,
    influenced_mask,
    segment_mask,
)
from kit.program import Program
from kit.segments import Segment

Unusable = Mapping[str, Mapping[str, np.ndarray]]  # tab → column → sheet rows whose cell is unusable


@dataclass
class Data:
    """The program's tabs with every unusable cell blank, and each figure's view of them (``rows``).

    ``unusable`` is over the whole program (by sheet row), so a segment's data shares it with its parent.
    """

    tables: dict[str, pd.DataFrame]
    unusable: Unusable
    settings: Any
    names: pd.Series  # advocate_id → name, over the whole roster
    root: Data | None = field(default=None, repr=False)

    _segments: dict[Segment, Data] = field(default_factory=dict, repr=False)
    _views: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = field(default_factory=dict, repr=False)
    _left_out: dict[tuple[str, tuple[str, ...]], np.ndarray] = field(default_factory=dict, repr=False)
    _influence: dict[tuple, pd.Series] = field(default_factory=dict, repr=False)

    @property
    def advocates(self) -> pd.DataFrame:
        return self.tables[_ADV]

    @property
    def requests(self) -> pd.DataFrame:
        return self.tables[_REQ]

    @property
    def activities(self) -> pd.DataFrame:
        return self.tables[_ACT]

    @property
    def nominations(self) -> pd.DataFrame:
        return self.tables[_NOM]

    @property
    def opportunities(self) -> pd.DataFrame:
        return self.tables[_OPP]

    def left_out(self, tab: str, columns: tuple[str, ...]) -> np.ndarray:
        """Sheet rows of ``tab`` with an unusable cell in any of ``columns`` (whole program, computed once)."""
        top = self.root or self
        key = (tab, columns)
        if key not in top._left_out:
            found = [top.needed_rows(tab, c) for c in columns]
            found = [rows for rows in found if len(rows)]
            top._left_out[key] = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
        return top._left_out[key]

    def needed_rows(self, tab: str, column: str) -> np.ndarray:
        """Sheet rows of ``tab`` whose unusable ``column`` costs the row where a figure needs it: all of them,
        except for a cell needed only where another is blank (``NEEDED_WHERE_BLANK``)."""
        top = self.root or self
        rows = top.unusable.get(tab, {}).get(column)
        if rows is None or not len(rows):
            return np.empty(0, dtype=np.int64)
        instead = NEEDED_WHERE_BLANK.get((tab, column))
        if instead is None:
            return rows
        frame = top.tables[tab]  # unusable cells are blank here already
        return rows[np.isin(rows, frame.index[frame[instead].isna()].to_numpy())]

    def rows(self, figure: str, tab: str) -> pd.DataFrame:
        """The rows of ``tab`` that ``figure`` can use: those whose cells in ``NEEDS[figure][tab]`` are usable."""
        columns = NEEDS[figure].get(tab, ())
        key = (tab, columns)
        if key not in self._views:
            frame = self.tables[tab]
            bad = self.left_out(tab, columns)
            self._views[key] = frame[~frame.index.isin(bad)] if len(bad) else frame
        return self._views[key]

    def influenced(self, figure: str) -> pd.Series:
        """Per row of ``rows(figure, Opportunities)``: influenced (see the definitions), from every usable
        activity of the program, whatever the segment (an opportunity's influence counts every advocate)."""
        top = self.root or self
        key = tuple(NEEDS[figure].get(tab, ()) for tab in (_ACT, _REQ))
        if key not in top._influence:  # over every opportunity: each figure then takes the rows it uses
            top._influence[key] = influenced_mask(
                top.opportunities, top.rows(figure, _ACT), top.rows(figure, _REQ)
            )
        opportunities = self.rows(figure, _OPP)
        influenced = top._influence[key]
        if opportunities is top.opportunities:
            return influenced
        return influenced.loc[opportunities.index]

    def segment(self, segment: Segment) -> Data:
        """This data narrowed to ``segment`` (computed once per segment)."""
        if segment.is_everything:
            return self
        if segment not in self._segments:
            self._segments[segment] = self._narrow(segment)
        return self._segments[segment]

    def _narrow(self, segment: Segment) -> Data:
        tables = {
            tab: self.tables[tab][segment_mask(segment, self.tables[tab], SEGMENT_TABS[tab])]
            for tab in SEGMENT_TABS
        }
        tables[_NOM] = self.nominations[_nominations_mask(segment, self.tables)]
        tables[_ACT] = self.activities[self.activities[X.advocate_id].isin(tables[_ADV][A.advocate_id])]
        return Data(tables, self.unusable, self.settings, self.names, root=self.root or self)


def _nominations_mask(segment: Segment, tables: Mapping[str, pd.DataFrame]) -> pd.Series:
    """The nominations in ``segment``. A condition on a column the Nominations tab has (``products``, or an
    ``industry`` or ``region`` column added to it) reads that column; one on a column it lacks reads the
    nominee's: the accepted advocate's (``advocate_id``), else the company's as the roster, then the
    Opportunities tab, hold it. A nomination whose company neither knows is not in the segment: counting every
    nomination under the segment's label overstated its pipeline."""
    nominations = tables[_NOM]
    aliases = SEGMENT_TABS[_NOM]
    own = Segment(tuple(c for c in segment.conditions if aliases.get(c[0], c[0]) in nominations.columns))
    keep = segment_mask(own, nominations, aliases)
    advocates, opportunities = tables[_ADV], tables[_OPP]
    for column, value in segment.conditions:
        if aliases.get(column, column) in nominations.columns:
            continue
        known = pd.Series([None] * len(nominations), index=nominations.index, dtype=object)
        sources = [
            (opportunities, O.account, column),
            (advocates, A.company, ADVOCATE_ALIASES.get(column, column)),
        ]
        for frame, company, name in sources:  # the roster last, so it wins over the CRM
            if name in frame.columns:
                by_company = _first_by(frame[company].map(_company_key), frame[name])
                found = nominations[N.company].map(_company_key).map(by_company)
                known = found.where(found.notna(), known)
        name = ADVOCATE_ALIASES.get(column, column)
        if name in advocates.columns:
            by_advocate = _first_by(advocates[A.advocate_id], advocates[name])
            found = nominations[N.advocate_id].map(by_advocate)
            known = found.where(found.notna(), known)
        keep &= Segment(((column, value),)).mask(pd.DataFrame({column: known}))
    return keep


def _company_key(name: Any) -> str | None:
    return fold(str(name)) if isinstance(name, str) and name.strip() else None


def _first_by(keys: pd.Series, values: pd.Series) -> dict[Any, Any]:
    """key → the first non-blank value held for it."""
    pairs = pd.DataFrame({"key": keys, "value": values}).dropna()
    held = np.array(
        [bool(v) if isinstance(v, (tuple, list, str)) else True for v in pairs["value"]], dtype=bool
    )
    pairs = pairs.loc[held].drop_duplicates("key")
    return dict(zip(pairs["key"], pairs["value"], strict=True))


def ignored_columns(findings: pd.DataFrame) -> pd.Series:
    """Per finding, the column of the cell it makes unusable: its own column for an error, '' for a warning.

    An error that faults a rule rather than a cell (``kit.validate.RULE_ERRORS``: a request assigned to an
    advocate who did not agree) ignores nothing. ``duplicate_person`` (one person under two ids) makes the
    row's id unusable, so the second id counts nowhere the id is needed. Two dates out of order
    (``date_order``) are reported on the one the validator ignores.
    """
    keys = {tab.name: tab.key.name for tab in schema.TABS if tab.key is not None}
    columns = findings["column"].where(findings["code"] != "duplicate_person", findings["table"].map(keys))
    from kit.validate import RULE_ERRORS

    cell_errors = (findings["severity"] == "error") & ~findings["code"].isin(RULE_ERRORS)
    return columns.where(cell_errors, "").fillna("").astype(object)


def finding_affects(findings: pd.DataFrame, program: Program) -> pd.Series:
    """Per finding, the keys of the headline figures that leave its row out (', '-separated; '' for none).

    A cell needed only where another is blank (``NEEDED_WHERE_BLANK``) affects nothing on a row whose other
    cell is filled and usable: ``program`` tells which."""
    columns = ignored_columns(findings)
    pairs = list(zip(findings["table"], columns, strict=True))
    words = {pair: ", ".join(affected_figures(*pair)) for pair in set(pairs)}
    affects = pd.Series([words[pair] for pair in pairs], index=findings.index, dtype=object)
    unusable = unusable_cells(findings)
    for (tab, column), instead in NEEDED_WHERE_BLANK.items():
        mine = (findings["table"] == tab) & (columns == column)
        if not mine.any():
            continue
        other = program[tab][instead]
        filled = other.index[other.notna()].difference(unusable.get(tab, {}).get(instead, []))
        affects[mine & findings["row"].isin(filled)] = ""
    return affects


def unusable_cells(findings: pd.DataFrame | None) -> dict[str, dict[str, np.ndarray]]:
    """Per tab and column, the sheet rows whose cell the validator found an error in: the cells ignored
    (``ignored_columns`` says which cell a finding on two cells, or on a person, makes unusable)."""
    if findings is None or findings.empty:
        return {}
    cells = pd.DataFrame(
        {"table": findings["table"], "column": ignored_columns(findings), "row": findings["row"]}
    )
    cells = cells[cells["column"] != ""]
    out: dict[str, dict[str, np.ndarray]] = {}
    for (tab, column), rows in cells.groupby(["table", "column"], sort=False)["row"]:
        out.setdefault(tab, {})[column] = np.unique(rows.to_numpy(dtype=np.int64))
    return out


def _blanked(tab: schema.Tab, frame: pd.DataFrame, unusable: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """``frame`` with each unusable cell blank (as the typing leaves a blank cell); the same frame if none."""
    blank = {
        name: rows for name, rows in unusable.items() if name in tab and name in frame.columns and len(rows)
    }
    if not blank:
        return frame
    frame = frame.copy()
    for name, rows in blank.items():
        hit = frame.index.isin(rows)
        if tab.column(name).is_multi:  # a blank multi-value cell reads as no values
            values = frame[name].to_numpy(dtype=object, copy=True)
            for i in np.flatnonzero(hit):
                values[i] = ()
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
        else:
            frame[name] = frame[name].where(~hit, None)
    return frame


def _prepare(program: Program, unusable: Unusable) -> Data:
    tables = {
        tab.name: _blanked(tab, program[tab], unusable.get(tab.name, {}))
        for tab in (
            schema.ADVOCATES,
            schema.REQUESTS,
            schema.ACTIVITIES,
            schema.NOMINATIONS,
            schema.OPPORTUNITIES,
        )
    }
    advocates = tables[_ADV]
    names = advocates.dropna(subset=[A.advocate_id]).drop_duplicates(A.advocate_id)
    return Data(tables, unusable, program.settings, names.set_index(A.advocate_id)[A.name])
