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
- **Days to fulfil**: from ``requested_on`` to ``completed_on``. **SLA due day**: ``requested_on`` plus the
  Settings tab's ``sla_days.<activity>`` (``sla_days.default`` for the others), in calendar days, or in
  business days (Monday to Friday) when ``sla_business_days`` is yes. **Within SLA**: completed on or before
  its SLA due day (in calendar days: in no more days than ``sla_days``). The request queue's clock
  (``kit.sla``) counts with the same due day.
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
- **Comparable lift**: the lift among deals of similar size. The closed deals with an amount are split at
  the terciles of their amounts into three bands; a band with no deal on one side is dropped; the bands' win
  rates are combined as a Mantel–Haenszel risk ratio (written as a lift, ratio − 1). An association, not
  proof: it removes the difference in deal size only (the stage at the time of the request would do more).
- **Intervals**: each share (within SLA, influenced, the win rates) carries its denominator ``n`` and a 95%
  Wilson score interval (E. B. Wilson, *JASA* 22 (1927) 209–212); the lift a Katz log interval (Katz et al.,
  *Biometrics* 34 (1978) 469–474); the comparable lift the Greenland–Robins interval (*Biometrics* 41 (1985)
  55–68). See ``kit.metrics.uncertainty``. **Minimum sample**: with fewer closed deals than the Settings
  tab's ``min_deals_for_rates`` on a side, the reports say so instead of showing the win rates and the lift.
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
  always show whole periods (the running one up to ``as_of``); while one runs, each earlier period also
  carries its figures up to the same elapsed day (its start plus ``as_of − period.start``, no later than its
  end), and each period what its rates rest on (requests timed against their SLA, closed deals per side).
- **Goal attainment**: actual ÷ target, where the actual is the goal's metric computed over the goal's
  own period and segment. Where it should be by now (*expected*) is the target times the share of the
  period elapsed for a goal counting things over the period (new advocates, revenue…), and the target itself
  for a level (active advocates) or a figure where lower is better. A running goal is *on track* within the
  Settings tab's ``goal_tolerance`` of expected (default 0.1: at least 90% of it; at most 110% where lower
  is better), else *behind*; in the first ``goal_grace_days`` of its period (default 7) it is *too early to
  tell*, unless its target is already reached. A period that is over is *achieved* or *missed*. "Furthest
  behind" is the behind or missed goal with the lowest attainment, never one too early to tell.
- **Segment filter**: a segment (``industry=Insurance; product=Product A``) narrows each tab by the columns
  it has (a condition on a column a tab lacks does not narrow that tab); advocates' activities follow their
  advocate, and an opportunity's influence counts every advocate's activity. Nominations are narrowed by
  their own columns (``products``, and ``industry`` or ``region`` when the tab has them) and, for a column
  they lack, by the nominee's: the accepted advocate's, else their company's as the roster (then the
  Opportunities tab) holds it; a nomination whose company neither knows is left out of the segment.
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
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.periods import Period, days_between
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
    "sellers_using_share",  # a commitment's metric (kit.metrics.adoption), judged by the goals' rules
}
# Goal metrics where lower is better.
LOWER_IS_BETTER = {"median_days_to_fulfil", "win_rate_without", "owner_approval_median_days"}


def _true(series: pd.Series) -> pd.Series:
    """A boolean column with missing read as False."""
    return series.fillna(False).astype(bool)


def _day(value: dt.date) -> pd.Timestamp:
    return pd.Timestamp(value)


def active_mask(advocates: pd.DataFrame, on: dt.date) -> pd.Series:
    """Active now and joined on or before ``on`` (or joining date unknown)."""
    joined = advocates[A.joined_on]
    return (advocates[A.status] == schema.ACTIVE_STATUS) & (joined.isna() | (joined <= _day(on)))


def new_mask(advocates: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    return period.mask(advocates[A.joined_on], until=as_of) & (advocates[A.status] != schema.NOMINATED_STATUS)


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


SLA_BUSINESS_DAYS = "sla_business_days"  # the Settings key: count the SLA in business days


def sla_due(requests: pd.DataFrame, settings: Any) -> np.ndarray:
    """Each request's SLA due day (``datetime64[D]``, NaT where ``requested_on`` is blank): the one
    definition the metrics' within-SLA share and the queue's clock (``kit.sla``) both count with."""
    start = pd.to_datetime(requests[R.requested_on], errors="coerce").to_numpy(dtype="datetime64[D]")
    allowed = sla_days(requests, settings).to_numpy(dtype="int64")
    due = np.full(len(start), np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnat(start)
    if bool(settings.value(SLA_BUSINESS_DAYS)):
        # a request logged on a Saturday or Sunday starts counting on the Monday
        due[known] = np.busday_offset(start[known], allowed[known], roll="forward")
    else:
        due[known] = start[known] + allowed[known].astype("timedelta64[D]")
    return due


def within_sla(requests: pd.DataFrame, settings: Any) -> pd.Series:
    """Whether each request was completed on or before its SLA due day (False where either day is blank)."""
    completed = pd.to_datetime(requests[R.completed_on], errors="coerce").to_numpy(dtype="datetime64[D]")
    due = sla_due(requests, settings)
    known = ~np.isnat(completed) & ~np.isnat(due)
    within = np.zeros(len(due), dtype=bool)
    within[known] = completed[known] <= due[known]
    return pd.Series(within, index=requests.index)


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


def affected_figures(tab: str, column: str) -> tuple[str, ...]:
    """The headline figures (keys of HEADLINE) that leave a row out when its ``column`` of ``tab`` is unusable."""
    return tuple(key for key, needs in NEEDS.items() if column and column in needs.get(tab, ()))


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


def under_covered(coverage: pd.DataFrame) -> pd.DataFrame:
    """The strategic segments short of their advocate goal, biggest gap first."""
    gap = pd.to_numeric(coverage["gap"], errors="coerce").fillna(0)
    return coverage[gap > 0].sort_values("gap", ascending=False, kind="stable")
