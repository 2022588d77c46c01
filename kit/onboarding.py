"""Onboarding a nominee: what the roster requires to accept them, and the checklist before they are Active.

Accepting a nomination adds the nominee to the Advocates tab with status *Nominated*. Every column the schema
marks required must be filled then, or ``advocacy-kit validate`` reports the new row as an error
(``missing_required``): ``still_required`` lists the ones a draft lacks, derived from ``kit.schema``, so a
column made required there is asked for here too. The advocate stays *Nominated* (on the roster, never
counted, matched or asked) until the onboarding checklist is done:

- **activities agreed**: the ``activities`` they said yes to;
- **consents**: every consent the agreed public activities need (``PUBLIC_ACTIVITY_CONSENTS``, the rule the
  validator holds an assignment to: a case study needs name and story); none for private ones only;
- **profile verified**: ``last_verified``, the day the profile was confirmed with the advocate.

``nomination_queue`` is the nominations still to decide, oldest first. Pure functions on cells already
read: the writes are ``kit.actions.accept_nomination`` and
``kit.actions.onboard_advocate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kit import schema
from kit.cells import as_text, fold, is_blank, parse_date, parse_enum, parse_int, split_multi
from kit.errors import InputError
from kit.program import Program

A, N = schema.ADVOCATES.col, schema.NOMINATIONS.col
TAB = schema.ADVOCATES

SET_BY_KIT = schema.ADVOCATE_CELLS_SET_BY_KIT  # a new id, and the status (Nominated, then Active)
DETAIL_COLUMNS = schema.ADVOCATE_DETAIL_COLUMNS  # what a person may give: every other column of the tab
CHECKLIST_COLUMNS = schema.ONBOARDING_CHECKLIST  # in the order a manager works through them


@dataclass(frozen=True)
class ChecklistItem:
    """One step of onboarding: done or not, and what is still to do in words."""

    label: str  # "activities agreed"
    column: str  # the Advocates column that records it
    done: bool
    todo: str  # what is missing, '' when done

    def describe(self) -> str:
        return f"[x] {self.label}" if self.done else f"[ ] {self.label}: {self.todo}"


# ------------------------------------------------------------------------------------------------------------
# The queue, and what the roster requires


def nomination_queue(program: Program) -> pd.DataFrame:
    """Nominations waiting for a decision (status New or blank), oldest first."""
    from kit.actions import is_waiting

    frame = program.nominations
    # as a boolean mask even when empty (an empty object Series would select columns, none of them)
    waiting = frame[frame[N.status].map(is_waiting).astype(bool)]
    order = waiting.assign(_row=waiting.index).sort_values([N.submitted_on, "_row"], na_position="last")
    return order.drop(columns="_row")


def _label(column: str) -> str:
    return column.replace("_", " ")


def _allowed(column: schema.Column) -> str:
    return f" (one of {', '.join(column.values)})" if column.kind is schema.Kind.ENUM else ""


def company_facts(advocates: pd.DataFrame, company: object) -> dict[str, Any]:
    """What the roster says about a company, when every advocate there agrees (industry, account, size)."""
    if is_blank(company):
        return {}
    same = advocates[advocates[A.company].map(lambda c: fold(as_text(c))) == fold(as_text(company))]
    facts = {}
    for column in (A.industry, A.account_id, A.company_size):
        values: dict[str, Any] = {}
        for value in same[column]:
            if not is_blank(value):
                values.setdefault(fold(as_text(value)), value)  # 'insurance ' is 'Insurance'
        if len(values) == 1:
            facts[column] = next(iter(values.values()))
    return facts


def draft_advocate(nomination: Mapping[str, Any] | pd.Series, advocates: pd.DataFrame) -> dict[str, Any]:
    """The roster cells a nomination already carries: name, e-mail, company, products, who nominated, and
    what the roster's advocates at that company agree on (industry, account, size). Blank ones are left
    out."""
    carried = {
        A.name: nomination.get(N.contact_name),
        A.email: nomination.get(N.contact_email),
        A.company: nomination.get(N.company),
        **company_facts(advocates, nomination.get(N.company)),
        A.products: nomination.get(N.products),
        A.nominated_by: nomination.get(N.nominator_email),
    }
    return {c: v for c, v in carried.items() if not _blank(v)}


def _blank(value: Any) -> bool:
    return value == () or is_blank(value)


def still_required(draft: Mapping[str, Any]) -> list[schema.Column]:
    """The roster's required columns (``kit.schema``) the draft leaves blank, in sheet order; the kit's own
    cells (id, status) excepted."""
    return [c for c in TAB.required if c.name not in SET_BY_KIT and _blank(draft.get(c.name))]


def describe_required(columns: Iterable[schema.Column]) -> str:
    """'region (one of North America, EMEA, APAC, LATAM) and industry', for a message."""
    words = [f"{c.name}{_allowed(c)}" for c in columns]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# ------------------------------------------------------------------------------------------------------------
# What a person typed, read as the cells the validator accepts


def read_details(details: Mapping[str, Any], *, as_of: dt.date) -> dict[str, Any]:
    """The roster cells a person gave (widget fields, command options) read as the kit reads the sheet: a
    drop-down value in its own spelling, several values as a tuple, a date as a date. Blank ones are left
    out. Raises InputError naming the first value the validator would report as an error (not one of the
    allowed values, not an e-mail address, not a date, a date after ``as_of``), before anything is written.
    """
    from kit.validate import ERROR, PAST_DATES, SEVERITY, cell_schema

    checks = cell_schema(TAB.name).columns
    past = {column for tab, column in PAST_DATES if tab is TAB}
    read: dict[str, Any] = {}
    for name, given in details.items():
        if name not in DETAIL_COLUMNS:
            raise InputError(f"{name!r} is not a roster column a person gives; nothing was written")
        if isinstance(given, (tuple, list)):
            given = schema.MULTI_SEPARATOR.join(as_text(v) for v in given)
        if _blank(given) or (isinstance(given, str) and not given.strip()):
            continue
        column = TAB.column(name)
        value = given.strip() if isinstance(given, str) else given
        cells = pd.Series([value], dtype=object)
        for check in checks[name].checks:
            if SEVERITY[check.name] == ERROR and not bool(check(cells).check_output.iloc[0]):
                raise InputError(f"{_problem(check.name, column, value)}; nothing was written")
        typed = _typed(column, value)
        if name in past and typed > as_of:
            raise InputError(f"{name} {typed.isoformat()} is after today ({as_of}); nothing was written")
        read[name] = typed
    return read


def _problem(code: str, column: schema.Column, value: Any) -> str:
    typed = as_text(value)
    if code in ("bad_enum",):
        several = ", separated by ';'" if column.is_multi else ""
        return f"{column.name} {typed!r} is not allowed: use {', '.join(column.values)}{several}"
    if code == "bad_email":
        return f"{column.name} {typed!r} is not an e-mail address (name@company.com)"
    if code == "bad_date":
        return f"{column.name} {typed!r} is not a date; type it as YYYY-MM-DD"
    if code in ("bad_number", "out_of_range"):
        return f"{column.name} {typed!r} is not a whole number of 0 or more"
    return f"{column.name} {typed!r} cannot be read ({_label(code)})"


def _typed(column: schema.Column, value: Any) -> Any:
    kind = column.kind
    if kind is schema.Kind.ENUM:
        return parse_enum(value, column.values, column.synonyms)
    if kind is schema.Kind.MULTI_ENUM:
        return tuple(dict.fromkeys(parse_enum(v, column.values, column.synonyms) for v in split_multi(value)))
    if kind is schema.Kind.MULTI_TEXT:
        return tuple(split_multi(value))
    if kind is schema.Kind.DATE:
        return parse_date(value)
    if kind is schema.Kind.INT:
        return parse_int(value)
    return value


# ------------------------------------------------------------------------------------------------------------
# The checklist


def _items(value: Any) -> tuple[str, ...]:
    if _blank(value):
        return ()
    return tuple(value) if isinstance(value, (tuple, list)) else tuple(split_multi(value))


def checklist(advocate: Mapping[str, Any] | pd.Series) -> tuple[ChecklistItem, ...]:
    """The onboarding checklist of one advocate's cells (typed, as ``Program.advocates`` holds them)."""
    from kit.validate import PUBLIC_ACTIVITY_CONSENTS

    agreed = _items(advocate.get(A.activities))
    given = set(_items(advocate.get(A.consents)))
    needed = [c for c in schema.CONSENTS if any(c in PUBLIC_ACTIVITY_CONSENTS.get(a, ()) for a in agreed)]
    lacking = [c for c in needed if c not in given]
    needing = [a for a in agreed if set(PUBLIC_ACTIVITY_CONSENTS.get(a, ())) - given]
    if not agreed:
        consents_todo = "agree the activities first"
    elif lacking:
        consents_todo = f"{' and '.join(lacking)} for {' and '.join(needing)}"
    else:
        consents_todo = ""
    verified = (
        parse_date(advocate.get(A.last_verified)) if not _blank(advocate.get(A.last_verified)) else None
    )
    return (
        ChecklistItem(
            "activities agreed",
            A.activities,
            bool(agreed),
            "" if agreed else f"none in {A.activities} yet",
        ),
        ChecklistItem("consents", A.consents, not consents_todo, consents_todo),
        ChecklistItem(
            "profile verified",
            A.last_verified,
            verified is not None,
            "" if verified else f"no {A.last_verified} date yet",
        ),
    )


def missing_for_active(advocate: Mapping[str, Any] | pd.Series) -> list[str]:
    """What stands between an advocate and *Active*, in words: required cells blank, checklist steps not
    done."""
    required = [f"{c.name} (required)" for c in still_required(advocate)]
    return required + [f"{item.label}: {item.todo}" for item in checklist(advocate) if not item.done]


def nominees(program: Program) -> pd.DataFrame:
    """The accepted nominees still Nominated, in roster order: the ones being onboarded."""
    advocates = program.advocates
    return advocates[advocates[A.status] == schema.NOMINATED_STATUS]


def still_to_do(advocate_id: str, advocate: Mapping[str, Any] | pd.Series) -> str:
    """'ADV-0301 stays Nominated until its checklist is done: …', or '' when nothing is left (the caller says
    how to make them Active: a button, a command)."""
    todo = missing_for_active(advocate)
    if not todo:
        return ""
    return f"{advocate_id} stays {schema.NOMINATED_STATUS} until its checklist is done: " + "; ".join(todo)
