"""How much each advocate has been asked this quarter, against their cap: one definition for the whole kit.

Validation warns about advocates over their cap, the health work-list shows who is resting, and matching
must not pick them; all three read this module so they agree on who is "used up".

Definition. An advocate's *uses* in the calendar quarter that contains ``as_of`` are

- their Activities dated in that quarter, plus
- the Requests assigned to them that are still open (status in ``schema.OPEN_REQUEST_STATUSES``) and were
  requested in that quarter (a completed request already left an Activity, so it is not counted twice).

Their *cap* is their own ``max_per_quarter`` when it is filled in and usable (within ``schema.RANGES``:
the validator ignores a cap of -1, and so does this), else the Settings tab's ``default_max_per_quarter``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import schema
from kit.program import Program

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
X = schema.ACTIVITIES.col

# Columns of the frame quarter_usage returns (the kit's own names, not sheet columns).
USES = "uses"
ACTIVITIES_DONE = "activities_done"
OPEN_REQUESTS = "open_requests"
CAP = "cap"
ROW = "row"


def quarter_bounds(as_of: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the calendar quarter holding ``as_of``."""
    period = pd.Period(as_of, freq="Q")
    return period.start_time.normalize(), period.end_time.normalize()


def quarter_label(as_of: dt.date) -> str:
    """'2026-Q4' for any day of October to December 2026."""
    period = pd.Period(as_of, freq="Q")
    return f"{period.year}-Q{period.quarter}"


def quarter_usage(program: Program, as_of: dt.date) -> pd.DataFrame:
    """Uses and cap of every advocate on the roster in the calendar quarter of ``as_of``.

    Returns a frame indexed by ``advocate_id`` (one row per id; a duplicated id keeps its first row) with
    columns ``uses`` (``activities_done`` + ``open_requests``), ``cap`` and ``row`` (the roster's sheet
    row). Activities and requests naming an id that is not on the roster are not counted (the validator
    reports them).
    """
    roster = program.advocates
    ids = roster[A.advocate_id]
    roster = roster[ids.notna()]
    roster = roster[~roster[A.advocate_id].duplicated(keep="first")]
    index = pd.Index(roster[A.advocate_id].astype(object), name=A.advocate_id)

    start, end = quarter_bounds(as_of)
    activities = program.activities
    in_quarter = activities[X.date].between(start, end)
    done = activities.loc[in_quarter, X.advocate_id].value_counts()

    requests = program.requests
    open_ = requests[R.status].isin(schema.OPEN_REQUEST_STATUSES) & requests[R.requested_on].between(
        start, end
    )
    asked = requests.loc[open_, R.advocate_id].value_counts()

    default_cap = program.settings.default_max_per_quarter
    own_cap = pd.Series(pd.array(roster[A.max_per_quarter].to_numpy(), dtype="Int64"))
    usable = [
        cap is pd.NA or schema.in_range(schema.ADVOCATES.name, A.max_per_quarter, int(cap)) for cap in own_cap
    ]
    own_cap = own_cap.where(usable)  # a cap the validator ignores reads as blank: the default applies
    frame = pd.DataFrame(
        {
            ACTIVITIES_DONE: done.reindex(index, fill_value=0).to_numpy(dtype="int64"),
            OPEN_REQUESTS: asked.reindex(index, fill_value=0).to_numpy(dtype="int64"),
            CAP: own_cap.fillna(default_cap).to_numpy(dtype="int64"),
            ROW: roster.index.to_numpy(dtype="int64"),
        },
        index=index,
    )
    frame.insert(0, USES, frame[ACTIVITIES_DONE] + frame[OPEN_REQUESTS])
    return frame
