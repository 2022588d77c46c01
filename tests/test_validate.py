"""Validation: every problem at its cell, in words a program manager understands, and nothing on clean rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kit import schema
from kit.program import Program
from kit.usage import CAP, USES, quarter_usage
from kit.validate import FINDING_COLUMNS, error_rows, validate
from tests import factories
from tests.factories import AS_OF, goal, setting

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
X = schema.ACTIVITIES.col
N = schema.NOMINATIONS.col
O = schema.OPPORTUNITIES.col
G = schema.GOALS.col
S = schema.SETTINGS.col
P = schema.PEOPLE.col
C = schema.COMMITMENTS.col


def advocate(advocate_id: str, name: str, company: str, /, **cells: object) -> dict:
    """``factories.advocate`` as a named person, because the findings here are about people (the same person
    twice, a nominee already on the roster): the e-mail comes from the name and company. Each agreed to case
    studies too, with the consents one needs, so that only the cells a test changes break a rule."""
    email = f"{name.lower().replace(' ', '.')}@{company.split()[0].lower()}.example.com"
    person = {A.advocate_id: advocate_id, A.name: name, A.email: email, A.company: company}
    agreed = {
        A.activities: "reference_call; case_study",
        A.consents: "name; story",
        A.joined_on: "2025-01-15",
    }
    return factories.advocate(**(person | agreed | cells))


def request(request_id: str | None, /, **cells: object) -> dict:
    """``factories.request`` under the id a test names (or none), Completed, asked on 2 November 2026: most
    rules here read what was done, and dates are checked against that day."""
    asked = {R.request_id: request_id, R.requested_on: "2026-11-02", R.status: "Completed"}
    return factories.request(**(asked | cells))


def activity(activity_id: str, advocate_id: str, /, **cells: object) -> dict:
    """``factories.activity`` under the id a test names: a review on 1 September 2026 (the quarter before
    AS_OF's, so it counts against no cap), unless told otherwise."""
    given = {X.activity_id: activity_id, X.activity: "review", X.date: "2026-09-01"}
    return factories.activity(advocate_id=advocate_id, **(given | cells))


BLANK = {A.advocate_id: None}
HEADER_AGAIN = {c: c for c in schema.ADVOCATES.names}


def messy_program() -> Program:
    """A workbook with every kind of problem at a known cell (sheet row = position + 2)."""
    return factories.program(
        Advocates=[
            advocate("ADV-1", "Dana Ortiz", "Acme Insurance"),  # row 2: clean
            advocate(
                "ADV-2", "Wei Chen", "Bluewater Health", **{A.company_size: "Enterprize", A.region: " emea ", A.consents: "logo"}
            ),
            advocate("ADV-3", "Sam Kim", "Cobalt Bank", **{A.email: "sam.kim(at)cobalt"}),  # row 4
            advocate("ADV-1", "Noor Haddad", "Summit Labs"),  # row 5: id taken by row 2
            advocate("ADV-5", "Robert Smith", "Granite Mutual"),  # row 6
            advocate("ADV-6", "Bob  Smith", "GRANITE mutual, Inc.", **{A.email: "bob@granite.example.com"}),
            advocate("ADV-7", "Dee Ortiz", "Keystone Care", **{A.email: " Dana.Ortiz@acme.example.com"}),  # row 8
            advocate("ADV-8", "Li Wu", "Atlas Works", **{A.joined_on: "2027-01-05", A.last_verified: "TBD"}),
            advocate("ADV-9", "Ama Mensah", "Beacon Stores", **{A.last_verified: "2024-01-01"}),  # row 10
            advocate("ADV-10 ", "Ivan Novak", "Falcon Systems", **{A.notes: "=HYPERLINK(\"http://x\")"}),
            advocate("ADV-11", "Olga Berg", "Harbor Credit Union", **{A.status: "Do Not Contact"}),  # row 12
            advocate("ADV-12", "Lars Holm", "Orchard Market", **{A.max_per_quarter: 1}),  # row 13
            BLANK,  # row 14
            HEADER_AGAIN,  # row 15
            advocate(
                "ADV-13",
                "Yuki Sato",
                "Vantage Academy",
                **{A.company: None, A.activities: "reference_call; webinars", A.max_per_quarter: "five"},
            ),  # row 16
        ],
        Requests=[
            request("REQ-1", **{R.status: "In Progress", R.advocate_id: "ADV-1"}),  # row 2: clean
            request("REQ-2", **{R.advocate_id: "ADV-99"}),  # row 3
            request("REQ-3", **{R.requested_on: "2026-10-10", R.completed_on: "2026-10-01"}),  # row 4
            request("REQ-4", **{R.status: "Scheduled", R.advocate_id: "ADV-11"}),  # row 5
            request("REQ-5", **{R.status: "New", R.activity: "speaking", R.advocate_id: "ADV-1"}),  # row 6
            request("REQ-6", **{R.status: "Advocate Asked", R.activity: "case_study", R.advocate_id: "ADV-2"}),
            request("REQ-7", **{R.priority: "Urgnt", R.requested_on: "31/31/2026"}),  # row 8
            request("REQ-8", **{R.opportunity_id: "OPP-404"}),  # row 9
            request("REQ-9", **{R.status: "In Progress", R.requested_on: "2026-10-05", R.advocate_id: "ADV-12"}),
            request("REQ-10", **{R.activity: "review", R.advocate_id: "ADV-1", R.completed_on: "2026-11-10"}),
        ],
        Activities=[
            activity("ACT-1", "ADV-1", **{X.request_id: "REQ-1", X.date: "2026-11-05", X.rating: 5}),  # row 2
            activity("ACT-2", "ADV-12", **{X.date: "2026-10-10", X.outcome: "held"}),  # row 3
            activity("ACT-3", "ADV-1", **{X.request_id: "REQ-3", X.date: "2026-10-08", X.rating: 7}),  # row 4
            activity("ACT-4", "ADV-77", **{X.date: "2027-02-01"}),  # row 5
        ],
        Nominations=[
            {N.nomination_id: "NOM-1", N.submitted_on: "2026-11-01", N.contact_name: "Kofi Boateng",
             N.company: "Meridian Bank", N.status: "new"},  # row 2: clean (case is accepted)
            {N.nomination_id: "NOM-2", N.submitted_on: "2026-09-01", N.contact_name: "Zara Aziz",
             N.company: "Redwood Labs", N.status: "Accepted", N.advocate_id: "ADV-404",
             N.contact_email: "zara@redwood"},  # row 3
            {N.nomination_id: "NOM-3", N.submitted_on: "2026-11-03", N.contact_name: "Dana Ortiz",
             N.company: "Acme", N.status: "New", N.contact_email: "Dana.Ortiz@acme.example.com"},  # row 4
            {N.nomination_id: "NOM-4", N.submitted_on: "2026-11-04", N.contact_name: "Kofi  Boateng",
             N.company: "Meridian Bank, Inc.", N.status: "New"},  # row 5: as row 2
            {N.nomination_id: "NOM-5", N.submitted_on: "2026-10-01", N.contact_name: "Sam Kim",
             N.company: "Cobalt Bank", N.status: "Declined", N.decided_on: "2026-10-02"},  # row 6: clean (decided)
        ],
        Opportunities=[
            {O.opportunity_id: "OPP-1", O.account: "Pioneer Retail", O.amount: "$3.8M", O.owner: "ana  LÓPEZ",
             O.created_on: "2026-01-01", O.close_date: "2026-03-01", O.is_closed: "TRUE", O.is_won: "yes"},
            {O.opportunity_id: "OPP-2", O.account: "Lakeside Retail", O.amount: "TBD", O.owner: "Anna Lopes",
             O.created_on: "2026-05-01", O.close_date: "2026-04-01", O.is_won: "maybe"},  # row 3
            {O.opportunity_id: "OPP-1", O.account: "Pioneer Retail", O.amount: "1,200,000"},  # row 4
            {O.opportunity_id: "OPP-5", O.account: "Keystone Care", O.amount: 1e308},  # row 5
        ],
        Goals=[
            {G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "active_advocates", G.target: 40,
             G.segment: "industry=Insurance; product=Product A"},  # row 2: clean
            {G.goal_id: "G-2", G.period: "2026-Q4", G.metric: "active_advocates", G.target: "3.8m",
             G.segment: "industry Insurance"},  # row 3
            {G.goal_id: "G-3", G.period: "2026-Q5", G.metric: "win_rate", G.target: 0.3},  # row 4
        ],
        People=[
            {P.email: "mo.boss@seller.example.com", P.name: "Mo Boss", P.team: "Sales", P.status: "Active"},
            {P.name: "No Mail", P.team: "Sales"},  # row 3
            {P.email: "ana.lopez@seller.example.com", P.name: "Ana López", P.team: "Sales",
             P.manager_email: "mo.bos@seller.example.com"},  # row 4
        ],
        Commitments=[
            {C.commitment_id: "C-1", C.team: "Sales", C.direction: "team_to_program", C.commitment: "Use it",
             C.metric: "requests_made", C.target: 10, C.period: "this quarter"},  # row 2: clean (a keyword)
            {C.commitment_id: "C-2", C.team: "Slaes", C.direction: "team_to_program", C.commitment: "Use it",
             C.metric: "request_made", C.target: 10, C.period: "2026-Q5"},  # row 3
        ],
        Settings=[
            setting("cooldown_days", "two weeks"),  # row 2
            setting("cooldwon_days", "5"),  # row 3
            setting("stale_after_days", "365"),  # row 4: clean
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def messy() -> Program:
    return messy_program()


@pytest.fixture(scope="module")
def messy_findings(messy: Program) -> pd.DataFrame:
    return validate(messy, as_of=AS_OF)


EXPECTED = {
    ("Advocates", 3, A.company_size, "bad_enum"),
    ("Advocates", 4, A.email, "bad_email"),
    ("Advocates", 5, A.advocate_id, "duplicate_key"),
    ("Advocates", 7, A.name, "possible_duplicate"),
    ("Advocates", 8, A.email, "duplicate_person"),
    ("Advocates", 8, A.email, "stray_whitespace"),
    ("Advocates", 9, A.joined_on, "future_date"),
    ("Advocates", 9, A.last_verified, "bad_date"),
    ("Advocates", 10, A.last_verified, "stale_profile"),
    ("Advocates", 11, A.advocate_id, "stray_whitespace"),
    ("Advocates", 11, A.notes, "formula_injection"),
    ("Advocates", 13, A.max_per_quarter, "over_cap"),
    ("Advocates", 14, "", "blank_row"),
    ("Advocates", 15, "", "repeated_header"),
    ("Advocates", 16, A.company, "missing_required"),
    ("Advocates", 16, A.activities, "bad_enum"),
    ("Advocates", 16, A.max_per_quarter, "bad_number"),
    ("Requests", 3, R.advocate_id, "unknown_reference"),
    ("Requests", 4, R.completed_on, "date_order"),
    ("Requests", 5, R.advocate_id, "advocate_unavailable"),
    ("Requests", 6, R.advocate_id, "not_agreed"),
    ("Requests", 7, R.advocate_id, "consent_missing"),
    ("Requests", 8, R.requested_on, "bad_date"),
    ("Requests", 8, R.priority, "bad_enum"),
    ("Requests", 9, R.opportunity_id, "unknown_reference"),
    ("Requests", 11, R.activity, "completed_not_agreed"),
    ("Activities", 3, X.outcome, "synonym"),
    ("Activities", 4, X.date, "date_order"),
    ("Activities", 4, X.rating, "out_of_range"),
    ("Activities", 5, X.advocate_id, "unknown_reference"),
    ("Activities", 5, X.date, "future_date"),
    ("Nominations", 3, N.contact_email, "bad_email"),
    ("Nominations", 3, N.advocate_id, "unknown_reference"),
    ("Nominations", 4, N.contact_email, "already_an_advocate"),
    ("Nominations", 5, N.contact_name, "duplicate_nomination"),
    ("Opportunities", 3, O.amount, "bad_number"),
    ("Opportunities", 3, O.created_on, "date_order"),
    ("Opportunities", 3, O.is_won, "bad_bool"),
    ("Opportunities", 4, O.opportunity_id, "duplicate_key"),
    ("Opportunities", 5, O.amount, "implausible_amount"),
    ("Goals", 3, G.segment, "bad_segment"),
    ("Goals", 4, G.period, "bad_period"),
    ("Goals", 4, G.metric, "unknown_metric"),
    ("People", 3, P.email, "missing_required"),
    ("People", 4, P.manager_email, "unknown_manager"),
    ("Opportunities", 3, O.owner, "unmatched_owner"),
    ("Commitments", 3, C.team, "bad_enum"),
    ("Commitments", 3, C.metric, "unknown_metric"),
    ("Commitments", 3, C.period, "bad_period"),
    ("Settings", 2, S.value, "bad_setting"),
    ("Settings", 3, S.key, "unknown_setting"),
}


def found(findings: pd.DataFrame) -> set[tuple]:
    return set(findings[["table", "row", "column", "code"]].itertuples(index=False, name=None))


def finding(findings: pd.DataFrame, table: str, row: int, code: str) -> pd.Series:
    hit = findings[(findings["table"] == table) & (findings["row"] == row) & (findings["code"] == code)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_messy_workbook_reports_every_problem_at_its_cell_and_nothing_else(messy_findings):
    findings = messy_findings

    assert found(findings) == EXPECTED
    assert len(findings) == len(EXPECTED)  # each problem once


def test_the_messy_workbook_exercises_every_code_the_validator_has():
    from kit.validate import SEVERITY

    assert {code for *_, code in EXPECTED} == set(SEVERITY)


def test_clean_rows_of_the_messy_workbook_have_no_findings(messy_findings):
    findings = messy_findings
    clean = {"Advocates": 2, "Requests": 2, "Activities": 2, "Nominations": 2, "Opportunities": 2, "Goals": 2}
    clean |= {"People": 2, "Commitments": 2}

    for table, row in clean.items():
        assert findings[(findings["table"] == table) & (findings["row"] == row)].empty, table
    assert findings[(findings["table"] == "Settings") & (findings["row"] == 4)].empty


def test_findings_have_the_contract_columns_sorted_by_tab_row_and_column(messy_findings):
    findings = messy_findings

    assert tuple(findings.columns) == FINDING_COLUMNS
    tab_order = [t.name for t in schema.TABS]
    keys = [
        (tab_order.index(t), r, -1 if not c else schema.TAB_BY_NAME[t].names.index(c))
        for t, r, c in zip(findings["table"], findings["row"], findings["column"], strict=True)
    ]
    assert keys == sorted(keys)


def test_a_clean_program_has_no_findings_and_still_has_the_columns(make_program):
    program = make_program(Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance")])

    findings = validate(program, as_of=AS_OF)

    assert findings.empty
    assert tuple(findings.columns) == FINDING_COLUMNS


def test_enum_typo_suggests_the_closest_allowed_value(messy_findings):
    findings = messy_findings

    hit = finding(findings, "Advocates", 3, "bad_enum")
    assert hit["message"] == (
        '"Enterprize" is not a company size; did you mean "Enterprise"? Ignored (read as blank); no figure needs it.'
    )
    assert hit["severity"] == "error" and hit["affects"] == ""
    assert hit["value"] == "Enterprize"


def test_multi_value_typo_names_the_bad_item_and_suggests(messy_findings):
    message = finding(messy_findings, "Advocates", 16, "bad_enum")["message"]

    assert '"webinars"' in message
    assert 'did you mean "webinar"?' in message
    assert "reference_call" not in message  # the good item is not blamed


def test_case_and_spacing_of_drop_down_values_are_accepted_silently(make_program):
    program = make_program(
        Advocates=[
            advocate(
                "ADV-1",
                "Dana Ortiz",
                "Acme Insurance",
                **{A.region: "  north AMERICA ", A.status: "active", A.company_size: "mid market"},
            )
        ]
    )

    assert validate(program, as_of=AS_OF).empty


@pytest.mark.parametrize("amount", ["$3.8M", "1,200,000", "3.8m", 3800000, "€250k"])
def test_amounts_as_people_type_them_are_readable(make_program, amount):
    program = make_program(Opportunities=[{O.opportunity_id: "OPP-1", O.account: "Acme", O.amount: amount}])

    assert validate(program, as_of=AS_OF).empty


def test_unreadable_amount_says_how_to_type_one(messy_findings):
    hit = finding(messy_findings, "Opportunities", 3, "bad_number")

    assert hit["value"] == "TBD"
    assert hit["message"].startswith('"TBD" is not an amount')


@pytest.mark.parametrize("amount", [1e308, "2,000,000,000,000", "$5000B", -(10**13), 10**25])
def test_an_amount_beyond_any_deal_is_an_error_on_its_cell(make_program, amount):
    program = make_program(Opportunities=[{O.opportunity_id: "OPP-1", O.account: "Acme", O.amount: amount}])

    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {("Opportunities", 2, O.amount, "implausible_amount")}
    assert "beyond any plausible amount" in findings["message"].iloc[0]
    assert len(findings["message"].iloc[0]) < 200  # not the 309 digits of 1e308
    assert error_rows(findings, "Opportunities") == {2}  # so the figures leave the row out


def test_the_largest_plausible_amount_is_accepted(make_program):
    program = make_program(Opportunities=[{O.opportunity_id: "OPP-1", O.account: "Acme", O.amount: "$1000B"}])

    assert validate(program, as_of=AS_OF).empty


def test_an_implausible_goal_target_is_flagged_too(make_program):
    goal = {G.goal_id: "G-1", G.period: "2026-Q4", G.metric: "revenue_influenced", G.target: 1e308}
    program = make_program(Goals=[goal])

    assert found(validate(program, as_of=AS_OF)) == {("Goals", 2, G.target, "implausible_amount")}


def test_value_is_the_cell_as_it_was_typed(messy_findings):
    findings = messy_findings

    assert finding(findings, "Requests", 8, "bad_date")["value"] == "31/31/2026"
    assert finding(findings, "Advocates", 11, "stray_whitespace")["value"] == "ADV-10 "
    assert finding(findings, "Advocates", 16, "bad_number")["value"] == "five"


def test_a_number_too_big_for_any_column_is_reported_not_a_crash(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.max_per_quarter: "1" + "0" * 30})]
    )

    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {("Advocates", 2, A.max_per_quarter, "bad_number")}


# --- people entered twice ---------------------------------------------------------------------------------


def test_same_person_by_email_is_reported_once_naming_both_rows(messy_findings):
    findings = messy_findings

    hits = findings[findings["code"] == "duplicate_person"]
    assert len(hits) == 1
    message = hits.iloc[0]["message"]
    assert "row 2 (ADV-1, Dana Ortiz)" in message
    assert "row 8 (ADV-7, Dee Ortiz)" in message


def test_nickname_at_same_company_after_normalising_case_and_suffix_is_a_possible_duplicate(messy_findings):
    hit = finding(messy_findings, "Advocates", 7, "possible_duplicate")

    assert hit["severity"] == "warning"
    assert "row 6 (ADV-5, Robert Smith)" in hit["message"]
    assert "row 7 (ADV-6, Bob  Smith)" in hit["message"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Bill Byrne", "William Byrne"),
        ("Jon Lambert", "John Lambert"),
        ("Jon Lambert", "Jonathan Lambert"),  # a nickname of two full names: both are found
        ("Alex Moreau", "Alexander Moreau"),
        ("Alex Moreau", "Alexandra Moreau"),
        ("Bob Smith", "Rob Smith"),  # two nicknames of one full name
        ("Lambert, Jon", "Jonathan Lambert"),  # surname first
        ("Liam Byrne", "William Byrne"),
        ("Liz Girard", "Elizabeth Girard"),
        ("José Ramos", "Jose Ramos"),
        ("Dana Ortiz", "Dana Ortis"),  # a typo
        ("Ortiz, Dana", "Dana Ortiz"),  # surname first
        ("Dana J. Ortiz", "Dana Ortiz"),  # a middle initial
    ],
)
def test_name_variants_at_one_company_are_flagged(make_program, first, second):
    program = make_program(
        Advocates=[
            advocate("ADV-1", first, "Acme Insurance", **{A.email: "one@acme.example.com"}),
            advocate("ADV-2", second, "Acme Insurance", **{A.email: "two@acme.example.com"}),
        ]
    )

    assert found(validate(program, as_of=AS_OF)) == {("Advocates", 3, A.name, "possible_duplicate")}


@pytest.mark.parametrize(
    ("first", "first_company", "second", "second_company"),
    [
        ("Dana Ortiz", "Acme Insurance", "Dana Ortega", "Acme Insurance"),  # two people
        ("Sam Novak", "Acme Insurance", "Sam Nolan", "Acme Insurance"),  # two letters apart
        ("Dana Ortiz", "Acme Insurance", "Dana Ortiz", "Summit Bank"),  # same name, other company
    ],
)
def test_different_people_are_not_flagged(make_program, first, first_company, second, second_company):
    program = make_program(
        Advocates=[
            advocate("ADV-1", first, first_company, **{A.email: "one@acme.example.com"}),
            advocate("ADV-2", second, second_company, **{A.email: "two@acme.example.com"}),
        ]
    )

    assert validate(program, as_of=AS_OF).empty


def test_a_nickname_at_a_huge_company_is_found_whatever_letter_each_name_starts_with(make_program):
    import hashlib

    from kit.validate import MAX_BLOCK

    # A company this big is compared in blocks by a name's first letter; Sandra and Alexandra differ there.
    staff = [
        advocate(f"ADV-{i}", f"Pat {hashlib.sha1(str(i).encode()).hexdigest()[:12]}", "Acme Insurance")
        for i in range(MAX_BLOCK + 1)
    ]
    program = make_program(
        Advocates=[
            advocate("ADV-A", "Alexandra Moreau", "Acme Insurance", **{A.email: "one@acme.example.com"}),
            *staff,
            advocate("ADV-B", "Sandra Moreau", "Acme Insurance", **{A.email: "two@acme.example.com"}),
        ]
    )

    findings = validate(program, as_of=AS_OF)

    duplicates = findings[findings["code"] == "possible_duplicate"]
    assert list(duplicates["row"]) == [MAX_BLOCK + 4]
    assert "row 2 (ADV-A, Alexandra Moreau)" in duplicates["message"].iloc[0]


def test_three_rows_of_one_person_give_one_finding_per_extra_row(make_program):
    program = make_program(
        Advocates=[
            advocate("ADV-1", "Robert Smith", "Acme Insurance", **{A.email: "a@acme.example.com"}),
            advocate("ADV-2", "Bob Smith", "Acme Insurance", **{A.email: "b@acme.example.com"}),
            advocate("ADV-3", "Rob Smith", "Acme Insurance", **{A.email: "c@acme.example.com"}),
        ]
    )

    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {
        ("Advocates", 3, A.name, "possible_duplicate"),
        ("Advocates", 4, A.name, "possible_duplicate"),
    }
    assert all("row 2 (ADV-1, Robert Smith)" in m for m in findings["message"])


# --- assignments, dates, maintenance --------------------------------------------------------------------------


def test_a_new_nomination_of_someone_on_the_roster_names_the_advocate(messy_findings):
    hit = finding(messy_findings, "Nominations", 4, "already_an_advocate")
    assert hit["severity"] == "warning"
    assert hit["message"].startswith(
        "Dana Ortiz has the same e-mail as Advocates row 2 (ADV-1, Dana Ortiz): already an advocate."
    )


def test_the_same_person_nominated_twice_points_at_the_earlier_nomination(messy_findings):
    hit = finding(messy_findings, "Nominations", 5, "duplicate_nomination")
    assert "is nominated on row 2 too (NOM-1), also undecided" in hit["message"]


def test_a_nominee_without_an_e_mail_is_recognised_by_name_and_company(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Robert Smith", "Granite Mutual")],
        Nominations=[
            {N.nomination_id: "NOM-1", N.submitted_on: "2026-11-01", N.contact_name: "Bob Smith",
             N.company: "GRANITE mutual Inc", N.status: "New"},
            {N.nomination_id: "NOM-2", N.submitted_on: "2026-11-01", N.contact_name: "Rob Smithers",
             N.company: "Granite Mutual", N.status: "New"},  # a different person: not flagged
            {N.nomination_id: "NOM-3", N.submitted_on: "2026-11-01", N.contact_name: "J. Smithers",
             N.company: "Granite Mutual", N.status: "New"},  # only a surname once initials go: not sure
            {N.nomination_id: "NOM-4", N.submitted_on: "2026-11-01", N.contact_name: "K. Smithers",
             N.company: "Granite Mutual", N.status: "New"},
        ],
    )  # fmt: skip
    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {("Nominations", 2, N.contact_name, "already_an_advocate")}
    assert "the same name and company as Advocates row 2 (ADV-1, Robert Smith)" in findings["message"].iloc[0]


def test_unknown_reference_names_the_tab_it_should_be_on(messy_findings):
    message = finding(messy_findings, "Requests", 3, "unknown_reference")["message"]

    assert message == (
        '"ADV-99" is not an advocate id on the Advocates tab. Ignored (read as blank); no figure needs it.'
    )


def test_request_for_an_activity_not_agreed_to_lists_what_was_agreed(messy_findings):
    message = finding(messy_findings, "Requests", 6, "not_agreed")["message"]

    assert message.startswith("ADV-1 (Dana Ortiz) has not agreed to speaking")
    assert "reference_call, case_study" in message


def test_a_completed_request_of_a_since_retired_advocate_is_history_not_an_assignment_problem(make_program):
    program = make_program(
        Advocates=[
            advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.status: "Retired", A.consents: None})
        ],
        Requests=[request("REQ-1", **{R.activity: "case_study", R.advocate_id: "ADV-1"})],
    )

    assert validate(program, as_of=AS_OF).empty


