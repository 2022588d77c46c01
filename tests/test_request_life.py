"""A request's life, as the program's rules: each move writes the request's status and one History row, the
moves a request's status does not allow are refused with one line and nothing written, and the whole loop
(assign → owner approval → the advocate accepts → scheduled → completed) works from the command line on both
stores: a local workbook and a Google Sheet in the emulator.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kit import match, requests_life, schema
from kit.errors import ConflictError, InputError
from kit.store import RowUpdate
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import AS_OF, activity, advocate, grids_from_rows, request, setting

A, R, X, H = schema.ADVOCATES.col, schema.REQUESTS.col, schema.ACTIVITIES.col, schema.HISTORY.col
AT = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
OWNER = "owner@example.com"


def rows(grid: list[list]) -> list[dict]:
    """A tab's data rows as {header: cell}, blank rows left out."""
    header = [str(h) for h in grid[0]]
    return [dict(zip(header, r, strict=False)) for r in grid[1:] if any(c not in (None, "") for c in r)]


def status_of(store, request_id: str = "REQ-000001") -> tuple:
    frame = store.read().requests
    row = frame[frame[R.request_id] == request_id].iloc[0]
    return row[R.status], row[R.advocate_id]


def history(store) -> list[tuple]:
    frame = store.read()[schema.HISTORY]
    return [
        (r[H.request_id], r[H.from_status], r[H.to_status], r[H.advocate_id]) for _, r in frame.iterrows()
    ]


def owned(n: int = 1, **cells) -> dict:
    """An advocate whose account owner approves each ask."""
    return advocate(n, **{A.owner_email: OWNER, **cells})


# ------------------------------------------------------------------------------------------------------------
# Assign: where it goes, and what it refuses


def test_assigning_an_advocate_with_an_account_owner_waits_on_the_owner(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [owned(1)], "Requests": [request(1)]}))

    moved = requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)

    assert status_of(store) == ("Owner Approval", "ADV-0001")
    assert (moved.from_status, moved.to_status) == ("New", "Owner Approval")
    assert (moved.requester_email, moved.owner_email, moved.advocate_id) == (
        "rep@example.com",
        OWNER,
        "ADV-0001",
    )
    assert history(store) == [("REQ-000001", "New", "Owner Approval", "ADV-0001")]


def test_without_an_owner_or_with_owner_approval_off_the_advocate_is_asked_at_once(store_factory):
    tabs = {
        "Advocates": [advocate(1), owned(2)],
        "Requests": [request(1), request(2)],
        "Settings": [setting("owner_approval", "no")],
    }
    store = store_factory(grids_from_rows(tabs))

    requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)
    requests_life.assign(store, store.read(), "REQ-000002", "ADV-0002", by="pm", at=AT)

    assert status_of(store, "REQ-000001")[0] == "Advocate Asked"
    assert status_of(store, "REQ-000002")[0] == "Advocate Asked"


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ({A.status: "Do Not Contact"}, "ADV-0001 is Do Not Contact"),
        ({A.status: "Retired"}, "ADV-0001 is Retired"),
        ({A.status: "Paused"}, "ADV-0001 is Paused"),
        ({A.activities: "review"}, "has not agreed to reference_call"),
    ],
)
def test_assign_refuses_an_advocate_who_must_not_be_asked_and_writes_nothing(store_factory, cells, said):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1, **cells)], "Requests": [request(1)]}))
    before = store.read_grids()

    with pytest.raises(InputError) as refused:
        requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)

    assert said in str(refused.value) and "\n" not in str(refused.value)
    assert store.read_grids() == before


def test_assign_refuses_a_case_study_without_the_consent_to_name_and_story(store_factory):
    tabs = {
        "Advocates": [advocate(1, **{A.activities: "case_study", A.consents: "name"})],
        "Requests": [request(1, **{R.activity: "case_study"})],
    }
    store = store_factory(grids_from_rows(tabs))
    before = store.read_grids()

    with pytest.raises(InputError, match="needs consent to story"):
        requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)

    assert store.read_grids() == before


