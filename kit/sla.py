"""The SLA clock: the day each request is due under the program's service agreement, and where it stands.

A request's **SLA due date** is its ``requested_on`` plus the Settings tab's ``sla_days.<activity>``
(``sla_days.default`` for an activity without its own, read as the metrics read it): calendar days, or
business days (Monday to Friday, ``numpy.busday_offset``) when ``sla_business_days`` is yes. In business days a
request logged on a Saturday or Sunday starts counting on the Monday. ``needed_by``, the requester's own
deadline, stays a separate date: a request is **late** when either has passed.

On ``as_of``, an open request (``schema.OPEN_REQUEST_STATUSES``) is

- ``past_sla`` when its due day is before ``as_of``;
- ``due_soon`` when it falls due within ``due_soon_hours`` (a due day counted whole: with 72, due today or in
  the next 3 days);
- ``on_time`` otherwise.

A *Completed* request ``met`` its SLA when completed on or before its due day, else ``missed``: in calendar days
exactly the metrics' *within SLA* (``kit.metrics.definitions.within_sla``, on the same due day). Declined and cancelled requests,
and any request without the dates its state needs, have no state.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kit import schema
from kit.metrics.definitions import SLA_BUSINESS_DAYS, days_to_fulfil, sla_days, sla_due
from kit.program import Settings

R = schema.REQUESTS.col

ON_TIME, DUE_SOON, PAST_SLA, MET, MISSED = "on_time", "due_soon", "past_sla", "met", "missed"
SLA_STATES = (PAST_SLA, DUE_SOON, ON_TIME, MISSED, MET)  # most urgent first
OPEN_STATES = (PAST_SLA, DUE_SOON, ON_TIME)

# Columns of the clock's frame (the kit's own names).
SLA_DAYS = "sla_days"
SLA_DUE = "sla_due"
SLA_STATE = "sla_state"
DAYS_OPEN = "days_open"
LATE = "late"
CLOCK_COLUMNS = (SLA_DAYS, SLA_DUE, SLA_STATE, DAYS_OPEN, LATE)

BUSINESS_DAYS_SETTING = SLA_BUSINESS_DAYS
DUE_SOON_SETTING = "due_soon_hours"


def due_dates(requests: pd.DataFrame, settings: Settings) -> pd.Series:
    """Each request's SLA due day (``dt.date``), None where ``requested_on`` is blank."""
    return pd.Series(_dates(_due(requests, settings)), index=requests.index, dtype=object)


def _due(requests: pd.DataFrame, settings: Settings) -> np.ndarray:
    return sla_due(requests, settings)  # one due day for the clock and the metrics' within-SLA share


def sla_clock(requests: pd.DataFrame, settings: Settings, *, as_of: dt.date) -> pd.DataFrame:
    """Where each request stands on ``as_of`` (one row per request, same index): its SLA in days, due day,
    state (None where it has none), days open (to ``as_of`` while open, to ``completed_on`` once completed)
    and whether it is late (open, and past its SLA or its ``needed_by``)."""
    today = np.datetime64(as_of, "D")
    start = _days(requests[R.requested_on])
    due = _due(requests, settings)
    needed = _days(requests[R.needed_by])
    completed = _days(requests[R.completed_on])
    status = requests[R.status].to_numpy(dtype=object)
    is_open = np.isin(status, schema.OPEN_REQUEST_STATUSES)
    is_done = status == "Completed"

    days_left = (due - today) / np.timedelta64(1, "D")  # NaN where no due day
    soon_days = settings.integer(DUE_SOON_SETTING) // 24
    has_due = ~np.isnat(due)
    state = np.full(len(due), None, dtype=object)
    state[is_open & has_due] = ON_TIME
    state[is_open & has_due & (days_left <= soon_days)] = DUE_SOON
    state[is_open & has_due & (days_left < 0)] = PAST_SLA
    finished = is_done & has_due & ~np.isnat(completed)
    state[finished] = np.where(completed[finished] <= due[finished], MET, MISSED)

    open_days = (today - start) / np.timedelta64(1, "D")
    days_open = np.where(is_open, open_days, np.where(is_done, days_to_fulfil(requests).to_numpy(), np.nan))
    late = is_open & ((has_due & (due < today)) | (~np.isnat(needed) & (needed < today)))
    return pd.DataFrame(
        {
            SLA_DAYS: sla_days(requests, settings).to_numpy(),
            SLA_DUE: _dates(due),
            SLA_STATE: state,
            DAYS_OPEN: pd.array(np.where(np.isnan(days_open), None, days_open), dtype="Int64"),
            LATE: late,
        },
        index=requests.index,
    )


def open_counts(requests: pd.DataFrame, settings: Settings, *, as_of: dt.date) -> dict[str, int]:
    """How many open requests are past their SLA, due soon and on time on ``as_of``."""
    states = sla_clock(requests, settings, as_of=as_of)[SLA_STATE]
    return {state: int((states == state).sum()) for state in OPEN_STATES}


def _days(values: pd.Series) -> np.ndarray:
    """A date column as whole days (NaT where blank or unreadable): no nanosecond overflow for far dates."""
    return pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[D]")


def _dates(days: np.ndarray) -> np.ndarray:
    """Whole days as ``dt.date`` objects, None where NaT."""
    return days.astype(object)  # numpy gives dt.date, and None for NaT
