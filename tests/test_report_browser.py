"""Both reports as a reader sees them: opened in headless Chromium, charts and tables drawn, no error, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.report import REPORTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture(scope="module")
def pages(demo_reports: Path) -> dict[str, Path]:
    """The demo's reports, rendered once per session for these tests and test_reports (conftest)."""
    return {name: demo_reports / f"{name.replace('-', '_')}_2026-Q4.html" for name in REPORTS}


@pytest.mark.parametrize("report", list(REPORTS))
def test_report_opens_in_chromium_with_charts_and_tables_and_no_error(browser, pages, report, tmp_path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on(
        "request",
        lambda request: (
            fetched.append(request.url) if not request.url.startswith(("file:", "data:")) else None
        ),
    )
    page.goto(pages[report].as_uri(), wait_until="load")

    shot = tmp_path / f"{report}.png"
    page.screenshot(path=str(shot), full_page=True)
    charts = page.eval_on_selector_all(
        "img",
        "imgs => imgs.filter(i => i.complete && i.naturalWidth > 200 && i.getBoundingClientRect().height > 50).length",
    )
    tables = page.eval_on_selector_all(
        "table", "ts => ts.filter(t => t.getBoundingClientRect().height > 0).length"
    )
    title = page.inner_text("h1")
    page.close()

    assert errors == [] and fetched == []  # no script error, nothing fetched from the network
    assert title == REPORTS[report].title
    assert charts >= (2 if report == "goal-tracking" else 1)
    assert tables >= 1
    assert shot.stat().st_size > 20_000  # a real page was drawn, not a blank one


@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("report", list(REPORTS))
def test_report_fits_a_phone_and_a_mail_pane_with_wide_tables_scrolling_in_their_own_box(
    browser, pages, report, width, tmp_path
):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(pages[report].as_uri(), wait_until="load")
    page.screenshot(path=str(tmp_path / f"{report}-{width}.png"), full_page=True)
    page_width = page.evaluate("document.documentElement.scrollWidth")
    # every table's box (what the reader sees of it) lies inside the screen, wide ones scroll inside it
    boxes_past_the_edge = page.eval_on_selector_all(
        "table", f"ts => ts.filter(t => t.parentElement.getBoundingClientRect().right > {width} + 1).length"
    )
    images_past_the_edge = page.eval_on_selector_all(
        "img", f"is => is.filter(i => i.getBoundingClientRect().right > {width} + 1).length"
    )
    page.close()

    assert page_width <= width
    assert boxes_past_the_edge == 0 and images_past_the_edge == 0
