"""The business actions, as the program's rules: what each writes, what it refuses, and that a refusal writes
nothing. Every test runs on both stores (a local workbook and a Google Sheet in the emulator), because the CLI
and the notebooks write through whichever one the program lives in.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kit import actions, match, requests_life, schema
from kit.errors import ConflictError, InputError
from kit.store import RowUpdate
from tests.factories import AS_OF, advocate, grids_from_rows, nomination, request

A, R, N = schema.ADVOCATES.col, schema.REQUESTS.col, schema.NOMINATIONS.col
AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # on AS_OF
ASKED = schema.ADVOCATE_ASKED_STATUS  # what assigning an advocate without an account owner sets


def requests_by_id(store) -> dict[str, tuple]:
    frame = store.read().requests
    return {r[R.request_id]: (r[R.advocate_id], r[R.status]) for _, r in frame.iterrows()}


# ------------------------------------------------------------------------------------------------------------
# Assigning an advocate: one rule, whichever path writes it


def assign_one(store, program, request_id: str, advocate_id: str) -> None:
    """The finder's path: one request, one advocate."""
    requests_life.assign(store, program, request_id, advocate_id, by="pm", at=AT)


def apply_one(store, program, request_id: str, advocate_id: str) -> None:
    """The `match --apply` path: an allocation proposing that advocate for that request."""
    written, skipped = apply(store, program, allocation_of(program, {request_id: advocate_id}))
    if skipped:
        raise InputError(skipped[0][1])
    assert written == [request_id]


def apply(store, program, allocation) -> tuple[list[str], list[tuple[str, str]]]:
    """``match --apply``'s write: the request ids assigned, and those skipped with why."""
    moved, skipped = requests_life.apply_allocation(store, program, allocation, by="pm", at=AT)
    return [t.request_id for t in moved], skipped


def allocation_of(program, proposals: dict[str, str]) -> match.Allocation:
    """An allocation proposing these (request → advocate) pairs, indexed by sheet row as allocate's is."""
    requests = program.requests
    rows = [requests.index[requests[R.request_id] == rid][0] for rid in proposals]
    assignments = pd.DataFrame(
        {R.request_id: list(proposals), R.advocate_id: list(proposals.values())}, index=rows
    )
    empty = pd.DataFrame()
    return match.Allocation(AS_OF, assignments, empty, empty, empty)


BOTH_PATHS = pytest.mark.parametrize("write", [assign_one, apply_one], ids=["finder", "match-apply"])


@BOTH_PATHS
def test_assigning_writes_the_advocate_and_asks_them_when_no_owner_approves(store_factory, write):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Requests": [request(1)]}))

    write(store, store.read(), "REQ-000001", "ADV-0001")

    # the finder and match --apply once set different statuses; both now go where the request's life says
    assert requests_by_id(store) == {"REQ-000001": ("ADV-0001", "Advocate Asked")}


@BOTH_PATHS
@pytest.mark.parametrize("standing", schema.UNAVAILABLE_STATUSES)
def test_assigning_refuses_an_unavailable_advocate_and_writes_nothing(store_factory, write, standing):
    tabs = {"Advocates": [advocate(1), advocate(2, **{A.status: standing})], "Requests": [request(1)]}
    store = store_factory(grids_from_rows(tabs))
    before = store.read_grids()

    with pytest.raises(InputError) as refused:
        write(store, store.read(), "REQ-000001", "ADV-0002")

    assert f"REQ-000001 cannot be assigned ADV-0002: ADV-0002 is {standing}" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert store.read_grids() == before


def test_assigning_refuses_a_closed_request_and_writes_nothing(store_factory):
    done = request(
        1, **{R.status: "Completed", R.advocate_id: "ADV-0001", R.completed_on: dt.date(2026, 11, 18)}
    )
    store = store_factory(grids_from_rows({"Advocates": [advocate(1), advocate(2)], "Requests": [done]}))
    before = store.read_grids()

    with pytest.raises(
        InputError, match="REQ-000001 is Completed .*assign is allowed only from New or In Progress"
    ):
        assign_one(store, store.read(), "REQ-000001", "ADV-0002")

    assert store.read_grids() == before


