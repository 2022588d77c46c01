"""Every problem people typed into the shared workbook, cell by cell, in words a program manager understands.

``validate(program, as_of=…)`` returns one table of findings (``FINDING_COLUMNS``): which tab, which sheet
row (header = row 1), which column, the cell as it was typed, a stable ``code``, a ``severity`` and a
sentence saying what is wrong and, where it can, what was probably meant. Every check runs and collects its
findings before anything is reported, so one bad cell never hides the next (pandera's lazy validation).

Two layers:

- **Cells** — a pandera schema per tab, derived from ``kit.schema``, checks each column on its own: required
  cells filled, dates, numbers, TRUE/FALSE and drop-down values readable (with the same typing the rest of
  the kit uses, so a cell is reported exactly when the kit could not read it), e-mails well formed, ids and
  e-mails without stray spaces, amounts no deal could reach, free text not starting like a spreadsheet
  formula.
- **Rows and tabs** — plain pandas: duplicate ids, the same person entered twice, ids that point nowhere,
  impossible dates, requests given to an advocate who did not agree to them or must not be contacted,
  stale profiles, advocates over their quarterly cap, blank or repeated-header rows, settings the kit cannot
  use, goals whose period, metric or segment the kit cannot read.

An error means "this cell is ignored": the kit reads it as blank, and a figure that needs the cell leaves
its row out (``kit.metrics.NEEDS``); the finding's ``affects`` names those figures, and its message ends
saying so. Only an assignment that breaks a rule (``RULE_ERRORS``: not agreed, unavailable, no consent) is
an error about the request, not its cell, and ignores nothing. Warnings are maintenance work (stale, over
cap, possible duplicates, stray spaces, a synonym read as its drop-down value) and change no figure.

The modules, by job:

- ``findings``: what a finding is (``FINDING_COLUMNS``, ``SEVERITY``, ``RULE_ERRORS``, ``Finding``) and the
  collector that puts them in sheet order;
- ``cells``: the cell layer (``cell_schema``, the pandera checks, and their messages);
- ``rows``: ids used twice or pointing nowhere, blank and repeated-header rows;
- ``dates``: dates in the future or out of order;
- ``people``: one person entered twice, on the roster or among the nominations (rapidfuzz and nicknames);
- ``assignments``: requests given to an advocate who did not agree, must not be asked, or has not consented;
- ``upkeep``: stale profiles and advocates over their cap (the day of the check decides);
- ``settings`` and ``goals``: the values of those two tabs the kit cannot use;
- ``words``: the pieces of every message (``suggest``: what was probably meant);
- ``run``: ``validate`` itself, which runs them all and says which figures each ignored cell affects;
- ``output``: the findings as the Issues tab, JSON records and the terminal's table.
"""

from __future__ import annotations

from kit.names import normalise_name  # the benchmark compares names as the duplicate check does
from kit.validate.assignments import PUBLIC_ACTIVITY_CONSENTS
from kit.validate.cells import MAX_AMOUNT, RANGES, cell_schema
from kit.validate.dates import DATE_ORDER, PAST_DATES
from kit.validate.findings import ERROR, FINDING_COLUMNS, RULE_ERRORS, SEVERITY, WARNING, Finding
from kit.validate.output import (
    ISSUES_COLUMNS,
    cell_reference,
    describe_findings,
    error_rows,
    finding_records,
    issues_grid,
)
from kit.validate.people import MAX_BLOCK, NAME_SIMILARITY
from kit.validate.run import validate
from kit.validate.words import suggest

__all__ = [
    "DATE_ORDER",
    "ERROR",
    "FINDING_COLUMNS",
    "ISSUES_COLUMNS",
    "MAX_AMOUNT",
    "MAX_BLOCK",
    "NAME_SIMILARITY",
    "PAST_DATES",
    "PUBLIC_ACTIVITY_CONSENTS",
    "RANGES",
    "RULE_ERRORS",
    "SEVERITY",
    "WARNING",
    "Finding",
    "cell_reference",
    "cell_schema",
    "describe_findings",
    "error_rows",
    "finding_records",
    "issues_grid",
    "normalise_name",
    "suggest",
    "validate",
]
