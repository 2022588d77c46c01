"""Maintenance work the day of the check reveals: profiles not confirmed for too long, and advocates asked
more often this quarter than their cap allows."""

from __future__ import annotations

import datetime as dt

from kit import schema
from kit.periods import days_between
from kit.program import Program
from kit.usage import CAP, ROW, USES, quarter_label, quarter_usage
from kit.validate.cells import _blank
from kit.validate.findings import _Collector
from kit.validate.words import _day

A = schema.ADVOCATES.col


def _stale_profiles(found: _Collector, program: Program, as_of: dt.date) -> None:
    roster = program.advocates
    limit = program.settings.stale_after_days
    current = roster[~roster[A.status].isin(schema.UNAVAILABLE_STATUSES)]
    age = days_between(current[A.last_verified], as_of)
    for row in current.index[age > limit]:
        found.add(
            schema.ADVOCATES.name,
            row,
            A.last_verified,
            "stale_profile",
            f"Profile last confirmed {_day(current.at[row, A.last_verified])}, {int(age.at[row])} days ago "
            f"(stale after {limit}); check it with the advocate and update last verified.",
        )
    raw = program.raw[schema.ADVOCATES.name]
    never = current[A.last_verified].isna()
    if A.last_verified in raw.columns:
        never &= _blank(raw.loc[current.index, A.last_verified])  # an unreadable date is a bad_date already
    for row in current.index[never]:
        found.add(
            schema.ADVOCATES.name,
            row,
            A.last_verified,
            "stale_profile",
            "Profile never confirmed (last verified is empty); check it with the advocate.",
        )


def _over_cap(found: _Collector, program: Program, as_of: dt.date) -> None:
    usage = quarter_usage(program, as_of)
    over = usage[usage[USES] > usage[CAP]]
    quarter = quarter_label(as_of)
    for advocate_id, uses, cap, row in zip(over.index, over[USES], over[CAP], over[ROW], strict=True):
        found.add(
            schema.ADVOCATES.name,
            int(row),
            A.max_per_quarter,
            "over_cap",
            f"{advocate_id} was asked {uses} times in {quarter} (activities plus open requests), over "
            f"the cap of {cap}; let them rest until next quarter.",
        )