def test_a_completed_request_for_an_activity_the_advocate_never_agreed_to_is_reported(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.status: "Retired"})],
        Requests=[request("REQ-1", **{R.activity: "speaking", R.advocate_id: "ADV-1"})],
    )

    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {("Requests", 2, R.activity, "completed_not_agreed")}
    hit = findings.iloc[0]
    assert hit["severity"] == "warning"  # done is done: the request still counts as fulfilled
    assert hit["message"].startswith(
        "ADV-1 (Dana Ortiz) did speaking for this request without having agreed to it"
    )
    assert "(agreed to: reference_call, case_study)" in hit["message"]


@pytest.mark.parametrize("status", ["Declined", "Cancelled"])
def test_a_request_that_never_happened_is_not_checked_for_agreement(make_program, status):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance")],
        Requests=[request("REQ-1", **{R.activity: "speaking", R.advocate_id: "ADV-1", R.status: status})],
    )

    assert validate(program, as_of=AS_OF).empty


def test_an_activity_without_a_request_is_not_compared_with_a_request_without_an_id(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance")],
        Requests=[request(None, **{R.requested_on: "2026-11-10"})],
        Activities=[activity("ACT-1", "ADV-1", **{X.date: "2026-11-01"})],
    )

    assert found(validate(program, as_of=AS_OF)) == {("Requests", 2, R.request_id, "missing_required")}


