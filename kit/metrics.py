"""The program's metrics, each defined once, in plain words here and in code below.

Every report, the ``advocacy-kit metrics`` command and the notebooks call ``compute``; nothing else counts.
All figures are for one period (see ``kit.periods``), up to and including the ``as_of`` day: anything dated
after ``as_of`` is ignored, as a typo or a plan.

**Definitions**

- **Active advocate**: a row of the Advocates tab whose status is *Active* now and who joined on or before
  the period's last day (or has no joining date). The roster keeps no history of statuses, so a past
  period's count uses today's statuses.
- **New advocate**: an advocate (any status but *Nominated*) whose ``joined_on`` falls in the period.
- **Stale profile**: an active advocate whose ``last_verified`` is missing or older than the Settings tab's
  ``stale_after_days`` on the period's last day.
- **Over cap / resting**: an active advocate whose uses this calendar quarter (``kit.usage``: activities
  plus open requests assigned to them) are above / at or above their cap; a resting advocate is not asked
  again before the next quarter.
- **Nomination received**: a Nominations row submitted in the period. **Acceptance rate**: of the
  nominations decided in the period, the share accepted.
- **Request received**: a Requests row requested in the period. **Fulfilled**: a request whose status is
  *Completed* and whose ``completed_on`` falls in the period (counted in the period it was fulfilled).
  **Declined**: requested in the period and now *Declined*. **Open**: in one of the open statuses (New,
  In Progress, Owner Approval, Advocate Asked, Scheduled) today. **Overdue**: open, with ``needed_by``
  before ``as_of``.
- **Days to fulfil**: from ``requested_on`` to ``completed_on``. **Within SLA**: fulfilled in no more days
  than the Settings tab's ``sla_days.<activity>`` (``sla_days.default`` for the others).
- **Closed opportunity**: ``is_closed`` or ``is_won`` is TRUE and ``close_date`` falls in the period.
  **Won**: ``is_won`` is TRUE.
- **Influenced opportunity**: a closed opportunity with at least one advocate activity linked to it, dated
  on or before its close date. An activity is linked through its own ``opportunity_id``, or through the
  request it answered (that request's ``opportunity_id``). A reference given after the deal closed did not
  influence it.
- **Revenue influenced**: the amount of the influenced opportunities that were won.
- **Win rate with / without references**: won ÷ closed, among the influenced / the other closed
  opportunities. **Lift**: how much more often influenced deals win (with ÷ without − 1): 0.31 means
  "won 31% more often".
- **Deal size** is the average amount of won deals; **sales cycle** the median days from ``created_on`` to
  ``close_date`` of closed deals.
- **Advocate activity**: an Activities row dated in the period.
- **Change from the previous period**: each headline figure beside the same figure for the period before
  (``Period.previous``). While the period is still running on ``as_of``, the previous one is measured *as of
  its comparable day*: its first day plus as many days as have passed in this one
  (``previous.start + (as_of − period.start)``), but no later than its last day. So on 20 November, 51 days
  into 2026-Q4, the comparison is with 1 July .. 20 August of 2026-Q3; on 30 March it is with all of
  February (the day would fall past 28 February); on 29 April with 1 .. 29 March. Every figure of the
  previous period is then computed as if that day were ``as_of``: counts and sums (new advocates,
  requests, activities, revenue…) cover the same number of days; shares, rates and medians are over the
  events of those days; active advocates is the level on that day, so its change is the growth over one
  period's length, as it is between two whole periods. Once the period is over, it is compared whole with
  the whole previous period; a period not yet begun, with the previous one up to ``as_of``. The trends
  always show whole periods (the running one up to ``as_of``).
- **Goal attainment**: actual ÷ target, where the actual is the goal's metric computed over the goal's
  own period and segment. A goal counting things over the period (new advocates, revenue…) is *on track*
  when the actual is at least the target times the share of the period elapsed; a goal on a level (active
  advocates) is on track only once the level is reached. A period that is over is *achieved* or *missed*.
- **Segment filter**: a segment (``industry=Insurance; product=Product A``) narrows each tab by the columns
  it has (a condition on a column a tab lacks does not narrow that tab); advocates' activities follow their
  advocate, and an opportunity's influence counts every advocate's activity.
- **Data quality**: a cell the validator marks as an *error* is ignored: the figures read it as blank. A
  row is left out of a figure only when a cell that figure needs is ignored; ``NEEDS`` declares, beside
  each figure, the cells it needs (the keys and the references that link tabs, the dates that place a row
  in a period, the amount for money, the status where a figure counts by status, ``is_closed``/``is_won``
  for win rates; an activity's ``request_id`` only when it names no opportunity of its own, the one case
  where it is the activity's link). So "Enterprize" in ``company_size`` costs that cell, not the advocate, while a won deal
  without a readable amount is left out of revenue influenced (and only of the figures needing an amount).
  The note says, per cell, how many rows each figure left out and why, and how many cells no figure reads
  were ignored; warnings are only reported.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import fold
from kit.periods import Period, current_quarter, days_between, parse_period
from kit.program import Program
from kit.segments import Segment

A, R, X, N, O, G = (
    t.col
    for t in (
        schema.ADVOCATES,
        schema.REQUESTS,
        schema.ACTIVITIES,
        schema.NOMINATIONS,
        schema.OPPORTUNITIES,
        schema.GOALS,
    )
)

# How a segment's condition on ``product``/``use_case`` reads the roster's multi-value columns.
ADVOCATE_ALIASES = {"product": A.products, "use_case": A.use_cases}
NOMINATION_ALIASES = {"product": N.products}

COUNT, SHARE, MONEY, DAYS = "count", "share", "money", "days"

TREND_PERIODS = 6
TOP = 10
STORIES = 5
RECENT_WIN_DAYS = 90
DUE_SOON_DAYS = 3

# The headline figures, in the order reports show them: key → (label, unit). Goal rows name these keys.
HEADLINE: dict[str, tuple[str, str]] = {
    "active_advocates": ("Active advocates", COUNT),
    "new_advocates": ("New advocates", COUNT),
    "nominations_received": ("Nominations received", COUNT),
    "requests_received": ("Requests received", COUNT),
    "requests_fulfilled": ("Requests fulfilled", COUNT),
    "median_days_to_fulfil": ("Median days to fulfil a request", DAYS),
    "within_sla_share": ("Requests fulfilled within SLA", SHARE),
    "activities": ("Advocate activities", COUNT),
    "opportunities_influenced": ("Opportunities influenced", COUNT),
    "influenced_share": ("Share of closed opportunities influenced", SHARE),
    "revenue_influenced": ("Revenue influenced (won)", MONEY),
    "win_rate_with": ("Win rate with advocates", SHARE),
    "win_rate_without": ("Win rate without advocates", SHARE),
    "win_rate_lift": ("Win-rate lift with advocates", SHARE),
}
_ADV, _REQ, _ACT, _NOM, _OPP = (
    t.name
    for t in (schema.ADVOCATES, schema.REQUESTS, schema.ACTIVITIES, schema.NOMINATIONS, schema.OPPORTUNITIES)
)
# The tabs a segment narrows by their own columns, each with how it reads a condition's column; Activities
# follow their advocates (see 'Segment filter' above).
SEGMENT_TABS: dict[str, Mapping[str, str]] = {
    _ADV: ADVOCATE_ALIASES,
    _REQ: {},
    _OPP: {},
    _NOM: NOMINATION_ALIASES,
}
# An opportunity's influence: the deal's id, close date and outcome, and the links from activities to it
# (their own opportunity_id, or the request they answered) with the activity's date.
_INFLUENCE: dict[str, tuple[str, ...]] = {
    _OPP: (O.opportunity_id, O.close_date, O.is_closed, O.is_won),
    _ACT: (X.date, X.opportunity_id, X.request_id),
    _REQ: (R.request_id, R.opportunity_id),
}
_FULFILLED = (R.request_id, R.status, R.requested_on, R.completed_on)
# The cells each headline figure needs, per tab: a row is left out of a figure exactly when one of these
# cells is unusable (the validator found an error in it). Any other error only blanks its own cell.
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "active_advocates": {_ADV: (A.advocate_id, A.status, A.joined_on)},
    "new_advocates": {_ADV: (A.advocate_id, A.status, A.joined_on)},
    "nominations_received": {_NOM: (N.nomination_id, N.submitted_on)},
    "requests_received": {_REQ: (R.request_id, R.requested_on)},
    "requests_fulfilled": {_REQ: (R.request_id, R.status, R.completed_on)},
    "median_days_to_fulfil": {_REQ: _FULFILLED},
    "within_sla_share": {_REQ: (*_FULFILLED, R.activity)},
    "activities": {_ACT: (X.activity_id, X.advocate_id, X.date)},
    "opportunities_influenced": _INFLUENCE,
    "influenced_share": _INFLUENCE,
    "revenue_influenced": {**_INFLUENCE, _OPP: (*_INFLUENCE[_OPP], O.amount)},
    "win_rate_with": _INFLUENCE,
    "win_rate_without": _INFLUENCE,
    "win_rate_lift": _INFLUENCE,
}
# A needed cell that matters only where another cell of its row is blank: an activity is linked through the
# request it answered only when it names no opportunity of its own (see the definitions), so a request_id that
# points nowhere leaves the activity out of the influence figures only then; elsewhere it is just ignored.
NEEDED_WHERE_BLANK: dict[tuple[str, str], str] = {(_ACT, X.request_id): X.opportunity_id}
# Goals on a level (not a sum over the period) are not pro-rated by the share of the period elapsed.
LEVEL_METRICS = {
    "active_advocates",
    "median_days_to_fulfil",
    "within_sla_share",
    "influenced_share",
    "win_rate_with",
    "win_rate_without",
    "win_rate_lift",
}
# Goal metrics where lower is better.
LOWER_IS_BETTER = {"median_days_to_fulfil", "win_rate_without"}

ACTIVITY_NOUNS = {
    "reference_call": ("reference call", "reference calls"),
    "case_study": ("case study", "case studies"),
    "speaking": ("speaking slot", "speaking slots"),
    "review": ("review", "reviews"),
    "media": ("media interview", "media interviews"),
    "analyst": ("analyst briefing", "analyst briefings"),
    "site_visit": ("site visit", "site visits"),
    "rfp": ("RFP reference", "RFP references"),
    "video": ("video", "videos"),
    "webinar": ("webinar", "webinars"),
    "social": ("social post", "social posts"),
    "advisory_board": ("advisory board session", "advisory board sessions"),
}


# ------------------------------------------------------------------------------------------------------------
# Result values


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


# ------------------------------------------------------------------------------------------------------------
# Building blocks: each definition of the module docstring, once.


def _true(series: pd.Series) -> pd.Series:
    """A boolean column with missing read as False."""
    return series.fillna(False).astype(bool)


def _day(value: dt.date) -> pd.Timestamp:
    return pd.Timestamp(value)


def active_mask(advocates: pd.DataFrame, on: dt.date) -> pd.Series:
    """Active now and joined on or before ``on`` (or joining date unknown)."""
    joined = advocates[A.joined_on]
    return (advocates[A.status] == "Active") & (joined.isna() | (joined <= _day(on)))


def new_mask(advocates: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    return period.mask(advocates[A.joined_on], until=as_of) & (advocates[A.status] != "Nominated")


def stale_mask(advocates: pd.DataFrame, on: dt.date, stale_after_days: int) -> pd.Series:
    """Profiles not confirmed with the advocate within ``stale_after_days`` of ``on`` (or never)."""
    verified = advocates[A.last_verified]
    return verified.isna() | (verified < _day(on) - pd.Timedelta(days=stale_after_days))


def activity_opportunity(activities: pd.DataFrame, requests: pd.DataFrame) -> pd.Series:
    """Each activity's opportunity: its own ``opportunity_id``, else that of the request it answered."""
    own = activities[X.opportunity_id]
    by_request = requests.dropna(subset=[R.request_id]).drop_duplicates(R.request_id)
    via = activities[X.request_id].map(by_request.set_index(R.request_id)[R.opportunity_id])
    return own.where(own.notna(), via)