def test_reassigning_a_request_already_asked_of_someone_is_refused_until_they_decline(store_factory):
    asked = request(1, **{R.status: "Advocate Asked", R.advocate_id: "ADV-0001"})
    store = store_factory(grids_from_rows({"Advocates": [advocate(1), advocate(2)], "Requests": [asked]}))

    with pytest.raises(InputError, match="decline it first"):
        assign_one(store, store.read(), "REQ-000001", "ADV-0002")
    requests_life.decline(store, store.read(), "REQ-000001", "no answer", by="pm", at=AT)
    assign_one(store, store.read(), "REQ-000001", "ADV-0002")

    assert requests_by_id(store) == {"REQ-000001": ("ADV-0002", "Advocate Asked")}


def test_assigning_a_request_changed_since_it_was_read_raises_conflict_and_writes_nothing(store_factory):
    store = store_factory(
        grids_from_rows({"Advocates": [advocate(1), advocate(2)], "Requests": [request(1)]})
    )
    program = store.read()
    # A colleague assigns the request in the sheet after it was read.
    store.update(schema.REQUESTS.name, [RowUpdate("REQ-000001", values={R.advocate_id: "ADV-0002"})])
    before = store.read_grids()

    with pytest.raises(ConflictError, match="found 'ADV-0002'"):
        assign_one(store, program, "REQ-000001", "ADV-0001")

    assert store.read_grids() == before


def test_assigning_an_unknown_advocate_names_it_and_writes_nothing(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Requests": [request(1)]}))
    before = store.read_grids()

    with pytest.raises(InputError, match="Advocates has no advocate_id 'ADV-0009'"):
        assign_one(store, store.read(), "REQ-000001", "ADV-0009")

    assert store.read_grids() == before


def test_assign_returns_the_cells_it_changed_as_they_were_and_are(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Requests": [request(1)]}))

    moved = requests_life.assign(store, store.read(), "REQ-000001", "ADV-0001", by="pm", at=AT)

    assert [w.describe() for w in moved.writes if w.tab == "Requests"] == [
        "Requests row 2 (REQ-000001) updated: status 'New' → 'Advocate Asked', advocate_id '' → 'ADV-0001'"
    ]


# ------------------------------------------------------------------------------------------------------------
# Logging a request


DESCRIBED = {
    R.requester_email: "ae@vendor.example.com",
    R.team: "Sales",
    R.activity: "case_study",
    R.industry: "Insurance",
    R.notes: "=prospect wants a CFO",
}


def test_log_request_appends_a_new_request_with_the_next_id_and_today(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1), request(7)]}))

    write = actions.log_request(store, DESCRIBED, as_of=AS_OF)

    logged = store.read().requests.iloc[-1]
    assert (write.row, write.key, write.action) == (4, "REQ-000008", "appended")
    assert logged[R.request_id] == "REQ-000008"
    assert logged[R.requested_on].date() == AS_OF
    assert logged[R.status] == schema.NEW_STATUS
    assert logged[R.advocate_id] is None
    assert logged[R.notes] == "=prospect wants a CFO"  # text, not a formula


@pytest.mark.parametrize("missing", [R.requester_email, R.team, R.activity])
def test_log_request_without_who_what_or_team_writes_nothing(store_factory, missing):
    store = store_factory(grids_from_rows({"Requests": [request(1)]}))
    before = store.read_grids()

    with pytest.raises(InputError, match=f"a new request needs its {missing.replace('_', ' ')}"):
        actions.log_request(store, {**DESCRIBED, missing: None}, as_of=AS_OF)

    assert store.read_grids() == before


def test_log_and_assign_logs_the_request_then_assigns_it(store_factory):
    agreed = advocate(1, **{A.activities: "case_study", A.consents: "name; story"})
    store = store_factory(grids_from_rows({"Advocates": [agreed], "Requests": [request(1)]}))

    logged, assigned = requests_life.log_and_assign(
        store, store.read(), DESCRIBED, "ADV-0001", by="pm", at=AT
    )

    assert (logged.action, assigned.request_id, assigned.to_status) == ("appended", "REQ-000002", ASKED)
    assert requests_by_id(store)["REQ-000002"] == ("ADV-0001", ASKED)


def test_log_and_assign_refuses_an_unavailable_advocate_before_logging_anything(store_factory):
    tabs = {"Advocates": [advocate(1, **{A.status: "Do Not Contact"})], "Requests": [request(1)]}
    store = store_factory(grids_from_rows(tabs))
    before = store.read_grids()

    with pytest.raises(
        InputError, match="the new request cannot be assigned ADV-0001: ADV-0001 is Do Not Contact"
    ):
        requests_life.log_and_assign(store, store.read(), DESCRIBED, "ADV-0001", by="pm", at=AT)

    assert store.read_grids() == before