def test_stale_profile_is_a_warning_with_its_age(messy_findings):
    hit = finding(messy_findings, "Advocates", 10, "stale_profile")

    assert hit["severity"] == "warning"
    assert "2024-01-01, 1054 days ago (stale after 365)" in hit["message"]


def test_stale_after_days_comes_from_the_settings_tab(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.last_verified: "2026-10-01"})],
        Settings=[setting("stale_after_days", 30)],
    )

    assert found(validate(program, as_of=AS_OF)) == {("Advocates", 2, A.last_verified, "stale_profile")}


def test_one_program_checked_on_two_days_gets_each_days_findings(make_program):
    # The findings of the cells are worked out once per program; those that depend on the day are not.
    program = make_program(
        Advocates=[
            advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.last_verified: "2026-10-01"}),
            advocate(
                "ADV-2",
                "Wei Chen",
                "Bluewater Health",
                **{A.email: "wei.chen@", A.last_verified: "2026-10-10"},
            ),
        ],
        Settings=[setting("stale_after_days", 30)],
    )
    bad_email = ("Advocates", 3, A.email, "bad_email")

    assert found(validate(program, as_of=dt.date(2026, 10, 15))) == {bad_email}
    assert found(validate(program, as_of=AS_OF)) == {
        bad_email,
        ("Advocates", 2, A.last_verified, "stale_profile"),
        ("Advocates", 3, A.last_verified, "stale_profile"),
    }
    assert found(validate(program, as_of=dt.date(2026, 10, 15))) == {bad_email}


