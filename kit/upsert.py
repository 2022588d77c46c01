"""The one write path for rows that come from outside the sheet (an imported file, a CRM sync): upsert by key.

``plan_upsert`` matches each incoming row to a row of the program on the tab's key (and, for an advocate
without an id, on the e-mail, then on the name and company as the validator compares people), gives new rows
the next id, leaves unchanged rows alone and returns an ``UpsertPlan``: what would be added, changed (each
cell old → new) and refused (and why, naming the file's row and column), how many rows are unchanged and
which program rows the input does not hold. Nothing is written until ``apply_plan``, so the same plan is the
dry run's diff and the write. Rows are never deleted.

Applying writes the changes as keyed, conflict-checked ``store.update`` (each change expects the cell it
read: someone else's edit since the read refuses the whole update and nothing is written) and the additions
as one ``store.append`` (one API call per batch on a Google Sheet). Text is written as text by both stores
(the workbook's inline strings, the Sheets API's RAW input), so a cell reading ``=HYPERLINK(…)`` never
becomes a formula. Applying a plan and planning the same input again gives "0 added, 0 changed": nothing is
written and a workbook's bytes stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kit import schema
from kit.cells import (
    as_text,
    enum_lookup,
    fold,
    is_blank,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    split_multi,
)
from kit.errors import SchemaError
from kit.names import name_variants, normalise_company, normalise_name
from kit.schema import Column, Kind

if TYPE_CHECKING:
    from kit.program import Program
    from kit.store.base import Store

__all__ = [
    "AddedRow",
    "Applied",
    "CellChange",
    "ChangedRow",
    "RefusedRow",
    "UpsertPlan",
    "apply_plan",
    "plan_upsert",
]

A = schema.ADVOCATES.col

# Names as close as this (rapidfuzz's ratio, 0-100, on normalised names) at one company may be one person:
# the validator's possible_duplicate rule (kit.validate.NAME_SIMILARITY), applied to incoming rows.
NAME_SIMILARITY = 90
# Characters an .xlsx cannot hold (and no person typed): a row carrying one is refused, not written.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The id the schema's description shows ("Unique id, e.g. ADV-0001."): the form of a tab's first new id.
_EXAMPLE_ID = re.compile(r"\b([A-Z]+-)(\d+)\b")
_NUMBERED_ID = re.compile(r"^(.*?)(\d+)$")


# ------------------------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class CellChange:
    """One cell an upsert changes: the value the sheet holds (as read) and the value it will hold."""

    column: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, str]:
        return {"column": self.column, "old": as_text(self.old), "new": as_text(self.new)}


@dataclass(frozen=True)
class AddedRow:
    """A row the input has and the program does not: appended, with ``key`` (given, or the next id)."""

    key: str
    values: Mapping[str, Any]
    origin: str  # where the row came from: "deals.csv row 7"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "origin": self.origin,
            "values": {c: as_text(v) for c, v in self.values.items() if not is_blank(v)},
        }


@dataclass(frozen=True)
class ChangedRow:
    """A program row the input changes: its key, its sheet row, and each cell that changes."""

    key: str
    sheet_row: int
    origin: str
    changes: tuple[CellChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "sheet_row": self.sheet_row,
            "origin": self.origin,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True)
class RefusedRow:
    """An input row that is not written, and why; ``column`` is the kit's column at fault, when one is."""

    origin: str
    reason: str
    column: str | None = None
    code: str = "refused"  # "bad_cell" | "duplicate_in_input" | "possible_duplicate" | "duplicate_key" | …

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "column": self.column, "code": self.code, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True)
class UpsertPlan:
    """What writing the input into ``tab`` would do. Print it (``lines``) for a dry run, or ``apply_plan`` it."""

    tab: str
    added: tuple[AddedRow, ...] = ()
    changed: tuple[ChangedRow, ...] = ()
    refused: tuple[RefusedRow, ...] = ()
    unchanged: int = 0
    missing: tuple[str, ...] = ()  # keys of the program's rows that the input does not hold (never deleted)
    absent_columns: tuple[str, ...] = ()  # columns the input has and the sheet's tab lacks: not written
    # What the plan expects each changed cell to hold: (key, column) -> the cell as read, for the conflict check.
    expected: Mapping[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def summary(self) -> str:
        """'3 added, 2 changed, 1 refused, 10 unchanged'."""
        return (
            f"{len(self.added):,} added, {len(self.changed):,} changed, {len(self.refused):,} refused, "
            f"{self.unchanged:,} unchanged"
        )

    @property
    def writes_anything(self) -> bool:
        return bool(self.added or self.changed)

    def lines(self, *, limit: int | None = 50, missing: bool = False) -> list[str]:
        """The plan as a diff a person reads: ``+`` rows to add, ``~`` rows to change (old → new), ``!`` rows
        refused and why; at most ``limit`` lines of each kind (None: all). ``missing`` lists the program's
        rows the input does not hold."""
        out = [f"{self.tab}: {self.summary}"]

        def some(items: Sequence[Any]) -> Sequence[Any]:
            return items if limit is None else items[:limit]

        def more(items: Sequence[Any], what: str) -> None:
            if limit is not None and len(items) > limit:
                out.append(f"  … and {len(items) - limit:,} more {what}")

        definition = schema.TAB_BY_NAME[self.tab]
        key = definition.key.name if definition.key else None
        for row in some(self.added):
            cells = ", ".join(
                f"{c} {as_text(row.values[c])!r}"
                for c in definition.names
                if c != key and c in row.values and not is_blank(row.values[c])
            )
            out.append(f"+ {row.key} ({row.origin}): {cells}")
        more(self.added, "to add")
        for row in some(self.changed):
            cells = "; ".join(f"{c.column} {as_text(c.old)!r} → {as_text(c.new)!r}" for c in row.changes)
            out.append(f"~ {row.key} (sheet row {row.sheet_row}, {row.origin}): {cells}")
        more(self.changed, "to change")
        for row in some(self.refused):
            out.append(f"! {row}")
        more(self.refused, "refused")
        if self.absent_columns:
            out.append(
                f"  not written: the {self.tab} tab has no column {', '.join(self.absent_columns)} "
                "(add it to the sheet to bring these values in)"
            )
        if missing:
            keys = some(self.missing)
            if keys:
                out.append(
                    f"  in {self.tab} and not in the input ({len(self.missing):,}, kept): {', '.join(keys)}"
                )
            more(self.missing, "not in the input")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "tab": self.tab,
            "added": [r.to_dict() for r in self.added],
            "changed": [r.to_dict() for r in self.changed],
            "refused": [r.to_dict() for r in self.refused],
            "unchanged": self.unchanged,
            "missing": list(self.missing),
            "absent_columns": list(self.absent_columns),
            "summary": self.summary,
        }


