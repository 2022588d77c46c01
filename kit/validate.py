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
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from kit import schema
from kit.cells import (
    DATE_YEARS,
    as_text,
    blank_each,
    enum_lookup,
    fold,
    is_blank,
    parse_amount,
    parse_int,
    read_each_distinct,
    split_multi,
    synonym_of,
    typed_column,
    year_outside_dates,
)
from kit.errors import KitError
from kit.metrics import HEADLINE, affected_figures
from kit.names import name_variants, normalise_company, normalise_name
from kit.periods import FORMS, days_between, parse_period
from kit.program import Program, Settings, read_setting
from kit.schema import Column, Kind
from kit.segments import Segment, parse_segments
from kit.usage import CAP, ROW, USES, quarter_label, quarter_usage

if TYPE_CHECKING:  # pandera is imported when cells are first checked: `import kit` stays light
    import pandera.pandas as pa

A = schema.ADVOCATES.col
R = schema.REQUESTS.col
X = schema.ACTIVITIES.col
N = schema.NOMINATIONS.col
O = schema.OPPORTUNITIES.col
G = schema.GOALS.col
S = schema.SETTINGS.col

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
    "bad_period": ERROR,  # a goal's period the kit cannot read (2026-Q5, a span that ends before it starts)
    "unknown_metric": ERROR,  # a goal's metric the kit does not compute
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
}

# Errors that fault a rule, not a cell: the request is assigned to someone it must not be, and the cell is
# read as typed (the request still counts as assigned, to them). Every other error makes its cell ignored.
RULE_ERRORS = frozenset({"not_agreed", "advocate_unavailable", "consent_missing"})
# Public activities publish something about the advocate: they need these consents first.
PUBLIC_ACTIVITY_CONSENTS: dict[str, tuple[str, ...]] = {
    "case_study": ("name", "story"),
    "speaking": ("name",),
}
# Dates that cannot lie after the day of the check.
PAST_DATES: tuple[tuple[schema.Tab, str], ...] = (
    (schema.ADVOCATES, A.joined_on),
    (schema.ADVOCATES, A.last_verified),
    (schema.REQUESTS, R.requested_on),
    (schema.REQUESTS, R.completed_on),
    (schema.ACTIVITIES, X.date),
    (schema.NOMINATIONS, N.submitted_on),
    (schema.NOMINATIONS, N.decided_on),
    (schema.OPPORTUNITIES, O.created_on),
)
# (tab, earlier column, later column): the later date cannot come first.
DATE_ORDER: tuple[tuple[schema.Tab, str, str], ...] = (
    (schema.REQUESTS, R.requested_on, R.completed_on),
    (schema.OPPORTUNITIES, O.created_on, O.close_date),
    (schema.NOMINATIONS, N.submitted_on, N.decided_on),
)
# Whole numbers with a meaningful range (declared in the schema, which every reader of the column follows).
RANGES = schema.RANGES
# An amount (a deal, a goal's target) beyond this, either way, is a paste or a typo, not a figure to add up.
MAX_AMOUNT = 1e12
# Similar names at one company at or above this rapidfuzz ratio (0-100) are flagged as one person.
NAME_SIMILARITY = 90
# A company with more advocates than this is split further by the surname's first letter before
# comparing names (keeps the comparison near-linear even for one huge customer).
MAX_BLOCK = 3000

_EMAIL = (
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}"
)
_FORMULA_START = "=+-@"  # what a spreadsheet may read as the start of a formula


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


# The tabs whose cells the headline figures read; an error elsewhere (Goals, Settings) says its own effect.
_FIGURE_TABS = tuple(t.name for t in schema.TABS if t not in (schema.GOALS, schema.SETTINGS))


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
        program.derived[_CELL_FINDINGS] = tuple(found.rows)
    return program.derived[_CELL_FINDINGS]


_CELL_FINDINGS = "kit.validate: findings of the cells"


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


# ------------------------------------------------------------------------------------------------------------
# Collecting


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


# ------------------------------------------------------------------------------------------------------------
# Words


def _label(column: str) -> str:
    return column.replace("_", " ")


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _quote(value: Any) -> str:
    return f'"{as_text(value)}"'


def suggest(text: str, allowed: Iterable[str], cutoff: float = 75) -> str | None:
    """The allowed value closest to ``text`` (rapidfuzz), or None when nothing is close enough."""
    choices = {fold(v): v for v in allowed}
    best = process.extractOne(fold(text), list(choices), scorer=fuzz.WRatio, score_cutoff=cutoff)
    return choices[best[0]] if best else None


def _enum_message(column: Column, value: Any) -> str:
    label = _label(column.name)
    if column.kind is Kind.MULTI_ENUM:
        lookup = enum_lookup(column.values, column.synonyms)
        bad = [item for item in split_multi(value) if fold(item) not in lookup]
        parts = []
        for item in bad:
            guess = suggest(item, column.values)
            hint = f'; did you mean "{guess}"?' if guess else ""
            parts.append(f'"{item}" is not one of the allowed {label}{hint}')
        if not any(suggest(item, column.values) for item in bad):
            parts.append(f"use {', '.join(column.values)}, separated by ';'")
        return "; ".join(parts) + ("" if parts[-1].endswith("?") else ".")
    guess = suggest(as_text(value), column.values)
    if guess:
        return f'{_quote(value)} is not {_a(label)}; did you mean "{guess}"?'
    return f"{_quote(value)} is not {_a(label)}; use one of: {', '.join(column.values)}."