@pytest.mark.parametrize(
    "typed, year",
    [("1/1/1734", 1734), ("Jan 1 1734", 1734), (dt.date(1734, 1, 1), 1734), (dt.date(9999, 12, 31), 9999)],
    ids=["numbers", "month name", "date cell", "date cell 9999"],
)
def test_a_date_in_an_implausible_year_is_a_bad_date_however_it_was_typed(make_program, typed, year):
    # A date cell from 1734 once raised OverflowError (pandas counts days in nanoseconds, up to 292 years;
    # found by hypothesis), and as text it was read one way with numbers and another with a month name.
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.last_verified: typed})]
    )

    hit = finding(validate(program, as_of=AS_OF), "Advocates", 2, "bad_date")
    assert f"is in the year {year}; dates run from 1900 to 2199: check the year." in hit["message"]
    assert pd.isna(program.advocates[A.last_verified].iloc[0])  # and no figure counts it


def test_retired_profiles_are_not_due_for_verification(make_program):
    program = make_program(
        Advocates=[
            advocate(
                "ADV-1",
                "Dana Ortiz",
                "Acme Insurance",
                **{A.last_verified: "2020-01-01", A.status: "Retired"},
            )
        ]
    )

    assert validate(program, as_of=AS_OF).empty


def test_over_cap_counts_this_quarters_activities_and_open_requests(messy_findings):
    hit = finding(messy_findings, "Advocates", 13, "over_cap")

    # ACT-2 (2026-10-10) + REQ-9 (open, requested 2026-10-05) against a cap of 1
    assert hit["message"].startswith("ADV-12 was asked 2 times in 2026-Q4")
    assert "cap of 1" in hit["message"]
    assert hit["severity"] == "warning"


