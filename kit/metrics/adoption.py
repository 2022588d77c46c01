"""Adoption: who among the colleagues the program serves (the People tab) uses it, and whether each side of
the stakeholder agreements (the Commitments tab) keeps its word. Defined in words in docs/reports.md
('Adoption'); pure functions over a program's tabs, as every figure.

People are matched to the other tabs by e-mail (Requests' ``requester_email``, Nominations'
``nominator_email``, People's ``manager_email``, Advocates' ``owner_email``), and to Opportunities' ``owner``
by name, folded as ``kit.names`` folds it (case, accents, spacing, initials), or by e-mail when the owner cell
holds one. Adoption covers the whole program: a segment does not narrow it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.metrics.data import Data, _blanked
from kit.metrics.definitions import (
    _NOM,
    _OPP,
    _REQ,
    COUNT,
    DAYS,
    SHARE,
    A,
    N,
    O,
    R,
    closed_mask,
    days_to_fulfil,
    fulfilled_mask,
    ratio,
    sla_days,
)
from kit.metrics.goals import GoalStatus, _goal_status
from kit.metrics.sections import ADOPTION_MANAGER_COLUMNS, ADOPTION_TEAM_COLUMNS, COMMITMENT_COLUMNS, Adoption
from kit.metrics.uncertainty import wilson_interval
from kit.names import normalise_name
from kit.periods import Period, parse_period

P = schema.PEOPLE.col
C = schema.COMMITMENTS.col

NEW_STARTER_DAYS = 180  # a person who started in the last 180 days is a new starter
UPTAKE_DAYS = 60  # a new starter has taken the program up when they make a request within 60 days

# The figures a commitment may name (Commitments' ``metric``), each computed per team: key → (label, unit).
COMMITMENT_METRICS: dict[str, tuple[str, str]] = {
    "requests_made": ("Requests made", COUNT),
    "nominations_made": ("Nominations made", COUNT),
    "within_sla_share": ("Requests fulfilled within SLA", SHARE),
    "profiles_updated": ("Advocate profiles updated", COUNT),
    "sellers_using_share": ("Sellers using the program", SHARE),
    "owner_approval_median_days": ("Median days for the account owner to approve", DAYS),
}

# A commitment's status: the goals' verdicts under the agreement's words, and two of its own.
MET, HAND, NOT_EVALUATED = "met", "tracked by hand", "not evaluated"
_FROM_GOAL = {GoalStatus.ACHIEVED: MET}


# ------------------------------------------------------------------------------------------------------------
# Matching people


def email_key(value: Any) -> str | None:
    """An e-mail address as it is compared: stripped and lower case; None for a blank or a non-address."""
    if not isinstance(value, str) or "@" not in value:
        return None
    return value.strip().lower()


def _name_key(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return normalise_name(value) or None


def people_frame(people: pd.DataFrame) -> pd.DataFrame:
    """The People rows the figures can use: those with an e-mail (the first row of each address), indexed by
    sheet row, with ``key`` (the address compared), ``name_key`` (the name folded) and ``manager_key``."""
    frame = people.assign(
        key=people[P.email].map(email_key),
        name_key=people[P.name].map(_name_key),
        manager_key=people[P.manager_email].map(email_key),
    )
    return frame[frame["key"].notna()].drop_duplicates("key")


def owner_keys(opportunities: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """Per opportunity, the e-mail key of the person in ``people`` (``people_frame``) who owns it: by the
    owner's name folded, or by e-mail when the owner cell holds an address; None when no one matches."""
    by_name = people.dropna(subset=["name_key"]).drop_duplicates("name_key").set_index("name_key")["key"]
    known = set(people["key"])
    owners = opportunities[O.owner]
    by_email = owners.map(email_key)
    matched = owners.map(_name_key).map(by_name)
    return matched.where(matched.notna(), by_email.where(by_email.isin(known))).astype(object)


# ------------------------------------------------------------------------------------------------------------
# The figures


def _window(dates: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    return (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))


