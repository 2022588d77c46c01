"""The intervals the reports print beside rates, each checked against statsmodels or the textbook formula
written out here independently (kit.metrics.uncertainty)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import proportion_confint

from kit.metrics.uncertainty import Stratum, katz_ratio, mantel_haenszel_ratio, wilson_interval
from tests.properties import examples

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


@pytest.mark.parametrize(
    ("won", "closed"), [(0, 1), (1, 1), (7, 10), (0, 31), (31, 31), (12, 20), (150, 312)]
)
def test_wilson_interval_equals_statsmodels(won: int, closed: int) -> None:
    low, high = proportion_confint(won, closed, alpha=0.05, method="wilson")
    assert wilson_interval(won, closed) == pytest.approx((low, high), abs=1e-12)


def test_wilson_interval_of_no_deal_is_none() -> None:
    assert wilson_interval(0, 0) is None


@settings(max_examples=examples(300))
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_rate_and_stays_within_0_and_1(case: tuple[int, int]) -> None:
    won, closed = case
    low, high = wilson_interval(won, closed)
    assert 0 <= low <= won / closed <= high <= 1


def _table(a: int, n1: int, c: int, n0: int) -> np.ndarray:
    """statsmodels' layout: rows exposed/unexposed, columns event/no event."""
    return np.array([[a, n1 - a], [c, n0 - c]], dtype=float)


@pytest.mark.parametrize(
    ("a", "n1", "c", "n0"), [(12, 20, 9, 30), (7, 10, 10, 31), (50, 60, 5, 100), (1, 3, 2, 2)]
)
def test_katz_interval_equals_statsmodels_log_risk_ratio_interval(a: int, n1: int, c: int, n0: int) -> None:
    table = Table2x2(_table(a, n1, c, n0), shift_zeros=False)
    estimate = katz_ratio(a, n1, c, n0)
    assert estimate.ratio == pytest.approx(table.riskratio)
    assert estimate.interval == pytest.approx(table.riskratio_confint(alpha=0.05), rel=1e-10)


def test_katz_without_a_win_on_either_side_gives_no_interval() -> None:
    no_win_with = katz_ratio(0, 8, 5, 20)
    assert no_win_with.ratio == 0 and no_win_with.interval is None
    assert katz_ratio(3, 8, 0, 20) == katz_ratio(3, 0, 1, 20) == katz_ratio(3, 8, 1, 0)
    assert katz_ratio(3, 8, 0, 20).ratio is None and katz_ratio(3, 8, 0, 20).interval is None


# Three deal-size bands: (won with, closed with, won without, closed without)
BANDS = [(2, 4, 5, 30), (6, 9, 8, 22), (10, 12, 6, 10)]


def _greenland_robins(bands: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    """Rothman & Greenland, Modern Epidemiology, ch. 15: RR_MH and the variance of its log, in their
    notation (A1, B1: cases; N1, N0: totals; M1 = A1 + B1; T = N1 + N0), written out independently."""
    num = den = var_num = 0.0
    for a1, n1, b1, n0 in bands:
        t = n1 + n0
        m1 = a1 + b1
        num += a1 * n0 / t
        den += b1 * n1 / t
        var_num += (m1 * n1 * n0 - a1 * b1 * t) / t**2
    rr = num / den
    se = math.sqrt(var_num / (num * den))
    return rr, rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)


def test_mantel_haenszel_ratio_equals_statsmodels_pooled_risk_ratio() -> None:
    pooled = StratifiedTable([_table(*band) for band in BANDS]).riskratio_pooled
    estimate = mantel_haenszel_ratio([Stratum(*band) for band in BANDS])
    assert estimate.ratio == pytest.approx(pooled, rel=1e-12)


def test_mantel_haenszel_interval_equals_the_greenland_robins_formula() -> None:
    rr, low, high = _greenland_robins(BANDS)
    estimate = mantel_haenszel_ratio([Stratum(*band) for band in BANDS])
    assert estimate.ratio == pytest.approx(rr, rel=1e-12)
    assert estimate.interval == pytest.approx((low, high), rel=1e-12)


@pytest.mark.parametrize("band", BANDS)
def test_mantel_haenszel_over_one_band_is_the_katz_interval_of_statsmodels(band: tuple[int, ...]) -> None:
    # With one stratum the Greenland–Robins variance reduces to Katz's: a check against statsmodels' own
    # interval, computed by another route.
    table = Table2x2(_table(*band), shift_zeros=False)
    estimate = mantel_haenszel_ratio([Stratum(*band)])
    assert estimate.interval == pytest.approx(table.riskratio_confint(alpha=0.05), rel=1e-10)


def test_mantel_haenszel_ignores_a_band_with_no_deal_on_one_side() -> None:
    with_empty = [Stratum(*band) for band in BANDS] + [Stratum(0, 0, 4, 9)]
    assert mantel_haenszel_ratio(with_empty) == mantel_haenszel_ratio([Stratum(*band) for band in BANDS])


def test_mantel_haenszel_without_usable_band_gives_nothing() -> None:
    estimate = mantel_haenszel_ratio([Stratum(0, 0, 4, 9), Stratum(3, 5, 0, 0)])
    assert estimate.ratio is None and estimate.interval is None
