"""The program team's maintenance work-list, and how healthy each tab's data is.

Validation says what is wrong; this says what to do next: which profiles to re-verify first, which advocates
are resting because they reached their quarterly cap, which nominations are waiting for a decision (and for
how long), which open requests are past their SLA or due soon (``kit.sla``), and, per tab, the share of rows
without errors. The reports show the same figures.

Re-verification order: stalest first (never verified before everything else), then the most valuable
first, where *value* is the number of activities the advocate did in the 365 days up to ``as_of`` (an
advocate in regular use is the one whose outdated profile costs most). Activity count rather than revenue
influenced because it needs no CRM data and every program has it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import as_text
from kit.periods import days_between
from kit.program import Program
from kit.requests_queue import request_queue
from kit.sla import DUE_SOON, PAST_SLA, SLA_DUE, SLA_STATE
from kit.usage import CAP, USES, quarter_bounds, quarter_label, quarter_usage
from kit.validate import WARNING, error_rows

A = schema.ADVOCATES.col
X = schema.ACTIVITIES.col
N = schema.NOMINATIONS.col
R = schema.REQUESTS.col

# Columns of the work-list frames (the kit's own names).
DAYS_SINCE_VERIFIED = "days_since_verified"
RECENT_ACTIVITIES = "activities_last_365_days"
DAYS_WAITING = "days_waiting"
NOTE = "note"  # what validation says of the row, when it bears on the decision
RESTING_UNTIL = "resting_until"
ROW = "row"
TAB = "tab"
ROWS = "rows"
ROWS_WITH_ERRORS = "rows_with_errors"
ROWS_WITH_WARNINGS = "rows_with_warnings"
SHARE_WITHOUT_ERRORS = "share_without_errors"

VALUE_WINDOW_DAYS = 365


@dataclass(frozen=True)
class Health:
    """The work-list as of one day. Every frame carries ``row``, the sheet row to open."""

    as_of: dt.date
    reverify: pd.DataFrame  # profiles to re-verify, stalest first, then most activities in the last year
    resting: pd.DataFrame  # advocates at or over their cap this quarter, most over first
    waiting_nominations: pd.DataFrame  # status New, oldest first, with a ``note`` where validation has one
    scores: pd.DataFrame  # per tab: rows, rows with errors / warnings, share without errors
    # open requests past their SLA, then due soon, most urgent first (kit.requests_queue's columns)
    requests_at_risk: pd.DataFrame

    @property
    def past_sla(self) -> pd.DataFrame:
        return self.requests_at_risk[self.requests_at_risk[SLA_STATE] == PAST_SLA]

    @property
    def due_soon(self) -> pd.DataFrame:
        return self.requests_at_risk[self.requests_at_risk[SLA_STATE] == DUE_SOON]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, missing values as null."""
        return {
            "as_of": self.as_of.isoformat(),
            "reverify": _records(self.reverify),
            "resting": _records(self.resting),
            "waiting_nominations": _records(self.waiting_nominations),
            "scores": _records(self.scores),
            "requests_past_sla": _records(self.past_sla),
            "requests_due_soon": _records(self.due_soon),
        }


def health(program: Program, findings: pd.DataFrame, *, as_of: dt.date) -> Health:
    """The maintenance work-list of ``program`` on ``as_of``; ``findings`` is ``validate(program, as_of=…)``."""
    return Health(
        as_of=as_of,
        reverify=_reverify(program, as_of),
        resting=_resting(program, as_of),
        waiting_nominations=_waiting(program, findings, as_of),
        scores=_scores(program, findings),
        requests_at_risk=_at_risk(program, as_of),
    )


def _at_risk(program: Program, as_of: dt.date) -> pd.DataFrame:
    queue = request_queue(program, as_of=as_of, open_only=True)
    return queue[queue[SLA_STATE].isin((PAST_SLA, DUE_SOON))].reset_index(drop=True)