def test_unreadable_setting_is_an_error_naming_the_default_used(messy_findings):
    findings = messy_findings

    bad = finding(findings, "Settings", 2, "bad_setting")
    assert bad["value"] == "two weeks"
    assert "uses the default 14" in bad["message"]
    unknown = finding(findings, "Settings", 3, "unknown_setting")
    assert unknown["message"] == 'The kit has no setting "cooldwon_days"; did you mean "cooldown_days"?'


@pytest.mark.parametrize(
    ("key", "typed", "used"),
    [
        ("default_max_per_quarter", "-1", 4),
        ("stale_after_days", "-10", 365),
        ("fiscal_year_start_month", "13", 2),
        ("rest_full_days", "0", 90),
        ("weight.region", "-2", 2),
        ("allocate_within_segment", "maybe", "yes"),
    ],
)
def test_a_setting_outside_its_range_is_reported_with_the_default_the_kit_then_uses(
    make_program, key, typed, used
):
    program = make_program(Settings=[setting(key, typed)])

    hit = finding(validate(program, as_of=AS_OF), "Settings", 2, "bad_setting")

    assert f"uses the default {used} until this is fixed" in hit["message"]
    assert hit["value"] == typed


def test_the_default_a_bad_setting_message_names_is_the_value_the_kit_uses(make_program):
    program = make_program(Settings=[setting("fiscal_year_start_month", "13")])

    message = finding(validate(program, as_of=AS_OF), "Settings", 2, "bad_setting")["message"]

    assert f"uses the default {program.settings.fiscal_year_start_month} " in message


