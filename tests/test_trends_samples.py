"""Every rate in goal tracking says what it rests on (issue 18): the trends table's share within SLA and
win-rate lift per period with their n, a lift on too few closed deals held back as the headline does; the
nominations' acceptance rate, the stale share and the per-activity SLA with theirs. And the trend chart
compares like with like: inside each earlier period's column, its value up to the same elapsed day."""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest

from kit import schema
from kit.metrics import measure
from kit.report_page import trend_chart
from kit.store.local import LocalStore
from tests.factories import (
    AS_OF,
    DEMO_AS_OF,
    activity,
    advocate,
    grids_from_rows,
    nomination,
    opportunity,
    program,
    request,
    setting,
)

X = schema.ACTIVITIES.col

# A program counted by hand, as of 20 November 2026 (2026-Q4 running), min_deals_for_rates 2.
# Requests (reference call: SLA 5 days; RFP: 3 days):
#   2026-Q3: fulfilled in 2, 4 and 20 days → 2 of 3 within SLA (67% of 3).
#   2026-Q4: a reference call in 2 days (within), an RFP in 10 days (late) → RFP 0% of 1.
# Closed deals:
#   2026-Q2: with an advocate 2 (1 won), without 3 (1 won) → lift (1/2) / (1/3) − 1 = 50% over 5 deals.
#   2026-Q3: with 1 (won), without 3 (1 won) → 1 < 2 with an advocate: held back, "(1 with, 3 without)".
# Nominations decided in 2026-Q4: 2 accepted, 1 declined → 67% of the 3 decided.
# Advocates: 4 active, one last verified in 2020 (stale_after_days 365) → 25% of 4 (1).


def _completed(n: int, asked: dt.date, days: int, activity: str = "reference_call") -> dict:
    return request(
        n,
        requested_on=asked,
        completed_on=asked + dt.timedelta(days=days),
        status="Completed",
        advocate_id="ADV-0001",
        activity=activity,
    )


def _deal(n: int, closed: dt.date, won: bool) -> dict:
    return opportunity(n, created_on=dt.date(2026, 1, 1), close_date=closed, is_won=won)


TABS = {
    "Advocates": [advocate(1), advocate(2), advocate(3), advocate(4, last_verified=dt.date(2020, 1, 1))],
    "Requests": [
        _completed(1, dt.date(2026, 7, 1), 2),
        _completed(2, dt.date(2026, 7, 10), 4),
        _completed(3, dt.date(2026, 8, 1), 20),
        _completed(4, dt.date(2026, 10, 1), 2),
        _completed(5, dt.date(2026, 10, 5), 10, activity="rfp"),
    ],
    "Opportunities": [
        _deal(1, dt.date(2026, 5, 1), True),  # 2026-Q2, with an advocate
        _deal(2, dt.date(2026, 5, 10), False),  # 2026-Q2, with
        _deal(3, dt.date(2026, 5, 2), True),  # 2026-Q2, without
        _deal(4, dt.date(2026, 5, 3), False),
        _deal(5, dt.date(2026, 5, 4), False),
        _deal(6, dt.date(2026, 8, 5), True),  # 2026-Q3, with
        _deal(7, dt.date(2026, 8, 6), True),  # 2026-Q3, without
        _deal(8, dt.date(2026, 8, 7), False),
        _deal(9, dt.date(2026, 8, 8), False),
    ],
    "Activities": [
        activity(1, day=dt.date(2026, 4, 20), opportunity_id="OPP-000001"),
        activity(2, day=dt.date(2026, 4, 21), opportunity_id="OPP-000002"),
        activity(3, day=dt.date(2026, 7, 20), opportunity_id="OPP-000006"),
    ],
    "Nominations": [
        nomination(1, status="Accepted", decided_on=dt.date(2026, 11, 5), advocate_id="ADV-0002"),
        nomination(2, status="Accepted", decided_on=dt.date(2026, 11, 6), advocate_id="ADV-0003"),
        nomination(3, status="Declined", decided_on=dt.date(2026, 11, 7)),
    ],
    "Settings": [setting("min_deals_for_rates", 2), setting("stale_after_days", 365)],
}


def _row(trends: pd.DataFrame, period: str) -> dict:
    return trends[trends["period"] == period].iloc[0].to_dict()


