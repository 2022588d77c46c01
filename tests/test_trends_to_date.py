"""Trends compare like with like: a period still running is drawn and labelled 'to date', and no sentence
compares it with a whole period; figures of past periods built from today's statuses say so."""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest

from kit import charts, schema
from tests.conftest import DEMO_AS_OF

X = schema.ACTIVITIES.col


def test_a_running_periods_columns_are_lighter_hatched_and_labelled_to_date():
    fig = charts.column_chart(
        ["2026-Q3", "2026-Q4"], {"activities": [10, 4], "requests": [8, 3]}, title="t", to_date=[False, True]
    )
    ax = fig.axes[0]
    bars = [patch for container in ax.containers for patch in container]  # per series: Q3, then Q4
    assert [(bar.get_alpha(), bar.get_hatch()) for bar in bars] == [(None, None), (0.45, "//")] * 2
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["2026-Q3", "2026-Q4\n(to date)"]


def test_without_to_date_every_column_is_a_whole_period():
    fig = charts.column_chart(["2026-Q2", "2026-Q3"], {"activities": [10, 4]}, title="t")
    assert all(bar.get_hatch() is None for container in fig.axes[0].containers for bar in container)


def _visible(page: str) -> str:
    page = re.sub(r"<style.*?</style>|<img[^>]*>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _activities_between(program, first: dt.date, last: dt.date) -> int:
    days = pd.to_datetime(program.activities[X.date])
    return int(((days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))).sum())


@pytest.mark.slow
def test_goal_tracking_marks_the_running_quarter_to_date_and_compares_it_with_the_same_days(
    demo_reports, demo_program
):
    text = _visible((demo_reports / "goal_tracking_2026-Q4.html").read_text(encoding="utf-8"))
    trends = text[text.index("Trends over the last") :]
    # 20 November is day 51 of 2026-Q4; the same 51 days of 2026-Q3 end on 20 August.
    now = _activities_between(demo_program, dt.date(2026, 10, 1), DEMO_AS_OF)
    before = _activities_between(demo_program, dt.date(2026, 7, 1), dt.date(2026, 8, 20))
    assert (
        f"Activities: {now} in 2026-Q4 to date, against {before} in the same 51 days of 2026-Q3 (to 2026-08-20)"
    ) in trends
    assert "went from" not in trends
    assert "2026-Q4 (to date)" in trends and "2026-Q3 (to date)" not in trends
    assert "Active advocates of 2025-Q3 to 2026-Q3 are counted with today's statuses" in trends


@pytest.mark.slow
def test_a_past_quarters_goal_tracking_has_no_period_to_date_and_says_its_statuses_are_todays(
    demo_workbook, tmp_path
):
    from kit.report import render_report

    result = render_report(
        "goal-tracking",
        source=str(demo_workbook),
        as_of=dt.date(2026, 12, 1),
        out_dir=tmp_path,
        period="2026-Q3",
    )
    text = _visible(result.html_path.read_text(encoding="utf-8"))
    assert "(to date)" not in text
    assert "Activities went from" in text and "in 2026-Q3." in text
    header = text[: text.index("At a glance")]
    assert "Active advocates of 2026-Q3 are counted with today's statuses" in header