def test_an_advocate_at_the_cap_is_refused_unless_overridden_and_the_override_is_in_history(store_factory):
    # A cap of 2, two activities this quarter (2026-Q4): a third ask would be over it.
    tabs = {
        "Advocates": [advocate(1, **{A.max_per_quarter: 2})],
        "Requests": [request(1)],
        "Activities": [activity(1), activity(2, day=dt.date(2026, 11, 2))],
    }
    store = store_factory(grids_from_rows(tabs))

    with pytest.raises(InputError, match="at the cap of 2.*--override-cap"):
        requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)
    assert history(store) == []

    requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT, override_cap=True)

    (row,) = rows(store.read_grids()[schema.HISTORY.name])
    assert "--override-cap" in row[H.note] and row[H.by] == "pm" and row[H.at] == "2026-11-20T09:30:00Z"


# ------------------------------------------------------------------------------------------------------------
# The other moves


def assigned(store_factory, status: str, **tabs):
    """A store holding REQ-000001 at ``status``, assigned to ADV-0001 (who has an account owner)."""
    cells = {R.status: status, R.advocate_id: "ADV-0001", R.opportunity_id: "OPP-000001"}
    base = {"Advocates": [owned(1)], "Requests": [request(1, **cells)]}
    return store_factory(grids_from_rows(base | tabs))


def test_reject_returns_the_request_to_new_without_the_advocate_and_keeps_who_and_why(store_factory):
    store = assigned(store_factory, "Owner Approval")

    moved = requests_life.reject(store, store.read(), "REQ-000001", "renewal under way", by=OWNER, at=AT)

    assert status_of(store)[0] == "New" and pd.isna(status_of(store)[1])
    assert moved.advocate_id == "ADV-0001" and moved.note == "renewal under way"
    (row,) = rows(store.read_grids()[schema.HISTORY.name])
    assert (row[H.advocate_id], row[H.note], row[H.by]) == ("ADV-0001", "renewal under way", OWNER)


def test_decline_by_the_advocate_records_the_reason_and_frees_the_request(store_factory):
    store = assigned(store_factory, "Advocate Asked")

    requests_life.decline(store, store.read(), "REQ-000001", "travelling all month", by="ADV-0001", at=AT)

    assert status_of(store)[0] == "New"
    (row,) = rows(store.read_grids()[schema.HISTORY.name])
    assert (row[H.from_status], row[H.to_status], row[H.note]) == (
        "Advocate Asked",
        "New",
        "travelling all month",
    )


def test_complete_sets_the_day_and_appends_an_activity_linked_to_the_request_and_opportunity(store_factory):
    store = assigned(store_factory, "Scheduled", Activities=[activity(7)])

    requests_life.complete(store, store.read(), "REQ-000001", dt.date(2026, 11, 19), by="pm", at=AT)

    program = store.read()
    assert program.requests.iloc[0][R.completed_on].date() == dt.date(2026, 11, 19)
    new = program.activities[program.activities[X.request_id] == "REQ-000001"].iloc[0]
    assert new[X.activity_id] == "ACT-000008"  # after ACT-000007, the highest in use
    assert (new[X.advocate_id], new[X.opportunity_id], new[X.activity]) == (
        "ADV-0001",
        "OPP-000001",
        "reference_call",
    )
    assert new[X.date].date() == dt.date(2026, 11, 19) and new[X.outcome] == "Completed"


