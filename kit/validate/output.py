"""The findings for people and programs: the rows of a tab with errors, the cell a finding points at
('Advocates!F12'), the Issues tab's grid, JSON-ready records and the terminal's table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit.cells import as_text
from kit.program import Program
from kit.validate.findings import ERROR


def error_rows(findings: pd.DataFrame, table: str) -> set[int]:
    """Sheet rows of ``table`` with at least one error, so with a cell the kit ignores (a figure leaves such a
    row out only when it needs that cell: ``kit.metrics.NEEDS``)."""
    mask = (findings["table"] == table) & (findings["severity"] == ERROR)
    return {int(r) for r in findings.loc[mask, "row"]}


def cell_reference(program: Program, table: str, row: int, column: str) -> str:
    """Where a finding points, as a person types it into the name box: 'Advocates!F12' (or '…!12:12')."""
    letter = program.column_letter(table, column) if column else None
    return f"{table}!{letter}{row}" if letter else f"{table}!{row}:{row}"


ISSUES_COLUMNS = ("cell", "table", "row", "column", "value", "code", "severity", "message")


def issues_grid(program: Program, findings: pd.DataFrame) -> list[list[Any]]:
    """The findings as the ``Issues`` tab's grid (header first), each naming its cell ('Advocates!F12')."""
    grid: list[list[Any]] = [list(ISSUES_COLUMNS)]
    for record in findings.itertuples(index=False):
        grid.append(
            [
                cell_reference(program, record.table, int(record.row), record.column),
                record.table,
                int(record.row),
                record.column,
                as_text(record.value),
                record.code,
                record.severity,
                record.message,
            ]
        )
    return grid


def finding_records(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """The findings as JSON-ready records: values as the text a person sees in the cell."""
    records = []
    for record in findings.itertuples(index=False):
        value = record.value
        if isinstance(value, (bool, np.bool_)):
            value = bool(value)
        elif isinstance(value, (int, np.integer)):
            value = int(value)
        elif isinstance(value, (float, np.floating)) and np.isfinite(value):
            value = float(value)  # inf and nan are not JSON: they fall through to text
        else:
            value = as_text(value) or None
        records.append(
            {
                "table": record.table,
                "row": int(record.row),
                "column": record.column,
                "value": value,
                "code": record.code,
                "severity": record.severity,
                "message": record.message,
                "affects": record.affects,
            }
        )
    return records


def describe_findings(program: Program, findings: pd.DataFrame) -> str:
    """The findings as a readable table for the terminal, grouped by tab, with a one-line total."""
    if findings.empty:
        return "No problems found."
    lines: list[str] = []
    for table, group in findings.groupby("table", sort=False):
        errors = int((group["severity"] == ERROR).sum())
        warnings = len(group) - errors
        lines.append(f"{table}: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
        for record in group.itertuples(index=False):
            cell = cell_reference(program, table, int(record.row), record.column).split("!", 1)[1]
            lines.append(f"  {cell:<9} {record.severity:<8} {record.code:<21} {record.message}")
        lines.append("")
    errors = int((findings["severity"] == ERROR).sum())
    lines.append(f"{_count(errors, 'error')}, {_count(len(findings) - errors, 'warning')}.")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
