"""The store contract, run unchanged on every backend (``store_factory`` is parametrised over them).

A store reads a whole program, appends rows, updates rows by key with a check that nobody changed them since
they were read, and keeps whatever it does not own (extra columns, extra tabs) exactly as it was.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kit import schema
from kit.errors import ConflictError
from kit.store import RowUpdate
from tests.factories import advocate, grids_from_rows, request

A, R, O = schema.ADVOCATES.col, schema.REQUESTS.col, schema.OPPORTUNITIES.col


def test_every_column_type_reads_back_as_written(store_factory):
    row = advocate(
        1,
        **{
            A.persona: "Technical",
            A.company_size: "Mid-Market",
            A.products: ("Product A", "Product B"),
            A.activities: ("reference_call", "speaking"),
            A.consents: ("logo",),
            A.joined_on: dt.date(2025, 3, 1),
            A.last_verified: dt.date(2026, 2, 28),
            A.max_per_quarter: 3,
            A.notes: "Prefers mornings; loves the product ✓",
        },
    )
    opportunity = {
        O.opportunity_id: "OPP-1",
        O.account: "Acme",
        O.amount: 3_800_000.5,
        O.created_on: dt.date(2026, 1, 5),
        O.close_date: dt.date(2026, 6, 30),
        O.is_closed: True,
        O.is_won: False,
    }
    store = store_factory(grids_from_rows({"Advocates": [row], "Opportunities": [opportunity]}))

    program = store.read()

    got = program.advocates.loc[2]
    assert got[A.advocate_id] == "ADV-0001"
    assert got[A.products] == ("Product A", "Product B")
    assert got[A.activities] == ("reference_call", "speaking")
    assert got[A.joined_on].date() == dt.date(2025, 3, 1)
    assert got[A.last_verified].date() == dt.date(2026, 2, 28)
    assert got[A.max_per_quarter] == 3
    assert got[A.company_size] == "Mid-Market"
    assert got[A.notes] == "Prefers mornings; loves the product ✓"
    opp = program.opportunities.loc[2]
    assert opp[O.amount] == 3_800_000.5
    assert bool(opp[O.is_closed]) is True and bool(opp[O.is_won]) is False
    assert opp[O.close_date].date() == dt.date(2026, 6, 30)


def test_formula_looking_text_stays_text(store_factory):
    risky = ['=IMPORTXML("http://x","//a")', "+1 555 0100", "@handle", "-ok-"]
    rows = [advocate(i + 1, notes=text) for i, text in enumerate(risky)]
    store = store_factory(grids_from_rows({"Advocates": rows}))

    store.append("Advocates", [advocate(9, notes="=1+1")])
    program = store.read()

    assert list(program.advocates[A.notes]) == risky + ["=1+1"]


def test_read_gives_sheet_row_numbers(store_factory):
    store = store_factory(grids_from_rows({"Advocates": [advocate(1), advocate(2), advocate(3)]}))

    program = store.read()

    assert list(program.advocates.index) == [2, 3, 4]
    assert program.advocates.loc[3, A.advocate_id] == "ADV-0002"


def test_append_adds_rows_at_the_end_and_returns_their_rows(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1), request(2)]}))

    rows = store.append("Requests", [request(3), request(4, notes="urgent")])
    program = store.read()

    assert rows == [4, 5]
    assert list(program.requests[R.request_id]) == ["REQ-000001", "REQ-000002", "REQ-000003", "REQ-000004"]
    assert program.requests.loc[5, R.notes] == "urgent"


def test_append_follows_columns_a_manager_reordered(store_factory):
    grids = grids_from_rows({"Requests": [request(1)]})
    header, first = grids["Requests"]
    order = list(reversed(range(len(header))))
    grids["Requests"] = [[header[i] for i in order], [first[i] for i in order]]
    store = store_factory(grids)

    store.append("Requests", [request(2, prospect_company="Globex")])
    program = store.read()

    assert program.requests.loc[3, R.prospect_company] == "Globex"
    assert program.requests.loc[3, R.request_id] == "REQ-000002"


def test_update_by_key_finds_the_row_after_a_manager_sorted_the_sheet(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1), request(2), request(3)]}))
    before = store.read()
    # A manager sorts the tab newest first between our read and our write.
    store.write_grids(grids_from_rows({"Requests": [request(3), request(2), request(1)]}))

    rows = store.update(
        "Requests",
        [
            RowUpdate(
                "REQ-000001",
                {R.advocate_id: "ADV-0007", R.status: "Advocate Asked"},
                expected={R.status: before.requests.loc[2, R.status]},
            )
        ],
    )
    after = store.read().requests.set_index(R.request_id)

    assert rows == [4]
    assert after.loc["REQ-000001", R.advocate_id] == "ADV-0007"
    assert after.loc["REQ-000001", R.status] == "Advocate Asked"
    assert after.loc["REQ-000003", R.status] == "New" and after.loc["REQ-000003", R.advocate_id] is None


def test_update_refuses_when_cell_changed_since_read(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1)]}))
    read = store.read().requests.loc[2]
    # Someone else assigns an advocate meanwhile.
    store.update("Requests", [RowUpdate("REQ-000001", {R.advocate_id: "ADV-0002", R.status: "Scheduled"})])

    with pytest.raises(ConflictError, match=r"Requests!\w+2"):
        store.update(
            "Requests",
            [
                RowUpdate(
                    "REQ-000001",
                    {R.advocate_id: "ADV-0009"},
                    expected={R.advocate_id: read[R.advocate_id], R.status: read[R.status]},
                )
            ],
        )

    kept = store.read().requests.loc[2]
    assert kept[R.advocate_id] == "ADV-0002" and kept[R.status] == "Scheduled"


def test_update_is_all_or_nothing(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1), request(2)]}))
    store.update("Requests", [RowUpdate("REQ-000002", {R.status: "Cancelled"})])  # someone else's edit

    with pytest.raises(ConflictError):
        store.update(
            "Requests",
            [
                RowUpdate("REQ-000001", {R.status: "In Progress"}, expected={R.status: "New"}),
                RowUpdate("REQ-000002", {R.status: "In Progress"}, expected={R.status: "New"}),
            ],
        )

    statuses = store.read().requests.set_index(R.request_id)[R.status]
    assert statuses.to_dict() == {"REQ-000001": "New", "REQ-000002": "Cancelled"}


def test_update_refuses_a_row_that_was_deleted(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1)]}))

    with pytest.raises(ConflictError, match="REQ-404"):
        store.update("Requests", [RowUpdate("REQ-404", {R.status: "Completed"})])


def test_expected_dates_compare_by_meaning_not_spelling(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1, needed_by="3/1/2026")]}))

    store.update(
        "Requests",
        [RowUpdate("REQ-000001", {R.status: "Scheduled"}, expected={R.needed_by: dt.date(2026, 3, 1)})],
    )

    assert store.read().requests.loc[2, R.status] == "Scheduled"


def test_extra_columns_and_tabs_survive_writes(store_factory):
    grids = grids_from_rows({"Advocates": [advocate(1, **{"Favourite Colour": "teal"}), advocate(2)]})
    grids["Pivot notes"] = [["Quarter", "Comment"], ["2026-Q3", "=SUM(1,2) stays"], ["2026-Q4", 42]]
    store = store_factory(grids)

    store.append("Advocates", [advocate(3)])
    store.update("Advocates", [RowUpdate("ADV-0001", {A.status: "Paused"}, expected={A.status: "Active"})])
    store.replace_tab(schema.ISSUES_TAB_NAME, [["cell", "message"], ["Advocates!A2", "checked"]])
    after = store.read_grids()
    program = store.read()

    assert program.raw["Advocates"].loc[2, "favourite_colour"] == "teal"
    assert program.advocates.loc[2, A.status] == "Paused"
    assert after["Pivot notes"][:3] == [
        ["Quarter", "Comment"],
        ["2026-Q3", "=SUM(1,2) stays"],
        ["2026-Q4", 42],
    ]
    assert after[schema.ISSUES_TAB_NAME][:2] == [["cell", "message"], ["Advocates!A2", "checked"]]
    assert "Pivot notes" in program.extra_tabs


def test_replacing_the_issues_tab_again_leaves_no_old_findings(store_factory):
    store = store_factory(grids_from_rows({}))
    store.replace_tab(schema.ISSUES_TAB_NAME, [["cell"], ["A2"], ["A3"], ["A4"]])

    store.replace_tab(schema.ISSUES_TAB_NAME, [["cell"], ["B9"]])

    rows = [r for r in store.read_grids()[schema.ISSUES_TAB_NAME] if any(c not in (None, "") for c in r)]
    assert rows == [["cell"], ["B9"]]


def test_a_key_typed_as_a_number_finds_its_row(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1, request_id=12)]}))

    rows = store.update("Requests", [RowUpdate(12.0, {R.status: "Scheduled"}, expected={R.status: "New"})])

    assert rows == [2]
    assert store.read().requests.loc[2, R.status] == "Scheduled"


def test_update_by_row_fills_a_key_nobody_typed(store_factory):
    typed = request(2, **{R.request_id: None, R.requester_email: "ana@example.com"})
    store = store_factory(grids_from_rows({"Requests": [request(1), typed]}))

    rows = store.update(
        "Requests",
        [
            RowUpdate(
                "row 3", {R.request_id: "REQ-000002"}, expected={R.request_id: None, R.team: "Sales"}, row=3
            )
        ],
    )

    after = store.read().requests
    assert rows == [3]
    assert after.loc[3, R.request_id] == "REQ-000002"
    assert after.loc[3, R.requester_email] == "ana@example.com"


def test_update_by_row_refuses_a_row_sorted_away_since_read(store_factory):
    first, typed = request(1), request(2, **{R.request_id: None, R.team: "Marketing"})
    store = store_factory(grids_from_rows({"Requests": [first, typed]}))
    # A manager sorts the tab meanwhile: row 3 now holds REQ-000001.
    store.write_grids(grids_from_rows({"Requests": [typed, first]}))

    with pytest.raises(ConflictError, match=r"Requests!\w+3"):
        store.update(
            "Requests",
            [
                RowUpdate(
                    "row 3",
                    {R.request_id: "REQ-000002"},
                    expected={R.request_id: None, R.team: "Marketing"},
                    row=3,
                )
            ],
        )

    assert list(store.read().requests[R.request_id]) == [None, "REQ-000001"]


def test_update_by_row_refuses_a_row_deleted_since_read(store_factory):
    store = store_factory(grids_from_rows({"Requests": [request(1)]}))

    with pytest.raises(ConflictError):
        store.update(
            "Requests", [RowUpdate("row 3", {R.request_id: "REQ-000002"}, expected={R.team: "Sales"}, row=3)]
        )

    assert list(store.read().requests[R.request_id]) == ["REQ-000001"]