@pytest.mark.parametrize(
    ("move", "status", "said"),
    [
        (lambda s, p: requests_life.approve(s, p, "REQ-000001", by="o", at=AT), "New", "approve is allowed"),
        (lambda s, p: requests_life.accept(s, p, "REQ-000001", by="a", at=AT), "Owner Approval", "accept is"),
        (
            lambda s, p: requests_life.schedule(s, p, "REQ-000001", "2026-12-01", by="a", at=AT),
            "Completed",
            "",
        ),
        (lambda s, p: requests_life.cancel(s, p, "REQ-000001", "", by="pm", at=AT), "New", "needs a reason"),
        (
            lambda s, p: requests_life.reject(s, p, "REQ-000001", None, by="o", at=AT),
            "Owner Approval",
            "reason",
        ),
        (
            lambda s, p: requests_life.schedule(s, p, "REQ-000001", "2026-11-01", by="pm", at=AT),
            "In Progress",
            "before the request came in (2026-11-18",
        ),
        (
            lambda s, p: requests_life.approve(s, p, "REQ-000404", by="o", at=AT),
            "Owner Approval",
            "REQ-000404",
        ),
    ],
    ids=[
        "approve-new",
        "accept-unapproved",
        "schedule-done",
        "cancel-no-reason",
        "reject-no-reason",
        "date-too-early",
        "unknown-id",
    ],
)
def test_a_move_the_rules_refuse_is_one_line_and_writes_nothing(store_factory, move, status, said):
    store = assigned(store_factory, status)
    before = store.read_grids()

    with pytest.raises(InputError) as refused:
        move(store, store.read())

    assert said in str(refused.value) and "\n" not in str(refused.value)
    assert store.read_grids() == before


def test_a_request_changed_since_it_was_read_is_a_conflict_and_nothing_is_overwritten(store_factory):
    store = assigned(store_factory, "Owner Approval")
    seen = store.read()
    # meanwhile someone cancels it in the sheet
    store.update(schema.REQUESTS.name, [RowUpdate("REQ-000001", {R.status: "Cancelled"})])

    with pytest.raises(ConflictError):
        requests_life.approve(store, seen, "REQ-000001", by=OWNER, at=AT)

    assert status_of(store)[0] == "Cancelled" and history(store) == []


def test_a_workbook_made_before_the_history_tab_gets_it_on_the_first_move(store_factory):
    grids = grids_from_rows({"Advocates": [advocate(1)], "Requests": [request(1)]})
    del grids[schema.HISTORY.name]
    store = store_factory(grids)
    assert store.read()[schema.HISTORY].empty  # an older workbook still reads

    moved = requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)

    assert history(store) == [("REQ-000001", "New", "Advocate Asked", "ADV-0001")]
    assert moved.history_tab_added


# ------------------------------------------------------------------------------------------------------------
# match --apply and the finder: the same assign


def test_match_apply_assigns_by_the_same_rule_and_writes_history(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [owned(1)], "Requests": [request(1)]}))
    program = store.read()
    allocation = match.Allocation(
        AS_OF,
        pd.DataFrame({R.request_id: ["REQ-000001"], R.advocate_id: ["ADV-0001"]}, index=[2]),
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame(),
    )

    moved, skipped = requests_life.apply_allocation(store, program, allocation, by="pm", at=AT)

    assert skipped == [] and [t.to_status for t in moved] == ["Owner Approval"]
    assert status_of(store) == ("Owner Approval", "ADV-0001")
    assert history(store) == [("REQ-000001", "New", "Owner Approval", "ADV-0001")]


# ------------------------------------------------------------------------------------------------------------
# Done when: the whole loop from the command line, on both stores, and run twice


def test_the_whole_loop_from_the_command_line_and_a_second_run_refused(store_factory, source_of, capsys):
    opportunity = {"opportunity_id": "OPP-000001", "account": "Prospect Inc"}
    tabs = {
        "Advocates": [owned(1)],
        "Requests": [request(1, **{R.opportunity_id: "OPP-000001"})],
        "Opportunities": [opportunity],
    }
    store = store_factory(grids_from_rows(tabs))
    source = ["--source", source_of(store), "--as-of", "2026-11-20"]
    loop = [
        (["assign", "REQ-000001", "ADV-0001", "--by", "pm"], "New → Owner Approval"),
        (["approve", "REQ-000001", "--by", OWNER], "Owner Approval → Advocate Asked"),
        (["accept", "REQ-000001", "--by", "ADV-0001"], "Advocate Asked → In Progress"),
        (["schedule", "REQ-000001", "--on", "2026-12-03", "--by", "pm"], "In Progress → Scheduled"),
        (["complete", "REQ-000001", "--on", "2026-12-03", "--by", "pm"], "Scheduled → Completed"),
    ]

    for args, said in loop:
        code, out, err = run(["request", *args, *source], capsys)
        assert code == 0, err
        assert said in out

    program = store.read()
    assert program.requests.iloc[0][R.status] == "Completed"
    assert [(r[H.from_status], r[H.to_status], r[H.by]) for _, r in program[schema.HISTORY].iterrows()] == [
        ("New", "Owner Approval", "pm"),
        ("Owner Approval", "Advocate Asked", OWNER),
        ("Advocate Asked", "In Progress", "ADV-0001"),
        ("In Progress", "Scheduled", "pm"),
        ("Scheduled", "Completed", "pm"),
    ]
    (done,) = program.activities.itertuples()
    assert (done.request_id, done.advocate_id, done.opportunity_id) == (
        "REQ-000001",
        "ADV-0001",
        "OPP-000001",
    )

    before = store.read_grids()
    for args, _ in loop:
        code, out, err = run(["request", *args, *source], capsys)
        assert code == 2 and err.count("\n") == 1 and "nothing was written" in err, (args, err)
    assert store.read_grids() == before


