"""`advocacy-kit requests` as a program manager runs it: the queue with each request's SLA clock.

On the demo program the JSON is checked against a computation from the workbook's own cells (read with
openpyxl, due days added by hand); on small workbooks, against dates worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from kit import schema
from tests.command_line import run
from tests.factories import DEMO_AS_OF, request, setting

R = schema.REQUESTS.col
DAY = dt.date
AS_OF = ["--as-of", DEMO_AS_OF.isoformat()]  # Friday 20 November 2026
OPEN = ("New", "In Progress", "Owner Approval", "Advocate Asked", "Scheduled")  # the schema's open statuses


def _cells(path: Path) -> tuple[list[dict], dict[str, str]]:
    """The Requests rows as {header: cell} and the Settings tab as {key: value}, straight from the file."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["Requests"].iter_rows(values_only=True))
    header = rows[0]
    requests = [dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in rows[1:]]
    settings = {k: v for k, v, *_ in book["Settings"].iter_rows(min_row=2, values_only=True) if k}
    book.close()
    return [r for r in requests if r["request_id"]], settings


def _day(cell) -> dt.date | None:
    return cell.date() if isinstance(cell, dt.datetime) else cell


def _hand_queue(path: Path, as_of: dt.date, business: bool = False) -> dict[str, dict]:
    """Every open request's due day and state, worked out from the cells without the kit."""
    requests, settings = _cells(path)
    soon = int(settings.get("due_soon_hours") or 72) // 24
    expected = {}
    for r in requests:
        requested = _day(r["requested_on"])
        if r["status"] not in OPEN or requested > as_of:
            continue
        days = int(settings.get(f"sla_days.{r['activity']}") or settings["sla_days.default"])
        if business:
            due = np.busday_offset(requested, days, roll="forward").item()
        else:
            due = requested + dt.timedelta(days=days)
        left = (due - as_of).days
        state = "past_sla" if left < 0 else "due_soon" if left <= soon else "on_time"
        expected[r["request_id"]] = {"status": r["status"], "sla_due": due.isoformat(), "sla_state": state}
    return expected


def test_on_the_demo_the_open_queue_agrees_with_due_days_worked_out_from_the_workbook_cells(
    demo_workbook, capsys
):
    code, out, _ = run(["requests", "--open", "--json", "--source", str(demo_workbook), *AS_OF], capsys)
    records = json.loads(out)
    expected = _hand_queue(demo_workbook, DEMO_AS_OF)

    assert code == 0
    got = {r["request_id"]: {k: r[k] for k in ("status", "sla_due", "sla_state")} for r in records}
    assert got == expected
    assert sum(e["sla_state"] == "past_sla" for e in expected.values()) > 5  # the demo has a backlog


def test_on_the_demo_the_queue_puts_past_sla_first_then_the_soonest_due(demo_workbook, capsys):
    _, out, _ = run(["requests", "--open", "--json", "--source", str(demo_workbook), *AS_OF], capsys)
    records = json.loads(out)
    states = [r["sla_state"] for r in records]
    rank = {"past_sla": 0, "due_soon": 1, "on_time": 2}

    assert [rank[s] for s in states] == sorted(rank[s] for s in states)
    assert [r["sla_due"] for r in records] == sorted(r["sla_due"] for r in records)


