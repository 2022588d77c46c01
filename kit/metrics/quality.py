"""Data quality: what the validator's errors cost the figures (the rows each figure left out, the cells
ignored), and the maintenance work-list's sizes (see 'Data quality' in ``kit.metrics.definitions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit import schema
from kit.metrics.data import Data
from kit.metrics.definitions import _ACT, _ADV, _NOM, _OPP, _REQ, HEADLINE, G, affected_figures
from kit.metrics.sections import EXCLUDED_COLUMNS, IGNORED_COLUMNS, DataQuality, HealthSummary
from kit.metrics.text import figure_names
from kit.program import Program

if TYPE_CHECKING:
    from kit.health import Health

# A goal with one of these cells unusable is not evaluated (its row says why); an unusable goal_id is not.
GOAL_NEEDS = (G.period, G.metric, G.segment, G.target)


# How the note names a tab's rows: (one, many).
ROW_NOUNS: dict[str, tuple[str, str]] = {
    _ADV: ("advocate", "advocates"),
    _REQ: ("request", "requests"),
    _ACT: ("activity", "activities"),
    _NOM: ("nomination", "nominations"),
    _OPP: ("opportunity", "opportunities"),
    schema.GOALS.name: ("goal", "goals"),
    schema.SETTINGS.name: ("setting", "settings"),
}


def _rows_text(rows: np.ndarray) -> str:
    return ", ".join(str(n) for n in rows[:20]) + (" …" if len(rows) > 20 else "")


def _example(errors: pd.DataFrame | None, rows: np.ndarray) -> str:
    """The message of the first of ``errors`` on one of ``rows`` ('' when none)."""
    theirs = errors[errors["row"].isin(rows)] if errors is not None else None
    return str(theirs["message"].iloc[0]) if theirs is not None and len(theirs) else ""


def _count_rows(arrays: list[tuple[str, list[np.ndarray]]]) -> int:
    """How many distinct (tab, sheet row) pairs ``(tab, [rows, …])`` hold."""
    by_tab: dict[str, list[np.ndarray]] = {}
    for tab, rows in arrays:
        by_tab.setdefault(tab, []).extend(rows)
    return sum(len(np.unique(np.concatenate(rows))) for rows in by_tab.values() if rows)


def _data_quality(
    program: Program, findings: pd.DataFrame | None, data: Data, health: HealthSummary | None
) -> DataQuality:
    """What the validator's errors cost: per unusable cell kind, the rows each figure left out; the rest
    of the ignored cells, which no figure needed (see 'Data quality' in the definitions)."""
    excluded, ignored = [], []
    # per figure, per tab, the arrays of sheet rows it left out (counted once each at the end, with numpy)
    left_out: dict[str, dict[str, list[np.ndarray]]] = {key: {} for key in HEADLINE}
    errors = findings[findings["severity"] == "error"] if findings is not None and len(findings) else None
    goals_not_evaluated: set[int] = set()
    for tab, columns in data.unusable.items():
        if tab == schema.SETTINGS.name:
            continue  # a setting the kit cannot use is replaced by its default, which its finding names
        if tab == schema.GOALS.name:  # a goal is not evaluated, and its row in the goal tracking says why
            for column in GOAL_NEEDS:
                goals_not_evaluated.update(int(r) for r in columns.get(column, ()))
            continue
        one, many = ROW_NOUNS.get(tab, ("row", "rows"))
        for column, cells in columns.items():
            figures = affected_figures(tab, column)
            mine = (
                errors[(errors["table"] == tab) & (errors["column"] == column)]
                if errors is not None
                else None
            )

            # the cells that cost their row a figure; the others are ignored without leaving it out
            rows = data.needed_rows(tab, column) if figures else cells[:0]
            rest = np.setdiff1d(cells, rows) if len(rows) else cells
            if len(rest):
                ignored.append(
                    {
                        "tab": tab,
                        "column": column,
                        "cells": len(rest),
                        "rows": _rows_text(rest),
                        "example": _example(mine, rest),
                    }
                )
            if not len(rows):
                continue
            for key in figures:
                left_out[key].setdefault(tab, []).append(rows)
            noun = one if len(rows) == 1 else many
            verb = "is" if len(rows) == 1 else "are"
            why = (
                f"{len(rows):,} {noun} without a usable {column.replace('_', ' ')} {verb} left out of "
                f"{figure_names(figures)}"
            )
            excluded.append(
                {
                    "tab": tab,
                    "column": column,
                    "rows_excluded": len(rows),
                    "rows": _rows_text(rows),
                    "figures": ", ".join(figures),
                    "why": why,
                    "example": _example(mine, rows),
                }
            )
    error_count = len(errors) if errors is not None else 0
    warnings = int((findings["severity"] == "warning").sum()) if findings is not None and len(findings) else 0
    skipped = [s for s in program.skipped if s.reason != "blank_row"]
    total = _count_rows([arrays for tabs in left_out.values() for arrays in tabs.items()])
    ignored_cells = sum(r["cells"] for r in ignored)
    if findings is None:
        note = "The workbook was not validated: no cell was ignored."
    elif not error_count and not warnings:
        note = "No data problems found."
    else:
        parts = [r["why"] for r in excluded]
        if goals_not_evaluated:
            count = len(goals_not_evaluated)
            parts.append(
                f"{count:,} goal{'s' if count != 1 else ''} cannot be evaluated (the goal tracking says why)"
            )
        if ignored_cells:
            # a count only: the goal-tracking report lists them (data_health), the executive update does not
            parts.append(
                f"{ignored_cells:,} cell(s) with errors that no figure needs were ignored (read as blank)"
            )
        if error_count and not excluded:
            parts.append("no figure had to leave a row out")
        if warnings:
            parts.append(f"{warnings:,} warning(s) do not change the figures")
        note = "; ".join(parts) + ". Run `advocacy-kit validate` for the list."
        note = note[:1].upper() + note[1:]
    return DataQuality(
        validated=findings is not None,
        errors=error_count,
        warnings=warnings,
        rows_excluded=total,
        left_out={key: _count_rows(list(tabs.items())) for key, tabs in left_out.items()},
        excluded=pd.DataFrame(excluded, columns=list(EXCLUDED_COLUMNS)),
        cells_ignored=ignored_cells,
        goals_not_evaluated=len(goals_not_evaluated),
        ignored=pd.DataFrame(ignored, columns=list(IGNORED_COLUMNS)),
        repeated_headers_skipped=len(skipped),
        note=note,
        health=health,
    )


def _health(report: Health | None) -> HealthSummary | None:
    """kit.health's per-tab scores and work-list sizes (``advocacy-kit health`` lists the work)."""
    if report is None:
        return None
    return HealthSummary(
        scores=report.scores,
        profiles_to_reverify=len(report.reverify),
        advocates_resting=len(report.resting),
        nominations_waiting=len(report.waiting_nominations),
    )