def _cell_message(code: str, column: Column, value: Any, tab: schema.Tab) -> str:
    label = _label(column.name)
    text = as_text(value)
    if code == "missing_required":
        return f"The {label} is empty; every row of {tab.name} needs one."
    if code == "bad_enum":
        return _enum_message(column, value)
    if code == "bad_email":
        return f"{_quote(value)} is not an e-mail address (name@company.com)."
    if code == "bad_date":
        year = year_outside_dates(value)
        if year is not None:
            first, last = DATE_YEARS
            return f"{_quote(value)} is in the year {year}; dates run from {first} to {last}: check the year."
        return f"{_quote(value)} is not a date; type it as 2026-03-01 (or 3/1/2026, 1 Mar 2026)."
    if code == "bad_number":
        if column.kind is Kind.AMOUNT:
            return f"{_quote(value)} is not an amount; type a number such as 3800000, $3.8M or 1,200,000."
        return f"{_quote(value)} is not a whole number."
    if code == "bad_bool":
        return f"{_quote(value)} is not TRUE or FALSE."
    if code == "out_of_range":
        low, high = RANGES[(tab.name, column.name)]
        allowed = f"from {low} to {high}" if high is not None else f"from {low} up"
        return f"The {label} runs {allowed}; {text} is outside that."
    if code == "implausible_amount":
        typed = text if isinstance(value, str) and len(text) <= 30 else f"{parse_amount(value):.4g}"
        return (
            f'"{typed}" is beyond any plausible {label} (over {MAX_AMOUNT:,.0f} either way): a paste or a '
            "typo? Check the number."
        )
    if code == "synonym":
        return (
            f'{_quote(value)} is read as "{synonym_of(column, value)}"; type that, as the drop-down spells it, '
            "so every sheet filter and tool reads it too."
        )
    if code == "stray_whitespace":
        return f"{_quote(str(value))} has spaces at the start or end; remove them so it matches elsewhere."
    if code == "formula_injection":
        return (
            f"Starts with {text[:1]!r}: a spreadsheet may run it as a formula when the data is exported; "
            "remove that character or start the cell with an apostrophe."
        )
    raise ValueError(code)  # pragma: no cover - every pandera check name is a code above


# ------------------------------------------------------------------------------------------------------------
# Cells: pandera


# The last column factorized, with its codes and distinct values: a column's checks run one after another on
# the same Series, so each column is factorized once. Holding the Series keeps the identity test sound;
# _cell_checks clears it.
_factorized: list[tuple[pd.Series, np.ndarray, np.ndarray]] = []