def test_each_trend_period_carries_the_requests_and_deals_its_rates_rest_on():
    m = measure(program(**TABS), as_of=AS_OF)
    q2, q3, q4 = (_row(m.trends, p) for p in ("2026-Q2", "2026-Q3", "2026-Q4"))
    assert (q2["closed_with"], q2["closed_without"], q2["win_rate_lift"]) == (2, 3, pytest.approx(0.5))
    assert (q3["closed_with"], q3["closed_without"]) == (1, 3)
    assert (q3["within_sla_n"], q3["within_sla_share"]) == (3, pytest.approx(2 / 3))
    assert (q4["within_sla_n"], q4["within_sla_share"]) == (2, pytest.approx(1 / 2))


def _visible(page: str) -> str:
    page = re.sub(r"<style.*?</style>|<img[^>]*>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def goal_tracking_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    from kit.report import render_report

    folder = tmp_path_factory.mktemp("trend-samples")
    workbook = folder / "program.xlsx"
    LocalStore(workbook).write_grids(grids_from_rows(TABS))
    result = render_report("goal-tracking", source=str(workbook), as_of=AS_OF, out_dir=folder)
    return _visible(result.html_path.read_text(encoding="utf-8"))


def _trend_rows(text: str) -> str:
    """The trends table's rows, as a reader sees them (from its last header on)."""
    trends = text[text.index("Trends over the last") :]
    return trends[trends.index("Win-rate lift") :]


@pytest.mark.slow
def test_the_trends_table_shows_the_share_within_sla_with_its_requests(goal_tracking_text):
    trends = _trend_rows(goal_tracking_text)
    q3 = trends[trends.index("2026-Q3 ") : trends.index("2026-Q4 (to date)")]
    assert "67% of 3" in q3


@pytest.mark.slow
def test_the_trends_table_shows_a_lift_over_its_deals_and_holds_back_one_on_too_few(goal_tracking_text):
    trends = _trend_rows(goal_tracking_text)
    q2 = trends[trends.index("2026-Q2 ") : trends.index("2026-Q3 ")]
    q3 = trends[trends.index("2026-Q3 ") : trends.index("2026-Q4 (to date)")]
    assert "50% over 5 deals" in q2
    assert "too few deals (1 with, 3 without)" in q3
    # Q3's lift, (1/1) / (1/3) − 1 = 200%, is not printed
    assert "200%" not in q3


@pytest.mark.slow
def test_the_acceptance_rate_the_stale_share_and_the_sla_per_activity_say_what_they_rest_on(
    goal_tracking_text,
):
    assert "Of the 3 decisions made in 2026-Q4, 67% accepted" in goal_tracking_text
    assert "25% of their 4 profiles (1) are stale" in goal_tracking_text
    assert "Weakest: RFP reference, 0% of 1 within 3 days." in goal_tracking_text


def _same_day_heights(fig, series: str) -> list[float]:
    bars = [p for p in fig.axes[0].patches if p.get_gid() == f"same-days:{series}"]
    return [bar.get_height() for bar in sorted(bars, key=lambda b: b.get_x())]


def test_the_trend_chart_draws_each_earlier_quarters_first_days_as_counted_from_the_activities_tab(
    demo_program,
):
    m = measure(demo_program, as_of=DEMO_AS_OF)
    # 20 November is day 51 of 2026-Q4: each earlier quarter's first 51 days, counted here from the tab.
    days = pd.to_datetime(demo_program.activities[X.date])
    starts = [dt.date(2025, 7, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 1), dt.date(2026, 4, 1)]
    starts.append(dt.date(2026, 7, 1))
    expected = [
        int(((days >= pd.Timestamp(s)) & (days <= pd.Timestamp(s + dt.timedelta(days=50)))).sum())
        for s in starts
    ]
    fig = trend_chart(m)
    assert _same_day_heights(fig, "activities") == expected
    assert fig.axes[0].get_legend() is not None
    assert "first 51 days, as 2026-Q4 to date" in [t.get_text() for t in fig.axes[0].get_legend().texts]


def test_a_past_quarters_trend_chart_has_no_same_day_columns(demo_program):
    m = measure(demo_program, period="2026-Q3", as_of=dt.date(2026, 12, 1))
    fig = trend_chart(m)
    assert not [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("same-days")]
