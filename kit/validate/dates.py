"""Impossible dates: a day after the check, and two dates of a row (or an activity and its request) out of
order, reported on the date a figure can best do without."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import schema
from kit.metrics import affected_figures
from kit.program import Program
from kit.validate.findings import _Collector
from kit.validate.words import _a, _day, _label

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
X = schema.ACTIVITIES.col
N = schema.NOMINATIONS.col
O = schema.OPPORTUNITIES.col

# Dates that cannot lie after the day of the check.
PAST_DATES: tuple[tuple[schema.Tab, str], ...] = (
    (schema.ADVOCATES, A.joined_on),
    (schema.ADVOCATES, A.last_verified),
    (schema.REQUESTS, R.requested_on),
    (schema.REQUESTS, R.completed_on),
    (schema.ACTIVITIES, X.date),
    (schema.NOMINATIONS, N.submitted_on),
    (schema.NOMINATIONS, N.decided_on),
    (schema.OPPORTUNITIES, O.created_on),
)
# (tab, earlier column, later column): the later date cannot come first.
DATE_ORDER: tuple[tuple[schema.Tab, str, str], ...] = (
    (schema.REQUESTS, R.requested_on, R.completed_on),
    (schema.OPPORTUNITIES, O.created_on, O.close_date),
    (schema.NOMINATIONS, N.submitted_on, N.decided_on),
)


def _date_checks(found: _Collector, program: Program, as_of: dt.date) -> None:
    today = pd.Timestamp(as_of)
    for tab, column in PAST_DATES:
        dates = program[tab][column]
        for row in dates.index[dates > today]:
            found.add(
                tab.name,
                row,
                column,
                "future_date",
                f"{_day(dates.at[row])} is after today ({as_of.isoformat()}); "
                f"{_a(_label(column))} date cannot be in the future.",
            )
    for tab, earlier, later in DATE_ORDER:
        frame = program[tab]
        wrong = frame[later] < frame[earlier]
        blamed, other = (earlier, later) if _blame_earlier(tab.name, earlier, later) else (later, earlier)
        relation = "after" if blamed == earlier else "before"
        for row in frame.index[wrong]:
            found.add(
                tab.name,
                row,
                blamed,
                "date_order",
                f"The {_label(blamed)} ({_day(frame.at[row, blamed])}) is {relation} the "
                f"{_label(other)} ({_day(frame.at[row, other])}).",
            )
    # An activity that answered a request cannot have happened before the request was made.
    activities, requests = program.activities, program.requests
    known = requests[requests[R.request_id].notna()].drop_duplicates(R.request_id)
    asked_on = activities[X.request_id].map(known.set_index(R.request_id)[R.requested_on])
    early = activities[X.date] < asked_on
    for row in activities.index[early]:
        found.add(
            schema.ACTIVITIES.name,
            row,
            X.date,
            "date_order",
            f"Done on {_day(activities.at[row, X.date])}, before its request "
            f"{activities.at[row, X.request_id]} was made ({_day(asked_on.at[row])}).",
        )


def _blame_earlier(tab: str, earlier: str, later: str) -> bool:
    """Whether two dates out of order are reported on (so ignore) the earlier one: when a figure needs the
    later and none the earlier, so a typo in a descriptive date (an opportunity's created_on) never costs
    a row. Otherwise the later date is the one out of place."""
    return bool(affected_figures(tab, later)) and not affected_figures(tab, earlier)
