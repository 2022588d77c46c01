"""`advocacy-kit match` as a program manager uses it: rank one request, propose a whole allocation, and write
it back only with --apply, never over a request someone changed since it was read."""

from __future__ import annotations

import json

import pytest

from kit import schema
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import AS_OF, advocate, request

A, R = schema.ADVOCATES.col, schema.REQUESTS.col
DAY = ["--as-of", AS_OF.isoformat()]


def requests_by_id(path) -> dict[str, tuple]:
    frame = LocalStore(path).read().requests
    return {r[R.request_id]: (r[R.advocate_id], r[R.status]) for _, r in frame.iterrows()}


@pytest.fixture
def workbook(make_workbook):
    return make_workbook(
        Advocates=[
            advocate(1, name="Ana Best", products="Product A", email="ana@customer.example"),
            advocate(2, name="Ben Next", products="Product B"),
            advocate(3, name="Cy Retail", industry="Retail"),
        ],
        Requests=[
            request(1, product="Product A", priority="Urgent"),
            request(2, industry="Retail"),
            request(3, industry="Healthcare", region="APAC"),
            request(4, status="Scheduled", advocate_id="ADV-0002"),
        ],
    )


def test_match_request_prints_the_best_candidates_with_their_reasons(workbook, capsys):
    code, out, _ = run(["match", "REQ-000001", "--top", "2", "--source", str(workbook), *DAY], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Advocates for REQ-000001 as of 2026-11-20:"
    assert lines[1].startswith("  1. ADV-0001  Ana Best (Company 1)  score ")
    assert (
        lines[2].strip().startswith("same industry (Insurance), same product (Product A), same region (EMEA)")
    )
    assert lines[3].startswith("  2. ADV-0002  Ben Next")
    assert len([line for line in lines if line[:4].strip().endswith(".")]) == 2
    assert "ana@customer.example" not in out  # no contact details in what is shown around


def test_match_request_as_json_carries_warnings_and_candidates(workbook, capsys):
    code, out, _ = run(["match", "REQ-000003", "--json", "--source", str(workbook), *DAY], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["request_id"] == "REQ-000003"
    assert "no advocate at all in Healthcare · APAC: a recruiting gap" in payload["warnings"]
    assert [c[A.advocate_id] for c in payload["candidates"]][:1] == ["ADV-0001"]
    assert {"score", "reasons", "uses_this_quarter", "cap", "last_used"} <= set(payload["candidates"][0])


def test_match_open_proposes_and_writes_nothing_without_apply(workbook, capsys):
    before = workbook.read_bytes()
    code, out, _ = run(["match", "--open", "--source", str(workbook), *DAY], capsys)
    assert code == 0
    assert "3 open request(s) as of 2026-11-20: 2 served, 1 not." in out
    assert "REQ-000001 → ADV-0001 Ana Best (Company 1)  [Urgent]" in out
    assert "REQ-000002 → ADV-0003 Cy Retail" in out
    assert "Recruiting gaps (no advocate at all in the segment): 1" in out
    assert "  REQ-000003: no advocate at all in Healthcare · APAC: a recruiting gap" in out
    assert "Nothing was written" in out
    assert workbook.read_bytes() == before


def test_match_open_apply_assigns_as_request_assign_does_and_says_where_each_went(workbook, capsys):
    # The rules of the write (conflicts, refusals) are specified in test_actions and test_request_life.
    code, out, _ = run(["match", "--open", "--apply", "--source", str(workbook), *DAY], capsys)
    assert code == 0
    assert "Wrote 2 assignment(s):" in out
    assert "REQ-000001: New → Advocate Asked (ADV-0001)" in out  # no account owner to approve
    assert requests_by_id(workbook) == {
        "REQ-000001": ("ADV-0001", "Advocate Asked"),
        "REQ-000002": ("ADV-0003", "Advocate Asked"),
        "REQ-000003": (None, "New"),
        "REQ-000004": ("ADV-0002", "Scheduled"),
    }


def test_match_apply_help_says_it_assigns_as_request_assign_does(capsys):
    code, out, _ = run(["match", "--help"], capsys)
    assert code == 0
    text = "".join(out.split())  # click may wrap inside a word
    assert "as`advocacy-kitrequestassign`does(OwnerApproval" in text


def test_match_needs_a_request_or_open(workbook, capsys):
    code, _, err = run(["match", "--source", str(workbook)], capsys)
    assert code == 2 and "give a REQUEST_ID or --open" in err
    code, _, err = run(["match", "REQ-000001", "--apply", "--source", str(workbook)], capsys)
    assert code == 2 and "--apply writes an allocation: use it with --open" in err


def test_an_unknown_request_id_is_one_line_and_exit_2(workbook, capsys):
    code, out, err = run(["match", "REQ-000099", "--source", str(workbook), *DAY], capsys)
    assert code == 2
    assert err.strip() == "advocacy-kit: error: no request 'REQ-000099' in the Requests tab"


def test_match_open_on_the_demo_lists_the_planted_gap(demo_workbook, demo_program, capsys):
    requests = demo_program.requests
    planted = requests[
        requests[R.status].isin(["New", "In Progress"])
        & requests[R.advocate_id].isna()
        & (requests[R.industry] == "Healthcare")
        & (requests[R.region] == "APAC")
    ]
    code, out, _ = run(["match", "--open", "--json", "--source", str(demo_workbook), *DAY], capsys)
    assert code == 0
    payload = json.loads(out)
    gaps = [u[R.request_id] for u in payload["unserved"] if u["reason_code"] == "recruiting_gap"]
    assert sorted(gaps) == sorted(planted[R.request_id]) and gaps
    assert payload["assignments"] and payload["written"] == []
