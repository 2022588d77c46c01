"""The rows of one tab: an id used twice, an id pointing at no row of the tab it names, and blank or
repeated-header rows between the data."""

from __future__ import annotations

import pandas as pd

from kit import schema
from kit.program import Program
from kit.validate.findings import _Collector
from kit.validate.words import _a, _label, _quote


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