@dataclass(frozen=True)
class Applied:
    """The sheet rows an applied plan wrote."""

    added_rows: tuple[int, ...] = ()
    changed_rows: tuple[int, ...] = ()


# ------------------------------------------------------------------------------------------------------------
# Planning


def plan_upsert(
    program: Program,
    tab: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    origins: Sequence[str] | None = None,
    refused: Iterable[RefusedRow] = (),
    blank_erases: bool = False,
) -> UpsertPlan:
    """What writing ``rows`` into ``tab`` of ``program`` would do; nothing is written.

    Args:
        rows: one mapping per input row, keyed by the schema's column names, values typed by the kit's cell
            rules (``kit.cells``) or as cells a person typed; a column a row does not name is left alone.
        origins: where each row came from ("deals.csv row 7"), for messages; "input row N" by default.
        refused: rows the caller refused already (a cell it could not read), carried into the plan.
        blank_erases: whether a blank incoming value clears the sheet's cell. By default it does not: an
            export that leaves a column empty never wipes what a person typed in the sheet.
    """
    definition = schema.TAB_BY_NAME.get(tab)
    if definition is None or definition.key is None:
        raise SchemaError(f"the kit does not write to a tab called {tab!r}")
    if origins is not None and len(origins) != len(rows):
        raise ValueError("one origin per row")
    for row in rows:
        unknown = [c for c in row if c not in definition]
        if unknown:
            raise SchemaError(f"tab {tab!r} has no column {unknown[0]!r}")
    return _Planner(program, definition, blank_erases).plan(
        rows, origins or [f"input row {i}" for i in range(1, len(rows) + 1)], tuple(refused)
    )


