"""An advocate's declines, as the History tab records them, count against their acceptance rate: in the
goal-tracking figures and in the ranking, which puts a decliner below an otherwise identical advocate and
says why in words."""

from __future__ import annotations

import datetime as dt

import pytest

from kit import match, schema
from kit.metrics import measure
from tests.factories import AS_OF, advocate, history, request, setting

A, R, H = schema.ADVOCATES.col, schema.REQUESTS.col, schema.HISTORY.col


def declined(request_id: str, advocate_id: str = "ADV-0001", at: str = "2026-11-10T10:00:00Z") -> dict:
    """The History row `advocacy-kit request decline` leaves: Advocate Asked back to New, naming them."""
    return history(
        request_id,
        **{
            H.at: at,
            H.from_status: schema.ADVOCATE_ASKED_STATUS,
            H.to_status: schema.NEW_STATUS,
            H.advocate_id: advocate_id,
            H.note: "too busy this month",
        },
    )


def two_alike_one_declined_twice(make_program, **extra):
    # ADV-0001 and ADV-0002 differ only in name, company and e-mail (which this request does not ask about);
    # ADV-0001 declined REQ-000002 and REQ-000003 earlier this month.
    return make_program(
        Advocates=[advocate(1), advocate(2)],
        Requests=[request(1), request(2), request(3)],
        History=[declined("REQ-000002"), declined("REQ-000003")],
        **extra,
    )


def test_an_advocate_who_declined_twice_ranks_below_one_who_did_not(make_program):
    program = two_alike_one_declined_twice(make_program)

    ranked = match.rank(request(1), program, as_of=AS_OF)

    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0001"]
    scores = ranked.set_index(A.advocate_id)[match.SCORE]
    # declined 2 of 2 asks: the whole weight.declines (default 1) comes off
    assert scores["ADV-0002"] - scores["ADV-0001"] == pytest.approx(1.0, abs=0.01)
    reasons = ranked.set_index(A.advocate_id)[match.REASONS]
    assert "declined 2 of 2 asks" in reasons["ADV-0001"]
    assert "declined" not in reasons["ADV-0002"]


def test_without_the_declines_the_two_score_the_same(make_program):
    program = make_program(Advocates=[advocate(1), advocate(2)], Requests=[request(1)])

    ranked = match.rank(request(1), program, as_of=AS_OF)

    scores = ranked.set_index(A.advocate_id)[match.SCORE]
    assert scores["ADV-0001"] == pytest.approx(scores["ADV-0002"])


def test_weight_declines_zero_turns_the_penalty_off(make_program):
    program = two_alike_one_declined_twice(make_program, Settings=[setting("weight.declines", "0")])

    ranked = match.rank(request(1), program, as_of=AS_OF)

    scores = ranked.set_index(A.advocate_id)[match.SCORE]
    assert scores["ADV-0001"] == pytest.approx(scores["ADV-0002"])


def test_an_owners_rejection_is_not_the_advocates_decline(make_program):
    rejected = {**declined("REQ-000002"), H.from_status: schema.OWNER_APPROVAL_STATUS}
    program = make_program(
        Advocates=[advocate(1), advocate(2)], Requests=[request(1), request(2)], History=[rejected]
    )

    ranked = match.rank(request(1), program, as_of=AS_OF)

    scores = ranked.set_index(A.advocate_id)[match.SCORE]
    assert scores["ADV-0001"] == pytest.approx(scores["ADV-0002"])


def test_history_declines_count_as_asked_and_not_accepted_in_the_acceptance_rate(make_program):
    # ADV-0001: one request still names them (accepted, In Progress) and two declines in History:
    # asked 3 times, declined 2, acceptance 1/3. A decline after as_of is not counted yet.
    program = make_program(
        Advocates=[advocate(1)],
        Requests=[
            request(1, **{R.status: schema.ACCEPTED_STATUS, R.advocate_id: "ADV-0001"}),
            request(2),
            request(3),
            request(4),
        ],
        History=[
            declined("REQ-000002"),
            declined("REQ-000003", at="2026-11-12T16:30:00Z"),
            declined("REQ-000004", at="2026-11-25T09:00:00Z"),
        ],
    )

    metrics = measure(program, period="2026-Q4", as_of=AS_OF)

    per = metrics.activity.per_advocate.set_index("advocate_id")
    assert (per.loc["ADV-0001", "asked"], per.loc["ADV-0001", "declined"]) == (3, 2)
    assert per.loc["ADV-0001", "acceptance_rate"] == pytest.approx(1 / 3)
    assert per.loc["ADV-0001", "last_asked"] == dt.datetime(2026, 11, 18)  # REQ-000001's day
