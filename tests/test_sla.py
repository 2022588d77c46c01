"""The SLA clock on requests: each request's due day (calendar or business days), its state, and lateness.

Due days are worked out by hand in the comments (AS_OF, 20 November 2026, is a Friday) or, for business
days, by numpy.busday_offset and a plain day-by-day count in the test.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kit import schema
from kit.health import describe_health, health
from kit.metrics import measure
from kit.periods import parse_period
from kit.program import Program
from kit.requests_queue import request_queue
from kit.sla import due_dates, open_counts, sla_clock
from kit.validate import validate
from tests import factories
from tests.factories import AS_OF, request, setting

R = schema.REQUESTS.col
DAY = dt.date


def clock(*requests: dict, settings: tuple[dict, ...] = (), as_of: dt.date = AS_OF):
    program = factories.program(Requests=list(requests), Settings=list(settings))
    return sla_clock(program.requests, program.settings, as_of=as_of).set_index(
        program.requests[R.request_id]
    )


def req(n: int, requested_on: dt.date | None, activity: str = "reference_call", **cells) -> dict:
    return request(n, **{R.requested_on: requested_on, R.activity: activity} | cells)


def test_an_open_reference_call_is_due_its_sla_days_in_calendar_days_after_it_was_requested():
    # Monday 2 November + sla_days.reference_call (5) = Saturday 7 November: before AS_OF, so past its SLA
    row = clock(req(1, DAY(2026, 11, 2))).loc["REQ-000001"]

    assert row["sla_due"] == DAY(2026, 11, 7)
    assert row["sla_days"] == 5
    assert row["sla_state"] == "past_sla"
    assert row["days_open"] == 18


@pytest.mark.parametrize(
    ("requested_on", "state"),
    [
        (DAY(2026, 11, 14), "past_sla"),  # due 19 November, the day before AS_OF
        (DAY(2026, 11, 15), "due_soon"),  # due on AS_OF itself
        (DAY(2026, 11, 18), "due_soon"),  # due 23 November: 3 days (72 hours) away
        (DAY(2026, 11, 19), "on_time"),  # due 24 November: 4 days away
    ],
)
def test_an_open_request_is_due_soon_from_72_hours_before_its_due_day_until_that_day(requested_on, state):
    assert clock(req(1, requested_on)).loc["REQ-000001", "sla_state"] == state


def test_due_soon_hours_from_the_settings_tab_narrows_the_window():
    # due 23 November, 3 days away: due soon at 72 hours, not at 48
    soon = clock(req(1, DAY(2026, 11, 18)), settings=(setting("due_soon_hours", 48),))

    assert soon.loc["REQ-000001", "sla_state"] == "on_time"


def test_an_activity_without_its_own_sla_uses_sla_days_default_and_its_own_setting_when_given():
    # webinar: sla_days.default 10 → 20 November (due soon); with sla_days.webinar 2 → 12 November (past)
    requested = DAY(2026, 11, 10)
    default = clock(req(1, requested, "webinar")).loc["REQ-000001"]
    own = clock(req(1, requested, "webinar"), settings=(setting("sla_days.webinar", 2),)).loc["REQ-000001"]

    assert (default["sla_due"], default["sla_state"]) == (DAY(2026, 11, 20), "due_soon")
    assert (own["sla_due"], own["sla_state"]) == (DAY(2026, 11, 12), "past_sla")


def test_in_business_days_a_five_day_sla_from_monday_ends_the_next_monday():
    business = (setting("sla_business_days", "yes"),)
    row = clock(req(1, DAY(2026, 11, 2)), settings=business).loc["REQ-000001"]
    calendar = clock(req(1, DAY(2026, 11, 2))).loc["REQ-000001"]

    assert row["sla_due"] == DAY(2026, 11, 9)  # Tue 3, Wed 4, Thu 5, Fri 6, Mon 9
    assert calendar["sla_due"] == DAY(2026, 11, 7)


def test_in_business_days_a_request_logged_at_the_weekend_starts_counting_on_monday():
    business = (setting("sla_business_days", "TRUE"),)
    rows = clock(req(1, DAY(2026, 11, 7)), req(2, DAY(2026, 11, 8)), settings=business)

    # Saturday 7 and Sunday 8 November count from Monday 9: five business days later is Monday 16
    assert list(rows["sla_due"]) == [DAY(2026, 11, 16), DAY(2026, 11, 16)]


def _business_days_after(start: dt.date, days: int) -> dt.date:
    """By hand: move to a weekday if on a weekend, then step one weekday at a time."""
    day = start
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    for _ in range(days):
        day += dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("activity", ["rfp", "reference_call", "review", "speaking", "case_study"])
def test_business_day_due_dates_agree_with_numpy_and_a_day_by_day_count_for_every_weekday(activity):
    starts = [DAY(2026, 10, 26) + dt.timedelta(days=k) for k in range(14)]  # two weeks, every weekday
    days = int(schema.SETTING_BY_KEY[f"sla_days.{activity}"].default)
    program = factories.program(
        Requests=[req(i, day, activity) for i, day in enumerate(starts, start=1)],
        Settings=[setting("sla_business_days", "yes")],
    )

    due = list(due_dates(program.requests, program.settings))

    assert due == [_business_days_after(day, days) for day in starts]
    assert due == [np.busday_offset(day, days, roll="forward").item() for day in starts]


def test_a_completed_request_met_its_sla_when_completed_on_or_before_its_due_day_else_missed():
    # requested 2 November, reference call: due 7 November
    rows = clock(
        req(1, DAY(2026, 11, 2), **{R.status: "Completed", R.completed_on: DAY(2026, 11, 7)}),
        req(2, DAY(2026, 11, 2), **{R.status: "Completed", R.completed_on: DAY(2026, 11, 8)}),
    )

    assert list(rows["sla_state"]) == ["met", "missed"]
    assert list(rows["days_open"]) == [5, 6]  # until completed
    assert not rows["late"].any()


def test_declined_cancelled_and_undated_requests_have_no_state():
    rows = clock(
        req(1, DAY(2026, 11, 2), **{R.status: "Declined"}),
        req(2, DAY(2026, 11, 2), **{R.status: "Cancelled"}),
        req(3, None),
        req(4, DAY(2026, 11, 2), **{R.status: "Completed"}),  # no completed_on
    )

    assert rows["sla_state"].isna().all()
    assert rows.loc["REQ-000003", "sla_due"] is None


def test_a_request_is_late_when_its_sla_or_its_needed_by_has_passed():
    rows = clock(
        req(1, DAY(2026, 11, 2), **{R.needed_by: DAY(2026, 12, 1)}),  # SLA passed, needed_by not
        req(2, DAY(2026, 11, 19), **{R.needed_by: DAY(2026, 11, 19)}),  # needed_by passed, SLA on time
        req(3, DAY(2026, 11, 19), **{R.needed_by: DAY(2026, 11, 20)}),  # needed today: not yet late
        req(4, DAY(2026, 11, 19)),  # neither
    )

    assert list(rows["sla_state"]) == ["past_sla", "on_time", "on_time", "on_time"]
    assert list(rows["late"]) == [True, True, False, False]


def test_a_due_day_a_century_away_is_worked_out_without_overflow():
    rows = clock(req(1, DAY(2199, 12, 1), "webinar"), settings=(setting("sla_days.default", 36_500),))

    assert rows.loc["REQ-000001", "sla_due"] == DAY(2199, 12, 1) + dt.timedelta(days=36_500)
    assert rows.loc["REQ-000001", "sla_state"] == "on_time"


def test_open_counts_count_each_open_state():
    program = factories.program(
        Requests=[
            req(1, DAY(2026, 11, 2)),  # past
            req(2, DAY(2026, 11, 3), **{R.status: "Scheduled", R.advocate_id: "ADV-0001"}),  # past
            req(3, DAY(2026, 11, 18)),  # due soon
            req(4, DAY(2026, 11, 19), "case_study"),  # on time
            req(5, DAY(2026, 11, 2), **{R.status: "Completed", R.completed_on: DAY(2026, 11, 9)}),
        ]
    )

    assert open_counts(program.requests, program.settings, as_of=AS_OF) == {
        "past_sla": 2,
        "due_soon": 1,
        "on_time": 1,
    }


def test_health_lists_the_requests_past_their_sla_and_those_due_soon():
    program = factories.program(
        Advocates=[factories.advocate(1)],
        Requests=[
            req(1, DAY(2026, 11, 19), "case_study"),  # on time: not listed
            req(2, DAY(2026, 11, 18)),  # due 23 November: due soon
            req(3, DAY(2026, 11, 2), **{R.status: "Advocate Asked", R.advocate_id: "ADV-0001"}),  # past
        ],
    )
    report = health(program, validate(program, as_of=AS_OF), as_of=AS_OF)
    text = describe_health(report)

    assert list(report.past_sla[R.request_id]) == ["REQ-000003"]
    assert list(report.due_soon[R.request_id]) == ["REQ-000002"]
    assert "Requests past their SLA (1)" in text
    assert "REQ-000003  Sales reference_call (Advocate Asked, ADV-0001): SLA due 2026-11-07" in text
    assert "Requests due soon (1)" in text
    assert "REQ-000001" not in text
    assert report.to_dict()["requests_due_soon"][0]["sla_due"] == "2026-11-23"


def test_on_the_demo_completed_requests_met_their_sla_in_the_share_the_reports_call_within_sla(
    demo_program: Program,
):
    period = parse_period("2026-Q4")
    requests = demo_program.requests
    states = sla_clock(requests, demo_program.settings, as_of=AS_OF)["sla_state"]
    completed = requests[R.completed_on]
    in_quarter = (
        (requests[R.status] == "Completed")
        & completed.between(np.datetime64(period.start), np.datetime64(AS_OF))
        & states.notna()
    )
    met_share = (states[in_quarter] == "met").mean()

    figures = measure(demo_program, period="2026-Q4", as_of=AS_OF)
    within = {h.key: h.value for h in figures.headline}["within_sla_share"]

    assert in_quarter.sum() > 20
    assert met_share == pytest.approx(within)


def test_the_queue_reads_the_same_from_a_workbook_and_a_google_sheet(store_factory):
    # sla_business_days typed as a real checkbox (TRUE): Sheets returns it as a boolean, the workbook as one too
    rows = factories.grids_from_rows(
        {
            "Requests": [
                req(1, DAY(2026, 11, 13)),  # Friday 13 + 5 business days: Friday 20, due today
                req(2, DAY(2026, 11, 2), "rfp"),  # Monday 2 + 3 business days: Thursday 5, past
                req(3, DAY(2026, 11, 2), **{R.status: "Completed", R.completed_on: DAY(2026, 11, 9)}),
            ],
            "Settings": [setting("sla_business_days", True)],
        }
    )
    program = store_factory(rows).read()

    queue = request_queue(program, as_of=AS_OF)

    assert list(queue[R.request_id]) == ["REQ-000002", "REQ-000001", "REQ-000003"]
    assert list(queue["sla_due"]) == [DAY(2026, 11, 5), DAY(2026, 11, 20), DAY(2026, 11, 9)]
    assert list(queue["sla_state"]) == ["past_sla", "due_soon", "met"]  # REQ-3 completed on its due day


def test_with_business_days_the_metrics_within_sla_share_counts_the_same_due_day_as_the_clock():
    # Reference calls (SLA 5) requested Friday 6 November 2026, completed in Q4:
    #   REQ-1 on Thursday 12 Nov: 6 calendar days (missed in calendar days), but the 5th business day after
    #         Friday 6 is Friday 13 Nov, so met in business days;
    #   REQ-2 on Friday 13 Nov: 7 calendar days, met in business days (due that day);
    #   REQ-3 on Monday 16 Nov: missed either way.
    done = {R.status: "Completed", R.advocate_id: "ADV-0001"}
    requests = [
        req(1, DAY(2026, 11, 6), **done, **{R.completed_on: DAY(2026, 11, 12)}),
        req(2, DAY(2026, 11, 6), **done, **{R.completed_on: DAY(2026, 11, 13)}),
        req(3, DAY(2026, 11, 6), **done, **{R.completed_on: DAY(2026, 11, 16)}),
    ]
    business = factories.program(
        Advocates=[factories.advocate(1)],
        Requests=requests,
        Settings=[setting("sla_business_days", "TRUE")],
    )
    calendar = factories.program(Advocates=[factories.advocate(1)], Requests=requests)

    in_business = measure(business, period="2026-Q4", as_of=AS_OF)
    in_calendar = measure(calendar, period="2026-Q4", as_of=AS_OF)

    assert in_business.figure("within_sla_share").value == pytest.approx(2 / 3)
    assert in_business.service.within_sla_share == pytest.approx(2 / 3)
    per_activity = in_business.service.sla_by_activity.set_index("activity")
    assert per_activity.loc["reference_call", "within_sla_share"] == pytest.approx(2 / 3)
    assert in_calendar.figure("within_sla_share").value == 0  # 6, 7 and 10 days, all over 5
    states = sla_clock(business.requests, business.settings, as_of=AS_OF)["sla_state"].tolist()
    assert states == ["met", "met", "missed"]  # the clock agrees with the metric


def test_the_within_sla_share_per_requesting_team_counts_each_teams_fulfilled_requests():
    # Reference calls (SLA 5 calendar days) requested 2 November, completed in Q4:
    # Sales: on 6 Nov (4 days, within) and 10 Nov (8 days, over); Marketing: on 7 Nov (5 days, within).
    done = {R.status: "Completed", R.advocate_id: "ADV-0001"}
    program = factories.program(
        Advocates=[factories.advocate(1)],
        Requests=[
            req(1, DAY(2026, 11, 2), **done, **{R.completed_on: DAY(2026, 11, 6), R.team: "Sales"}),
            req(2, DAY(2026, 11, 2), **done, **{R.completed_on: DAY(2026, 11, 10), R.team: "Sales"}),
            req(3, DAY(2026, 11, 2), **done, **{R.completed_on: DAY(2026, 11, 7), R.team: "Events"}),
            req(4, DAY(2026, 11, 2), **{R.team: "Events"}),  # open: not in the share
        ],
    )

    metrics = measure(program, period="2026-Q4", as_of=AS_OF)

    for figures in (metrics, type(metrics).from_dict(metrics.to_dict())):  # as the report kernel gets it
        per_team = figures.service.sla_by_team.set_index(R.team)
        assert per_team["fulfilled"].to_dict() == {"Events": 1, "Sales": 2}
        assert per_team["within_sla"].to_dict() == {"Events": 1, "Sales": 1}
        assert per_team["within_sla_share"].to_dict() == {"Events": 1.0, "Sales": 0.5}
