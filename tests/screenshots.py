"""`make screenshots`: the pictures in the README and docs/, taken from the code as it is.

Builds the demo program as of the test day, renders both reports and their e-mails (``report all
--dry-run``), and photographs them in Debian's headless Chromium: each report's first screen at a laptop's
width, the executive e-mail in a mail client's reading pane (600 px) and on a phone (375 px). Run it after a
change to a report or an e-mail, look at the pictures, and commit them with the change.

    python -m tests.screenshots [--out docs]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kit.mail.preview import render_email_png
from tests.browser import CHROMIUM, launch
from tests.factories import DEMO_AS_OF

PERIOD = "2026-Q4"
REPORT_WIDTH, REPORT_HEIGHT = 1100, 1500  # a laptop's window; the report's first screen and a half


def _kit(*args: str) -> None:
    """One advocacy-kit command, as a person runs it; its output shows the progress."""
    subprocess.run([sys.executable, "-m", "kit.cli", *args], check=True)


def build_demo(folder: Path) -> Path:
    """The demo program and its reports and e-mails for PERIOD, in ``folder``; the reports' folder."""
    _kit("demo", "--out", str(folder), "--as-of", DEMO_AS_OF.isoformat(), "--force")
    reports = folder / "reports"
    _kit(
        "report", "all", "--source", str(folder / "advocacy_program.xlsx"), "--period", PERIOD,
        "--as-of", DEMO_AS_OF.isoformat(), "--out", str(reports), "--dry-run",
    )  # fmt: skip
    return reports


def report_picture(browser: Any, page_file: Path, picture: Path) -> None:
    """The report's first screen and a half at a laptop's width."""
    page = browser.new_page(viewport={"width": REPORT_WIDTH, "height": REPORT_HEIGHT})
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        page.screenshot(path=str(picture))
    finally:
        page.close()


def take_pictures(browser: Any, out: Path) -> list[Path]:
    """Build the demo, render its reports and e-mails, and photograph them into ``out``; the pictures."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="advocacy-kit-screenshots-") as work:
        reports = build_demo(Path(work))
        message = email.message_from_bytes(
            (reports / f"executive_update_{PERIOD}.eml").read_bytes(), policy=email.policy.default
        )
        report_page = {
            name: reports / f"{name}_{PERIOD}.html" for name in ("executive_update", "goal_tracking")
        }
        pictures = {
            "executive_update.png": lambda p: report_picture(browser, report_page["executive_update"], p),
            "goal_tracking.png": lambda p: report_picture(browser, report_page["goal_tracking"], p),
            "executive_update_email.png": lambda p: render_email_png(message, 600, p, browser),
            "executive_update_email_phone.png": lambda p: render_email_png(message, 375, p, browser),
        }
        for name, take in pictures.items():
            take(out / name)
            print(f"wrote {out / name}", file=sys.stderr)
    return [out / name for name in pictures]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=Path("docs"), help="where the pictures go (default: docs)"
    )
    out = parser.parse_args(argv).out
    if not CHROMIUM.exists():
        print(
            f"screenshots: {CHROMIUM} is missing; `make .venv/.system-packages` installs it", file=sys.stderr
        )
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            take_pictures(browser, out)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
