"""Ranking one request: each hard rule excludes exactly whom it should, with the reason, and the soft
criteria order the rest the way a program manager would, with the reasons in words."""

from __future__ import annotations

import datetime as dt

import pytest

from kit import match, schema
from kit.errors import InputError
from tests.factories import AS_OF, activity, advocate, request, setting

A, R, O = schema.ADVOCATES.col, schema.REQUESTS.col, schema.OPPORTUNITIES.col
# Only the criteria count: freshness, rest and outcome weigh nothing unless a test turns them on.
CRITERIA_ONLY = [
    setting("weight.freshness", "0"),
    setting("weight.rest", "0"),
    setting("weight.outcome", "0"),
]


def excluded(frame, advocate_id: str) -> str:
    row = frame[frame[A.advocate_id] == advocate_id].iloc[0]
    assert not row[match.ELIGIBLE], f"{advocate_id} should be excluded"
    return row[match.EXCLUDED]


def eligible_ids(frame) -> list[str]:
    return sorted(frame.loc[frame[match.ELIGIBLE], A.advocate_id])


# ------------------------------------------------------------------------------------------------------------
# Hard rules


def test_only_active_advocates_are_eligible_and_the_others_say_their_status(make_program):
    program = make_program(
        Advocates=[
            advocate(1),
            advocate(2, status="Paused"),
            advocate(3, status="Retired"),
            advocate(4, status="Nominated"),
            advocate(5, status="Do Not Contact"),
        ],
        Requests=[request()],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0001"]
    assert excluded(result, "ADV-0002") == "status is Paused"
    assert excluded(result, "ADV-0003") == "status is Retired"
    assert excluded(result, "ADV-0005") == "marked Do Not Contact"


def test_advocate_who_has_not_agreed_to_the_activity_is_excluded(make_program):
    program = make_program(
        Advocates=[
            advocate(1, activities="case_study; reference_call"),
            advocate(2, activities="case_study"),
        ],
        Requests=[request()],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0001"]
    assert excluded(result, "ADV-0002") == "has not agreed to reference_call"


def test_advocate_at_the_prospects_company_or_account_is_never_matched_to_it(make_program):
    program = make_program(
        Advocates=[
            advocate(1, company="ACME insurance "),  # the prospect, spelled differently
            advocate(2, company="Bluewater Mutual"),  # the opportunity's account
            advocate(3, company="Other Co", account_id="Granite Assurance"),
            advocate(4, company="Innocent Bystander"),
        ],
        Requests=[request(prospect_company="Acme Insurance", opportunity_id="OPP-1")],
        Opportunities=[{O.opportunity_id: "OPP-1", O.account: "Bluewater Mutual"}],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0003", "ADV-0004"]
    assert excluded(result, "ADV-0001") == "works at the prospect (Acme Insurance)"
    assert excluded(result, "ADV-0002") == "works at the prospect (Acme Insurance)"


def test_advocate_id_typed_as_the_prospects_account_is_excluded(make_program):
    program = make_program(
        Advocates=[advocate(1, company="Somewhere", account_id="ACC-7"), advocate(2)],
        Requests=[request(prospect_company="acc-7")],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0002"]


def test_quarterly_cap_counts_this_quarters_activities_and_open_assignments(make_program):
    program = make_program(
        Settings=[setting("default_max_per_quarter", "2")],
        Advocates=[
            advocate(1),  # two activities this quarter: at the default cap of 2
            advocate(2),  # one activity + one open request assigned this quarter: at cap
            advocate(3, max_per_quarter=3),  # two uses, own cap 3: still free
            advocate(4),  # two activities last quarter: a new quarter, free
        ],
        Activities=[
            activity(1, "ADV-0001", dt.date(2026, 10, 2)),
            activity(2, "ADV-0001", dt.date(2026, 10, 20)),
            activity(3, "ADV-0002", dt.date(2026, 10, 5)),
            activity(4, "ADV-0003", dt.date(2026, 10, 3)),
            activity(5, "ADV-0003", dt.date(2026, 10, 9)),
            activity(6, "ADV-0004", dt.date(2026, 9, 1)),
            activity(7, "ADV-0004", dt.date(2026, 9, 10)),
        ],
        Requests=[
            request(1),
            request(2, advocate_id="ADV-0002", status="Scheduled", requested_on=dt.date(2026, 10, 10)),
        ],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0003", "ADV-0004"]
    assert excluded(result, "ADV-0001") == "at their cap: used 2× this quarter of 2"
    assert excluded(result, "ADV-0002") == "at their cap: used 2× this quarter of 2"


def test_advocate_still_in_the_cooldown_after_their_last_activity_is_resting(make_program):
    program = make_program(
        Settings=[setting("cooldown_days", "14")],
        Advocates=[advocate(1), advocate(2), advocate(3)],
        Activities=[
            activity(1, "ADV-0001", AS_OF - dt.timedelta(days=5)),
            activity(2, "ADV-0002", AS_OF - dt.timedelta(days=14)),  # exactly the cool-down: rested
        ],
        Requests=[request()],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0002", "ADV-0003"]
    assert excluded(result, "ADV-0001") == "resting: last used 2026-11-15, cool-down 14 days"


def test_advocate_booked_for_another_open_request_due_within_the_cooldown_is_excluded(make_program):
    program = make_program(
        Settings=[setting("cooldown_days", "14")],
        Advocates=[advocate(1), advocate(2), advocate(3)],
        Requests=[
            request(1, needed_by=dt.date(2026, 11, 30)),
            request(2, advocate_id="ADV-0001", status="Scheduled", needed_by=dt.date(2026, 12, 2)),
            request(3, advocate_id="ADV-0002", status="Scheduled", needed_by=dt.date(2027, 1, 20)),
            request(4, advocate_id="ADV-0003", status="Completed", needed_by=dt.date(2026, 11, 30)),
        ],
    )
    result = match.eligibility("REQ-000001", program, as_of=AS_OF)
    assert eligible_ids(result) == ["ADV-0002", "ADV-0003"]
    assert excluded(result, "ADV-0001") == "already booked for REQ-000002 due 2026-12-02"


def test_a_request_without_a_date_does_not_apply_the_booking_rule(make_program):
    program = make_program(
        Advocates=[advocate(1)],
        Requests=[
            request(1),
            request(2, advocate_id="ADV-0001", status="Scheduled", needed_by=dt.date(2026, 11, 21)),
        ],
    )
    assert eligible_ids(match.eligibility("REQ-000001", program, as_of=AS_OF)) == ["ADV-0001"]


def test_every_failed_rule_is_listed(make_program):
    program = make_program(
        Advocates=[advocate(1, status="Paused", activities="case_study")],
        Requests=[request()],
    )
    reason = excluded(match.eligibility("REQ-000001", program, as_of=AS_OF), "ADV-0001")
    assert reason == "status is Paused; has not agreed to reference_call"


def test_rank_returns_only_eligible_advocates(make_program):
    program = make_program(
        Advocates=[advocate(1), advocate(2, status="Paused"), advocate(3, activities="speaking")],
        Requests=[request()],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0001"]


# ------------------------------------------------------------------------------------------------------------
# Scores and reasons


def test_scores_add_the_weights_of_the_criteria_that_match(make_program):
    # Default weights: industry 3, product 3, use case 2, region 2, company size 1, persona 1.
    program = make_program(
        Settings=CRITERIA_ONLY,
        Advocates=[
            advocate(1, products="Product B", region="North America"),  # industry only: 3
            advocate(2, products="Product A; Product B"),  # industry + product + region: 8
            advocate(3, industry="Retail", products="Product A"),  # product + region: 5
            advocate(4, industry="Retail", region="APAC"),  # nothing: 0
        ],
        Requests=[request(product="Product A")],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0003", "ADV-0001", "ADV-0004"]
    assert list(ranked[match.SCORE]) == [8.0, 5.0, 3.0, 0.0]
    assert list(ranked[match.FIT]) == [1.0, 0.62, 0.38, 0.0]  # out of 8 points possible


def test_adjacent_company_size_is_a_near_match_worth_half(make_program):
    program = make_program(
        Settings=CRITERIA_ONLY,
        Advocates=[
            advocate(1, company_size="SMB"),
            advocate(2, company_size="Enterprise"),
            advocate(3, company_size="Mid-Market"),
        ],
        Requests=[request(industry=None, region=None, company_size="Enterprise")],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0003", "ADV-0001"]
    assert list(ranked[match.SCORE]) == [1.0, 0.5, 0.0]
    assert ranked[match.REASONS].iloc[1].startswith("Mid-Market (near Enterprise)")


def test_same_region_in_another_country_is_a_near_match_when_the_request_names_a_country(make_program):
    program = make_program(
        Settings=CRITERIA_ONLY,
        Advocates=[
            advocate(1, country="France"),
            advocate(2, country="Germany"),
            advocate(3, region="APAC", country="Japan"),
        ],
        Requests=[request()],
    )
    described = {
        R.activity: "reference_call",
        R.region: "EMEA",
        A.country: "Germany",
    }
    ranked = match.rank(described, program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0001", "ADV-0003"]
    assert list(ranked[match.SCORE]) == [2.0, 1.0, 0.0]
    assert ranked[match.REASONS].iloc[1].startswith("same region (EMEA), France ≠ Germany")


def test_reasons_say_what_matched_what_did_not_and_how_busy_the_advocate_is(make_program):
    program = make_program(
        Settings=[setting("cooldown_days", "7")],
        Advocates=[
            advocate(1, products="Product A", region="North America", max_per_quarter=3, last_verified=AS_OF)
        ],
        Activities=[
            activity(1, "ADV-0001", dt.date(2026, 10, 1), outcome="Positive"),
            activity(2, "ADV-0001", dt.date(2026, 10, 21), outcome="Neutral"),
        ],
        Requests=[request(product="Product A", use_case="Claims Automation")],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert ranked[match.REASONS].iloc[0] == (
        "same industry (Insurance), same product (Product A), no Claims Automation, North America ≠ EMEA, "
        "used 2× this quarter of 3, last used 30 days ago, good outcomes in 1 of 2 past activities"
    )
    assert ranked[match.USES].iloc[0] == 2 and ranked[match.CAP].iloc[0] == 3
    assert ranked[match.LAST_USED].iloc[0] == dt.date(2026, 10, 21)


def test_rested_advocates_rank_above_recently_used_ones(make_program):
    # rest = days since last use / rest_full_days (90), at most 1; never used = fully rested.
    program = make_program(
        Settings=[setting("weight.freshness", "0"), setting("weight.outcome", "0")],
        Advocates=[advocate(1), advocate(2), advocate(3)],
        Activities=[
            activity(1, "ADV-0001", AS_OF - dt.timedelta(days=18)),
            activity(2, "ADV-0002", AS_OF - dt.timedelta(days=45)),
        ],
        Requests=[request()],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0003", "ADV-0002", "ADV-0001"]
    assert list(ranked[match.SCORE]) == [5 + 1.0, 5 + 0.5, 5 + 0.2]


def test_recently_verified_profiles_rank_above_stale_ones(make_program):
    # freshness = 1 - days since verified / stale_after_days (365), at least 0.
    program = make_program(
        Settings=[setting("weight.rest", "0"), setting("weight.outcome", "0")],
        Advocates=[
            advocate(1, last_verified=AS_OF - dt.timedelta(days=500)),
            advocate(2, last_verified=AS_OF - dt.timedelta(days=73)),
            advocate(3, last_verified=None),  # never verified
        ],
        Requests=[request()],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0001", "ADV-0003"]
    assert list(ranked[match.SCORE]) == [5.8, 5.0, 5.0]
    assert "profile not verified for 500 days" in ranked[match.REASONS].iloc[1]
    assert "profile never verified" in ranked[match.REASONS].iloc[2]


def test_good_past_outcomes_earn_a_small_bonus(make_program):
    program = make_program(
        Settings=[setting("weight.rest", "0"), setting("weight.freshness", "0")],
        Advocates=[advocate(1), advocate(2)],
        Activities=[
            activity(1, "ADV-0001", dt.date(2026, 3, 1), outcome="Negative"),
            activity(2, "ADV-0002", dt.date(2026, 3, 1), outcome="Positive"),
            activity(3, "ADV-0002", dt.date(2026, 4, 1), rating=2),
        ],
        Requests=[request()],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0001"]
    assert list(ranked[match.SCORE]) == [5 + 0.25, 5.0]  # weight 0.5 × 1 good of 2 judged


def test_settings_weights_change_the_order(make_program):
    rows = [advocate(1, products="Product A", region="APAC"), advocate(2, products="Product B")]
    requests = [request(product="Product A")]
    default = match.rank("REQ-000001", make_program(Advocates=rows, Requests=requests), as_of=AS_OF)
    assert default[A.advocate_id].iloc[0] == "ADV-0001"  # product 3 > region 2
    weights = CRITERIA_ONLY + [setting("weight.region", "5")]
    tuned = match.rank(
        "REQ-000001", make_program(Settings=weights, Advocates=rows, Requests=requests), as_of=AS_OF
    )
    assert tuned[A.advocate_id].iloc[0] == "ADV-0002"


def test_top_keeps_the_best_ones(make_program):
    program = make_program(
        Settings=CRITERIA_ONLY,
        Advocates=[advocate(1, industry="Retail"), advocate(2), advocate(3, region="APAC")],
        Requests=[request()],
    )
    assert list(match.rank("REQ-000001", program, as_of=AS_OF, top=2)[A.advocate_id]) == [
        "ADV-0002",
        "ADV-0003",
    ]


# ------------------------------------------------------------------------------------------------------------
# Requests as people write them


def test_a_described_request_is_read_like_a_typed_row(make_program):
    program = make_program(
        Settings=CRITERIA_ONLY,
        Advocates=[advocate(1, company_size="Enterprise"), advocate(2, region="APAC", company_size="SMB")],
    )
    described = {R.activity: "Reference Call", R.region: " emea", R.company_size: "enterprise"}
    ranked = match.rank(described, program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0001", "ADV-0002"]
    assert list(ranked[match.SCORE]) == [3.0, 0.0]


def test_a_request_with_no_criteria_ranks_by_rest_and_freshness_and_says_so(make_program):
    program = make_program(
        Settings=[setting("weight.outcome", "0")],
        Advocates=[advocate(1, last_verified=None), advocate(2, last_verified=AS_OF)],
        Activities=[activity(1, "ADV-0002", AS_OF - dt.timedelta(days=30))],
        Requests=[request(industry=None, region=None)],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    # ADV-0001: rested (1) + never verified (0) = 1; ADV-0002: rest 30/90 + verified today (1) = 1.33
    assert list(ranked[A.advocate_id]) == ["ADV-0002", "ADV-0001"]
    assert list(ranked[match.SCORE]) == [1.33, 1.0]
    assert ranked[match.FIT].isna().all()
    assert any("names no industry, product" in w for w in ranked.attrs["warnings"])


def test_an_unknown_activity_is_a_clear_input_error_naming_what_was_typed(make_program):
    program = make_program(Advocates=[advocate(1)], Requests=[request(activity="refrence call")])
    with pytest.raises(
        InputError, match=r"request REQ-000001: activity 'refrence call' is not one of reference_call"
    ):
        match.rank("REQ-000001", program, as_of=AS_OF)


def test_a_request_naming_no_activity_is_a_clear_input_error(make_program):
    program = make_program(Advocates=[advocate(1)])
    with pytest.raises(InputError, match="names no activity"):
        match.rank({R.industry: "Insurance"}, program, as_of=AS_OF)


def test_a_past_deadline_and_a_missing_opportunity_are_warnings_not_errors(make_program):
    program = make_program(
        Advocates=[advocate(1)],
        Requests=[request(needed_by=dt.date(2026, 11, 1), opportunity_id="OPP-404")],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0001"]
    warnings = ranked.attrs["warnings"]
    assert "request REQ-000001: was needed by 2026-11-01, 19 days ago" in warnings
    assert any("opportunity OPP-404 is not in the Opportunities tab" in w for w in warnings)


def test_an_unreadable_region_is_ignored_with_a_warning(make_program):
    program = make_program(Advocates=[advocate(1)], Requests=[request(region="Europe")])
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert any("region 'Europe' is not one of" in w for w in ranked.attrs["warnings"])
    assert "EMEA" not in ranked[match.REASONS].iloc[0]


def test_a_segment_with_no_advocate_at_all_is_flagged_as_a_recruiting_gap(make_program):
    program = make_program(
        Advocates=[advocate(1, industry="Healthcare", region="North America")],
        Requests=[request(industry="Healthcare", region="APAC")],
    )
    ranked = match.rank("REQ-000001", program, as_of=AS_OF)
    assert list(ranked[A.advocate_id]) == ["ADV-0001"]  # still shown: a person may choose them
    assert "no advocate at all in Healthcare · APAC: a recruiting gap" in ranked.attrs["warnings"]


def test_an_unknown_request_id_is_an_input_error(make_program):
    program = make_program(Advocates=[advocate(1)], Requests=[request()])
    with pytest.raises(InputError, match="no request 'REQ-000099' in the Requests tab"):
        match.rank("REQ-000099", program, as_of=AS_OF)


def test_a_row_of_the_requests_tab_can_be_ranked_directly(make_program):
    program = make_program(Advocates=[advocate(1)], Requests=[request(1), request(2, region="APAC")])
    row = program.requests.iloc[1]
    ranked = match.rank(row, program, as_of=AS_OF)
    assert "EMEA ≠ APAC" in ranked[match.REASONS].iloc[0]


# ---------------------------------------------------------------------------------------------------------
# Unreadable cells: an optional one is unknown (no points, a reason says so); a hard rule's own one refuses


def reasons_of(frame, advocate_id: str) -> str:
    return frame.set_index(A.advocate_id).loc[advocate_id, match.REASONS]


def test_an_unreadable_company_size_scores_nothing_says_so_and_keeps_the_advocate(make_program):
    program = make_program(
        Advocates=[advocate(1, **{A.company_size: "Enterprize"}), advocate(2, **{A.company_size: "SMB"})],
        Requests=[request(1, **{R.company_size: "Enterprise"})],
        Settings=CRITERIA_ONLY,
    )
    result = match.rank("REQ-000001", program, as_of=AS_OF)

    assert list(result[A.advocate_id]) == [
        "ADV-0001",
        "ADV-0002",
    ]  # both ranked, on industry and region alike
    assert 'company size "Enterprize" unreadable, not scored' in reasons_of(result, "ADV-0001")
    assert "SMB ≠ Enterprise" in reasons_of(result, "ADV-0002")


def test_an_unreadable_persona_or_region_is_unknown_not_a_mismatch(make_program):
    program = make_program(
        Advocates=[advocate(1, **{A.persona: "Boss", A.region: "Atlantis"})],
        Requests=[request(1, **{R.persona: "Executive"})],
        Settings=CRITERIA_ONLY,
    )
    reasons = reasons_of(match.rank("REQ-000001", program, as_of=AS_OF), "ADV-0001")

    assert 'persona "Boss" unreadable, not scored' in reasons
    assert 'region "Atlantis" unreadable, not scored' in reasons


def test_an_unreadable_verification_date_is_taken_as_never_verified_and_said(make_program):
    program = make_program(Advocates=[advocate(1, **{A.last_verified: "last spring"})], Requests=[request(1)])
    reasons = reasons_of(match.rank("REQ-000001", program, as_of=AS_OF), "ADV-0001")
    assert 'last verified "last spring" unreadable: taken as never' in reasons


def test_an_unreadable_status_still_refuses_and_says_why(make_program):
    program = make_program(Advocates=[advocate(1, **{A.status: "Activ"})], Requests=[request(1)])
    assert (
        excluded(match.eligibility("REQ-000001", program, as_of=AS_OF), "ADV-0001")
        == 'status "Activ" unreadable'
    )


def test_agreed_activities_with_an_unreadable_item_refuse_the_others_and_say_why(make_program):
    program = make_program(
        Advocates=[advocate(1, **{A.activities: "reference_call; speach"})],
        Requests=[request(1, **{R.activity: "speaking"}), request(2)],
    )
    assert excluded(match.eligibility("REQ-000001", program, as_of=AS_OF), "ADV-0001") == (
        'has not agreed to speaking (activities "speach" unreadable)'
    )
    assert list(match.rank("REQ-000002", program, as_of=AS_OF)[A.advocate_id]) == ["ADV-0001"]