# ------------------------------------------------------------------------------------------------------------
# Applying an allocation (match --open --apply)


def test_apply_never_overwrites_a_request_changed_since_the_read_and_writes_the_others(store_factory):
    tabs = {"Advocates": [advocate(1), advocate(2), advocate(3)], "Requests": [request(1), request(2)]}
    store = store_factory(grids_from_rows(tabs))
    program = store.read()
    allocation = allocation_of(program, {"REQ-000001": "ADV-0001", "REQ-000002": "ADV-0003"})
    # Meanwhile a manager assigns REQ-000001 by hand in the sheet.
    store.update("Requests", [RowUpdate("REQ-000001", {R.advocate_id: "ADV-0002", R.status: "Scheduled"})])

    written, skipped = apply(store, program, allocation)

    assert written == ["REQ-000002"]
    assert skipped == [
        (
            "REQ-000001",
            "changed by someone since it was read: advocate_id is now 'ADV-0002' (was ''); "
            "status is now 'Scheduled' (was 'New')",
        )
    ]
    assert requests_by_id(store) == {
        "REQ-000001": ("ADV-0002", "Scheduled"),  # the manager's edit stands
        "REQ-000002": ("ADV-0003", ASKED),  # the other proposal was not lost
    }


def test_apply_skips_a_request_deleted_since_the_read(store_factory):
    tabs = {"Advocates": [advocate(1), advocate(2)], "Requests": [request(1), request(2)]}
    store = store_factory(grids_from_rows(tabs))
    program = store.read()
    allocation = allocation_of(program, {"REQ-000001": "ADV-0001", "REQ-000002": "ADV-0002"})
    grids = store.read_grids()
    store.replace_tab("Requests", [row for row in grids["Requests"] if row[0] != "REQ-000002"])

    written, skipped = apply(store, program, allocation)

    assert written == ["REQ-000001"]
    assert skipped == [("REQ-000002", "is no longer in the Requests tab; left as it is")]


def test_apply_skips_an_unavailable_advocate_and_writes_the_other_proposals(store_factory):
    tabs = {
        "Advocates": [advocate(1), advocate(2, **{A.status: "Retired"})],
        "Requests": [request(1), request(2)],
    }
    store = store_factory(grids_from_rows(tabs))
    program = store.read()
    allocation = allocation_of(program, {"REQ-000001": "ADV-0001", "REQ-000002": "ADV-0002"})

    written, skipped = apply(store, program, allocation)

    assert written == ["REQ-000001"]
    assert [rid for rid, _ in skipped] == ["REQ-000002"]
    assert "ADV-0002 is Retired" in skipped[0][1]
    assert requests_by_id(store) == {"REQ-000001": ("ADV-0001", ASKED), "REQ-000002": (None, "New")}


# ------------------------------------------------------------------------------------------------------------
# Nominations (what the roster requires of the accepted nominee, and onboarding: tests/test_onboarding.py)

IN_EMEA_INSURANCE = {A.region: "EMEA", A.industry: "Insurance"}  # the required cells a nomination lacks


def test_accept_creates_the_advocate_as_nominated_and_marks_the_nomination_accepted(store_factory):
    roster = [
        advocate(1, **{A.company: "Acme Insurance", A.account_id: "ACC-1", A.company_size: "Enterprise"}),
        advocate(
            2,
            **{
                A.company: "acme insurance ",
                A.industry: "insurance",
                A.account_id: "ACC-1",
                A.company_size: "Mid-Market",
            },
        ),
    ]
    nominee = {
        N.contact_email: "nominee1@acme.example.com",
        N.company: "Acme Insurance",
        N.nominator_email: "csm@vendor.example.com",
    }
    store = store_factory(grids_from_rows({"Advocates": roster, "Nominations": [nomination(1, **nominee)]}))

    decided, added = actions.accept_nomination(
        store, store.read(), "NOM-00001", as_of=AS_OF, note="welcome", details={A.region: "EMEA"}
    )

    program = store.read()
    new = program.advocates.iloc[-1]
    assert new[A.advocate_id] == "ADV-0003"
    assert new[A.name] == "Nominee 1"
    assert new[A.email] == "nominee1@acme.example.com"
    assert new[A.company] == "Acme Insurance"
    assert new[A.products] == ("Product A",)
    assert new[A.status] == "Nominated"
    assert new[A.nominated_by] == "csm@vendor.example.com"
    # What both Acme advocates agree on is copied; the size they disagree on is left for a person.
    assert new[A.industry] == "Insurance"
    assert new[A.account_id] == "ACC-1"
    assert new[A.company_size] is None
    nominated = program.nominations.iloc[0]
    assert nominated[N.status] == schema.NOMINATION_ACCEPTED
    assert nominated[N.decided_on].date() == AS_OF
    assert nominated[N.advocate_id] == "ADV-0003"
    assert nominated[N.decision_note] == "welcome"
    assert (decided.tab, decided.action, added.tab, added.action) == (
        "Nominations",
        "updated",
        "Advocates",
        "appended",
    )


