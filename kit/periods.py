"""Reporting periods, written the way people write them in the Goals tab and on the command line.

- ``2026-11``: a calendar month;
- ``2026-Q4``: a calendar quarter (October to December 2026);
- ``FY2027-Q1``: a fiscal quarter, and ``FY2027`` a fiscal year. **A fiscal year is named after the calendar
  year in which it ends.** With the Settings tab's ``fiscal_year_start_month`` = 2 (February), FY2027 runs
  from 1 February 2026 to 31 January 2027 and FY2027-Q1 is February to April 2026. With a start month of 1,
  fiscal years are calendar years (FY2027 = 2027);
- ``2026``: a calendar year;
- ``2026-07-01..2026-09-30``: any span of days, both ends included;
- keywords counted from the day the figures are as of (``--as-of``): ``this-month``, ``last-month``,
  ``this-quarter``, ``last-quarter``, ``this-year``, ``last-year`` and the fiscal ones, ``this-fiscal-quarter``,
  ``last-fiscal-quarter``, ``this-fiscal-year``, ``last-fiscal-year``. A keyword becomes the period it names
  (``last-quarter`` on 2026-12-01 is ``2026-Q3``, and is labelled so); the Goals tab, which has no such day,
  takes only the fixed forms.

A ``Period`` knows its first and last day (both inclusive), the period before it (the previous month,
quarter or year; for an explicit span, the span of the same length just before it) and how much of it has
elapsed on a given day, which is what "on track" is measured against. ``days_between`` counts the days
between dates the way every figure and check does.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.cells import DATE_YEARS
from kit.errors import InputError

MONTH, QUARTER, YEAR, FISCAL_QUARTER, FISCAL_YEAR, SPAN = (
    "month",
    "quarter",
    "year",
    "fiscal_quarter",
    "fiscal_year",
    "span",
)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_FISCAL = re.compile(r"^FY\s*(\d{4})(?:-?Q([1-4]))?$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")

FORMS = "2026-11, 2026-Q4, FY2027-Q1, FY2027, 2026 or 2026-07-01..2026-09-30"
# The keywords a command accepts beside FORMS, each counted from the day the figures are as of.
KEYWORDS = (
    "this-month",
    "last-month",
    "this-quarter",
    "last-quarter",
    "this-year",
    "last-year",
    "this-fiscal-quarter",
    "last-fiscal-quarter",
    "this-fiscal-year",
    "last-fiscal-year",
)
KEYWORD_FORMS = f"{FORMS.replace(' or ', ', ')}, or a keyword: {', '.join(KEYWORDS)}"
# The years a period or a day may fall in: the years the kit reads dates from (see kit/cells.py).
YEARS = f"{DATE_YEARS[0]} to {DATE_YEARS[1]}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_span(year: int, month: int, months: int) -> tuple[dt.date, dt.date]:
    """The first day of (year, month) and the last day of the ``months``-long span starting there."""
    end_year, end_month = _add_months(year, month, months)
    return dt.date(year, month, 1), dt.date(end_year, end_month, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A span of whole days, ``start`` and ``end`` both included, with the label it was written as."""

    start: dt.date
    end: dt.date
    kind: str
    label: str
    fiscal_year_start_month: int = 1

    def __str__(self) -> str:
        return self.label

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def noun(self) -> str:
        """'month', 'quarter', 'year' or 'period': for sentences such as 'closed $3.8M this quarter'."""
        return {
            MONTH: "month",
            QUARTER: "quarter",
            FISCAL_QUARTER: "quarter",
            YEAR: "year",
            FISCAL_YEAR: "year",
        }.get(self.kind, "period")

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def phrase(self, as_of: dt.date) -> str:
        """When, in a sentence: 'this quarter' only while the period runs on ``as_of``; 'in 2026-Q3' for one
        that is over (or not begun), and for a span of days, which has no name to say 'this' of."""
        return f"this {self.noun}" if self.noun != "period" and self.contains(as_of) else f"in {self.label}"

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def mask(self, dates: pd.Series, *, until: dt.date | None = None) -> pd.Series:
        """Which of ``dates`` (datetime64; NaT never counts) fall in the period, and not after ``until``."""
        last = min(self.end, until) if until else self.end
        return (dates >= pd.Timestamp(self.start)) & (dates <= pd.Timestamp(last))

    def share_elapsed(self, as_of: dt.date) -> float:
        """How much of the period has passed by the end of ``as_of``: 0 before it starts, 1 once it is over."""
        if as_of < self.start:
            return 0.0
        if as_of >= self.end:
            return 1.0
        return ((as_of - self.start).days + 1) / self.days

    def previous(self) -> Period:
        """The period just before: previous month, quarter or year; for a span, the same length before."""
        fy = self.fiscal_year_start_month
        if self.kind == MONTH:
            year, month = _add_months(self.start.year, self.start.month, -1)
            return month_period(year, month)
        if self.kind == QUARTER:
            year, month = _add_months(self.start.year, self.start.month, -3)
            return quarter_period(year, (month - 1) // 3 + 1)
        if self.kind == YEAR:
            return year_period(self.start.year - 1)
        if self.kind in (FISCAL_QUARTER, FISCAL_YEAR):
            fiscal_year, quarter = _fiscal_parts(self.label)
            if self.kind == FISCAL_YEAR:
                return fiscal_period(fiscal_year - 1, None, fy)
            if quarter == 1:
                return fiscal_period(fiscal_year - 1, 4, fy)
            return fiscal_period(fiscal_year, quarter - 1, fy)
        length = dt.timedelta(days=self.days)
        return span_period(self.start - length, self.end - length)

    def history(self, count: int) -> list[Period]:
        """The last ``count`` periods of this kind, oldest first, ending with this one."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods[::-1]


def month_period(year: int, month: int) -> Period:
    start, end = _month_span(year, month, 1)
    return Period(start, end, MONTH, f"{year:04d}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    start, end = _month_span(year, 3 * (quarter - 1) + 1, 3)
    return Period(start, end, QUARTER, f"{year:04d}-Q{quarter}")


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), YEAR, f"{year:04d}")


def fiscal_period(fiscal_year: int, quarter: int | None, start_month: int) -> Period:
    """FY``fiscal_year`` (or one of its quarters); the fiscal year ends in calendar year ``fiscal_year``."""
    first_year = fiscal_year - 1 if start_month > 1 else fiscal_year
    if quarter is None:
        start, end = _month_span(first_year, start_month, 12)
        return Period(start, end, FISCAL_YEAR, f"FY{fiscal_year}", start_month)
    year, month = _add_months(first_year, start_month, 3 * (quarter - 1))
    start, end = _month_span(year, month, 3)
    return Period(start, end, FISCAL_QUARTER, f"FY{fiscal_year}-Q{quarter}", start_month)


def span_period(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise InputError(f"period {start}..{end}: the end comes before the start")
    return Period(start, end, SPAN, f"{start.isoformat()}..{end.isoformat()}")


def _fiscal_parts(label: str) -> tuple[int, int | None]:
    match = _FISCAL.match(label)
    assert match is not None  # only called on labels this module wrote
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def _in_years(year: int) -> bool:
    return DATE_YEARS[0] <= year <= DATE_YEARS[1]


def parse_day(text: str, name: str) -> dt.date:
    """A day written YYYY-MM-DD in the years the kit reads dates from; raises InputError naming ``name``."""
    try:
        day = dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{name} {text!r}: not a date; use YYYY-MM-DD") from None
    if not _in_years(day.year):
        raise InputError(f"{name} {text!r}: use a day in the years {YEARS}")
    return day


def parse_period(text: str, *, fiscal_year_start_month: int = 1, as_of: dt.date | None = None) -> Period:
    """Read a period as people write it (see the module docstring); raises InputError naming the forms.

    ``as_of`` is the day keywords such as ``last-quarter`` count from; without it (the Goals tab) only the
    fixed forms are read. A period must lie in the years the kit reads dates from (1900 to 2199), as must the
    day it is measured on.
    """
    raw = "" if text is None else str(text).strip()
    keyword = re.sub(r"[\s_]+", "-", raw.lower())
    if keyword in KEYWORDS:
        if as_of is None:
            raise InputError(f"period {raw!r}: a keyword needs the day it counts from; write {FORMS}")
        period = keyword_period(keyword, as_of, fiscal_year_start_month)
    else:
        period = _parse_period(raw, fiscal_year_start_month, as_of is not None)
    if not (_in_years(period.start.year) and _in_years(period.end.year)):
        raise InputError(f"period {raw!r}: use a period in the years {YEARS}")
    return period


def keyword_period(keyword: str, as_of: dt.date, fiscal_year_start_month: int = 1) -> Period:
    """The period a keyword (``KEYWORDS``) names on ``as_of``: ``last-quarter`` on 2026-12-01 is 2026-Q3."""
    which, _, unit = keyword.partition("-")
    if unit == "month":
        period = current_month(as_of)
    elif unit == "quarter":
        period = current_quarter(as_of)
    elif unit == "year":
        period = year_period(as_of.year)
    else:
        period = current_fiscal(as_of, fiscal_year_start_month, quarter=unit == "fiscal-quarter")
    return period.previous() if which == "last" else period


def current_fiscal(as_of: dt.date, start_month: int, *, quarter: bool) -> Period:
    """The fiscal quarter (or year) ``as_of`` falls in; fiscal years are named after the year they end in."""
    if not 1 <= start_month <= 12:
        raise InputError(f"fiscal year start month {start_month} is not 1..12")
    fiscal_year = as_of.year + 1 if start_month > 1 and as_of.month >= start_month else as_of.year
    number = (as_of.month - start_month) % 12 // 3 + 1
    return fiscal_period(fiscal_year, number if quarter else None, start_month)


def _parse_period(raw: str, fiscal_year_start_month: int, keywords: bool = False) -> Period:
    # Years outside 1900..2199 are refused by the caller; a year such as 9999 must not reach dt.date first.
    years = [int(y) for y in re.findall(r"\d{4}", raw)]
    if years and not all(_in_years(y) for y in years):
        raise InputError(f"period {raw!r}: use a period in the years {YEARS}")
    try:
        if match := _MONTH.match(raw):
            year, month = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12:
                return month_period(year, month)
        elif match := _QUARTER.match(raw):
            return quarter_period(int(match.group(1)), int(match.group(2)))
        elif match := _FISCAL.match(raw):
            if not 1 <= fiscal_year_start_month <= 12:
                raise InputError(f"fiscal year start month {fiscal_year_start_month} is not 1..12")
            quarter = int(match.group(2)) if match.group(2) else None
            return fiscal_period(int(match.group(1)), quarter, fiscal_year_start_month)
        elif match := _YEAR.match(raw):
            return year_period(int(match.group(1)))
        elif match := _SPAN.match(raw):
            start, end = (dt.date.fromisoformat(match.group(i)) for i in (1, 2))
            return span_period(start, end)
    except ValueError:
        pass  # a date such as 2026-02-30: fall through to the message below
    raise InputError(f"period {raw!r}: not a period; write {KEYWORD_FORMS if keywords else FORMS}")


def current_quarter(as_of: dt.date) -> Period:
    """The calendar quarter ``as_of`` falls in: the reports' default period."""
    return quarter_period(as_of.year, (as_of.month - 1) // 3 + 1)


def current_month(as_of: dt.date) -> Period:
    return month_period(as_of.year, as_of.month)


def days_between(start: pd.Series | dt.date, end: pd.Series | dt.date) -> pd.Series:
    """Days from ``start`` to ``end`` (date columns, or one day for either), NaN where a date is missing.

    Counted in whole days: pandas subtracts in nanoseconds, which overflows for dates more than 292 years
    apart, and a year typed as 1734 must give a finding, not an error.
    """
    index = start.index if isinstance(start, pd.Series) else end.index
    return pd.Series((_days(end) - _days(start)) / np.timedelta64(1, "D"), index=index, dtype=float)


def _days(dates: pd.Series | dt.date) -> np.ndarray | np.datetime64:
    if isinstance(dates, pd.Series):
        return pd.to_datetime(dates, errors="coerce").to_numpy(dtype="datetime64[D]")
    return np.datetime64(dates, "D")
