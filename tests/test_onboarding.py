"""Accepting a nomination completely: the roster's required cells are asked for, so the advocate added passes
validation; the advocate stays Nominated until the onboarding checklist (activities agreed, consents,
profile verified) is done, and only then may be made Active."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kit import actions, onboarding, schema
from kit.errors import ConflictError, InputError
from kit.store import RowUpdate
from kit.validate import ERROR, validate
from tests.factories import AS_OF, advocate, grids_from_rows, nomination

A, N = schema.ADVOCATES.col, schema.NOMINATIONS.col

# Nominee 2 works at Company 2, where nobody on the roster works: the nomination carries name, e-mail,
# company, products and nominator, but neither the industry nor the region the roster requires.
ROSTER = [advocate(1)]
NOMINEE = nomination(2)


def errors(program) -> list[tuple[str, int, str, str]]:
    found = validate(program, as_of=AS_OF)
    found = found[found["severity"] == ERROR]
    return list(zip(found["table"], found["row"], found["column"], found["code"], strict=True))


def accepted(store_factory, details: dict, **nominee) -> tuple:
    store = store_factory(grids_from_rows({"Advocates": ROSTER, "Nominations": [NOMINEE | nominee]}))
    actions.accept_nomination(store, store.read(), "NOM-00002", as_of=AS_OF, details=details)
    return store, store.read()


# ------------------------------------------------------------------------------------------------------------
# What the roster requires


def test_the_roster_asks_for_the_required_cells_the_nomination_does_not_carry(make_program):
    program = make_program(Advocates=ROSTER, Nominations=[NOMINEE])

    draft = onboarding.draft_advocate(program.nominations.iloc[0], program.advocates)

    # Required on Advocates: advocate_id, name, email, company, industry, region, status; the kit sets the
    # id and the status, the nomination carries name, e-mail and company.
    assert [c.name for c in onboarding.still_required(draft)] == ["industry", "region"]


def test_the_industry_the_roster_agrees_on_for_the_company_is_not_asked_again(make_program):
    program = make_program(Advocates=ROSTER, Nominations=[nomination(2, **{N.company: "Company 1"})])

    draft = onboarding.draft_advocate(program.nominations.iloc[0], program.advocates)

    assert draft[A.industry] == "Insurance"  # Person 1 at Company 1 is in Insurance
    assert [c.name for c in onboarding.still_required(draft)] == ["region"]


def test_accepting_with_the_required_cells_adds_an_advocate_that_passes_validation(store_factory):
    details = {A.region: "emea", A.industry: "Retail", A.title: "=Head of Claims"}

    _, program = accepted(store_factory, details)

    new = program.advocates.iloc[-1]
    assert new[A.advocate_id] == "ADV-0002"
    assert (new[A.name], new[A.email], new[A.company]) == ("Nominee 2", "nominee2@example.com", "Company 2")
    assert (new[A.region], new[A.industry]) == ("EMEA", "Retail")  # the drop-down's own spelling
    assert new[A.title] == "=Head of Claims"  # text, never a formula
    assert new[A.status] == "Nominated"
    assert errors(program) == []


def test_accepting_without_the_region_is_refused_naming_it_and_writes_nothing(store_factory):
    store = store_factory(grids_from_rows({"Advocates": ROSTER, "Nominations": [NOMINEE]}))
    before = store.read_grids()

    with pytest.raises(InputError) as refused:
        actions.accept_nomination(
            store, store.read(), "NOM-00002", as_of=AS_OF, details={A.industry: "Retail"}
        )

    assert str(refused.value) == (
        "NOM-00002 cannot be accepted yet: the roster requires the advocate's region (one of North America, "
        "EMEA, APAC, LATAM); nothing was written"
    )
    assert store.read_grids() == before


def test_a_nomination_without_the_nominee_s_e_mail_asks_for_it(make_workbook):
    from kit.store.local import LocalStore

    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(2, **{N.contact_email: None})])
    store = LocalStore(path)

    with pytest.raises(InputError, match=r"requires the advocate's email, industry and region"):
        actions.accept_nomination(store, store.read(), "NOM-00002", as_of=AS_OF)


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({A.region: "Europe"}, "region 'Europe' is not allowed: use North America, EMEA, APAC, LATAM"),
        ({A.email: "nominee at example"}, "email 'nominee at example' is not an e-mail address"),
        ({A.last_verified: "2026-11-21"}, "last_verified 2026-11-21 is after today (2026-11-20)"),
        ({A.activities: "reference_call; podcast"}, "activities 'reference_call; podcast' is not allowed"),
    ],
)
def test_a_detail_the_validator_would_report_is_refused_before_anything_is_written(
    make_workbook, details, message
):
    from kit.store.local import LocalStore

    path = make_workbook(Advocates=ROSTER, Nominations=[NOMINEE])
    store = LocalStore(path)
    before = store.read_grids()
    given = {A.region: "EMEA", A.industry: "Retail"} | details

    with pytest.raises(InputError, match=re.escape(message)):
        actions.accept_nomination(store, store.read(), "NOM-00002", as_of=AS_OF, details=given)

    assert store.read_grids() == before


# ------------------------------------------------------------------------------------------------------------
# The checklist


def test_the_checklist_of_a_fresh_nominee_has_every_step_to_do():
    fresh = {A.name: "Nominee 2", A.status: "Nominated"}

    assert [item.describe() for item in onboarding.checklist(fresh)] == [
        "[ ] activities agreed: none in activities yet",
        "[ ] consents: agree the activities first",
        "[ ] profile verified: no last_verified date yet",
    ]


def test_a_public_activity_needs_its_consents_and_a_private_one_none():
    case_study = {A.activities: ("reference_call", "case_study"), A.consents: ("name",)}
    calls_only = {A.activities: ("reference_call",), A.consents: None}

    assert onboarding.checklist(case_study)[1].describe() == "[ ] consents: story for case_study"
    assert onboarding.checklist(calls_only)[1].describe() == "[x] consents"


# ------------------------------------------------------------------------------------------------------------
# Activation


def test_activating_before_the_checklist_is_done_is_refused_naming_what_is_missing(store_factory):
    store, program = accepted(store_factory, {A.region: "EMEA", A.industry: "Retail"})
    before = store.read_grids()

    with pytest.raises(InputError) as refused:
        actions.onboard_advocate(
            store, program, "ADV-0002", as_of=AS_OF, details={A.activities: "case_study"}, activate=True
        )

    assert str(refused.value) == (
        "ADV-0002 stays Nominated: still missing consents: name and story for case_study; "
        "profile verified: no last_verified date yet; nothing was written"
    )
    assert store.read_grids() == before


def test_the_checklist_recorded_then_done_makes_the_advocate_active_and_valid(store_factory):
    store, program = accepted(store_factory, {A.region: "EMEA", A.industry: "Retail"})
    checklist = {A.activities: ["reference_call", "case_study"], A.consents: "name; story"}
    actions.onboard_advocate(store, program, "ADV-0002", as_of=AS_OF, details=checklist)
    assert store.read().advocates.iloc[-1][A.status] == "Nominated"  # one step still to do

    write = actions.onboard_advocate(
        store, store.read(), "ADV-0002", as_of=AS_OF, details={A.last_verified: "2026-11-19"}, activate=True
    )

    program = store.read()
    new = program.advocates.iloc[-1]
    assert new[A.status] == "Active"
    assert new[A.activities] == ("reference_call", "case_study")
    assert new[A.consents] == ("name", "story")
    assert new[A.last_verified].date() == dt.date(2026, 11, 19)
    assert new[A.joined_on].date() == AS_OF  # joins the program (and the new-advocates count) today
    assert "status 'Nominated' → 'Active'" in write.describe()
    assert errors(program) == []


def test_only_a_nominated_advocate_is_activated(make_workbook):
    from kit.store.local import LocalStore

    store = LocalStore(make_workbook(Advocates=[advocate(1, **{A.status: "Paused"})]))

    with pytest.raises(InputError, match=r"ADV-0001 is Paused, not Nominated \(Advocates row 2\)"):
        actions.onboard_advocate(store, store.read(), "ADV-0001", as_of=AS_OF, activate=True)


def test_activation_is_refused_when_someone_changed_the_cells_meanwhile(make_workbook):
    from kit.store.local import LocalStore

    ready = advocate(2, **{A.status: "Nominated", A.last_verified: None, A.joined_on: None})
    store = LocalStore(make_workbook(Advocates=[advocate(1), ready]))
    program = store.read()
    store.update("Advocates", [RowUpdate("ADV-0002", values={A.status: "Do Not Contact"})])

    with pytest.raises(ConflictError):
        actions.onboard_advocate(
            store, program, "ADV-0002", as_of=AS_OF, details={A.last_verified: AS_OF}, activate=True
        )

    assert store.read().advocates.iloc[-1][A.status] == "Do Not Contact"
