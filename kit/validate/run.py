"""``validate``: every check run and collected, then each ignored cell given the figures it leaves its row out
of (``affects``). The checks that depend on the cells alone run once per program (kept in
``Program.derived``); those that depend on the day of the check run every time."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import schema
from kit.program import Program
from kit.validate.assignments import _assignment_checks, _completed_without_agreement
from kit.validate.cells import _cell_checks
from kit.validate.dates import _date_checks
from kit.validate.findings import ERROR, RULE_ERRORS, Finding, _Collector
from kit.validate.goals import _goal_metrics, _goal_periods, _goal_segments
from kit.validate.people import _nominees_already_known, _person_duplicates
from kit.validate.people_tab import _people_checks
from kit.validate.rows import _duplicate_keys, _skipped_rows, _unknown_references
from kit.validate.settings import _settings_checks
from kit.validate.upkeep import _over_cap, _stale_profiles


def validate(program: Program, *, as_of: dt.date) -> pd.DataFrame:
    """Every finding in the program as one DataFrame with ``FINDING_COLUMNS``, one row per finding.

    Sorted by tab (schema order), sheet row, then column (left to right in the sheet). ``as_of`` is the day
    of the check: it decides what is in the future, what is stale and which quarter caps count.
    """
    found = _Collector(program)
    found.rows.extend(_findings_of_the_cells(program))
    _date_checks(found, program, as_of)
    _stale_profiles(found, program, as_of)
    _over_cap(found, program, as_of)
    return _with_affects(found.frame(), program)


# The tabs whose cells the headline figures read; an error elsewhere (Goals, Settings, People, Commitments)
# says its own effect (a goal or a commitment not evaluated, a setting's default used, a person left out of
# the adoption figures, which say so).
_FIGURE_TABS = tuple(
    t.name for t in schema.TABS if t not in (schema.GOALS, schema.SETTINGS, schema.PEOPLE, schema.COMMITMENTS)
)


def _with_affects(findings: pd.DataFrame, program: Program) -> pd.DataFrame:
    """The findings with ``affects``, and each ignored cell's message ending with what it changes."""
    from kit.metrics import figure_names, finding_affects

    affects = finding_affects(findings, program) if len(findings) else pd.Series([], dtype=object)
    findings["affects"] = affects.to_numpy(dtype=object)
    ignored = (
        (findings["severity"] == ERROR)
        & findings["table"].isin(_FIGURE_TABS)
        & ~findings["code"].isin(RULE_ERRORS)
    )
    rules = findings["code"].isin(RULE_ERRORS)
    findings.loc[rules, "message"] = findings.loc[rules, "message"] + (
        " Until then the request counts as assigned to them."
    )
    if ignored.any():
        words = {
            keys: (
                f" Ignored; affects: {figure_names(keys.split(', '))}."
                if keys
                else " Ignored (read as blank); no figure needs it."
            )
            for keys in set(findings.loc[ignored, "affects"])
        }
        findings.loc[ignored, "message"] = findings.loc[ignored, "message"] + findings.loc[
            ignored, "affects"
        ].map(words)
    return findings


def _findings_of_the_cells(program: Program) -> tuple[Finding, ...]:
    """The findings that depend on the cells alone, not on the day of the check.

    They are most of the work of a check, so they are worked out once per program and kept
    with it (``Program.derived``), and so in the read cache's copy of a workbook a report run keeps.
    """
    if _CELL_FINDINGS not in program.derived:
        found = _Collector(program)
        for tab in schema.TABS:
            _cell_checks(found, tab)
            _duplicate_keys(found, tab)
            _unknown_references(found, program, tab)
        _skipped_rows(found, program)
        _person_duplicates(found, program)
        _nominees_already_known(found, program)
        _assignment_checks(found, program)
        _completed_without_agreement(found, program)
        _settings_checks(found, program)
        _goal_segments(found, program)
        _goal_periods(found, program)
        _goal_metrics(found, program)
        _people_checks(found, program)
        program.derived[_CELL_FINDINGS] = tuple(found.rows)
    return program.derived[_CELL_FINDINGS]


_CELL_FINDINGS = "kit.validate: findings of the cells"
