"""Adoption and commitments (issue 22): on a hand-built program, every figure equals the count done by hand
in the comments below, and each commitment's status follows the goals' rules worked out by hand.

The program, as of Friday 20 November 2026 (2026-Q4; the previous period 2026-Q3, compared up to 20 August):

- Sales: Ana López, Ben, Cara, Eve (Left), Finn, Gia, Hal and their manager Mo; Customer Success: Dev, Ivy
  and their manager Rae. Finn, Gia, Hal and Ivy started in the last 180 days.
- Closed in Q4: Ana OPP-1 (won $10k, an advocate called before it closed), Ben OPP-2 (lost $20k), Cara
  OPP-3 (won $50k, helped) and OPP-4 (lost $5k), Dev OPP-5 (won $30k, helped only after it closed), Eve
  OPP-6 (won $100k), and OPP-7 owned by someone not in People. Ana also closed OPP-8 on 10 August (Q3).
- Requests: Ana 5 Oct and 15 Nov, Ben 1 Aug (the period before counts), Dev 1 Jun (too early to count),
  Finn 10 Oct, Hal 5 Nov, Ivy 1 Oct, and PR (not in People) 2 Nov.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from emulators.sheets import SERVICE_ACCOUNT_EMAIL
from kit import schema
from kit.metrics import ProgramMetrics, measure
from kit.store import CREDENTIALS_ENV, ENDPOINT_ENV
from kit.store.gsheets import create_sheet
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import (
    AS_OF,
    activity,
    advocate,
    commitment,
    grids_from_rows,
    nomination,
    opportunity,
    person,
    program,
    request,
)

P = schema.PEOPLE.col
C = schema.COMMITMENTS.col
R = schema.REQUESTS.col
O = schema.OPPORTUNITIES.col
A = schema.ADVOCATES.col
X = schema.ACTIVITIES.col
N = schema.NOMINATIONS.col

MO, RAE = "mo@example.com", "rae@example.com"
CS = "Customer Success"
D = dt.date


def _people():
    def p(n, name, email, team=None, manager=None, started=None, **cells):
        return person(
            n,
            **{P.name: name, P.email: email, P.manager_email: manager},
            **({P.team: team} if team else {}),
            **({P.started_on: started} if started else {}),
            **cells,
        )

    return [
        p(1, "Ana López", "ana@example.com", manager=MO),
        p(2, "Ben Ito", "ben@example.com", manager=MO),
        p(3, "Cara Diaz", "cara@example.com", manager=MO),
        p(4, "Dev Rao", "dev@example.com", team=CS, manager=RAE),
        p(5, "Eve Park", "eve@example.com", **{P.status: "Left"}),
        p(6, "Finn Moe", "finn@example.com", manager=MO, started=D(2026, 9, 1)),
        p(7, "Gia Sol", "gia@example.com", manager=MO, started=D(2026, 8, 1)),
        p(8, "Hal Ng", "hal@example.com", manager=MO, started=D(2026, 11, 1)),
        p(9, "Mo Manager", MO, **{P.role: "Manager"}),
        p(10, "Rae Manager", RAE, team=CS, **{P.role: "Manager"}),
        p(11, "Ivy Tan", "ivy@example.com", team=CS, manager=RAE, started=D(2026, 7, 1)),
    ]


def _opportunities():
    def o(n, owner, amount, closed_on, won):
        return opportunity(n, **{O.owner: owner, O.amount: amount, O.close_date: closed_on, O.is_won: won})

    return [
        o(1, "ana  LOPEZ", 10_000, D(2026, 10, 15), True),  # the CRM's spelling: folded, it is Ana López
        o(2, "Ben Ito", 20_000, D(2026, 11, 1), False),
        o(3, "Cara Diaz", 50_000, D(2026, 10, 25), True),
        o(4, "Cara Diaz", 5_000, D(2026, 11, 2), False),
        o(5, "Dev Rao", 30_000, D(2026, 10, 30), True),
        o(6, "Eve Park", 100_000, D(2026, 10, 5), True),
        o(7, "Zed Unknown", 70_000, D(2026, 10, 6), True),
        o(8, "Ana López", 8_000, D(2026, 8, 10), True),
    ]


def _requests():
    def r(n, email, day, team="Sales", **cells):
        return request(n, **{R.requester_email: email, R.requested_on: day, R.team: team}, **cells)

    done = {R.status: "Completed"}
    return [
        r(1, "ana@example.com", D(2026, 10, 5), **done, **{R.completed_on: D(2026, 10, 8)}),  # 3 days: in SLA
        r(2, "ben@example.com", D(2026, 8, 1)),
        r(3, "dev@example.com", D(2026, 6, 1), team=CS),
        r(4, "finn@example.com", D(2026, 10, 10), **done, **{R.completed_on: D(2026, 10, 20)}),  # 10: late
        r(5, "hal@example.com", D(2026, 11, 5)),
        r(6, "ivy@example.com", D(2026, 10, 1), team=CS),
        r(7, "pr@example.com", D(2026, 11, 2), team="PR"),
        r(8, "ANA@example.com", D(2026, 11, 15)),  # e-mails compare without case
    ]


def _commitments():
    def c(n, metric, target, period, team="Sales", **cells):
        return commitment(n, **{C.metric: metric, C.target: target, C.period: period, C.team: team}, **cells)

    return [
        c(1, "requests_made", 10, "2026-Q4"),
        c(2, "within_sla_share", 0.5, "2026-Q4", **{C.direction: schema.PROGRAM_TO_TEAM}),
        c(3, "sellers_using_share", 0.8, "2026-Q4", team=CS),
        c(4, "nominations_made", 2, "2026-10"),
        c(5, "requests_made", 3, "this-month"),
        c(6, None, None, None, **{C.direction: schema.PROGRAM_TO_TEAM, C.status_note: "Monthly call held"}),
        c(7, "requests_made", 5, "2026-11-15..2026-12-15"),
        c(8, "profiles_updated", 1, "2026-Q3"),  # over before Q4: not this period's
        c(9, "request_made", 5, "2026-Q4"),
    ]


def adoption_program():
    return program(
        People=_people(),
        Opportunities=_opportunities(),
        Requests=_requests(),
        Advocates=[
            advocate(1, **{A.owner_email: "ana@example.com", A.last_verified: D(2026, 10, 10)}),
            advocate(2, **{A.owner_email: "dev@example.com", A.last_verified: D(2026, 6, 1)}),
            advocate(3, **{A.owner_email: "ana@example.com", A.last_verified: D(2026, 11, 1)}),
        ],
        Activities=[
            activity(1, day=D(2026, 10, 1), **{X.opportunity_id: "OPP-000001"}),
            activity(2, day=D(2026, 10, 20), **{X.opportunity_id: "OPP-000003"}),
            activity(3, day=D(2026, 11, 10), **{X.opportunity_id: "OPP-000005"}),  # after it closed
        ],
        Nominations=[
            nomination(1, **{N.nominator_email: "ana@example.com", N.team: "Sales"}),
            nomination(
                2, **{N.nominator_email: "dev@example.com", N.team: CS, N.submitted_on: D(2026, 10, 2)}
            ),
            nomination(
                3, **{N.nominator_email: "ben@example.com", N.team: "Sales", N.submitted_on: D(2026, 9, 1)}
            ),
        ],
        Commitments=_commitments(),
    )


@pytest.fixture(scope="module")
def figures() -> ProgramMetrics:
    return measure(adoption_program(), period="2026-Q4", as_of=AS_OF)


def test_sellers_using_the_program_counts_requests_in_the_period_or_the_one_before(figures):
    adoption = figures.adoption
    # Ana, Ben, Cara, Dev, Eve closed deals in Q4 (OPP-7's owner is no one); Ana (Oct) and Ben (Aug) asked.
    assert (adoption.sellers_with_deals, adoption.sellers_using) == (5, 2)
    assert adoption.sellers_using_share == pytest.approx(2 / 5)
    assert adoption.sellers_using_interval == pytest.approx(proportion_confint(2, 5, method="wilson"))
    assert adoption.unmatched_owners == 1
    # Q3 up to 20 August: Ana closed OPP-8 and made no request from 1 April to 20 August.
    assert (adoption.previous_sellers_with_deals, adoption.previous_sellers_using_share) == (1, 0.0)


def test_the_coaching_list_ranks_sellers_without_a_request_by_closed_amount_with_their_manager(figures):
    coaching = figures.adoption.coaching
    # Cara $50k + $5k, Dev $30k; Eve left the company, so she is not on it.
    assert list(coaching["name"]) == ["Cara Diaz", "Dev Rao"]
    assert list(coaching["closed_amount"]) == [55_000, 30_000]
    assert list(coaching["closed_deals"]) == [2, 1]
    assert list(coaching["manager"]) == ["Mo Manager", "Rae Manager"]


def test_new_starters_uptake_is_days_to_the_first_request_and_the_share_within_60_days(figures):
    adoption = figures.adoption
    starters = adoption.new_starters.set_index("name")
    # Ivy started 1 Jul (asked 1 Oct: 92 days), Gia 1 Aug (none yet), Finn 1 Sep (10 Oct: 39), Hal 1 Nov (4).
    assert list(starters.index) == ["Ivy Tan", "Gia Sol", "Finn Moe", "Hal Ng"]
    assert list(starters["days_to_first_request"]) == [92, None, 39, 4]
    # Hal started 19 days ago: not yet 60 days in. Of Ivy, Gia and Finn, Finn asked within 60 days.
    assert (adoption.new_starters_count, adoption.uptake_n, adoption.uptake_within) == (4, 3, 1)
    assert adoption.uptake_share == pytest.approx(1 / 3)
    assert adoption.uptake_interval == pytest.approx(proportion_confint(1, 3, method="wilson"))


def test_by_team_counts_requests_nominations_sellers_using_and_deals_influenced(figures):
    teams = figures.adoption.by_team.set_index("team")
    assert list(teams.index) == ["Sales", "PR", CS]  # the schema's order; teams with nothing are left out
    sales, cs = teams.loc["Sales"], teams.loc[CS]
    # Sales' Q4 requests: Ana 5 Oct and 15 Nov, Finn 10 Oct, Hal 5 Nov; nominations: Ana's (Ben's was Q3).
    assert (sales["people"], sales["requests_made"], sales["nominations_made"]) == (8, 4, 1)
    assert (sales["sellers_with_deals"], sales["sellers_using"], sales["sellers_using_share"]) == (4, 2, 0.5)
    assert sales["deals_influenced"] == 2  # OPP-1 and OPP-3, each helped before it closed
    assert sales["within_sla_share"] == 0.5  # fulfilled in Q4: Ana's in 3 days (SLA 5), Finn's in 10
    assert sales["profiles_updated"] == 2  # advocates 1 and 3, owned by Ana, verified in Q4
    assert (cs["requests_made"], cs["nominations_made"], cs["sellers_using_share"]) == (1, 1, 0.0)
    assert (cs["deals_influenced"], cs["profiles_updated"]) == (0, 0)  # OPP-5 helped only after it closed
    assert teams.loc["PR", "requests_made"] == 1 and pd.isna(teams.loc["PR", "sellers_using_share"])
    # The period before, to the same day (Q3 up to 20 August): only Ana (Sales) closed a deal, unasked.
    assert (sales["previous_sellers_with_deals"], sales["previous_sellers_using_share"]) == (1, 0.0)
    assert cs["previous_sellers_with_deals"] == 0 and pd.isna(cs["previous_sellers_using_share"])


def test_by_manager_counts_their_direct_reports(figures):
    managers = figures.adoption.by_manager.set_index("manager")
    mo, rae = managers.loc["Mo Manager"], managers.loc["Rae Manager"]
    # Mo: Ana, Ben, Cara, Finn, Gia, Hal; Q4 requests Ana ×2, Finn, Hal; Ana's nomination.
    assert (mo["people"], mo["requests"], mo["nominations"]) == (6, 4, 1)
    assert (mo["sellers_with_deals"], mo["sellers_using"], mo["deals_influenced"]) == (3, 2, 2)
    assert mo["sellers_using_share"] == pytest.approx(2 / 3)
    assert (rae["people"], rae["requests"], rae["nominations"], rae["sellers_using_share"]) == (2, 1, 1, 0)


def test_each_commitment_is_judged_by_the_goals_rules(figures):
    rows = figures.commitments.set_index("commitment_id")
    elapsed_q4 = 51 / 92  # 1 October to 20 November of 92 days
    elapsed_nov = 20 / 30
    # C-01: 4 requests of 10; by now 10 × 51/92 = 5.54 expected, and 4 is below 90% of it.
    assert rows.loc["C-01", "actual"] == 4 and rows.loc["C-01", "status"] == "behind"
    assert rows.loc["C-01", "expected"] == pytest.approx(10 * elapsed_q4)
    assert rows.loc["C-01", "attainment"] == pytest.approx(0.4)
    assert rows.loc["C-02", "status"] == "met"  # within SLA 1 of 2 = 0.5, the target
    # C-03: a share is a level, not pro-rated: 0 of 1 CS seller against 0.8.
    assert (rows.loc["C-03", "actual"], rows.loc["C-03", "expected"]) == (0.0, 0.8)
    assert rows.loc["C-03", "status"] == "behind"
    assert (rows.loc["C-04", "actual"], rows.loc["C-04", "status"]) == (0, "missed")  # October is over
    # C-05: this month (November): Hal 5 Nov, Ana 15 Nov = 2; expected 3 × 20/30 = 2, and 2 ≥ 90% of it.
    assert rows.loc["C-05", "period"] == "2026-11"
    assert (rows.loc["C-05", "actual"], rows.loc["C-05", "status"]) == (2, "on track")
    assert rows.loc["C-05", "expected"] == pytest.approx(3 * elapsed_nov)
    assert rows.loc["C-06", "status"] == "tracked by hand" and rows.loc["C-06", "note"] == "Monthly call held"
    assert rows.loc["C-07", "status"] == "too early to tell"  # day 6 of its span, below its target
    assert "C-08" not in rows.index  # 2026-Q3: not this period's
    assert rows.loc["C-09", "status"] == "not evaluated" and "request_made" in rows.loc["C-09", "note"]


def test_metrics_json_has_adoption_and_commitments_that_read_back(figures):
    data = json.loads(json.dumps(figures.to_dict()))

    rebuilt = ProgramMetrics.from_dict(data)

    assert data["adoption"]["sellers_using"] == 2 and len(data["commitments"]) == 8
    assert json.dumps(rebuilt.to_dict()) == json.dumps(figures.to_dict())
    assert rebuilt.adoption.new_starters["started_on"].iloc[0] == pd.Timestamp(2026, 7, 1)


def test_a_workbook_without_the_new_tabs_still_reads_and_measures(tmp_path, capsys):
    grids = grids_from_rows({"Opportunities": [opportunity(1)], "Requests": [request(1)]})
    del grids["People"], grids["Commitments"]
    path = tmp_path / "old.xlsx"
    LocalStore(path).write_grids(grids)

    code, out, err = run(["metrics", "--source", str(path), "--json", "--as-of", AS_OF.isoformat()], capsys)

    assert code == 0, err
    data = json.loads(out)
    assert data["adoption"]["people"] == 0 and data["adoption"]["sellers_with_deals"] == 0
    assert data["commitments"] == []
    assert LocalStore(path).read().people.empty


def test_people_without_an_email_are_left_out_and_the_figures_say_so():
    people = [person(1), {P.name: "No Mail", P.team: "Sales"}]
    figures = measure(program(People=people), period="2026-Q4", as_of=AS_OF)

    assert figures.adoption.people == 1
    assert any("without a usable e-mail" in note for note in figures.adoption.notes)


def test_validate_names_an_unmatched_owner_with_the_closest_people_names(tmp_path, capsys):
    grids = grids_from_rows(
        {
            "People": [person(1, **{P.name: "Dana Ortiz"})],
            "Opportunities": [opportunity(1, **{O.owner: "Dana Ortis"})],
        }
    )
    path = tmp_path / "p.xlsx"
    LocalStore(path).write_grids(grids)

    code, out, _ = run(["validate", "--source", str(path), "--json"], capsys)

    found = [f for f in json.loads(out) if f["code"] == "unmatched_owner"]
    assert code == 0 and len(found) == 1
    assert found[0]["table"] == "Opportunities" and found[0]["column"] == "owner"
    assert '"Dana Ortiz"' in found[0]["message"] and found[0]["severity"] == "warning"


def _moves(request_id, *stints):
    """History rows: the request entering Owner Approval at each ``start`` and leaving it at each ``end``."""
    rows = []
    for start, end in stints:
        rows.append(
            {"request_id": request_id, "at": start, "from_status": "New", "to_status": "Owner Approval"}
        )
        rows.append(
            {
                "request_id": request_id,
                "at": end,
                "from_status": "Owner Approval",
                "to_status": "Advocate Asked",
            }
        )
    return rows


def test_owner_approval_median_days_per_team_from_the_history_judged_lower_is_better():
    history = [
        *_moves("REQ-000001", ("2026-10-01T09:00:00Z", "2026-10-03T21:00:00Z")),  # 2.5 days
        *_moves(
            "REQ-000004",
            ("2026-10-10T00:00:00Z", "2026-10-11T00:00:00Z"),  # 1 day
            ("2026-10-12T00:00:00Z", "2026-10-16T00:00:00Z"),  # 4 days
        ),
        *_moves("REQ-000006", ("2026-09-28T00:00:00Z", "2026-09-30T00:00:00Z")),  # left in Q3: not counted
    ]
    agreements = [
        commitment(1, **{C.metric: "owner_approval_median_days", C.target: 3}),
        commitment(2, **{C.metric: "owner_approval_median_days", C.target: 2}),
    ]
    figures = measure(
        program(Requests=_requests(), History=history, Commitments=agreements), period="2026-Q4", as_of=AS_OF
    )

    teams = figures.adoption.by_team.set_index("team")
    assert teams.loc["Sales", "owner_approval_median_days"] == 2.5  # the median of 2.5, 1 and 4
    assert pd.isna(teams.loc[CS, "owner_approval_median_days"])
    rows = figures.commitments.set_index("commitment_id")
    assert rows.loc["C-01", "status"] == "met"  # 2.5 days, at most 3
    # at most 2: not pro-rated (expected is the target), and 2.5 is beyond 110% of it
    assert (rows.loc["C-02", "expected"], rows.loc["C-02", "status"]) == (2, "behind")


def test_a_new_google_sheet_has_the_two_tabs_with_their_drop_downs(sheets_emulator, service_account_file):
    store = create_sheet(
        "Customer advocacy",
        share=[],
        credentials_file=str(service_account_file),
        endpoint=sheets_emulator.url,
    )

    for tab, column, values in (
        (schema.PEOPLE, P.status, schema.PEOPLE_STATUSES),
        (schema.PEOPLE, P.team, schema.TEAMS),
        (schema.COMMITMENTS, C.direction, schema.COMMITMENT_DIRECTIONS),
        (schema.COMMITMENTS, C.team, schema.TEAMS),
    ):
        sheet = sheets_emulator.sheet(store.key, tab.name)
        assert sheet.rows[0] == tab.names
        rules = {v["range"]["startColumnIndex"]: v["rule"] for v in sheet.validations}
        offered = rules[tab.names.index(column)]["condition"]["values"]
        assert [v["userEnteredValue"] for v in offered] == list(values)


def test_push_and_pull_carry_people_and_commitments(
    sheets_emulator, service_account_file, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(CREDENTIALS_ENV, str(service_account_file))
    monkeypatch.setenv(ENDPOINT_ENV, sheets_emulator.url)
    workbook, copy = tmp_path / "mine.xlsx", tmp_path / "copy.xlsx"
    LocalStore(workbook).write_grids(grids_from_rows({"People": _people(), "Commitments": _commitments()}))
    key = sheets_emulator.create_spreadsheet("Advocacy program", owner=SERVICE_ACCOUNT_EMAIL)

    assert run(["push", "--from", str(workbook), "--to", key], capsys)[0] == 0
    assert run(["pull", "--from", key, "--to", str(copy)], capsys)[0] == 0

    original, pulled = LocalStore(workbook).read(), LocalStore(copy).read()
    for tab in (schema.PEOPLE, schema.COMMITMENTS):
        assert len(pulled[tab]) == len(_people() if tab is schema.PEOPLE else _commitments())
        pd.testing.assert_frame_equal(pulled[tab], original[tab], check_dtype=False)


def test_the_demo_has_people_over_five_teams_non_users_new_starters_and_an_agreement_per_team(demo_program):
    people, agreements = demo_program.people, demo_program.commitments

    figures = measure(demo_program, period="2026-Q4", as_of=AS_OF)

    assert len(people) == 40 and people[P.team].nunique() == 5
    assert set(agreements[C.team]) == set(people[P.team])  # a sample agreement per team
    assert set(agreements[C.direction]) == set(schema.COMMITMENT_DIRECTIONS)
    # the sellers planted as never asking: on the coaching list, with deals closed this quarter
    assert set(figures.adoption.coaching["name"]) == {"Sven Olsen", "Nina Kaur", "Owen Hughes"}
    assert figures.adoption.new_starters_count == 3 and figures.adoption.unmatched_owners == 0
    assert not figures.adoption.notes
    assert (figures.commitments["status"] != "not evaluated").all()