def test_on_the_demo_with_business_days_the_due_days_follow_numpy_busday_offset(
    demo_workbook, tmp_path, capsys
):
    path = tmp_path / "business.xlsx"
    shutil.copy(demo_workbook, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Settings"]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "sla_business_days"]
    row[1].value = "TRUE"
    book.save(path)

    _, out, _ = run(["requests", "--open", "--json", "--source", str(path), *AS_OF], capsys)
    got = {r["request_id"]: {k: r[k] for k in ("status", "sla_due", "sla_state")} for r in json.loads(out)}

    assert got == _hand_queue(path, DEMO_AS_OF, business=True)
    assert got != _hand_queue(demo_workbook, DEMO_AS_OF)


@pytest.fixture
def small_workbook(make_workbook):
    return make_workbook(
        Requests=[
            request(1, **{R.requested_on: DAY(2026, 11, 19), R.activity: "case_study"}),  # due 3 Jan: on time
            request(2, **{R.requested_on: DAY(2026, 11, 2), R.team: "PR"}),  # due 7 Nov: past SLA
            request(3, **{R.requested_on: DAY(2026, 11, 18), R.needed_by: DAY(2026, 11, 19)}),  # due 23 Nov
            request(
                4,
                **{R.requested_on: DAY(2026, 11, 2), R.status: "Completed", R.completed_on: DAY(2026, 11, 6)},
            ),
            request(5, **{R.requested_on: DAY(2026, 11, 25)}),  # after the day of the check
        ],
        Settings=[setting("sla_days.case_study", 45)],
    )


def test_the_queue_on_a_terminal_lists_the_most_urgent_first_with_due_day_and_state(small_workbook, capsys):
    code, out, _ = run(["requests", "--source", str(small_workbook), *AS_OF], capsys)
    lines = out.splitlines()
    order = [line.split()[0] for line in lines if line.startswith("REQ-")]

    assert code == 0
    assert lines[0].startswith(
        "Requests on 2026-11-20: 4 (1 past sla, 1 due soon, 1 on time, 0 missed, 1 met)"
    )
    assert order == ["REQ-000002", "REQ-000003", "REQ-000001", "REQ-000004"]
    (past,) = [line for line in lines if line.startswith("REQ-000002")]
    assert "2026-11-07" in past and "past sla" in past and "PR" in past
    (soon,) = [line for line in lines if line.startswith("REQ-000003")]
    assert "2026-11-23" in soon and "due soon" in soon and "2026-11-19 !" in soon
    assert "REQ-000005" not in out


def test_open_leaves_out_finished_requests_and_json_carries_the_clock(small_workbook, capsys):
    _, out, _ = run(["requests", "--open", "--json", "--source", str(small_workbook), *AS_OF], capsys)
    records = {r["request_id"]: r for r in json.loads(out)}

    assert set(records) == {"REQ-000001", "REQ-000002", "REQ-000003"}
    assert {k: records["REQ-000003"][k] for k in ("status", "sla_due", "sla_state", "needed_by", "late")} == {
        "status": "New",
        "sla_due": "2026-11-23",
        "sla_state": "due_soon",
        "needed_by": "2026-11-19",
        "late": True,  # its needed_by has passed though its SLA has not
    }
    assert records["REQ-000002"]["days_open"] == 18
    assert records["REQ-000001"]["sla_due"] == "2027-01-03"


def test_team_keeps_only_that_teams_requests_whatever_its_case(small_workbook, capsys):
    code, out, _ = run(
        ["requests", "--team", "pr", "--json", "--source", str(small_workbook), *AS_OF], capsys
    )

    assert code == 0
    assert [r["request_id"] for r in json.loads(out)] == ["REQ-000002"]


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("--team", "Marketing", "--team 'Marketing': no such team"), ("--as-of", "20/11/2026", "--as-of")],
)
def test_a_bad_team_or_day_is_one_line_and_exit_2(small_workbook, capsys, option, value, named):
    code, out, err = run(["requests", option, value, "--source", str(small_workbook)], capsys)

    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert named in err


def test_on_the_demo_the_reports_past_sla_and_due_soon_counts_are_the_queues(demo_workbook, capsys):
    from kit.metrics import measure
    from kit.store.local import LocalStore

    _, out, _ = run(["requests", "--open", "--json", "--source", str(demo_workbook), *AS_OF], capsys)
    states = [r["sla_state"] for r in json.loads(out)]

    service = measure(LocalStore(demo_workbook).read(), period="2026-Q4", as_of=DEMO_AS_OF).service

    assert states.count("past_sla") > 0
    assert (service.past_sla, service.due_soon) == (states.count("past_sla"), states.count("due_soon"))
    assert service.open == len(states)
    watch = service.sla_watch
    expected = {
        r["request_id"]: r["sla_state"] for r in json.loads(out) if r["sla_state"] in ("past_sla", "due_soon")
    }
    assert dict(zip(watch[R.request_id], watch["sla_state"], strict=True)) == expected
    assert list(watch["sla_state"]) == sorted(watch["sla_state"], key=["past_sla", "due_soon"].index)
