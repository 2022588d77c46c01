"""Sending the reports to a real SMTP server (aiosmtpd, in-process on 127.0.0.1), exactly once per edition.

The server records what it accepted; tests make it refuse connections (nothing listening yet), answer 4xx
(try later) or 5xx (never), and require STARTTLS or implicit TLS with a login.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from kit.delivery import Ledger, LedgerError, deliver_report
from kit.mail import BODY_LIMIT, DeliveryError
from tests.factories import CXO, PM, REPORT_HTML, VP, local_mail_settings, metrics
from tests.smtp_server import Server

pytestmark = pytest.mark.slow


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "reports" / "executive-update_2026-Q4.html"
    path.parent.mkdir()
    path.write_bytes(REPORT_HTML)
    return path


def deliver(report_file: Path, settings, *, waits: list | None = None, **kw):
    waits = [] if waits is None else waits
    kw.setdefault("sleep", waits.append)
    return deliver_report(
        "executive-update",
        report_file,
        metrics(),
        settings=settings,
        ledger=Ledger.beside(report_file.parent),
        **kw,
    )


# ----------------------------------------------------------------------------------------------------------
# What arrives


def test_received_message_has_plain_html_and_inline_images_every_cid_resolves_and_report_attached(
    smtp_server, report_file
):
    deliver(report_file, local_mail_settings(smtp_server.port))

    [(envelope_to, raw)] = smtp_server.mailbox.received
    assert envelope_to == [CXO, VP]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Executive update: 2026-Q4 (data as of 2026-11-20)"
    assert message.get_body(("plain",)).get_content().startswith("Executive update: 2026-Q4")
    page = message.get_body(("html",)).get_content()
    assert len(page.encode("utf-8")) < BODY_LIMIT
    images = {p["Content-ID"].strip("<>"): p for p in message.walk() if p.get_content_type() == "image/png"}
    cids = re.findall(r'src="cid:([^"]+)"', page)
    assert cids and set(cids) == set(images)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == report_file.name
    assert attachment.get_payload(decode=True) == REPORT_HTML


def test_second_run_for_the_same_period_sends_nothing(smtp_server, report_file):
    settings = local_mail_settings(smtp_server.port)
    deliver(report_file, settings)

    again = deliver(report_file, settings)

    assert len(smtp_server.mailbox.received) == 1
    assert again.sent == () and again.already == (CXO, VP)


def test_force_sends_the_same_edition_again(smtp_server, report_file):
    settings = local_mail_settings(smtp_server.port)
    deliver(report_file, settings)

    deliver(report_file, settings, force=True)

    assert len(smtp_server.mailbox.received) == 2


def test_a_recipient_added_later_gets_only_their_own_copy(smtp_server, report_file):
    deliver(report_file, local_mail_settings(smtp_server.port))

    wider = local_mail_settings(smtp_server.port, recipients={"executive-update": [CXO, VP, PM]})
    outcome = deliver(report_file, wider)

    assert [to for to, _ in smtp_server.mailbox.received] == [[CXO, VP], [PM]]
    assert outcome.sent == (PM,) and outcome.already == (CXO, VP)


def test_ledger_records_one_entry_per_recipient_beside_the_reports(smtp_server, report_file):
    deliver(report_file, local_mail_settings(smtp_server.port))

    entries = Ledger.beside(report_file.parent).entries()

    assert [(e.report, e.period, e.recipient) for e in entries] == [
        ("executive-update", "2026-Q4", CXO),
        ("executive-update", "2026-Q4", VP),
    ]
    # 2026-11-20 is in ISO week 47; the period runs to 2026-12-31, so without a schedule it is "to-date"
    assert {e.edition for e in entries} == {"to-date"}
    assert not list(report_file.parent.glob("*.tmp"))


def test_weekly_schedule_sends_a_running_period_again_the_next_week_only(smtp_server, report_file):
    settings = local_mail_settings(smtp_server.port)
    deliver(report_file, settings, cadence="weekly")
    deliver(report_file, settings, cadence="weekly")
    next_week = metrics(as_of="2026-11-27")

    deliver_report(
        "executive-update", report_file, next_week, settings=settings, ledger=Ledger.beside(report_file.parent),
        cadence="weekly", sleep=lambda _: None,
    )  # fmt: skip

    assert len(smtp_server.mailbox.received) == 2
    editions = [e.edition for e in Ledger.beside(report_file.parent).entries()]
    assert editions == ["2026-W47", "2026-W47", "2026-W48", "2026-W48"]


def test_the_same_period_written_as_its_dates_after_its_label_is_not_sent_again(smtp_server, report_file):
    settings = local_mail_settings(smtp_server.port)
    deliver(report_file, settings)  # 2026-Q4
    as_dates = metrics(
        period={"label": "2026-10-01..2026-12-31", "start": "2026-10-01", "end": "2026-12-31", "kind": "span"}
    )

    again = deliver_report(
        "executive-update", report_file, as_dates, settings=settings, ledger=Ledger.beside(report_file.parent),
        sleep=lambda _: None,
    )  # fmt: skip

    assert len(smtp_server.mailbox.received) == 1
    assert again.sent == () and again.already == (CXO, VP)


def test_a_shorter_period_or_another_segment_is_a_report_of_its_own(smtp_server, report_file):
    settings = local_mail_settings(smtp_server.port)
    ledger = Ledger.beside(report_file.parent)
    deliver(report_file, settings)  # 2026-Q4, whole program
    october = metrics(
        period={"label": "2026-10", "start": "2026-10-01", "end": "2026-10-31", "kind": "month"}
    )
    insurance = metrics(segment="industry=Insurance")

    for data in (october, insurance):
        deliver_report(
            "executive-update", report_file, data, settings=settings, ledger=ledger, sleep=lambda _: None
        )

    assert len(smtp_server.mailbox.received) == 3


def test_a_recipient_rewritten_with_a_display_name_is_not_sent_again(smtp_server, report_file):
    deliver(report_file, local_mail_settings(smtp_server.port))  # to cxo@example.com, vp.sales@example.com

    renamed = local_mail_settings(
        smtp_server.port, recipients={"executive-update": ["Chief Exec <CXO@example.com>", VP]}
    )
    again = deliver(report_file, renamed)

    assert len(smtp_server.mailbox.received) == 1
    assert again.sent == () and again.already == ("Chief Exec <CXO@example.com>", VP)


def test_a_display_name_reaches_the_to_header_and_only_the_bare_address_the_envelope(
    smtp_server, report_file
):
    settings = local_mail_settings(
        smtp_server.port, recipients={"executive-update": ['"Exec, Chief" <cxo@example.com>']}
    )

    deliver(report_file, settings)

    [(envelope_to, _)] = smtp_server.mailbox.received
    assert envelope_to == [CXO]
    [message] = smtp_server.mailbox.messages()
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [("Exec, Chief", CXO)]
    [entry] = Ledger.beside(report_file.parent).entries()
    assert (entry.recipient, entry.address) == ('"Exec, Chief" <cxo@example.com>', CXO)


def test_a_domain_in_another_script_reaches_header_envelope_and_ledger_as_its_punycode(
    smtp_server, report_file
):
    settings = local_mail_settings(
        smtp_server.port, recipients={"executive-update": ["Jürgen <j@münchen.de>"]}
    )

    result = deliver(report_file, settings)

    [(envelope_to, raw)] = smtp_server.mailbox.received
    assert envelope_to == ["j@xn--mnchen-3ya.de"]
    assert b"\nTo: =?utf-8?q?J=C3=BCrgen?= <j@xn--mnchen-3ya.de>\r\n" in raw
    assert result.sent == ("Jürgen <j@xn--mnchen-3ya.de>",)  # the entry as the server knows it
    [entry] = Ledger.beside(report_file.parent).entries()
    assert entry.address == "j@xn--mnchen-3ya.de"


def test_a_ledger_written_before_dates_were_recorded_still_counts_its_deliveries(smtp_server, report_file):
    # version 1 kept each recipient as configured and keyed the period by its label
    ledger = Ledger.beside(report_file.parent)
    old = {"report": "executive-update", "period": "2026-Q4", "edition": "to-date", "sent_at": "2026-11-20T08:00:00+00:00",
           "message_id": "<1@advocacy-kit.invalid>", "report_file": report_file.name, "forced": False}  # fmt: skip
    entries = [dict(old, recipient="Chief Exec <cxo@example.com>"), dict(old, recipient=VP.upper())]
    ledger.path.write_text(json.dumps({"version": 1, "deliveries": entries}))

    again = deliver(
        report_file, local_mail_settings(smtp_server.port, recipients={"executive-update": [CXO, VP, PM]})
    )

    assert [to for to, _ in smtp_server.mailbox.received] == [[PM]]
    assert again.already == (CXO, VP)
    assert [e.recipient for e in ledger.entries()] == ["Chief Exec <cxo@example.com>", VP.upper(), PM]


# ----------------------------------------------------------------------------------------------------------
# Transient failures are retried, a bounded number of times


def test_server_refusing_the_first_two_connections_then_accepting_gets_exactly_one_message(report_file):
    late = Server()  # not listening yet: connecting is refused by the operating system
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # after the second refused connection, the server comes up
            late.start()

    try:
        outcome = deliver(report_file, local_mail_settings(late.port, retry_wait=0.5), sleep=wait)
    finally:
        late.stop()

    assert len(late.mailbox.received) == 1
    assert outcome.sent == (CXO, VP)
    assert waits == [0.5, 1.0]  # back-off doubles


def test_temporary_4xx_reply_is_retried_and_delivers_once(smtp_server, report_file):
    smtp_server.mailbox.data_replies = ["451 4.3.0 Mail server temporarily busy, try again later"]
    waits: list[float] = []

    deliver(report_file, local_mail_settings(smtp_server.port), waits=waits)

    assert len(smtp_server.mailbox.received) == 1
    assert waits == [0.5]


def test_server_down_through_every_attempt_fails_loudly_then_a_rerun_delivers(report_file):
    down = Server()
    waits: list[float] = []
    settings = local_mail_settings(down.port, attempts=3)

    with pytest.raises(DeliveryError, match="after 3 attempts; last failure: ConnectionRefusedError"):
        deliver(report_file, settings, waits=waits)
    assert waits == [0.5, 1.0]  # three attempts, two waits, then it stops
    assert Ledger.beside(report_file.parent).entries() == []

    down.start()
    try:
        deliver(report_file, settings)
    finally:
        down.stop()
    assert len(down.mailbox.received) == 1


# ----------------------------------------------------------------------------------------------------------
# Permanent failures


def test_permanent_rejection_raises_with_server_reply_keeps_report_and_ledger_unchanged(
    smtp_server, report_file
):
    ledger = Ledger.beside(report_file.parent)
    deliver_report(  # an earlier delivery of another report, already in the ledger
        "goal-tracking", report_file, metrics(), settings=local_mail_settings(smtp_server.port), ledger=ledger,
        sleep=lambda _: None,
    )  # fmt: skip
    before = ledger.path.read_bytes()
    smtp_server.mailbox.data_replies = ["554 5.7.1 Message rejected: policy violation"]
    waits: list[float] = []

    with pytest.raises(DeliveryError) as caught:
        deliver(report_file, local_mail_settings(smtp_server.port), waits=waits)

    assert caught.value.code == 554
    assert "554 5.7.1 Message rejected: policy violation" in str(caught.value)
    assert caught.value.exit_code != 0
    assert waits == []  # no retry of a permanent failure
    assert report_file.read_bytes() == REPORT_HTML
    assert ledger.path.read_bytes() == before


def test_one_recipient_refused_for_good_others_delivered_rerun_reaches_only_the_missing_one(
    smtp_server, report_file
):
    smtp_server.mailbox.refuse_rcpt = {VP: "550 5.1.1 No such user here"}

    with pytest.raises(DeliveryError, match=re.escape(f"refused {VP}: 550 5.1.1 No such user here")):
        deliver(report_file, local_mail_settings(smtp_server.port))
    assert [to for to, _ in smtp_server.mailbox.received] == [[CXO]]

    smtp_server.mailbox.refuse_rcpt = {}  # the address was fixed at the other end
    deliver(report_file, local_mail_settings(smtp_server.port))

    assert [to for to, _ in smtp_server.mailbox.received] == [[CXO], [VP]]


def test_unreadable_ledger_stops_the_run_naming_the_file_and_sends_nothing(smtp_server, report_file):
    ledger = Ledger.beside(report_file.parent)
    ledger.path.write_text("{not json")

    with pytest.raises(LedgerError, match="deliveries.json: the delivery ledger is not readable"):
        deliver(report_file, local_mail_settings(smtp_server.port))

    assert smtp_server.mailbox.received == []
    assert ledger.path.read_text() == "{not json"


# ----------------------------------------------------------------------------------------------------------
# TLS and login


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _authenticator(logins: list):
    def check(smtp_server, session, envelope, mechanism, auth_data):
        logins.append(auth_data.login.decode())
        ok = (auth_data.login, auth_data.password) == (b"robot", b"s3cret-pw")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    return check


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_with_the_password_from_the_named_environment_variable(
    security, certificate, report_file
):
    logins: list[str] = []
    context = _server_context(certificate)
    if security == "starttls":
        tls = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    else:  # implicit TLS: aiosmtpd does not count it for auth_require_tls, but the socket is TLS throughout
        tls = {"ssl_context": context, "auth_require_tls": False}
    secure = Server(authenticator=_authenticator(logins), **tls)
    secure.start()
    settings = local_mail_settings(
        secure.port, security=security, username="robot", password_env="KIT_TEST_SMTP_PASSWORD",
        ca_file=str(certificate[0]),
    )  # fmt: skip
    try:
        deliver(report_file, settings, password=settings.password({"KIT_TEST_SMTP_PASSWORD": "s3cret-pw"}))
    finally:
        secure.stop()

    assert logins == ["robot"]
    assert len(secure.mailbox.received) == 1


def test_wrong_password_is_a_permanent_failure_that_names_the_variable_not_the_password(
    certificate, report_file
):
    logins: list[str] = []
    context = _server_context(certificate)
    secure = Server(authenticator=_authenticator(logins), tls_context=context, require_starttls=True)
    secure.start()
    settings = local_mail_settings(
        secure.port, security="starttls", username="robot", password_env="KIT_TEST_SMTP_PASSWORD",
        ca_file=str(certificate[0]),
    )  # fmt: skip
    try:
        with pytest.raises(DeliveryError) as caught:
            deliver(report_file, settings, password="wrong-pw")
    finally:
        secure.stop()

    assert caught.value.code == 535
    assert "KIT_TEST_SMTP_PASSWORD" in str(caught.value)
    assert "wrong-pw" not in str(caught.value)
    assert secure.mailbox.received == []


def test_certificate_the_client_does_not_trust_fails_without_retrying(certificate, report_file):
    secure = Server(tls_context=_server_context(certificate), require_starttls=True)
    secure.start()
    waits: list[float] = []
    try:
        with pytest.raises(DeliveryError, match="TLS with 127.0.0.1"):
            deliver(report_file, local_mail_settings(secure.port, security="starttls"), waits=waits)
    finally:
        secure.stop()

    assert waits == []
    assert secure.mailbox.received == []


# ----------------------------------------------------------------------------------------------------------
# The command a schedule runs: advocacy-kit report executive-update --email


def test_report_command_rejected_for_good_exits_non_zero_keeps_report_and_a_rerun_sends_it(
    smtp_server, make_workbook, tmp_path, capsys
):
    from kit.cli import main

    workbook = make_workbook()  # a fresh, empty program: the report renders fastest, and says "no data yet"
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        f'source = "{workbook}"\nreports_dir = "reports"\n\n'
        f'[email]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        'from = "advocacy@example.com"\nretry_wait = 0\n\n'
        f'[email.recipients]\nexecutive-update = ["{CXO}"]\n'
    )
    args = ["--config", str(config), "report", "executive-update", "--period", "2026-Q4", "--as-of", "2026-11-20", "--email"]  # fmt: skip
    report = tmp_path / "reports" / "executive_update_2026-Q4.html"
    ledger = tmp_path / "reports" / "deliveries.json"

    def run() -> int:
        with pytest.raises(SystemExit) as done:
            main(args)
        return done.value.code

    smtp_server.mailbox.data_replies = ["554 5.7.1 Message rejected as spam"]
    assert run() == 4
    assert "554 5.7.1 Message rejected as spam" in capsys.readouterr().err
    assert report.exists() and not ledger.exists()
    assert "failed: DeliveryError" in (tmp_path / "reports" / "advocacy-kit.log").read_text()

    assert run() == 0
    [message] = smtp_server.mailbox.messages()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_payload(decode=True) == report.read_bytes()

    assert "E-mailed executive-update 2026-Q4" in capsys.readouterr().out


def test_a_phone_number_typed_into_a_name_or_an_owner_never_reaches_the_attached_report(
    smtp_server, make_workbook, tmp_path
):
    from kit import schema
    from kit.cli import main

    A, X, O = schema.ADVOCATES.col, schema.ACTIVITIES.col, schema.OPPORTUNITIES.col
    workbook = make_workbook(
        Advocates=[{A.advocate_id: "ADV-1", A.name: "Sam Lee +1 (415) 555-0199", A.email: "sam@customer.example.com",
                    A.company: "Acme", A.industry: "Retail", A.region: "EMEA", A.activities: "reference_call",
                    A.status: "Active", A.joined_on: "2025-01-01", A.last_verified: "2026-06-01"}],
        Opportunities=[{O.opportunity_id: "OPP-1", O.account: "Acme Retail", O.owner: "Dana Ortiz 020 7946 0958",
                        O.amount: 120000, O.created_on: "2026-09-01", O.close_date: "2026-10-15",
                        O.is_closed: "TRUE", O.is_won: "TRUE"}],
        Activities=[{X.activity_id: "ACT-1", X.advocate_id: "ADV-1", X.activity: "reference_call",
                     X.date: "2026-10-01", X.opportunity_id: "OPP-1"}],
    )  # fmt: skip
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        f'source = "{workbook}"\nreports_dir = "reports"\n\n'
        f'[email]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
        f'from = "advocacy@example.com"\n\n[email.recipients]\nexecutive-update = ["{CXO}"]\n'
    )

    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "report", "executive-update", "--period", "2026-Q4", "--as-of", "2026-11-20", "--email"])  # fmt: skip

    assert done.value.code == 0
    [message] = smtp_server.mailbox.messages()
    [attachment] = list(message.iter_attachments())
    sent = attachment.get_payload(decode=True).decode("utf-8")
    on_disk = (tmp_path / "reports" / "executive_update_2026-Q4.html").read_text(encoding="utf-8")
    assert "555-0199" in on_disk and "7946 0958" in on_disk  # the report itself shows what was typed
    for part in (sent, message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()):
        assert "555-0199" not in part and "7946 0958" not in part
    assert "Sam Lee [contact removed]" in sent and "Dana Ortiz [contact removed]" in sent
    # only the text changed: every chart is the same image, byte for byte
    assert re.findall(r'src="(data:image/png[^"]+)"', sent) == re.findall(
        r'src="(data:image/png[^"]+)"', on_disk
    )


def test_report_command_with_email_but_no_password_fails_before_rendering(tmp_path, capsys, monkeypatch):
    from kit.cli import main

    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        'source = "program.xlsx"\nreports_dir = "reports"\n\n'
        '[email]\nhost = "smtp.example.com"\nusername = "robot"\npassword_env = "KIT_TEST_UNSET_PASSWORD"\n'
        'from = "advocacy@example.com"\n\n[email.recipients]\nexecutive-update = ["cxo@example.com"]\n'
    )
    monkeypatch.delenv("KIT_TEST_UNSET_PASSWORD", raising=False)

    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "report", "executive-update", "--email"])

    assert done.value.code == 2
    assert "KIT_TEST_UNSET_PASSWORD (named by [email] password_env) is not set" in capsys.readouterr().err
    assert not list((tmp_path / "reports").glob("*.html"))  # nothing was rendered
