"""The Goals tab: a segment, a period or a metric the kit cannot read, with what was probably meant."""

from __future__ import annotations

import datetime as dt
import re

from kit import schema
from kit.cells import DATE_YEARS, as_text
from kit.errors import KitError
from kit.metrics import HEADLINE
from kit.periods import FORMS, parse_period
from kit.program import Program
from kit.segments import Segment
from kit.validate.findings import _Collector
from kit.validate.words import _quote, suggest

G = schema.GOALS.col


def _goal_segments(found: _Collector, program: Program) -> None:
    goals = program.goals
    for row, text in zip(goals.index, goals[G.segment], strict=True):
        if text is None:
            continue
        try:
            Segment.parse(text)
        except KitError as error:
            found.add(
                schema.GOALS.name,
                row,
                G.segment,
                "bad_segment",
                f"{error}; write segments as column=value pairs separated by ';'.",
            )


_QUARTER_NUMBER = re.compile(r"^(?:FY\s*)?\d{4}\s*-?\s*Q(\d+)$", re.IGNORECASE)
_MONTH_NUMBER = re.compile(r"^\d{4}-(\d+)$")
_SPAN_DAYS = re.compile(r"^(\S+)\s*\.\.\s*(\S+)$")
_YEARS_IN = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_SHORT_FISCAL_YEAR = re.compile(r"FY\s*'?(\d{2})(?!\d)", re.IGNORECASE)


def _goal_periods(found: _Collector, program: Program) -> None:
    """Each goal's period read as ``metrics`` reads it; one it cannot read is reported with what was meant."""
    goals = program.goals
    fiscal_start = program.settings.fiscal_year_start_month
    for row, period in zip(goals.index, goals[G.period], strict=True):
        if period is None:
            continue  # missing_required
        try:
            parse_period(period, fiscal_year_start_month=fiscal_start)
        except KitError:
            text = as_text(period)
            found.add(schema.GOALS.name, row, G.period, "bad_period", f"{_quote(text)} {_period_hint(text)}")


def _period_hint(text: str) -> str:
    """Why ``text`` is not a period, and what was probably meant (the rest of a ``bad_period`` message)."""
    first, last = DATE_YEARS
    years = [int(y) for y in _YEARS_IN.findall(text)]
    outside = next((y for y in years if not first <= y <= last), None)
    if outside is not None:
        return f"is in the year {outside}; periods run from {first} to {last}: check the year."
    if (match := _QUARTER_NUMBER.match(text)) and not 1 <= int(match.group(1)) <= 4:
        return "is not a period: a year has four quarters, Q1 to Q4."
    if (match := _MONTH_NUMBER.match(text)) and not 1 <= int(match.group(1)) <= 12:
        return "is not a period: a year has twelve months, 01 to 12."
    if match := _SPAN_DAYS.match(text):
        days = []
        for end in match.groups():
            try:
                days.append(dt.date.fromisoformat(end))
            except ValueError:
                return f"is not a period: {end} is not a day; write both ends as 2026-07-01."
        if days[1] < days[0]:
            swapped = f"{days[1].isoformat()}..{days[0].isoformat()}"
            return f'is not a period: the end comes before the start; did you mean "{swapped}"?'
    guess = suggest(text, _periods_near(text), cutoff=80)
    if guess:
        return f'is not a period; did you mean "{guess}"?'
    return f"is not a period; write {FORMS}."


def _periods_near(text: str) -> list[str]:
    """Every period of the years ``text`` names (2026, or FY27 as 2027), in each form: what a typo may mean."""
    years = {int(y) for y in _YEARS_IN.findall(text)}
    years |= {2000 + int(y) for y in _SHORT_FISCAL_YEAR.findall(text)}
    periods = []
    for year in sorted(years):
        periods += [f"{year}", f"FY{year}"]
        periods += [f"{year}-Q{q}" for q in range(1, 5)] + [f"FY{year}-Q{q}" for q in range(1, 5)]
        periods += [f"{year}-{m:02d}" for m in range(1, 13)]
    return periods


def _goal_metrics(found: _Collector, program: Program) -> None:
    """Each goal's metric must be one ``metrics`` computes (a key of ``HEADLINE``), spelled exactly so."""
    goals = program.goals
    for row, metric in zip(goals.index, goals[G.metric], strict=True):
        if metric is None or metric in HEADLINE:
            continue
        guess = suggest(as_text(metric), HEADLINE)
        hint = f'did you mean "{guess}"?' if guess else f"use one of: {', '.join(HEADLINE)}."
        found.add(
            schema.GOALS.name,
            row,
            G.metric,
            "unknown_metric",
            f"{_quote(metric)} is not a metric the kit computes; {hint}",
        )
