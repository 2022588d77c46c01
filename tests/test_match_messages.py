"""`match --open --apply --email|--dry-run`: the assignments an allocation writes send the same messages as
`request assign` (the account owner's approval ask, the requester's news), once each, through a real SMTP
server."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path

import pytest

from kit import schema
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import advocate, request
from tests.smtp_server import Server

A, R = schema.ADVOCATES.col, schema.REQUESTS.col
OWNER, REQUESTER, PM = "owner@example.com", "rep@example.com", "advocacy@example.com"
AS_OF = ["--as-of", "2026-11-20"]


@pytest.fixture
def workbook(make_workbook) -> Path:
    """One advocate with an account owner, one open request for them (a reference call in Insurance)."""
    return make_workbook(
        Advocates=[advocate(1, **{A.owner_email: OWNER, A.name: "Ana Lima"})],
        Requests=[request(1, **{R.needed_by: dt.date(2026, 12, 1)})],
    )


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "advocacy-kit.toml"
    path.write_text(
        f'reports_dir = "reports"\noutbox_dir = "outbox"\n[email]\nhost = "127.0.0.1"\nport = {port}\n'
        f'security = "none"\nfrom = "Advocacy program <{PM}>"\nretry_wait = 0\nattempts = 2\ntimeout = 5\n',
        encoding="utf-8",
    )
    return path


def _received(smtp_server: Server) -> list[tuple[str, str]]:
    found = []
    for rcpt, raw in smtp_server.mailbox.received:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        found.append((",".join(rcpt), str(message["X-Advocacy-Kit-Request"]).split()[1]))
    return found


def test_apply_with_email_sends_the_owners_ask_and_the_requesters_news_once(
    workbook, smtp_server, tmp_path, capsys
):
    config = _config(tmp_path, smtp_server.port)
    args = [
        "--config",
        str(config),
        "match",
        "--open",
        "--apply",
        "--email",
        "--source",
        str(workbook),
        *AS_OF,
    ]

    code, out, err = run(args, capsys)
    again, _, _ = run(args, capsys)  # nothing open and unassigned: nothing written, nothing sent

    assert code == 0, err
    assert "REQ-000001: New → Owner Approval (ADV-0001; waiting on owner@example.com)" in out
    assert again == 0
    assert _received(smtp_server) == [(OWNER, "owner_ask"), (REQUESTER, "requester_assigned")]
    assert LocalStore(workbook).read().requests.iloc[0][R.status] == "Owner Approval"


def test_apply_with_dry_run_and_json_writes_the_outbox_and_keeps_stdout_json(
    workbook, smtp_server, tmp_path, capsys
):
    config = _config(tmp_path, smtp_server.port)

    code, out, err = run(
        [
            "--config",
            str(config),
            "match",
            "--open",
            "--apply",
            "--dry-run",
            "--json",
            "--source",
            str(workbook),
        ]
        + AS_OF,
        capsys,
    )

    assert code == 0, err
    assert json.loads(out)["written"] == ["REQ-000001"]
    written = sorted(p.name.split("_", 1)[1] for p in (tmp_path / "outbox").glob("*.eml"))
    assert written == ["REQ-000001_owner_ask.eml", "REQ-000001_requester_assigned.eml"]
    assert _received(smtp_server) == []


def test_email_without_apply_is_refused_and_nothing_is_written(workbook, smtp_server, tmp_path, capsys):
    config = _config(tmp_path, smtp_server.port)
    before = workbook.stat().st_mtime_ns

    code, _, err = run(
        ["--config", str(config), "match", "--open", "--email", "--source", str(workbook)], capsys
    )

    assert code == 2 and "--apply" in err
    assert workbook.stat().st_mtime_ns == before and _received(smtp_server) == []