def _factorize(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    last = _factorized[0] if _factorized else None
    if last is not None and last[0] is cells:
        return last[1], last[2]
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    _factorized[:] = [(cells, codes, uniques)]
    return codes, uniques


def _per_value(cells: pd.Series, test: Callable[[Any], bool], missing: bool) -> np.ndarray:
    """``test`` of every cell, run once per distinct value (a column of 100,000 rows has few of them).

    ``missing`` is the answer for None/NaN cells.
    """
    return _per_distinct(cells, lambda values: [test(v) for v in values], missing)


def _per_distinct(cells: pd.Series, answers: Callable[[np.ndarray], list[bool]], missing: bool) -> np.ndarray:
    """Like ``_per_value``, with ``answers`` giving the answers for all distinct values at once (for tests
    cheap enough that calling a function per value would cost more than the test)."""
    values = np.asarray(cells, dtype=object)
    try:
        factorized = _factorize(cells)
    except TypeError:  # an unhashable cell: test each one
        return np.array(
            [
                missing if is_blank(v) and not isinstance(v, str) else a
                for v, a in zip(values, answers(values), strict=True)
            ],
            bool,
        )

    def one(value: Any) -> bool:
        return missing if value is None else bool(answers(np.array([value], dtype=object))[0])

    return read_each_distinct(values, answers, one, factorized).astype(bool)


def _blank(cells: pd.Series) -> np.ndarray:
    return _per_distinct(cells, blank_each, True)


def _readable(column: Column) -> Callable[[pd.Series], pd.Series]:
    """True where the cell is blank or the kit's own typing (``typed_column``) reads it.

    The typing runs once per distinct value, so 100,000 rows of 500 dates cost 500 parses.
    """
    if column.kind is Kind.MULTI_ENUM:
        lookup = enum_lookup(column.values, column.synonyms)

        def items_known(value: Any) -> bool:  # True and 1 collide in factorize: both unknown items, fine
            return all(fold(item) in lookup for item in split_multi(value))

        return lambda cells: pd.Series(_per_value(cells, items_known, missing=True), index=cells.index)

    def check(cells: pd.Series) -> pd.Series:
        blank = _blank(cells)
        try:
            codes, uniques = _factorize(cells)
        except TypeError:
            return pd.Series(blank | typed_column(column, cells).notna().to_numpy(), index=cells.index)
        values = pd.Series(uniques, dtype=object)
        # factorize treats True and 1 as one value; outside a TRUE/FALSE column they read differently.
        if column.kind is not Kind.BOOL and any(isinstance(v, (bool, np.bool_)) for v in uniques):
            return pd.Series(blank | typed_column(column, cells).notna().to_numpy(), index=cells.index)
        read = typed_column(column, values).notna().to_numpy(dtype=bool)
        return pd.Series(np.append(read, True)[codes] | blank, index=cells.index)

    return check


def _no_synonym(column: Column) -> Callable[[pd.Series], pd.Series]:
    """True unless the cell reads only through one of the column's synonyms ('held' for Completed)."""

    def check(cells: pd.Series) -> pd.Series:
        return pd.Series(
            _per_value(cells, lambda v: synonym_of(column, v) is None, missing=True), index=cells.index
        )

    return check


def _in_range(tab: str, column: str) -> Callable[[pd.Series], pd.Series]:
    def inside(value: Any) -> bool:
        return schema.in_range(tab, column, parse_int(value))

    def check(cells: pd.Series) -> pd.Series:
        return pd.Series(_per_value(cells, inside, missing=True), index=cells.index)

    return check


def _plausible_amount(value: Any) -> bool:
    amount = parse_amount(value)
    return amount is None or abs(amount) <= MAX_AMOUNT  # an unreadable amount is a bad_number already


def _plausible(cells: pd.Series) -> pd.Series:
    return pd.Series(_per_value(cells, _plausible_amount, missing=True), index=cells.index)


def _filled(cells: pd.Series) -> pd.Series:
    return pd.Series(~_blank(cells), index=cells.index)


_EMAIL_PATTERN = re.compile(_EMAIL)


def _is_email(value: Any) -> bool:
    if is_blank(value):
        return True
    text = as_text(value)
    return bool(_EMAIL_PATTERN.fullmatch(text)) and ".." not in text


def _email_ok(cells: pd.Series) -> pd.Series:
    return pd.Series(_per_value(cells, _is_email, missing=True), index=cells.index)


def _no_stray_space(cells: pd.Series) -> pd.Series:
    def answers(values: np.ndarray) -> list[bool]:  # inlined: a roster has 100,000s of distinct names
        return [not isinstance(v, str) or v == v.strip() or not v.strip() for v in values]

    return pd.Series(_per_distinct(cells, answers, missing=True), index=cells.index)


def _harmless_start(value: Any) -> bool:
    return not (isinstance(value, str) and value[:1] != "" and value[:1] in _FORMULA_START)


def _not_formula(cells: pd.Series) -> pd.Series:
    return pd.Series(_per_value(cells, _harmless_start, missing=True), index=cells.index)


_TYPE_CODES = {
    Kind.DATE: "bad_date",
    Kind.AMOUNT: "bad_number",
    Kind.INT: "bad_number",
    Kind.BOOL: "bad_bool",
    Kind.ENUM: "bad_enum",
    Kind.MULTI_ENUM: "bad_enum",
}


def _check(function: Callable[[pd.Series], pd.Series], code: str) -> pa.Check:
    import pandera.pandas as pa

    return pa.Check(function, name=code, error=code, ignore_na=False)


@cache
def cell_schema(tab_name: str) -> pa.DataFrameSchema:
    """The pandera schema of one tab's raw cells, derived from ``kit.schema`` (each check named by its code)."""
    import pandera.pandas as pa

    tab = schema.TAB_BY_NAME[tab_name]
    columns = {}
    for column in tab.columns:
        checks = []
        if column.required:
            checks.append(_check(_filled, "missing_required"))
        if column.kind in _TYPE_CODES:
            checks.append(_check(_readable(column), _TYPE_CODES[column.kind]))
        if column.synonyms:
            checks.append(_check(_no_synonym(column), "synonym"))
        if column.kind is Kind.AMOUNT:
            checks.append(_check(_plausible, "implausible_amount"))
        if column.kind is Kind.EMAIL:
            checks.append(_check(_email_ok, "bad_email"))
        if column.kind in (Kind.ID, Kind.EMAIL):
            checks.append(_check(_no_stray_space, "stray_whitespace"))
        if column.is_free_text:
            checks.append(_check(_not_formula, "formula_injection"))
        if (tab.name, column.name) in RANGES:
            checks.append(_check(_in_range(tab.name, column.name), "out_of_range"))
        columns[column.name] = pa.Column(checks=checks, required=False, nullable=True, title=column.name)
    return pa.DataFrameSchema(columns, name=tab.name, strict=False, ordered=False)


def _cell_checks(found: _Collector, tab: schema.Tab) -> None:
    """Run the tab's pandera checks column by column and collect every failing cell.

    The checks are pandera's (``cell_schema``); the collecting is ours: pandera's lazy error report builds
    a frame per failing check, five times slower on a messy sheet, and we need our own records anyway.
    ``cell_schema(tab).validate(raw, lazy=True)`` finds the same cells (a test holds them to it).
    """
    raw = found.program.raw[tab.name]
    if raw.empty:
        return
    for name, column_schema in cell_schema(tab.name).columns.items():
        if name not in raw.columns:
            continue
        cells = raw[name]
        column = tab.column(name)
        try:
            for check in column_schema.checks:
                passed = check(cells).check_output.to_numpy(dtype=bool)
                for row in cells.index[~passed]:
                    value = cells.at[row]
                    message = _cell_message(check.name, column, value, tab)
                    found.add(tab.name, int(row), name, check.name, message, value)
        finally:
            _factorized.clear()


# ------------------------------------------------------------------------------------------------------------
# Rows and tabs: plain pandas


def _first_rows(keys: pd.Series) -> pd.Series:
    """For each non-empty key, the first sheet row holding it (indexed like ``keys``)."""
    present = keys.dropna()
    first = present.index.to_series().groupby(present.to_numpy()).transform("min")
    return pd.Series(first.to_numpy(), index=present.index)


def _duplicate_keys(found: _Collector, tab: schema.Tab) -> None:
    if tab.key is None:
        return
    keys = found.program[tab][tab.key.name]
    dup = keys.notna() & keys.duplicated(keep="first")
    if not dup.any():
        return
    first = _first_rows(keys)
    for row in keys.index[dup]:
        found.add(
            tab.name,
            row,
            tab.key.name,
            "duplicate_key",
            f"{keys.at[row]} is also the {_label(tab.key.name)} of row {first.at[row]}; "
            "every row needs its own id.",
        )


def _unknown_references(found: _Collector, program: Program, tab: schema.Tab) -> None:
    frame = program[tab]
    for column in tab.columns:
        if not column.references:
            continue
        target = schema.TAB_BY_NAME[column.references]
        known = program[target][target.key.name].dropna().unique()
        values = frame[column.name]
        missing = values.notna() & ~values.isin(known)
        for row in values.index[missing]:
            found.add(
                tab.name,
                row,
                column.name,
                "unknown_reference",
                f"{_quote(values.at[row])} is not {_a(_label(target.key.name))} on the {target.name} tab.",
            )


def _skipped_rows(found: _Collector, program: Program) -> None:
    # A run of blank rows is one finding, at its first row: a value left on the sheet's last row would
    # otherwise bring a million of them.
    blank = [s for s in program.skipped if s.reason == "blank_row"]
    first = None
    for skipped, after in zip(blank, [*blank[1:], None], strict=False):  # after: the next, or None
        first = skipped.row if first is None else first
        if after is not None and (after.tab, after.row) == (skipped.tab, skipped.row + 1):
            continue
        if first == skipped.row:
            message = "Blank row between data rows; delete it (the kit skips it, a filter or sort may not)."
        else:
            message = (
                f"Rows {first:,} to {skipped.row:,} are blank, between data rows; delete them (the kit skips "
                "them, a filter or sort may not)."
            )
        found.add(skipped.tab, first, "", "blank_row", message)
        first = None
    for skipped in program.skipped:
        if skipped.reason == "repeated_header":
            message = "The header row is typed again here; delete this row (the kit skips it)."
            found.add(skipped.tab, skipped.row, "", "repeated_header", message)


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


def _date_checks(found: _Collector, program: Program, as_of: dt.date) -> None:
    today = pd.Timestamp(as_of)
    for tab, column in PAST_DATES:
        dates = program[tab][column]
        for row in dates.index[dates > today]:
            found.add(
                tab.name,
                row,
                column,
                "future_date",
                f"{_day(dates.at[row])} is after today ({as_of.isoformat()}); "
                f"{_a(_label(column))} date cannot be in the future.",
            )
    for tab, earlier, later in DATE_ORDER:
        frame = program[tab]
        wrong = frame[later] < frame[earlier]
        blamed, other = (earlier, later) if _blame_earlier(tab.name, earlier, later) else (later, earlier)
        relation = "after" if blamed == earlier else "before"
        for row in frame.index[wrong]:
            found.add(
                tab.name,
                row,
                blamed,
                "date_order",
                f"The {_label(blamed)} ({_day(frame.at[row, blamed])}) is {relation} the "
                f"{_label(other)} ({_day(frame.at[row, other])}).",
            )
    # An activity that answered a request cannot have happened before the request was made.
    activities, requests = program.activities, program.requests
    known = requests[requests[R.request_id].notna()].drop_duplicates(R.request_id)
    asked_on = activities[X.request_id].map(known.set_index(R.request_id)[R.requested_on])
    early = activities[X.date] < asked_on
    for row in activities.index[early]:
        found.add(
            schema.ACTIVITIES.name,
            row,
            X.date,
            "date_order",
            f"Done on {_day(activities.at[row, X.date])}, before its request "
            f"{activities.at[row, X.request_id]} was made ({_day(asked_on.at[row])}).",
        )


def _blame_earlier(tab: str, earlier: str, later: str) -> bool:
    """Whether two dates out of order are reported on (so ignore) the earlier one: when a figure needs the
    later and none the earlier, so a typo in a descriptive date (an opportunity's created_on) never costs
    a row. Otherwise the later date is the one out of place."""
    return bool(affected_figures(tab, later)) and not affected_figures(tab, earlier)


# --- people entered twice -------------------------------------------------------------------------------


def _map_unique(values: pd.Series, function: Callable[[str], Any]) -> np.ndarray:
    """``function`` of each value, called once per distinct value, as an object array (a result may be a
    tuple: it stays one element)."""
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        mapped[i] = function(str(value))
    return mapped[codes]


def _similar_name_pairs(people: pd.DataFrame) -> list[tuple[int, int]]:
    """(row, earlier row) for each row whose name is close to an earlier one in the same block.

    ``people`` has columns ``name`` (normalised) and ``block``, indexed by sheet row in sheet order.
    """
    sizes = people.groupby("block", sort=False)["name"].transform("size")
    people = people[sizes > 1].sort_values("block", kind="stable")
    if people.empty:
        return []
    blocks = people["block"].to_numpy()
    names = people["name"].to_numpy()
    rows = people.index.to_numpy()
    starts = np.flatnonzero(np.r_[True, blocks[1:] != blocks[:-1]])
    ends = np.r_[starts[1:], len(blocks)]
    pairs = []
    for start, end in zip(starts, ends, strict=True):
        block_names = list(names[start:end])
        if end - start == 2:  # most blocks: one comparison, no matrix
            if fuzz.ratio(block_names[0], block_names[1]) >= NAME_SIMILARITY:
                pairs.append((int(rows[start + 1]), int(rows[start])))
            continue
        scores = process.cdist(
            block_names, block_names, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY, dtype=np.uint8
        )
        for j in range(1, end - start):
            earlier = np.flatnonzero(scores[j, :j])
            if len(earlier):
                pairs.append((int(rows[start + j]), int(rows[start + earlier[0]])))
    return pairs


def _nickname_pairs(people: pd.DataFrame) -> list[tuple[int, int]]:
    """(row, earlier row) for each row whose name, a nickname read as a full name, is an earlier row's name
    at the same company (Jon Lambert and Jonathan Lambert; Bob Smith and Rob Smith, both Robert).

    ``people`` has columns ``name`` (normalised) and ``company``, indexed by sheet row in sheet order. Names
    are matched by their variants (``name_variants``), hashed per company: no pairs are compared.
    """
    if people.empty:
        return []
    variants = pd.DataFrame(
        {
            "key": people["company"] + "|",
            "variant": _map_unique(people["name"], lambda name: tuple(name_variants(name))),
        },
        index=people.index,
    ).explode("variant")
    keys = variants["key"] + variants["variant"]
    first = keys.index.to_series().groupby(keys.to_numpy()).transform("min")
    earlier = first[first.to_numpy() < first.index.to_numpy()]
    earliest = earlier.groupby(level=0).min()
    return [(int(row), int(other)) for row, other in earliest.items()]


def _person_duplicates(found: _Collector, program: Program) -> None:
    """Two ids for one person: the same e-mail (error), or a similar name at the same company (warning):
    close in spelling, or the same once a nickname is read as a full name it may stand for.

    Never all pairs: rows are compared only within a block (one e-mail; one company, split by the surname's
    first letter when a company is huge), and each row is reported once, against the earliest row it
    matches, naming both rows.
    """
    roster = program.advocates
    ids, names, companies = roster[A.advocate_id], roster[A.name], roster[A.company]
    reported: set[int] = set()

    def who(row: int) -> str:
        return f"row {row} ({ids.at[row] or 'no id'}, {names.at[row] or 'no name'})"

    def same_id(row: int, other: int) -> bool:  # the same id twice is already a duplicate_key
        return ids.at[row] is not None and ids.at[row] == ids.at[other]

    emails = roster[A.email]
    dup = emails.notna() & emails.duplicated(keep="first")
    if dup.any():
        first = _first_rows(emails)
        for row in emails.index[dup]:
            other = int(first.at[row])
            if same_id(row, other):
                continue
            found.add(
                schema.ADVOCATES.name,
                row,
                A.email,
                "duplicate_person",
                f"Same e-mail as {who(other)}: one person entered twice? Keep one row; this is {who(row)}.",
            )
            reported.add(row)

    usable = names.notna() & companies.notna()
    people = pd.DataFrame(
        {
            "name": _map_unique(names[usable], normalise_name),
            "company": _map_unique(companies[usable], normalise_company),
        },
        index=roster.index[usable],
    )
    people = people[(people["name"] != "") & (people["company"] != "")]
    people["block"] = people["company"]
    big = people.groupby("block")["name"].transform("size") > MAX_BLOCK
    people.loc[big, "block"] = people.loc[big, "company"] + "|" + people.loc[big, "name"].str[:1]
    for row, other in sorted(_similar_name_pairs(people) + _nickname_pairs(people)):
        if row in reported or same_id(row, other):
            continue
        found.add(
            schema.ADVOCATES.name,
            row,
            A.name,
            "possible_duplicate",
            f"{_quote(names.at[row])} at {companies.at[row]} looks like {_quote(names.at[other])} on "
            f"{who(other)}: the same person entered twice? This is {who(row)}.",
        )
        reported.add(row)


def _nominees_already_known(found: _Collector, program: Program) -> None:
    """Undecided (New) nominations of someone already on the roster, or of someone an earlier undecided
    nomination names already: recruiting them again wastes a team's ask and annoys the customer.

    The same person means the same e-mail, or the same name at the same company as the duplicate check
    compares them (folded, legal suffixes dropped, a nickname read as a full name it may stand for) but
    otherwise exactly equal: a nomination is something to act on, so a name merely spelled alike is not
    worth a warning.
    """
    nominations = program.nominations
    new = nominations[nominations[N.status] == "New"]
    if new.empty:
        return
    roster = program.advocates
    on_roster = (_first_row_of(roster[A.email]), _first_row_of_any(_person_keys(roster, A.name, A.company)))
    nominee_email, nominee_person = new[N.contact_email], _person_keys(new, N.contact_name, N.company)
    earlier: tuple[dict[str, int], dict[str, int]] = ({}, {})
    for row in new.index:
        email, person = nominee_email.at[row], nominee_person.at[row]
        person = person if isinstance(person, tuple) else ()
        nominee = new.at[row, N.contact_name] or new.at[row, N.contact_email]
        by_email = on_roster[0].get(email) if email is not None else None
        by_person = min((on_roster[1][k] for k in person if k in on_roster[1]), default=None)
        advocate = by_email if by_email is not None else by_person
        twin_email = earlier[0].get(email) if email is not None else None
        twin_person = min((earlier[1][k] for k in person if k in earlier[1]), default=None)
        twin = twin_email if twin_email is not None else twin_person
        column = N.contact_email if email is not None else N.contact_name
        if advocate is not None:
            same = "the same e-mail as" if by_email is not None else "the same name and company as"
            who = (
                f"{roster.at[advocate, A.advocate_id] or 'no id'}, {roster.at[advocate, A.name] or 'no name'}"
            )
            found.add(
                schema.NOMINATIONS.name,
                row,
                column,
                "already_an_advocate",
                f"{nominee} has {same} Advocates row {advocate} ({who}): already an advocate. Decline this "
                "nomination (noting why) rather than recruit them again.",
            )
        elif twin is not None:
            found.add(
                schema.NOMINATIONS.name,
                row,
                column,
                "duplicate_nomination",
                f"{nominee} is nominated on row {twin} too ({new.at[twin, N.nomination_id] or 'no id'}), also "
                "undecided: decide one and decline the other.",
            )
        if email is not None:
            earlier[0].setdefault(email, row)
        for key in person:
            earlier[1].setdefault(key, row)


def _person_keys(frame: pd.DataFrame, name: str, company: str) -> pd.Series:
    """Each row's 'name|company' keys (its name's variants, nicknames read as full names, normalised as the
    duplicate check does), for rows with both and a name of two words or more once initials are dropped;
    else None."""
    usable = frame[name].notna() & frame[company].notna()
    keys = pd.Series(None, index=frame.index, dtype=object)
    if usable.any():
        names = _map_unique(frame.loc[usable, name], normalise_name)
        companies = _map_unique(frame.loc[usable, company], normalise_company)
        found = np.empty(len(names), dtype=object)
        for i, (n, c) in enumerate(zip(names, companies, strict=True)):
            # "J. Smith" is only "smith": too little to be sure
            found[i] = tuple(f"{v}|{c}" for v in name_variants(n)) if " " in n and c else None
        keys[usable] = found
    return keys


def _first_row_of(keys: pd.Series) -> dict[Any, int]:
    """Each non-empty value, with the first row holding it (``_first_rows`` as a lookup)."""
    return dict(zip(keys.dropna().to_numpy(), _first_rows(keys).to_numpy().tolist(), strict=True))


def _first_row_of_any(keys: pd.Series) -> dict[str, int]:
    """Each key of any row's tuple of keys, with the first row holding it."""
    first: dict[str, int] = {}
    for row, row_keys in zip(keys.index, keys, strict=True):
        for key in row_keys if isinstance(row_keys, tuple) else ():
            first.setdefault(key, int(row))
    return first


# --- who is asked for what --------------------------------------------------------------------------------


def _requests_with_their_advocate(program: Program, statuses: Collection[str]) -> Iterator[tuple]:
    """(row, advocate_id, activity, name, status, agreed activities, consents) of each request in one of
    ``statuses`` assigned to an advocate on the roster (the first row of a duplicated id)."""
    roster = program.advocates
    roster = roster[roster[A.advocate_id].notna() & ~roster[A.advocate_id].duplicated(keep="first")]
    by_id = roster.set_index(A.advocate_id)
    requests = program.requests
    chosen = requests[R.status].isin(statuses) & requests[R.advocate_id].isin(by_id.index)
    assigned = requests.loc[chosen, [R.advocate_id, R.activity]]
    advocate_ids = assigned[R.advocate_id]
    return zip(
        assigned.index,
        advocate_ids,
        assigned[R.activity],
        advocate_ids.map(by_id[A.name]),
        advocate_ids.map(by_id[A.status]),
        advocate_ids.map(by_id[A.activities]),
        advocate_ids.map(by_id[A.consents]),
        strict=True,
    )


def _assignment_checks(found: _Collector, program: Program) -> None:
    """Open requests assigned to someone who did not agree, may not be contacted, or has not consented."""
    facts = _requests_with_their_advocate(program, schema.OPEN_REQUEST_STATUSES)
    for row, advocate_id, activity, name, status, agreed, consents in facts:
        who = f"{advocate_id} ({name or 'no name'})"
        if status in schema.UNAVAILABLE_STATUSES:
            found.add(
                schema.REQUESTS.name,
                row,
                R.advocate_id,
                "advocate_unavailable",
                f"{who} is {status!r} and must not be asked; assign someone else.",
            )
            continue
        if activity is None:
            continue
        agreed = agreed if isinstance(agreed, tuple) else ()
        if activity not in agreed:
            listed = ", ".join(agreed) or "nothing yet"
            found.add(
                schema.REQUESTS.name,
                row,
                R.advocate_id,
                "not_agreed",
                f"{who} has not agreed to {activity} (agreed to: {listed}); "
                "ask them first or assign someone else.",
            )
            continue
        given = consents if isinstance(consents, tuple) else ()
        missing = [c for c in PUBLIC_ACTIVITY_CONSENTS.get(activity, ()) if c not in given]
        if missing:
            found.add(
                schema.REQUESTS.name,
                row,
                R.advocate_id,
                "consent_missing",
                f"{activity} needs the advocate's consent to {' and '.join(missing)}, "
                f"which {who} has not given.",
            )


def _completed_without_agreement(found: _Collector, program: Program) -> None:
    """Completed requests whose advocate never agreed to the activity done: a warning, not an error, since
    the request was fulfilled and still counts; either the roster is out of date or the advocate was asked
    for more than they offered, and a person should find out which."""
    for row, advocate_id, activity, name, _, agreed, _ in _requests_with_their_advocate(
        program, {"Completed"}
    ):
        agreed = agreed if isinstance(agreed, tuple) else ()
        if activity is None or activity in agreed:
            continue
        found.add(
            schema.REQUESTS.name,
            row,
            R.activity,
            "completed_not_agreed",
            f"{advocate_id} ({name or 'no name'}) did {activity} for this request without having agreed to it "
            f"(agreed to: {', '.join(agreed) or 'nothing'}); check with them, then add {activity} to their "
            "activities or correct this request's activity.",
        )


# --- maintenance --------------------------------------------------------------------------------------------


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


# --- settings and goals -------------------------------------------------------------------------------------


def _setting_rule(setting: schema.Setting) -> str:
    """The values a setting takes, in words: 'a whole number from 1 to 12', 'yes or no'."""
    if setting.kind is schema.SettingKind.YES_NO:
        return "yes or no"
    noun = "a whole number" if setting.kind is schema.SettingKind.INTEGER else "a number"
    low, high = (f"{b:g}" if b is not None else None for b in (setting.low, setting.high))
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun} from {low} up"
    return f"{noun} up to {high}" if high is not None else noun


