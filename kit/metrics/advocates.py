"""The advocates' side of the program: the roster (who is active, stale or over their cap), coverage of the
strategic segments, how much each advocate is used, the nominations pipeline and recruiting leads.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from kit import schema
from kit.acceptance import asked_and_declined
from kit.cells import fold
from kit.metrics.data import Data
from kit.metrics.definitions import (
    _ACT,
    _ADV,
    _NOM,
    _REQ,
    DUE_SOON_DAYS,
    RECENT_WIN_DAYS,
    TOP,
    A,
    N,
    O,
    R,
    X,
    _by,
    _day,
    _median,
    _person,
    _true,
    active_mask,
    new_mask,
    open_mask,
    ratio,
    segment_mask,
    stale_mask,
    under_covered,
)
from kit.metrics.goals import _goal_segment
from kit.metrics.sections import (
    ACTIVE_BY,
    COVERAGE_COLUMNS,
    Activity,
    Pipeline,
    Recruiting,
    Roster,
    _columns,
)
from kit.periods import Period, days_between
from kit.segments import Segment


def _roster(d: Data, period: Period, as_of: dt.date, usage: pd.DataFrame) -> Roster:
    on = min(period.end, as_of)
    active = d.rows("active_advocates", _ADV)
    active = active[active_mask(active, on)]
    stale = stale_mask(active, on, d.settings.stale_after_days)
    # Over cap: this quarter's uses (kit.usage) above the advocate's cap; resting: at or over it (kit.health's
    # rule: no more asks until the next quarter).
    over = pd.DataFrame(columns=_columns(Roster, "over_cap_advocates"))
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
    breakdowns = {column: _by(active, column, "advocates") for column in ACTIVE_BY}
    return Roster(
        active=len(active),
        new=len(new),
        stale=int(stale.sum()),
        stale_share=ratio(stale.sum(), len(active)),
        over_cap=len(over),
        over_cap_advocates=over.head(TOP).reset_index(drop=True),
        resting=resting,
        by_status=_by(d.advocates, A.status, "advocates"),
        active_by=breakdowns,
        new_by_industry=_by(new, A.industry, "advocates"),
        # The Settings behind "stale" and "over cap", for the sentences that explain them.
        stale_after_days=d.settings.stale_after_days,
        default_cap=d.settings.default_max_per_quarter,
    )


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


def _coverage(d: Data, goals: pd.DataFrame, period: Period, as_of: dt.date) -> pd.DataFrame:
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
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _pipeline(d: Data, period: Period, as_of: dt.date) -> Pipeline:
    noms = d.nominations
    usable = d.rows("nominations_received", _NOM)
    received = usable[period.mask(usable[N.submitted_on], until=as_of)]
    decided_mask = period.mask(noms[N.decided_on], until=as_of) & noms[N.status].isin(
        (schema.NOMINATION_ACCEPTED, schema.NOMINATION_DECLINED)
    )
    decided = noms[decided_mask]
    accepted = int((decided[N.status] == schema.NOMINATION_ACCEPTED).sum())
    days = days_between(decided[N.submitted_on], decided[N.decided_on])
    nominators = received[N.nominator_email].map(_person).dropna()
    # The funnel of the period's own nominations adds up (received = accepted + declined + awaiting); the
    # decisions on, and the wait of, nominations sent in before the period are counted beside it.
    outcome = received[N.status]
    waiting = noms[N.status] == schema.NEW_STATUS
    start = pd.Timestamp(period.start)
    earlier = noms[N.submitted_on] < start
    return Pipeline(
        received=len(received),
        decided=len(decided),
        accepted=accepted,
        declined=len(decided) - accepted,
        acceptance_rate=ratio(accepted, len(decided)),
        median_days_to_decision=_median(days),
        awaiting_decision=int(waiting.sum()),
        received_accepted=int((outcome == schema.NOMINATION_ACCEPTED).sum()),
        received_declined=int((outcome == schema.NOMINATION_DECLINED).sum()),
        received_awaiting=int(
            (~outcome.isin((schema.NOMINATION_ACCEPTED, schema.NOMINATION_DECLINED))).sum()
        ),
        earlier_decided=int((decided[N.submitted_on] < start).sum()),
        earlier_awaiting=int((waiting & earlier).sum()),
        by_team=_by(received, N.team, "nominations"),
        by_nominator=nominators.value_counts()
        .head(TOP)
        .rename_axis("nominator")
        .reset_index(name="nominations"),
    )


def _activity(d: Data, period: Period, as_of: dt.date, history: pd.DataFrame | None = None) -> Activity:
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
    # Asked, declined and the acceptance rate as kit.acceptance defines them (the ranking reads the same).
    asked = asked_and_declined(d.requests, history, as_of)[
        ["asked", "declined", "last_asked", "acceptance_rate"]
    ]
    per_advocate = per_advocate.join(asked, on="advocate_id")
    per_advocate["asked"] = pd.to_numeric(per_advocate["asked"]).fillna(0).astype(int)
    per_advocate["declined"] = pd.to_numeric(per_advocate["declined"]).fillna(0).astype(int)
    per_advocate["acceptance_rate"] = pd.to_numeric(per_advocate["acceptance_rate"]).astype(float)
    ever = set(d.activities[X.advocate_id].dropna())
    never = per_advocate[(per_advocate["asked"] == 0) & ~per_advocate["advocate_id"].isin(ever)]
    ordered = per_advocate.sort_values(["activities", "name"], ascending=[False, True], kind="stable")
    least = per_advocate.sort_values(["activities", "last_asked", "name"], na_position="first", kind="stable")
    return Activity(
        total=len(acts),
        by_type=_by(acts, X.activity, "activities"),
        most_used=ordered.head(TOP).reset_index(drop=True),
        least_used=least.head(TOP).reset_index(drop=True),
        never_asked=len(never),
        never_asked_examples=never.sort_values("name")
        .head(TOP)[["advocate_id", "name", "company"]]
        .reset_index(drop=True),
        per_advocate=per_advocate.reset_index(drop=True),
    )


def _recruiting(d: Data, coverage: pd.DataFrame, as_of: dt.date) -> Recruiting:
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
    return Recruiting(
        won_accounts_without_advocate=pd.DataFrame(
            leads, columns=_columns(Recruiting, "won_accounts_without_advocate")
        )
        .sort_values("amount", ascending=False, kind="stable")
        .head(TOP * 2)
        .reset_index(drop=True),
        due_soon_unassigned=due_soon.reset_index(drop=True),
    )
