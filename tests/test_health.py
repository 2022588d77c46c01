"""The maintenance work-list: who to re-verify first, who is resting, which nominations wait, data health per tab."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kit import schema
from kit.health import describe_health, health
from kit.program import Program
from kit.validate import validate
from tests import factories
from tests.factories import AS_OF  # 2026-11-20, in 2026-Q4; a year back is 2025-11-20

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
X = schema.ACTIVITIES.col
N = schema.NOMINATIONS.col
S = schema.SETTINGS.col


def advocate(n: int, name: str, company: str, /, **cells: object) -> dict:
    """``factories.advocate`` n as ADV-n, a named person at a company, because the work-list names them."""
    return factories.advocate(n, **({A.advocate_id: f"ADV-{n}", A.name: name, A.company: company} | cells))


def activity(n: int, advocate_id: str, day: str) -> dict:
    """``factories.activity`` n: what counts here is whose it is and when it was done."""
    return factories.activity(n, advocate_id, **{X.date: day})


def nomination(nomination_id: str, submitted_on: str, status: str) -> dict:
    return {
        N.nomination_id: nomination_id,
        N.submitted_on: submitted_on,
        N.contact_name: f"Contact {nomination_id}",
        N.company: "Cobalt Bank",
        N.status: status,
    }


@pytest.fixture(scope="module")
def program() -> Program:
    return factories.program(
        Advocates=[
            advocate(1, "Dana Ortiz", "Acme Insurance", **{A.last_verified: "2024-01-01"}),  # row 2
            advocate(2, "Wei Chen", "Summit Bank", **{A.last_verified: "2024-01-01"}),  # row 3
            advocate(3, "Sam Kim", "Cobalt Labs", **{A.last_verified: None}),  # row 4: never
            advocate(
                4,
                "Li Wu",
                "Atlas Works",
                **{A.last_verified: "2025-06-01", A.company_size: "Enterprize"},
            ),  # row 5
            advocate(
                5, "Ama Mensah", "Beacon Stores", **{A.last_verified: "2020-01-01", A.status: "Retired"}
            ),
            advocate(6, "Ivan Novak", "Falcon Systems", **{A.max_per_quarter: 1}),  # row 7: fresh
        ],
        Activities=[
            activity(1, "ADV-1", "2026-05-05"),
            activity(2, "ADV-2", "2026-01-10"),
            activity(3, "ADV-2", "2026-03-01"),
            activity(4, "ADV-2", "2026-10-10"),  # Q4
            activity(5, "ADV-2", "2025-06-01"),  # over a year ago: not counted as value
            activity(6, "ADV-6", "2026-11-01"),  # Q4
            activity(7, "ADV-6", "2026-11-02"),  # Q4
        ],
        Requests=[
            factories.request(
                1, **{R.status: "Scheduled", R.advocate_id: "ADV-2", R.requested_on: "2026-11-05"}
            )
        ],
        Nominations=[
            nomination("NOM-1", "2026-11-10", "New"),
            nomination("NOM-2", "2026-10-01", "New"),
            nomination("NOM-3", "2026-09-01", "Accepted"),
        ],
        Settings=[{S.key: "default_max_per_quarter", S.value: 2}],
    )


@pytest.fixture(scope="module")
def report(program):
    return health(program, validate(program, as_of=AS_OF), as_of=AS_OF)


def test_reverify_lists_stalest_first_then_most_used_and_skips_retired_and_fresh(report):
    reverify = report.reverify

    assert list(reverify[A.advocate_id]) == ["ADV-3", "ADV-2", "ADV-1", "ADV-4"]
    assert list(reverify["row"]) == [4, 3, 2, 5]
    assert list(reverify["days_since_verified"].astype("Float64").fillna(-1)) == [-1, 1054, 1054, 537]
    assert list(reverify["activities_last_365_days"]) == [0, 3, 1, 0]


def test_resting_lists_advocates_at_or_over_their_cap_most_over_first(report):
    resting = report.resting

    # ADV-6: two activities this quarter, own cap 1; ADV-2: one activity + one open request, default cap 2
    assert list(resting[A.advocate_id]) == ["ADV-6", "ADV-2"]
    assert list(resting["uses"]) == [2, 2]
    assert list(resting["cap"]) == [1, 2]
    assert list(resting["row"]) == [7, 3]
    assert set(resting["resting_until"]) == {dt.date(2027, 1, 1)}


def test_waiting_nominations_are_the_new_ones_oldest_first_with_days_waiting(report):
    waiting = report.waiting_nominations

    assert list(waiting[N.nomination_id]) == ["NOM-2", "NOM-1"]
    assert list(waiting["days_waiting"]) == [50, 10]
    assert list(waiting["row"]) == [3, 2]


def test_a_waiting_nomination_of_someone_already_on_the_roster_says_so_in_the_work_list():
    program = factories.program(
        Advocates=[advocate(1, "Dana Ortiz", "Acme Insurance")],
        Nominations=[
            {**nomination("NOM-1", "2026-11-01", "New"), N.contact_email: "person1@example.com"},
            {**nomination("NOM-2", "2026-11-02", "New"), N.contact_name: "Kofi Boateng"},
        ],
    )
    report = health(program, validate(program, as_of=AS_OF), as_of=AS_OF)
    notes = dict(
        zip(report.waiting_nominations[N.nomination_id], report.waiting_nominations["note"], strict=True)
    )

    assert notes["NOM-1"].startswith(
        "Contact NOM-1 has the same e-mail as Advocates row 2 (ADV-1, Dana Ortiz)"
    )
    assert notes["NOM-2"] is None
    assert "already an advocate" in describe_health(report)


def test_scores_give_each_tab_its_share_of_rows_without_errors(report):
    scores = report.scores.set_index("tab")

    assert scores.loc["Advocates", "rows"] == 6
    assert scores.loc["Advocates", "rows_with_errors"] == 1  # ADV-4's company size
    assert scores.loc["Advocates", "share_without_errors"] == pytest.approx(5 / 6)
    assert scores.loc["Advocates", "rows_with_warnings"] == 5  # four stale profiles and ADV-6 over its cap
    assert scores.loc["Requests", "share_without_errors"] == 1.0
    assert scores.loc["Opportunities", "rows"] == 0
    assert scores.loc["Opportunities", "share_without_errors"] == 1.0  # nothing wrong with an empty tab
    assert list(scores.index) == [t.name for t in schema.TABS]


def test_health_as_data_is_json_ready(report):
    data = json.loads(json.dumps(report.to_dict()))

    assert data["as_of"] == "2026-11-20"
    assert data["reverify"][0]["advocate_id"] == "ADV-3"
    assert data["reverify"][0]["days_since_verified"] is None
    assert data["resting"][0]["resting_until"] == "2027-01-01"
    assert data["waiting_nominations"][0]["submitted_on"] == "2026-10-01"
