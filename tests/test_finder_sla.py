"""The finder's request matcher and the SLA clock: open requests listed with their SLA due day, past-SLA
and due-soon counted, most urgent first; and Assign sending the messages `request assign --email|--dry-run`
sends, through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html

from kit import schema
from kit.config import load_config
from kit.mail.request_messages import messenger
from kit.store.local import LocalStore
from kit.widgets import NEW_REQUEST, request_matcher
from tests.factories import advocate, request

A, R = schema.ADVOCATES.col, schema.REQUESTS.col
AS_OF = dt.date(2026, 11, 20)  # a Friday
OWNER, REQUESTER = "owner@example.com", "rep@example.com"


def _requests() -> list[dict]:
    # Reference calls, SLA 5 calendar days, due_soon_hours 72 (3 days):
    #   REQ-1 requested 10 Nov: due 15 Nov, past its SLA on the 20th;
    #   REQ-2 requested 17 Nov: due 22 Nov, 2 days away: due soon;
    #   REQ-3 requested 19 Nov: due 24 Nov, 4 days away: on time;
    #   REQ-4 requested 12 Nov: due 17 Nov, past, but already assigned: listed after the unassigned ones.
    return [
        request(3, **{R.requested_on: dt.date(2026, 11, 19)}),
        request(1, **{R.requested_on: dt.date(2026, 11, 10)}),
        request(2, **{R.requested_on: dt.date(2026, 11, 17)}),
        request(
            4,
            **{R.requested_on: dt.date(2026, 11, 12), R.status: "Advocate Asked", R.advocate_id: "ADV-0001"},
        ),
    ]


def test_the_finder_counts_past_sla_and_due_soon_and_lists_the_most_urgent_first(make_workbook):
    path = make_workbook(Advocates=[advocate(1)], Requests=_requests())
    matcher = request_matcher(LocalStore(path).read(), LocalStore(path), as_of=AS_OF)

    note = html.unescape(matcher.sla_note.value)
    values = [value for _, value in matcher.picker.options]
    labels = dict((value, label) for label, value in matcher.picker.options)

    assert "4 open requests: 2 past their SLA, 1 due soon" in note
    assert values == [NEW_REQUEST, "REQ-000001", "REQ-000002", "REQ-000003", "REQ-000004"]
    assert "PAST SLA (due 2026-11-15)" in labels["REQ-000001"]
    assert "SLA due soon (2026-11-22)" in labels["REQ-000002"]
    assert "SLA due 2026-11-24" in labels["REQ-000003"]


def test_assign_in_the_finder_sends_the_owners_ask_and_the_requesters_news(
    make_workbook, smtp_server, tmp_path
):
    path = make_workbook(
        Advocates=[advocate(1, **{A.owner_email: OWNER, A.name: "Ana Lima"})],
        Requests=[request(1, **{R.requested_on: dt.date(2026, 11, 17)})],
    )
    config_path = tmp_path / "advocacy-kit.toml"
    config_path.write_text(
        f'reports_dir = "reports"\n[email]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        'from = "Advocacy program <advocacy@example.com>"\nretry_wait = 0\nattempts = 2\ntimeout = 5\n',
        encoding="utf-8",
    )
    send = messenger(load_config(config_path, environ={}), email=True, environ={})
    matcher = request_matcher(LocalStore(path).read(), LocalStore(path), as_of=AS_OF, messages=send)
    matcher.picker.value = "REQ-000001"
    matcher.find_button.click()

    matcher.assign_button.click()

    kinds = []
    for rcpt, raw in smtp_server.mailbox.received:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        kinds.append((",".join(rcpt), str(message["X-Advocacy-Kit-Request"]).split()[1]))
    assert kinds == [(OWNER, "owner_ask"), (REQUESTER, "requester_assigned")]
    shown = html.unescape(matcher.message.value)
    assert "REQ-000001: New → Owner Approval (ADV-0001" in shown
    assert f"E-mailed the owner ({OWNER})" in shown and f"E-mailed the requester ({REQUESTER})" in shown