def _setting_used(settings: Settings, key: str) -> str:
    """What the kit uses instead of an unusable value of ``key``, in words (from ``Settings``, so the two agree)."""
    used = settings.value(key) if key in schema.SETTING_BY_KEY else None
    if used is None:  # an activity's SLA with no declaration of its own: the program's default SLA
        return f"uses {schema.SLA_PREFIX}default ({settings.integer(schema.SLA_PREFIX + 'default')})"
    if isinstance(used, bool):
        return f"uses the default {'yes' if used else 'no'}"
    return f"uses the default {used:g}"


def _settings_checks(found: _Collector, program: Program) -> None:
    """Unknown keys, and values the kit cannot use: ``read_setting`` decides, as it does for ``Settings``."""
    frame = program[schema.SETTINGS]
    tab = schema.SETTINGS.name
    known_keys = list(schema.SETTING_BY_KEY) + [f"{schema.SLA_PREFIX}{a}" for a in schema.ACTIVITY_TYPES]
    for row, key, value in zip(frame.index, frame[S.key], frame[S.value], strict=True):
        if key is None:
            continue
        setting = schema.setting_declaration(key)
        if setting is None:
            guess = suggest(key, known_keys, cutoff=80)
            hint = f'; did you mean "{guess}"?' if guess else " and ignores it."
            found.add(tab, row, S.key, "unknown_setting", f"The kit has no setting {_quote(key)}{hint}")
            continue
        if value is None:
            continue
        if setting.kind is schema.SettingKind.SEGMENTS:
            try:
                parse_segments(value)
            except KitError as error:
                found.add(tab, row, S.value, "bad_setting", f"{key} cannot be read: {error}.")
        elif read_setting(setting, value) is None:
            found.add(
                tab,
                row,
                S.value,
                "bad_setting",
                f"{key} is {_quote(_short(value))}, {_setting_fault(setting, value)}; the kit "
                f"{_setting_used(program.settings, key)} until this is fixed.",
            )


