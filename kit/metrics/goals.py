"""Goals: each row of the Goals tab evaluated against the figure it names, over its own period and segment
(see 'Goal attainment' in ``kit.metrics.definitions``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

import pandas as pd

from kit.metrics.data import Data
from kit.metrics.definitions import HEADLINE, LEVEL_METRICS, LOWER_IS_BETTER, G
from kit.periods import Period, parse_period
from kit.segments import Segment

# The columns of ``ProgramMetrics.goals``: one row per goal of the Goals tab that covers the period.
GOAL_COLUMNS = (
    "goal_id", "period", "metric", "segment", "owner", "target", "actual", "attainment",
    "elapsed", "expected", "status", "note",
)  # fmt: skip


class GoalStatus(enum.StrEnum):
    """Where a goal stands (see 'Goal attainment' in the definitions); its text is what the reports show.

    A ``str``: ``GoalStatus.ON_TRACK == "on track"``, so a table of goals filters and prints as text."""

    ACHIEVED = "achieved"
    ON_TRACK = "on track"
    BEHIND = "behind"
    MISSED = "missed"
    TOO_EARLY = "too early to tell"  # in the first goal_grace_days of the goal's period: no verdict yet
    NO_DATA = "no data"  # evaluated, but the figure has no value (nothing to divide by)
    NOT_EVALUATED = "not evaluated"  # the goal's row cannot be read; its note says why

    @property
    def tone(self) -> str:
        """'good', 'bad' or 'neutral': how a report or the e-mail colours the status."""
        if self in (GoalStatus.ACHIEVED, GoalStatus.ON_TRACK):
            return "good"
        if self in (GoalStatus.BEHIND, GoalStatus.MISSED):
            return "bad"
        return "neutral"


def _goal_segment(text: Any) -> Segment | None:
    try:
        return Segment.parse(text)
    except Exception:  # an unreadable segment in the Goals tab: that goal is reported, not evaluated
        return None


def _evaluate_goals(
    program_data: Data,
    goals: pd.DataFrame,
    period: Period,
    as_of: dt.date,
    segment: Segment,
    fiscal_start: int,
    figures: Callable,
) -> pd.DataFrame:
    rows = []
    for _, goal in goals.iterrows():
        row = {
            "goal_id": goal[G.goal_id],
            "period": goal[G.period],
            "metric": goal[G.metric],
            "segment": goal[G.segment] or "",
            "owner": goal[G.owner],
            "target": None if pd.isna(goal[G.target]) else goal[G.target],
            "actual": None,
            "attainment": None,
            "elapsed": None,
            "expected": None,
            "status": GoalStatus.NOT_EVALUATED,
            "note": "",
        }
        try:
            goal_period = parse_period(goal[G.period], fiscal_year_start_month=fiscal_start)
        except Exception:
            goal_period = None
        goal_segment = _goal_segment(goal[G.segment])
        if goal_period is None:
            row["note"] = f"period {goal[G.period]!r} is not a period"
        elif not goal_period.overlaps(period):
            continue
        elif goal_segment is None:
            row["note"] = f"segment {goal[G.segment]!r} is not column=value pairs"
        elif not segment.is_everything and goal_segment != segment:
            continue
        elif goal[G.metric] not in HEADLINE:
            row["note"] = f"metric {goal[G.metric]!r} is not one the kit computes ({', '.join(HEADLINE)})"
        elif goal[G.target] is None or pd.isna(goal[G.target]):
            row["note"] = "no target"
        else:
            metric = goal[G.metric]
            actual = figures(goal_segment, goal_period)[metric]
            target = float(goal[G.target])
            elapsed = goal_period.share_elapsed(as_of)
            settings = program_data.settings
            days_in = (as_of - goal_period.start).days + 1  # the goal period's days gone by, as_of included
            early = elapsed < 1.0 and days_in <= settings.integer("goal_grace_days")
            row.update(
                _goal_status(metric, actual, target, elapsed, settings.number("goal_tolerance"), early)
            )
            row["period"] = goal_period.label
        rows.append(row)
    return pd.DataFrame(rows, columns=list(GOAL_COLUMNS))


def _goal_status(
    metric: str,
    actual: float | None,
    target: float,
    elapsed: float,
    tolerance: float = 0.0,
    too_early: bool = False,
) -> dict[str, Any]:
    """Attainment and status of one goal (see 'Goal attainment' in the definitions).

    ``expected`` is where the figure should be by now: the target times the share of the period elapsed for
    a figure counted over the period, the target itself for a level or a figure where lower is better. A
    running goal within ``tolerance`` (a share of ``expected``) of it is on track; ``too_early`` (the first
    ``goal_grace_days`` of its period) gives no verdict unless the target is already reached."""
    lower = metric in LOWER_IS_BETTER
    level = metric in LEVEL_METRICS
    attainment = (
        None if actual is None or not target else (target / actual if lower and actual else actual / target)
    )
    expected = target if (level or lower) else target * elapsed
    if actual is None:
        status = GoalStatus.NO_DATA
    elif (actual <= target) if lower else (actual >= target):
        status = GoalStatus.ACHIEVED
    elif elapsed >= 1.0:
        status = GoalStatus.MISSED
    elif too_early:
        status = GoalStatus.TOO_EARLY
    elif (actual <= expected * (1 + tolerance)) if lower else (actual >= expected * (1 - tolerance)):
        status = GoalStatus.ON_TRACK
    else:
        status = GoalStatus.BEHIND
    return {
        "actual": actual,
        "attainment": attainment,
        "elapsed": elapsed,
        "expected": expected,
        "status": status,
    }


def furthest_behind(goals: pd.DataFrame) -> dict[str, Any] | None:
    """The goal furthest from its target among those with a bad verdict (behind or missed), by attainment;
    None when there is none. A goal too early to tell is never named, whatever its attainment."""
    bad = goals[goals["status"].map(lambda s: GoalStatus(s).tone == "bad") & goals["attainment"].notna()]
    if bad.empty:
        return None
    return bad.sort_values("attainment", kind="stable").iloc[0].to_dict()