def _requests_by_person(data: Data, start: dt.date, end: dt.date) -> pd.Series:
    """Requests made from ``start`` to ``end`` (both included), per requester's e-mail key."""
    requests = data.rows("requests_received", _REQ)
    requests = requests[_window(requests[R.requested_on], start, end)]
    return requests[R.requester_email].map(email_key).dropna().value_counts()


def _sellers(data: Data, people: pd.DataFrame, period: Period, until: dt.date) -> pd.DataFrame:
    """One row per person who owns an opportunity closed in ``period`` (up to ``until``): their closed deals,
    closed and won amounts, deals influenced, requests in the period or the one before, and ``using``."""
    opportunities = data.rows("opportunities_influenced", _OPP)
    closed_rows = closed_mask(opportunities, period, until)
    influenced = data.influenced("opportunities_influenced")
    closed = opportunities[closed_rows].assign(
        owner_key=lambda f: owner_keys(f, people),
        influenced=influenced[closed_rows].to_numpy(dtype=bool),
        amount=lambda f: pd.to_numeric(f[O.amount], errors="coerce").fillna(0.0),
        won=lambda f: f[O.is_won].fillna(False).astype(bool),
    )
    closed = closed[closed["owner_key"].notna()]
    closed["won_amount"] = closed["amount"].where(closed["won"], 0.0)
    per = closed.groupby("owner_key").agg(
        closed_deals=("owner_key", "size"),
        closed_amount=("amount", "sum"),
        won_amount=("won_amount", "sum"),
        deals_influenced=("influenced", "sum"),
    )
    requests = _requests_by_person(data, period.previous().start, min(period.end, until))
    per["requests"] = per.index.map(requests).fillna(0).astype(int)
    per["using"] = per["requests"] > 0
    info = people.set_index("key")
    sellers = per.join(info[[P.name, P.team, P.status, "manager_key"]], how="left")
    return sellers.rename_axis("key").reset_index()


def _manager_names(people: pd.DataFrame) -> pd.Series:
    return people.set_index("key")[P.name]


