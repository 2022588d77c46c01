"""The executive update's e-mail: six figures, the wins, the asks and a message to the company ready to
forward, then a pointer to the attached report; the goal-tracking e-mail keeps its work-list instead.

The figures are ``tests.factories.executive_metrics()``; every expected line below is written from its
values by hand (see its docstring), not copied from the e-mail.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from pathlib import Path

import pytest

from kit.mail import build_message
from tests.factories import REPORT_HTML, SUCCESS_STORY, executive_metrics

# On 20 November 2026, 51 days into 2026-Q4: the changes are against 1 July .. 20 August of 2026-Q3.
ASKS = [
    "Help us recruit 32 more Insurance advocates using Product A (we have 8, the goal is 40).",  # 40 − 8
    "Encourage these teams to use customer references: Events made no request.",
]
DRAFT = [
    "Team,",
    "",
    "Thank you: our customer advocates helped 25 deals this quarter, and the ones we won brought $3.8M; deals "
    "that used an advocate won 31% more often than those that did not (40 closed deals).",
    "",
    "A few wins worth celebrating:",
    "- Dana Ortiz closed $3.8M at Acme Insurance this quarter with 2 reference calls.",
    "",
    "We have 212 active advocates (30 new this quarter), and we fulfilled 49 requests for them, 67% within our "
    "service targets.",
    "",
    "My ask of you: help us recruit 32 more Insurance advocates using Product A. Nominate the customers you know.",
    "",
    "Thank you to every advocate and every colleague who made this possible.",
]


def build(tmp_path: Path, report: str, data=None, **kw) -> email.message.EmailMessage:
    """The e-mail of ``report``, serialised and parsed back as a mail client sees it."""
    path = tmp_path / f"{report}_2026-Q4.html"
    path.write_bytes(REPORT_HTML)
    message = build_message(
        data if data is not None else executive_metrics(),
        report=report,
        report_path=path,
        sender="Advocacy program <advocacy@example.com>",
        recipients=["cxo@example.com"],
        **kw,
    )
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def draft_lines_of(page: str) -> list[str]:
    """The draft message as the HTML part shows it, one entry per line (its <br>s)."""
    [draft] = re.findall(r'<div class="draft"[^>]*>(.*?)</div>', page, re.S)
    return [html.unescape(line) for line in re.split(r"<br\s*/?>", draft)]


@pytest.fixture(scope="module")
def executive(tmp_path_factory: pytest.TempPathFactory):
    return build(tmp_path_factory.mktemp("executive"), "executive-update")


@pytest.fixture(scope="module")
def goal_tracking(tmp_path_factory: pytest.TempPathFactory):
    return build(tmp_path_factory.mktemp("goal-tracking"), "goal-tracking")


def test_executive_plain_text_carries_the_asks_and_the_draft_message_with_its_line_breaks(executive):
    text = text_of(executive)

    assert "WHAT WE ASK OF YOU\n" + "".join(f"  - {ask}\n" for ask in ASKS) in text
    # unindented, its blank lines kept: ready to copy into a message to the company
    assert "A MESSAGE TO THE COMPANY, READY TO FORWARD\n\n" + "\n".join(DRAFT) + "\n" in text


def test_goal_tracking_plain_text_has_neither_the_asks_nor_the_draft_but_its_goals(goal_tracking):
    text = text_of(goal_tracking)

    assert "GOALS (goal, segment: actual of target, attained, status)" in text
    assert "New advocates, industry=Insurance: 30 of 50, 60%, behind" in text
    for line in (*ASKS, "WHAT WE ASK OF YOU", "READY TO FORWARD", "Team,", "My ask of you"):
        assert line not in text


def test_executive_html_shows_the_draft_message_line_by_line_and_the_asks(executive):
    page = html_of(executive)

    assert draft_lines_of(page) == DRAFT
    assert [html.unescape(a) for a in re.findall(r"<li[^>]*>([^<]*)</li>", page)] == ASKS


def test_executive_shows_six_figures_each_saying_what_its_change_is_against(executive):
    page, text = html_of(executive), text_of(executive)

    labels = re.findall(r'<div class="label"[^>]*>([^<]*)</div>', page)
    assert labels == [
        "Revenue influenced (won)",
        "Opportunities influenced",
        "Win-rate lift with advocates",
        "Active advocates",
        "New advocates",
        "Requests fulfilled",
    ]  # not nominations received, nor the within-SLA share: the goal-tracking e-mail shows those
    changes = [html.unescape(c) for c in re.findall(r'<div class="change \w+"[^>]*>([^<]*)</div>', page)]
    assert changes == [
        "+$1.3M vs $2.5M in 2026-Q3 to 20 August",
        "+5 vs 20 in 2026-Q3 to 20 August",
        "+6 pts vs 25% in 2026-Q3 to 20 August",
        "+12 vs 200 in 2026-Q3 to 20 August",
        "+15 vs 15 in 2026-Q3 to 20 August",
        "−13 vs 62 in 2026-Q3 to 20 August",
    ]
    # the count of influenced deals with the share of closed deals it is
    assert re.search(
        r"Opportunities influenced\s+25\s+\+5 vs 20 in 2026-Q3 to 20 August\s+\(44% of 57 closed deals\)",
        text,
    )
    assert "the same 51 days of 2026-Q3 (to 2026-08-20)" in page


def test_executive_e_mail_has_no_goal_table_and_points_to_the_attached_report_without_a_link(executive):
    page, text = html_of(executive), text_of(executive)

    assert not re.search(r"<h2[^>]*>Goals</h2>", page)
    assert not any("goals" in classes.split() for classes in re.findall(r'class="([^"]*)"', page))
    assert "GOALS" not in text
    assert "<a " not in page and "http" not in page
    assert "is attached: executive-update_2026-Q4.html" in page
    assert "The full report is attached: executive-update_2026-Q4.html" in text
    # one chart: the deals the wins brought (the goal and change charts are the program manager's)
    assert [p.get_filename() for p in executive.walk() if p.get_content_type() == "image/png"] == [
        "success-stories.png"
    ]
    assert "WINS ADVOCATES HELPED CLOSE\n  - " + SUCCESS_STORY["sentence"] in text


def test_executive_data_quality_note_says_in_words_what_it_means_for_the_figures(tmp_path):
    note = "3 row(s) with errors are left out of the figures (Opportunities: 3)"
    flagged = executive_metrics(
        data_quality={"validated": True, "errors": 3, "warnings": 1, "rows_excluded": 3, "note": note}
    )

    message = build(tmp_path, "executive-update", flagged)

    words = "3 rows were left out of the figures because of errors the program team is fixing."
    assert words in text_of(message) and words in html_of(message)
    assert "Opportunities: 3" not in text_of(message) + html_of(message)


def test_sheet_text_in_the_asks_and_the_draft_is_escaped_and_cleaned_of_contact_details(tmp_path):
    coverage = [{"segment": "industry=<b>Insurance</b>", "label": "x", "phrase": "<b>Insurance</b> advocates",
                 "active_advocates": 1, "new_advocates": 0, "requests": 0, "target": 5, "gap": 4}]  # fmt: skip
    story = SUCCESS_STORY | {"sentence": "Dana closed $3.8M; thank sam.lee@acme.com or +1 (415) 555-0199."}
    data = executive_metrics(coverage=coverage, success_stories=[story])

    message = build(tmp_path, "executive-update", data, contacts={"sam.lee@acme.com"})

    page, text = html_of(message), text_of(message)
    assert (
        "Help us recruit 4 more &lt;b&gt;Insurance&lt;/b&gt; advocates" in page and "<b>Insurance" not in page
    )
    assert "- Dana closed $3.8M; thank [contact removed] or [contact removed]." in draft_lines_of(page)
    assert "- Dana closed $3.8M; thank [contact removed] or [contact removed]." in text.splitlines()
    assert "sam.lee" not in page + text and "555-0199" not in page + text


def test_an_executive_e_mail_with_nothing_to_ask_says_so(tmp_path):
    message = build(tmp_path, "executive-update", executive_metrics(coverage=[], service={}))

    assert "No ask this period: every strategic segment is covered and every team uses the program." in (
        text_of(message)
    )