def _short(value: Any) -> Any:
    """A long cell as a person can read it in one line: a huge number as 1e+308 rather than its 309 digits."""
    text = as_text(value)
    if len(text) <= 30:
        return value
    number = parse_amount(value)
    return f"{number:.4g}" if number is not None else text[:30] + "…"


def _setting_fault(setting: schema.Setting, value: Any) -> str:
    """What is wrong with a value ``read_setting`` refused: too large, too small, or not what it takes."""
    if setting.kind in (schema.SettingKind.INTEGER, schema.SettingKind.NUMBER):
        number = parse_int(value) if setting.kind is schema.SettingKind.INTEGER else parse_amount(value)
        if number is not None and setting.high is not None and number > setting.high:
            return f"too large: at most {setting.high:g}"
        if number is not None and setting.low is not None and number < setting.low:
            return f"too small: at least {setting.low:g}"
    return f"not {_setting_rule(setting)}"


def _goal_segments(found: _Collector, program: Program) -> None:
    goals = program.goals
    for row, text in zip(goals.index, goals[G.segment], strict=True):
        if text is None:
            continue
        try:
            Segment.parse(text)
        except KitError as error:
            found.add(
                schema.GOALS.name,
                row,
                G.segment,
                "bad_segment",
                f"{error}; write segments as column=value pairs separated by ';'.",
            )