def influenced_mask(
    opportunities: pd.DataFrame, activities: pd.DataFrame, requests: pd.DataFrame
) -> pd.Series:
    """Opportunities with an advocate activity linked to them, dated on or before their close date."""
    linked = pd.DataFrame(
        {"opp": activity_opportunity(activities, requests), "date": activities[X.date]}
    ).dropna()
    if linked.empty:
        return pd.Series(False, index=opportunities.index)
    first = linked.groupby("opp")["date"].min()
    first_touch = opportunities[O.opportunity_id].map(first)
    close = opportunities[O.close_date]
    return first_touch.notna() & (close.isna() | (first_touch <= close))


def closed_mask(opportunities: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    won = _true(opportunities[O.is_won])
    closed = _true(opportunities[O.is_closed]) | won
    return closed & period.mask(opportunities[O.close_date], until=as_of)


def segment_mask(
    segment: Segment, frame: pd.DataFrame, aliases: Mapping[str, str] | None = None
) -> pd.Series:
    """``Segment.mask``, deciding each distinct cell once (a column of 100,000 cells holds a few hundred)."""
    keep = np.ones(len(frame), dtype=bool)
    for column, value in segment.conditions:
        name = (aliases or {}).get(column, column)
        if name not in frame.columns:
            continue  # as Segment.mask: a condition on a column this tab lacks does not narrow it
        one = Segment(((name, value),))
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
        if len(uniques) == 0:
            keep[:] = False
            continue
        probe = pd.DataFrame({name: pd.Series(list(uniques), dtype=object)})
        hits = one.mask(probe).to_numpy(dtype=bool)
        keep &= np.where(codes >= 0, hits[np.maximum(codes, 0)], False)
    return pd.Series(keep, index=frame.index)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator, or None when there is nothing to divide by."""
    return float(numerator) / float(denominator) if denominator else None


def lift(with_rate: float | None, without_rate: float | None) -> float | None:
    """How much more often (relative) deals with advocates win: with ÷ without − 1."""
    if with_rate is None or not without_rate:
        return None
    return with_rate / without_rate - 1.0


def days_to_fulfil(requests: pd.DataFrame) -> pd.Series:
    return days_between(requests[R.requested_on], requests[R.completed_on])


def sla_days(requests: pd.DataFrame, settings: Any) -> pd.Series:
    """The SLA in days of each request's activity, from the Settings tab."""
    cache = {a: settings.sla_days(a) for a in schema.ACTIVITY_TYPES}
    return requests[R.activity].map(cache).fillna(settings.sla_days("default")).astype(int)


def fulfilled_mask(requests: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    return (requests[R.status] == "Completed") & period.mask(requests[R.completed_on], until=as_of)


def open_mask(requests: pd.DataFrame, as_of: dt.date) -> pd.Series:
    requested = requests[R.requested_on]
    return requests[R.status].isin(schema.OPEN_REQUEST_STATUSES) & (
        requested.isna() | (requested <= _day(as_of))
    )


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.median()) if len(values) else None


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


# ------------------------------------------------------------------------------------------------------------
# The data a computation sees: error cells blank, a segment applied, and per figure the rows it can use.


Unusable = Mapping[str, Mapping[str, np.ndarray]]  # tab → column → sheet rows whose cell is unusable


@dataclass
class _Data:
    """The program's tabs with every unusable cell blank, and each figure's view of them (``rows``).

    ``unusable`` is over the whole program (by sheet row), so a segment's data shares it with its parent.
    """

    tables: dict[str, pd.DataFrame]
    unusable: Unusable
    settings: Any
    names: pd.Series  # advocate_id → name, over the whole roster
    root: _Data | None = field(default=None, repr=False)

    _segments: dict[Segment, _Data] = field(default_factory=dict, repr=False)
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

    def segment(self, segment: Segment) -> _Data:
        """This data narrowed to ``segment`` (computed once per segment)."""
        if segment.is_everything:
            return self
        if segment not in self._segments:
            self._segments[segment] = self._narrow(segment)
        return self._segments[segment]

    def _narrow(self, segment: Segment) -> _Data:
        tables = {
            tab: self.tables[tab][segment_mask(segment, self.tables[tab], SEGMENT_TABS[tab])]
            for tab in SEGMENT_TABS
        }
        tables[_ACT] = self.activities[self.activities[X.advocate_id].isin(tables[_ADV][A.advocate_id])]
        return _Data(tables, self.unusable, self.settings, self.names, root=self.root or self)


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


def _prepare(program: Program, unusable: Unusable) -> _Data:
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
    return _Data(tables, unusable, program.settings, names.set_index(A.advocate_id)[A.name])


# ------------------------------------------------------------------------------------------------------------
# The headline figures for one period.


def _impact(d: _Data, period: Period, as_of: dt.date) -> dict[str, Any]:
    """Influence and win rates over the deals usable for them; money over those with a usable amount too."""
    opps = d.rows("opportunities_influenced", _OPP)
    influenced = d.influenced("opportunities_influenced")
    closed = closed_mask(opps, period, as_of)
    won = _true(opps[O.is_won])
    infl = influenced & closed
    other = closed & ~influenced
    cycle = days_between(opps[O.created_on], opps[O.close_date])
    priced = d.rows("revenue_influenced", _OPP)  # the deals with a usable amount too (usually the same)
    if priced is opps:
        priced_won, priced_influenced = closed & won, influenced
    else:
        priced_won = closed_mask(priced, period, as_of) & _true(priced[O.is_won])
        priced_influenced = d.influenced("revenue_influenced")

    def side(mask: pd.Series, priced_mask: pd.Series) -> dict[str, Any]:
        amounts = priced.loc[priced_mask & priced_won, O.amount]
        return {
            "closed": int(mask.sum()),
            "won": int((mask & won).sum()),
            "win_rate": ratio((mask & won).sum(), mask.sum()),
            "average_deal_size": _mean(amounts),
            "median_sales_cycle_days": _median(cycle[mask]),
            "won_amount": float(amounts.fillna(0).sum()),
        }

    with_, without = side(infl, priced_influenced), side(other, ~priced_influenced)
    return {
        "closed": int(closed.sum()),
        "influenced": int(infl.sum()),
        "influenced_share": ratio(infl.sum(), closed.sum()),
        "revenue_influenced": with_["won_amount"],
        "with_advocates": with_,
        "without_advocates": without,
        "win_rate_lift": lift(with_["win_rate"], without["win_rate"]),
    }


def _figures(d: _Data, period: Period, as_of: dt.date) -> dict[str, float | None]:
    """Every headline figure (keys of HEADLINE) for one period, each over the rows it can use (``NEEDS``)."""
    on = min(period.end, as_of)
    fulfilled = d.rows("requests_fulfilled", _REQ)
    timed = d.rows("median_days_to_fulfil", _REQ)
    timed = timed[fulfilled_mask(timed, period, as_of)]
    days = days_to_fulfil(timed)
    sla = d.rows("within_sla_share", _REQ)  # needs more cells: a subset of the rows timed
    sla = sla[fulfilled_mask(sla, period, as_of)]
    sla_days_taken = days if len(sla) == len(timed) else days.loc[sla.index]
    within = sla_days_taken <= sla_days(sla, d.settings)
    impact = _impact(d, period, as_of)
    return {
        "active_advocates": int(active_mask(d.rows("active_advocates", _ADV), on).sum()),
        "new_advocates": int(new_mask(d.rows("new_advocates", _ADV), period, as_of).sum()),
        "nominations_received": int(
            period.mask(d.rows("nominations_received", _NOM)[N.submitted_on], until=as_of).sum()
        ),
        "requests_received": int(
            period.mask(d.rows("requests_received", _REQ)[R.requested_on], until=as_of).sum()
        ),
        "requests_fulfilled": int(fulfilled_mask(fulfilled, period, as_of).sum()),
        "median_days_to_fulfil": _median(days),
        "within_sla_share": ratio(within[sla_days_taken.notna()].sum(), sla_days_taken.notna().sum()),
        "activities": int(period.mask(d.rows("activities", _ACT)[X.date], until=as_of).sum()),
        "opportunities_influenced": impact["influenced"],
        "influenced_share": impact["influenced_share"],
        "revenue_influenced": impact["revenue_influenced"],
        "win_rate_with": impact["with_advocates"]["win_rate"],
        "win_rate_without": impact["without_advocates"]["win_rate"],
        "win_rate_lift": impact["win_rate_lift"],
    }


def _comparable_day(period: Period, as_of: dt.date) -> dt.date:
    """The day the previous period is measured up to (see 'Change from the previous period')."""
    previous = period.previous()
    if as_of >= period.end:
        return previous.end
    if as_of < period.start:
        return min(previous.end, as_of)
    return min(previous.start + (as_of - period.start), previous.end)


def _change(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None:
        return None
    return value - previous


# ------------------------------------------------------------------------------------------------------------
# Sections


def _by(frame: pd.DataFrame, column: str, name: str = "count") -> pd.DataFrame:
    """Counts per value of ``column`` (exploding multi-value cells), most first; blank as '(blank)'."""
    values = frame[column]
    if values.map(lambda v: isinstance(v, tuple)).any():
        values = values.map(lambda v: v if isinstance(v, tuple) and v else ("(blank)",)).explode()
    counts = values.fillna("(blank)").value_counts()
    return counts.rename_axis(column).reset_index(name=name)


def _person(email: Any) -> str | None:
    """A colleague's name from their work e-mail ('dana.ortiz@x.com' → 'Dana Ortiz'): no address shown."""
    if not isinstance(email, str) or "@" not in email:
        return None
    local = email.split("@", 1)[0]
    return " ".join(
        part.capitalize() for part in local.replace("_", ".").replace("-", ".").split(".") if part
    )


def _roster(d: _Data, period: Period, as_of: dt.date, usage: pd.DataFrame) -> dict[str, Any]:
    on = min(period.end, as_of)
    active = d.rows("active_advocates", _ADV)
    active = active[active_mask(active, on)]
    stale = stale_mask(active, on, d.settings.stale_after_days)
    # Over cap: this quarter's uses (kit.usage) above the advocate's cap; resting: at or over it (kit.health's
    # rule: no more asks until the next quarter).
    over = pd.DataFrame(columns=["advocate_id", "name", "company", "uses", "cap"])
    resting = 0
    if len(usage) and "uses" in usage:
        mine = usage.reindex(active[A.advocate_id].dropna().unique()).dropna(subset=["uses"])
        resting = int((mine["uses"] >= mine["cap"]).sum())
        mine = mine[mine["uses"] > mine["cap"]].sort_values("uses", ascending=False, kind="stable")
        companies = d.advocates.drop_duplicates(A.advocate_id).set_index(A.advocate_id)[A.company]
        over = pd.DataFrame(
            {
                "advocate_id": mine.index,
                "name": mine.index.map(d.names),
                "company": mine.index.map(companies),
                "uses": mine["uses"].to_numpy(dtype=int),
                "cap": mine["cap"].to_numpy(dtype=int),
            }
        )
    new = d.rows("new_advocates", _ADV)
    new = new[new_mask(new, period, as_of)]
    breakdowns = {
        column: _by(active, column, "advocates")
        for column in (A.industry, A.products, A.region, A.company_size, A.persona)
    }
    return {
        "active": len(active),
        "new": len(new),
        "stale": int(stale.sum()),
        "stale_share": ratio(stale.sum(), len(active)),
        "over_cap": len(over),
        "over_cap_advocates": over.head(TOP).reset_index(drop=True),
        "resting": resting,
        "by_status": _by(d.advocates, A.status, "advocates"),
        "active_by": breakdowns,
        "new_by_industry": _by(new, A.industry, "advocates"),
        # The Settings behind "stale" and "over cap", for the sentences that explain them.
        "stale_after_days": d.settings.stale_after_days,
        "default_cap": d.settings.default_max_per_quarter,
    }


def _segment_phrase(segment: Segment) -> str:
    """'Insurance advocates using Product A in APAC': how a segment reads in a sentence."""
    parts = dict(segment.conditions)
    head = " ".join(v for c, v in segment.conditions if c == "industry")
    text = f"{head} advocates".strip()
    if "product" in parts:
        text += f" using {parts['product']}"
    if "region" in parts:
        text += f" in {parts['region']}"
    rest = [
        f"{c.replace('_', ' ')} {v}"
        for c, v in segment.conditions
        if c not in ("industry", "product", "region")
    ]
    return text + (f" ({', '.join(rest)})" if rest else "")


def _goal_segment(text: Any) -> Segment | None:
    try:
        return Segment.parse(text)
    except Exception:  # an unreadable segment in the Goals tab: that goal is reported, not evaluated
        return None


def _coverage(d: _Data, goals: pd.DataFrame, period: Period, as_of: dt.date) -> pd.DataFrame:
    """Each strategic segment: active and new advocates, requests asking for it, its goal and the gap."""
    on = min(period.end, as_of)
    rows = []
    goal_rows = goals[goals["metric"] == "active_advocates"] if len(goals) else goals
    for segment in d.settings.strategic_segments:
        sub = d.segment(segment)
        target = None
        for _, goal in goal_rows.iterrows():
            seg = _goal_segment(goal["segment"])
            if seg is not None and seg == segment and not pd.isna(goal["target"]):
                target = goal["target"]
        active = int(active_mask(sub.rows("active_advocates", _ADV), on).sum())
        rows.append(
            {
                "segment": str(segment),
                "label": segment.label,
                "phrase": _segment_phrase(segment),
                "active_advocates": active,
                "new_advocates": int(new_mask(sub.rows("new_advocates", _ADV), period, as_of).sum()),
                "requests": int(
                    period.mask(sub.rows("requests_received", _REQ)[R.requested_on], until=as_of).sum()
                ),
                "target": target,
                "gap": max(0, math.ceil(target - active)) if target is not None else None,
            }
        )
    columns = ["segment", "label", "phrase", "active_advocates", "new_advocates", "requests", "target", "gap"]
    return pd.DataFrame(rows, columns=columns)


def under_covered(coverage: pd.DataFrame) -> pd.DataFrame:
    """The strategic segments short of their advocate goal, biggest gap first."""
    gap = pd.to_numeric(coverage["gap"], errors="coerce").fillna(0)
    return coverage[gap > 0].sort_values("gap", ascending=False, kind="stable")


def _pipeline(d: _Data, period: Period, as_of: dt.date) -> dict[str, Any]:
    noms = d.nominations
    usable = d.rows("nominations_received", _NOM)
    received = usable[period.mask(usable[N.submitted_on], until=as_of)]
    decided_mask = period.mask(noms[N.decided_on], until=as_of) & noms[N.status].isin(
        ("Accepted", "Declined")
    )
    decided = noms[decided_mask]
    accepted = int((decided[N.status] == "Accepted").sum())
    days = days_between(decided[N.submitted_on], decided[N.decided_on])
    nominators = received[N.nominator_email].map(_person).dropna()
    return {
        "received": len(received),
        "decided": len(decided),
        "accepted": accepted,
        "declined": len(decided) - accepted,
        "acceptance_rate": ratio(accepted, len(decided)),
        "median_days_to_decision": _median(days),
        "awaiting_decision": int((noms[N.status] == "New").sum()),
        "by_team": _by(received, N.team, "nominations"),
        "by_nominator": nominators.value_counts()
        .head(TOP)
        .rename_axis("nominator")
        .reset_index(name="nominations"),
    }


def _service(d: _Data, period: Period, as_of: dt.date, gaps: pd.DataFrame | None) -> dict[str, Any]:
    requests = d.requests
    usable = d.rows("requests_received", _REQ)
    received = usable[period.mask(usable[R.requested_on], until=as_of)]
    usable = d.rows("requests_fulfilled", _REQ)
    fulfilled = usable[fulfilled_mask(usable, period, as_of)]
    usable = d.rows("median_days_to_fulfil", _REQ)
    days_median = days_to_fulfil(usable[fulfilled_mask(usable, period, as_of)])
    usable = d.rows("within_sla_share", _REQ)
    timed = usable[fulfilled_mask(usable, period, as_of)]
    days = days_median if len(timed) == len(days_median) else days_median.loc[timed.index]
    sla = sla_days(timed, d.settings)
    per_activity = (
        pd.DataFrame({"activity": timed[R.activity], "within": days <= sla, "sla_days": sla})
        .groupby("activity", dropna=True)
        .agg(fulfilled=("within", "size"), within_sla=("within", "sum"), sla_days=("sla_days", "first"))
        .reset_index()
    )
    per_activity["within_sla_share"] = per_activity["within_sla"] / per_activity["fulfilled"]
    open_ = requests[open_mask(requests, as_of)]
    overdue = open_[open_[R.needed_by] < _day(as_of)]
    by_team_activity = (
        received.groupby([R.team, R.activity])
        .size()
        .rename("requests")
        .reset_index()
        .sort_values("requests", ascending=False)
        if len(received)
        else pd.DataFrame(columns=[R.team, R.activity, "requests"])
    )
    unserved = gaps if gaps is not None else pd.DataFrame()
    return {
        "received": len(received),
        "fulfilled": len(fulfilled),
        "declined": int((received[R.status] == "Declined").sum()),
        "cancelled": int((received[R.status] == "Cancelled").sum()),
        "open": len(open_),
        "overdue": len(overdue),
        "median_days_to_fulfil": _median(days_median),
        "within_sla_share": ratio((days <= sla)[days.notna()].sum(), days.notna().sum()),
        "by_team": _by(received, R.team, "requests"),
        "by_activity": _by(received, R.activity, "requests"),
        "by_team_activity": by_team_activity,
        "sla_by_activity": per_activity,
        "teams_without_requests": [t for t in schema.TEAMS if t not in set(received[R.team].dropna())],
        "unserved": len(unserved),
        "unserved_by_segment": (
            unserved.groupby("segment")
            .size()
            .rename("requests")
            .reset_index()
            .sort_values("requests", ascending=False)
            if len(unserved) and "segment" in unserved
            else pd.DataFrame(columns=["segment", "requests"])
        ),
    }


def _activity(d: _Data, period: Period, as_of: dt.date) -> dict[str, Any]:
    usable = d.rows("activities", _ACT)
    acts = usable[period.mask(usable[X.date], until=as_of)]
    on = min(period.end, as_of)
    active = d.rows("active_advocates", _ADV)
    active = active[active_mask(active, on)]
    used = acts[X.advocate_id].value_counts()
    per_advocate = pd.DataFrame(
        {
            "advocate_id": active[A.advocate_id],
            "name": active[A.name],
            "company": active[A.company],
            "activities": active[A.advocate_id].map(used).fillna(0).astype(int),
        }
    )
    # Asked = every request that named the advocate (all time, up to as_of); declined = those now Declined.
    asked_requests = d.requests[
        d.requests[R.advocate_id].notna() & (d.requests[R.requested_on] <= _day(as_of))
    ]
    asked = (
        asked_requests.assign(_declined=(asked_requests[R.status] == "Declined").astype(int))
        .groupby(R.advocate_id)
        .agg(asked=(R.request_id, "size"), declined=("_declined", "sum"), last_asked=(R.requested_on, "max"))
    )
    per_advocate = per_advocate.join(asked, on="advocate_id")
    per_advocate["asked"] = pd.to_numeric(per_advocate["asked"]).fillna(0).astype(int)
    per_advocate["declined"] = pd.to_numeric(per_advocate["declined"]).fillna(0).astype(int)
    per_advocate["acceptance_rate"] = np.where(
        per_advocate["asked"] > 0,
        1 - per_advocate["declined"] / per_advocate["asked"].where(per_advocate["asked"] > 0, 1),
        np.nan,
    )
    ever = set(d.activities[X.advocate_id].dropna())
    never = per_advocate[(per_advocate["asked"] == 0) & ~per_advocate["advocate_id"].isin(ever)]
    ordered = per_advocate.sort_values(["activities", "name"], ascending=[False, True], kind="stable")
    least = per_advocate.sort_values(["activities", "last_asked", "name"], na_position="first", kind="stable")
    return {
        "total": len(acts),
        "by_type": _by(acts, X.activity, "activities"),
        "most_used": ordered.head(TOP).reset_index(drop=True),
        "least_used": least.head(TOP).reset_index(drop=True),
        "never_asked": len(never),
        "never_asked_examples": never.sort_values("name")
        .head(TOP)[["advocate_id", "name", "company"]]
        .reset_index(drop=True),
        "per_advocate": per_advocate.reset_index(drop=True),
    }


def _activity_phrase(counts: Mapping[str, int]) -> str:
    """{'reference_call': 2, 'site_visit': 1} → '2 reference calls and a site visit'."""
    parts = []
    for activity, count in counts.items():
        one, many = ACTIVITY_NOUNS.get(
            activity, (activity.replace("_", " "), activity.replace("_", " ") + "s")
        )
        parts.append(
            f"{'an' if one[0] in 'aeiouAEIOU' or one.startswith('RFP') else 'a'} {one}"
            if count == 1
            else f"{count} {many}"
        )
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def format_value(value: float | None, unit: str) -> str:
    """A figure as a report shows it: 1,234 · 42% · $3.8M · 4.5 days · '–' when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == SHARE:
        return f"{value:.0%}"
    if unit == MONEY:
        return money(value)
    if unit == DAYS:
        return f"{value:.1f} days" if value != int(value) else f"{int(value)} days"
    return f"{value:,.0f}"


def format_change(change: float | None, unit: str) -> str:
    """A change from last period: +12 · +5 pts · +$1.2M · −0.5 days · '–'."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–"
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    size = abs(change)
    if unit == SHARE:
        return f"{sign}{size * 100:.0f} pts"
    if unit == MONEY:
        return f"{sign}{money(size)}"
    if unit == DAYS:
        return f"{sign}{size:.1f} days"
    return f"{sign}{size:,.0f}"


def money(amount: float) -> str:
    """$3.8M, $250K, $900."""
    if abs(amount) >= 1e6:
        return f"${amount / 1e6:.1f}M"
    if abs(amount) >= 1e3:
        return f"${amount / 1e3:.0f}K"
    return f"${amount:,.0f}"


def _period_phrase(period: Period) -> str:
    return f"this {period.noun}" if period.noun != "period" else f"in {period.label}"


def _stories(d: _Data, period: Period, as_of: dt.date) -> tuple[dict[str, Any], ...]:
    """The biggest won deals advocates influenced in the period, each with a ready-made sentence."""
    opps = d.rows("revenue_influenced", _OPP)
    influenced = d.influenced("revenue_influenced")
    wins = opps[closed_mask(opps, period, as_of) & influenced & _true(opps[O.is_won])]
    if wins.empty:
        return ()
    wins = wins.sort_values(O.amount, ascending=False, na_position="last", kind="stable").head(STORIES)
    linking = d.rows("revenue_influenced", _ACT)
    acts = linking.assign(_opp=activity_opportunity(linking, d.rows("revenue_influenced", _REQ)))
    acts = acts[acts["_opp"].isin(wins[O.opportunity_id])]
    stories = []
    for _, opp in wins.iterrows():
        mine = acts[(acts["_opp"] == opp[O.opportunity_id]) & (acts[X.date] <= opp[O.close_date])]
        mine = mine.sort_values(X.date, kind="stable")
        counts = (
            mine[X.activity].value_counts(sort=False).reindex(pd.unique(mine[X.activity].dropna())).to_dict()
        )
        names = [str(d.names.get(a, a)) for a in pd.unique(mine[X.advocate_id].dropna())]
        rep = opp[O.owner] or "The account team"
        amount = opp[O.amount]
        amount_text = money(amount) if amount is not None and not pd.isna(amount) else "a deal"
        phrase = _activity_phrase({k: int(v) for k, v in counts.items()})
        sentence = f"{rep} closed {amount_text} at {opp[O.account]} {_period_phrase(period)}"
        sentence += f" with {phrase}." if phrase else "."
        stories.append(
            {
                "opportunity_id": opp[O.opportunity_id],
                "rep": opp[O.owner],
                "account": opp[O.account],
                "amount": None if pd.isna(amount) else float(amount),
                "close_date": opp[O.close_date],
                "advocates_used": names,
                "activities": {k: int(v) for k, v in counts.items()},
                "sentence": sentence,
            }
        )
    return tuple(stories)


def _stakeholders(d: _Data, period: Period, as_of: dt.date) -> pd.DataFrame:
    """Colleagues who fed the program in the period (requests made, nominations made), best per team first."""
    requests = d.rows("requests_received", _REQ)
    requests = requests[period.mask(requests[R.requested_on], until=as_of)]
    noms = d.rows("nominations_received", _NOM)
    noms = noms[period.mask(noms[N.submitted_on], until=as_of)]
    parts = [
        pd.DataFrame(
            {
                "team": requests[R.team],
                "person": requests[R.requester_email].map(_person),
                "requests": 1,
                "nominations": 0,
            }
        ),
        pd.DataFrame(
            {
                "team": noms[N.team],
                "person": noms[N.nominator_email].map(_person),
                "requests": 0,
                "nominations": 1,
            }
        ),
    ]
    parts = [p.dropna(subset=["person"]) for p in parts]
    parts = [p for p in parts if len(p)]
    frame = pd.concat(parts) if parts else pd.DataFrame()
    columns = ["team", "person", "requests", "nominations", "total"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["team"] = frame["team"].fillna("(no team)")
    table = frame.groupby(["team", "person"]).sum().reset_index()
    table["total"] = table["requests"] + table["nominations"]
    table = table.sort_values(["total", "team", "person"], ascending=[False, True, True], kind="stable")
    return table.groupby("team", sort=False).head(1).head(TOP).reset_index(drop=True)[columns]


def _recruiting(d: _Data, coverage: pd.DataFrame, as_of: dt.date) -> dict[str, Any]:
    """Leads: recent wins in under-covered strategic segments with no advocate yet; requests due soon unserved."""
    opps = d.opportunities
    recent = _true(opps[O.is_won]) & opps[O.close_date].between(
        _day(as_of) - pd.Timedelta(days=RECENT_WIN_DAYS), _day(as_of)
    )
    leads = []
    short = under_covered(coverage)
    wins_by_segment = [
        (row["segment"], opps[recent & segment_mask(Segment.parse(row["segment"]), opps)])
        for _, row in short.iterrows()
    ]
    companies: set[str] = set()
    if any(len(wins) for _, wins in wins_by_segment):
        # Each distinct company folded once, and only when there is a win to check: fold is slow, and 50,000
        # advocates work at far fewer companies (the demo: 16,666).
        companies = {fold(c) for c in d.advocates[A.company].dropna().unique()}
    for segment, wins in wins_by_segment:
        for _, opp in wins.iterrows():
            if fold(str(opp[O.account])) not in companies:
                leads.append(
                    {
                        "segment": segment,
                        "account": opp[O.account],
                        "rep": opp[O.owner],
                        "amount": opp[O.amount],
                        "close_date": opp[O.close_date],
                    }
                )
    requests = d.requests
    due = requests[
        open_mask(requests, as_of)
        & requests[R.advocate_id].isna()
        & requests[R.needed_by].between(_day(as_of), _day(as_of) + pd.Timedelta(days=DUE_SOON_DAYS))
    ]
    due_soon = pd.DataFrame(
        {
            "request_id": due[R.request_id],
            "team": due[R.team],
            "activity": due[R.activity],
            "needed_by": due[R.needed_by],
            "prospect_company": due[R.prospect_company],
        }
    ).sort_values("needed_by", kind="stable")
    lead_columns = ["segment", "account", "rep", "amount", "close_date"]
    return {
        "won_accounts_without_advocate": pd.DataFrame(leads, columns=lead_columns)
        .sort_values("amount", ascending=False, kind="stable")
        .head(TOP * 2)
        .reset_index(drop=True),
        "due_soon_unassigned": due_soon.reset_index(drop=True),
    }


def _evaluate_goals(
    program_data: _Data,
    goals: pd.DataFrame,
    period: Period,
    as_of: dt.date,
    segment: Segment,
    fiscal_start: int,
    figures: Callable,
) -> pd.DataFrame:
    columns = [
        "goal_id", "period", "metric", "segment", "owner", "target", "actual", "attainment",
        "elapsed", "expected", "status", "note",
    ]  # fmt: skip
    rows = []
    for _, goal in goals.iterrows():
        row = {
            "goal_id": goal[G.goal_id],
            "period": goal[G.period],
            "metric": goal[G.metric],
            "segment": goal[G.segment] or "",
            "owner": goal[G.owner],
            "target": None if pd.isna(goal[G.target]) else goal[G.target],
            "actual": None,
            "attainment": None,
            "elapsed": None,
            "expected": None,
            "status": "not evaluated",
            "note": "",
        }
        try:
            goal_period = parse_period(goal[G.period], fiscal_year_start_month=fiscal_start)
        except Exception:
            goal_period = None
        goal_segment = _goal_segment(goal[G.segment])
        if goal_period is None:
            row["note"] = f"period {goal[G.period]!r} is not a period"
        elif not goal_period.overlaps(period):
            continue
        elif goal_segment is None:
            row["note"] = f"segment {goal[G.segment]!r} is not column=value pairs"
        elif not segment.is_everything and goal_segment != segment:
            continue
        elif goal[G.metric] not in HEADLINE:
            row["note"] = f"metric {goal[G.metric]!r} is not one the kit computes ({', '.join(HEADLINE)})"
        elif goal[G.target] is None or pd.isna(goal[G.target]):
            row["note"] = "no target"
        else:
            metric = goal[G.metric]
            actual = figures(goal_segment, goal_period)[metric]
            target = float(goal[G.target])
            elapsed = goal_period.share_elapsed(as_of)
            row.update(_goal_status(metric, actual, target, elapsed))
            row["period"] = goal_period.label
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _goal_status(metric: str, actual: float | None, target: float, elapsed: float) -> dict[str, Any]:
    """Attainment and on-track status of one goal (see 'Goal attainment' in the module docstring)."""
    lower = metric in LOWER_IS_BETTER
    level = metric in LEVEL_METRICS
    attainment = (
        None if actual is None or not target else (target / actual if lower and actual else actual / target)
    )
    expected = target if (level or lower) else target * elapsed
    if actual is None:
        status = "no data"
    elif (actual <= target) if lower else (actual >= target):
        status = "achieved"
    elif elapsed >= 1.0:
        status = "missed"
    elif not level and not lower and actual >= expected:
        status = "on track"
    else:
        status = "behind"
    return {
        "actual": actual,
        "attainment": attainment,
        "elapsed": elapsed,
        "expected": expected,
        "status": status,
    }


# ------------------------------------------------------------------------------------------------------------
# Data quality: the validator's findings, when the validator is there.


def _findings(program: Program, as_of: dt.date) -> pd.DataFrame | None:
    try:
        from kit.validate import validate
    except ImportError:  # the validator is optional for metrics: without it, no cell is ignored
        return None
    return validate(program, as_of=as_of)


# A goal with one of these cells unusable is not evaluated (its row says why); an unusable goal_id is not.
GOAL_NEEDS = (G.period, G.metric, G.segment, G.target)
# How the note names a tab's rows: (one, many).
ROW_NOUNS: dict[str, tuple[str, str]] = {
    _ADV: ("advocate", "advocates"),
    _REQ: ("request", "requests"),
    _ACT: ("activity", "activities"),
    _NOM: ("nomination", "nominations"),
    _OPP: ("opportunity", "opportunities"),
    schema.GOALS.name: ("goal", "goals"),
    schema.SETTINGS.name: ("setting", "settings"),
}
EXCLUDED_COLUMNS = ("tab", "column", "rows_excluded", "rows", "figures", "why", "example")
IGNORED_COLUMNS = ("tab", "column", "cells", "rows", "example")


def affected_figures(tab: str, column: str) -> tuple[str, ...]:
    """The headline figures (keys of HEADLINE) that leave a row out when its ``column`` of ``tab`` is unusable."""
    return tuple(key for key, needs in NEEDS.items() if column and column in needs.get(tab, ()))


def figure_names(keys: Iterable[str]) -> str:
    """'revenue influenced (won)', 'active advocates and new advocates': figures as the note names them."""
    names = [HEADLINE[k][0][:1].lower() + HEADLINE[k][0][1:] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def _rows_text(rows: np.ndarray) -> str:
    return ", ".join(str(n) for n in rows[:20]) + (" …" if len(rows) > 20 else "")


def _example(errors: pd.DataFrame | None, rows: np.ndarray) -> str:
    """The message of the first of ``errors`` on one of ``rows`` ('' when none)."""
    theirs = errors[errors["row"].isin(rows)] if errors is not None else None
    return str(theirs["message"].iloc[0]) if theirs is not None and len(theirs) else ""


def _count_rows(arrays: list[tuple[str, list[np.ndarray]]]) -> int:
    """How many distinct (tab, sheet row) pairs ``(tab, [rows, …])`` hold."""
    by_tab: dict[str, list[np.ndarray]] = {}
    for tab, rows in arrays:
        by_tab.setdefault(tab, []).extend(rows)
    return sum(len(np.unique(np.concatenate(rows))) for rows in by_tab.values() if rows)


def _data_quality(program: Program, findings: pd.DataFrame | None, data: _Data) -> dict[str, Any]:
    """What the validator's errors cost: per unusable cell kind, the rows each figure left out; the rest
    of the ignored cells, which no figure needed (see 'Data quality' in the definitions)."""
    excluded, ignored = [], []
    # per figure, per tab, the arrays of sheet rows it left out (counted once each at the end, with numpy)
    left_out: dict[str, dict[str, list[np.ndarray]]] = {key: {} for key in HEADLINE}
    errors = findings[findings["severity"] == "error"] if findings is not None and len(findings) else None
    goals_not_evaluated: set[int] = set()
    for tab, columns in data.unusable.items():
        if tab == schema.SETTINGS.name:
            continue  # a setting the kit cannot use is replaced by its default, which its finding names
        if tab == schema.GOALS.name:  # a goal is not evaluated, and its row in the goal tracking says why
            for column in GOAL_NEEDS:
                goals_not_evaluated.update(int(r) for r in columns.get(column, ()))
            continue
        one, many = ROW_NOUNS.get(tab, ("row", "rows"))
        for column, cells in columns.items():
            figures = affected_figures(tab, column)
            mine = (
                errors[(errors["table"] == tab) & (errors["column"] == column)]
                if errors is not None
                else None
            )

            # the cells that cost their row a figure; the others are ignored without leaving it out
            rows = data.needed_rows(tab, column) if figures else cells[:0]
            rest = np.setdiff1d(cells, rows) if len(rows) else cells
            if len(rest):
                ignored.append(
                    {
                        "tab": tab,
                        "column": column,
                        "cells": len(rest),
                        "rows": _rows_text(rest),
                        "example": _example(mine, rest),
                    }
                )
            if not len(rows):
                continue
            for key in figures:
                left_out[key].setdefault(tab, []).append(rows)
            noun = one if len(rows) == 1 else many
            verb = "is" if len(rows) == 1 else "are"
            why = (
                f"{len(rows):,} {noun} without a usable {column.replace('_', ' ')} {verb} left out of "
                f"{figure_names(figures)}"
            )
            excluded.append(
                {
                    "tab": tab,
                    "column": column,
                    "rows_excluded": len(rows),
                    "rows": _rows_text(rows),
                    "figures": ", ".join(figures),
                    "why": why,
                    "example": _example(mine, rows),
                }
            )
    error_count = len(errors) if errors is not None else 0
    warnings = int((findings["severity"] == "warning").sum()) if findings is not None and len(findings) else 0
    skipped = [s for s in program.skipped if s.reason != "blank_row"]
    total = _count_rows([arrays for tabs in left_out.values() for arrays in tabs.items()])
    ignored_cells = sum(r["cells"] for r in ignored)
    if findings is None:
        note = "The workbook was not validated (the validator is not installed)."
    elif not error_count and not warnings:
        note = "No data problems found."
    else:
        parts = [r["why"] for r in excluded]
        if goals_not_evaluated:
            count = len(goals_not_evaluated)
            parts.append(
                f"{count:,} goal{'s' if count != 1 else ''} cannot be evaluated (the goal tracking says why)"
            )
        if ignored_cells:
            # a count only: the goal-tracking report lists them (data_health), the executive update does not
            parts.append(
                f"{ignored_cells:,} cell(s) with errors that no figure needs were ignored (read as blank)"
            )
        if error_count and not excluded:
            parts.append("no figure had to leave a row out")
        if warnings:
            parts.append(f"{warnings:,} warning(s) do not change the figures")
        note = "; ".join(parts) + ". Run `advocacy-kit validate` for the list."
        note = note[:1].upper() + note[1:]
    return {
        "validated": findings is not None,
        "errors": error_count,
        "warnings": warnings,
        "rows_excluded": total,
        "left_out": {key: _count_rows(list(tabs.items())) for key, tabs in left_out.items()},
        "excluded": pd.DataFrame(excluded, columns=list(EXCLUDED_COLUMNS)),
        "cells_ignored": ignored_cells,
        "goals_not_evaluated": len(goals_not_evaluated),
        "ignored": pd.DataFrame(ignored, columns=list(IGNORED_COLUMNS)),
        "repeated_headers_skipped": len(skipped),
        "note": note,
    }


def _health(program: Program, findings: pd.DataFrame | None, as_of: dt.date) -> dict[str, Any]:
    """kit.health's per-tab scores and work-list sizes, when the validator is there."""
    if findings is None:
        return {}
    from kit.health import health

    report = health(program, findings, as_of=as_of)
    return {
        "scores": report.scores,
        "profiles_to_reverify": len(report.reverify),
        "advocates_resting": len(report.resting),
        "nominations_waiting": len(report.waiting_nominations),
    }


def _usage(program: Program, as_of: dt.date) -> pd.DataFrame:
    try:
        from kit.usage import quarter_usage
    except ImportError:
        return pd.DataFrame()
    return quarter_usage(program, as_of)


def _gaps(program: Program, as_of: dt.date) -> pd.DataFrame | None:
    try:
        from kit.match import recruiting_gaps
    except ImportError:
        return None
    return recruiting_gaps(program, as_of=as_of)


# ------------------------------------------------------------------------------------------------------------
# The entry point


def resolve_period(program: Program, period: str | Period | None, as_of: dt.date) -> Period:
    """A period from text (fiscal forms use the program's fiscal year), or the current calendar quarter."""
    if period is None or (isinstance(period, str) and not period.strip()):
        return current_quarter(as_of)
    if isinstance(period, Period):
        return period
    return parse_period(period, fiscal_year_start_month=program.settings.fiscal_year_start_month)


def compute(
    program: Program,
    *,
    period: str | Period | None = None,
    segment: str | Segment | None = None,
    as_of: dt.date,
) -> ProgramMetrics:
    """Every figure of the reports for ``period`` (default: the calendar quarter of ``as_of``).

    Pure: reads only ``program``. Cells the validator marks as errors are ignored, and a figure leaves out
    the rows whose cells it needs (``NEEDS``) are ignored; ``data_quality`` counts both. Raises InputError
    for an unreadable period or segment.
    """
    period = resolve_period(program, period, as_of)
    segment = segment if isinstance(segment, Segment) else Segment.parse(segment)
    warnings = segment_warnings(program, segment)
    findings = _findings(program, as_of)
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
    headline = tuple(
        Headline(key, label, now[key], before[key], _change(now[key], before[key]), unit)
        for key, (label, unit) in HEADLINE.items()
    )
    trends = pd.DataFrame(
        [{"period": p.label, **figures(segment, p)} for p in history], columns=["period", *HEADLINE]
    )
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
    if gaps is not None and not segment.is_everything and len(gaps):
        gaps = gaps[gaps[R.request_id].isin(data.requests[R.request_id])]
    usage = _usage(program, as_of)
    tables = (data.advocates, data.requests, data.activities, data.opportunities, data.nominations)
    period_tables = (
        (data.advocates, A.joined_on),
        (data.requests, R.requested_on),
        (data.activities, X.date),
        (data.opportunities, O.close_date),
        (data.nominations, N.submitted_on),
    )
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
        impact=_impact(data, period, as_of),
        activity=_activity(data, period, as_of),
        recruiting=_recruiting(data, coverage, as_of),
        stakeholders=_stakeholders(data, period, as_of),
        success_stories=_stories(data, period, as_of),
        trends=trends,
        data_quality={
            **_data_quality(program, findings, everything),
            "health": _health(program, findings, as_of),
        },
        usage=usage,
        warnings=tuple(warnings),
    )


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


# ------------------------------------------------------------------------------------------------------------
# The executive's draft message


def draft_message(m: ProgramMetrics) -> str:
    """A ready-to-edit note from the executive to the company, written from the figures only."""
    when = _period_phrase(m.period)
    if not m.has_data:
        return (
            "Our customer advocacy program is just starting: there is no data in the program's workbook yet."
        )
    if not m.period_has_data:
        return f"Nothing was recorded in the customer advocacy program for {m.period.label} yet."
    f = {h.key: h for h in m.headline}
    lines = ["Team,", ""]
    impact = []
    if f["opportunities_influenced"].value:
        impact.append(
            f"our customer advocates helped {format_value(f['opportunities_influenced'].value, COUNT)} deals "
            f"{when}, and the ones we won brought {format_value(f['revenue_influenced'].value, MONEY)}"
        )
    if f["win_rate_lift"].value is not None and f["win_rate_lift"].value > 0:
        impact.append(
            f"deals that used an advocate won {f['win_rate_lift'].value:.0%} more often than those that did not"
        )
    if impact:
        lines.append("Thank you: " + "; ".join(impact) + ".")
    if m.success_stories:
        lines.append("")
        lines.append("A few wins worth celebrating:")
        lines += [f"- {s['sentence']}" for s in m.success_stories[:3]]
    lines.append("")
    lines.append(
        f"We have {format_value(f['active_advocates'].value, COUNT)} active advocates "
        f"({format_value(f['new_advocates'].value, COUNT)} new {when}), and we fulfilled "
        f"{format_value(f['requests_fulfilled'].value, COUNT)} requests for them"
        + (
            f", {format_value(f['within_sla_share'].value, SHARE)} within our service targets."
            if f["within_sla_share"].value is not None
            else "."
        )
    )
    gaps = under_covered(m.coverage)
    if len(gaps):
        asks = ", ".join(f"{int(r['gap'])} more {r['phrase']}" for _, r in gaps.iterrows())
        lines += ["", f"My ask of you: help us recruit {asks}. Nominate the customers you know."]
    lines += ["", "Thank you to every advocate and every colleague who made this possible."]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------------
# JSON


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


def compared_with(m: ProgramMetrics) -> str:
    """What the headline changes compare with: '2026-Q3', or 'the same 51 days of 2026-Q3 (to 2026-08-20)'."""
    previous, until = m.previous_period, m.previous_until
    if until >= previous.end:
        return previous.label
    if m.period.contains(m.as_of):
        days = m.previous_days
        return f"the same {days} day{'s' if days != 1 else ''} of {previous.label} (to {until})"
    return f"{previous.label} (to {until})"


def describe_metrics(m: ProgramMetrics) -> str:
    """The headline figures, the goals and the data-quality note as plain text (``advocacy-kit metrics``)."""
    scope = "" if m.segment.is_everything else f", {m.segment}"
    lines = [
        f"{m.period.label} ({m.period.start} .. {m.period.end}{scope}), data as of {m.as_of}; "
        f"compared with {compared_with(m)}",
        "",
    ]
    if not m.has_data:
        lines.append("No data yet: the program's workbook has no advocates, requests or opportunities.")
    elif not m.period_has_data:
        lines.append(f"No data for {m.period.label}: nothing in the workbook is dated in this period.")
    width = max(len(h.label) for h in m.headline) + 2
    for h in m.headline:
        lines.append(
            f"  {h.label:<{width}}{format_value(h.value, h.unit):>12}   "
            f"({format_change(h.change, h.unit)} vs {format_value(h.previous, h.unit)})"
        )
    if len(m.goals):
        lines += ["", "Goals:"]
        for _, g in m.goals.iterrows():
            unit = HEADLINE.get(g["metric"], ("", COUNT))[1]
            segment = f" [{g['segment']}]" if g["segment"] else ""
            figure = (
                f"{format_value(g['actual'], unit)} of {format_value(g['target'], unit)}"
                if g["note"] == ""
                else g["note"]
            )
            lines.append(f"  {g['goal_id']} {g['metric']}{segment} {g['period']}: {figure} — {g['status']}")
    lines += ["", f"Data quality: {m.data_quality['note']}"]
    return "\n".join(lines)
