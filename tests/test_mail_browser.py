"""What a person sees: the HTML part of both received report e-mails, rendered in headless Chromium at a
phone's width (375 px) and a mail client's reading pane (600 px).

The messages go through a real SMTP server (aiosmtpd) first; the browser then loads each HTML part with every
``cid:`` image served from the message's own parts (as a mail client does) and every other request blocked
(:mod:`kit.mail.preview`), so the tests also show that the e-mails need nothing from the network. Each page's
screenshot is saved in the test's folder, and in ``$ADVOCACY_KIT_SCREENSHOTS`` when that is set.
"""

from __future__ import annotations

import copy
import email
import email.policy
import os
import re
from pathlib import Path

import pytest

from kit.delivery import Ledger, deliver_report
from kit.mail.preview import opened_email, render_email_png
from tests.factories import REPORT_HTML, SUCCESS_STORY, executive_metrics, local_mail_settings
from tests.smtp_server import Server

pytestmark = pytest.mark.slow

REPORTS = ("goal-tracking", "executive-update")
PHONE, PANE, SMALLEST = 375, 600, 320
HOSTILE = {"rep": "<img src=x onerror=alert(2)>", "account": "<script>alert(1)</script>", "amount": 500_000.0,
           "sentence": "<script>alert(1)</script> closed $0.5M with <img src=x onerror=alert(2)>"}  # fmt: skip


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture(scope="module")
def received(tmp_path_factory: pytest.TempPathFactory) -> dict[str, email.message.EmailMessage]:
    """Both e-mails of ``executive_metrics()`` (plus a story with a hostile name), as the server got them."""
    folder = tmp_path_factory.mktemp("reports")
    data = executive_metrics(success_stories=[SUCCESS_STORY, HOSTILE])
    server = Server()
    server.start()
    try:
        for report in REPORTS:
            path = folder / f"{report}_2026-Q4.html"
            path.write_bytes(REPORT_HTML)
            deliver_report(
                report, path, data, settings=local_mail_settings(server.port), ledger=Ledger.beside(folder),
                sleep=lambda _: None,
            )  # fmt: skip
    finally:
        server.stop()
    messages = [
        email.message_from_bytes(raw, policy=email.policy.default) for _, raw in server.mailbox.received
    ]
    by_report = {m["X-Advocacy-Kit-Report"].split(";")[0]: m for m in messages}
    assert set(by_report) == set(REPORTS)
    return by_report


def keep_screenshot(message, width: int, name: str, tmp_path: Path, browser) -> None:
    """The page's PNG in the test's folder, and in $ADVOCACY_KIT_SCREENSHOTS when set (``make screenshots``)."""
    render_email_png(message, width, tmp_path / name, browser)
    if folder := os.environ.get("ADVOCACY_KIT_SCREENSHOTS"):
        render_email_png(message, width, Path(folder) / name, browser)


def boxes(page, selector: str) -> list[dict]:
    """Where each element matching ``selector`` is drawn (x, y, width, height), and whether it is visible."""
    found = page.locator(selector)
    return [
        found.nth(i).bounding_box() | {"visible": found.nth(i).is_visible()} for i in range(found.count())
    ]


@pytest.mark.parametrize("width", [PHONE, PANE])
@pytest.mark.parametrize("report", REPORTS)
def test_an_e_mail_needs_no_sideways_scrolling_and_shows_every_tile_and_chart_whole(
    browser, received, report, width, tmp_path
):
    with opened_email(received[report], width, browser) as opened:
        page = opened.page

        assert page.evaluate("document.documentElement.scrollWidth") <= width
        tiles, images = boxes(page, ".tile"), boxes(page, "img")
        # the executive's six figures; the program manager's nine (executive_metrics() has nine)
        assert len(tiles) == (6 if report == "executive-update" else 9)
        # one chart for the executive (the deals won), three for the program manager
        assert len(images) == (1 if report == "executive-update" else 3)
        for box in tiles + images:
            assert box["visible"] and box["width"] > 100
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
        loaded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        assert all(loaded)
        # two tiles share a row in a reading pane; on a phone each has its own
        first, second = tiles[0], tiles[1]
        assert (first["y"] == second["y"]) is (width == PANE)
        assert opened.blocked == []
    keep_screenshot(received[report], width, f"email_{report}_{width}.png", tmp_path, browser)


@pytest.mark.parametrize("report", REPORTS)
def test_the_inlined_layout_fits_a_320_px_phone_even_in_a_client_that_drops_the_media_rules(
    browser, received, report
):
    message = copy.deepcopy(received[report])  # the module's messages stay as received
    body = message.get_body(("html",))
    body.set_content(re.sub(r"<style[^>]*>.*?</style>", "", body.get_content(), flags=re.S), subtype="html")

    with opened_email(message, SMALLEST, browser) as opened:
        assert opened.page.evaluate("document.documentElement.scrollWidth") <= SMALLEST


def test_the_goal_table_is_a_table_in_a_reading_pane_and_a_labelled_list_on_a_phone(browser, received):
    with opened_email(received["goal-tracking"], PANE, browser) as opened:
        assert opened.page.locator("table.goals th").first.is_visible()
        assert not opened.page.get_by_text("Status:").first.is_visible()
    with opened_email(received["goal-tracking"], PHONE, browser) as opened:
        assert not opened.page.locator("table.goals th").first.is_visible()
        # each goal's values under its name, labelled (two goals in metrics(): behind, achieved)
        statuses = opened.page.locator("table.goals tr.goal-row td:last-child")
        assert [s.inner_text() for s in statuses.all()] == ["Status: behind", "Status: achieved"]


def test_executive_tiles_say_the_figure_and_what_its_change_is_against_and_hostile_names_run_nothing(
    browser, received
):
    dialogs: list[str] = []
    with opened_email(received["executive-update"], PANE, browser) as opened:
        page = opened.page
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        # as hand-computed from executive_metrics(): label, value, what it rests on, change in words
        against = "in 2026-Q3 to 20 August"
        assert [t.inner_text().split("\n") for t in page.locator(".tile").all()] == [
            ["Revenue influenced (won)", "$3.8M", f"+$1.3M vs $2.5M {against}"],
            ["Opportunities influenced", "25", "44% of 57 closed deals", f"+5 vs 20 {against}"],
            ["Win-rate lift with advocates", "31%", "over 40 closed deals", f"+6 pts vs 25% {against}"],
            ["Active advocates", "212", f"+12 vs 200 {against}"],
            ["New advocates", "30", f"+15 vs 15 {against}"],
            ["Requests fulfilled", "49", f"−13 vs 62 {against}"],
        ]
        # the hostile names are shown as text (in the wins and in the draft message), and ran nothing
        assert page.get_by_text("<script>alert(1)</script> closed $0.5M", exact=False).first.is_visible()
        assert page.locator(".draft").inner_text().startswith("Team,\n\nThank you:")
        assert dialogs == []
        assert opened.blocked == []
