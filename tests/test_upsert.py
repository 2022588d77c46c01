"""The upsert every outside row is written through (import and CRM sync): matched by key (or, for an advocate
without an id, by e-mail, then name and company), planned as a diff, applied as keyed conflict-checked
updates and one append, and idempotent: the same input twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt

import pytest

from kit import schema
from kit.errors import ConflictError
from kit.store import RowUpdate
from kit.store.local import LocalStore
from kit.upsert import apply_plan, plan_upsert
from tests.factories import activity, advocate, grids_from_rows, opportunity

A, O, X = schema.ADVOCATES.col, schema.OPPORTUNITIES.col, schema.ACTIVITIES.col


@pytest.fixture
def workbook(tmp_path):
    """workbook(**tabs) -> a LocalStore on a new workbook holding those rows."""

    def factory(**tabs):
        store = LocalStore(tmp_path / "program.xlsx")
        store.write_grids(grids_from_rows(tabs))
        return store

    return factory


def opportunity_id(n: int) -> str:
    """The id the factory gives the n-th opportunity, so the tests follow its form."""
    return opportunity(n)[O.opportunity_id]


def incoming_advocate(**cells):
    """An advocate row as an import brings it: no id, typed values."""
    row = advocate(9, **cells)
    del row[A.advocate_id]
    return row


def test_a_new_row_gets_the_next_id_in_the_tabs_own_form(workbook):
    store = workbook(Advocates=[advocate(1), advocate(41)])

    plan = plan_upsert(store.read(), "Advocates", [incoming_advocate(name="Dana New", email="dana@new.com")])

    assert [r.key for r in plan.added] == [advocate(42)[A.advocate_id]]
    assert plan.summary == "1 added, 0 changed, 0 refused, 0 unchanged"


def test_a_keyed_row_that_differs_is_a_change_naming_each_cell_old_and_new(workbook):
    store = workbook(Opportunities=[opportunity(1), opportunity(2)])
    incoming = [opportunity(1, **{O.amount: 12_000.0, O.stage: "Closed Won"}), opportunity(2)]

    plan = plan_upsert(store.read(), "Opportunities", incoming)

    assert plan.unchanged == 1
    (row,) = plan.changed
    assert (row.key, row.sheet_row) == (opportunity_id(1), 2)
    assert {(c.column, c.old, c.new) for c in row.changes} == {
        (O.amount, 10_000, 12_000.0),
        (O.stage, None, "Closed Won"),
    }
    assert f"~ {opportunity_id(1)} (sheet row 2, input row 1): " in "\n".join(plan.lines())


def test_applying_writes_the_changes_and_the_additions(workbook):
    store = workbook(Opportunities=[opportunity(1)])
    incoming = [opportunity(1, **{O.amount: 12_000}), opportunity(2, **{O.close_date: dt.date(2026, 11, 2)})]

    applied = apply_plan(store, plan_upsert(store.read(), "Opportunities", incoming))

    assert applied.changed_rows == (2,) and applied.added_rows == (3,)
    frame = store.read().opportunities
    assert frame[O.amount].tolist() == [12_000, 10_000]
    assert frame.at[3, O.close_date].date() == dt.date(2026, 11, 2)


def test_the_same_input_twice_adds_and_changes_nothing_and_leaves_the_workbook_bytes_alone(workbook):
    store = workbook(Advocates=[advocate(1)], Opportunities=[opportunity(1)])
    incoming = [
        opportunity(1, **{O.amount: 12_000.0, O.region: "emea"}),
        opportunity(2, **{O.stage: "Closed Won", O.product: "Product A"}),
    ]
    apply_plan(store, plan_upsert(store.read(), "Opportunities", incoming))
    before = store.path.read_bytes()

    again = plan_upsert(store.read(), "Opportunities", incoming)
    apply_plan(store, again)

    assert again.summary == "0 added, 0 changed, 0 refused, 2 unchanged"
    assert store.path.read_bytes() == before


def test_an_advocate_without_an_id_is_matched_by_e_mail_whatever_its_case(workbook):
    store = workbook(Advocates=[advocate(1), advocate(2)])

    plan = plan_upsert(
        store.read(), "Advocates", [incoming_advocate(email="PERSON2@example.com", title="VP Claims")]
    )

    assert not plan.added
    (row,) = plan.changed
    assert row.key == advocate(2)[A.advocate_id]
    assert [(c.column, c.new) for c in row.changes if c.column == A.title] == [(A.title, "VP Claims")]


def test_an_advocate_without_an_id_or_known_e_mail_is_matched_by_name_and_company(workbook):
    store = workbook(Advocates=[advocate(1, name="Robert Smith", company="Granite Mutual")])

    plan = plan_upsert(
        store.read(),
        "Advocates",
        [incoming_advocate(name="robert  SMITH", company="Granite Mutual, Inc.", email="rs@granite.com")],
    )

    assert [r.key for r in plan.changed] == [advocate(1)[A.advocate_id]] and not plan.added


def test_a_nickname_of_an_existing_advocate_at_the_same_company_is_reported_not_added_twice(workbook):
    store = workbook(Advocates=[advocate(1, name="Robert Smith", company="Granite Mutual")])

    plan = plan_upsert(
        store.read(),
        "Advocates",
        [incoming_advocate(name="Bob Smith", company="Granite Mutual", email="bob@granite.com")],
        origins=["roster.csv row 2"],
    )

    assert not plan.added and not plan.changed
    (refused,) = plan.refused
    assert refused.code == "possible_duplicate" and refused.column == A.name
    assert str(refused).startswith(
        "roster.csv row 2: 'Bob Smith' at Granite Mutual looks like Advocates row 2"
    )
    assert advocate(1)[A.advocate_id] in refused.reason


def test_two_input_rows_with_one_key_write_the_first_and_refuse_the_second(workbook):
    store = workbook(Opportunities=[])

    plan = plan_upsert(
        store.read(),
        "Opportunities",
        [opportunity(1), opportunity(1, **{O.amount: 5})],
        origins=["f row 2", "f row 3"],
    )

    assert [r.key for r in plan.added] == [opportunity_id(1)]
    assert [(r.origin, r.code) for r in plan.refused] == [("f row 3", "duplicate_in_input")]
    assert "f row 2" in plan.refused[0].reason


def test_one_person_twice_in_the_input_is_added_once(workbook):
    store = workbook(Advocates=[])
    rows = [
        incoming_advocate(name="Ana Lima", email="ana@x.com"),
        incoming_advocate(name="Ana Lima", email="ANA@x.com"),
    ]

    plan = plan_upsert(store.read(), "Advocates", rows)

    assert len(plan.added) == 1 and plan.refused[0].code == "duplicate_person"


def test_rows_the_input_does_not_hold_are_listed_and_never_deleted(workbook):
    store = workbook(Opportunities=[opportunity(1), opportunity(2), opportunity(3)])

    plan = plan_upsert(store.read(), "Opportunities", [opportunity(2)])
    apply_plan(store, plan)

    assert plan.missing == (opportunity_id(1), opportunity_id(3))
    assert len(store.read().opportunities) == 3
    assert f"not in the input (2, kept): {opportunity_id(1)}, {opportunity_id(3)}" in "\n".join(
        plan.lines(missing=True)
    )


def test_a_blank_in_the_input_leaves_the_sheets_value_unless_told_to_erase(workbook):
    store = workbook(Opportunities=[opportunity(1, **{O.owner: "Sam Rep"})])
    incoming = [opportunity(1, **{O.owner: None})]

    kept = plan_upsert(store.read(), "Opportunities", incoming)
    erased = plan_upsert(store.read(), "Opportunities", incoming, blank_erases=True)

    assert kept.unchanged == 1
    assert [(c.column, c.old, c.new) for r in erased.changed for c in r.changes] == [
        (O.owner, "Sam Rep", None)
    ]


def test_an_unreadable_cell_in_the_sheet_shows_as_typed_in_the_diff(workbook):
    store = workbook(Opportunities=[opportunity(1, **{O.amount: "TBD"})])

    plan = plan_upsert(store.read(), "Opportunities", [opportunity(1, **{O.amount: 7_500.0})])

    assert [(c.old, c.new) for c in plan.changed[0].changes] == [("TBD", 7_500.0)]


def test_text_that_looks_like_a_formula_is_written_as_text(workbook):
    store = workbook(Advocates=[])
    row = incoming_advocate(name="Eve Hacker", email="eve@x.com", notes='=HYPERLINK("http://evil","x")')

    apply_plan(store, plan_upsert(store.read(), "Advocates", [row]))

    assert store.read().raw["Advocates"].at[2, A.notes] == '=HYPERLINK("http://evil","x")'


def test_a_control_character_refuses_its_row_and_not_the_others(workbook):
    store = workbook(Advocates=[])
    rows = [
        incoming_advocate(name="Ok Person", email="ok@x.com"),
        incoming_advocate(name="Bad\x00Byte", email="b@x.com"),
    ]

    plan = plan_upsert(store.read(), "Advocates", rows)

    assert len(plan.added) == 1 and [(r.origin, r.column) for r in plan.refused] == [("input row 2", A.name)]


def test_a_keyless_row_already_in_the_tab_is_unchanged(workbook):
    done = activity(1, day=dt.date(2026, 10, 3))
    store = workbook(Advocates=[advocate(1)], Activities=[done])
    incoming = {k: v for k, v in done.items() if k != X.activity_id}

    plan = plan_upsert(store.read(), "Activities", [incoming, {**incoming, X.date: dt.date(2026, 10, 9)}])

    # the next id continues the tab's own ids, in their form
    assert plan.unchanged == 1 and [r.key for r in plan.added] == [activity(2)[X.activity_id]]


def test_a_cell_changed_by_someone_since_the_plan_refuses_the_whole_write(workbook):
    store = workbook(Opportunities=[opportunity(1)])
    plan = plan_upsert(store.read(), "Opportunities", [opportunity(1, **{O.amount: 12_000}), opportunity(2)])
    store.update("Opportunities", [RowUpdate(opportunity_id(1), {O.amount: 11_000})])

    with pytest.raises(ConflictError, match="changed by someone since it was read"):
        apply_plan(store, plan)

    assert store.read().opportunities[O.amount].tolist() == [11_000]


def test_a_google_sheet_takes_the_changes_in_one_update_and_the_additions_in_one_append(
    new_google_sheet, sheets_emulator
):
    store = new_google_sheet()
    store.write_grids(grids_from_rows({"Opportunities": [opportunity(n) for n in range(1, 4)]}))
    incoming = [opportunity(n, **{O.amount: 20_000}) for n in (1, 2)] + [opportunity(n) for n in range(4, 54)]
    plan = plan_upsert(store.read(), "Opportunities", incoming)
    sheets_emulator.reset_counts()

    apply_plan(store, plan)

    assert sheets_emulator.calls["values.append"] == 1
    assert sheets_emulator.calls["values.batchUpdate"] == 1
    again = plan_upsert(store.read(), "Opportunities", incoming)
    assert again.summary == "0 added, 0 changed, 0 refused, 52 unchanged"
