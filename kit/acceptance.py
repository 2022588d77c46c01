"""How often each advocate says yes when asked: one definition for the whole kit.

The goal-tracking report shows each advocate's acceptance rate and the matcher ranks an advocate who keeps
declining below one who does not; both read this module so they agree.

Definition, counting up to ``as_of``:

- *asked*: the Requests that name the advocate (requested on or before ``as_of``), plus each decline the
  History tab records for them (a declined request goes back to New without its advocate, so the Requests
  tab no longer names them);
- *declined*: the Requests naming them whose status is Declined (typed in the sheet), plus the History
  tab's declines: a move from Advocate Asked back to New naming them (``advocacy-kit request decline``);
- *acceptance rate*: 1 − declined / asked, none when never asked.

An owner's rejection (Owner Approval back to New) is not the advocate's answer and is not counted.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import schema

R, H = schema.REQUESTS.col, schema.HISTORY.col

# Columns of the frame ``asked_and_declined`` returns (the kit's own names, not sheet columns).
ASKED, DECLINED, LAST_ASKED, ACCEPTANCE_RATE = "asked", "declined", "last_asked", "acceptance_rate"
DECLINED_STATUS = "Declined"  # a Requests status a person may type; the kit's own moves leave History rows


def history_declines(history: pd.DataFrame | None, as_of: dt.date) -> pd.DataFrame:
    """The History rows that record an advocate declining a request, made on or before ``as_of``."""
    if history is None or history.empty:
        return pd.DataFrame(columns=[H.advocate_id, H.at])
    at = pd.to_datetime(history[H.at], errors="coerce", utc=True)
    declined = (
        (history[H.from_status] == schema.ADVOCATE_ASKED_STATUS)
        & (history[H.to_status] == schema.NEW_STATUS)
        & history[H.advocate_id].notna()
        & (at.dt.date <= as_of)
    )
    return pd.DataFrame({H.advocate_id: history.loc[declined, H.advocate_id], H.at: at[declined]})


def asked_and_declined(requests: pd.DataFrame, history: pd.DataFrame | None, as_of: dt.date) -> pd.DataFrame:
    """Per advocate id (the index): times asked and declined, the last day asked, the acceptance rate."""
    named = requests[requests[R.advocate_id].notna() & (requests[R.requested_on] <= pd.Timestamp(as_of))]
    declines = history_declines(history, as_of)
    from_requests = pd.DataFrame(
        {
            "advocate_id": named[R.advocate_id],
            DECLINED: (named[R.status] == DECLINED_STATUS).astype(int),
            LAST_ASKED: pd.to_datetime(named[R.requested_on]),
        }
    )
    from_history = pd.DataFrame(
        {
            "advocate_id": declines[H.advocate_id],
            DECLINED: 1,
            LAST_ASKED: pd.to_datetime(declines[H.at]).dt.tz_localize(None).dt.normalize(),
        }
    )
    parts = [part for part in (from_requests, from_history) if len(part)]
    asks = pd.concat(parts, ignore_index=True) if parts else from_requests
    counted = asks.groupby("advocate_id").agg(
        **{ASKED: (DECLINED, "size"), DECLINED: (DECLINED, "sum"), LAST_ASKED: (LAST_ASKED, "max")}
    )
    counted[ACCEPTANCE_RATE] = 1 - counted[DECLINED] / counted[ASKED]
    return counted
