"""A program with too few closed deals to compare win rates (issue 18): the rendered reports and the e-mail
say so in words and never print the rates as headline figures; the JSON keeps them with their n."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import pytest

from kit.mail.compose import build_message
from kit.report import REPORTS, render_reports
from kit.store.local import LocalStore
from tests.factories import AS_OF, activity, advocate, grids_from_rows, opportunity

pytestmark = pytest.mark.slow

# 7 deals closed in 2026-Q4 with an advocate (5 won), 31 without (9 won): win rates 5/7 = 71% and
# 9/31 = 29%, lift (5/7) / (9/31) − 1 = 146%. Below the default min_deals_for_rates (10) on one side.
SENTENCE = "not enough closed deals yet to compare (7 with an advocate, 31 without)"
RATES = ("71%", "29%", "146%")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("small")
    deals = [
        opportunity(
            n, close_date=dt.date(2026, 10, 20), is_won=(n <= 5 if n <= 7 else n <= 16), amount=1000 * n
        )
        for n in range(1, 39)
    ]
    calls = [activity(n, day=dt.date(2026, 10, 1), opportunity_id=f"OPP-{n:06d}") for n in range(1, 8)]
    workbook = folder / "small.xlsx"
    LocalStore(workbook).write_grids(
        grids_from_rows({"Advocates": [advocate(1)], "Opportunities": deals, "Activities": calls})
    )
    run = render_reports(list(REPORTS), source=str(workbook), period="2026-Q4", as_of=AS_OF, out_dir=folder)
    return {r.report: r for r in run.reports}


def _message(report) -> email.message.EmailMessage:
    message = build_message(
        report.metrics,
        report=report.report,
        report_path=report.html_path,
        sender="advocacy@example.com",
        recipients=["cxo@example.com"],
    )
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def _cards(page: str, key: str) -> list[str]:
    return re.findall(rf'<div class="card" data-key="{key}"[^>]*>(.*?)</div></div>', page, flags=re.S)


def test_the_json_keeps_the_rates_with_their_deal_counts(rendered):
    figures = rendered["executive-update"].metrics
    with_, without = figures.figure("win_rate_with"), figures.figure("win_rate_without")
    assert (with_.value, with_.n, without.value, without.n) == (
        pytest.approx(5 / 7),
        7,
        pytest.approx(9 / 31),
        31,
    )
    assert figures.figure("win_rate_lift").withheld == SENTENCE


@pytest.mark.parametrize("report", list(REPORTS))
def test_the_reports_say_there_are_too_few_deals_instead_of_a_bold_rate(rendered, report):
    page = Path(rendered[report].html_path).read_text(encoding="utf-8")
    for key in ("win_rate_with", "win_rate_without", "win_rate_lift"):
        for card in _cards(page, key):
            assert 'class="value"' not in card  # the bold figure of a card
            assert SENTENCE in card.lower()
            assert not any(rate in card for rate in RATES)
    for bold in re.findall(r"<(?:b|strong)>(.*?)</(?:b|strong)>", page, flags=re.S):
        assert not any(rate in bold for rate in RATES)


def test_the_executive_update_claims_no_lift_and_says_why(rendered):
    page = Path(rendered["executive-update"].html_path).read_text(encoding="utf-8")
    assert "Not enough closed deals yet to compare (7 with an advocate, 31 without)" in page
    assert "more often" not in page and "× as often" not in page
    assert not any(rate in page for rate in RATES)


@pytest.mark.parametrize("report", list(REPORTS))
def test_the_email_says_there_are_too_few_deals_and_shows_no_win_rate(rendered, report):
    message = _message(rendered[report])
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    for body in (html, text):
        assert SENTENCE in body.lower()
        assert not any(rate in body for rate in RATES)