class _Planner:
    """Matches incoming rows against the program's rows of one tab (and against each other)."""

    def __init__(self, program: Program, tab: schema.Tab, blank_erases: bool) -> None:
        self.tab = tab
        self.key = tab.key.name  # type: ignore[union-attr]
        self.blank_erases = blank_erases
        self.frame = program[tab.name]
        self.raw = program.raw[tab.name]
        self.header = set(program.headers.get(tab.name, []))
        self.rows = self.frame.index.to_numpy()
        self.columns = {c.name: self.frame[c.name].to_numpy(dtype=object) for c in tab.columns}
        self.position: dict[str, int] = {}  # key -> position of its (first) row
        self.repeated: dict[str, list[int]] = {}  # key -> sheet rows, for a key on several rows
        for i, key in enumerate(self.columns[self.key]):
            if is_blank(key):
                continue
            text = as_text(key)
            if text in self.position:
                self.repeated.setdefault(text, [int(self.rows[self.position[text]])]).append(
                    int(self.rows[i])
                )
            else:
                self.position[text] = i
        self.ids = _IdMaker(tab, self.position)
        self.by_values: dict[tuple[str, ...], dict[tuple, int]] = {}
        self.definitions = {c.name: c for c in tab.columns}
        self.readings: dict[str, dict[tuple[type, Any], Any]] = {}
        self.people = _People(self) if tab is schema.ADVOCATES else None

    def plan(
        self, rows: Sequence[Mapping[str, Any]], origins: Sequence[str], refused: tuple[RefusedRow, ...]
    ) -> UpsertPlan:
        added: list[AddedRow] = []
        changed: list[ChangedRow] = []
        refusals = list(refused)
        expected: dict[tuple[str, str], Any] = {}
        unchanged = 0
        seen: dict[str, str] = {}  # key -> origin of the input row that named it
        matched: set[int] = set()
        absent = [c for c in dict.fromkeys(c for r in rows for c in r) if c not in self.header]
        for values, origin in zip(rows, origins, strict=True):
            values = {c: v for c, v in values.items() if c in self.header}
            bad = _control_character(values)
            if bad is not None:
                refusals.append(
                    RefusedRow(
                        origin, f"the {bad} holds a control character no sheet can store", bad, "bad_cell"
                    )
                )
                continue
            key = as_text(values.get(self.key))
            if key and key in seen:
                refusals.append(
                    RefusedRow(
                        origin,
                        f"{self.key} {key!r} is on {seen[key]} too; only the first is written",
                        self.key,
                        "duplicate_in_input",
                    )
                )
                continue
            if key and key in self.repeated:
                rows_ = ", ".join(map(str, self.repeated[key]))
                refusals.append(
                    RefusedRow(
                        origin,
                        f"{self.tab.name} has {self.key} {key!r} on rows {rows_}; fix the duplicate first",
                        self.key,
                        "duplicate_key",
                    )
                )
                continue
            position: int | None = self.position.get(key) if key else None
            if position is None and self.people is not None:
                found = self.people.find(values, origin, key)
                if isinstance(found, RefusedRow):
                    refusals.append(found)
                    continue
                position = found
            elif position is None and not key:
                position = self._same_row(values)
            if position is not None and position in matched:
                refusals.append(
                    RefusedRow(
                        origin,
                        f"it is the same row as an earlier input row ({self._label(position)})",
                        self.key,
                        "duplicate_in_input",
                    )
                )
                continue
            if position is None:
                key = key or self.ids.next()
                new = {**values, self.key: key}
                added.append(AddedRow(key, new, origin))
                seen[key] = origin
                if self.people is not None:
                    self.people.remember(new, origin, key)
                continue
            matched.add(position)
            row_key = as_text(self.columns[self.key][position])
            seen[row_key] = origin
            changes = self._changes(position, values)
            if not changes:
                unchanged += 1
                continue
            sheet_row = int(self.rows[position])
            changed.append(ChangedRow(row_key, sheet_row, origin, changes))
            for change in changes:
                expected[(row_key, change.column)] = self._raw(sheet_row, change.column)
        missing = tuple(
            as_text(k) for i, k in enumerate(self.columns[self.key]) if not is_blank(k) and i not in matched
        )
        return UpsertPlan(
            self.tab.name,
            tuple(added),
            tuple(changed),
            tuple(refusals),
            unchanged,
            missing,
            tuple(absent),
            expected,
        )

    def _label(self, position: int) -> str:
        key = self.columns[self.key][position]
        return f"sheet row {int(self.rows[position])}, {as_text(key) or 'no id'}"

    def _raw(self, sheet_row: int, column: str) -> Any:
        return self.raw.at[sheet_row, column] if column in self.raw.columns else None

    def _reading(self, column: str, value: Any) -> Any:
        """``comparable`` of a cell, read once per distinct value of a column (an export of 100,000 deals has
        few distinct dates, stages or owners; re-importing it compares every one of its cells)."""
        known = self.readings.setdefault(column, {})
        try:
            return known[(type(value), value)]  # by type too: True, 1 and 1.0 are one dict key otherwise
        except KeyError:
            reading = known[(type(value), value)] = comparable(self.definitions[column], value)
            return reading
        except TypeError:  # not hashable (a list of values)
            return comparable(self.definitions[column], value)

    def _changes(self, position: int, values: Mapping[str, Any]) -> tuple[CellChange, ...]:
        changes = []
        for column, new in values.items():
            if column == self.key:
                continue
            if is_blank(new) and not self.blank_erases:
                continue
            old = self.columns[column][position]
            if self._reading(column, old) == self._reading(column, new):
                continue
            if is_blank(old):  # typed as blank: empty, or a cell the kit could not read (shown as typed)
                old = self._raw(int(self.rows[position]), column)
            changes.append(CellChange(column, None if is_blank(old) else old, None if is_blank(new) else new))
        return tuple(changes)

    def _same_row(self, values: Mapping[str, Any]) -> int | None:
        """A program row holding every value given (whatever its key): a keyless row imported before."""
        given = tuple(sorted(c for c, v in values.items() if not is_blank(v)))
        if not given:
            return None
        index = self.by_values.get(given)
        if index is None:
            index = {}
            readings = [[comparable(self.tab.column(c), v) for v in self.columns[c]] for c in given]
            for i, row in enumerate(zip(*readings, strict=True)):
                index.setdefault(row, i)
            self.by_values[given] = index
        wanted = tuple(comparable(self.tab.column(c), values[c]) for c in given)
        return index.get(wanted)


