"""`advocacy-kit validate` and `advocacy-kit health` as a program manager runs them on a workbook."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kit import schema
from kit.store.local import LocalStore
from kit.validate import FINDING_COLUMNS
from tests.command_line import run
from tests.factories import DEMO_AS_OF, advocate, request

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
AS_OF = ["--as-of", DEMO_AS_OF.isoformat()]
# The advocate the printed work-list names, verified long ago (a warning, not an error).
DANA = {A.advocate_id: "ADV-1", A.name: "Dana Ortiz", A.company: "Acme", A.last_verified: "2024-01-01"}


@pytest.fixture
def messy_workbook(make_workbook):
    """Row 3 of Advocates has a company size typo (an error); row 2 is stale (a warning)."""
    return make_workbook(
        Advocates=[
            advocate(1, **DANA),
            advocate(2, **{A.company_size: "Enterprize"}),
        ],
        Requests=[request(1, **{R.advocate_id: "ADV-9"})],
    )


def test_demo_workbook_has_no_errors_and_warns_about_the_planted_stale_and_over_used(
    demo_workbook, demo_frames, capsys
):
    code, out, _ = run(["validate", "--source", str(demo_workbook), "--json", *AS_OF], capsys)
    findings = pd.DataFrame(json.loads(out))

    assert code == 0
    assert set(findings["code"]) == {"stale_profile", "over_cap"}
    assert set(findings["severity"]) == {"warning"}

    # The same facts computed by hand from the demo's typed frames (sheet row = frame position + 2).
    roster, activities, requests = (
        demo_frames[t.name] for t in (schema.ADVOCATES, schema.ACTIVITIES, schema.REQUESTS)
    )
    today = pd.Timestamp(DEMO_AS_OF)
    current = ~roster[A.status].isin(["Retired", "Do Not Contact"])
    stale = roster.index[current & ((today - roster[A.last_verified]).dt.days > 365)] + 2
    q4 = (pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31"))
    done = activities[activities[schema.ACTIVITIES.col.date].between(*q4)].groupby(A.advocate_id).size()
    open_ = requests[
        requests[R.status].isin(schema.OPEN_REQUEST_STATUSES) & requests[R.requested_on].between(*q4)
    ]
    asked = open_.groupby(R.advocate_id).size()
    uses = roster[A.advocate_id].map(done).fillna(0) + roster[A.advocate_id].map(asked).fillna(0)
    over = roster.index[uses > roster[A.max_per_quarter].fillna(4)] + 2

    assert set(findings.loc[findings["code"] == "stale_profile", "row"]) == set(stale)
    assert set(findings.loc[findings["code"] == "over_cap", "row"]) == set(over)
    assert len(over) >= 3  # the planted enthusiasts


def test_errors_exit_1_and_the_table_is_grouped_by_tab_with_cells(messy_workbook, capsys):
    code, out, _ = run(["validate", "--source", str(messy_workbook), *AS_OF], capsys)

    assert code == 1
    lines = out.splitlines()
    advocates = lines.index("Advocates: 1 error, 1 warning")
    requests = lines.index("Requests: 1 error, 0 warnings")
    assert advocates < requests
    company_size = next(line for line in lines if "bad_enum" in line)
    assert company_size.split()[0] == "I3"  # company_size is column I
    assert 'did you mean "Enterprise"?' in company_size
    assert lines[-1] == "2 errors, 1 warning."


def test_warnings_alone_exit_0(make_workbook, capsys):
    path = make_workbook(Advocates=[advocate(1, **DANA)])

    code, out, _ = run(["validate", "--source", str(path), *AS_OF], capsys)

    assert code == 0
    assert "stale_profile" in out


def test_unreadable_workbook_exits_2_with_one_line(tmp_path, capsys):
    code, out, err = run(["validate", "--source", str(tmp_path / "missing.xlsx")], capsys)

    assert code == 2
    assert out == ""
    assert err.strip().count("\n") == 0 and "missing.xlsx" in err


def test_workbook_without_a_tab_exits_2(tmp_path, capsys):
    grids = {t.name: [t.names] for t in schema.TABS if t is not schema.REQUESTS}
    path = tmp_path / "partial.xlsx"
    LocalStore(path).write_grids(grids)

    code, _, err = run(["validate", "--source", str(path)], capsys)

    assert code == 2
    assert "Requests" in err


def test_json_is_a_list_of_finding_records_with_values_as_typed(messy_workbook, capsys):
    _, out, _ = run(["validate", "--source", str(messy_workbook), "--json", *AS_OF], capsys)
    records = json.loads(out)

    assert all(tuple(r) == FINDING_COLUMNS for r in records)
    typo = next(r for r in records if r["code"] == "bad_enum")
    assert (typo["table"], typo["row"], typo["column"], typo["value"]) == (
        "Advocates",
        3,
        A.company_size,
        "Enterprize",
    )


def test_tab_filters_the_findings_and_the_exit_code(make_workbook, capsys):
    path = make_workbook(
        Advocates=[advocate(1, **DANA)],
        Requests=[request(1, **{R.advocate_id: "ADV-9"})],
    )

    code, out, _ = run(["validate", "--source", str(path), "--tab", "advocates", "--json", *AS_OF], capsys)

    assert code == 0  # the only error is on Requests
    assert {r["table"] for r in json.loads(out)} == {"Advocates"}


def test_unknown_tab_is_a_one_line_error(messy_workbook, capsys):
    code, _, err = run(["validate", "--source", str(messy_workbook), "--tab", "Advocate"], capsys)

    assert code == 2
    assert "--tab 'Advocate'" in err and "Advocates" in err


def test_write_issues_fills_the_issues_tab_with_cell_references_and_touches_nothing_else(
    messy_workbook, capsys
):
    store = LocalStore(messy_workbook)
    before = store.read_grids()

    run(["validate", "--source", str(messy_workbook), "--write-issues", *AS_OF], capsys)
    run(
        ["validate", "--source", str(messy_workbook), "--write-issues", *AS_OF], capsys
    )  # replaces, not appends

    after = store.read_grids()
    issues = after[schema.ISSUES_TAB_NAME]
    assert issues[0][:3] == ["cell", "table", "row"]
    cells = sorted(row[0] for row in issues[1:])
    assert cells == ["Advocates!I3", "Advocates!T2", "Requests!Q2"]
    assert {name: trimmed(grid) for name, grid in after.items() if name != schema.ISSUES_TAB_NAME} == {
        name: trimmed(grid) for name, grid in before.items()
    }


def trimmed(grid: list[list[object]]) -> list[list[object]]:
    """A grid without trailing empty cells (a re-saved workbook may pad rows to the sheet's width)."""
    rows = []
    for row in grid:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def test_health_prints_the_work_list(make_workbook, capsys):
    path = make_workbook(Advocates=[advocate(1, **DANA)])

    code, out, _ = run(["health", "--source", str(path), *AS_OF], capsys)

    assert code == 0
    assert "Re-verify these profiles next (1)" in out
    assert "ADV-1  Dana Ortiz (Acme): verified 1054 days ago" in out
    scores = {line.split()[0]: line.split()[1:] for line in out.splitlines()[3:10]}
    assert scores["Advocates"] == ["1", "0", "1", "100.0%"]
    assert scores["Requests"] == ["0", "0", "0", "100.0%"]


def test_health_json_is_the_whole_work_list(messy_workbook, capsys):
    code, out, _ = run(["health", "--source", str(messy_workbook), "--json", *AS_OF], capsys)
    data = json.loads(out)

    assert code == 0
    assert set(data) == {
        "as_of",
        "reverify",
        "resting",
        "waiting_nominations",
        "scores",
        "requests_past_sla",
        "requests_due_soon",
    }
    assert [r["advocate_id"] for r in data["reverify"]] == ["ADV-1"]
    scores = {s["tab"]: s for s in data["scores"]}
    assert scores["Advocates"]["rows_with_errors"] == 1
    assert scores["Advocates"]["share_without_errors"] == 0.5
