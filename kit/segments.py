"""Segments of the program, written as people write them: ``industry=Insurance; product=Product A``.

A segment narrows the roster, the requests or the opportunities to the rows whose columns hold those values
(a multi-value column such as ``products`` matches when it contains the value). Empty means everything.
"""

from __future__ import annotations

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
