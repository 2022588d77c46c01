"""Numbers as every report and the e-mail show them (kit.formatting): one function per kind of figure."""

from __future__ import annotations

import math

import pytest

from kit.formatting import COUNT, DAYS, MONEY, SHARE, change_from, format_change, format_value, money, percent


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234, COUNT, "1,234"),
        (0.314, SHARE, "31%"),
        (3_800_000, MONEY, "$3.8M"),
        (250_000, MONEY, "$250K"),
        (900, MONEY, "$900"),
        (4, DAYS, "4 days"),
        (4.5, DAYS, "4.5 days"),
        (None, COUNT, "–"),
        (math.nan, SHARE, "–"),
        (math.inf, COUNT, "–"),
    ],
)
def test_a_figure_reads_as_the_reports_show_it(value, unit, text):
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("change", "unit", "text"),
    [
        (12, COUNT, "+12"),
        (-3, COUNT, "−3"),
        (0, COUNT, "±0"),
        (-0.002, SHARE, "±0 pts"),  # 0.2 points down is written 0 pts: no sign to colour
        (0.4, COUNT, "±0"),
        (0.05, SHARE, "+5 pts"),
        (1_300_000, MONEY, "+$1.3M"),
        (-0.5, DAYS, "−0.5 days"),
        (None, MONEY, "–"),
    ],
)
def test_a_change_from_last_period_carries_its_sign_and_unit(change, unit, text):
    assert format_change(change, unit) == text


def test_percent_is_a_share_in_whole_percent_and_a_dash_without_one():
    assert (percent(1.9), percent(0.6), percent(None)) == ("190%", "60%", "–")


def test_money_rounds_to_the_scale_a_reader_takes_in_at_a_glance():
    assert (money(3_849_000), money(250_400), money(12.4)) == ("$3.8M", "$250K", "$12")


def test_the_e_mail_tile_says_the_change_against_last_periods_value_or_nothing_when_unknown():
    assert change_from(1_300_000, 2_500_000, MONEY) == "+$1.3M vs $2.5M"
    assert change_from(0, 200, COUNT) == "no change vs 200"
    assert change_from(-0.004, 0.25, SHARE) == "no change vs 25%"  # −0.4 points: never "−0 pts"
    assert change_from(-0.006, 0.25, SHARE) == "−1 pts vs 25%"
    assert change_from(12, None, COUNT) == "+12"
    assert change_from(None, 200, COUNT) == ""