def _reverify(program: Program, as_of: dt.date) -> pd.DataFrame:
    roster = program.advocates
    current = roster[~roster[A.status].isin(schema.UNAVAILABLE_STATUSES)]
    today = pd.Timestamp(as_of)
    days = days_between(current[A.last_verified], as_of)
    due = current[days.isna() | (days > program.settings.stale_after_days)]
    activities = program.activities
    window = activities[X.date].between(today - pd.Timedelta(days=VALUE_WINDOW_DAYS), today)
    recent = activities.loc[window, X.advocate_id].value_counts()
    frame = pd.DataFrame(
        {
            A.advocate_id: due[A.advocate_id],
            A.name: due[A.name],
            A.company: due[A.company],
            A.status: due[A.status],
            A.last_verified: due[A.last_verified].dt.date,
            DAYS_SINCE_VERIFIED: days[due.index].astype("Int64"),
            RECENT_ACTIVITIES: due[A.advocate_id].map(recent).fillna(0).astype("int64"),
        },
        index=due.index,
    )
    never = frame[DAYS_SINCE_VERIFIED].isna()
    order = pd.DataFrame(
        {
            "never": ~never,  # False (never verified) sorts first
            "days": -frame[DAYS_SINCE_VERIFIED].fillna(0).astype("int64"),
            "value": -frame[RECENT_ACTIVITIES],
            "sheet_row": frame.index,
        },
        index=frame.index.rename(None),
    ).sort_values(["never", "days", "value", "sheet_row"])
    return _with_row(frame.loc[order.index])


def _resting(program: Program, as_of: dt.date) -> pd.DataFrame:
    usage = quarter_usage(program, as_of)
    full = usage[usage[USES] >= usage[CAP]]
    roster = program.advocates
    rows = full["row"].to_numpy()
    frame = pd.DataFrame(
        {
            A.advocate_id: full.index.to_numpy(),
            A.name: roster.loc[rows, A.name].to_numpy() if len(rows) else [],
            A.company: roster.loc[rows, A.company].to_numpy() if len(rows) else [],
            USES: full[USES].to_numpy(),
            CAP: full[CAP].to_numpy(),
            "quarter": quarter_label(as_of),
            RESTING_UNTIL: (quarter_bounds(as_of)[1] + pd.Timedelta(days=1)).date(),
        },
        index=pd.Index(rows, name=ROW),
    )
    over = frame[USES] - frame[CAP]
    frame = frame.loc[over.sort_values(ascending=False, kind="stable").index]
    return _with_row(frame)


# Findings on a nomination that change the decision: decline rather than recruit again.
_DECISION_CODES = ("already_an_advocate", "duplicate_nomination")


