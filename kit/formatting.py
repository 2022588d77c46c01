"""Numbers as people read them, in one place: the reports, the e-mail and metrics' prose all write a figure
through these functions, so "$3.8M" or "+5 pts" reads the same in every one of them.

A figure's unit says how it is written: ``COUNT`` (1,234), ``SHARE`` (a fraction, written 42%), ``MONEY``
($3.8M) or ``DAYS`` (4.5 days). This module imports nothing of the kit, so anything can use it.
"""

from __future__ import annotations

import math

COUNT, SHARE, MONEY, DAYS = "count", "share", "money", "days"
NO_VALUE = "–"  # a figure that has no value (nothing to divide by, no data yet)


def is_missing(value: float | None) -> bool:
    """No figure to write: None, NaN or infinite (written '–')."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def money(amount: float) -> str:
    """$3.8M, $250K, $900."""
    if abs(amount) >= 1e6:
        return f"${amount / 1e6:.1f}M"
    if abs(amount) >= 1e3:
        return f"${amount / 1e3:.0f}K"
    return f"${amount:,.0f}"


def percent(share: float | None) -> str:
    """A share in whole percent: 0.314 → '31%'; '–' when there is none."""
    return NO_VALUE if is_missing(share) else f"{share:.0%}"


def format_value(value: float | None, unit: str) -> str:
    """A figure as a report shows it: 1,234 · 42% · $3.8M · 4.5 days · '–' when there is none."""
    if is_missing(value):
        return NO_VALUE
    if unit == SHARE:
        return percent(value)
    if unit == MONEY:
        return money(value)
    if unit == DAYS:
        return f"{value:.1f} days" if value != int(value) else f"{int(value)} days"
    return f"{value:,.0f}"


def _change_size(size: float, unit: str) -> str:
    """The size of a change (no sign) as written: 5 pts · $1.2M · 0.5 days · 12."""
    if unit == SHARE:
        return f"{size * 100:.0f} pts"
    if unit == MONEY:
        return money(size)
    if unit == DAYS:
        return f"{size:.1f} days"
    return f"{size:,.0f}"


def is_no_change(change: float | None, unit: str) -> bool:
    """Whether a change rounds to nothing as written (a share down 0.2 points is '0 pts'): no news, good or
    bad, so it reads 'no change' and takes no colour rather than a red '−0 pts'."""
    return not is_missing(change) and not any(c in "123456789" for c in _change_size(abs(change), unit))


def format_change(change: float | None, unit: str) -> str:
    """A change from last period: +12 · +5 pts · +$1.2M · −0.5 days · ±0 (also for a change that rounds to
    nothing: ±0 pts, never −0 pts) · '–'."""
    if is_missing(change):
        return NO_VALUE
    sign = "±" if is_no_change(change, unit) else "+" if change > 0 else "−"
    return sign + _change_size(abs(change), unit)


def change_words(change: float | None, unit: str) -> str:
    """A change as the reports and e-mails say it: '+12', '−$772K', or 'no change' when it rounds to nothing."""
    return "no change" if is_no_change(change, unit) else format_change(change, unit)


def change_from(change: float | None, previous: float | None, unit: str) -> str:
    """The e-mail's line under a figure: '+$1.3M vs $2.5M', 'no change vs 200' (also for a change that rounds
    to nothing); '' when the change is unknown."""
    if is_missing(change):
        return ""
    text = change_words(change, unit)
    return text if is_missing(previous) else f"{text} vs {format_value(previous, unit)}"
