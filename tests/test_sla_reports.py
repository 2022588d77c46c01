"""The reports on the demo program say what the request queue says: the executive update's within-SLA share
per team, and goal tracking's requests past their SLA and due soon, counted as `requests --open --json` counts
them (the queue itself is checked against the workbook's cells in test_requests_cli)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.command_line import run
from tests.factories import DEMO_AS_OF

AS_OF = ["--as-of", DEMO_AS_OF.isoformat()]


def _text(page: Path) -> str:
    """What a reader sees: the page without its tags, spaces collapsed."""
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def _section(text: str, heading: str, length: int = 1500) -> str:
    start = text.index(heading)
    return text[start : start + length]


def _queue(demo_workbook, capsys) -> list[dict]:
    code, out, _ = run(["requests", "--open", "--json", "--source", str(demo_workbook), *AS_OF], capsys)
    assert code == 0
    return json.loads(out)


def _report(name: str, demo_workbook, tmp_path, capsys) -> str:
    out = tmp_path / name
    code, _, err = run(["report", name, "--source", str(demo_workbook), "--out", str(out), *AS_OF], capsys)
    assert code == 0, err
    (page,) = out.glob("*.html")
    return _text(page)


def test_executive_update_shows_each_teams_share_within_sla_with_its_n(demo_workbook, tmp_path, capsys):
    import openpyxl

    text = _report("executive-update", demo_workbook, tmp_path, capsys)

    # Worked out from the workbook's cells: Q4 2026 up to as_of, completed reference calls and the rest
    # against the Settings tab's sla_days, in calendar days (the demo's sla_business_days is off).
    book = openpyxl.load_workbook(demo_workbook, read_only=True)
    rows = list(book["Requests"].iter_rows(values_only=True))
    settings = {k: v for k, v, *_ in book["Settings"].iter_rows(min_row=2, values_only=True) if k}
    header = rows[0]
    teams: dict[str, list[int]] = {}
    for cells in rows[1:]:
        r = dict(zip(header, cells, strict=False))
        done = r.get("completed_on")
        if r.get("status") != "Completed" or done is None or r.get("requested_on") is None:
            continue
        if not (DEMO_AS_OF.replace(month=10, day=1) <= done.date() <= DEMO_AS_OF):
            continue
        allowed = int(settings.get(f"sla_days.{r['activity']}") or settings["sla_days.default"])
        within = (done - r["requested_on"]).days <= allowed
        teams.setdefault(r["team"], [0, 0])
        teams[r["team"]][0] += 1
        teams[r["team"]][1] += within
    book.close()

    section = _section(text, "requests fulfilled within SLA, by team")
    assert len(teams) >= 3
    for team, (n, within) in teams.items():
        assert f"{team} {n} {within} {round(100 * within / n)}%" in section


def test_goal_tracking_counts_and_lists_past_sla_and_due_soon_requests_as_the_queue_does(
    demo_workbook, tmp_path, capsys
):
    queue = _queue(demo_workbook, capsys)
    past = [r["request_id"] for r in queue if r["sla_state"] == "past_sla"]
    soon = [r["request_id"] for r in queue if r["sla_state"] == "due_soon"]

    text = _report("goal-tracking", demo_workbook, tmp_path, capsys)

    assert len(past) > 0
    assert f"Past their SLA now {len(past)} " in text
    assert f"Due soon on their SLA {len(soon)} " in text
    listed = _section(text, "Past their SLA or due soon", 6000).split("Within SLA by requesting team")[0]
    assert sorted(re.findall(r"REQ-\d{6}", listed)) == sorted(past + soon)
