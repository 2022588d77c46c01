"""The shared row builders (tests/factories.py) make what their docstrings promise, so a test that starts from a
default row starts from a clean one and changes only what it names."""

from __future__ import annotations

from kit import match, schema
from kit.validate import validate
from tests.factories import (
    AS_OF,
    activity,
    advocate,
    commitment,
    goal,
    history,
    nomination,
    opportunity,
    person,
    program,
    request,
    setting,
)

A, R = schema.ADVOCATES.col, schema.REQUESTS.col


def test_default_rows_of_every_tab_are_clean():
    clean = program(
        Advocates=[advocate(1), advocate(2)],
        Requests=[request(1), request(2)],
        Activities=[activity(1), activity(2)],
        Nominations=[nomination(1), nomination(2)],
        Opportunities=[opportunity(1), opportunity(2)],
        Goals=[goal(1), goal(2)],
        Settings=[setting("cooldown_days", "14")],
        History=[history("REQ-000001"), history("REQ-000002")],
        # the default opportunities' owner is Sam Rep: in People, so no unmatched owner
        People=[person(1, **{schema.PEOPLE.col.name: "Sam Rep"}), person(2)],
        Commitments=[commitment(1), commitment(2)],
    )

    findings = validate(clean, as_of=AS_OF)

    assert findings.empty, findings.to_string()
    # every tab had rows: a tab added to the schema needs a builder here
    assert {tab.name for tab in schema.TABS} == {name for name, frame in clean.tables.items() if len(frame)}


def test_a_default_advocate_is_what_a_default_request_asks_for():
    both = program(Advocates=[advocate(1)], Requests=[request(1)])

    ranked = match.rank(request(1)[R.request_id], both, as_of=AS_OF)

    assert list(ranked[A.advocate_id]) == [advocate(1)[A.advocate_id]]
    assert ranked[match.FIT].iloc[0] == 1  # every criterion the request names


def test_overrides_replace_or_add_cells_and_numbers_give_each_row_its_own_id():
    row = advocate(2, **{A.region: "APAC", A.notes: "prefers mornings"})

    assert row[A.region] == "APAC" and row[A.notes] == "prefers mornings"
    assert row[A.advocate_id] != advocate(1)[A.advocate_id]
