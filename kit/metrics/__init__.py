"""The program's metrics, each defined once: ``measure`` returns every figure of the reports for one period.

The definitions in words are ``kit.metrics.definitions``' docstring. The modules, by job:

- ``definitions``: what each figure counts (masks such as ``active_mask``, ``ratio``, ``lift``), ``HEADLINE``
  and ``NEEDS`` (the cells each figure needs);
- ``data``: the program as a computation sees it (cells with errors blank, a segment applied);
- ``outcomes`` and ``advocates``: the sections (headline figures, service, impact, stories, stakeholders;
  roster, coverage, activity, pipeline, recruiting);
- ``goals``: the Goals tab evaluated (``GoalStatus``, with its tone);
- ``quality``: what the validator's errors cost the figures;
- ``sections``: the values returned (``ProgramMetrics`` and one frozen dataclass per section, each with
  ``to_dict`` and ``from_dict``);
- ``text``: the figures in words;
- ``compute``: ``compute(program, findings=…)``, pure, and ``measure(program)``, which validates, builds the
  health work-list and computes: what the CLI, the reports and the notebooks call.
"""

from __future__ import annotations

from kit.metrics.compute import compute, measure, resolve_period, segment_warnings
from kit.metrics.data import finding_affects, ignored_columns, unusable_cells
from kit.metrics.definitions import (
    COUNT,
    DAYS,
    HEADLINE,
    LEVEL_METRICS,
    LOWER_IS_BETTER,
    MONEY,
    NEEDED_WHERE_BLANK,
    NEEDS,
    SHARE,
    active_mask,
    activity_opportunity,
    affected_figures,
    closed_mask,
    days_to_fulfil,
    fulfilled_mask,
    influenced_mask,
    lift,
    new_mask,
    open_mask,
    ratio,
    segment_mask,
    sla_days,
    stale_mask,
    under_covered,
)
from kit.metrics.goals import GOAL_COLUMNS, GoalStatus, furthest_behind
from kit.metrics.sections import (
    Activity,
    DataQuality,
    DealSide,
    Headline,
    HealthSummary,
    Impact,
    Pipeline,
    ProgramMetrics,
    Recruiting,
    Roster,
    Service,
    SuccessStory,
)
from kit.metrics.text import (
    compared_with,
    describe_metrics,
    draft_message,
    figure_names,
    format_change,
    format_value,
    money,
)

__all__ = [
    "COUNT",
    "DAYS",
    "HEADLINE",
    "LEVEL_METRICS",
    "LOWER_IS_BETTER",
    "MONEY",
    "NEEDED_WHERE_BLANK",
    "NEEDS",
    "SHARE",
    "GOAL_COLUMNS",
    "Activity",
    "DataQuality",
    "DealSide",
    "GoalStatus",
    "HealthSummary",
    "Headline",
    "Impact",
    "Pipeline",
    "ProgramMetrics",
    "Recruiting",
    "Roster",
    "Service",
    "SuccessStory",
    "active_mask",
    "activity_opportunity",
    "affected_figures",
    "closed_mask",
    "compared_with",
    "compute",
    "days_to_fulfil",
    "describe_metrics",
    "draft_message",
    "figure_names",
    "finding_affects",
    "format_change",
    "furthest_behind",
    "format_value",
    "fulfilled_mask",
    "ignored_columns",
    "influenced_mask",
    "lift",
    "measure",
    "money",
    "new_mask",
    "open_mask",
    "ratio",
    "resolve_period",
    "segment_mask",
    "segment_warnings",
    "sla_days",
    "stale_mask",
    "under_covered",
    "unusable_cells",
]