_QUARTER_NUMBER = re.compile(r"^(?:FY\s*)?\d{4}\s*-?\s*Q(\d+)$", re.IGNORECASE)
_MONTH_NUMBER = re.compile(r"^\d{4}-(\d+)$")
_SPAN_DAYS = re.compile(r"^(\S+)\s*\.\.\s*(\S+)$")
_YEARS_IN = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_SHORT_FISCAL_YEAR = re.compile(r"FY\s*'?(\d{2})(?!\d)", re.IGNORECASE)


def _goal_periods(found: _Collector, program: Program) -> None:
    """Each goal's period read as ``metrics`` reads it; one it cannot read is reported with what was meant."""
    goals = program.goals
    fiscal_start = program.settings.fiscal_year_start_month
    for row, period in zip(goals.index, goals[G.period], strict=True):
        if period is None:
            continue  # missing_required
        try:
            parse_period(period, fiscal_year_start_month=fiscal_start)
        except KitError:
            text = as_text(period)
            found.add(schema.GOALS.name, row, G.period, "bad_period", f"{_quote(text)} {_period_hint(text)}")


def _period_hint(text: str) -> str:
    """Why ``text`` is not a period, and what was probably meant (the rest of a ``bad_period`` message)."""
    first, last = DATE_YEARS
    years = [int(y) for y in _YEARS_IN.findall(text)]
    outside = next((y for y in years if not first <= y <= last), None)
    if outside is not None:
        return f"is in the year {outside}; periods run from {first} to {last}: check the year."
    if (match := _QUARTER_NUMBER.match(text)) and not 1 <= int(match.group(1)) <= 4:
        return "is not a period: a year has four quarters, Q1 to Q4."
    if (match := _MONTH_NUMBER.match(text)) and not 1 <= int(match.group(1)) <= 12:
        return "is not a period: a year has twelve months, 01 to 12."
    if match := _SPAN_DAYS.match(text):
        days = []
        for end in match.groups():
            try:
                days.append(dt.date.fromisoformat(end))
            except ValueError:
                return f"is not a period: {end} is not a day; write both ends as 2026-07-01."
        if days[1] < days[0]:
            swapped = f"{days[1].isoformat()}..{days[0].isoformat()}"
            return f'is not a period: the end comes before the start; did you mean "{swapped}"?'
    guess = suggest(text, _periods_near(text), cutoff=80)
    if guess:
        return f'is not a period; did you mean "{guess}"?'
    return f"is not a period; write {FORMS}."