def test_a_negative_default_cap_does_not_put_every_advocate_over_it(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance")],
        Activities=[activity("ACT-1", "ADV-1", **{X.date: "2026-10-10"})],
        Settings=[setting("default_max_per_quarter", "-1")],
    )

    findings = validate(program, as_of=AS_OF)

    assert "over_cap" not in set(findings["code"])
    finding(findings, "Settings", 2, "bad_setting")


def test_a_day_count_setting_too_large_says_so_and_metrics_uses_the_default(make_program):
    from kit.metrics import measure

    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance")],
        Settings=[setting("stale_after_days", "99999999")],
    )

    message = finding(validate(program, as_of=AS_OF), "Settings", 2, "bad_setting")["message"]

    assert "too large" in message and "at most 36500" in message and "uses the default 365" in message
    assert measure(program, period="2026-Q4", as_of=AS_OF).roster.stale_after_days == 365


def test_a_per_activity_sla_that_cannot_be_read_names_the_programs_default_sla(make_program):
    program = make_program(Settings=[setting("sla_days.default", "12"), setting("sla_days.webinar", "soon")])

    message = finding(validate(program, as_of=AS_OF), "Settings", 3, "bad_setting")["message"]

    assert "uses sla_days.default (12) until this is fixed" in message
    assert program.settings.sla_days("webinar") == 12


