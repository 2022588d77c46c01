"""A typo costs its cell, not its row: each figure leaves a row out exactly when a cell it needs is unusable.

The program below is small enough to compute every figure by hand (2026-Q4, as of 2026-12-01):

- advocates ADV-1 (joined 2025) and ADV-2 (joined 15 Oct 2026): 2 active, 1 new; one nomination;
- requests REQ-1 (asked 1 Oct, completed 4 Oct: 3 days, within the 5-day SLA of a reference call, for
  OPP-1) and REQ-2 (asked 2 Oct, open): 2 received, 1 fulfilled;
- activities ACT-1 (for REQ-1, so OPP-1), ACT-2 (OPP-2) and ACT-3 (OPP-5): 3;
- opportunities OPP-1 won $1,000, OPP-2 won $2,000, OPP-5 lost (influenced); OPP-3 lost, OPP-4 won $4,000
  (not): 3 influenced of 5 closed, $3,000 influenced, win rate 2/3 with, 1/2 without, lift 1/3.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit import schema
from kit.metrics import HEADLINE, NEEDS, figure_names, measure
from kit.program import program_from_grids
from kit.schema import Kind
from kit.validate import validate
from tests.conftest import grids_from_rows
from tests.properties import examples

AS_OF = dt.date(2026, 12, 1)
ADV, REQ, ACT, NOM, OPP = (
    t.name
    for t in (schema.ADVOCATES, schema.REQUESTS, schema.ACTIVITIES, schema.NOMINATIONS, schema.OPPORTUNITIES)
)


def advocate(advocate_id: str, joined: str) -> dict[str, Any]:
    return {
        "advocate_id": advocate_id, "name": f"Person {advocate_id}", "email": f"{advocate_id.lower()}@acme.example",
        "title": "CIO", "persona": "Executive", "company": "Acme", "account_id": "ACC-1", "industry": "Insurance",
        "company_size": "Enterprise", "region": "EMEA", "country": "Germany", "products": "Product A",
        "use_cases": "Analytics", "activities": "reference_call; case_study", "consents": "logo; name",
        "status": "Active", "owner_email": "owner@us.example", "nominated_by": "Dana", "joined_on": joined,
        "last_verified": "2026-06-01", "max_per_quarter": 4, "notes": "",
    }  # fmt: skip


def opportunity(opportunity_id: str, close: str, *, won: bool, amount: Any) -> dict[str, Any]:
    return {
        "opportunity_id": opportunity_id, "account": f"Prospect {opportunity_id}", "owner": "Sam Rep",
        "stage": "Closed", "amount": amount, "created_on": "2026-06-01", "close_date": close, "is_closed": True,
        "is_won": won, "industry": "Insurance", "region": "EMEA", "product": "Product A",
    }  # fmt: skip


def request(request_id: str, requested: str, status: str, **more: Any) -> dict[str, Any]:
    return {
        "request_id": request_id, "requested_on": requested, "requester_email": "sam.rep@us.example",
        "team": "Sales", "activity": "reference_call", "prospect_company": "Prospect", "industry": "Insurance",
        "product": "Product A", "use_case": "Analytics", "region": "EMEA", "company_size": "Enterprise",
        "persona": "Executive", "needed_by": "2026-10-10", "priority": "Normal", "status": status, **more,
    }  # fmt: skip


def activity(activity_id: str, advocate_id: str, date: str, **links: Any) -> dict[str, Any]:
    return {
        "activity_id": activity_id, "advocate_id": advocate_id, "activity": "reference_call", "date": date,
        "outcome": "Completed", "rating": 5, "notes": "went well", **links,
    }  # fmt: skip


def tabs() -> dict[str, list[dict[str, Any]]]:
    return {
        ADV: [advocate("ADV-1", "2025-01-01"), advocate("ADV-2", "2026-10-15")],
        NOM: [
            {
                "nomination_id": "NOM-1",
                "submitted_on": "2026-10-05",
                "nominator_email": "sam.rep@us.example",
                "team": "Sales",
                "contact_name": "New Person",
                "contact_email": "new@globex.example",
                "company": "Globex",
                "products": "Product B",
                "reason": "loves it",
                "status": "New",
            }  # fmt: skip
        ],
        REQ: [
            request("REQ-1", "2026-10-01", "Completed", completed_on="2026-10-04", opportunity_id="OPP-1"),
            request("REQ-2", "2026-10-02", "New"),
        ],
        ACT: [
            activity("ACT-1", "ADV-1", "2026-10-04", request_id="REQ-1"),
            activity("ACT-2", "ADV-2", "2026-10-20", opportunity_id="OPP-2"),
            activity("ACT-3", "ADV-1", "2026-10-10", opportunity_id="OPP-5"),
        ],
        OPP: [
            opportunity("OPP-1", "2026-11-01", won=True, amount=1000),
            opportunity("OPP-2", "2026-11-02", won=True, amount=2000),
            opportunity("OPP-3", "2026-11-03", won=False, amount=500),
            opportunity("OPP-4", "2026-11-04", won=True, amount=4000),
            opportunity("OPP-5", "2026-11-05", won=False, amount=800),
        ],
        schema.GOALS.name: [
            {
                "goal_id": "G-1",
                "period": "2026-Q4",
                "metric": "active_advocates",
                "target": 2,
                "owner": "Dana",
            }
        ],
        schema.SETTINGS.name: [{"key": "stale_after_days", "value": "365", "description": "a year"}],
    }


def figures(rows: dict[str, list[dict[str, Any]]]):
    program = program_from_grids(grids_from_rows(rows), source="test")
    return measure(program, period="2026-Q4", as_of=AS_OF)


BASE = {
    "active_advocates": 2, "new_advocates": 1, "nominations_received": 1, "requests_received": 2,
    "requests_fulfilled": 1, "median_days_to_fulfil": 3, "within_sla_share": 1.0, "activities": 3,
    "opportunities_influenced": 3, "influenced_share": 3 / 5, "revenue_influenced": 3000,
    "win_rate_with": 2 / 3, "win_rate_without": 1 / 2, "win_rate_lift": 1 / 3,
}  # fmt: skip

# figure → tab → (the row whose needed cell is broken, the figure without that row), computed by hand.
WITHOUT = {
    "active_advocates": {ADV: ("ADV-2", 1)},
    "new_advocates": {ADV: ("ADV-2", 0)},
    "nominations_received": {NOM: ("NOM-1", 0)},
    "requests_received": {REQ: ("REQ-2", 1)},
    "requests_fulfilled": {REQ: ("REQ-1", 0)},
    "median_days_to_fulfil": {REQ: ("REQ-1", None)},
    "within_sla_share": {REQ: ("REQ-1", None)},
    "activities": {ACT: ("ACT-1", 2)},
    # OPP-1 left out: 2 of 4 closed; ACT-2 or REQ-1 left out: OPP-2 or OPP-1 no longer influenced.
    "opportunities_influenced": {OPP: ("OPP-1", 2), ACT: ("ACT-2", 2), REQ: ("REQ-1", 2)},
    "influenced_share": {OPP: ("OPP-1", 2 / 4), ACT: ("ACT-2", 2 / 5), REQ: ("REQ-1", 2 / 5)},
    "revenue_influenced": {OPP: ("OPP-2", 1000), ACT: ("ACT-2", 1000), REQ: ("REQ-1", 2000)},
    # OPP-5 (lost, influenced) left out: 2/2; ACT-3 left out: OPP-5 is a lost deal without advocates;
    # REQ-1 left out: OPP-1 is a won deal without advocates (1/2 with, 2/3 without).
    "win_rate_with": {OPP: ("OPP-5", 1.0), ACT: ("ACT-3", 1.0), REQ: ("REQ-1", 1 / 2)},
    "win_rate_without": {OPP: ("OPP-4", 0.0), ACT: ("ACT-3", 1 / 3), REQ: ("REQ-1", 2 / 3)},
    "win_rate_lift": {
        OPP: ("OPP-4", None),
        ACT: ("ACT-3", 1.0 / (1 / 3) - 1),
        REQ: ("REQ-1", 0.5 / (2 / 3) - 1),
    },
}


def unusable(column: schema.Column) -> Any:
    """A cell the validator rejects: a blank key, an id that points nowhere, an unreadable value."""
    if column.key:
        return None  # missing_required
    if column.references:
        return "NOPE-99"  # unknown_reference
    return {Kind.DATE: "someday", Kind.ENUM: "zzz", Kind.BOOL: "maybe", Kind.AMOUNT: "TBD"}[column.kind]


CASES = [
    pytest.param(key, tab, column, id=f"{key}-{tab}.{column}")
    for key, needs in NEEDS.items()
    for tab, columns in needs.items()
    for column in columns
]


def test_every_headline_figure_declares_what_it_needs():
    assert set(NEEDS) == set(HEADLINE) == set(WITHOUT)
    assert {(k, t) for k, needs in NEEDS.items() for t in needs} == {
        (k, t) for k, w in WITHOUT.items() for t in w
    }


def test_the_hand_computed_program_gives_the_hand_computed_figures():
    metrics = figures(tabs())
    assert {h.key: h.value for h in metrics.headline} == pytest.approx(BASE)
    assert metrics.data_quality.errors == 0


# An activity's request_id links it to a deal only when it names no opportunity of its own: the case breaks
# ACT-1, whose only link is REQ-1, so the figure is as without REQ-1.
ONLY_LINK = {(ACT, "request_id"): ("ACT-1", REQ)}


@pytest.mark.parametrize(("key", "tab", "column"), CASES)
def test_a_row_is_left_out_of_a_figure_when_a_cell_it_needs_is_unusable(key, tab, column):
    row_id, expected = WITHOUT[key][tab]
    if (tab, column) in ONLY_LINK:
        row_id, as_without = ONLY_LINK[(tab, column)]
        expected = WITHOUT[key][as_without][1]
    rows = tabs()
    id_column = schema.TAB_BY_NAME[tab].key.name
    (row,) = [r for r in rows[tab] if r[id_column] == row_id]
    row[column] = unusable(schema.TAB_BY_NAME[tab].column(column))

    metrics = figures(rows)

    assert metrics.figure(key).value == pytest.approx(expected)
    quality = metrics.data_quality
    assert quality.left_out[key] >= 1
    (line,) = [r for r in quality.excluded.to_dict("records") if (r["tab"], r["column"]) == (tab, column)]
    assert line["rows_excluded"] == 1 and key in line["figures"].split(", ")
    noun = {ADV: "advocate", REQ: "request", ACT: "activity", NOM: "nomination", OPP: "opportunity"}[tab]
    assert f"1 {noun} without a usable {column.replace('_', ' ')} is left out of" in quality.note
    assert figure_names([key]) in line["why"]


def test_a_won_deal_without_a_usable_amount_is_left_out_of_revenue_only():
    rows = tabs()
    rows[OPP][1]["amount"] = "TBD"  # OPP-2, won, influenced

    metrics = figures(rows)

    assert metrics.figure("revenue_influenced").value == 1000
    assert metrics.figure("opportunities_influenced").value == 3  # it still counts as influenced
    assert metrics.figure("win_rate_with").value == pytest.approx(2 / 3)
    assert metrics.data_quality.left_out == {k: int(k == "revenue_influenced") for k in HEADLINE}
    assert "1 opportunity without a usable amount is left out of revenue influenced (won)" in (
        metrics.data_quality.note
    )


def test_an_activity_with_its_own_opportunity_keeps_counting_when_its_request_id_points_nowhere():
    rows = tabs()
    rows[ACT][1]["request_id"] = "REQ-999999"  # ACT-2 names OPP-2 itself: a blank request_id means just that

    metrics = figures(rows)

    assert {h.key: h.value for h in metrics.headline} == pytest.approx(BASE)
    quality = metrics.data_quality
    assert quality.rows_excluded == 0 and quality.excluded.empty
    ignored = quality.ignored.to_dict("records")
    assert [(r["tab"], r["column"], r["cells"], r["rows"]) for r in ignored] == [(ACT, "request_id", 1, "3")]
    (finding,) = (
        validate(program_from_grids(grids_from_rows(rows), source="test"), as_of=AS_OF)
        .query("code == 'unknown_reference'")
        .to_dict("records")
    )
    assert finding["affects"] == "" and finding["message"].endswith("no figure needs it.")


def test_an_activity_linked_only_through_a_request_id_that_points_nowhere_influences_no_deal():
    rows = tabs()
    rows[ACT][0]["request_id"] = "REQ-999999"  # ACT-1's only link to OPP-1

    metrics = figures(rows)

    assert metrics.figure("opportunities_influenced").value == 2
    assert metrics.figure("revenue_influenced").value == 2000
    assert metrics.figure("activities").value == 3  # still an activity
    assert "1 activity without a usable request id is left out of opportunities influenced" in (
        metrics.data_quality.note
    )
    (finding,) = (
        validate(program_from_grids(grids_from_rows(rows), source="test"), as_of=AS_OF)
        .query("code == 'unknown_reference'")
        .to_dict("records")
    )
    assert "opportunities_influenced" in finding["affects"].split(", ")


def test_a_typo_in_a_descriptive_column_is_ignored_and_listed_not_left_out():
    rows = tabs()
    rows[ADV][1]["company_size"] = "Enterprize"
    rows[ACT][1]["outcome"] = "hled"

    metrics = figures(rows)

    assert {h.key: h.value for h in metrics.headline} == pytest.approx(BASE)
    quality = metrics.data_quality
    assert quality.rows_excluded == 0 and quality.excluded.empty
    ignored = quality.ignored.to_dict("records")
    assert [(r["tab"], r["column"], r["cells"], r["rows"]) for r in ignored] == [
        (ADV, "company_size", 1, "3"),
        (ACT, "outcome", 1, "3"),
    ]
    assert "2 cell(s) with errors that no figure needs were ignored" in quality.note


def test_an_opportunity_created_after_it_closed_keeps_its_close_date_and_counts():
    rows = tabs()
    rows[OPP][1]["created_on"] = "2026-12-31"  # a typo: after its close date (date_order), and in the future

    metrics = figures(rows)

    assert metrics.figure("revenue_influenced").value == 3000
    assert metrics.data_quality.rows_excluded == 0


def test_a_deal_created_after_it_closed_is_reported_on_the_created_date_it_ignores():
    rows = tabs()
    rows[OPP][1]["created_on"] = "2026-11-20"  # after its close date (2 Nov), not in the future

    findings = validate(program_from_grids(grids_from_rows(rows), source="test"), as_of=AS_OF)
    metrics = figures(rows)

    (finding,) = findings.query("code == 'date_order'").to_dict("records")
    assert (finding["row"], finding["column"], finding["value"]) == (3, "created_on", "2026-11-20")
    assert finding["affects"] == "" and finding["message"].endswith("no figure needs it.")
    assert "created on (2026-11-20) is after the close date (2026-11-02)" in finding["message"]
    (ignored,) = metrics.data_quality.ignored.to_dict("records")
    assert (ignored["column"], ignored["rows"], ignored["example"]) == ("created_on", "3", finding["message"])


# Columns no headline figure reads: optional, not a key, not a link between tabs, needed by no figure (and not
# a setting's value: a rule such as an SLA, which figures follow on purpose). The optional tabs (People,
# Commitments, History) feed no headline figure and are not in tabs().
DESCRIPTIVE = [
    (tab.name, column.name)
    for tab in schema.TABS
    if not tab.optional
    for column in tab.columns
    if not (column.required or column.key or column.references)
    and not any(column.name in needs.get(tab.name, ()) for needs in NEEDS.values())
    and (tab, column.name) != (schema.SETTINGS, schema.SETTINGS.col.value)
]
TYPED = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["Enterprize", "held", "TBD", "=1+1", " x ", "2026-13-45", "maybe", "-3", "1e400", "N/A"]
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(3000, 1, 1)),
)


@settings(max_examples=examples(30), deadline=None)
@given(cell=st.sampled_from(DESCRIPTIVE), which=st.integers(min_value=0, max_value=4), value=TYPED)
def test_any_edit_to_a_descriptive_cell_leaves_every_headline_figure_unchanged(cell, which, value):
    tab, column = cell
    rows = tabs()
    rows[tab][which % len(rows[tab])][column] = value

    metrics = figures(rows)

    assert {h.key: h.value for h in metrics.headline} == pytest.approx(BASE)


def test_on_the_demo_a_mistyped_company_size_and_held_outcomes_change_no_figure_and_are_reported():
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.report_page import data_quality_note

    as_of = dt.date(2026, 12, 1)
    grids = grids_from_frames(build_demo(as_of=as_of))
    before = measure(program_from_grids(grids, source="demo"), period="2026-Q4", as_of=as_of)
    advocates, activities = grids[ADV], grids[ACT]
    size, status = advocates[0].index("company_size"), advocates[0].index("status")
    for row in [r for r in advocates[1:] if r[status] == "Active"][:58]:
        row[size] = "Enterprize"
    outcome = activities[0].index("outcome")
    held = [r for r in activities[1:] if r[outcome] == "Completed"]
    for row in held:
        row[outcome] = "held"

    after = measure(program_from_grids(grids, source="demo"), period="2026-Q4", as_of=as_of)

    assert held and {h.key: h.value for h in after.headline} == {h.key: h.value for h in before.headline}
    note = data_quality_note(after)
    assert "58 cell(s) with errors that no figure needs were ignored (read as blank)" in note
    assert after.data_quality.warnings - before.data_quality.warnings == len(held)  # each "held"
