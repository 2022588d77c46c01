"""What the program delivered in a period: the headline figures, the service to requesters, the deals it
influenced and the stories of the biggest wins, and the colleagues who fed it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.metrics.adoption import email_key, people_frame
from kit.metrics.data import Data
from kit.metrics.definitions import (
    _ACT,
    _ADV,
    _NOM,
    _OPP,
    _REQ,
    STORIES,
    TOP,
    N,
    O,
    R,
    X,
    _by,
    _day,
    _mean,
    _median,
    _person,
    _true,
    active_mask,
    activity_opportunity,
    closed_mask,
    days_to_fulfil,
    fulfilled_mask,
    lift,
    new_mask,
    open_mask,
    ratio,
    sla_days,
    within_sla,
)
from kit.metrics.sections import (
    STAKEHOLDER_COLUMNS,
    ComparableLift,
    DealSide,
    DealSizeBand,
    Impact,
    Service,
    SuccessStory,
    _columns,
)
from kit.metrics.text import _activity_phrase, _period_phrase, money
from kit.metrics.uncertainty import Stratum, katz_ratio, mantel_haenszel_ratio, wilson_interval
from kit.periods import Period, days_between


def _impact(d: Data, period: Period, as_of: dt.date) -> Impact:
    """Influence and win rates over the deals usable for them; money over those with a usable amount too."""
    opps = d.rows("opportunities_influenced", _OPP)
    influenced = d.influenced("opportunities_influenced")
    closed = closed_mask(opps, period, as_of)
    won = _true(opps[O.is_won])
    infl = influenced & closed
    other = closed & ~influenced
    cycle = days_between(opps[O.created_on], opps[O.close_date])
    priced = d.rows("revenue_influenced", _OPP)  # the deals with a usable amount too (usually the same)
    if priced is opps:
        priced_won, priced_influenced = closed & won, influenced
    else:
        priced_won = closed_mask(priced, period, as_of) & _true(priced[O.is_won])
        priced_influenced = d.influenced("revenue_influenced")

    def side(mask: pd.Series, priced_mask: pd.Series) -> DealSide:
        amounts = priced.loc[priced_mask & priced_won, O.amount]
        return DealSide(
            closed=int(mask.sum()),
            won=int((mask & won).sum()),
            win_rate=ratio((mask & won).sum(), mask.sum()),
            win_rate_interval=wilson_interval(int((mask & won).sum()), int(mask.sum())),
            average_deal_size=_mean(amounts),
            median_sales_cycle_days=_median(cycle[mask]),
            won_amount=float(amounts.fillna(0).sum()),
        )

    with_, without = side(infl, priced_influenced), side(other, ~priced_influenced)
    katz = katz_ratio(with_.won, with_.closed, without.won, without.closed)
    priced_closed = closed_mask(priced, period, as_of) & priced[O.amount].notna()
    return Impact(
        closed=int(closed.sum()),
        influenced=int(infl.sum()),
        influenced_share=ratio(infl.sum(), closed.sum()),
        influenced_share_interval=wilson_interval(int(infl.sum()), int(closed.sum())),
        revenue_influenced=with_.won_amount,
        with_advocates=with_,
        without_advocates=without,
        win_rate_lift=lift(with_.win_rate, without.win_rate),
        win_rate_lift_interval=_minus_one(katz.interval),
        win_rate_lift_comparable=_comparable_lift(
            priced.loc[priced_closed, O.amount],
            priced_influenced[priced_closed],
            _true(priced.loc[priced_closed, O.is_won]),
        ),
        min_deals_for_rates=int(d.settings.integer("min_deals_for_rates")),
    )


def _minus_one(interval: tuple[float, float] | None) -> tuple[float, float] | None:
    """A risk ratio's interval as a lift's (ratio − 1, as ``lift``)."""
    return None if interval is None else (interval[0] - 1.0, interval[1] - 1.0)


def _comparable_lift(amounts: pd.Series, influenced: pd.Series, won: pd.Series) -> ComparableLift:
    """The lift among deals of similar size: the closed deals with an amount split at the terciles of their
    amounts (numpy's linear quantiles, to the cent; a band is ``low < amount <= high``, the first from the smallest), each
    band's win rates with and without advocates combined as a Mantel–Haenszel risk ratio. A band without a
    deal on one side says nothing about the difference and is dropped (``used`` False)."""
    if amounts.empty:
        return ComparableLift(value=None, interval=None, deals=0, bands=())
    values = amounts.astype(float).to_numpy()
    # to the cent: a cut point that falls on a deal's amount must not land a hair below it (45,000 read as
    # 44,999.99999999998), or the band a deal falls in would depend on floating point
    cuts = np.round(np.quantile(values, [1 / 3, 2 / 3]), 2)
    band = np.searchsorted(cuts, values, side="left")  # 0: <= first cut, 1: <= second, 2: above
    edges = [float(values.min()), float(cuts[0]), float(cuts[1]), float(values.max())]
    infl, wins = influenced.to_numpy(dtype=bool), won.to_numpy(dtype=bool)
    rows, strata = [], []
    for b in range(3):
        here = band == b
        if not here.any():
            continue
        stratum = Stratum(
            int((here & infl & wins).sum()),
            int((here & infl).sum()),
            int((here & ~infl & wins).sum()),
            int((here & ~infl).sum()),
        )
        used = stratum.n_1 > 0 and stratum.n_0 > 0
        if used:
            strata.append(stratum)
        rows.append(
            DealSizeBand(
                band=b + 1,
                low=edges[b],
                high=edges[b + 1],
                closed_with=stratum.n_1,
                won_with=stratum.events_1,
                closed_without=stratum.n_0,
                won_without=stratum.events_0,
                used=used,
            )
        )
    estimate = mantel_haenszel_ratio(strata)
    return ComparableLift(
        value=None if estimate.ratio is None else estimate.ratio - 1.0,
        interval=_minus_one(estimate.interval),
        deals=sum(s.n_1 + s.n_0 for s in strata),
        bands=tuple(rows),
    )


def _sla_counts(
    d: Data, period: Period, as_of: dt.date, days: pd.Series, timed: pd.DataFrame
) -> tuple[int, int]:
    """Requests fulfilled in the period within their SLA, and those timed (``within_sla_share``'s terms)."""
    sla = d.rows("within_sla_share", _REQ)  # needs more cells: a subset of the rows timed
    sla = sla[fulfilled_mask(sla, period, as_of)]
    taken = days if len(sla) == len(timed) else days.loc[sla.index]
    within = within_sla(sla, d.settings)
    return int(within[taken.notna()].sum()), int(taken.notna().sum())


def _precision(d: Data, period: Period, as_of: dt.date, impact: Impact) -> dict[str, dict[str, Any]]:
    """Per headline share: its denominator ``n``, its 95% ``interval`` and, for the win-rate comparison
    below ``min_deals_for_rates`` on a side, the sentence the reports show instead (``withheld``)."""
    timed = d.rows("median_days_to_fulfil", _REQ)
    timed = timed[fulfilled_mask(timed, period, as_of)]
    within, sla_n = _sla_counts(d, period, as_of, days_to_fulfil(timed), timed)
    w, wo = impact.with_advocates, impact.without_advocates
    withheld = impact.too_few_deals
    return {
        "within_sla_share": {"n": sla_n, "interval": wilson_interval(within, sla_n)},
        "influenced_share": {"n": impact.closed, "interval": impact.influenced_share_interval},
        "win_rate_with": {"n": w.closed, "interval": w.win_rate_interval, "withheld": withheld},
        "win_rate_without": {"n": wo.closed, "interval": wo.win_rate_interval, "withheld": withheld},
        "win_rate_lift": {
            "n": w.closed + wo.closed,
            "interval": impact.win_rate_lift_interval,
            "withheld": withheld,
        },
    }


def _figures(d: Data, period: Period, as_of: dt.date) -> dict[str, float | None]:
    """Every headline figure (keys of HEADLINE) for one period, each over the rows it can use (``NEEDS``)."""
    on = min(period.end, as_of)
    fulfilled = d.rows("requests_fulfilled", _REQ)
    timed = d.rows("median_days_to_fulfil", _REQ)
    timed = timed[fulfilled_mask(timed, period, as_of)]
    days = days_to_fulfil(timed)
    within, sla_n = _sla_counts(d, period, as_of, days, timed)
    impact = _impact(d, period, as_of)
    return {
        "active_advocates": int(active_mask(d.rows("active_advocates", _ADV), on).sum()),
        "new_advocates": int(new_mask(d.rows("new_advocates", _ADV), period, as_of).sum()),
        "nominations_received": int(
            period.mask(d.rows("nominations_received", _NOM)[N.submitted_on], until=as_of).sum()
        ),
        "requests_received": int(
            period.mask(d.rows("requests_received", _REQ)[R.requested_on], until=as_of).sum()
        ),
        "requests_fulfilled": int(fulfilled_mask(fulfilled, period, as_of).sum()),
        "median_days_to_fulfil": _median(days),
        "within_sla_share": ratio(within, sla_n),
        "activities": int(period.mask(d.rows("activities", _ACT)[X.date], until=as_of).sum()),
        "opportunities_influenced": impact.influenced,
        "influenced_share": impact.influenced_share,
        "revenue_influenced": impact.revenue_influenced,
        "win_rate_with": impact.with_advocates.win_rate,
        "win_rate_without": impact.without_advocates.win_rate,
        "win_rate_lift": impact.win_rate_lift,
    }


def _comparable_day(period: Period, as_of: dt.date) -> dt.date:
    """The day the previous period is measured up to (see 'Change from the previous period')."""
    previous = period.previous()
    if as_of >= period.end:
        return previous.end
    if as_of < period.start:
        return min(previous.end, as_of)
    return min(previous.start + (as_of - period.start), previous.end)


def _change(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None:
        return None
    return value - previous


def _service(d: Data, period: Period, as_of: dt.date, gaps: pd.DataFrame | None) -> Service:
    requests = d.requests
    usable = d.rows("requests_received", _REQ)
    received = usable[period.mask(usable[R.requested_on], until=as_of)]
    usable = d.rows("requests_fulfilled", _REQ)
    fulfilled = usable[fulfilled_mask(usable, period, as_of)]
    usable = d.rows("median_days_to_fulfil", _REQ)
    days_median = days_to_fulfil(usable[fulfilled_mask(usable, period, as_of)])
    usable = d.rows("within_sla_share", _REQ)
    timed = usable[fulfilled_mask(usable, period, as_of)]
    days = days_median if len(timed) == len(days_median) else days_median.loc[timed.index]
    sla = sla_days(timed, d.settings)
    within = within_sla(timed, d.settings)
    per_activity = (
        pd.DataFrame({"activity": timed[R.activity], "within": within, "sla_days": sla})
        .groupby("activity", dropna=True)
        .agg(fulfilled=("within", "size"), within_sla=("within", "sum"), sla_days=("sla_days", "first"))
        .reset_index()
    )
    per_activity["within_sla_share"] = per_activity["within_sla"] / per_activity["fulfilled"]
    timed_days = days.notna()  # the within-SLA share's own terms: requests with both days known
    per_team = (
        pd.DataFrame({R.team: timed[R.team], "within": within})[timed_days]
        .groupby(R.team, dropna=True)
        .agg(fulfilled=("within", "size"), within_sla=("within", "sum"))
        .reset_index()
        .sort_values([R.team])
    )
    per_team["within_sla_share"] = per_team["within_sla"] / per_team["fulfilled"]
    open_ = requests[open_mask(requests, as_of)]
    overdue = open_[open_[R.needed_by] < _day(as_of)]
    from kit.sla import DUE_SOON, PAST_SLA, sla_clock  # here: kit.sla imports kit.metrics

    clock = sla_clock(open_, d.settings, as_of=as_of)
    states = clock["sla_state"]
    watched = states.isin([PAST_SLA, DUE_SOON])
    sla_watch = (
        pd.DataFrame(
            {
                R.request_id: open_[R.request_id],
                R.team: open_[R.team],
                R.activity: open_[R.activity],
                R.status: open_[R.status],
                "sla_due": pd.to_datetime(clock["sla_due"]),
                "sla_state": states,
                R.needed_by: open_[R.needed_by],
            }
        )[watched]
        .sort_values(["sla_due", R.needed_by, R.request_id], na_position="last")
        .reset_index(drop=True)
    )
    by_team_activity = (
        received.groupby([R.team, R.activity])
        .size()
        .rename("requests")
        .reset_index()
        .sort_values("requests", ascending=False)
        if len(received)
        else pd.DataFrame(columns=_columns(Service, "by_team_activity"))
    )
    unserved = gaps if gaps is not None else pd.DataFrame()
    return Service(
        received=len(received),
        fulfilled=len(fulfilled),
        declined=int((received[R.status] == "Declined").sum()),
        cancelled=int((received[R.status] == "Cancelled").sum()),
        open=len(open_),
        overdue=len(overdue),
        past_sla=int((states == PAST_SLA).sum()),
        due_soon=int((states == DUE_SOON).sum()),
        sla_watch=sla_watch,
        median_days_to_fulfil=_median(days_median),
        within_sla_share=ratio(within[days.notna()].sum(), days.notna().sum()),
        by_team=_by(received, R.team, "requests"),
        by_activity=_by(received, R.activity, "requests"),
        by_team_activity=by_team_activity,
        sla_by_activity=per_activity,
        sla_by_team=per_team,
        teams_without_requests=tuple(t for t in schema.TEAMS if t not in set(received[R.team].dropna())),
        unserved=len(unserved),
        unserved_by_segment=(
            unserved.groupby("segment")
            .size()
            .rename("requests")
            .reset_index()
            .sort_values("requests", ascending=False)
            if len(unserved) and "segment" in unserved
            else pd.DataFrame(columns=_columns(Service, "unserved_by_segment"))
        ),
    )


def _stories(d: Data, period: Period, as_of: dt.date) -> tuple[SuccessStory, ...]:
    """The biggest won deals advocates influenced in the period, each with a ready-made sentence."""
    opps = d.rows("revenue_influenced", _OPP)
    influenced = d.influenced("revenue_influenced")
    wins = opps[closed_mask(opps, period, as_of) & influenced & _true(opps[O.is_won])]
    if wins.empty:
        return ()
    wins = wins.sort_values(O.amount, ascending=False, na_position="last", kind="stable").head(STORIES)
    linking = d.rows("revenue_influenced", _ACT)
    acts = linking.assign(_opp=activity_opportunity(linking, d.rows("revenue_influenced", _REQ)))
    acts = acts[acts["_opp"].isin(wins[O.opportunity_id])]
    stories = []
    for _, opp in wins.iterrows():
        mine = acts[(acts["_opp"] == opp[O.opportunity_id]) & (acts[X.date] <= opp[O.close_date])]
        mine = mine.sort_values(X.date, kind="stable")
        counts = (
            mine[X.activity].value_counts(sort=False).reindex(pd.unique(mine[X.activity].dropna())).to_dict()
        )
        names = [str(d.names.get(a, a)) for a in pd.unique(mine[X.advocate_id].dropna())]
        rep = opp[O.owner] or "The account team"
        amount = opp[O.amount]
        amount_text = money(amount) if amount is not None and not pd.isna(amount) else "a deal"
        phrase = _activity_phrase({k: int(v) for k, v in counts.items()})
        sentence = f"{rep} closed {amount_text} at {opp[O.account]} {_period_phrase(period, as_of)}"
        sentence += f" with {phrase}." if phrase else "."
        stories.append(
            SuccessStory(
                opportunity_id=opp[O.opportunity_id],
                rep=opp[O.owner],
                account=opp[O.account],
                amount=None if pd.isna(amount) else float(amount),
                close_date=opp[O.close_date].date(),  # closed in the period: never blank
                advocates_used=tuple(names),
                activities={k: int(v) for k, v in counts.items()},
                sentence=sentence,
            )
        )
    return tuple(stories)


def _stakeholders(d: Data, people: pd.DataFrame, period: Period, as_of: dt.date) -> pd.DataFrame:
    """The teams who fed the program in the period, most first: the team's requests and nominations, and its
    top contributor (by requests plus nominations) with their full name and count.

    A person is their e-mail address, named as the People tab names them: names made from the address alone
    were first names ('marcus@' → 'Marcus'), merged two people whose addresses start alike, and turned a
    role address into a person ('csm.kenji@' → 'Csm Kenji', who is Mei Chen). An address not on the People
    tab is named from its local part, as before."""
    requests = d.rows("requests_received", _REQ)
    requests = requests[period.mask(requests[R.requested_on], until=as_of)]
    noms = d.rows("nominations_received", _NOM)
    noms = noms[period.mask(noms[N.submitted_on], until=as_of)]
    columns = list(STAKEHOLDER_COLUMNS)
    frame = pd.concat(
        [
            pd.DataFrame({"team": requests[R.team], "email": requests[R.requester_email], "requests": 1}),
            pd.DataFrame({"team": noms[N.team], "email": noms[N.nominator_email], "nominations": 1}),
        ]
    )
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.assign(
        team=frame["team"].fillna("(no team)"),
        key=frame["email"].map(email_key),
        requests=frame["requests"].fillna(0).astype(int),
        nominations=frame["nominations"].fillna(0).astype(int),
    )
    teams = frame.groupby("team")[["requests", "nominations"]].sum()
    teams["total"] = teams["requests"] + teams["nominations"]
    known = frame.dropna(subset=["key"])
    per_person = known.groupby(["team", "key"]).size().rename("person_count").reset_index()
    # most contributions first; a tie goes to the address that sorts first, so the table does not flicker
    top = per_person.sort_values(
        ["team", "person_count", "key"], ascending=[True, False, True], kind="stable"
    )
    top = top.drop_duplicates("team").set_index("team")
    names = people_frame(people).set_index("key")[schema.PEOPLE.col.name].dropna()
    top["person"] = [names.get(key) or _person(key) for key in top["key"]]
    table = teams.join(top[["person", "person_count"]]).reset_index()
    table = table.sort_values(["total", "team"], ascending=[False, True], kind="stable").head(TOP)
    return table.reset_index(drop=True)[columns]