@pytest.mark.parametrize("turned_down", ["reject", "decline"])
def test_an_advocate_rejected_by_the_owner_or_who_declined_is_not_proposed_again_for_that_request(
    store_factory, turned_down
):
    tabs = {"Advocates": [owned(1), owned(2)], "Requests": [request(1), request(2)]}
    store = store_factory(grids_from_rows(tabs))
    requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)
    if turned_down == "reject":
        requests_life.reject(store, store.read(), "REQ-000001", "renewal under way", by=OWNER, at=AT)
    else:
        requests_life.approve(store, store.read(), "REQ-000001", by=OWNER, at=AT)
        requests_life.decline(store, store.read(), "REQ-000001", "too busy", by="ADV-0001", at=AT)
    program = store.read()

    assert list(match.rank("REQ-000001", program, as_of=AS_OF)[A.advocate_id]) == ["ADV-0002"]
    assert set(match.rank("REQ-000002", program, as_of=AS_OF)[A.advocate_id]) == {"ADV-0001", "ADV-0002"}
    proposed = match.allocate(program, as_of=AS_OF).assignments
    assert "ADV-0001" not in set(proposed.loc[proposed[R.request_id] == "REQ-000001", R.advocate_id])


def test_on_a_workbook_without_history_the_first_move_says_it_added_the_tab(make_workbook, capsys):
    path = make_workbook(Advocates=[advocate(1)], Requests=[request(1)])
    store = LocalStore(path)
    grids = store.read_grids()
    del grids[schema.HISTORY.name]
    store.write_grids(grids)

    code, out, err = run(["request", "assign", "REQ-000001", "ADV-0001", "--source", str(path)], capsys)

    assert code == 0, err
    assert "Added the History tab" in out
    assert "History" in store.read_grids()


@pytest.mark.parametrize(
    ("status", "args", "said"),
    [
        ("Owner Approval", ["reject", "REQ-000001"], "reject needs a reason"),
        ("In Progress", ["schedule", "REQ-000001", "--on", "2026-11-01"], "before the request came in"),
        ("In Progress", ["schedule", "REQ-000001", "--on", "next week"], "needs a date"),
        ("New", ["assign", "REQ-000001", "ADV-0404"], "Advocates has no advocate_id 'ADV-0404'"),
        ("New", ["cancel", "REQ-000404", "--reason", "gone"], "Requests has no request_id 'REQ-000404'"),
    ],
)
def test_the_command_line_refuses_bad_input_in_one_line_with_exit_2_and_writes_nothing(
    store_factory, source_of, capsys, status, args, said
):
    store = assigned(store_factory, status)
    before = store.read_grids()

    code, out, err = run(["request", *args, "--source", source_of(store)], capsys)

    assert (code, out) == (2, "")
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert store.read_grids() == before


def test_each_move_prints_the_history_row_it_added_without_an_empty_key(store_factory, source_of, capsys):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Requests": [request(1)]}))

    code, out, _ = run(["request", "assign", "REQ-000001", "ADV-0001", "--source", source_of(store)], capsys)

    assert code == 0
    assert "History row 2 appended: request_id 'REQ-000001'" in out