def test_error_rows_are_the_rows_with_an_error_not_a_warning(messy_findings):
    findings = messy_findings

    assert error_rows(findings, "Advocates") == {3, 4, 5, 8, 9, 16}
    assert error_rows(findings, "Requests") == {3, 4, 5, 6, 7, 8, 9}
    assert error_rows(findings, "Goals") == {3, 4}
    assert error_rows(findings, "Opportunities") == {3, 4, 5}


# --- goals -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "hint"),
    [
        ("2026-Q5", "a year has four quarters, Q1 to Q4"),
        ("2026-13", "a year has twelve months"),
        ("2026-12-31..2026-10-01", 'the end comes before the start; did you mean "2026-10-01..2026-12-31"?'),
        ("2026-02-30..2026-03-31", "2026-02-30 is not a day"),
        ("2026 Q4", 'did you mean "2026-Q4"?'),
        ("FY27-Q1", 'did you mean "FY2027-Q1"?'),
        ("Q4", "write 2026-11, 2026-Q4"),
        ("0026-Q4", "the year 26; periods run from 1900 to 2199"),
    ],
)
def test_a_goal_period_the_kit_cannot_read_is_an_error_on_its_cell_with_a_hint(make_program, period, hint):
    program = make_program(Goals=[goal(**{G.period: period})])

    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {("Goals", 2, G.period, "bad_period")}
    assert hint in findings["message"].iloc[0], findings["message"].iloc[0]
    assert findings["value"].iloc[0] == period


@pytest.mark.parametrize(
    "period", ["2026-Q4", "2026-11", "FY2027-Q1", "FY2027", "2026", "2026-10-01..2026-12-31"]
)
def test_every_form_of_period_is_a_valid_goal_period(make_program, period):
    program = make_program(Goals=[goal(**{G.period: period})])

    assert validate(program, as_of=AS_OF).empty


@pytest.mark.parametrize(
    ("metric", "hint"),
    [
        ("active_advocate", 'did you mean "active_advocates"?'),
        ("Revenue Influenced", 'did you mean "revenue_influenced"?'),
        ("happiness", "active_advocates, new_advocates"),
    ],
)
def test_a_goal_metric_the_kit_does_not_compute_is_an_error_with_a_suggestion(make_program, metric, hint):
    program = make_program(Goals=[goal(**{G.metric: metric})])

    findings = validate(program, as_of=AS_OF)

    assert found(findings) == {("Goals", 2, G.metric, "unknown_metric")}
    assert f'"{metric}" is not a metric the kit computes' in findings["message"].iloc[0]
    assert hint in findings["message"].iloc[0]


def test_every_metric_the_kit_computes_is_a_valid_goal_metric(make_program):
    from kit.metrics import HEADLINE

    program = make_program(Goals=[goal(n, **{G.metric: m}) for n, m in enumerate(HEADLINE, start=1)])

    assert validate(program, as_of=AS_OF).empty


# --- the quarterly usage both validation and matching rely on -----------------------------------------------


