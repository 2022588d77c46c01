"""The notebook widgets, driven as a person would: set the controls, press the buttons, read the workbook.

Each test builds a tiny program in a workbook under tmp_path, builds a panel on it, and checks what the
panel shows or what the press wrote to the workbook (read back through the store, as the next person
would see it).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
from pathlib import Path

import pandas as pd
import pytest

from kit import roster, schema
from kit.config import load_config
from kit.errors import InputError
from kit.mail.request_messages import messenger
from kit.program import Program
from kit.store import RowUpdate
from kit.store.local import LocalStore
from kit.validate import validate
from kit.widgets import NEW_REQUEST, nomination_review, request_matcher, roster_finder
from tests.factories import AS_OF, nomination

A, R, N = schema.ADVOCATES.col, schema.REQUESTS.col, schema.NOMINATIONS.col

ANA = {
    A.advocate_id: "ADV-0001",
    A.name: "Ana <b>Ruiz</b>",
    A.email: "ana@acme.example.com",
    A.company: "Acme Insurance",
    A.account_id: "ACC-1",
    A.industry: "Insurance",
    A.region: "EMEA",
    A.company_size: "Enterprise",
    A.persona: "Executive",
    A.products: "Product A; Product B",
    A.use_cases: "Claims Automation",
    A.activities: "reference_call; case_study",
    A.status: "Active",
}
BEN = {
    A.advocate_id: "ADV-0002",
    A.name: "Ben Okoro",
    A.email: "ben@bolt.example.com",
    A.company: "Bolt Retail",
    A.industry: "Retail",
    A.region: "North America",
    A.company_size: "SMB",
    A.persona: "Practitioner",
    A.products: "Product C",
    A.use_cases: "Billing",
    A.activities: "review",
    A.status: "Active",
}
CHLOE = {
    A.advocate_id: "ADV-0003",
    A.name: "Chloé Martin",
    A.email: "chloe@acme.example.com",
    A.company: "acme insurance ",
    A.account_id: "ACC-1",
    A.industry: "insurance",
    A.region: "APAC",
    A.company_size: "Mid-Market",
    A.persona: "Manager",
    A.products: "product a",
    A.use_cases: "Claims Automation",
    A.activities: "case_study",
    A.status: "Paused",
    A.notes: "Prefers EMAIL over calls",
}
ROSTER = [ANA, BEN, CHLOE]
# Nominees work where Ana and Chloé do, so accepting one copies what those two agree on.
AT_ACME = {N.company: "Acme Insurance"}


def ids(frame) -> list[str]:
    return list(frame[A.advocate_id])


def read(path: Path) -> Program:
    return LocalStore(path).read()


# ------------------------------------------------------------------------------------------------------------
# The roster finder


def test_finder_starts_on_active_advocates(make_program):
    finder = roster_finder(make_program(Advocates=ROSTER))

    assert ids(finder.results) == ["ADV-0001", "ADV-0002"]
    assert "<b>2</b> of 3 advocates" in finder.count.value


def test_finder_product_filter_looks_inside_multi_value_cells_whatever_the_case(make_program):
    finder = roster_finder(make_program(Advocates=ROSTER))

    finder.filters[A.status].value = ""
    finder.filters[R.product].value = "Product A"

    assert ids(finder.results) == ["ADV-0001", "ADV-0003"]


def test_finder_combines_every_filter_set(make_program):
    finder = roster_finder(make_program(Advocates=ROSTER))

    finder.filters[A.status].value = ""
    finder.filters[R.industry].value = "Insurance"
    finder.filters[R.region].value = "APAC"
    finder.filters[R.use_case].value = "Claims Automation"
    finder.filters[R.activity].value = "case_study"
    finder.filters[R.company_size].value = "Mid-Market"
    finder.filters[R.persona].value = "Manager"

    assert ids(finder.results) == ["ADV-0003"]
    assert "<b>1</b> of 3 advocates" in finder.count.value


def test_finder_offers_each_industry_once_however_it_was_typed(make_program):
    finder = roster_finder(make_program(Advocates=ROSTER))

    offered = [value for _, value in finder.filters[R.industry].options]

    assert offered == ["", "Insurance", "Retail"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("chloe", ["ADV-0003"]),  # accents do not matter
        ("email", ["ADV-0003"]),  # notes are searched
        ("ACME ana", ["ADV-0001"]),  # every word must appear, in any of name, company, notes
        ("bolt", ["ADV-0002"]),
        ("nobody-here", []),
    ],
)
def test_finder_search_covers_name_company_and_notes(make_program, typed, expected):
    finder = roster_finder(make_program(Advocates=ROSTER))
    finder.filters[A.status].value = ""

    finder.search.value = typed

    assert ids(finder.results) == expected


def test_finder_table_shows_free_text_escaped_and_no_contact_details(make_program):
    finder = roster_finder(make_program(Advocates=ROSTER))

    assert "Ana &lt;b&gt;Ruiz&lt;/b&gt;" in finder.table.value
    assert "<b>Ruiz" not in finder.table.value
    assert "ana@acme.example.com" not in finder.table.value


def test_filter_roster_names_an_unknown_criterion(make_program):
    advocates = make_program(Advocates=ROSTER).advocates

    with pytest.raises(InputError, match="'colour'"):
        roster.filter_roster(advocates, colour="blue")


def test_coverage_counts_each_pair_and_shows_the_empty_ones(make_program):
    advocates = make_program(Advocates=ROSTER).advocates

    table = roster.coverage(advocates, R.product, R.region, statuses=("Active", "Paused"))

    # Ana: Product A and B in EMEA; Ben: Product C in North America; Chloé: Product A in APAC.
    assert table.loc["Product A"].to_dict() == {"North America": 0, "EMEA": 1, "APAC": 1, "LATAM": 0}
    assert table.loc["Product B"].to_dict() == {"North America": 0, "EMEA": 1, "APAC": 0, "LATAM": 0}
    assert table.loc["Product C"].to_dict() == {"North America": 1, "EMEA": 0, "APAC": 0, "LATAM": 0}
    assert int(table.to_numpy().sum()) == 4


def test_coverage_counts_only_the_statuses_asked_for(make_program):
    advocates = make_program(Advocates=ROSTER).advocates

    table = roster.coverage(advocates, R.industry, R.region)

    assert table.loc["Insurance", "APAC"] == 0  # Chloé is Paused
    assert table.loc["Insurance", "EMEA"] == 1


# ------------------------------------------------------------------------------------------------------------
# The request matcher

OPEN_REQUEST = {
    R.request_id: "REQ-000001",
    R.requested_on: "2026-11-16",
    R.requester_email: "rep@vendor.example.com",
    R.team: "Sales",
    R.activity: "reference_call",
    R.industry: "Insurance",
    R.needed_by: "2026-11-30",
    R.priority: "High",
    R.status: "New",
}
DONE_REQUEST = {
    **OPEN_REQUEST,
    R.request_id: "REQ-000002",
    R.status: "Completed",
    R.advocate_id: "ADV-0001",
    R.completed_on: "2026-11-18",
}


def matcher_on(path: Path):
    return request_matcher(read(path), LocalStore(path), as_of=AS_OF)


def shown(widget) -> str:
    return html.unescape(widget.value)


def test_picker_offers_open_requests_and_a_new_one_but_not_closed_ones(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST, DONE_REQUEST])

    matcher = matcher_on(path)

    assert [value for _, value in matcher.picker.options] == [NEW_REQUEST, "REQ-000001"]


def test_ranking_shows_who_fits_with_reasons_and_recent_load(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    matcher = matcher_on(path)

    matcher.picker.value = "REQ-000001"
    matcher.find_button.click()

    # Only Ana is Active and agreed to reference calls (Ben does reviews, Chloé is Paused).
    assert list(matcher.ranked[A.advocate_id]) == ["ADV-0001"]
    assert matcher.advocate.value == "ADV-0001"
    table = shown(matcher.ranking)
    assert "Insurance" in table  # the reason names the matching industry
    assert "0 of 4" in table  # no activity yet this quarter, default cap of 4
    assert "Ana &lt;b&gt;Ruiz&lt;/b&gt;" in matcher.ranking.value  # names typed in the sheet stay text


def test_assign_writes_the_advocate_on_the_picked_request_and_says_what_it_wrote(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.find_button.click()

    matcher.assign_button.click()

    request = read(path).requests.loc[2]
    assert request[R.advocate_id] == "ADV-0001"
    assert request[R.status] == "Advocate Asked"  # as `advocacy-kit request assign` sets it (no owner)
    message = shown(matcher.message)
    assert (
        "Requests row 2 (REQ-000001) updated: status 'New' → 'Advocate Asked', advocate_id '' → 'ADV-0001'"
        in (message)
    )
    assert "REQ-000001: New → Advocate Asked (ADV-0001)" in message


def test_assign_on_a_described_request_logs_it_then_assigns_it(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST, DONE_REQUEST])
    matcher = matcher_on(path)
    matcher.fields[R.requester_email].value = "ae@vendor.example.com"
    matcher.fields[R.team].value = "Sales"
    # a reference call: Ana has not consented to the name and story a case study needs
    matcher.fields[R.activity].value = "reference_call"
    matcher.fields[R.industry].value = "Insurance"
    matcher.fields[R.notes].value = "=prospect wants a CFO"
    matcher.find_button.click()

    matcher.assign_button.click()

    requests = read(path).requests
    assert len(requests) == 3
    logged = requests.loc[4]
    assert logged[R.request_id] == "REQ-000003"
    assert logged[R.requested_on].date() == AS_OF
    assert logged[R.requester_email] == "ae@vendor.example.com"
    assert logged[R.activity] == "reference_call"
    assert logged[R.industry] == "Insurance"
    assert logged[R.notes] == "=prospect wants a CFO"
    assert logged[R.advocate_id] == "ADV-0001"
    assert logged[R.status] == "Advocate Asked"
    message = shown(matcher.message)
    assert "Requests row 4 (REQ-000003) appended" in message
    assert (
        "Requests row 4 (REQ-000003) updated: status 'New' → 'Advocate Asked', advocate_id '' → 'ADV-0001'"
        in (message)
    )
    assert matcher.picker.value == "REQ-000003"  # the form now shows the logged request


def test_described_request_without_requester_is_refused_and_nothing_is_logged(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    before = LocalStore(path).read_grids()
    matcher = matcher_on(path)
    matcher.fields[R.team].value = "Sales"
    matcher.fields[R.activity].value = "case_study"
    matcher.find_button.click()

    matcher.assign_button.click()

    assert LocalStore(path).read_grids() == before
    assert "a new request needs its requester email" in shown(matcher.message)


def test_assignment_is_refused_when_someone_assigned_the_request_meanwhile(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    store = LocalStore(path)
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.find_button.click()
    # A colleague assigns Ben in the sheet while the matcher is open.
    store.update(
        schema.REQUESTS.name,
        [RowUpdate("REQ-000001", values={R.advocate_id: "ADV-0002", R.status: "Scheduled"})],
    )

    matcher.assign_button.click()

    requests = read(path).requests
    assert len(requests) == 1
    assert requests.loc[2, R.advocate_id] == "ADV-0002"  # their assignment is kept
    assert requests.loc[2, R.status] == "Scheduled"
    message = shown(matcher.message)
    assert "Refused:" in message
    assert "nothing was written" in message
    assert "Requests!Q2" in message
    assert "found 'ADV-0002'" in message


class ColleagueAssignsRightAfterTheAppend(LocalStore):
    """A real workbook where a colleague assigns Ben the moment a new request lands (a race, made certain)."""

    def append(self, tab, rows):
        written = super().append(tab, rows)
        if tab == schema.REQUESTS.name:
            super().update(tab, [RowUpdate(rows[0][R.request_id], values={R.advocate_id: "ADV-0002"})])
        return written


def test_a_logged_request_whose_assignment_is_refused_says_it_was_logged(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    matcher = request_matcher(read(path), ColleagueAssignsRightAfterTheAppend(path), as_of=AS_OF)
    matcher.fields[R.requester_email].value = "ae@vendor.example.com"
    matcher.fields[R.team].value = "Sales"
    matcher.fields[R.activity].value = "reference_call"
    matcher.find_button.click()

    matcher.assign_button.click()

    logged = read(path).requests.loc[3]
    assert logged[R.request_id] == "REQ-000002"
    assert logged[R.advocate_id] == "ADV-0002"  # the colleague's assignment is kept
    message = shown(matcher.message)
    assert "Requests row 3 (REQ-000002) appended" in message
    assert "but the assignment was refused" in message


# ------------------------------------------------------------------------------------------------------------
# The nomination review


def test_queue_lists_only_waiting_nominations_oldest_first(make_workbook):
    path = make_workbook(
        Advocates=ROSTER,
        Nominations=[
            nomination(1, **AT_ACME),
            nomination(
                2,
                **AT_ACME,
                **{N.submitted_on: "2026-09-01", N.status: "Accepted", N.advocate_id: "ADV-0002"},
            ),
            nomination(3, **AT_ACME, **{N.submitted_on: "2026-10-01"}),
        ],
    )
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    assert [value for _, value in review.picker.options] == ["NOM-00003", "NOM-00001"]
    assert review.picker.value == "NOM-00003"
    assert "<b>2</b> nominations waiting" in review.count.value


def test_the_form_asks_for_what_the_roster_requires_prefilled_with_what_the_nomination_carries(make_workbook):
    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(1, **AT_ACME)])

    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    # Required on Advocates (kit.schema): id and status, which the kit sets; name, email, company, industry,
    # region. Ana and Chloé at Acme agree the industry is Insurance; nothing says the region.
    assert list(review.fields) == ["name", "email", "company", "industry", "region"]
    filled = {column: control.value for column, control in review.fields.items()}
    assert filled == {
        "name": "Nominee 1",
        "email": "nominee1@example.com",
        "company": "Acme Insurance",
        "industry": "Insurance",
        "region": "",
    }
    assert "The roster requires region (one of North America, EMEA, APAC, LATAM)" in shown(review.needs)


def test_accepting_without_the_region_is_refused_naming_it_and_writes_nothing(make_workbook):
    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(1, **AT_ACME)])
    before = LocalStore(path).read_grids()
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.accept_button.click()

    assert LocalStore(path).read_grids() == before
    assert review.message.value.count("<div>") == 1  # one line
    assert "NOM-00001 cannot be accepted yet: the roster requires the advocate's region" in shown(
        review.message
    )
    assert "nothing was written" in shown(review.message)


def test_accept_adds_a_nominated_advocate_without_a_validation_error_and_shows_the_checklist(make_workbook):
    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(1, **AT_ACME)])
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.fields[A.region].value = "APAC"
    review.checklist_fields[A.activities].value = ("reference_call",)
    review.accept_button.click()

    program = read(path)
    new = program.advocates.iloc[-1]
    assert (new[A.advocate_id], new[A.name], new[A.status]) == ("ADV-0004", "Nominee 1", "Nominated")
    assert (new[A.industry], new[A.region], new[A.activities]) == ("Insurance", "APAC", ("reference_call",))
    found = validate(program, as_of=AS_OF)
    assert found[found["severity"] == "error"].empty
    assert program.nominations.iloc[0][N.advocate_id] == "ADV-0004"
    message = shown(review.message)
    assert "Nominations row 2 (NOM-00001) updated: status 'New' → 'Accepted'" in message
    assert "Advocates row 5 (ADV-0004) appended" in message
    # reference calls need no consent; only the profile's verification is left
    assert (
        "ADV-0004 stays Nominated until its checklist is done: profile verified: no last_verified" in message
    )
    assert review.picker.options == ()
    assert review.nominated.value == "ADV-0004"
    assert "[x] activities agreed" in shown(review.checklist)
    assert "[ ] profile verified" in shown(review.checklist)


def test_decline_keeps_the_reason_and_adds_nobody(make_workbook):
    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(1, **AT_ACME)])
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.reason.value = "=not referenceable until renewal"
    review.decline_button.click()

    program = read(path)
    assert len(program.advocates) == 3
    decided = program.nominations.iloc[0]
    assert decided[N.status] == "Declined"
    assert decided[N.decided_on].date() == AS_OF
    assert decided[N.decision_note] == "=not referenceable until renewal"  # kept as text, not a formula
    assert decided[N.advocate_id] is None
    assert "Nominations row 2 (NOM-00001) updated" in review.message.value


def test_accepting_someone_already_on_the_roster_is_refused_and_adds_nobody(make_workbook):
    again = nomination(1, **AT_ACME, **{N.contact_email: "ANA@acme.example.com"})
    path = make_workbook(Advocates=ROSTER, Nominations=[again])
    before = LocalStore(path).read_grids()
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.accept_button.click()

    assert LocalStore(path).read_grids() == before
    message = shown(review.message)
    assert (
        "is already an advocate: ADV-0001 on Advocates row 2 has the e-mail ana@acme.example.com" in message
    )
    assert "nothing was written" in message


def test_decline_without_a_reason_writes_nothing(make_workbook):
    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(1, **AT_ACME)])
    before = LocalStore(path).read_grids()
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.reason.value = "   "
    review.decline_button.click()

    assert LocalStore(path).read_grids() == before
    assert "say why the nomination is declined" in review.message.value


def test_accept_is_refused_when_someone_decided_meanwhile_and_their_decision_stays(make_workbook):
    path = make_workbook(Advocates=ROSTER, Nominations=[nomination(1, **AT_ACME)])
    store = LocalStore(path)
    review = nomination_review(read(path), store, as_of=AS_OF)
    review.fields[A.region].value = "EMEA"
    # A colleague declines it in the sheet after the queue was loaded.
    store.update(
        schema.NOMINATIONS.name,
        [RowUpdate("NOM-00001", values={N.status: "Declined", N.decision_note: "duplicate of NOM-0000"})],
    )

    review.accept_button.click()

    program = read(path)
    assert ids(program.advocates) == ["ADV-0001", "ADV-0002", "ADV-0003"]
    assert program.nominations.iloc[0][N.status] == "Declined"
    assert program.nominations.iloc[0][N.decision_note] == "duplicate of NOM-0000"
    assert "Refused:" in review.message.value
    assert "nothing was written" in review.message.value
    assert "Nominations!J2" in review.message.value  # the cell that changed, as the sheet names it
    assert review.picker.options == ()  # the queue now shows the sheet as it is


def test_decline_asks_for_a_decision_note_column_when_the_sheet_has_none(tmp_path):
    path = tmp_path / "old.xlsx"
    grids = {tab.name: [tab.names] for tab in schema.TABS}
    header = [c for c in schema.NOMINATIONS.names if c != N.decision_note]
    row = nomination(1, **AT_ACME)
    grids[schema.NOMINATIONS.name] = [header, [row.get(c) for c in header]]
    LocalStore(path).write_grids(grids)
    before = LocalStore(path).read_grids()
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.reason.value = "not now"
    review.decline_button.click()

    assert LocalStore(path).read_grids() == before
    assert "no decision_note column" in review.message.value


# ------------------------------------------------------------------------------------------------------------
# Onboarding the accepted nominees

# Dan was accepted yesterday: on the roster, Nominated, with nothing of the checklist done yet.
DAN = {
    A.advocate_id: "ADV-0004",
    A.name: "Dan Wu",
    A.email: "dan@acme.example.com",
    A.company: "Acme Insurance",
    A.industry: "Insurance",
    A.region: "EMEA",
    A.status: "Nominated",
}


def test_make_active_before_the_checklist_is_done_is_refused_naming_what_is_missing(make_workbook):
    path = make_workbook(Advocates=[*ROSTER, DAN])
    before = LocalStore(path).read_grids()
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)

    review.onboarding_fields[A.activities].value = ("case_study",)
    review.activate_button.click()

    assert LocalStore(path).read_grids() == before
    assert review.message.value.count("<div>") == 1  # one line
    assert (
        "ADV-0004 stays Nominated: still missing consents: name and story for case_study; "
        "profile verified: no last_verified date yet; nothing was written"
    ) in shown(review.message)


def test_the_checklist_saved_then_completed_makes_the_nominee_active(make_workbook):
    path = make_workbook(Advocates=[*ROSTER, DAN])
    review = nomination_review(read(path), LocalStore(path), as_of=AS_OF)
    assert review.nominated.value == "ADV-0004"

    review.onboarding_fields[A.activities].value = ("reference_call", "case_study")
    review.onboarding_fields[A.consents].value = ("name", "story")
    review.save_button.click()
    assert read(path).advocates.iloc[-1][A.status] == "Nominated"
    assert "ADV-0004 stays Nominated until its checklist is done: profile verified" in shown(review.message)
    review.onboarding_fields[A.last_verified].value = dt.date(2026, 11, 19)
    review.activate_button.click()

    program = read(path)
    dan = program.advocates.iloc[-1]
    assert (dan[A.status], dan[A.joined_on].date(), dan[A.last_verified].date()) == (
        "Active",
        AS_OF,
        dt.date(2026, 11, 19),
    )
    assert (dan[A.activities], dan[A.consents]) == (("reference_call", "case_study"), ("name", "story"))
    assert "ADV-0004 is now Active." in shown(review.message)
    assert review.nominated.options == ()  # nobody left to onboard
    found = validate(program, as_of=AS_OF)
    assert found[found["severity"] == "error"].empty


def test_saving_the_checklist_leaves_a_cell_someone_filled_meanwhile_alone(make_workbook):
    path = make_workbook(Advocates=[*ROSTER, DAN])
    store = LocalStore(path)
    review = nomination_review(read(path), store, as_of=AS_OF)
    # A colleague confirms the profile in the sheet after the panel was loaded.
    store.update(
        schema.ADVOCATES.name, [RowUpdate("ADV-0004", values={A.last_verified: dt.date(2026, 11, 18)})]
    )

    review.onboarding_fields[A.activities].value = ("review",)
    review.save_button.click()

    dan = read(path).advocates.iloc[-1]
    assert dan[A.activities] == ("review",)
    assert dan[A.last_verified].date() == dt.date(2026, 11, 18)


# ------------------------------------------------------------------------------------------------------------
# The request's later moves (the finder's Move / Apply row)

ASKED_REQUEST = {**OPEN_REQUEST, R.status: "Advocate Asked", R.advocate_id: "ADV-0001"}


def history(path: Path):
    return read(path).tables[schema.HISTORY.name]


def test_the_moves_offered_are_those_the_status_allows(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[ASKED_REQUEST])
    matcher = matcher_on(path)

    matcher.picker.value = "REQ-000001"

    assert "From Advocate Asked: accept, decline, cancel" in shown(matcher.moves_note)
    assert matcher.move.value == "accept"


def test_decline_puts_the_request_back_to_new_and_keeps_the_reason_in_history(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[ASKED_REQUEST])
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.move.value = "decline"
    matcher.reason.value = "on leave until January"

    matcher.apply_button.click()

    request = read(path).requests.loc[2]
    assert request[R.status] == "New"
    assert pd.isna(request[R.advocate_id])
    (row,) = history(path).to_dict("records")
    H = schema.HISTORY.col
    assert (row[H.request_id], row[H.from_status], row[H.to_status]) == (
        "REQ-000001",
        "Advocate Asked",
        "New",
    )
    assert row[H.advocate_id] == "ADV-0001"
    assert row[H.note] == "on leave until January"
    assert row[H.by] == "finder"
    message = shown(matcher.message)
    assert "Requests row 2 (REQ-000001) updated: status 'Advocate Asked' → 'New'" in message
    assert "History row 2 appended: request_id 'REQ-000001'" in message
    assert "REQ-000001: Advocate Asked → New (ADV-0001; on leave until January)" in message


def test_accept_then_schedule_on_the_picked_date(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[ASKED_REQUEST])
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.move.value = "accept"
    matcher.apply_button.click()
    assert read(path).requests.loc[2, R.status] == "In Progress"
    assert matcher.move.value == "schedule"  # the next move the new status allows

    matcher.on.value = dt.date(2026, 11, 27)
    matcher.apply_button.click()

    assert read(path).requests.loc[2, R.status] == "Scheduled"
    rows = history(path).to_dict("records")
    H = schema.HISTORY.col
    assert [(r[H.from_status], r[H.to_status]) for r in rows] == [
        ("Advocate Asked", "In Progress"),
        ("In Progress", "Scheduled"),
    ]
    assert rows[1][H.note] == "schedule on 2026-11-27"


def test_a_move_the_status_does_not_allow_is_refused_and_writes_nothing(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    before = LocalStore(path).read_grids()
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.move.value = "accept"

    matcher.apply_button.click()

    assert LocalStore(path).read_grids() == before
    assert (
        "REQ-000001 is New (Requests row 2); accept is allowed only from Advocate Asked; nothing was written"
        in shown(matcher.message)
    )


def test_cancel_without_a_reason_writes_nothing(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[OPEN_REQUEST])
    before = LocalStore(path).read_grids()
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.move.value = "cancel"

    matcher.apply_button.click()

    assert LocalStore(path).read_grids() == before
    assert "cancel needs a reason" in shown(matcher.message)


def test_a_move_is_refused_when_someone_moved_the_request_meanwhile(make_workbook):
    path = make_workbook(Advocates=ROSTER, Requests=[ASKED_REQUEST])
    store = LocalStore(path)
    matcher = matcher_on(path)
    matcher.picker.value = "REQ-000001"
    matcher.move.value = "decline"
    matcher.reason.value = "too busy"
    # The advocate's yes is recorded in the sheet while the finder is open.
    store.update(schema.REQUESTS.name, [RowUpdate("REQ-000001", values={R.status: "In Progress"})])

    matcher.apply_button.click()

    request = read(path).requests.loc[2]
    assert request[R.status] == "In Progress"  # their move is kept
    assert request[R.advocate_id] == "ADV-0001"
    assert history(path).empty
    assert "Refused:" in shown(matcher.message)


def test_approve_sends_the_advocates_ask_and_the_requesters_news_as_assign_does(make_workbook, tmp_path):
    path = make_workbook(
        Advocates=[{**ANA, A.owner_email: "owner@vendor.example.com"}],
        Requests=[{**ASKED_REQUEST, R.status: "Owner Approval"}],
    )
    config_path = tmp_path / "advocacy-kit.toml"
    config_path.write_text(f'reports_dir = "{tmp_path / "reports"}"\n', encoding="utf-8")
    config = load_config(config_path, environ={})
    send = messenger(config, email=False, environ={})  # a dry run: the messages land in the outbox
    matcher = request_matcher(read(path), LocalStore(path), as_of=AS_OF, messages=send)
    matcher.picker.value = "REQ-000001"
    matcher.move.value = "approve"

    matcher.apply_button.click()

    assert read(path).requests.loc[2, R.status] == "Advocate Asked"
    written = sorted(config.outbox.glob("*.eml"))
    recipients = sorted(
        str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"]) for p in written
    )
    assert recipients == ["ana@acme.example.com", "rep@vendor.example.com"]
    assert "REQ-000001: Owner Approval → Advocate Asked (ADV-0001)" in shown(matcher.message)
