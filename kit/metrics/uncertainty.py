"""How sure a rate or a ratio of rates is: 95% intervals for the figures the reports show as shares.

Pure arithmetic on counts (no pandas, no scipy: ``statistics.NormalDist`` gives the normal quantile), so the
metrics, the tests and a notebook can all call it. Three methods, each the textbook one for its quantity:

- **A proportion** (a win rate, a share within SLA): the Wilson score interval (E. B. Wilson, "Probable
  inference, the law of succession, and statistical inference", *JASA* 22 (1927) 209–212). Unlike the
  "p ± z·√(p(1−p)/n)" interval it stays within 0..1 and keeps its coverage with few deals or a rate near 0
  or 1, which is the case the reports must be honest about.
- **A ratio of two proportions** (win rate with advocates ÷ without): the log method of D. Katz, J. Baptista,
  S. P. Azen and M. C. Pike, "Obtaining confidence intervals for the risk ratio in cohort studies",
  *Biometrics* 34 (1978) 469–474: ``exp(log RR ± z·√(1/a − 1/n₁ + 1/c − 1/n₀))``.
- **That ratio within strata** (deals of similar size): the Mantel–Haenszel risk ratio (N. Mantel and
  W. Haenszel, *JNCI* 22 (1959) 719–748) with the Greenland–Robins variance of its logarithm (S. Greenland
  and J. M. Robins, "Estimation of a common effect parameter from sparse follow-up data", *Biometrics* 41
  (1985) 55–68), which stays valid when each stratum holds few deals.

Zero cells: a side without a single win makes the ratio 0 (or, without, unbounded) and its logarithm has
no standard error. The kit then gives the ratio where it exists but **no interval** (None) rather than
inventing one with a continuity correction; the reports say the figure cannot be bounded yet. A side with no
deal at all gives neither ratio nor interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

LEVEL = 0.95


def _z(level: float) -> float:
    """The two-sided normal quantile: 1.959964 for 95%."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> tuple[float, float] | None:
    """The Wilson score interval for ``successes`` out of ``n`` (None when ``n`` is 0).

    ``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes / n``."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n ({successes} of {n})")
    z = _z(level)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # exactly 0 (or 1) at no success (or no failure), as in the formula; floating point would leave 1e-17
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio of two proportions with its interval (None where it cannot be bounded, see the module)."""

    ratio: float | None
    interval: tuple[float, float] | None


def katz_ratio(events_1: int, n_1: int, events_0: int, n_0: int, level: float = LEVEL) -> RatioEstimate:
    """(events_1/n_1) ÷ (events_0/n_0) with the Katz log interval.

    Zero cells: no deal on a side, or no event on the reference side → no ratio; no event on either side
    → the ratio where defined (0 when only side 1 has none) and no interval."""
    if n_1 <= 0 or n_0 <= 0 or events_0 <= 0:
        return RatioEstimate(None, None)
    ratio = (events_1 / n_1) / (events_0 / n_0)
    if events_1 <= 0:
        return RatioEstimate(ratio, None)
    se = math.sqrt(1 / events_1 - 1 / n_1 + 1 / events_0 - 1 / n_0)
    z = _z(level)
    return RatioEstimate(ratio, (ratio * math.exp(-z * se), ratio * math.exp(z * se)))


@dataclass(frozen=True)
class Stratum:
    """One stratum's 2×2 counts: events and totals on side 1 (with advocates) and side 0 (without)."""

    events_1: int
    n_1: int
    events_0: int
    n_0: int


def mantel_haenszel_ratio(strata: Sequence[Stratum], level: float = LEVEL) -> RatioEstimate:
    """The Mantel–Haenszel risk ratio over ``strata`` with the Greenland–Robins interval.

    ``RR = Σ(a·n₀/N) / Σ(c·n₁/N)`` (a, c: events with, without; N = n₁ + n₀ per stratum), and
    ``Var(log RR) = Σ((n₁·n₀·(a+c) − a·c·N)/N²) / (Σ(a·n₀/N) · Σ(c·n₁/N))``. A stratum with no deal on a
    side adds nothing to either sum (the caller drops it, so it is not counted as used)."""
    strata = [s for s in strata if s.n_1 > 0 and s.n_0 > 0]
    if not strata:
        return RatioEstimate(None, None)
    r = sum(s.events_1 * s.n_0 / (s.n_1 + s.n_0) for s in strata)
    s_ = sum(s.events_0 * s.n_1 / (s.n_1 + s.n_0) for s in strata)
    if s_ <= 0:
        return RatioEstimate(None, None)
    ratio = r / s_
    if r <= 0:
        return RatioEstimate(ratio, None)
    p = sum(
        (s.n_1 * s.n_0 * (s.events_1 + s.events_0) - s.events_1 * s.events_0 * (s.n_1 + s.n_0))
        / (s.n_1 + s.n_0) ** 2
        for s in strata
    )
    se = math.sqrt(p / (r * s_))
    z = _z(level)
    return RatioEstimate(ratio, (ratio * math.exp(-z * se), ratio * math.exp(z * se)))


__all__ = [
    "LEVEL",
    "RatioEstimate",
    "Stratum",
    "katz_ratio",
    "mantel_haenszel_ratio",
    "wilson_interval",
]
