"""Segments of the program, written as people write them: ``industry=Insurance; product=Product A``.

A segment narrows the roster, the requests or the opportunities to the rows whose columns hold those values
(a multi-value column such as ``products`` matches when it contains the value). Empty means everything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from kit.cells import fold
from kit.errors import InputError


@dataclass(frozen=True)
class Segment:
    """A conjunction of column=value conditions; ``Segment(())`` is the whole program."""

    conditions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> Segment:
        """Read ``industry=Insurance; product=Product A``; raises InputError naming the bad part."""
        if text is None or not str(text).strip():
            return cls(())
        conditions = []
        for part in str(text).split(";"):
            if not part.strip():
                continue
            column, sep, value = part.partition("=")
            if not sep or not column.strip() or not value.strip():
                raise InputError(f"segment {text!r}: {part.strip()!r} is not column=value")
            conditions.append((column.strip().lower().replace(" ", "_"), value.strip()))
        return cls(tuple(conditions))

    @property
    def is_everything(self) -> bool:
        return not self.conditions

    def __str__(self) -> str:
        return "; ".join(f"{c}={v}" for c, v in self.conditions) or "whole program"

    @property
    def label(self) -> str:
        """A short human label: 'Insurance · Product A'."""
        return " · ".join(v for _, v in self.conditions) or "Whole program"

    def mask(self, frame: pd.DataFrame, aliases: dict[str, str] | None = None) -> pd.Series:
        """Rows of ``frame`` in this segment. Conditions on columns the frame lacks are ignored.

        ``aliases`` maps a condition's column to the frame's (``product`` → ``products`` on the roster).
        """
        keep = pd.Series(True, index=frame.index)
        for column, value in self.conditions:
            name = (aliases or {}).get(column, column)
            if name not in frame.columns:
                continue
            wanted = fold(value)
            cells = frame[name]
            keep &= cells.map(lambda cell, w=wanted: _holds(cell, w))
        return keep

    def columns(self) -> list[str]:
        return [c for c, _ in self.conditions]

    def check(
        self, tables: Mapping[str, pd.DataFrame], aliases: Mapping[str, Mapping[str, str]] | None = None
    ) -> list[str]:
        """Check the segment against the tabs it narrows (tab name → frame; ``aliases`` per tab, as ``mask``).

        A condition on a column none of them has would narrow nothing, and the whole program's figures would
        show under the segment's label: that is an InputError naming the closest column. A value no row holds
        leaves the figures empty: that is a warning (returned, one line each), with the closest value held.
        """
        from rapidfuzz import fuzz, process

        warnings = []
        for column, value in self.conditions:
            cells = [
                frame[(aliases or {}).get(tab, {}).get(column, column)]
                for tab, frame in tables.items()
                if (aliases or {}).get(tab, {}).get(column, column) in frame.columns
            ]
            if not cells:
                names = {str(c) for frame in tables.values() for c in frame.columns}
                names |= {a for tab in tables for a, c in (aliases or {}).get(tab, {}).items() if c in names}
                guess = process.extractOne(column, sorted(names), scorer=fuzz.ratio, score_cutoff=60)
                hint = f"; did you mean {guess[0]!r}?" if guess else ""
                tabs = " or ".join(", ".join(tables).rsplit(", ", 1))
                raise InputError(f"segment {str(self)!r}: no column {column!r} in the {tabs} tab{hint}")
            held = {fold(v): v for series in cells for v in _values(series)}
            if fold(value) in held:
                continue
            guess = process.extractOne(fold(value), list(held), scorer=fuzz.WRatio, score_cutoff=75)
            hint = f"; did you mean {held[guess[0]]!r}?" if guess else ""
            warnings.append(
                f"segment {str(self)!r}: no row has {column} {value!r}, so its figures are empty{hint}"
            )
        return warnings


def _values(cells: pd.Series) -> Iterator[str]:
    """The distinct values a column holds, each item of a multi-value cell on its own; blanks left out."""
    seen: set[object] = set()
    for cell in cells:
        items = cell if isinstance(cell, (tuple, list)) else (cell,)
        for item in items:
            if item is None or (isinstance(item, float) and item != item) or item in seen:
                continue
            seen.add(item)
            yield str(item)


def _holds(cell: object, wanted: str) -> bool:
    if isinstance(cell, (tuple, list)):
        return any(fold(str(item)) == wanted for item in cell)
    if cell is None or (isinstance(cell, float) and cell != cell):
        return False
    return fold(str(cell)) == wanted


def parse_segments(text: str | None, separator: str = "|") -> list[Segment]:
    """Several segments separated by '|' (the Settings tab's ``strategic_segments``)."""
    if not text:
        return []
    return [Segment.parse(part) for part in str(text).split(separator) if part.strip()]