def test_quarter_usage_counts_this_quarter_only_and_open_requests_only(make_program):
    program = make_program(
        Advocates=[
            advocate("ADV-1", "Dana Ortiz", "Acme Insurance"),
            advocate("ADV-2", "Wei Chen", "Summit Bank", **{A.max_per_quarter: 6}),
        ],
        Activities=[
            activity("ACT-1", "ADV-1", **{X.date: "2026-10-01"}),  # Q4: counts
            activity("ACT-2", "ADV-1", **{X.date: "2026-12-31"}),  # Q4: counts
            activity("ACT-3", "ADV-1", **{X.date: "2026-09-30"}),  # Q3: not
        ],
        Requests=[
            request("REQ-1", **{R.status: "Scheduled", R.advocate_id: "ADV-1"}),  # open, Q4: counts
            request("REQ-2", **{R.status: "Completed", R.advocate_id: "ADV-1"}),  # done: its activity counts
            request("REQ-3", **{R.status: "New", R.advocate_id: "ADV-1", R.requested_on: "2026-09-29"}),  # Q3
            request("REQ-4", **{R.status: "Declined", R.advocate_id: "ADV-2"}),  # closed
        ],
        Settings=[setting("default_max_per_quarter", 3)],
    )

    usage = quarter_usage(program, AS_OF)

    assert usage.loc["ADV-1", USES] == 3
    assert usage.loc["ADV-1", CAP] == 3
    assert usage.loc["ADV-2", USES] == 0
    assert usage.loc["ADV-2", CAP] == 6


def test_an_advocates_cap_outside_its_range_is_ignored_and_the_default_cap_applies(make_program):
    program = make_program(
        Advocates=[advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.max_per_quarter: -1})],
        Activities=[activity("ACT-1", "ADV-1", **{X.date: "2026-10-10"})],
        Settings=[setting("default_max_per_quarter", 3)],
    )

    findings = validate(program, as_of=AS_OF)

    assert quarter_usage(program, AS_OF).loc["ADV-1", CAP] == 3
    finding(findings, "Advocates", 2, "out_of_range")
    assert "over_cap" not in set(findings["code"])


@pytest.mark.parametrize(
    ("status", "activity", "code"),
    [
        ("Active", "speaking", "not_agreed"),
        ("Retired", "reference_call", "advocate_unavailable"),
        ("Active", "case_study", "consent_missing"),
    ],
)
def test_an_assignment_that_breaks_a_rule_keeps_the_request_assigned(make_program, status, activity, code):
    from kit.metrics import measure

    program = make_program(
        Advocates=[
            advocate("ADV-1", "Dana Ortiz", "Acme Insurance", **{A.status: status, A.consents: "name"})
        ],
        Requests=[
            request(
                "REQ-1",
                **{R.status: "Advocate Asked", R.advocate_id: "ADV-1", R.activity: activity},
                **{R.needed_by: "2026-11-21"},
            )
        ],
    )

    hit = finding(validate(program, as_of=AS_OF), "Requests", 2, code)
    metrics = measure(program, period="2026-Q4", as_of=AS_OF)

    assert hit["affects"] == "" and "Ignored" not in hit["message"]
    assert metrics.recruiting.due_soon_unassigned.empty  # it is assigned, however wrongly
    assert metrics.data_quality.cells_ignored == 0 and metrics.data_quality.excluded.empty


def test_the_pandera_schema_alone_finds_the_same_cells(messy, messy_findings):
    import pandera.pandas as pa

    from kit.validate import cell_schema

    cell_codes = {"missing_required", "bad_enum", "bad_email", "bad_date", "bad_number", "bad_bool"}
    cell_codes |= {"out_of_range", "stray_whitespace", "formula_injection", "implausible_amount", "synonym"}
    expected = {f for f in found(messy_findings) if f[3] in cell_codes}
    by_pandera = set()
    for tab in schema.TABS:
        try:
            cell_schema(tab.name).validate(messy.raw[tab.name], lazy=True)
        except pa.errors.SchemaErrors as errors:
            cases = errors.failure_cases
            by_pandera |= {
                (tab.name, int(r), c, k)
                for c, k, r in zip(cases["column"], cases["check"], cases["index"], strict=True)
            }

    assert by_pandera == expected


def test_a_synonym_is_read_as_its_value_with_a_warning_naming_the_spelling_to_type(messy, messy_findings):
    hit = finding(messy_findings, "Activities", 3, "synonym")

    assert hit["severity"] == "warning" and hit["affects"] == ""
    assert hit["message"].startswith('"held" is read as "Completed"; type that')
    assert messy.activities.at[3, X.outcome] == "Completed"


def test_an_ignored_cell_says_which_figures_leave_its_row_out(messy_findings):
    amount = finding(messy_findings, "Opportunities", 3, "bad_number")
    created = finding(messy_findings, "Opportunities", 3, "date_order")

    assert amount["affects"] == "revenue_influenced"
    assert amount["message"].endswith(" Ignored; affects: revenue influenced (won).")
    assert (created["column"], created["affects"]) == (O.created_on, "")  # closed before it was created: the
    # creation date, no figure's, is the one ignored and reported
    completed = finding(messy_findings, "Requests", 4, "date_order")
    assert completed["affects"] == "requests_fulfilled, median_days_to_fulfil, within_sla_share"
    assert (
        finding(messy_findings, "Advocates", 9, "future_date")["affects"] == "active_advocates, new_advocates"
    )
