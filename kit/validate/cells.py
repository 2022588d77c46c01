"""The cell layer: each column checked on its own, by a pandera schema per tab derived from ``kit.schema``.

Required cells filled; dates, numbers, TRUE/FALSE and drop-down values readable with the same typing the rest
of the kit uses (``kit.cells.typed_column``), so a cell is reported exactly when the kit could not read it;
e-mails well formed; ids and e-mails without stray spaces; amounts no deal could reach; free text not
starting like a spreadsheet formula; whole numbers inside their declared range. Each check runs once per
distinct value of a column, and its message says what was probably meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
from kit.schema import Column, Kind
from kit.validate.findings import _Collector
from kit.validate.words import _a, _label, _quote, suggest

if TYPE_CHECKING:  # pandera is imported when cells are first checked: `import kit` stays light
    import pandera.pandas as pa

# Whole numbers with a meaningful range (declared in the schema, which every reader of the column follows).
RANGES = schema.RANGES
# An amount (a deal, a goal's target) beyond this, either way, is a paste or a typo, not a figure to add up.
MAX_AMOUNT = 1e12

_EMAIL = (
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}"
)
_FORMULA_START = "=+-@"  # what a spreadsheet may read as the start of a formula


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
