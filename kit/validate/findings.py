"""What a finding is: its columns, its codes and their severities, and the collector that orders them.

``Finding`` is one row of ``validate``'s frame; ``_Collector`` gathers them as the checks run (looking up each
cell's raw value, so every check reports it the same way) and returns them as one frame in sheet order: tab
(schema order), row, column (left to right in the sheet), code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from kit import schema
from kit.cells import is_blank
from kit.program import Program

# ``affects``: the headline figures (kit.metrics.HEADLINE keys, ', '-separated) that leave the row out because
# this cell is ignored; '' for a warning, and for an ignored cell no figure needs.
FINDING_COLUMNS = ("table", "row", "column", "value", "code", "severity", "message", "affects")
_FINDING_FIELDS = FINDING_COLUMNS[:-1]
ERROR = "error"
WARNING = "warning"

# Every code the validator emits, with its severity. Codes are stable: reports and scripts key on them.
SEVERITY: dict[str, str] = {
    "missing_required": ERROR,
    "bad_enum": ERROR,
    "bad_email": ERROR,
    "bad_date": ERROR,
    "bad_number": ERROR,
    "bad_bool": ERROR,
    "out_of_range": ERROR,
    "implausible_amount": ERROR,  # an amount beyond any deal (1e308 from a paste): no figure should add it
    "future_date": ERROR,
    "date_order": ERROR,
    "duplicate_key": ERROR,
    "duplicate_person": ERROR,  # two ids, one e-mail address
    "unknown_reference": ERROR,
    "not_agreed": ERROR,  # an open request asks an advocate for an activity they did not agree to
    "completed_not_agreed": WARNING,  # a completed request: an advocate did what they never agreed to
    "advocate_unavailable": ERROR,  # an open request is assigned to a Retired / Do Not Contact advocate
    "consent_missing": ERROR,  # an open request needs a consent the advocate has not given
    "bad_setting": ERROR,
    "bad_segment": ERROR,
    "bad_period": ERROR,  # a goal's (or a commitment's) period the kit cannot read (2026-Q5, a span that ends before it starts)
    "unknown_metric": ERROR,  # a goal's (or a commitment's) metric the kit does not compute
    "synonym": WARNING,  # a word read as a drop-down value ("held" as Completed): type the value itself
    "possible_duplicate": WARNING,  # a similar name at the same company
    "already_an_advocate": WARNING,  # an undecided nomination of someone on the roster
    "duplicate_nomination": WARNING,  # the same person nominated twice, both undecided
    "stale_profile": WARNING,
    "over_cap": WARNING,
    "stray_whitespace": WARNING,
    "formula_injection": WARNING,
    "blank_row": WARNING,
    "repeated_header": WARNING,
    "unknown_setting": WARNING,
    "unmatched_owner": WARNING,  # an opportunity's owner no one in People matches (by name or e-mail)
    "unknown_manager": WARNING,  # a person's manager_email is not a row of People
}

# Errors that fault a rule, not a cell: the request is assigned to someone it must not be, and the cell is
# read as typed (the request still counts as assigned, to them). Every other error makes its cell ignored.
RULE_ERRORS = frozenset({"not_agreed", "advocate_unavailable", "consent_missing"})


@dataclass(frozen=True)
class Finding:
    """One problem in one cell (or one row, when ``column`` is empty): a row of ``validate``'s frame."""

    table: str
    row: int
    column: str
    value: Any
    code: str
    severity: str
    message: str


class _Collector:
    """Findings as they are found; the cell's raw value is looked up here so every check gets it right."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.rows: list[Finding] = []

    def add(self, table: str, row: int, column: str, code: str, message: str, value: Any = None) -> None:
        if column and value is None:
            raw = self.program.raw.get(table)
            if raw is not None and column in raw.columns and row in raw.index:
                value = raw.at[row, column]
        if is_blank(value):
            value = None
        self.rows.append(Finding(table, int(row), column, value, code, SEVERITY[code], message))

    def frame(self) -> pd.DataFrame:
        records = [tuple(getattr(f, c) for c in _FINDING_FIELDS) for f in self.rows]
        frame = pd.DataFrame(records, columns=list(_FINDING_FIELDS))
        frame = frame.astype({"table": object, "column": object, "value": object})
        frame["row"] = frame["row"].astype("int64")
        tab_order = {t.name: i for i, t in enumerate(schema.TABS)}
        positions = {
            (t.name, c): i for t in schema.TABS for i, c in enumerate(self.program.headers.get(t.name, []))
        }
        keys = pd.DataFrame(
            {
                "t": frame["table"].map(tab_order).fillna(len(tab_order)),
                "r": frame["row"],
                "c": [
                    -1 if not c else positions.get((t, c), 10_000)
                    for t, c in zip(frame["table"], frame["column"], strict=True)
                ],
                "k": frame["code"],
            }
        )
        order = keys.sort_values(["t", "r", "c", "k"], kind="stable").index
        return frame.loc[order].reset_index(drop=True)
