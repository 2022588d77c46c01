"""The program manager's daily digest (issue 20): each list against a hand-built program, sent once a day through
a real SMTP smtp_server, nothing on an empty day, scheduled daily, and readable on a phone."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest

from kit import schema
from kit.digest import digest, render
from kit.validate import validate
from tests.command_line import run
from tests.factories import (
    AS_OF,
    activity,
    advocate,
    history,
    nomination,
    request,
    setting,
)
from tests.factories import program as program_of

A, R, N, H = schema.ADVOCATES.col, schema.REQUESTS.col, schema.NOMINATIONS.col, schema.HISTORY.col
PM = "pm@example.com"


def waiting(n: int, status: str, **cells) -> dict:
    """An open case-study request (SLA 45 days, so on time on AS_OF) in ``status`` with ADV-0001."""
    return request(n, **{R.activity: "case_study", R.status: status, R.advocate_id: "ADV-0001", **cells})


def moved(request_id: str, to: str, at: str) -> dict:
    return history(request_id, **{H.to_status: to, H.at: at, H.from_status: "New"})


def tabs() -> dict:
    """AS_OF is Friday 20 November 2026. What each row should put on the list is said beside it."""
    return {
        "Advocates": [
            advocate(1, **{A.max_per_quarter: 20}),  # on every waiting request: never over its cap
            advocate(2, **{A.last_verified: dt.date(2025, 1, 1)}),  # re-verify (stale after 365 days)
            advocate(3, **{A.max_per_quarter: 1}),  # two activities this quarter against 1: over
            advocate(4, **{A.max_per_quarter: 1}),  # one against 1: at the cap, not over
        ],
        "Activities": [
            activity(1, "ADV-0003", dt.date(2026, 10, 5)),
            activity(2, "ADV-0003", dt.date(2026, 11, 2)),
            activity(3, "ADV-0004", dt.date(2026, 11, 2)),
        ],
        "Requests": [
            request(1, **{R.requested_on: dt.date(2026, 11, 10)}),  # call, SLA 5 days: due 15 Nov, past
            request(2, **{R.activity: "review", R.requested_on: dt.date(2026, 11, 15)}),  # due 22 Nov: soon
            request(
                3, **{R.activity: "review", R.requested_on: dt.date(2026, 11, 18)}
            ),  # due 25 Nov: on time
            waiting(4, "Owner Approval"),  # asked the owner 17 Nov: 3 days > 2, listed
            waiting(5, "Owner Approval"),  # asked the owner 19 Nov: 1 day
            waiting(6, "Advocate Asked"),  # asked 14 Nov: 6 days > 5, listed
            waiting(7, "Advocate Asked"),  # asked 1 Nov, then again 18 Nov: the last move counts, 2 days
            waiting(
                8, "Advocate Asked", **{R.requested_on: dt.date(2026, 11, 10)}
            ),  # no History: since logged
            waiting(9, "Advocate Asked", **{R.requested_on: dt.date(2026, 11, 15)}),  # no History: 5 days
        ],
        "History": [
            moved("REQ-000004", "Owner Approval", "2026-11-17T09:00:00Z"),
            moved("REQ-000005", "Owner Approval", "2026-11-19T16:00:00Z"),
            moved("REQ-000006", "Advocate Asked", "2026-11-14T08:00:00Z"),
            moved("REQ-000007", "Advocate Asked", "2026-11-01T08:00:00Z"),
            moved("REQ-000007", "Advocate Asked", "2026-11-18T08:00:00Z"),
        ],
        "Nominations": [
            nomination(1, **{N.submitted_on: dt.date(2026, 11, 10)}),  # 10 days: listed
            nomination(2, **{N.submitted_on: dt.date(2026, 11, 15)}),  # 5 days
            nomination(3, **{N.submitted_on: dt.date(2026, 10, 1), N.status: "Accepted"}),  # decided
        ],
    }


def ids(frame, column) -> list[str]:
    return list(frame[column])


def test_each_list_holds_what_a_person_counting_the_sheet_finds():
    program = program_of(**tabs())

    work = digest(program, validate(program, as_of=AS_OF), as_of=AS_OF)

    assert ids(work.past_sla, R.request_id) == ["REQ-000001"]
    assert ids(work.due_soon, R.request_id) == ["REQ-000002"]
    assert ids(work.waiting_on_owner, R.request_id) == ["REQ-000004"]
    assert list(work.waiting_on_owner["days_waiting"]) == [3]
    assert ids(work.waiting_on_advocate, R.request_id) == ["REQ-000008", "REQ-000006"]  # 10 days, then 6
    assert ids(work.nominations, N.nomination_id) == ["NOM-00001"]
    assert ids(work.reverify, A.advocate_id) == ["ADV-0002"]
    assert ids(work.over_cap, A.advocate_id) == ["ADV-0003"]


def test_owner_approval_days_from_the_settings_tab_moves_the_line():
    rows = tabs()
    rows["Settings"] = [setting("owner_approval_days", 1)]
    program = program_of(**rows)

    work = digest(program, validate(program, as_of=AS_OF), as_of=AS_OF)

    assert ids(work.waiting_on_owner, R.request_id) == ["REQ-000004"]  # 3 days > 1; REQ-000005's 1 day is not
    assert "Waiting on an account owner for more than 1 day (1)" in render(work)[0]


def test_empty_lists_are_left_out_of_the_words():
    rows = tabs()
    rows["Nominations"] = []
    program = program_of(**rows)

    text, html = render(digest(program, validate(program, as_of=AS_OF), as_of=AS_OF))

    assert "Past their SLA (1)" in text and "Nominations" not in text and "Nominations" not in html


# ------------------------------------------------------------------------------------------------------------
# From the command line: once a day, nothing on an empty day


def config_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "advocacy-kit.toml"
    path.write_text(
        f'reports_dir = "reports"\n[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from = "Advocacy program <advocacy@example.com>"\nretry_wait = 0\nattempts = 2\n'
        f'[email.recipients]\ndigest = ["{PM}"]\n[schedule]\ndigest = "07:30"\n',
        encoding="utf-8",
    )
    return path


def test_the_digest_is_emailed_once_a_day(smtp_server, make_workbook, tmp_path, capsys):
    path = make_workbook(**tabs())
    config = config_file(tmp_path, smtp_server.port)
    send = ["--config", str(config), "report", "digest", "--source", str(path), "--email"]

    outs = [run([*send, "--as-of", day], capsys) for day in ("2026-11-20", "2026-11-20", "2026-11-21")]

    assert [code for code, _, _ in outs] == [0, 0, 0]
    assert "already e-mailed today" in outs[1][1]
    messages = [
        email.message_from_bytes(raw, policy=email.policy.default) for _, raw in smtp_server.mailbox.received
    ]
    assert [rcpt for rcpt, _ in smtp_server.mailbox.received] == [[PM], [PM]]
    first = messages[0]
    assert str(first["Subject"]).startswith(
        "Advocacy work-list for Friday 20 November: 1 past SLA, 1 due soon"
    )
    text = first.get_body(("plain",)).get_content()
    assert "REQ-000001" in text and "REQ-000004" in text and "NOM-00001" in text and "ADV-0003" in text
    assert "REQ-000003" not in text and "REQ-000005" not in text  # on time; waiting 1 day only


def test_an_empty_day_sends_nothing_and_says_so(smtp_server, make_workbook, tmp_path, capsys):
    path = make_workbook(Advocates=[advocate(1)], Requests=[request(1, **{R.status: "Completed"})])
    config = config_file(tmp_path, smtp_server.port)

    code, out, err = run(
        ["--config", str(config), "report", "digest", "--source", str(path), "--email"], capsys
    )

    assert code == 0, err
    assert out.count("\n") == 1 and "no digest" in out
    assert smtp_server.mailbox.received == []


def test_report_all_is_still_the_two_reports_and_digest_takes_no_period(make_workbook, capsys):
    from kit.report import report_names

    assert report_names("all") == ["goal-tracking", "executive-update"]
    code, _, err = run(["report", "digest", "--period", "2026-Q4", "--source", "x.xlsx"], capsys)
    assert code == 2 and "--period" in err


def test_schedule_runs_the_digest_every_day_at_its_time(smtp_server, tmp_path, capsys):
    config = config_file(tmp_path, smtp_server.port)

    code, out, _ = run(["--config", str(config), "schedule"], capsys)

    assert code == 0
    (line,) = [line for line in out.splitlines() if "report digest" in line]
    assert line.startswith("30 7 * * * ") and line.endswith("report digest --email >/dev/null")


# ------------------------------------------------------------------------------------------------------------
# What a person sees


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 600])
def test_the_digest_reads_on_a_phone_without_scrolling_sideways(chromium, width, tmp_path):
    rows = tabs()
    rows["Advocates"].append(
        advocate(9, **{A.name: "Maximiliana Wolfeschlegelsteinhausen-Bergerdorff", A.company: "X" * 60})
    )
    rows["Advocates"][-1][A.last_verified] = None
    program = program_of(**rows)
    _, html = render(digest(program, validate(program, as_of=AS_OF), as_of=AS_OF))
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(tmp_path / f"digest-{width}.png"), full_page=True)
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        text = page.inner_text("body")
    finally:
        page.close()

    assert scroll <= client, f"{scroll} px of content in a {client} px window"
    assert "Past their SLA" in text and "Maximiliana" in text
