"""What a person sees: the HTML part of a received report e-mail, rendered in headless Chromium.

The message goes through a real SMTP server (aiosmtpd) first; the browser then loads the HTML part with
each ``cid:`` image served from the message's own parts (as a mail client does) and every other request
blocked, so the test also shows that the e-mail needs nothing from the network.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from kit.delivery import Ledger, deliver_report
from tests.factories import REPORT_HTML, SUCCESS_STORY, local_mail_settings, metrics
from tests.smtp_server import Server

pytestmark = pytest.mark.slow

PARTS = "http://message.invalid/cid/"  # where the rewritten cid: URLs point; served from the message


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture
def received(tmp_path: Path) -> email.message.EmailMessage:
    """The executive update of ``metrics()`` (plus a story with a hostile name), as the server got it."""
    report = tmp_path / "executive-update_2026-Q4.html"
    report.write_bytes(REPORT_HTML)
    hostile = {"rep": "<img src=x onerror=alert(2)>", "account": "<script>alert(1)</script>", "amount": 500_000.0,
               "sentence": "<script>alert(1)</script> closed $0.5M with <img src=x onerror=alert(2)>"}  # fmt: skip
    data = metrics(success_stories=[SUCCESS_STORY, hostile])
    server = Server()
    server.start()
    try:
        deliver_report(
            "executive-update", report, data, settings=local_mail_settings(server.port), ledger=Ledger.beside(tmp_path),
            sleep=lambda _: None,
        )  # fmt: skip
    finally:
        server.stop()
    [(_, raw)] = server.mailbox.received
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_html_part_shows_headline_figures_and_every_chart_with_nothing_from_the_network(
    browser, received, tmp_path
):
    parts = {p["Content-ID"].strip("<>"): p for p in received.walk() if p["Content-ID"]}
    page_html = received.get_body(("html",)).get_content()
    page_html = re.sub(r'src="cid:([^"]+)"', lambda m: f'src="{PARTS}{m.group(1)}"', page_html)
    blocked: list[str] = []
    dialogs: list[str] = []

    def serve(route):
        url = route.request.url
        if url.startswith(PARTS) and url[len(PARTS) :] in parts:
            part = parts[url[len(PARTS) :]]
            route.fulfill(status=200, content_type=part.get_content_type(), body=part.get_content())
        else:
            blocked.append(url)
            route.abort()

    page = browser.new_page(viewport={"width": 700, "height": 900})
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route("**/*", serve)
        page.set_content(page_html, wait_until="load")

        # headline figures as hand-computed from metrics(): label, value, change from the previous period
        tiles = page.locator("table.tiles td")
        assert [t.inner_text().split("\n") for t in tiles.all()] == [
            ["Revenue influenced (won)", "$3.8M", "+$1.3M vs $2.5M"],
            ["Active advocates", "212", "+12 vs 200"],
            ["Win-rate lift with advocates", "31%", "+6 pts vs 25%"],
        ]
        assert all(t.is_visible() and t.bounding_box()["width"] > 100 for t in tiles.all())
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.getBoundingClientRect().width])"
        )
        assert len(images) == 3 and all(loaded and width > 100 for loaded, width in images)
        # the hostile names are shown as text, and ran nothing
        assert page.get_by_text("<script>alert(1)</script> closed $0.5M", exact=False).is_visible()
        assert dialogs == []
        assert blocked == []
        page.screenshot(path=str(tmp_path / "email.png"), full_page=True)
    finally:
        page.close()
