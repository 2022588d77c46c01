"""The messages a request's moves send (issue 20): who receives what, once, through a real SMTP server; what
they may and may not say; the outbox of a dry run; templates a program overrides."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest

from kit import requests_life, schema
from kit.mail import contacts_from_program, find_contacts
from kit.mail.request_messages import messages_for
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import advocate, grids_from_rows, request
from tests.smtp_server import Server

A, R = schema.ADVOCATES.col, schema.REQUESTS.col
OWNER, REQUESTER, PM = "owner@example.com", "rep@example.com", "advocacy@example.com"
ASKED = "person1@example.com"  # the advocate on the request
OTHER = "person2@example.com"  # another advocate, who must appear in no message
OTHER_PHONE = "+44 20 7946 0958"
AT = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def tabs() -> dict:
    """Two advocates (each with an account owner and a phone), one request for a Mid-Market insurer."""
    return {
        "Advocates": [
            advocate(1, **{A.owner_email: OWNER, A.name: "Ana Lima", "Mobile phone": "+1 415 555 0134"}),
            advocate(2, **{A.owner_email: OWNER, A.name: "Bo Chen", "Mobile phone": OTHER_PHONE}),
        ],
        "Requests": [
            request(
                1,
                **{
                    R.company_size: "Mid-Market",
                    R.prospect_company: "Prospect Mutual",
                    R.product: "Product A",
                    R.needed_by: dt.date(2026, 12, 1),
                    # a note that names the other advocate: no message shows notes
                    R.notes: f"Bo Chen ({OTHER}, {OTHER_PHONE}) did one last month",
                },
            )
        ],
    }


def config_file(tmp_path: Path, port: int, extra: str = "") -> Path:
    path = tmp_path / "advocacy-kit.toml"
    path.write_text(
        f'reports_dir = "reports"\n{extra}\n'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'from = "Advocacy program <{PM}>"\nretry_wait = 0\nattempts = 2\ntimeout = 5\n',
        encoding="utf-8",
    )
    return path


LOOP = [
    ["assign", "REQ-000001", "ADV-0001"],
    ["approve", "REQ-000001"],
    ["accept", "REQ-000001"],
    ["schedule", "REQ-000001", "--on", "2026-12-03"],
    ["complete", "REQ-000001", "--on", "2026-12-03"],
]


def received(smtp_server: Server) -> list[tuple[str, str, email.message.EmailMessage]]:
    """(envelope recipient, kind, message) of each message the server accepted."""
    found = []
    for rcpt, raw in smtp_server.mailbox.received:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        found.append((",".join(rcpt), str(message["X-Advocacy-Kit-Request"]).split()[1], message))
    return found


def test_the_loop_sends_each_person_their_message_exactly_once_even_run_twice(
    store_factory, source_of, smtp_server, tmp_path, capsys
):
    store = store_factory(grids_from_rows(tabs()))
    config = config_file(tmp_path, smtp_server.port)
    common = ["--source", source_of(store), "--as-of", "2026-11-20", "--email"]

    for args in LOOP + LOOP:  # the second pass: every move refused, nothing sent again
        run(["--config", str(config), "request", *args, *common], capsys)

    assert [(to, kind) for to, kind, _ in received(smtp_server)] == [
        (OWNER, "owner_ask"),  # assign: the account owner is asked first
        (REQUESTER, "requester_assigned"),
        (ASKED, "advocate_ask"),  # approve: now the advocate is asked
        (REQUESTER, "requester_approved"),
        # accept: nothing; the requester hears the date next
        (REQUESTER, "requester_scheduled"),
        (REQUESTER, "requester_completed"),
    ]
    subjects = [str(m["Subject"]) for _, _, m in received(smtp_server)]
    assert "Thursday 3 December 2026" in received(smtp_server)[4][2].get_body(("plain",)).get_content()
    assert all(s and "\n" not in s for s in subjects)
    assert store.read().requests.iloc[0][R.status] == "Completed"


def test_a_move_made_again_to_the_same_place_sends_nothing_new_and_a_new_date_does(
    smtp_server, make_workbook, tmp_path, capsys
):
    """The ledger keys on (request, where the move went, recipient): setting the same date twice tells the
    requester once; moving the date tells them again."""
    path = make_workbook(**tabs())
    config = ["--config", str(config_file(tmp_path, smtp_server.port))]
    tail = ["--source", str(path), "--as-of", "2026-11-20", "--email"]
    for args in LOOP[:3]:
        run([*config, "request", *args, *tail], capsys)
    dates = ["2026-12-03", "2026-12-03", "2026-12-04"]

    outs = [run([*config, "request", "schedule", "REQ-000001", "--on", day, *tail], capsys) for day in dates]

    assert [code for code, _, _ in outs] == [0, 0, 0]
    assert "already has this message" in outs[1][1]
    scheduled = [m for _, kind, m in received(smtp_server) if kind == "requester_scheduled"]
    assert [m.get_body(("plain",)).get_content().count("December 2026") >= 1 for m in scheduled] == [
        True,
        True,
    ]
    assert "Thursday 3 December" in str(scheduled[0].get_body(("plain",)).get_content())
    assert "Friday 4 December" in str(scheduled[1].get_body(("plain",)).get_content())


def test_the_advocates_address_is_only_on_their_own_message_and_no_other_advocates_contact_anywhere(
    smtp_server, make_workbook, tmp_path, capsys
):
    path = make_workbook(**tabs())
    config = config_file(tmp_path, smtp_server.port)
    for args in LOOP:
        code, _, err = run(
            [
                "--config",
                str(config),
                "request",
                *args,
                "--source",
                str(path),
                "--as-of",
                "2026-11-20",
                "--email",
            ],
            capsys,
        )
        assert code == 0, err

    messages = received(smtp_server)
    contacts = contacts_from_program(LocalStore(path).read())
    assert {OTHER, ASKED, OTHER_PHONE.lower()} <= contacts
    for to, kind, message in messages:
        bodies = [message.get_body((part,)).get_content() for part in ("plain", "html")]
        raw = (" ".join(bodies) + " " + str(message["Subject"])).lower()
        assert OTHER not in raw and "7946" not in raw, kind
        assert "prospect mutual" not in raw, kind  # the prospect by industry and size, never by name
        if to == ASKED:
            assert find_contacts(message, contacts - {ASKED}) == []
        else:
            assert ASKED not in raw, kind
            assert find_contacts(message, contacts) == []


def test_the_advocates_ask_says_what_for_whom_by_when_and_where_to_reply(
    smtp_server, make_workbook, tmp_path, capsys
):
    path = make_workbook(**tabs())
    config = config_file(tmp_path, smtp_server.port)
    config.write_text(
        config.read_text().replace("[email]\n", '[email]\nreply_to = "Team <team@example.com>"\n')
    )
    tail = ["--source", str(path), "--as-of", "2026-11-20", "--email"]
    for args in LOOP[:2]:
        code, _, err = run(["--config", str(config), "request", *args, *tail], capsys)
        assert code == 0, err

    (ask,) = [m for _, kind, m in received(smtp_server) if kind == "advocate_ask"]
    text = ask.get_body(("plain",)).get_content()
    assert "a reference call" in text  # what
    assert "Insurance" in text and "Mid-Market" in text  # for whom: industry and size
    # by when: a reference call's SLA is 5 days from 18 November (the 23rd), sooner than needed_by (1 December)
    assert "Needed by: Monday 23 November 2026" in text
    assert "team@example.com" in text and str(ask["Reply-To"]) == "Team <team@example.com>"
    assert str(ask["To"]) == ASKED
    html = ask.get_body(("html",)).get_content()
    assert "Mid-Market" in html and "<script" not in html


def test_a_dry_run_writes_each_message_to_the_outbox_and_sends_nothing(make_workbook, tmp_path, capsys):
    path = make_workbook(**tabs())
    config = tmp_path / "advocacy-kit.toml"
    config.write_text('outbox_dir = "mail/outbox"\n', encoding="utf-8")

    code, out, err = run(
        [
            "--config",
            str(config),
            "request",
            "assign",
            "REQ-000001",
            "ADV-0001",
            "--source",
            str(path),
            "--dry-run",
        ],
        capsys,
    )

    assert code == 0, err
    written = sorted((tmp_path / "mail" / "outbox").glob("*.eml"))
    assert [p.name.split("_", 1)[1] for p in written] == [
        "REQ-000001_owner_ask.eml",
        "REQ-000001_requester_assigned.eml",
    ]
    owners = email.message_from_bytes(written[0].read_bytes(), policy=email.policy.default)
    assert str(owners["To"]) == OWNER and "Ana Lima" in str(owners["Subject"])
    assert out.count("dry run: nothing was sent") == 2


def test_html_is_escaped_and_a_cell_holding_an_address_shows_without_it(make_program):
    program_tabs = tabs()
    program_tabs["Requests"][0][R.industry] = f"<b>Insurance</b> (ask {OTHER})"
    from tests.factories import program as program_of

    program = program_of(**program_tabs)
    transition = requests_life.Transition(
        "REQ-000001", "assign", "New", "Owner Approval", "pm", AT, REQUESTER, "ADV-0001", ASKED, OWNER,
        "reference_call",
    )  # fmt: skip

    plan = messages_for(transition, program, reply_to=PM, contacts=contacts_from_program(program))

    owner_ask = plan.messages[0]
    assert "&lt;b&gt;Insurance&lt;/b&gt;" in owner_ask.html and "<b>Insurance" not in owner_ask.html
    assert OTHER not in owner_ask.html and OTHER not in owner_ask.text
    assert "[contact removed]" in owner_ask.text


def test_a_template_folder_overrides_the_words_by_file_name(make_workbook, tmp_path, capsys):
    path = make_workbook(**tabs())
    ours = tmp_path / "our-words" / "requests"
    ours.mkdir(parents=True)
    (ours / "owner_ask.txt").write_text(
        "{% set subject %}OK to call {{ advocate_name }}?{% endset %}Hi! {{ request_id }} needs your OK.\n"
    )
    config = tmp_path / "advocacy-kit.toml"
    config.write_text('message_templates = "our-words"\n', encoding="utf-8")

    run(["--config", str(config), "request", "assign", "REQ-000001", "ADV-0001", "--source", str(path), "--dry-run"], capsys)  # fmt: skip

    (eml,) = (tmp_path / "reports" / "outbox").glob("*owner_ask.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert str(message["Subject"]) == "OK to call Ana Lima?"
    assert message.get_body(("plain",)).get_content().startswith("Hi! REQ-000001 needs your OK.")
    assert "Ana Lima" in message.get_body(("html",)).get_content()  # the kit's HTML where ours has none


def test_a_requester_without_an_address_is_said_and_the_others_still_get_theirs(
    make_workbook, tmp_path, capsys
):
    program_tabs = tabs()
    program_tabs["Requests"][0][R.requester_email] = None
    path = make_workbook(**program_tabs)
    config = tmp_path / "advocacy-kit.toml"
    config.write_text("", encoding="utf-8")

    code, out, _ = run(["--config", str(config), "request", "assign", "REQ-000001", "ADV-0001", "--source", str(path), "--dry-run"], capsys)  # fmt: skip

    assert code == 0
    assert "No message to the requester" in out
    assert len(list((tmp_path / "reports" / "outbox").glob("*.eml"))) == 1


def test_email_without_an_email_section_is_refused_before_the_move_is_written(
    make_workbook, tmp_path, capsys
):
    path = make_workbook(**tabs())
    config = tmp_path / "advocacy-kit.toml"
    config.write_text("", encoding="utf-8")

    code, _, err = run(["--config", str(config), "request", "assign", "REQ-000001", "ADV-0001", "--source", str(path), "--email"], capsys)  # fmt: skip

    assert code == 2 and err.count("\n") == 1 and "[email]" in err
    assert LocalStore(path).read().requests.iloc[0][R.status] == "New"


def test_a_server_that_refuses_exits_4_keeps_the_move_and_notify_sends_only_what_is_missing(
    make_workbook, tmp_path, capsys
):
    path = make_workbook(**tabs())
    smtp_server = Server()  # started and stopped here: the test restarts it
    smtp_server.mailbox.refuse_rcpt[OWNER] = "550 no such mailbox"
    smtp_server.start()
    try:
        config = config_file(tmp_path, smtp_server.port)
        code, out, err = run(["--config", str(config), "request", "assign", "REQ-000001", "ADV-0001", "--source", str(path), "--email"], capsys)  # fmt: skip
    finally:
        smtp_server.stop()

    assert code == 4
    assert "550" in err and err.count("\n") == 1
    assert LocalStore(path).read().requests.iloc[0][R.status] == "Owner Approval"
    assert [kind for _, kind, _ in received(smtp_server)] == ["requester_assigned"]

    smtp_server.mailbox.refuse_rcpt.clear()
    smtp_server.start()
    try:
        again = [run(["--config", str(config), "request", "notify", "REQ-000001", "--source", str(path), "--email"], capsys) for _ in range(2)]  # fmt: skip
    finally:
        smtp_server.stop()

    assert [code for code, _, _ in again] == [0, 0]
    assert [kind for _, kind, _ in received(smtp_server)] == ["requester_assigned", "owner_ask"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["owner_ask", "requester_assigned"])
def test_a_message_reads_on_a_phone_without_scrolling_sideways(chromium, kind):
    rows = tabs()
    rows["Advocates"][0][A.company] = "Wolfeschlegelsteinhausenbergerdorff-Versicherungsgesellschaft AG"
    from tests.factories import program as program_of

    program = program_of(**rows)
    transition = requests_life.Transition(
        "REQ-000001", "assign", "New", "Owner Approval", "pm", AT, REQUESTER, "ADV-0001", ASKED, OWNER,
        "reference_call",
    )  # fmt: skip
    (message,) = [m for m in messages_for(transition, program, reply_to=PM).messages if m.kind == kind]
    page = chromium.new_page(viewport={"width": 375, "height": 800})
    try:
        page.set_content(message.html, wait_until="load")
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        text = page.inner_text("body")
    finally:
        page.close()

    assert scroll <= client
    assert "Ana Lima" in text and "REQ-000001" in text


def test_a_broken_overriding_template_is_one_line_naming_it_and_nothing_is_written(
    make_workbook, tmp_path, capsys
):
    path = make_workbook(**tabs())
    ours = tmp_path / "our-words" / "requests"
    ours.mkdir(parents=True)
    (ours / "owner_ask.txt").write_text("Hello {{ advocate_nmae }}\n")
    config = tmp_path / "advocacy-kit.toml"
    config.write_text('message_templates = "our-words"\n', encoding="utf-8")

    code, _, err = run(["--config", str(config), "request", "assign", "REQ-000001", "ADV-0001", "--source", str(path), "--dry-run"], capsys)  # fmt: skip

    assert code == 2 and err.count("\n") == 1
    assert "owner_ask.txt" in err and "advocate_nmae" in err
    assert LocalStore(path).read().requests.iloc[0][R.status] == "New"  # found before the move was written
