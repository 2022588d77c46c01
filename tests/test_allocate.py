"""Allocating all open requests at once: every request gets a good advocate where one exists, nobody goes
over their cap, urgent requests and near deadlines win contested advocates, and whoever cannot be served is
listed with the reason (a segment with no advocate at all is a recruiting gap)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import match, schema
from kit.match import solve
from tests.factories import AS_OF, activity, advocate, request, setting

A, R, S = schema.ADVOCATES.col, schema.REQUESTS.col, schema.SETTINGS.col
CAP_ONE = [setting("default_max_per_quarter", "1")]


def served(allocation: match.Allocation) -> dict[str, str]:
    return dict(zip(allocation.assignments[R.request_id], allocation.assignments[R.advocate_id], strict=True))


def unserved(allocation: match.Allocation) -> dict[str, str]:
    frame = allocation.unserved
    return dict(zip(frame[R.request_id], frame[match.REASON_CODE], strict=True))


def greedy(allocation: match.Allocation) -> dict[str, tuple[str, float]]:
    """The obvious loop on the same candidates: most urgent request first, each takes its best free advocate."""
    candidates = allocation.candidates
    left = dict(zip(candidates[R.advocate_id], candidates[match.CAPACITY_LEFT], strict=False))
    best_first = candidates.sort_values(match.WEIGHT, ascending=False, kind="stable")
    order = best_first.drop_duplicates(R.request_id)[R.request_id]
    chosen: dict[str, tuple[str, float]] = {}
    for request_id in order:
        options = best_first[best_first[R.request_id] == request_id]
        for _, option in options.iterrows():
            if left[option[R.advocate_id]] > 0:
                left[option[R.advocate_id]] -= 1
                chosen[request_id] = (option[R.advocate_id], option[match.WEIGHT])
                break
    return chosen


def test_solver_serves_a_request_the_greedy_loop_leaves_unserved(make_program):
    # X fits REQ-000001 best and is the only one who agreed to REQ-000002's case study; both have room for
    # one.
    program = make_program(
        Settings=CAP_ONE,
        Advocates=[
            advocate(1, name="X", products="Product A", activities="reference_call; case_study"),
            advocate(2, name="Y", products="Product B"),
        ],
        Requests=[
            request(1, product="Product A", needed_by=AS_OF + dt.timedelta(days=1)),
            request(2, activity="case_study", needed_by=AS_OF + dt.timedelta(days=20)),
        ],
    )
    allocation = match.allocate(program, as_of=AS_OF)
    loop = greedy(allocation)
    assert {r: a for r, (a, _) in loop.items()} == {
        "REQ-000001": "ADV-0001"
    }  # REQ-000002 left without anyone
    assert served(allocation) == {"REQ-000001": "ADV-0002", "REQ-000002": "ADV-0001"}
    assert allocation.objective > sum(w for _, w in loop.values())


def test_picking_each_requests_best_advocate_overuses_them_and_the_allocation_does_not(make_program):
    # ADV-0001 is everyone's best match but has room for one more this quarter (cap 2, used once).
    program = make_program(
        Settings=[setting("default_max_per_quarter", "2"), setting("cooldown_days", "0")],
        Advocates=[
            advocate(1, products="Product A", use_cases="Billing", company_size="Enterprise"),
            advocate(2),
            advocate(3),
            advocate(4),
        ],
        Activities=[activity(1, "ADV-0001", dt.date(2026, 10, 5))],
        Requests=[
            request(n, product="Product A", use_case="Billing", company_size="Enterprise") for n in (1, 2, 3)
        ],
    )
    naive = [
        match.rank(request(n)[R.request_id], program, as_of=AS_OF, top=1)[A.advocate_id].iloc[0]
        for n in (1, 2, 3)
    ]
    assert naive == ["ADV-0001"] * 3  # 1 use + 3 asks = 4 of a cap of 2
    allocation = match.allocate(program, as_of=AS_OF)
    assert list(served(allocation).values()).count("ADV-0001") == 1
    assert len(served(allocation)) == 3
    load = allocation.load.set_index(A.advocate_id)
    assert load.loc["ADV-0001", match.USES_BEFORE] == 1 and load.loc["ADV-0001", match.ASSIGNED_NOW] == 1
    assert (load[match.USES_BEFORE] + load[match.ASSIGNED_NOW] <= load[match.CAP]).all()


def test_nobody_is_proposed_two_requests_due_within_their_cool_down(make_program):
    # ADV-0001 fits both product requests best and has room for two, but they are due 3 days apart and the
    # cool-down is 14 days: one of them goes to ADV-0002, as it would if the first were already booked.
    def program(days_apart: int):
        return make_program(
            Settings=[setting("default_max_per_quarter", "2")],
            Advocates=[advocate(1, products="Product A"), advocate(2)],
            Requests=[
                request(1, product="Product A", needed_by=AS_OF + dt.timedelta(days=5)),
                request(2, product="Product A", needed_by=AS_OF + dt.timedelta(days=5 + days_apart)),
            ],
        )

    assert sorted(served(match.allocate(program(3), as_of=AS_OF)).values()) == ["ADV-0001", "ADV-0002"]
    assert served(match.allocate(program(14), as_of=AS_OF)) == {
        "REQ-000001": "ADV-0001",
        "REQ-000002": "ADV-0001",
    }


def test_a_request_left_out_by_the_cool_down_says_so(make_program):
    program = make_program(
        Settings=[setting("default_max_per_quarter", "2")],
        Advocates=[advocate(1)],
        Requests=[
            request(1, priority="Urgent", needed_by=AS_OF + dt.timedelta(days=5)),
            request(2, needed_by=AS_OF + dt.timedelta(days=8)),
        ],
    )
    allocation = match.allocate(program, as_of=AS_OF)

    assert served(allocation) == {"REQ-000001": "ADV-0001"}
    assert unserved(allocation) == {"REQ-000002": "capacity_taken"}
    reason = allocation.unserved[match.REASON].iloc[0]
    assert (
        reason
        == "its 1 eligible advocate(s) are booked for requests due within their 14-day cool-down (REQ-000001)"
    )


def test_the_cool_down_costs_the_least_possible_total_when_it_binds(make_program):
    # ADV-0001 is the only advocate for REQ-000002's case study; REQ-000001 has ADV-0002 too. Spacing ADV-0001
    # by the cool-down must move REQ-000001, not leave REQ-000002 unserved (dropping the lighter pair would do
    # that).
    program = make_program(
        Settings=[setting("default_max_per_quarter", "2")],
        Advocates=[
            advocate(1, products="Product A", activities="reference_call; case_study"),
            advocate(2, products="Product B"),
        ],
        Requests=[
            request(1, priority="Urgent", product="Product A", needed_by=AS_OF + dt.timedelta(days=4)),
            request(2, activity="case_study", product="Product B", needed_by=AS_OF + dt.timedelta(days=6)),
        ],
    )
    assert served(match.allocate(program, as_of=AS_OF)) == {
        "REQ-000001": "ADV-0002",
        "REQ-000002": "ADV-0001",
    }


def test_if_the_solver_runs_out_of_time_the_cool_down_still_holds_and_the_left_out_request_says_why(
    make_program, monkeypatch
):
    # HiGHS stops at its time limit; with none left it has no answer at all. The allocation then keeps the
    # plain matching minus the clashing proposals: less good, but never a broken cool-down or a silent loss.
    monkeypatch.setattr(solve, "MILP_TIME_LIMIT_SECONDS", 0)
    program = make_program(
        Settings=[setting("default_max_per_quarter", "2")],
        Advocates=[advocate(1, products="Product A"), advocate(2)],
        Requests=[
            request(1, priority="Urgent", product="Product A", needed_by=AS_OF + dt.timedelta(days=5)),
            request(2, product="Product A", needed_by=AS_OF + dt.timedelta(days=8)),
        ],
    )
    allocation = match.allocate(program, as_of=AS_OF)

    assert served(allocation) == {"REQ-000001": "ADV-0001"}
    assert unserved(allocation) == {"REQ-000002": "capacity_taken"}
    assert "cool-down (REQ-000001)" in allocation.unserved[match.REASON].iloc[0]


def test_an_urgent_request_wins_the_last_slot_over_a_better_matched_low_priority_one(make_program):
    program = make_program(
        Settings=CAP_ONE,
        Advocates=[advocate(1, products="Product A")],
        Requests=[
            request(1, priority="Low", product="Product A"),
            request(2, priority="Urgent", product="Product B"),
        ],
    )
    allocation = match.allocate(program, as_of=AS_OF)
    assert served(allocation) == {"REQ-000002": "ADV-0001"}
    assert unserved(allocation) == {"REQ-000001": "capacity_taken"}
    reason = allocation.unserved[match.REASON].iloc[0]
    assert reason == "its 1 eligible advocate(s) went to more urgent or better-matched requests (REQ-000002)"


def test_the_nearer_deadline_wins_between_equally_urgent_requests(make_program):
    program = make_program(
        Settings=CAP_ONE,
        Advocates=[advocate(1)],
        Requests=[
            request(1, needed_by=AS_OF + dt.timedelta(days=25)),
            request(2, needed_by=AS_OF + dt.timedelta(days=2)),
        ],
    )
    assert served(match.allocate(program, as_of=AS_OF)) == {"REQ-000002": "ADV-0001"}


def test_among_equally_urgent_requests_the_better_matched_total_wins(make_program):
    # Two advocates, two requests: crossing them scores 0 + 0, matching them by product scores 3 + 3.
    program = make_program(
        Settings=CAP_ONE,
        Advocates=[advocate(1, products="Product A"), advocate(2, products="Product B")],
        Requests=[request(1, product="Product B"), request(2, product="Product A")],
    )
    allocation = match.allocate(program, as_of=AS_OF)
    assert served(allocation) == {"REQ-000001": "ADV-0002", "REQ-000002": "ADV-0001"}


def test_requests_nobody_can_serve_are_listed_with_the_reason(make_program):
    program = make_program(
        Settings=[setting("default_max_per_quarter", "2")],
        Advocates=[
            advocate(1, industry="Healthcare", region="North America"),
            advocate(2),  # the only Insurance advocate in EMEA, at their cap
            advocate(3, industry="Retail"),
        ],
        Activities=[
            activity(1, "ADV-0002", dt.date(2026, 10, 1)),
            activity(2, "ADV-0002", dt.date(2026, 10, 2)),
        ],
        Requests=[
            request(1, industry="Healthcare", region="APAC"),
            request(2),
            request(3, industry="Retail", activity="refrence call"),
            request(4, industry="Retail"),
        ],
    )
    allocation = match.allocate(program, as_of=AS_OF)
    assert served(allocation) == {"REQ-000004": "ADV-0003"}
    assert unserved(allocation) == {
        "REQ-000001": "recruiting_gap",
        "REQ-000002": "no_capacity",
        "REQ-000003": "bad_request",
    }
    reasons = dict(zip(allocation.unserved[R.request_id], allocation.unserved[match.REASON], strict=True))
    assert reasons["REQ-000001"] == "no advocate at all in Healthcare · APAC: a recruiting gap"
    assert (
        reasons["REQ-000002"] == "1 advocate(s) in Insurance · EMEA, none free: 1 are at their quarterly cap"
    )
    assert "activity 'refrence call' is not one of" in reasons["REQ-000003"]
    segments = dict(zip(allocation.unserved[R.request_id], allocation.unserved[match.SEGMENT], strict=True))
    assert segments["REQ-000001"] == "industry=Healthcare; region=APAC"


def test_recruiting_gaps_lists_open_requests_whose_segment_has_no_advocate(make_program):
    program = make_program(
        Advocates=[advocate(1, industry="Healthcare", region="North America", status="Paused")],
        Requests=[
            request(1, industry="healthcare ", region="APAC"),  # nobody in Healthcare · APAC at all
            request(2, industry="Healthcare", region="North America"),  # someone exists (Paused)
            request(3, industry="Mining", region=None),  # no Mining advocate anywhere
            request(4, industry="Healthcare", region="APAC", status="Cancelled"),  # not open
            request(5, industry=None, region=None),  # the whole roster: not a gap
        ],
    )
    gaps = match.recruiting_gaps(program, as_of=AS_OF)
    assert list(gaps[R.request_id]) == ["REQ-000001", "REQ-000003"]
    assert list(gaps[match.SEGMENT]) == ["industry=healthcare; region=APAC", "industry=Mining"]
    assert list(gaps.index) == [2, 4]  # sheet rows


def test_only_new_or_in_progress_requests_without_an_advocate_are_allocated(make_program):
    program = make_program(
        Advocates=[advocate(n) for n in range(1, 6)],
        Requests=[
            request(1),
            request(2, status="In Progress"),
            request(3, advocate_id="ADV-0005"),
            request(4, status="Advocate Asked"),
            request(5, status="Completed"),
            request(6, status="Scheduled"),
        ],
    )
    allocation = match.allocate(program, as_of=AS_OF)
    assert sorted(served(allocation)) == ["REQ-000001", "REQ-000002"]
    assert allocation.unserved.empty


def test_with_allocate_within_segment_off_a_gap_request_gets_the_nearest_advocate(make_program):
    program = make_program(
        Settings=[setting("allocate_within_segment", "no")],
        Advocates=[advocate(1, industry="Healthcare", region="North America")],
        Requests=[request(1, industry="Healthcare", region="APAC")],
    )
    allocation = match.allocate(program, as_of=AS_OF)
    assert served(allocation) == {"REQ-000001": "ADV-0001"}
    assert "North America ≠ APAC" in allocation.assignments[match.REASONS].iloc[0]


def test_assignments_carry_the_score_and_the_reasons_and_nothing_is_left_out(make_program):
    program = make_program(
        Settings=[setting("weight.rest", "0"), setting("weight.freshness", "0")],
        Advocates=[advocate(1, products="Product A")],
        Requests=[request(1, product="Product A", priority="High")],
    )
    assignment = match.allocate(program, as_of=AS_OF).assignments.iloc[0]
    assert assignment[match.SCORE] == 8.0
    assert assignment[R.priority] == "High"
    assert assignment[match.REASONS].startswith(
        "same industry (Insurance), same product (Product A), same region"
    )


def test_on_the_demo_the_planted_gap_is_listed_and_the_other_requests_are_served(demo_program):
    requests = demo_program.requests
    waiting = requests[requests[R.status].isin(["New", "In Progress"]) & requests[R.advocate_id].isna()]
    planted = waiting[(waiting[R.industry] == "Healthcare") & (waiting[R.region] == "APAC")]
    assert len(planted) > 0, "the demo should have open requests for Healthcare in APAC"

    allocation = match.allocate(demo_program, as_of=pd.Timestamp("2026-11-20").date())
    gaps = allocation.unserved[allocation.unserved[match.REASON_CODE] == "recruiting_gap"]
    assert set(gaps[R.request_id]) == set(planted[R.request_id])
    assert set(match.recruiting_gaps(demo_program, as_of=AS_OF)[R.request_id]) == set(planted[R.request_id])
    assert len(allocation.assignments) + len(allocation.unserved) == len(waiting)
    assert len(allocation.assignments) >= (len(waiting) - len(planted)) // 2
    load = allocation.load
    assert (load[match.USES_BEFORE] + load[match.ASSIGNED_NOW] <= load[match.CAP]).all()
    assert allocation.objective >= sum(w for _, w in greedy(allocation).values())


def test_a_request_without_an_id_is_listed_not_assigned(make_program):
    program = make_program(Advocates=[advocate(1)], Requests=[request(1, request_id=None), request(2)])
    allocation = match.allocate(program, as_of=AS_OF)
    assert served(allocation) == {"REQ-000002": "ADV-0001"}
    row = allocation.unserved.iloc[0]
    assert row[match.REASON_CODE] == "bad_request"
    assert row[match.REASON] == "Requests row 2 has no request_id; give it one so an advocate can be assigned"
