"""The figures ``compute`` returns: one frozen value per section, and ``ProgramMetrics`` holding them all.

``ProgramMetrics.to_dict()`` is what ``advocacy-kit metrics --json`` prints and what the report notebooks
publish; ``ProgramMetrics.from_dict`` reads it back into the same values, so the figures keep their type
across a process (a report's kernel, the e-mail). Tables stay DataFrames; each table field declares its
columns (and which hold dates) beside it, so an empty table comes back with its columns and a date as a date.
Two tables never reach the JSON (``Activity.per_advocate``, ``ProgramMetrics.usage``: one row per advocate,
for the notebooks): ``from_dict`` gives them empty, with their columns.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

from kit.metrics.definitions import HEADLINE, LOWER_IS_BETTER, A, N, R, X
from kit.metrics.goals import GOAL_COLUMNS, GoalStatus
from kit.metrics.text import compared_with, draft_message
from kit.periods import FISCAL_QUARTER, FISCAL_YEAR, Period
from kit.segments import Segment

# ------------------------------------------------------------------------------------------------------------
# How a field travels through the JSON: declared beside it.


def _table(*columns: str, dates: tuple[str, ...] = (), json: bool = True) -> Any:
    """A DataFrame field with these columns (``dates`` hold days); ``json=False``: left out of ``to_dict``."""
    return field(metadata={"table": columns, "dates": dates, "json": json})


def _tables(count: str) -> Any:
    """A mapping column → DataFrame of (that column, ``count``) field, as ``Roster.active_by``."""
    return field(metadata={"tables": count})


def _part(cls: type) -> Any:
    """A field holding another section (or None, written as ``{}``)."""
    return field(metadata={"part": cls})


def _day() -> Any:
    """A day (``dt.date``), ISO text in the JSON."""
    return field(metadata={"day": True})


def _strings() -> Any:
    """A tuple of texts, a JSON list."""
    return field(metadata={"strings": True})


def _parts(cls: type) -> Any:
    """A tuple of sections of one kind, a JSON list of objects."""
    return field(metadata={"parts": cls})


def _pair() -> Any:
    """Two numbers (an interval) or None, a JSON list of two."""
    return field(default=None, metadata={"pair": True})


S = TypeVar("S", bound="_Section")


class _Section:
    """``to_dict`` and ``from_dict`` for a frozen dataclass whose fields declare how they travel (above)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            if not f.metadata.get("json", True):
                continue
            value = getattr(self, f.name)
            # an absent part (no health work-list without validation) is an empty object, as it always was
            out[f.name] = {} if value is None and "part" in f.metadata else _jsonable(value)
        return out

    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any]) -> S:
        return cls(**{f.name: _read(f.metadata, data.get(f.name)) for f in fields(cls)})  # type: ignore[arg-type]


def _read(meta: Mapping[str, Any], value: Any) -> Any:
    if "table" in meta:
        return _frame(value, meta["table"], meta["dates"])
    if "tables" in meta:
        return {column: _frame(rows, (column, meta["tables"])) for column, rows in (value or {}).items()}
    if "part" in meta:
        return meta["part"].from_dict(value) if value else None
    if "day" in meta:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if "strings" in meta:
        return tuple(value or ())
    if "parts" in meta:
        return tuple(meta["parts"].from_dict(v) for v in value or ())
    if "pair" in meta:
        return None if value is None else tuple(value)
    return value