def _coaching(sellers: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Sellers still with the company whose deals closed without a request: most closed amount first."""
    rows = sellers[~sellers["using"] & (sellers[P.status] != "Left")]
    rows = rows.sort_values(["closed_amount", P.name], ascending=[False, True], kind="stable")
    return pd.DataFrame(
        {
            "email": rows["key"],
            "name": rows[P.name],
            "team": rows[P.team],
            "manager_email": rows["manager_key"],
            "manager": rows["manager_key"].map(_manager_names(people)),
            "closed_deals": rows["closed_deals"].astype(int),
            "closed_amount": rows["closed_amount"].astype(float),
        }
    ).reset_index(drop=True)


def _new_starters(data: Data, people: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """People still with the company who started in the last NEW_STARTER_DAYS, with their first request."""
    started = people[P.started_on]
    new = people[
        _window(started, as_of - dt.timedelta(days=NEW_STARTER_DAYS - 1), as_of)
        & (people[P.status] != "Left")
    ]
    requests = data.rows("requests_received", _REQ)
    made = pd.DataFrame({"key": requests[R.requester_email].map(email_key), "on": requests[R.requested_on]})
    made = made.dropna()
    made = made[made["on"] <= pd.Timestamp(as_of)].merge(new[["key", P.started_on]], on="key")
    first = made[made["on"] >= made[P.started_on]].groupby("key")["on"].min()
    first_on = new["key"].map(first)
    days = (first_on - new[P.started_on]).dt.days
    frame = pd.DataFrame(
        {
            "email": new["key"],
            "name": new[P.name],
            "team": new[P.team],
            "manager_email": new["manager_key"],
            "started_on": new[P.started_on],
            "days_since_start": (pd.Timestamp(as_of) - new[P.started_on]).dt.days,
            "first_request_on": first_on,
            "days_to_first_request": pd.Series(
                [None if pd.isna(d) else int(d) for d in days], index=new.index, dtype=object
            ),
        }
    )
    return frame.sort_values(["started_on", "name"], kind="stable").reset_index(drop=True)


def owner_approval_days(
    history: pd.DataFrame, requests: pd.DataFrame, period: Period, as_of: dt.date
) -> pd.DataFrame:
    """Each time a request left Owner Approval in ``period`` (up to ``as_of``), per the History tab: its
    ``team`` (the request's) and the ``days`` (fractional) since it entered Owner Approval last."""
    H = schema.HISTORY.col
    empty = pd.DataFrame({"team": pd.Series(dtype=object), "days": pd.Series(dtype=float)})
    if history.empty:
        return empty
    moves = history.assign(when=pd.to_datetime(history[H.at], utc=True, errors="coerce"))
    moves = moves.dropna(subset=["when", H.request_id]).sort_values("when", kind="stable")
    entered = moves.loc[moves[H.to_status] == schema.OWNER_APPROVAL_STATUS, [H.request_id, "when"]]
    left = moves[moves[H.from_status] == schema.OWNER_APPROVAL_STATUS]
    if entered.empty or left.empty:
        return empty
    stints = pd.merge_asof(
        left[[H.request_id, "when"]],
        entered.rename(columns={"when": "entered"}),
        left_on="when",
        right_on="entered",
        by=H.request_id,
        direction="backward",
    ).dropna(subset=["entered"])
    day = stints["when"].dt.tz_convert(None).dt.normalize()
    stints = stints[period.mask(day, until=as_of).to_numpy()]
    teams = requests.dropna(subset=[R.request_id]).drop_duplicates(R.request_id).set_index(R.request_id)
    return pd.DataFrame(
        {
            "team": stints[H.request_id].map(teams[R.team]).to_numpy(dtype=object),
            "days": ((stints["when"] - stints["entered"]).dt.total_seconds() / 86_400).to_numpy(),
        }
    )


def _team_rows(
    data: Data,
    people: pd.DataFrame,
    sellers: pd.DataFrame,
    period: Period,
    as_of: dt.date,
    history: pd.DataFrame | None = None,
    before: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per team (the schema's teams, in order, those with anything to count): ``ADOPTION_TEAM_COLUMNS``;
    ``before`` is the previous period's sellers (to the same day while the period runs), for the change."""
    requests = data.rows("requests_received", _REQ)
    requests = requests[period.mask(requests[R.requested_on], until=as_of)]
    nominations = data.rows("nominations_received", _NOM)
    nominations = nominations[period.mask(nominations[N.submitted_on], until=as_of)]
    timed = data.rows("within_sla_share", _REQ)
    timed = timed[fulfilled_mask(timed, period, as_of)]
    days = days_to_fulfil(timed)
    timed = timed.assign(within=(days <= sla_days(timed, data.settings)), timed=days.notna())
    timed = timed[timed["timed"]]
    team_of = people.set_index("key")[P.team]
    advocates = data.advocates
    verified = advocates[period.mask(advocates[A.last_verified], until=as_of)]
    verified_team = verified[A.owner_email].map(email_key).map(team_of)
    approvals = owner_approval_days(
        history if history is not None else pd.DataFrame(), data.requests, period, as_of
    )
    rows = []
    for team in schema.TEAMS:
        mine = sellers[sellers[P.team] == team]
        theirs_before = before[before[P.team] == team] if before is not None else sellers.iloc[:0]
        approved = approvals.loc[approvals["team"] == team, "days"]
        within = timed[timed[R.team] == team]
        row = {
            "team": team,
            "people": int((people[P.team] == team).sum()),
            "requests_made": int((requests[R.team] == team).sum()),
            "nominations_made": int((nominations[N.team] == team).sum()),
            "sellers_with_deals": len(mine),
            "sellers_using": int(mine["using"].sum()),
            "sellers_using_share": ratio(int(mine["using"].sum()), len(mine)),
            "deals_influenced": int(mine["deals_influenced"].sum()),
            "within_sla_share": ratio(int(within["within"].sum()), len(within)),
            "profiles_updated": int((verified_team == team).sum()),
            "owner_approval_median_days": float(approved.median()) if len(approved) else None,
            "previous_sellers_with_deals": len(theirs_before),
            "previous_sellers_using_share": ratio(int(theirs_before["using"].sum()), len(theirs_before)),
        }
        if row["people"] or row["requests_made"] or row["nominations_made"]:
            rows.append(row)
    return pd.DataFrame(rows, columns=list(ADOPTION_TEAM_COLUMNS))


def _manager_rows(
    data: Data, people: pd.DataFrame, sellers: pd.DataFrame, period: Period, as_of: dt.date
) -> pd.DataFrame:
    """Per manager named in People: their direct reports' requests, nominations, use and deals influenced."""
    requests = _requests_by_person(data, period.start, min(period.end, as_of))
    nominations = data.rows("nominations_received", _NOM)
    nominations = nominations[period.mask(nominations[N.submitted_on], until=as_of)]
    nominated = nominations[N.nominator_email].map(email_key).dropna().value_counts()
    names = _manager_names(people)
    rows = []
    for manager, reports in people.dropna(subset=["manager_key"]).groupby("manager_key", sort=True):
        mine = sellers[sellers["manager_key"] == manager]
        rows.append(
            {
                "manager_email": manager,
                "manager": names.get(manager, manager),
                "team": people.set_index("key")[P.team].get(manager, reports[P.team].mode().iloc[0])
                if len(reports[P.team].dropna())
                else None,
                "people": len(reports),
                "requests": int(reports["key"].map(requests).fillna(0).sum()),
                "nominations": int(reports["key"].map(nominated).fillna(0).sum()),
                "sellers_with_deals": len(mine),
                "sellers_using": int(mine["using"].sum()),
                "sellers_using_share": ratio(int(mine["using"].sum()), len(mine)),
                "deals_influenced": int(mine["deals_influenced"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(ADOPTION_MANAGER_COLUMNS))


def adoption_data(data: Data, people_tab: pd.DataFrame, unusable: Mapping[str, Any]) -> pd.DataFrame:
    """The People rows the figures use (cells with errors blank, rows without an e-mail left out)."""
    return people_frame(_blanked(schema.PEOPLE, people_tab, unusable.get(schema.PEOPLE.name, {})))


def _adoption(
    data: Data, people_tab: pd.DataFrame, unusable: Mapping[str, Any], period: Period, as_of: dt.date,
    previous_until: dt.date, history: pd.DataFrame | None = None,
) -> Adoption:  # fmt: skip
    people = adoption_data(data, people_tab, unusable)
    left_out = len(people_tab) - len(people)
    sellers = _sellers(data, people, period, as_of)
    before = _sellers(data, people, period.previous(), previous_until)
    using, n = int(sellers["using"].sum()), len(sellers)
    starters = _new_starters(data, people, as_of)
    eligible = starters[starters["days_since_start"] >= UPTAKE_DAYS]
    took_up = int(eligible["days_to_first_request"].map(lambda d: d is not None and d <= UPTAKE_DAYS).sum())
    opportunities = data.rows("opportunities_influenced", _OPP)
    closed = opportunities[closed_mask(opportunities, period, as_of)]
    unmatched = int(owner_keys(closed, people).isna().sum()) if len(people) else 0
    notes = []
    if left_out:
        notes.append(f"{left_out} People row(s) without a usable e-mail left out (see validate).")
    if unmatched:
        notes.append(f"{unmatched} closed deal(s) whose owner is not in People left out (see validate).")
    return Adoption(
        people=len(people),
        sellers_with_deals=n,
        sellers_using=using,
        sellers_using_share=ratio(using, n),
        sellers_using_interval=wilson_interval(using, n),
        previous_sellers_with_deals=len(before),
        previous_sellers_using_share=ratio(int(before["using"].sum()), len(before)),
        coaching=_coaching(sellers, people),
        new_starters=starters.drop(columns=["days_since_start"]),
        new_starters_count=len(starters),
        uptake_n=len(eligible),
        uptake_within=took_up,
        uptake_share=ratio(took_up, len(eligible)),
        uptake_interval=wilson_interval(took_up, len(eligible)),
        by_team=_team_rows(data, people, sellers, period, as_of, history, before),
        by_manager=_manager_rows(data, people, sellers, period, as_of),
        unmatched_owners=unmatched,
        notes=tuple(notes),
    )


def _commitments(
    data: Data, people_tab: pd.DataFrame, commitments: pd.DataFrame, unusable: Mapping[str, Any],
    period: Period, as_of: dt.date, history: pd.DataFrame | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Each commitment whose period overlaps ``period`` (none given: ``period`` itself), with its team's
    actual over its own period, target, attainment and status, by the goals' rules (``_goal_status``)."""
    # An unusable target is blank ('no target'); the period, metric and team stay as typed, so the note
    # quotes one it cannot read (as a goal's does).
    cells = unusable.get(schema.COMMITMENTS.name, {})
    commitments = _blanked(schema.COMMITMENTS, commitments, {C.target: cells.get(C.target, ())})
    people = adoption_data(data, people_tab, unusable)
    settings = data.settings
    cache: dict[Period, pd.DataFrame] = {}

    def team_figures(per: Period) -> pd.DataFrame:
        if per not in cache:
            sellers = _sellers(data, people, per, as_of)
            cache[per] = _team_rows(data, people, sellers, per, as_of, history).set_index("team")
        return cache[per]

    rows = []
    for _, c in commitments.iterrows():
        row = {name: None for name in COMMITMENT_COLUMNS}
        row.update({k: c[k] for k in (C.commitment_id, C.team, C.direction, C.commitment, C.metric)})
        row["target"] = None if pd.isna(c[C.target]) else float(c[C.target])
        row["status"], row["note"] = NOT_EVALUATED, ""
        own = period
        if c[C.period] is not None:
            try:
                own = parse_period(
                    c[C.period], fiscal_year_start_month=settings.fiscal_year_start_month, as_of=as_of
                )
            except Exception:
                row["period"], row["note"] = c[C.period], f"period {c[C.period]!r} is not a period"
                rows.append(row)
                continue
        if not own.overlaps(period):
            continue
        row["period"] = own.label
        metric = c[C.metric]
        if metric is None:
            row["status"], row["note"] = HAND, c[C.status_note] or ""
        elif metric not in COMMITMENT_METRICS:
            row["note"] = f"metric {metric!r} is not one the kit computes ({', '.join(COMMITMENT_METRICS)})"
        elif c[C.team] not in schema.TEAMS:
            row["note"] = "no team" if c[C.team] is None else f"team {c[C.team]!r} is not a team"
        elif row["target"] is None:
            row["note"] = "no target"
        else:
            figures = team_figures(own)
            actual = figures.at[c[C.team], metric] if c[C.team] in figures.index else None
            actual = None if actual is None or pd.isna(actual) else float(actual)
            elapsed = own.share_elapsed(as_of)
            early = elapsed < 1.0 and (as_of - own.start).days + 1 <= settings.integer("goal_grace_days")
            verdict = _goal_status(
                metric, actual, row["target"], elapsed, settings.number("goal_tolerance"), early
            )
            row.update({k: verdict[k] for k in ("actual", "attainment", "expected")})
            status = verdict["status"]
            row["status"] = str(_FROM_GOAL.get(status, status))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COMMITMENT_COLUMNS))


def unmatched_rows(opportunities: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """Sheet rows of Opportunities whose owner is filled but matches no one in ``people_frame(people)``."""
    frame = people_frame(people)
    owners = opportunities[O.owner]
    filled = owners.map(lambda v: isinstance(v, str) and bool(v.strip()))
    matched = owner_keys(opportunities, frame).notna()
    return opportunities.index[filled & ~matched].to_numpy()