class _People:
    """Advocates matched without an id: by e-mail, then by name and company as the validator compares people
    (folded, legal suffixes dropped; a nickname read as the full names it may stand for; a name spelled
    within ``NAME_SIMILARITY``). The same e-mail, or the same name at the same company, is the same person;
    a nickname or a near spelling is *possibly* the same person: reported, never added twice."""

    def __init__(self, planner: _Planner) -> None:
        self.planner = planner
        self.email: dict[str, tuple[int | None, str]] = {}  # e-mail -> (program position or None, label)
        self.exact: dict[str, tuple[int | None, str]] = {}  # "name|company" -> (position, label)
        self.variants: dict[str, tuple[int | None, str]] = {}  # "variant|company" -> (position, label)
        self.by_company: dict[
            str, list[tuple[str, int | None, str]]
        ] = {}  # company -> [(name, position, label)]
        columns = planner.columns
        for i in range(len(planner.rows)):
            label = f"{planner.tab.name} row {int(planner.rows[i])} ({as_text(columns[A.advocate_id][i]) or 'no id'}, {as_text(columns[A.name][i])})"
            self._index(columns[A.email][i], columns[A.name][i], columns[A.company][i], i, label)

    def _index(self, email: Any, name: Any, company: Any, position: int | None, label: str) -> None:
        if not is_blank(email):
            self.email.setdefault(as_text(email).lower(), (position, label))
        person = _person(name, company)
        if person is None:
            return
        normalised, firm = person
        self.exact.setdefault(f"{normalised}|{firm}", (position, label))
        for variant in name_variants(normalised):
            self.variants.setdefault(f"{variant}|{firm}", (position, label))
        self.by_company.setdefault(firm, []).append((normalised, position, label))

    def remember(self, values: Mapping[str, Any], origin: str, key: str) -> None:
        """An incoming row that will be added: later input rows are matched against it too."""
        self._index(values.get(A.email), values.get(A.name), values.get(A.company), None, f"{origin} ({key})")

    def find(self, values: Mapping[str, Any], origin: str, key: str) -> int | RefusedRow | None:
        """The program position of the same person, None for a new person, or the refusal of a possible
        duplicate (or of a person the input already holds)."""
        email = values.get(A.email)
        if not is_blank(email):
            hit = self.email.get(as_text(email).lower())
            if hit is not None:
                if hit[0] is None or key:
                    return RefusedRow(
                        origin,
                        f"{as_text(email)!r} is the e-mail of {hit[1]}: one person entered twice? Not added",
                        A.email,
                        "duplicate_person",
                    )
                return hit[0]
        person = _person(values.get(A.name), values.get(A.company))
        if person is None:
            return None
        normalised, firm = person
        hit = self.exact.get(f"{normalised}|{firm}")
        if hit is not None and hit[0] is not None and not key:
            return hit[0]
        if hit is None:
            hit = next(
                (
                    self.variants[f"{v}|{firm}"]
                    for v in sorted(name_variants(normalised))
                    if f"{v}|{firm}" in self.variants
                ),
                None,
            )
        if hit is None:
            hit = self._similar(normalised, firm)
        if hit is None:
            return None
        return RefusedRow(
            origin,
            f"{as_text(values.get(A.name))!r} at {as_text(values.get(A.company))} looks like {hit[1]}: the same "
            f"person? Not added; to update that row, give this one its {A.advocate_id} or e-mail",
            A.name,
            "possible_duplicate",
        )

    def _similar(self, normalised: str, firm: str) -> tuple[int | None, str] | None:
        from rapidfuzz import fuzz

        for name, position, label in self.by_company.get(firm, ()):
            if fuzz.ratio(name, normalised) >= NAME_SIMILARITY:
                return position, label
        return None