def _frame(records: Any, columns: tuple[str, ...], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table from its JSON records: a column with a blank keeps its values as they were (3 stays 3, not
    3.0), the others take pandas' type; ``dates`` as timestamps."""
    records = list(records or ())
    frame = pd.DataFrame(
        {
            c: pd.Series(
                [r.get(c) for r in records], dtype=object if any(r.get(c) is None for r in records) else None
            )
            for c in columns
        },
        columns=list(columns),
    )
    for c in dates:
        frame[c] = pd.to_datetime(frame[c])
    return frame


def _columns(cls: type, name: str) -> list[str]:
    """The columns a table field of a section declares (for the builder that makes it)."""
    return list(next(f for f in fields(cls) if f.name == name).metadata["table"])


# ------------------------------------------------------------------------------------------------------------
# The sections


@dataclass(frozen=True)
class Headline:
    """One headline figure with last period's value; ``change`` is value − previous (None if either is)."""

    key: str
    label: str
    value: float | None
    previous: float | None
    change: float | None
    unit: str
    # The shares only (kit.metrics.uncertainty): how many items the value is over, and its 95% interval
    # (Wilson; Katz for the lift); left out of the JSON for the other figures.
    n: int | None = None
    interval: tuple[float, float] | None = None
    # The sentence the reports show instead of the value when too few closed deals stand behind it
    # ('not enough closed deals yet to compare (7 with an advocate, 31 without)'); the JSON keeps the value.
    withheld: str = ""

    @property
    def improved(self) -> bool | None:
        """Whether the change is good news: True better, False worse, None unchanged or unknown.

        Fewer days to fulfil and a lower win rate without advocates are better (``LOWER_IS_BETTER``)."""
        if not self.change:
            return None
        return (-self.change if self.key in LOWER_IS_BETTER else self.change) > 0

    @property
    def percent_change(self) -> float | None:
        """The change as a percentage of last period's value (12 → 15 is 25.0); None without a value to
        compare with (none, or zero). Meant for counts and money: a share's change reads better in points."""
        if self.value is None or not self.previous:
            return None
        return (self.value / self.previous - 1) * 100

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        if self.n is None:  # a count or a sum: no denominator, no interval
            del out["n"], out["interval"]
        if not self.withheld:
            del out["withheld"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Headline:
        values = {f.name: data.get(f.name) for f in fields(cls) if f.name in data}
        if values.get("interval") is not None:
            values["interval"] = tuple(values["interval"])
        return cls(**values)


_ADVOCATE_ROW = ("advocate_id", "name", "company")
_PER_ADVOCATE = (*_ADVOCATE_ROW, "activities", "asked", "declined", "last_asked", "acceptance_rate")
# The breakdowns of the active advocates in ``Roster.active_by``.
ACTIVE_BY = (A.industry, A.products, A.region, A.company_size, A.persona)


@dataclass(frozen=True, eq=False, kw_only=True)
class Roster(_Section):
    """Who the program has: active, new, stale and over-cap advocates, and their breakdowns."""

    active: int
    new: int
    stale: int
    stale_share: float | None
    over_cap: int
    over_cap_advocates: pd.DataFrame = _table(*_ADVOCATE_ROW, "uses", "cap")  # the first TOP, most over first
    resting: int  # at or over their cap this quarter: not asked again before the next
    by_status: pd.DataFrame = _table(A.status, "advocates")  # every advocate
    active_by: Mapping[str, pd.DataFrame] = _tables("advocates")  # ACTIVE_BY column → its counts
    new_by_industry: pd.DataFrame = _table(A.industry, "advocates")
    # The Settings behind "stale" and "over cap", for the sentences that explain them.
    stale_after_days: int
    default_cap: int


@dataclass(frozen=True, eq=False, kw_only=True)
class Pipeline(_Section):
    """Nominations: received and decided in the period, and who nominated.

    ``received`` (submitted in the period, up to as_of) = ``received_accepted`` + ``received_declined`` +
    ``received_awaiting`` (their status today). ``decided``, ``accepted``, ``declined`` and the rate count the
    decisions made in the period, ``earlier_decided`` of them on nominations submitted before it;
    ``awaiting_decision`` is every nomination still New, ``earlier_awaiting`` of them submitted before the
    period."""

    received: int
    decided: int
    accepted: int
    declined: int
    acceptance_rate: float | None
    median_days_to_decision: float | None
    awaiting_decision: int
    received_accepted: int | None = None  # None in figures written before these were counted
    received_declined: int | None = None
    received_awaiting: int | None = None
    earlier_decided: int | None = None
    earlier_awaiting: int | None = None
    by_team: pd.DataFrame = _table(N.team, "nominations")
    by_nominator: pd.DataFrame = _table("nominator", "nominations")  # the first TOP


@dataclass(frozen=True, eq=False, kw_only=True)
class Service(_Section):
    """Requests: received, fulfilled (and how fast), open and overdue, and those no advocate can serve."""

    received: int
    fulfilled: int
    declined: int
    cancelled: int
    open: int
    overdue: int  # open, past its needed_by
    past_sla: int = 0  # open, past its SLA due day (kit.sla, the queue's clock)
    due_soon: int = 0  # open, due within due_soon_hours
    median_days_to_fulfil: float | None
    within_sla_share: float | None
    by_team: pd.DataFrame = _table(R.team, "requests")
    by_activity: pd.DataFrame = _table(R.activity, "requests")
    by_team_activity: pd.DataFrame = _table(R.team, R.activity, "requests")
    sla_by_activity: pd.DataFrame = _table(
        "activity", "fulfilled", "within_sla", "sla_days", "within_sla_share"
    )
    # per requesting team, the requests fulfilled in the period and the share within SLA: the program's
    # side of its agreement with each team
    sla_by_team: pd.DataFrame = _table(R.team, "fulfilled", "within_sla", "within_sla_share")
    # the open requests past their SLA or due soon (kit.sla), most urgent first: the reports' watch list
    sla_watch: pd.DataFrame = _table(
        R.request_id,
        R.team,
        R.activity,
        R.status,
        "sla_due",
        "sla_state",
        R.needed_by,
        dates=("sla_due", R.needed_by),
    )
    teams_without_requests: tuple[str, ...] = _strings()
    unserved: int  # open requests no advocate could serve (kit.match.recruiting_gaps)
    unserved_by_segment: pd.DataFrame = _table("segment", "requests")


@dataclass(frozen=True, kw_only=True)
class DealSide(_Section):
    """The closed opportunities on one side (with advocates, or without): outcome, size and cycle."""

    closed: int
    won: int
    win_rate: float | None
    win_rate_interval: tuple[float, float] | None = _pair()  # Wilson, 95%
    average_deal_size: float | None
    median_sales_cycle_days: float | None
    won_amount: float


@dataclass(frozen=True, kw_only=True)
class DealSizeBand(_Section):
    """One deal-size band of the comparable lift: its amounts (``low`` < amount ≤ ``high``; the first band
    from its smallest amount) and its closed and won deals on each side. ``used`` False: dropped, a side has
    no deal."""

    band: int
    low: float
    high: float
    closed_with: int
    won_with: int
    closed_without: int
    won_without: int
    used: bool


@dataclass(frozen=True, kw_only=True)
class ComparableLift(_Section):
    """The win-rate lift among deals of similar size (see 'Comparable lift'): a Mantel–Haenszel risk ratio
    over the deal-size bands, written as a lift (ratio − 1), with its 95% interval (Greenland–Robins)."""

    value: float | None
    interval: tuple[float, float] | None = _pair()
    deals: int  # the closed deals in the bands used
    bands: tuple[DealSizeBand, ...] = _parts(DealSizeBand)


@dataclass(frozen=True, kw_only=True)
class Impact(_Section):
    """The opportunities closed in the period, with advocates and without (see 'Influenced opportunity')."""

    closed: int
    influenced: int
    influenced_share: float | None
    influenced_share_interval: tuple[float, float] | None = _pair()
    revenue_influenced: float
    with_advocates: DealSide = _part(DealSide)
    without_advocates: DealSide = _part(DealSide)
    win_rate_lift: float | None
    win_rate_lift_interval: tuple[float, float] | None = _pair()  # Katz, 95%, as a lift
    win_rate_lift_comparable: ComparableLift | None = _part(ComparableLift)
    min_deals_for_rates: int = 0  # Settings: below it on a side, the reports do not print the comparison

    @property
    def enough_deals(self) -> bool:
        """At least ``min_deals_for_rates`` closed deals on each side: the win rates may be compared."""
        sides = (self.with_advocates, self.without_advocates)
        return all(s is not None and s.closed >= (self.min_deals_for_rates or 0) for s in sides)

    @property
    def too_few_deals(self) -> str:
        """What the reports say instead of the win rates when there are too few deals ('' when enough)."""
        if self.enough_deals:
            return ""
        w = self.with_advocates.closed if self.with_advocates else 0
        wo = self.without_advocates.closed if self.without_advocates else 0
        return f"not enough closed deals yet to compare ({w} with an advocate, {wo} without)"


@dataclass(frozen=True, eq=False, kw_only=True)
class Activity(_Section):
    """Advocate activities in the period, and how much each active advocate is used and asked."""

    total: int
    by_type: pd.DataFrame = _table(X.activity, "activities")
    most_used: pd.DataFrame = _table(*_PER_ADVOCATE, dates=("last_asked",))  # the first TOP
    least_used: pd.DataFrame = _table(*_PER_ADVOCATE, dates=("last_asked",))  # the first TOP
    never_asked: int  # active advocates never asked and without any activity
    never_asked_examples: pd.DataFrame = _table(*_ADVOCATE_ROW)
    per_advocate: pd.DataFrame = _table(*_PER_ADVOCATE, dates=("last_asked",), json=False)  # every one


@dataclass(frozen=True, eq=False, kw_only=True)
class Recruiting(_Section):
    """Leads: recent wins in under-covered segments with no advocate yet; requests due soon unassigned."""

    won_accounts_without_advocate: pd.DataFrame = _table(
        "segment", "account", "rep", "amount", "close_date", dates=("close_date",)
    )
    due_soon_unassigned: pd.DataFrame = _table(
        "request_id", "team", "activity", "needed_by", "prospect_company", dates=("needed_by",)
    )


@dataclass(frozen=True, kw_only=True)
class SuccessStory(_Section):
    """A won deal advocates influenced in the period, with a ready-made sentence."""

    opportunity_id: str
    rep: str | None
    account: str | None
    amount: float | None
    close_date: dt.date = _day()
    advocates_used: tuple[str, ...] = _strings()  # names, in the order they helped
    activities: Mapping[str, int]  # activity → count, in the order done
    sentence: str


@dataclass(frozen=True, eq=False, kw_only=True)
class HealthSummary(_Section):
    """kit.health's per-tab scores and the sizes of its work-lists (``advocacy-kit health`` lists them)."""

    scores: pd.DataFrame = _table(
        "tab", "rows", "rows_with_errors", "rows_with_warnings", "share_without_errors"
    )
    profiles_to_reverify: int
    advocates_resting: int
    nominations_waiting: int


EXCLUDED_COLUMNS = ("tab", "column", "rows_excluded", "rows", "figures", "why", "example")
IGNORED_COLUMNS = ("tab", "column", "cells", "rows", "example")


@dataclass(frozen=True, eq=False, kw_only=True)
class DataQuality(_Section):
    """What the validator's errors cost the figures (see 'Data quality' in the definitions)."""

    validated: bool
    errors: int
    warnings: int
    rows_excluded: int  # distinct rows some figure left out
    left_out: Mapping[str, int]  # HEADLINE key → rows that figure left out
    excluded: pd.DataFrame = _table(*EXCLUDED_COLUMNS)  # per unusable cell kind, the rows left out and why
    cells_ignored: int  # cells with errors no figure needs (read as blank)
    goals_not_evaluated: int
    ignored: pd.DataFrame = _table(*IGNORED_COLUMNS)
    repeated_headers_skipped: int
    note: str
    health: HealthSummary | None = _part(HealthSummary)  # None when the program was not validated

    @property
    def needs_attention(self) -> bool:
        """A figure left a row out, or the validator found an error: the reports flag the note."""
        return bool(self.rows_excluded or self.errors)


# Per team, the adoption figures and the metrics a commitment may name (kit.metrics.adoption).
ADOPTION_TEAM_COLUMNS = (
    "team", "people", "requests_made", "nominations_made", "sellers_with_deals", "sellers_using",
    "sellers_using_share", "deals_influenced", "within_sla_share", "profiles_updated",
    "owner_approval_median_days", "previous_sellers_with_deals", "previous_sellers_using_share",
)  # fmt: skip
ADOPTION_MANAGER_COLUMNS = (
    "manager_email", "manager", "team", "people", "requests", "nominations",
    "sellers_with_deals", "sellers_using", "sellers_using_share", "deals_influenced",
)  # fmt: skip
COMMITMENT_COLUMNS = (
    "commitment_id", "team", "direction", "commitment", "metric", "period", "target", "actual",
    "attainment", "expected", "status", "note",
)  # fmt: skip


@dataclass(frozen=True, eq=False, kw_only=True)
class Adoption(_Section):
    """Who among the People tab's colleagues uses the program (see 'Adoption' in docs/reports.md)."""

    people: int  # People rows the figures use (with an e-mail)
    sellers_with_deals: int  # n: people owning an opportunity closed in the period
    sellers_using: int  # of them, those who made a request in the period or the one before
    sellers_using_share: float | None
    sellers_using_interval: tuple[float, float] | None = _pair()  # Wilson, 95%
    previous_sellers_with_deals: int  # the same, for the previous period as of its comparable day
    previous_sellers_using_share: float | None
    # the coaching list: sellers with deals closed and no request, most closed amount first
    coaching: pd.DataFrame = _table(
        "email", "name", "team", "manager_email", "manager", "closed_deals", "closed_amount"
    )
    new_starters: pd.DataFrame = _table(
        "email", "name", "team", "manager_email", "started_on", "first_request_on", "days_to_first_request",
        dates=("started_on", "first_request_on"),
    )  # fmt: skip
    new_starters_count: int
    uptake_n: int  # new starters who started at least UPTAKE_DAYS ago
    uptake_within: int  # of them, those whose first request came within UPTAKE_DAYS
    uptake_share: float | None
    uptake_interval: tuple[float, float] | None = _pair()
    by_team: pd.DataFrame = _table(*ADOPTION_TEAM_COLUMNS)
    by_manager: pd.DataFrame = _table(*ADOPTION_MANAGER_COLUMNS)
    unmatched_owners: int  # deals closed in the period whose owner is not in People
    notes: tuple[str, ...] = _strings()  # rows the figures left out, and why


# ------------------------------------------------------------------------------------------------------------
# All of them


COVERAGE_COLUMNS = (
    "segment",
    "label",
    "phrase",
    "active_advocates",
    "new_advocates",
    "requests",
    "target",
    "gap",
)
# Per team: its requests and nominations in the period, and its top contributor with their own count.
STAKEHOLDER_COLUMNS = ("team", "requests", "nominations", "total", "person", "person_count")
# What each period's trend row rests on: the requests timed against their SLA (``within_sla_share``'s n) and
# the closed deals with and without an advocate (the lift's n; below ``min_deals_for_rates`` on a side the
# reports hold the lift back, as the headline does).
TREND_SAMPLES = ("within_sla_n", "closed_with", "closed_without")
# The figures the trend chart draws; while the report's period runs, each earlier period also carries its
# value up to the same elapsed day (``<key>_same_days``, up to ``same_days_until``), drawn beside its whole one.
TREND_SAME_DAYS = ("requests_fulfilled", "activities", "opportunities_influenced")
TREND_COLUMNS = (
    "period",
    *HEADLINE,
    *TREND_SAMPLES,
    "same_days_until",
    *(f"{key}_same_days" for key in TREND_SAME_DAYS),
)


@dataclass(frozen=True, eq=False)
class ProgramMetrics:
    """Every figure of the reports for one period; ``to_dict()`` is what ``metrics --json`` prints.

    Compare two with ``kit.metrics``' sections field by field (tables with pandas' testing): DataFrames have
    no truth value, so ``==`` is identity here."""

    period: Period
    previous_period: Period
    previous_until: dt.date  # the previous period's figures are as of this day (its comparable day)
    as_of: dt.date
    segment: Segment
    source: str
    has_data: bool  # the program has any advocate, request, activity or opportunity at all
    period_has_data: bool  # anything happened in the period
    headline: tuple[Headline, ...]
    goals: pd.DataFrame  # GOAL_COLUMNS; ``status`` is a GoalStatus
    roster: Roster
    coverage: pd.DataFrame  # COVERAGE_COLUMNS: each strategic segment
    pipeline: Pipeline
    service: Service
    impact: Impact
    activity: Activity
    recruiting: Recruiting
    stakeholders: pd.DataFrame  # STAKEHOLDER_COLUMNS
    success_stories: tuple[SuccessStory, ...]
    trends: pd.DataFrame  # TREND_COLUMNS: the last TREND_PERIODS periods' headline figures, with their n
    data_quality: DataQuality
    usage: pd.DataFrame = field(default_factory=pd.DataFrame)  # per advocate, this quarter (may be empty)
    warnings: tuple[str, ...] = ()  # e.g. a segment value no row holds, so its figures are empty
    adoption: Adoption | None = None  # None: figures made before the People tab (an old JSON)
    commitments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COMMITMENT_COLUMNS)))

    TABLES: ClassVar[dict[str, tuple[str, ...]]] = {
        "goals": GOAL_COLUMNS,
        "coverage": COVERAGE_COLUMNS,
        "stakeholders": STAKEHOLDER_COLUMNS,
        "trends": TREND_COLUMNS,
        "commitments": COMMITMENT_COLUMNS,
    }

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
                "headline": [h.to_dict() for h in self.headline],
                "goals": _records(self.goals),
                "roster": self.roster.to_dict(),
                "coverage": _records(self.coverage),
                "pipeline": self.pipeline.to_dict(),
                "service": self.service.to_dict(),
                "impact": self.impact.to_dict(),
                "activity": self.activity.to_dict(),
                "recruiting": self.recruiting.to_dict(),
                "stakeholders": _records(self.stakeholders),
                "success_stories": [s.to_dict() for s in self.success_stories],
                "trends": _records(self.trends),
                "data_quality": self.data_quality.to_dict(),
                "draft_message": draft_message(self),
                "warnings": list(self.warnings),
                "adoption": self.adoption.to_dict() if self.adoption else {},
                "commitments": _records(self.commitments),
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProgramMetrics:
        """The figures ``to_dict`` wrote (after a trip through JSON too); the texts it derives (the draft
        message, what the change compares with) are derived again, and ``usage`` comes back empty."""
        period, previous = data["period"], data["previous_period"]
        goals = _frame(data.get("goals"), GOAL_COLUMNS)
        goals["status"] = goals["status"].map(GoalStatus).astype(object)
        return cls(
            period=_period(period),
            previous_period=_period(period).previous(),  # as compute: the JSON names it, without its kind
            previous_until=dt.date.fromisoformat(previous["until"]),
            as_of=dt.date.fromisoformat(data["as_of"]),
            segment=_segment(data.get("segment")),
            source=data.get("source") or "",
            has_data=bool(data["has_data"]),
            period_has_data=bool(data["period_has_data"]),
            headline=tuple(Headline.from_dict(h) for h in data["headline"]),
            goals=goals,
            roster=Roster.from_dict(data["roster"]),
            coverage=_frame(data.get("coverage"), COVERAGE_COLUMNS),
            pipeline=Pipeline.from_dict(data["pipeline"]),
            service=Service.from_dict(data["service"]),
            impact=Impact.from_dict(data["impact"]),
            activity=Activity.from_dict(data["activity"]),
            recruiting=Recruiting.from_dict(data["recruiting"]),
            stakeholders=_frame(data.get("stakeholders"), STAKEHOLDER_COLUMNS),
            success_stories=tuple(SuccessStory.from_dict(s) for s in data.get("success_stories") or ()),
            trends=_frame(data.get("trends"), TREND_COLUMNS, dates=("same_days_until",)),
            data_quality=DataQuality.from_dict(data["data_quality"]),
            warnings=tuple(data.get("warnings") or ()),
            adoption=Adoption.from_dict(data["adoption"]) if data.get("adoption") else None,
            commitments=_frame(data.get("commitments"), COMMITMENT_COLUMNS),
        )


def _segment(text: str | None) -> Segment:
    """A segment from its JSON: ``str(Segment)``, where the whole program is written 'whole program'."""
    return Segment(()) if text == str(Segment(())) else Segment.parse(text)


def _period(data: Mapping[str, Any]) -> Period:
    """A Period from its JSON; a fiscal one's first month of the year from its own dates and label."""
    start, end = dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"])
    kind, label = data["kind"], data["label"]
    first_month = 1
    if kind == FISCAL_YEAR:
        first_month = start.month
    elif kind == FISCAL_QUARTER:
        quarter = int(label.rsplit("Q", 1)[1])
        first_month = (start.month - 1 - 3 * (quarter - 1)) % 12 + 1
    return Period(start, end, kind, label, first_month)


# ------------------------------------------------------------------------------------------------------------
# JSON


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False, name=None)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, _Section):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
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


__all__ = [
    "ACTIVE_BY",
    "Activity",
    "Adoption",
    "ComparableLift",
    "DealSizeBand",
    "DataQuality",
    "DealSide",
    "HealthSummary",
    "Headline",
    "Impact",
    "Pipeline",
    "ProgramMetrics",
    "Recruiting",
    "Roster",
    "Service",
    "SuccessStory",
]
