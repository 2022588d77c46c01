"""Every metric on small tables whose figures are worked out by hand in the test.

The program below is as of 20 November 2026, reported for 2026-Q4 (1 October .. 31 December), 51 of 92 days
elapsed. Its rows are valid (the validator finds no error), so nothing is left out unless a test says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest

from kit import schema
from kit.health import health
from kit.metrics import (
    DealSide,
    GoalStatus,
    Headline,
    ProgramMetrics,
    Roster,
    compute,
    describe_metrics,
    draft_message,
    format_change,
    format_value,
    measure,
    resolve_period,
)
from kit.program import empty_program, program_from_grids
from kit.validate import validate
from tests.conftest import DEMO_AS_OF, grids_from_rows
from tests.factories import advocate as clean_advocate
from tests.factories import program as program_of
from tests.factories import request as new_request

A, R, X, N, O, G = (
    t.col
    for t in (
        schema.ADVOCATES,
        schema.REQUESTS,
        schema.ACTIVITIES,
        schema.NOMINATIONS,
        schema.OPPORTUNITIES,
        schema.GOALS,
    )
)
AS_OF = dt.date(2026, 11, 20)


def advocate(advocate_id, name, *, status="Active", joined="2025-01-01", verified="2026-06-01", **more):
    row = {
        A.advocate_id: advocate_id,
        A.name: name,
        A.email: f"{advocate_id.lower()}@customer.example.com",
        A.company: f"{name.split()[-1]} Corp",
        A.industry: "Retail",
        A.region: "EMEA",
        A.products: "Product B",
        A.activities: "reference_call; site_visit; review; media",
        A.consents: "logo; name; quote; story",
        A.status: status,
        A.joined_on: joined,
        A.last_verified: verified,
    }
    row.update(more)
    return row


def opportunity(opportunity_id, *, close, won, closed=True, amount=10_000, created="2026-06-01", **more):
    row = {
        O.opportunity_id: opportunity_id,
        O.account: f"Account {opportunity_id}",
        O.owner: "Sam Rep",
        O.amount: amount,
        O.created_on: created,
        O.close_date: close,
        O.is_closed: "TRUE" if closed else "FALSE",
        O.is_won: "TRUE" if won else "FALSE",
        O.industry: "Retail",
    }
    row.update(more)
    return row


def activity(activity_id, advocate_id, date, *, kind="reference_call", opportunity=None, request=None):
    return {
        X.activity_id: activity_id,
        X.advocate_id: advocate_id,
        X.activity: kind,
        X.date: date,
        X.opportunity_id: opportunity,
        X.request_id: request,
    }


def request(request_id, requested, *, status="Completed", completed=None, kind="reference_call", **more):
    row = {
        R.request_id: request_id,
        R.requested_on: requested,
        R.requester_email: "dana.ortiz@vendor.example.com",
        R.team: "Sales",
        R.activity: kind,
        R.status: status,
        R.completed_on: completed,
    }
    row.update(more)
    return row


ADVOCATES = [
    advocate("ADV-1", "Ana Lopez", industry="Insurance", products="Product A"),
    advocate("ADV-2", "Ben Okafor", joined="2026-10-10", verified="2026-10-10"),  # new in Q4
    advocate("ADV-3", "Cy Tanaka", joined="2024-01-01", verified="2025-01-01"),  # stale
    advocate("ADV-4", "Di Rossi", status="Retired", joined="2026-11-01"),  # new, not active
    advocate("ADV-5", "Ed Kim", status="Nominated", joined="2026-11-02"),  # not new: only nominated
]
OPPORTUNITIES = [
    # Q4, influenced (activities before close), won: the success story.
    opportunity(
        "OPP-1",
        close="2026-10-15",
        won=True,
        amount="$3.8M",
        owner="Dana Ortiz",
        account="Acme Insurance",
        industry="Insurance",
        created="2026-09-15",
    ),
    opportunity("OPP-2", close="2026-10-20", won=False),  # its activity came after the close
    opportunity("OPP-3", close="2026-11-01", won=True, amount=50_000),  # won without an advocate
    opportunity("OPP-4", close="2026-11-05", won=False),  # influenced through a request, lost
    opportunity("OPP-5", close="2026-12-15", won=False, closed=False),  # still open
    opportunity("OPP-6", close="2026-08-01", won=True, amount=30_000),  # Q3, influenced, won
    opportunity("OPP-7", close="2026-11-10", won=False),  # lost without an advocate
]
ACTIVITIES = [
    activity("ACT-1", "ADV-1", "2026-10-01", opportunity="OPP-1"),
    activity("ACT-2", "ADV-2", "2026-10-25", opportunity="OPP-2"),
    activity("ACT-3", "ADV-3", "2026-11-01", request="REQ-1"),
    activity("ACT-4", "ADV-2", "2026-10-05", opportunity="OPP-1"),
    activity("ACT-5", "ADV-1", "2026-10-10", kind="site_visit", opportunity="OPP-1"),
    activity("ACT-6", "ADV-3", "2026-07-15", opportunity="OPP-6"),
    activity("ACT-7", "ADV-3", "2026-11-02", opportunity="OPP-5"),
]
REQUESTS = [
    request("REQ-1", "2026-10-20", completed="2026-10-24", opportunity_id="OPP-4", advocate_id="ADV-3"),
    request("REQ-2", "2026-10-01", completed="2026-10-12", kind="review", advocate_id="ADV-1"),
    request("REQ-3", "2026-11-01", completed="2026-11-08", kind="media", advocate_id="ADV-1"),
    request("REQ-4", "2026-09-25", completed="2026-10-02", advocate_id="ADV-2"),
    request("REQ-5", "2026-11-10", status="New", needed_by="2026-11-15"),
    request("REQ-6", "2026-10-05", status="Declined", advocate_id="ADV-2"),
]
GOALS = [
    {G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "active_advocates", G.segment: "industry=Insurance; product=Product A", G.target: 3},
    {G.goal_id: "G-2", G.period: "2026-Q4", G.metric: "opportunities_influenced", G.target: 3},
    {G.goal_id: "G-3", G.period: "2026-Q3", G.metric: "requests_fulfilled", G.target: 9},
    {G.goal_id: "G-4", G.period: "2026-11", G.metric: "requests_fulfilled", G.target: 1},
    {G.goal_id: "G-5", G.period: "2026-Q4", G.metric: "happiness", G.target: 10},
    {G.goal_id: "G-6", G.period: "2026-Q3", G.metric: "opportunities_influenced", G.target: 5},
]  # fmt: skip


@pytest.fixture(scope="module")
def program():
    tabs = {
        "Advocates": ADVOCATES,
        "Opportunities": OPPORTUNITIES,
        "Activities": ACTIVITIES,
        "Requests": REQUESTS,
        "Goals": GOALS,
    }
    return program_from_grids(grids_from_rows(tabs), source="test")


@pytest.fixture(scope="module")
def q4(program):
    return measure(program, period="2026-Q4", as_of=AS_OF)


def figure(metrics, key):
    return metrics.figure(key).value


# ---------------------------------------------------------------------------------------------------------
# Impact


def test_the_example_program_leaves_no_row_out_of_any_figure(q4):
    assert q4.data_quality.rows_excluded == 0 and q4.data_quality.excluded.empty
    assert set(q4.data_quality.ignored["tab"]) <= {"Goals"}  # the goal on "happiness", said on its row


def test_influenced_counts_closed_deals_with_an_activity_on_or_before_close(q4):
    # Closed in Q4: OPP-1, 2, 3, 4, 7. Influenced: OPP-1 (own link) and OPP-4 (through REQ-1);
    # OPP-2's activity came after its close, OPP-5 is open.
    assert figure(q4, "opportunities_influenced") == 2
    assert figure(q4, "influenced_share") == pytest.approx(2 / 5)


def test_revenue_influenced_is_the_won_amount_of_influenced_deals(q4):
    assert figure(q4, "revenue_influenced") == 3_800_000  # OPP-1; OPP-4 was lost


def test_win_rate_lift_compares_deals_with_and_without_references(q4):
    # With: OPP-1 won, OPP-4 lost → 1/2. Without: OPP-2 lost, OPP-3 won, OPP-7 lost → 1/3.
    assert figure(q4, "win_rate_with") == pytest.approx(1 / 2)
    assert figure(q4, "win_rate_without") == pytest.approx(1 / 3)
    assert figure(q4, "win_rate_lift") == pytest.approx((1 / 2) / (1 / 3) - 1)


def test_deal_size_and_sales_cycle_with_and_without_advocates(q4):
    with_, without = q4.impact.with_advocates, q4.impact.without_advocates
    assert with_.average_deal_size == 3_800_000 and without.average_deal_size == 50_000
    # OPP-1 took 30 days (15 Sep → 15 Oct); OPP-4 157 days (1 Jun → 5 Nov): median 93.5.
    assert with_.median_sales_cycle_days == 93.5


def test_previous_period_and_change_are_reported_with_each_headline_figure(q4):
    influenced = q4.figure("opportunities_influenced")
    assert (influenced.value, influenced.previous, influenced.change) == (2, 1, 1)  # Q3: OPP-6
    assert q4.figure("win_rate_without").previous is None  # Q3 closed no deal without an advocate


def test_success_story_names_rep_account_amount_and_what_advocates_did(q4):
    (story,) = q4.success_stories
    assert story.sentence == (
        "Dana Ortiz closed $3.8M at Acme Insurance this quarter with 2 reference calls and a site visit."
    )
    assert story.advocates_used == ("Ana Lopez", "Ben Okafor")


def test_segment_filter_narrows_opportunities_by_their_own_columns(program):
    insurance = measure(program, period="2026-Q4", segment="industry=Insurance", as_of=AS_OF)
    assert figure(insurance, "opportunities_influenced") == 1
    assert figure(insurance, "influenced_share") == 1.0
    assert figure(insurance, "active_advocates") == 1  # Ana Lopez


# ---------------------------------------------------------------------------------------------------------
# Change from the previous period: like with like
#
# On 20 November, 51 days into 2026-Q4, the comparable day of 2026-Q3 is 1 July + 50 days = 20 August.
# Q3 has five influenced won deals: two closed by 20 August (OPP-A, OPP-B on the day itself), three after.

COMPARABLE_DAY = dt.date(2026, 8, 20)


@pytest.fixture
def two_quarters(make_program):
    deals = [  # id, close date, amount; each with one reference call on its close date
        ("OPP-A", "2026-07-10", 1_000),
        ("OPP-B", "2026-08-20", 2_000),
        ("OPP-C", "2026-08-21", 4_000),
        ("OPP-D", "2026-09-15", 8_000),
        ("OPP-E", "2026-09-30", 16_000),
        ("OPP-F", "2026-10-15", 32_000),  # Q4
    ]
    return make_program(
        Advocates=[
            advocate("ADV-1", "Ana Lopez", joined="2025-01-01"),
            advocate("ADV-2", "Ben Okafor", joined="2026-08-20"),  # on the comparable day
            advocate("ADV-3", "Cy Tanaka", joined="2026-09-01"),  # after it
        ],
        Opportunities=[opportunity(i, close=close, won=True, amount=amount) for i, close, amount in deals],
        Activities=[
            activity(f"ACT-{n}", "ADV-1", close, opportunity=i) for n, (i, close, _) in enumerate(deals)
        ],
    )


def test_running_quarter_is_compared_with_the_previous_quarter_up_to_the_same_day(two_quarters):
    metrics = measure(two_quarters, period="2026-Q4", as_of=AS_OF)
    assert metrics.previous_until == COMPARABLE_DAY
    influenced = metrics.figure("opportunities_influenced")
    assert (influenced.value, influenced.previous, influenced.change) == (1, 2, -1)  # OPP-F vs OPP-A, B
    assert metrics.figure("revenue_influenced").previous == 1_000 + 2_000
    assert metrics.figure("activities").previous == 2


def test_level_figures_of_the_previous_quarter_are_as_of_the_comparable_day(two_quarters):
    metrics = measure(two_quarters, period="2026-Q4", as_of=AS_OF)
    active = metrics.figure("active_advocates")
    assert (active.value, active.previous) == (3, 2)  # ADV-3 joined after 20 August
    assert metrics.figure("new_advocates").previous == 1  # ADV-2, joined on the day


@pytest.mark.parametrize("as_of", [dt.date(2026, 12, 31), dt.date(2027, 1, 15)])
def test_finished_quarter_is_compared_whole_with_the_whole_previous_quarter(two_quarters, as_of):
    metrics = measure(two_quarters, period="2026-Q4", as_of=as_of)
    assert metrics.previous_until == dt.date(2026, 9, 30)
    assert metrics.figure("opportunities_influenced").previous == 5
    assert metrics.figure("revenue_influenced").previous == 1_000 + 2_000 + 4_000 + 8_000 + 16_000
    assert metrics.figure("active_advocates").previous == 3


def test_trends_still_show_whole_previous_periods(two_quarters):
    metrics = measure(two_quarters, period="2026-Q4", as_of=AS_OF)
    q3 = metrics.trends.set_index("period").loc["2026-Q3"]
    assert q3["opportunities_influenced"] == 5


def test_the_comparison_is_named_in_the_text_and_the_json(two_quarters):
    metrics = measure(two_quarters, period="2026-Q4", as_of=AS_OF)
    assert "compared with the same 51 days of 2026-Q3 (to 2026-08-20)" in describe_metrics(metrics)
    previous = json.loads(json.dumps(metrics.to_dict()))["previous_period"]
    assert (previous["label"], previous["until"], previous["days"]) == ("2026-Q3", "2026-08-20", 51)


def test_finished_period_is_compared_with_the_previous_period_by_name(two_quarters):
    metrics = measure(two_quarters, period="2026-Q4", as_of=dt.date(2027, 1, 15))
    assert "compared with 2026-Q3\n" in describe_metrics(metrics)
    assert metrics.to_dict()["previous_period"]["days"] == 92


@pytest.mark.parametrize(
    ("period", "as_of", "until"),
    [
        ("2026-03", dt.date(2026, 3, 30), dt.date(2026, 2, 28)),  # 1 Feb + 29 days is past February
        ("2028-03", dt.date(2028, 3, 30), dt.date(2028, 2, 29)),  # leap year
        ("2026-03", dt.date(2026, 3, 28), dt.date(2026, 2, 28)),  # exactly the 28th day
        ("2026-04", dt.date(2026, 4, 29), dt.date(2026, 3, 29)),  # a longer month before: cut, not stretched
    ],
)
def test_comparable_day_is_the_same_day_count_clamped_to_the_previous_periods_end(
    make_program, period, as_of, until
):
    metrics = measure(make_program(), period=period, as_of=as_of)
    assert metrics.previous_until == until


def test_clamped_comparison_counts_the_whole_shorter_month(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Ana Lopez")],
        Activities=[activity("ACT-1", "ADV-1", "2026-02-27"), activity("ACT-2", "ADV-1", "2026-02-28")],
    )
    metrics = measure(program, period="2026-03", as_of=dt.date(2026, 3, 30))
    assert metrics.figure("activities").previous == 2
    assert "compared with 2026-02\n" in describe_metrics(metrics)  # all of February: no "same 30 days"


def test_longer_previous_month_is_cut_at_the_same_day(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Ana Lopez")],
        Activities=[activity("ACT-1", "ADV-1", "2026-03-29"), activity("ACT-2", "ADV-1", "2026-03-30")],
    )
    metrics = measure(program, period="2026-04", as_of=dt.date(2026, 4, 29))
    assert metrics.figure("activities").previous == 1  # 30 March is past the 29 days elapsed in April


# ---------------------------------------------------------------------------------------------------------
# Roster, service, activity


def test_active_and_new_advocates(q4):
    assert figure(q4, "active_advocates") == 3  # ADV-1, 2, 3
    assert q4.figure("active_advocates").previous == 2  # ADV-2 joined after Q3
    assert figure(q4, "new_advocates") == 2  # ADV-2 and ADV-4; ADV-5 is only nominated


def test_stale_share_is_of_active_profiles_not_confirmed_within_a_year(q4):
    assert q4.roster.stale == 1 and q4.roster.stale_share == pytest.approx(1 / 3)


def test_requests_fulfilled_are_counted_in_the_period_they_were_completed(q4):
    # REQ-1, 2, 3 and REQ-4 (requested in Q3, completed 2 Oct).
    assert figure(q4, "requests_fulfilled") == 4
    assert figure(q4, "requests_received") == 5  # REQ-1, 2, 3, 5, 6


def test_median_days_to_fulfil_and_share_within_sla(q4):
    # Days: REQ-1 4 (SLA 5, in), REQ-2 11 (review SLA 7, out), REQ-3 7 (media: default 10, in),
    # REQ-4 7 (SLA 5, out).
    assert figure(q4, "median_days_to_fulfil") == 7
    assert figure(q4, "within_sla_share") == pytest.approx(2 / 4)


def test_open_overdue_and_declined_requests(q4):
    assert (q4.service.open, q4.service.overdue, q4.service.declined) == (1, 1, 1)


def test_sla_per_activity(q4):
    table = q4.service.sla_by_activity.set_index("activity")
    assert table.loc["reference_call", "within_sla_share"] == pytest.approx(1 / 2)
    assert table.loc["review", "within_sla_share"] == 0


def test_activities_by_type_and_advocate_acceptance(q4):
    assert figure(q4, "activities") == 6  # ACT-1..5 and ACT-7
    per = q4.activity.per_advocate.set_index("advocate_id")
    assert per.loc["ADV-2", "asked"] == 2 and per.loc["ADV-2", "acceptance_rate"] == pytest.approx(1 / 2)
    assert per.loc["ADV-2", "last_asked"] == dt.datetime(2026, 10, 5)


def test_strategic_segment_coverage_and_gap_against_its_goal(q4):
    insurance = q4.coverage.set_index("segment").loc["industry=Insurance; product=Product A"]
    assert (insurance["active_advocates"], insurance["target"], insurance["gap"]) == (1, 3, 2)


def test_recruiting_leads_are_recent_wins_in_short_segments_at_companies_without_an_advocate(make_program):
    insurance_a = {"industry": "Insurance", "product": "Product A"}
    program = make_program(
        Advocates=[advocate("ADV-1", "Ana Lopez", company="Émile Insurance", **insurance_a)],
        Opportunities=[
            opportunity("OPP-1", close="2026-11-01", won=True, account="emile  INSURANCE", **insurance_a),
            opportunity("OPP-2", close="2026-11-02", won=True, account="Acme Insurance", **insurance_a),
            opportunity("OPP-3", close="2026-07-01", won=True, account="Old Insurance", **insurance_a),
        ],
        Goals=[{G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "active_advocates",
                G.segment: "industry=Insurance; product=Product A", G.target: 2}],
    )  # fmt: skip
    leads = measure(program, period="2026-Q4", as_of=AS_OF).recruiting.won_accounts_without_advocate
    # OPP-1's account is ADV-1's company as people type it; OPP-3 closed more than 90 days before 20 Nov.
    assert list(leads["account"]) == ["Acme Insurance"]


# ---------------------------------------------------------------------------------------------------------
# Goals


def test_goal_table_holds_the_goals_whose_period_overlaps_the_report(q4):
    assert list(q4.goals["goal_id"]) == ["G-1", "G-2", "G-4", "G-5"]


def test_flow_goal_is_on_track_when_ahead_of_the_elapsed_share(q4):
    goal = q4.goals.set_index("goal_id").loc["G-2"]
    assert goal["actual"] == 2 and goal["attainment"] == pytest.approx(2 / 3)
    assert goal["expected"] == pytest.approx(3 * 51 / 92)
    assert goal["status"] == "on track"


def test_level_goal_is_behind_until_the_level_is_reached(q4):
    goal = q4.goals.set_index("goal_id").loc["G-1"]
    assert (goal["actual"], goal["status"]) == (1, "behind")


def test_goal_is_evaluated_over_its_own_period(q4):
    goal = q4.goals.set_index("goal_id").loc["G-4"]  # November: REQ-3 only
    assert (goal["actual"], goal["status"]) == (1, "achieved")


def test_unknown_goal_metric_is_listed_not_evaluated(q4):
    goal = q4.goals.set_index("goal_id").loc["G-5"]
    assert goal["status"] == "not evaluated" and "happiness" in goal["note"]


def test_a_goal_whose_target_is_beyond_any_plausible_figure_has_no_target(make_program):
    program = make_program(
        Goals=[{G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "active_advocates", G.target: "1e308"}]
    )
    (goal,) = measure(program, period="2026-Q4", as_of=AS_OF).goals.to_dict("records")
    assert (goal["status"], goal["note"], goal["attainment"]) == ("not evaluated", "no target", None)
    assert goal["target"] is None


@pytest.mark.parametrize("target", ["1e308", None])
def test_a_strategic_segments_goal_without_a_usable_target_leaves_its_gap_unknown(make_program, target):
    segment = "industry=Insurance; product=Product A"  # a strategic segment of the default Settings
    program = make_program(
        Advocates=ADVOCATES,
        Goals=[
            {G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "new_advocates", G.target: 5},
            {G.goal_id: "G-2", G.period: "2026-Q4", G.metric: "active_advocates", G.segment: segment, G.target: target},
        ],
    )  # fmt: skip
    coverage = measure(program, period="2026-Q4", as_of=AS_OF).coverage.set_index("segment")
    assert coverage.loc[segment, "target"] is None and coverage.loc[segment, "gap"] is None


def test_the_note_counts_no_setting_or_goal_as_a_cell_read_as_blank(make_program):
    program = make_program(
        Advocates=ADVOCATES,
        Goals=[
            {G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "active_advocates", G.target: "1e308"},
            {G.goal_id: "G-2", G.period: "2026-Q5", G.metric: "active_advocates", G.target: 3},
        ],
        Settings=[{"key": "stale_after_days", "value": "-5"}],  # the default (365) is used: said by validate
    )
    quality = measure(program, period="2026-Q4", as_of=AS_OF).data_quality

    assert quality.cells_ignored == 0 and quality.ignored.empty
    assert "read as blank" not in quality.note
    assert quality.note.startswith("2 goals cannot be evaluated (the goal tracking says why)")


def test_goal_of_a_finished_period_short_of_target_is_missed(program):
    q3 = measure(program, period="2026-Q3", as_of=AS_OF)
    goal = q3.goals.set_index("goal_id").loc["G-6"]
    assert (goal["actual"], goal["status"]) == (1, "missed")


# ---------------------------------------------------------------------------------------------------------
# Edge cases and bad input


def test_empty_program_has_zero_counts_and_no_rates():
    metrics = measure(empty_program(), period="2026-Q4", as_of=AS_OF)
    assert not metrics.has_data and not metrics.period_has_data
    assert figure(metrics, "opportunities_influenced") == 0
    assert figure(metrics, "win_rate_with") is None and figure(metrics, "win_rate_lift") is None
    assert figure(metrics, "within_sla_share") is None
    assert "no data" in draft_message(metrics)


def test_no_closed_opportunity_means_no_win_rate(make_program):
    program = make_program(Opportunities=[opportunity("OPP-9", close="2026-12-01", won=False, closed=False)])
    metrics = measure(program, period="2026-Q4", as_of=AS_OF)
    assert figure(metrics, "influenced_share") is None and figure(metrics, "win_rate_without") is None


def test_period_without_data_says_so(program):
    metrics = measure(program, period="2020-Q1", as_of=AS_OF)
    assert metrics.has_data and not metrics.period_has_data


def test_deal_with_an_unreadable_amount_is_left_out_of_money_only_and_counted(make_program):
    program = make_program(
        Opportunities=[
            opportunity("OPP-1", close="2026-11-01", won=True, amount=1000),
            opportunity("OPP-2", close="2026-11-02", won=True, amount="TBD"),  # unreadable amount: an error
        ]
    )
    metrics = measure(program, period="2026-Q4", as_of=AS_OF)
    assert metrics.impact.closed == 2 and metrics.impact.without_advocates.won_amount == 1000
    (excluded,) = metrics.data_quality.excluded.to_dict("records")
    assert (excluded["tab"], excluded["column"], excluded["rows_excluded"], excluded["rows"]) == (
        "Opportunities",
        "amount",
        1,
        "3",
    )
    assert "1 opportunity without a usable amount is left out of revenue influenced" in (
        metrics.data_quality.note
    )


def test_fiscal_period_uses_the_programs_fiscal_year(program):
    period = resolve_period(program, "FY2027-Q4", AS_OF)  # Settings default: fiscal year from February
    assert (period.start, period.end) == (dt.date(2026, 11, 1), dt.date(2027, 1, 31))


def test_default_period_is_the_quarter_of_as_of(program):
    assert resolve_period(program, None, AS_OF).label == "2026-Q4"


def test_json_is_serialisable_and_carries_no_advocate_contact_details(q4):
    text = json.dumps(q4.to_dict())
    assert "customer.example.com" not in text  # advocates' e-mails
    payload = json.loads(text)
    assert [h["key"] for h in payload["headline"]][:2] == ["active_advocates", "new_advocates"]
    assert set(payload["headline"][0]) == {"key", "label", "value", "previous", "change", "unit"}
    assert payload["success_stories"][0]["amount"] == 3_800_000


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(3_800_000, "money", "$3.8M"), (250_000, "money", "$250K"), (0.314, "share", "31%"), (None, "share", "–"),
     (6.0, "days", "6 days"), (1234, "count", "1,234")],
)  # fmt: skip
def test_figures_are_formatted_for_people(value, unit, text):
    assert format_value(value, unit) == text


def test_changes_show_sign_and_points_for_shares():
    assert format_change(0.05, "share") == "+5 pts" and format_change(-3, "count") == "−3"


# ---------------------------------------------------------------------------------------------------------
# The figures as typed values, and their trip through JSON (a report's kernel, the e-mail)


def assert_same_figures(rebuilt, original, where="metrics"):
    """Field by field: tables with pandas' testing (a blank the same whether NaN or None), sections within
    sections likewise; the tables the JSON does not carry (one row per advocate) are not compared."""
    for f in dataclasses.fields(original):
        if not f.metadata.get("json", True) or f.name == "usage":
            continue
        mine, theirs = getattr(rebuilt, f.name), getattr(original, f.name)
        here = f"{where}.{f.name}"
        if isinstance(theirs, pd.DataFrame):
            pd.testing.assert_frame_equal(
                _blank_as_none(mine), _blank_as_none(theirs), check_dtype=False, obj=here
            )
        elif dataclasses.is_dataclass(theirs):
            assert_same_figures(mine, theirs, here)
        elif isinstance(theirs, tuple) and theirs and dataclasses.is_dataclass(theirs[0]):
            assert len(mine) == len(theirs), here
            for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                assert_same_figures(a, b, f"{here}[{i}]")
        elif isinstance(theirs, dict) and any(isinstance(v, pd.DataFrame) for v in theirs.values()):
            assert list(mine) == list(theirs), here
            for key in theirs:
                pd.testing.assert_frame_equal(
                    _blank_as_none(mine[key]),
                    _blank_as_none(theirs[key]),
                    check_dtype=False,
                    obj=f"{here}[{key}]",
                )
        else:
            assert mine == theirs, here


def _blank_as_none(frame):
    frame = frame.reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def round_trip(metrics):
    return ProgramMetrics.from_dict(json.loads(json.dumps(metrics.to_dict())))


@pytest.mark.parametrize("period", ["2026-Q4", "2026-Q3", "FY2027-Q4"])
def test_the_json_reads_back_into_the_same_figures(program, period):
    metrics = measure(program, period=period, as_of=AS_OF)

    rebuilt = round_trip(metrics)

    assert rebuilt.to_dict() == metrics.to_dict()
    assert json.dumps(rebuilt.to_dict()) == json.dumps(metrics.to_dict())  # 3 stays 3, not 3.0
    assert rebuilt.period == metrics.period and rebuilt.previous_period == metrics.previous_period
    assert rebuilt.headline == metrics.headline and rebuilt.impact == metrics.impact
    assert rebuilt.success_stories == metrics.success_stories
    assert_same_figures(rebuilt, metrics)


def test_the_demo_programs_json_reads_back_into_the_same_figures(demo_program):
    metrics = measure(demo_program, segment="industry=Insurance", as_of=DEMO_AS_OF)

    rebuilt = round_trip(metrics)

    assert json.dumps(rebuilt.to_dict()) == json.dumps(metrics.to_dict())
    assert_same_figures(rebuilt, metrics)
    assert rebuilt.segment == metrics.segment


def test_read_back_figures_keep_their_types(q4):
    rebuilt = round_trip(q4)

    assert isinstance(rebuilt.roster, Roster) and isinstance(rebuilt.impact.with_advocates, DealSide)
    assert {type(status) for status in rebuilt.goals["status"]} == {GoalStatus}
    assert isinstance(rebuilt.success_stories[0].close_date, dt.date)
    assert rebuilt.success_stories[0].advocates_used == ("Ana Lopez", "Ben Okafor")
    assert list(rebuilt.roster.over_cap_advocates.columns) == [
        "advocate_id",
        "name",
        "company",
        "uses",
        "cap",
    ]


def test_an_empty_program_reads_back_with_its_tables_columns_and_no_health_list():
    metrics = measure(empty_program(), period="2026-Q4", as_of=AS_OF)

    rebuilt = round_trip(metrics)

    assert list(rebuilt.recruiting.due_soon_unassigned.columns) == list(
        metrics.recruiting.due_soon_unassigned.columns
    )
    assert rebuilt.to_dict() == metrics.to_dict()
    assert_same_figures(rebuilt, metrics)


@pytest.mark.parametrize(
    ("key", "change", "improved"),
    [("active_advocates", 3, True), ("active_advocates", -1, False), ("median_days_to_fulfil", -2.5, True),
     ("median_days_to_fulfil", 1, False), ("win_rate_without", 0.1, False), ("revenue_influenced", 0, None),
     ("win_rate_lift", None, None)],
)  # fmt: skip
def test_a_change_is_an_improvement_when_it_moves_the_good_way(key, change, improved):
    headline = Headline(key, key, 1.0, 1.0, change, "count")

    assert headline.improved is improved


def test_a_goals_status_carries_its_tone(q4):
    tones = {status: status.tone for status in GoalStatus}

    assert tones[GoalStatus.ACHIEVED] == tones[GoalStatus.ON_TRACK] == "good"
    assert tones[GoalStatus.BEHIND] == tones[GoalStatus.MISSED] == "bad"
    assert tones[GoalStatus.NO_DATA] == tones[GoalStatus.NOT_EVALUATED] == "neutral"
    assert all(isinstance(status, GoalStatus) for status in q4.goals["status"])


# ---------------------------------------------------------------------------------------------------------
# compute reads the validator's findings it is given; measure validates first


def test_compute_ignores_only_the_cells_the_findings_it_is_given_mark_as_errors(make_program):
    program = make_program(
        Opportunities=[
            opportunity("OPP-1", close="2026-11-01", won=True, amount=1000),
            opportunity("OPP-2", close="2026-11-02", won=True, amount="TBD"),  # unreadable amount: an error
        ]
    )

    unvalidated = compute(program, period="2026-Q4", as_of=AS_OF, findings=None)
    validated = compute(program, period="2026-Q4", as_of=AS_OF, findings=validate(program, as_of=AS_OF))

    assert not unvalidated.data_quality.validated and unvalidated.data_quality.rows_excluded == 0
    assert unvalidated.data_quality.note == "The workbook was not validated: no cell was ignored."
    assert validated.data_quality.validated and validated.data_quality.rows_excluded == 1
    assert validated.data_quality.health is None  # no work-list was given


def test_compute_asks_for_the_findings_instead_of_validating_behind_the_callers_back(program):
    with pytest.raises(TypeError, match="findings"):
        compute(program, period="2026-Q4", as_of=AS_OF)


def test_measure_validates_builds_the_work_list_and_computes(program):
    findings = validate(program, as_of=AS_OF)

    measured = measure(program, period="2026-Q4", as_of=AS_OF)
    computed = compute(
        program,
        period="2026-Q4",
        as_of=AS_OF,
        findings=findings,
        health=health(program, findings, as_of=AS_OF),
    )

    assert measured.data_quality.health is not None
    assert measured.to_dict() == computed.to_dict()
    assert measure(program, period="2026-Q4", as_of=AS_OF, findings=findings).to_dict() == computed.to_dict()


@pytest.mark.parametrize(
    ("value", "previous", "percent"),
    [(12, 10, 20.0), (9, 12, -25.0), (5, 0, None), (None, 10, None), (10, None, None)],
)  # fmt: skip
def test_a_headline_figures_percent_change_is_against_last_periods_value(value, previous, percent):
    change = None if value is None or previous is None else value - previous
    headline = Headline("requests_received", "Requests received", value, previous, change, "count")

    assert headline.percent_change == (pytest.approx(percent) if percent is not None else None)


def test_draft_message_says_one_advocate_and_one_request_in_the_singular():
    one = program_of(
        Advocates=[clean_advocate(1)],
        Requests=[
            new_request(
                1,
                status="Completed",
                advocate_id="ADV-0001",
                requested_on=dt.date(2026, 10, 1),
                completed_on=dt.date(2026, 10, 5),
            )
        ],
    )
    draft = draft_message(measure(one, period="2026-Q4", as_of=AS_OF))

    assert "We have 1 active advocate (" in draft
    assert "we fulfilled 1 request for them" in draft
