"""``compute``: every figure of the reports for one period, from one program and the validator's findings;
``measure``: validate, then the health work-list, then ``compute`` — what the CLI, the reports and the notebooks
call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit import schema
from kit.metrics.adoption import _adoption, _commitments
from kit.metrics.advocates import _activity, _coverage, _pipeline, _recruiting, _roster
from kit.metrics.data import Data, _blanked, _prepare, unusable_cells
from kit.metrics.definitions import (
    _REQ,
    HEADLINE,
    SEGMENT_TABS,
    TREND_PERIODS,
    A,
    G,
    N,
    O,
    R,
    X,
    days_to_fulfil,
    fulfilled_mask,
)
from kit.metrics.goals import _evaluate_goals
from kit.metrics.outcomes import (
    _change,
    _comparable_day,
    _figures,
    _impact,
    _precision,
    _service,
    _sla_counts,
    _stakeholders,
    _stories,
)
from kit.metrics.quality import _data_quality, _health
from kit.metrics.sections import TREND_COLUMNS, TREND_SAME_DAYS, Headline, ProgramMetrics
from kit.periods import Period, current_quarter, parse_period
from kit.program import Program
from kit.segments import Segment
from kit.usage import quarter_usage

if TYPE_CHECKING:
    from kit.health import Health


def _gaps(program: Program, as_of: dt.date) -> pd.DataFrame:
    """The open requests no advocate could serve (``kit.match.recruiting_gaps``)."""
    from kit.match import recruiting_gaps  # here: the matcher is heavy, and only this figure needs it

    return recruiting_gaps(program, as_of=as_of)


def resolve_period(program: Program, period: str | Period | None, as_of: dt.date) -> Period:
    """A period from text (fiscal forms use the program's fiscal year; keywords such as ``last-quarter`` count
    from ``as_of``), or the current calendar quarter."""
    if period is None or (isinstance(period, str) and not period.strip()):
        return current_quarter(as_of)
    if isinstance(period, Period):
        return period
    return parse_period(period, fiscal_year_start_month=program.settings.fiscal_year_start_month, as_of=as_of)


def compute(
    program: Program,
    *,
    period: str | Period | None = None,
    segment: str | Segment | None = None,
    as_of: dt.date,
    findings: pd.DataFrame | None,
    health: Health | None = None,
) -> ProgramMetrics:
    """Every figure of the reports for ``period`` (default: the calendar quarter of ``as_of``).

    Pure: reads only ``program`` and ``findings`` (``kit.validate.validate(program, as_of=as_of)``; None: not
    validated, no cell is ignored). Cells the findings mark as errors are ignored, and a figure leaves out the
    rows whose cells it needs (``NEEDS``) are ignored; ``data_quality`` counts both, with the sizes of the
    ``health`` work-list when given. ``measure`` runs all three. Raises InputError for an unreadable period
    or segment.
    """
    period = resolve_period(program, period, as_of)
    segment = segment if isinstance(segment, Segment) else Segment.parse(segment)
    warnings = segment_warnings(program, segment)
    unusable = unusable_cells(findings)
    everything = _prepare(program, unusable)
    data = everything.segment(segment)

    cache: dict[tuple[Segment, Period, dt.date], dict[str, float | None]] = {}

    def figures(seg: Segment, per: Period, until: dt.date = as_of) -> dict[str, float | None]:
        # A period's figures as of any day from its end on are the same: one cache entry serves them all.
        key = (seg, per, min(until, per.end))
        if key not in cache:
            cache[key] = _figures(everything.segment(seg), per, key[2])
        return cache[key]

    history = period.history(TREND_PERIODS)
    previous_until = _comparable_day(period, as_of)
    now, before = figures(segment, period), figures(segment, period.previous(), previous_until)
    impact = _impact(data, period, as_of)
    precision = _precision(data, period, as_of, impact)  # n and interval of each share
    headline = tuple(
        Headline(
            key, label, now[key], before[key], _change(now[key], before[key]), unit, **precision.get(key, {})
        )
        for key, (label, unit) in HEADLINE.items()
    )
    trends = _trends(history, period, as_of, lambda p, until=as_of: figures(segment, p, until), data)
    # A goal's unusable target (unreadable, or beyond any plausible figure) is blank: the goal says "no target".
    # Its period, metric and segment stay as typed: the goal's note quotes one it cannot read, and a blank
    # segment would mean the whole program.
    goal_cells = unusable.get(schema.GOALS.name, {})
    goals_frame = _blanked(schema.GOALS, program.goals, {G.target: goal_cells.get(G.target, ())})
    goals = _evaluate_goals(
        everything, goals_frame, period, as_of, segment, program.settings.fiscal_year_start_month, figures
    )
    goal_view = pd.DataFrame(
        {"metric": goals_frame[G.metric], "segment": goals_frame[G.segment], "target": goals_frame[G.target]}
    )
    goal_view = goal_view[[_overlaps(program, p, period) for p in goals_frame[G.period]]]
    coverage = _coverage(everything, goal_view, period, as_of)
    gaps = _gaps(program, as_of)
    if not segment.is_everything and len(gaps):
        gaps = gaps[gaps[R.request_id].isin(data.requests[R.request_id])]
    usage = quarter_usage(program, as_of)
    tables = (data.advocates, data.requests, data.activities, data.opportunities, data.nominations)
    period_tables = (
        (data.advocates, A.joined_on),
        (data.requests, R.requested_on),
        (data.activities, X.date),
        (data.opportunities, O.close_date),
        (data.nominations, N.submitted_on),
    )
    history = program.tables.get(schema.HISTORY.name)  # the request's moves (owner approval), when kept
    return ProgramMetrics(
        period=period,
        previous_period=period.previous(),
        previous_until=previous_until,
        as_of=as_of,
        segment=segment,
        source=program.source,
        has_data=any(len(t) for t in tables),
        period_has_data=any(period.mask(t[c], until=as_of).any() for t, c in period_tables),
        headline=headline,
        goals=goals,
        roster=_roster(data, period, as_of, usage),
        coverage=coverage,
        pipeline=_pipeline(data, period, as_of),
        service=_service(data, period, as_of, gaps),
        impact=impact,
        activity=_activity(data, period, as_of, history),
        recruiting=_recruiting(data, coverage, as_of),
        stakeholders=_stakeholders(data, program.people, period, as_of),
        success_stories=_stories(data, period, as_of),
        trends=trends,
        data_quality=_data_quality(program, findings, everything, _health(health)),
        usage=usage,
        warnings=tuple(warnings),
        adoption=_adoption(everything, program.people, unusable, period, as_of, previous_until, history),
        commitments=_commitments(
            everything, program.people, program.commitments, unusable, period, as_of, history
        ),
    )


def _trends(
    history: list[Period],
    period: Period,
    as_of: dt.date,
    figures: Callable[..., dict[str, float | None]],
    data: Data,
) -> pd.DataFrame:
    """The trends table (TREND_COLUMNS): each period's headline figures with what its shares rest on, and,
    while ``period`` runs, each earlier period's charted figures up to the same elapsed day."""
    running = period.start <= as_of < period.end
    rows = []
    for p in history:
        impact = _impact(data, p, as_of)
        timed = data.rows("median_days_to_fulfil", _REQ)
        timed = timed[fulfilled_mask(timed, p, as_of)]
        row: dict[str, Any] = {"period": p.label, **figures(p)}
        row["within_sla_n"] = _sla_counts(data, p, as_of, days_to_fulfil(timed), timed)[1]
        row["closed_with"] = impact.with_advocates.closed
        row["closed_without"] = impact.without_advocates.closed
        # an earlier period, while this one runs: its first as many days as have passed in this one
        same_day = _same_day(p, period, as_of) if running and p.end < period.start else None
        row["same_days_until"] = pd.Timestamp(same_day) if same_day else pd.NaT
        same = figures(p, same_day) if same_day else {}
        for key in TREND_SAME_DAYS:
            row[f"{key}_same_days"] = same.get(key)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def _same_day(earlier: Period, running: Period, as_of: dt.date) -> dt.date:
    """The day of ``earlier`` as far into it as ``as_of`` is into ``running`` (no later than its last day):
    the rule of 'Change from the previous period', for any earlier period."""
    return min(earlier.start + (as_of - running.start), earlier.end)