def _periods_near(text: str) -> list[str]:
    """Every period of the years ``text`` names (2026, or FY27 as 2027), in each form: what a typo may mean."""
    years = {int(y) for y in _YEARS_IN.findall(text)}
    years |= {2000 + int(y) for y in _SHORT_FISCAL_YEAR.findall(text)}
    periods = []
    for year in sorted(years):
        periods += [f"{year}", f"FY{year}"]
        periods += [f"{year}-Q{q}" for q in range(1, 5)] + [f"FY{year}-Q{q}" for q in range(1, 5)]
        periods += [f"{year}-{m:02d}" for m in range(1, 13)]
    return periods


def _goal_metrics(found: _Collector, program: Program) -> None:
    """Each goal's metric must be one ``metrics`` computes (a key of ``HEADLINE``), spelled exactly so."""
    goals = program.goals
    for row, metric in zip(goals.index, goals[G.metric], strict=True):
        if metric is None or metric in HEADLINE:
            continue
        guess = suggest(as_text(metric), HEADLINE)
        hint = f'did you mean "{guess}"?' if guess else f"use one of: {', '.join(HEADLINE)}."
        found.add(
            schema.GOALS.name,
            row,
            G.metric,
            "unknown_metric",
            f"{_quote(metric)} is not a metric the kit computes; {hint}",
        )
