"""The figures ``compute`` returns: one frozen value per section, and ``ProgramMetrics`` holding them all.

``ProgramMetrics.to_dict()`` is what ``advocacy-kit metrics --json`` prints and what the report notebooks publish.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit.metrics.text import compared_with, draft_message
from kit.periods import Period
from kit.segments import Segment


@dataclass(frozen=True)
class Headline:
    """One headline figure with last period's value; ``change`` is value − previous (None if either is)."""

    key: str
    label: str
    value: float | None
    previous: float | None
    change: float | None
    unit: str


@dataclass(frozen=True)
class ProgramMetrics:
    """Every figure of the reports for one period; ``to_dict()`` is what ``metrics --json`` prints."""

    period: Period
    previous_period: Period
    previous_until: dt.date  # the previous period's figures are as of this day (its comparable day)
    as_of: dt.date
    segment: Segment
    source: str
    has_data: bool  # the program has any advocate, request, activity or opportunity at all
    period_has_data: bool  # anything happened in the period
    headline: tuple[Headline, ...]
    goals: pd.DataFrame
    roster: Mapping[str, Any]
    coverage: pd.DataFrame
    pipeline: Mapping[str, Any]
    service: Mapping[str, Any]
    impact: Mapping[str, Any]
    activity: Mapping[str, Any]
    recruiting: Mapping[str, Any]
    stakeholders: pd.DataFrame
    success_stories: tuple[Mapping[str, Any], ...]
    trends: pd.DataFrame
    data_quality: Mapping[str, Any]
    usage: pd.DataFrame = field(default_factory=pd.DataFrame)  # per advocate, this quarter (may be empty)
    warnings: tuple[str, ...] = ()  # e.g. a segment value no row holds, so its figures are empty

    @property
    def previous_days(self) -> int:
        """How many days of the previous period its figures cover (from its first day to ``previous_until``)."""
        return max(0, (self.previous_until - self.previous_period.start).days + 1)

    def figure(self, key: str) -> Headline:
        return next(h for h in self.headline if h.key == key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every figure (no advocate contact details): the reports' single source."""
        return _jsonable(
            {
                "period": {
                    "label": self.period.label,
                    "start": self.period.start,
                    "end": self.period.end,
                    "kind": self.period.kind,
                    "noun": self.period.noun,
                    "share_elapsed": self.period.share_elapsed(self.as_of),
                },
                "previous_period": {
                    "label": self.previous_period.label,
                    "start": self.previous_period.start,
                    "end": self.previous_period.end,
                    "until": self.previous_until,
                    "days": self.previous_days,
                    "compared_with": compared_with(self),
                },
                "as_of": self.as_of,
                "segment": str(self.segment),
                "source": self.source,
                "has_data": self.has_data,
                "period_has_data": self.period_has_data,
                "headline": [h.__dict__ for h in self.headline],
                "goals": _records(self.goals),
                "roster": _section(self.roster),
                "coverage": _records(self.coverage),
                "pipeline": _section(self.pipeline),
                "service": _section(self.service),
                "impact": _section(self.impact),
                "activity": _section(self.activity),
                "recruiting": _section(self.recruiting),
                "stakeholders": _records(self.stakeholders),
                "success_stories": list(self.success_stories),
                "trends": _records(self.trends),
                "data_quality": _section(self.data_quality),
                "draft_message": draft_message(self),
                "warnings": list(self.warnings),
            }
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False, name=None)]


def _section(section: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in section.items():
        if key == "per_advocate":
            continue  # one row per advocate: for the notebooks, too long for the JSON
        if isinstance(value, pd.DataFrame):
            out[key] = _records(value)
        elif isinstance(value, Mapping):
            out[key] = _section(value)
        else:
            out[key] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return _jsonable(_records(value))
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    return value