def test_a_new_advocate_id_is_unused_by_the_roster_and_by_earlier_acceptances(store_factory):
    earlier = nomination(1, **{N.status: "Accepted", N.advocate_id: "ADV-0017"})
    tabs = {"Advocates": [advocate(1)], "Nominations": [earlier, nomination(2)]}
    store = store_factory(grids_from_rows(tabs))

    actions.accept_nomination(store, store.read(), "NOM-00002", as_of=AS_OF, details=IN_EMEA_INSURANCE)

    program = store.read()
    assert program.advocates.iloc[-1][A.advocate_id] == "ADV-0018"
    assert program.nominations.iloc[1][N.advocate_id] == "ADV-0018"


def test_accepting_someone_already_on_the_roster_is_refused_and_writes_nothing(store_factory):
    again = nomination(1, **{N.contact_email: advocate(1)[A.email]})
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Nominations": [again]}))
    before = store.read_grids()

    with pytest.raises(InputError, match="already an advocate: ADV-0001 on Advocates row 2"):
        actions.accept_nomination(store, store.read(), "NOM-00001", as_of=AS_OF)

    assert store.read_grids() == before


def test_accepting_a_nomination_decided_since_it_was_read_raises_conflict_and_adds_nobody(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Nominations": [nomination(1)]}))
    program = store.read()
    store.update("Nominations", [RowUpdate("NOM-00001", values={N.status: "Declined"})])
    before = store.read_grids()

    with pytest.raises(ConflictError, match="Nominations!J2"):
        actions.accept_nomination(store, program, "NOM-00001", as_of=AS_OF, details=IN_EMEA_INSURANCE)

    assert store.read_grids() == before


@pytest.mark.parametrize("decided", [schema.NOMINATION_ACCEPTED, schema.NOMINATION_DECLINED])
def test_a_decided_nomination_cannot_be_decided_again(store_factory, decided):
    store = store_factory(grids_from_rows({"Nominations": [nomination(1, **{N.status: decided})]}))
    before = store.read_grids()

    with pytest.raises(InputError, match=f"NOM-00001 is already {decided}"):
        actions.decline_nomination(store, store.read(), "NOM-00001", "no", as_of=AS_OF)

    assert store.read_grids() == before


def test_decline_keeps_the_reason_as_text_and_adds_nobody(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1)], "Nominations": [nomination(1)]}))

    write = actions.decline_nomination(
        store, store.read(), "NOM-00001", " =not referenceable until renewal ", as_of=AS_OF
    )

    program = store.read()
    assert len(program.advocates) == 1
    declined = program.nominations.iloc[0]
    assert declined[N.status] == schema.NOMINATION_DECLINED
    assert declined[N.decided_on].date() == AS_OF
    assert declined[N.decision_note] == "=not referenceable until renewal"
    assert declined[N.advocate_id] is None
    assert write.describe().startswith("Nominations row 2 (NOM-00001) updated: status 'New' → 'Declined'")


def test_decline_without_a_reason_writes_nothing(store_factory):
    store = store_factory(grids_from_rows({"Nominations": [nomination(1)]}))
    before = store.read_grids()

    with pytest.raises(InputError, match="say why the nomination is declined"):
        actions.decline_nomination(store, store.read(), "NOM-00001", "  ", as_of=AS_OF)

    assert store.read_grids() == before


# ------------------------------------------------------------------------------------------------------------
# Ids


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], "REQ-000001"),
        (["REQ-000009", "req-000010", "REQ-7"], "REQ-000011"),  # case does not matter, the widest wins
        (["REQ-0000001"], "REQ-0000002"),  # ids already wider than usual keep their width
        (["REQ-12a", None, "ADV-0099"], "REQ-000001"),  # what is not an id of this kind is ignored
    ],
)
def test_next_id_follows_the_highest_id_in_use(existing, expected):
    assert actions.next_id(existing, "REQ-", 6) == expected
