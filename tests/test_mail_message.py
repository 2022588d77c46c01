"""The e-mail of a report: its parts, what the summary says, escaping, contact details, size, settings.

Messages are built from small metrics dicts written here by hand (the shape of
``kit.metrics.ProgramMetrics.to_dict()``), so every expected figure is visible in the test. They are the
goal-tracking e-mail, which carries every part (figures, goals, stories, three charts); what the executive
update says instead is in test_mail_executive.py.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from kit import schema
from kit.delivery import Ledger, deliver_report
from kit.errors import ConfigError
from kit.mail import (
    BODY_LIMIT,
    ContactLeakError,
    build_message,
    contacts_from_program,
    render_charts,
    settings_from_config,
)
from tests.factories import REPORT_HTML, email_section, metrics

A, N = schema.ADVOCATES.col, schema.NOMINATIONS.col


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "goal-tracking_2026-Q4.html"
    path.write_bytes(REPORT_HTML)
    return path


@pytest.fixture(scope="module")
def default_message(tmp_path_factory: pytest.TempPathFactory):
    """The message of ``metrics()``, built once for the tests that only read it (charts cost ~1 s)."""
    path = tmp_path_factory.mktemp("report") / "goal-tracking_2026-Q4.html"
    path.write_bytes(REPORT_HTML)
    return build(path)


def build(report_file: Path, data=None, report: str = "goal-tracking", **kw) -> email.message.EmailMessage:
    """Build, serialise and parse back, as a mail client would see it."""
    message = build_message(
        data if data is not None else metrics(),
        report=report,
        report_path=report_file,
        sender="Advocacy program <advocacy@example.com>",
        recipients=["cxo@example.com", "vp.sales@example.com"],
        **kw,
    )
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


# ----------------------------------------------------------------------------------------------------------
# Structure


def test_message_is_mixed_alternative_plain_and_related_html_with_images_then_the_report(default_message):
    message = default_message

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    # three charts: headline change (revenue and advocates), goal attainment, the story's deal
    assert [i.get_content_type() for i in images] == ["image/png"] * 3
    assert all(i.get_content().startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert attachment.get_filename() == "goal-tracking_2026-Q4.html"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_payload(decode=True) == REPORT_HTML


def test_every_cid_in_the_html_resolves_to_an_image_part_of_the_message(default_message):
    message = default_message

    cids = re.findall(r'src="cid:([^"]+)"', html_of(message))
    parts = {p["Content-ID"].strip("<>"): p for p in message.walk() if p["Content-ID"]}
    assert len(cids) == 3
    assert set(cids) == set(parts)
    assert all(parts[c].get_content_type() == "image/png" for c in cids)
    assert all(parts[c].get_content_disposition() == "inline" for c in cids)


def test_html_is_mail_client_safe_css_inlined_no_script_no_data_images(default_message):
    page = html_of(default_message)

    # every rule is in the tags' style; the one <style> left holds only @media rules, for the clients that
    # honour them (the inlined layout fits a phone without them: test_mail_browser.py)
    [css] = re.findall(r"<style[^>]*>(.*?)</style>", page, re.S)
    assert css.lstrip().startswith("@media")
    assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", css).strip() == ""
    assert "<script" not in page.lower()
    assert "data:" not in page
    assert 'style="' in page
    assert len(page.encode()) < BODY_LIMIT


def test_subject_and_headers_name_report_period_and_data_date(default_message):
    message = default_message

    assert message["Subject"] == "Goal tracking: 2026-Q4 (data as of 2026-11-20)"
    assert message["To"] == "cxo@example.com, vp.sales@example.com"
    assert message["Auto-Submitted"] == "auto-generated"


# ----------------------------------------------------------------------------------------------------------
# What it says


def test_headline_figures_show_value_and_change_from_previous_period(default_message):
    text = text_of(default_message)

    # on 20 November, 51 days into 2026-Q4: compared with 1 July .. 20 August, 51 days of 2026-Q3
    assert "HEADLINE FIGURES (changes against the same 51 days of 2026-Q3 (to 2026-08-20))" in text
    # 3.8M − 2.5M = +1.3M; 212 − 200 = +12; 31% − 25% = +6 points
    assert re.search(r"Revenue influenced \(won\)\s+\$3\.8M\s+\+\$1\.3M vs \$2\.5M", text)
    assert re.search(r"Active advocates\s+212\s+\+12 vs 200", text)
    assert re.search(r"Win-rate lift with advocates\s+31%\s+\+6 pts vs 25%", text)


def test_a_change_is_green_when_it_is_an_improvement_even_if_the_figure_went_down(report_file):
    slower = {"key": "median_days_to_fulfil", "label": "Median days to fulfil a request", "value": 7.0,
              "previous": 6.5, "change": 0.5, "unit": "days"}  # fmt: skip
    fewer_losses = {"key": "win_rate_without", "label": "Win rate without advocates", "value": 0.33,
                    "previous": 0.36, "change": -0.03, "unit": "share"}  # fmt: skip

    page = html_of(build(report_file, metrics(headline=[slower, fewer_losses], goals=[], success_stories=[])))

    tones = re.findall(r'<div class="change (\w+)"[^>]*>([^<]*)</div>', page)
    assert tones == [("down", "+0.5 days vs 6.5 days"), ("up", "−3 pts vs 36%")]


def test_a_change_that_rounds_to_nothing_reads_no_change_and_takes_no_colour(report_file):
    # 25.0% → 24.8%: down 0.2 points, which the tile would write "−0 pts" in red
    flat = {"key": "within_sla_share", "label": "Requests fulfilled within SLA", "value": 0.248,
            "previous": 0.25, "change": -0.002, "unit": "share"}  # fmt: skip

    message = build(report_file, metrics(headline=[flat], goals=[], success_stories=[]))

    tones = re.findall(r'<div class="change (\w+)"[^>]*>([^<]*)</div>', html_of(message))
    assert tones == [("neutral", "no change vs 25%")]
    assert "−0" not in text_of(message)


def test_goal_table_shows_actual_target_attainment_and_status(default_message):
    message = default_message

    text = text_of(message)
    assert "New advocates, industry=Insurance: 30 of 50, 60%, behind" in text
    # the metric by its name in the reports (revenue_influenced is "Revenue influenced (won)")
    assert "Revenue influenced (won), all: $3.8M of $2.0M, 190%, achieved" in text
    page = html_of(message)
    assert ">behind</td>" in page and ">achieved</td>" in page


def test_success_story_sentence_is_in_both_parts(default_message):
    message = default_message

    sentence = "Dana Ortiz closed $3.8M at Acme Insurance this quarter with 2 reference calls."
    assert sentence in text_of(message)
    assert sentence in html_of(message)


def test_period_without_data_says_so_and_has_no_charts(report_file):
    message = build(report_file, metrics(headline=[], goals=[], success_stories=[]))

    assert "There is no data for this period yet." in text_of(message)
    assert "There is no data for this period yet." in html_of(message)
    assert not [p for p in message.walk() if p.get_content_type() == "image/png"]


def test_data_problems_are_noted_but_a_clean_workbook_says_nothing(report_file, default_message):
    note = "3 row(s) with errors are left out of the figures (Opportunities: 3)"
    flagged = metrics(
        data_quality={"validated": True, "errors": 3, "warnings": 1, "rows_excluded": 3, "note": note}
    )

    assert note in text_of(build(report_file, flagged))
    assert "DATA QUALITY" not in text_of(default_message)


def test_error_cells_that_no_figure_needed_are_not_an_executives_concern(report_file):
    note = "2 cell(s) with errors that no figure needs were ignored (read as blank); no figure had to leave a row out"
    ignored_only = metrics(
        data_quality={"validated": True, "errors": 2, "warnings": 0, "rows_excluded": 0, "note": note}
    )

    message = build(report_file, ignored_only)

    assert "DATA QUALITY" not in text_of(message)
    assert "ignored" not in html_of(message)


# ----------------------------------------------------------------------------------------------------------
# Sheet text is escaped; contact details never travel


def test_names_from_the_sheet_are_html_escaped_everywhere(report_file):
    evil = "<script>alert(1)</script>"
    data = metrics(
        success_stories=[
            {
                "rep": evil,
                "account": f'Acme "{evil}"',
                "amount": 1_000_000.0,
                "sentence": f"{evil} closed $1.0M",
            }
        ],
        goals=[
            {
                "metric": "new_advocates",
                "segment": f"industry={evil}",
                "target": 5,
                "actual": 1,
                "attainment": 0.2,
                "status": "behind",
            }
        ],  # fmt: skip
    )

    page = html_of(build(report_file, data))

    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; closed $1.0M" in page
    assert "industry=&lt;script&gt;" in page


def test_advocate_emails_and_phones_in_sheet_text_are_removed_from_the_summary(report_file):
    data = metrics(
        success_stories=[
            {
                "rep": "Dana Ortiz",
                "account": "Acme",
                "amount": 1_000_000.0,
                "sentence": "Dana closed $1.0M; call Sam on +1 (415) 555-0199 or sam.lee@acme.com.",
            }
        ],
        data_quality={
            "errors": 1,
            "rows_excluded": 1,
            "note": "Advocates row 7: pat@globex.io is typed twice",
        },
    )

    message = build(report_file, data, contacts={"sam.lee@acme.com", "pat@globex.io"})

    for part in (text_of(message), html_of(message)):
        assert "sam.lee@acme.com" not in part
        assert "pat@globex.io" not in part
        assert "555-0199" not in part
        assert "call Sam on [contact removed] or [contact removed]." in part
    # dates and amounts are not mistaken for phone numbers
    assert "$3.8M" in text_of(message) and "2026-11-20" in text_of(message)


def test_attached_report_carrying_an_advocate_email_outside_its_text_is_refused(tmp_path):
    leaky = tmp_path / "executive-update_2026-Q4.html"
    leaky.write_text('<html><body>Top advocate: <a href="mailto:SAM.LEE@acme.com">Sam Lee</a></body></html>')

    with pytest.raises(ContactLeakError, match="executive-update_2026-Q4.html"):
        build(leaky, contacts={"sam.lee@acme.com"})


def test_addresses_and_phones_in_the_attached_reports_text_are_removed_and_nothing_else_changes(tmp_path):
    image = "data:image/png;base64,iVBORw0KGgoAAAA+123456789=+020794609="  # digits a phone pattern would take
    page = (
        "<!DOCTYPE html><html><head><style>.card { margin: 0 0 12px 0; }</style></head><body>"
        f'<img alt="chart" src="{image}">'
        "<p>Won with Sam Lee, sam.lee@acme.com, +1 (415) 555-0199 &amp; Pat on 020 7946 0958.</p>"
        "<p>$1,200,000 on 2026-11-20 by Acme &amp; Co</p></body></html>"
    )
    report = tmp_path / "executive-update_2026-Q4.html"
    report.write_text(page, encoding="utf-8")

    message = build(report, contacts={"sam.lee@acme.com"})

    [attachment] = list(message.iter_attachments())
    assert attachment.get_payload(decode=True).decode("utf-8") == page.replace(
        "sam.lee@acme.com, +1 (415) 555-0199 &amp; Pat on 020 7946 0958",
        "[contact removed], [contact removed] &amp; Pat on [contact removed]",
    )


def test_an_attached_report_without_contact_details_is_attached_byte_for_byte(default_message):
    [attachment] = list(default_message.iter_attachments())

    assert attachment.get_payload(decode=True) == REPORT_HTML


def test_contacts_of_a_program_are_advocate_and_nominee_emails_and_phone_columns(make_program):
    program = make_program(
        Advocates=[{A.advocate_id: "ADV-1", A.name: "Sam Lee", A.email: "Sam.Lee@Acme.com", "Mobile phone": "+44 20 7946 0958"}],
        Nominations=[{N.nomination_id: "NOM-1", N.contact_name: "Pat", N.contact_email: "pat@globex.io"}],
    )  # fmt: skip

    assert contacts_from_program(program) == {"sam.lee@acme.com", "pat@globex.io", "+44 20 7946 0958"}


# ----------------------------------------------------------------------------------------------------------
# Size


def test_html_body_stays_under_100_kb_with_hundreds_of_goals_and_huge_text(report_file):
    long = "Very long story " * 2_000
    goal = {"metric": "new_advocates", "segment": "x" * 5_000, "target": 10, "actual": 5, "attainment": 0.5, "status": "behind"}  # fmt: skip
    story = {"rep": "Rep", "account": "A" * 5_000, "amount": 5.0, "sentence": long}
    data = metrics(goals=[goal] * 500, success_stories=[story] * 40)

    message = build(report_file, data)

    page = html_of(message)
    assert len(page.encode("utf-8")) < BODY_LIMIT
    assert "… and 475 more goals in the attached report." in page  # 500 goals, 25 shown
    assert "… and 35 more in the attached report." in page  # 40 stories, 5 shown


# ----------------------------------------------------------------------------------------------------------
# Charts


def test_charts_draw_only_what_has_data_and_survive_dollar_signs_in_names():
    assert render_charts(metrics(headline=[], goals=[], success_stories=[])) == []

    story = {"account": "$$ Bank $", "amount": 2_000_000.0, "sentence": "x"}
    charts = render_charts(metrics(headline=[], goals=[], success_stories=[story]))

    assert [c.name for c in charts] == ["success-stories"]
    assert charts[0].png.startswith(b"\x89PNG")
    assert "$$ Bank $ $2.0M" in charts[0].alt


def test_goal_chart_names_metrics_as_the_reports_do_with_the_segment_so_no_two_bars_read_the_same():
    insurance = {"goal_id": "G-01", "metric": "active_advocates", "segment": "industry=Insurance; product=Product A",
                 "target": 40, "actual": 8, "attainment": 0.2, "status": "behind"}  # fmt: skip
    apac = insurance | {
        "goal_id": "G-02",
        "segment": "region=APAC",
        "target": 10,
        "actual": 0,
        "attainment": 0.0,
    }

    [chart] = render_charts(metrics(headline=[], goals=[insurance, apac], success_stories=[]))

    assert chart.name == "goal-attainment"
    assert chart.alt == "Active advocates · Insurance, Product A 20%; Active advocates · APAC 0%"


# ----------------------------------------------------------------------------------------------------------
# Settings


def test_password_is_read_from_the_environment_variable_the_config_names():
    settings = settings_from_config(email_section())

    assert settings.password({"ADVOCACY_SMTP_PASSWORD": "s3cret"}) == "s3cret"
    with pytest.raises(ConfigError, match="ADVOCACY_SMTP_PASSWORD .* is not set"):
        settings.password({})


def test_config_refuses_a_password_written_in_the_file():
    with pytest.raises(ConfigError, match="never put the password in the config file"):
        settings_from_config(email_section(password="s3cret"))


def test_config_refuses_login_over_an_unencrypted_connection():
    with pytest.raises(ConfigError, match="unencrypted"):
        settings_from_config(email_section(security="none"))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"security": "tls1.3"}, "use one of starttls, ssl, none"),
        ({"port": "587"}, "not a port number"),
        ({"from": "advocacy team"}, "from: 'advocacy team' is not an e-mail address"),
        ({"recipients": {"board-deck": ["a@x.com"]}}, "'board-deck': not a report"),
        ({"recipients": {"goal-tracking": ["pm@example.com\nBcc: x@evil.com"]}}, "is not an e-mail address"),
    ],
)
def test_config_mistakes_are_one_line_naming_the_setting(override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from_config(email_section(**override))


def test_report_without_recipients_is_a_config_error_naming_it():
    settings = settings_from_config(email_section(recipients={"goal-tracking": ["pm@example.com"]}))

    with pytest.raises(ConfigError, match="no one for 'executive-update'"):
        settings.recipients_for("executive-update")


# ----------------------------------------------------------------------------------------------------------
# Dry run


def test_dry_run_writes_the_eml_beside_the_report_and_records_no_delivery(report_file, tmp_path):
    ledger = Ledger.beside(tmp_path)

    outcome = deliver_report(
        "goal-tracking", report_file, metrics(), settings=None, ledger=ledger, dry_run=True
    )

    eml = tmp_path / "goal-tracking_2026-Q4.eml"
    assert outcome.eml == eml
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Goal tracking: 2026-Q4 (data as of 2026-11-20)"
    assert parsed["To"] == "undisclosed-recipients:;"
    assert not ledger.path.exists()