def _person(name: Any, company: Any) -> tuple[str, str] | None:
    """(normalised name, normalised company) when both are there and the name has two words once initials are
    dropped ("J. Smith" is only "smith": too little to be sure), as the validator's person keys."""
    if is_blank(name) or is_blank(company):
        return None
    normalised, firm = normalise_name(as_text(name)), normalise_company(as_text(company))
    return (normalised, firm) if " " in normalised and firm else None


class _IdMaker:
    """The next ids of a tab: one past the highest number among ids of the most common form (ADV-0042 →
    ADV-0043, same width), or the schema's example form (ADV-0001) when the tab has none."""

    def __init__(self, tab: schema.Tab, keys: Iterable[str]) -> None:
        self.taken = set(keys)
        forms: dict[tuple[str, int], int] = {}
        highest: dict[tuple[str, int], int] = {}
        for key in self.taken:
            match = _NUMBERED_ID.match(key)
            if match:
                form = (match.group(1), len(match.group(2)))
                forms[form] = forms.get(form, 0) + 1
                highest[form] = max(highest.get(form, 0), int(match.group(2)))
        if forms:
            self.form = max(forms, key=lambda f: (forms[f], f))
            self.number = highest[self.form]
        else:
            example = _EXAMPLE_ID.search(tab.key.description) if tab.key else None  # type: ignore[union-attr]
            self.form = (
                (example.group(1), len(example.group(2))) if example else (f"{tab.name[:3].upper()}-", 4)
            )
            self.number = 0

    def next(self) -> str:
        prefix, width = self.form
        while True:
            self.number += 1
            key = f"{prefix}{self.number:0{width}d}"
            if key not in self.taken:
                self.taken.add(key)
                return key


def _control_character(values: Mapping[str, Any]) -> str | None:
    for column, value in values.items():
        texts = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(t, str) and _CONTROL.search(t) for t in texts):
            return column
    return None


def comparable(column: Column, value: Any) -> Any:
    """A cell or a typed value as what it means in ``column``, so a cell read from the sheet and the value an
    import brings compare equal when they say the same thing (12000 and 12000.0; a date cell and a date;
    'Enterprise' and ' enterprise'; 'a; b' and ('a', 'b')). Blank is None."""
    if is_blank(value) if not isinstance(value, (tuple, list)) else not value:
        return None
    kind = column.kind
    if kind is Kind.DATE:
        day = parse_date(value)
        return day if day is not None else as_text(value)
    if kind is Kind.AMOUNT:
        number = parse_amount(value)
        return number if number is not None else as_text(value)
    if kind is Kind.INT:
        number = parse_int(value)
        return number if number is not None else as_text(value)
    if kind is Kind.BOOL:
        flag = parse_bool(value)
        return flag if flag is not None else as_text(value)
    if kind is Kind.ENUM:
        return enum_lookup(column.values, column.synonyms).get(fold(as_text(value)), as_text(value))
    if kind in (Kind.MULTI_ENUM, Kind.MULTI_TEXT):
        items = split_multi(value)
        if column.values:
            lookup = enum_lookup(column.values, column.synonyms)
            items = [lookup.get(fold(i), i) for i in items]
        return tuple(dict.fromkeys(items))
    if kind is Kind.EMAIL:
        return as_text(value).lower()
    return as_text(value)


# ------------------------------------------------------------------------------------------------------------
# Applying


def apply_plan(store: Store, plan: UpsertPlan) -> Applied:
    """Write ``plan`` into ``store``: its changes as one keyed update, each expecting the cell as it was read
    (``ConflictError``, and nothing written, if someone changed one since), then its additions as one append.
    A plan that writes nothing touches nothing."""
    from kit.store.base import RowUpdate

    changed: list[int] = []
    if plan.changed:
        updates = [
            RowUpdate(
                row.key,
                {c.column: c.new for c in row.changes},
                {c.column: plan.expected.get((row.key, c.column)) for c in row.changes},
            )
            for row in plan.changed
        ]
        changed = store.update(plan.tab, updates)
    added: list[int] = []
    if plan.added:
        added = store.append(plan.tab, [dict(row.values) for row in plan.added])
    return Applied(tuple(added), tuple(changed))
