"""The executive update states the lift among deals of similar size in words, with its interval and deal count,
as an association; the win-rate chart draws the 95% intervals as error bars (issue 18)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import proportion_confint

from kit import charts
from kit.formatting import SHARE
from kit.report import render_report
from kit.store.local import LocalStore
from tests.factories import AS_OF, activity, advocate, grids_from_rows, opportunity, setting

pytestmark = pytest.mark.slow

# Deals closed in 2026-Q4 of $1,000 .. $18,000 (three size bands: $1-6k, $7-12k, $13-18k); per band, the deal
# numbers with an advocate, the won among them, without, the won among them.
BANDS = (
    ((1, 2), (1,), (3, 4, 5, 6), (3,)),
    ((7, 8, 9), (7, 8), (10, 11, 12), (10,)),
    ((13, 14, 15, 16), (13, 14, 15), (17, 18), (17,)),
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("comparable")
    influenced = {n for band in BANDS for n in band[0]}
    won = {n for band in BANDS for n in (*band[1], *band[3])}
    deals = [
        opportunity(n, amount=1000 * n, close_date=dt.date(2026, 11, 1), is_won=n in won)
        for n in range(1, 19)
    ]
    calls = [activity(n, day=dt.date(2026, 10, 1), opportunity_id=f"OPP-{n:06d}") for n in sorted(influenced)]
    workbook = folder / "program.xlsx"
    LocalStore(workbook).write_grids(
        grids_from_rows(
            {
                "Advocates": [advocate(1)],
                "Opportunities": deals,
                "Activities": calls,
                "Settings": [setting("min_deals_for_rates", 5)],  # 9 deals on each side: enough here
            }
        )
    )
    result = render_report(
        "executive-update", source=str(workbook), period="2026-Q4", as_of=AS_OF, out_dir=folder
    )
    return result.html_path.read_text(encoding="utf-8")


def _table(with_, won_with, without, won_without):
    return np.array(
        [[len(won_with), len(with_) - len(won_with)], [len(won_without), len(without) - len(won_without)]]
    )


def test_the_executive_update_states_the_comparable_lift_with_its_interval_and_deal_count(page):
    ratio = StratifiedTable([_table(*band) for band in BANDS]).riskratio_pooled
    found = re.search(
        r"Among deals of similar size, those with an advocate won ([\d.]+)× as often as those without "
        r"\(95% interval ([\d.]+)–([\d.]+), (\d+) deals in 3 size bands\)",
        page,
    )
    assert found, "the comparable lift is not stated in words"
    assert found.group(1) == f"{ratio:.1f}"
    assert float(found.group(2)) < ratio < float(found.group(3))
    assert found.group(4) == "18"
    assert "This is an association, not proof" in page


def test_the_rates_show_how_many_deals_they_rest_on(page):
    low, high = proportion_confint(9, 18, method="wilson")
    assert f"of 18 closed deals; 95% interval {low * 100:.0f}–{high:.0%}" in page  # the share influenced
    assert "(67% of 9 vs 33% of 9; lift 95% interval" in page  # the win rates, in the impact list


def test_the_win_rate_chart_draws_each_interval_as_an_error_bar():
    intervals = [(0.48, 0.83), (0.16, 0.45)]
    fig = charts.column_chart(
        ["with", "without"],
        {"win rate": [0.68, 0.28]},
        title="t",
        unit=SHARE,
        intervals={"win rate": intervals},
    )
    bars = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    ends = sorted(
        tuple(sorted(segment[:, 1]))
        for bar in bars
        for lines in bar.lines[2]
        for segment in lines.get_segments()
    )
    expected = sorted((low * 100, high * 100) for low, high in intervals)
    assert np.allclose(ends, expected)