def _waiting(program: Program, findings: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    nominations = program.nominations
    new = nominations[nominations[N.status] == "New"]
    waited = days_between(new[N.submitted_on], as_of)
    said = findings[(findings["table"] == schema.NOMINATIONS.name) & findings["code"].isin(_DECISION_CODES)]
    notes = said.groupby("row")["message"].agg(" ".join)
    frame = pd.DataFrame(
        {
            N.nomination_id: new[N.nomination_id],
            N.contact_name: new[N.contact_name],
            N.company: new[N.company],
            N.submitted_on: new[N.submitted_on].dt.date,
            DAYS_WAITING: waited.astype("Int64"),
            NOTE: notes.reindex(new.index).astype(object).where(lambda n: n.notna(), None),
        },
        index=new.index,
    )
    order = waited.fillna(-np.inf).sort_values(ascending=False, kind="stable").index
    return _with_row(frame.loc[order])


def _scores(program: Program, findings: pd.DataFrame) -> pd.DataFrame:
    records = []
    for tab in schema.TABS:
        rows = program[tab].index
        errors = len(error_rows(findings, tab.name) & set(rows))
        warned = findings[(findings["table"] == tab.name) & (findings["severity"] == WARNING)]["row"]
        warnings = len(set(warned) & set(rows))
        share = (len(rows) - errors) / len(rows) if len(rows) else 1.0
        records.append(
            {
                TAB: tab.name,
                ROWS: len(rows),
                ROWS_WITH_ERRORS: errors,
                ROWS_WITH_WARNINGS: warnings,
                SHARE_WITHOUT_ERRORS: share,
            }
        )
    return pd.DataFrame(records)


def _with_row(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, ROW, np.asarray(frame.index, dtype="int64"))
    return frame.reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for record in frame.to_dict("records"):
        clean = {}
        for key, value in record.items():
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                clean[key] = None
            elif isinstance(value, (dt.date, pd.Timestamp)):
                clean[key] = as_text(value)
            elif isinstance(value, np.integer):
                clean[key] = int(value)
            elif isinstance(value, np.floating):
                clean[key] = float(value)
            else:
                clean[key] = value
        records.append(clean)
    return records


def describe_health(report: Health, limit: int = 10) -> str:
    """The work-list as text for the terminal, at most ``limit`` lines per list."""
    lines = [f"Data health on {report.as_of.isoformat()}", ""]
    lines.append(f"{'tab':<14}{'rows':>8}{'errors':>9}{'warnings':>10}{'without errors':>17}")
    for rec in report.scores.itertuples(index=False):
        lines.append(
            f"{getattr(rec, TAB):<14}{getattr(rec, ROWS):>8,}{getattr(rec, ROWS_WITH_ERRORS):>9,}"
            f"{getattr(rec, ROWS_WITH_WARNINGS):>10,}{getattr(rec, SHARE_WITHOUT_ERRORS):>17.1%}"
        )

    def section(title: str, frame: pd.DataFrame, line) -> None:
        lines.extend(["", f"{title} ({len(frame):,})"])
        lines.extend(f"  {line(rec)}" for rec in frame.head(limit).to_dict("records"))
        if len(frame) > limit:
            lines.append(f"  … and {len(frame) - limit:,} more (--limit, or --json for all)")

    def verify_line(rec: dict) -> str:
        since = (
            "never verified"
            if rec[DAYS_SINCE_VERIFIED] is pd.NA or rec[DAYS_SINCE_VERIFIED] is None
            else f"verified {rec[DAYS_SINCE_VERIFIED]} days ago"
        )
        return (
            f"row {rec[ROW]:>6}  {rec[A.advocate_id]}  {as_text(rec[A.name])} ({as_text(rec[A.company])}): "
            f"{since}, {rec[RECENT_ACTIVITIES]} activities in the last year"
        )

    def resting_line(rec: dict) -> str:
        return (
            f"row {rec[ROW]:>6}  {rec[A.advocate_id]}  {as_text(rec[A.name])}: {rec[USES]} of {rec[CAP]} "
            f"this quarter; resting until {rec[RESTING_UNTIL].isoformat()}"
        )

    def waiting_line(rec: dict) -> str:
        waited = rec[DAYS_WAITING]
        waited = "date unknown" if waited is pd.NA or waited is None else f"waiting {waited} days"
        note = f". {rec[NOTE]}" if rec.get(NOTE) else ""
        return (
            f"row {rec[ROW]:>6}  {rec[N.nomination_id]}  {as_text(rec[N.contact_name])} "
            f"({as_text(rec[N.company])}): {waited}{note}"
        )

    def request_line(rec: dict) -> str:
        who = f", {as_text(rec[R.advocate_id])}" if as_text(rec[R.advocate_id]) else ", no advocate yet"
        needed = f", needed by {as_text(rec[R.needed_by])}" if as_text(rec[R.needed_by]) else ""
        return (
            f"row {rec[ROW]:>6}  {rec[R.request_id]}  {as_text(rec[R.team])} {as_text(rec[R.activity])} "
            f"({as_text(rec[R.status])}{who}): SLA due {as_text(rec[SLA_DUE])}{needed}"
        )

    section("Requests past their SLA", report.past_sla, request_line)
    section("Requests due soon", report.due_soon, request_line)
    section("Re-verify these profiles next", report.reverify, verify_line)
    section("Resting: at their quarterly cap", report.resting, resting_line)
    section("Nominations waiting for a decision", report.waiting_nominations, waiting_line)
    return "\n".join(lines)