def segment_warnings(program: Program, segment: str | Segment | None) -> list[str]:
    """Check a segment against the tabs it narrows (``Segment.check``), before any figure is computed.

    Raises InputError for a condition on a column none of them has (the whole program's figures would show
    under the segment's label); returns a warning per value no row holds (its figures are empty)."""
    segment = segment if isinstance(segment, Segment) else Segment.parse(segment)
    if segment.is_everything:
        return []
    return segment.check({tab: program[tab] for tab in SEGMENT_TABS}, SEGMENT_TABS)


def _overlaps(program: Program, text: Any, period: Period) -> bool:
    try:
        return parse_period(text, fiscal_year_start_month=program.settings.fiscal_year_start_month).overlaps(
            period
        )
    except Exception:
        return False


def measure(
    program: Program,
    *,
    period: str | Period | None = None,
    segment: str | Segment | None = None,
    as_of: dt.date,
    findings: pd.DataFrame | None = None,
) -> ProgramMetrics:
    """Validate ``program`` (unless its ``findings`` are given), build the health work-list, then ``compute``:
    the figures every report, ``advocacy-kit metrics`` and the notebooks show."""
    # Imported here: kit.validate imports kit.metrics (the figures' NEEDS), and kit.health imports kit.validate.
    from kit.health import health
    from kit.validate import validate

    # An unreadable period or segment fails here, in a moment, not after the validation.
    period = resolve_period(program, period, as_of)
    segment = segment if isinstance(segment, Segment) else Segment.parse(segment)
    if findings is None:
        findings = validate(program, as_of=as_of)
    return compute(
        program,
        period=period,
        segment=segment,
        as_of=as_of,
        findings=findings,
        health=health(program, findings, as_of=as_of),
    )
