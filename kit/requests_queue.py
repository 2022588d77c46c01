"""The request queue: every request with its SLA clock (``kit.sla``), most urgent first.

What ``advocacy-kit requests`` prints. Urgency: open requests past their SLA first, then those due soonest
(``sla_due``, then ``needed_by``), then open requests without a due day; finished requests (missed, met, then
those without a state) after every open one. Requests logged after ``as_of`` are left out, as the metrics
leave them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import as_text, is_blank
from kit.errors import InputError
from kit.metrics.definitions import open_mask
from kit.program import Program
from kit.sla import DAYS_OPEN, LATE, OPEN_STATES, SLA_DUE, SLA_STATE, SLA_STATES, sla_clock

R = schema.REQUESTS.col
ROW = "row"
QUEUE_COLUMNS = (
    ROW,
    R.request_id,
    R.team,
    R.activity,
    R.requester_email,
    R.advocate_id,
    R.status,
    DAYS_OPEN,
    SLA_DUE,
    SLA_STATE,
    R.needed_by,
    LATE,
)
# Sort rank of each state: open ones by urgency, an open request without a due day after them, finished last.
_RANK = {state: rank for rank, state in enumerate(OPEN_STATES)} | {"missed": 4, "met": 5}
_OPEN_WITHOUT_STATE, _NO_STATE = 3, 6


def parse_team(text: str) -> str:
    """The team a ``--team`` option names (any case), or InputError naming the teams."""
    for team in schema.TEAMS:
        if team.lower() == " ".join(text.split()).lower():
            return team
    raise InputError(f"--team {text!r}: no such team; use one of {', '.join(schema.TEAMS)}")


def request_queue(
    program: Program, *, as_of: dt.date, open_only: bool = False, team: str | None = None
) -> pd.DataFrame:
    """The queue on ``as_of`` (columns ``QUEUE_COLUMNS``, ``row`` being the sheet row), most urgent first."""
    requests = program.requests
    requested = requests[R.requested_on]
    keep = open_mask(requests, as_of) if open_only else requested.isna() | (requested <= pd.Timestamp(as_of))
    if team is not None:
        keep &= requests[R.team] == team
    chosen = requests[keep]
    clock = sla_clock(chosen, program.settings, as_of=as_of)
    frame = pd.DataFrame(
        {
            ROW: np.asarray(chosen.index, dtype="int64"),
            R.request_id: chosen[R.request_id].to_numpy(),
            R.team: chosen[R.team].to_numpy(),
            R.activity: chosen[R.activity].to_numpy(),
            R.requester_email: chosen[R.requester_email].to_numpy(),
            R.advocate_id: chosen[R.advocate_id].to_numpy(),
            R.status: chosen[R.status].to_numpy(),
            DAYS_OPEN: clock[DAYS_OPEN].to_numpy(),
            SLA_DUE: clock[SLA_DUE].to_numpy(),
            SLA_STATE: clock[SLA_STATE].to_numpy(),
            # as whole days, dt.date or None (numpy's conversion), as sla_due is
            R.needed_by: pd.to_datetime(chosen[R.needed_by]).to_numpy(dtype="datetime64[D]").astype(object),
            LATE: clock[LATE].to_numpy(),
        }
    )
    is_open = chosen[R.status].isin(schema.OPEN_REQUEST_STATUSES).to_numpy()
    rank = [
        _RANK.get(state, _OPEN_WITHOUT_STATE if opened else _NO_STATE)
        for state, opened in zip(frame[SLA_STATE], is_open, strict=True)
    ]
    order = pd.DataFrame(
        {
            "rank": rank,
            "due": pd.to_datetime(frame[SLA_DUE].astype(object), errors="coerce"),
            "needed": pd.to_datetime(frame[R.needed_by].astype(object), errors="coerce"),
            "row": frame[ROW],
        }
    ).sort_values(["rank", "due", "needed", "row"], na_position="last", kind="stable")
    return frame.loc[order.index].reset_index(drop=True)


def queue_records(queue: pd.DataFrame) -> list[dict[str, Any]]:
    """The queue as JSON-ready records: dates as ISO text, blanks as null."""
    records = []
    for record in queue.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, (dt.date, pd.Timestamp)):
                value = value.isoformat()
            elif isinstance(value, np.generic):
                value = value.item()
            if not isinstance(value, bool) and is_blank(value):
                value = None
            clean[key] = value
        records.append(clean)
    return records


_TABLE = (  # (column, heading, width); days open right-aligned
    (R.request_id, "request", 11),
    (R.team, "team", 17),
    (R.activity, "activity", 14),
    (R.requester_email, "requester", 24),
    (R.advocate_id, "advocate", 9),
    (R.status, "status", 14),
    (DAYS_OPEN, "days", 4),
    (SLA_DUE, "SLA due", 10),
    (SLA_STATE, "SLA", 8),
    (R.needed_by, "needed by", 12),
)


def describe_queue(queue: pd.DataFrame, *, as_of: dt.date, open_only: bool, team: str | None) -> str:
    """The queue as a table for the terminal, with a count line above it."""
    what = "Open requests" if open_only else "Requests"
    states = queue[SLA_STATE]
    shown = OPEN_STATES if open_only else SLA_STATES
    counts = ", ".join(f"{int((states == state).sum()):,} {state.replace('_', ' ')}" for state in shown)
    title = f"{what}{f' from {team}' if team else ''} on {as_of.isoformat()}: {len(queue):,} ({counts})"
    if queue.empty:
        return title
    lines = [title, ""]
    lines.append("  ".join(f"{h:>{w}}" if c == DAYS_OPEN else f"{h:<{w}}" for c, h, w in _TABLE).rstrip())
    for record in queue.to_dict("records"):
        cells = []
        for column, _, width in _TABLE:
            value = record[column]
            text = "" if not isinstance(value, bool) and is_blank(value) else as_text(value)
            if column == SLA_STATE and text:
                text = text.replace("_", " ")
            if column == R.needed_by and text and record[LATE] and value < as_of:
                text += " !"
            cells.append(f"{text[:width]:>{width}}" if column == DAYS_OPEN else f"{text[:width]:<{width}}")
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append("days: since requested (until completed, once completed); '!': needed_by has passed.")
    return "\n".join(lines)
