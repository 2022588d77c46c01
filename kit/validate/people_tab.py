"""The People and Commitments tabs: an opportunity owner no one in People matches, a manager who is not in
People, a commitment naming a metric the kit does not compute or a period that is not one. Each at its cell,
with what was probably meant. (A People row without an e-mail, and a team that is not a team, are found by the
cell checks: ``missing_required``, ``bad_enum``.)
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from kit import schema
from kit.cells import as_text
from kit.errors import KitError
from kit.metrics.adoption import COMMITMENT_METRICS, email_key, people_frame, unmatched_rows
from kit.periods import KEYWORDS, parse_period
from kit.program import Program
from kit.validate.findings import _Collector
from kit.validate.goals import _period_hint
from kit.validate.words import _quote, suggest

P = schema.PEOPLE.col
C = schema.COMMITMENTS.col
O = schema.OPPORTUNITIES.col  # noqa: E741

CLOSEST = 3  # names suggested for an unmatched owner
_NAME_CUTOFF = 60


def _unmatched_owners(found: _Collector, program: Program) -> None:
    """Opportunities whose owner matches no one in People (by name, folded, or by e-mail): a warning with
    the closest People names. Nothing while the People tab is empty (a workbook that does not use it)."""
    people = program.people
    if people.empty:
        return
    rows = unmatched_rows(program.opportunities, people)
    if not len(rows):
        return
    names = sorted({n for n in people[P.name] if isinstance(n, str) and n.strip()})
    hints: dict[str, str] = {}
    for row in rows:
        owner = as_text(program.opportunities.at[row, O.owner])
        if owner not in hints:
            close = process.extract(
                owner,
                names,
                scorer=fuzz.WRatio,
                processor=str.lower,
                limit=CLOSEST,
                score_cutoff=_NAME_CUTOFF,
            )
            words = ", ".join(f'"{name}"' for name, *_ in close)
            hints[owner] = (
                f"closest in People: {words}; correct the owner or add them to People."
                if close
                else "add them to People (name as the CRM writes it)."
            )
        found.add(
            schema.OPPORTUNITIES.name,
            row,
            O.owner,
            "unmatched_owner",
            f"{_quote(owner)} is not in the People tab; their deals count in no seller's adoption; {hints[owner]}",
        )


def _unknown_managers(found: _Collector, program: Program) -> None:
    """People whose ``manager_email`` is not itself a row of People (the manager's team and name unknown)."""
    people = program.people
    known = people_frame(people)
    addresses = list(known["key"])
    held = set(addresses)
    for row, manager in zip(people.index, people[P.manager_email], strict=True):
        key = email_key(manager)
        if key is None or key in held:
            continue
        guess = suggest(key, addresses, cutoff=85)
        hint = f'did you mean "{guess}"?' if guess else "add the manager to People."
        found.add(
            schema.PEOPLE.name,
            row,
            P.manager_email,
            "unknown_manager",
            f"{_quote(manager)} is not in the People tab, so this person is in no manager's figures; {hint}",
        )


def _commitment_checks(found: _Collector, program: Program) -> None:
    """Each commitment's metric (empty: tracked by hand) and period, read as ``metrics`` reads them."""
    commitments = program.commitments
    fiscal_start = program.settings.fiscal_year_start_month
    for row, metric, period in zip(
        commitments.index, commitments[C.metric], commitments[C.period], strict=True
    ):
        if metric is not None and metric not in COMMITMENT_METRICS:
            guess = suggest(as_text(metric), COMMITMENT_METRICS)
            hint = f'did you mean "{guess}"?' if guess else f"use one of: {', '.join(COMMITMENT_METRICS)}."
            found.add(
                schema.COMMITMENTS.name,
                row,
                C.metric,
                "unknown_metric",
                f"{_quote(metric)} is not a metric the kit computes per team (leave it empty for a "
                f"commitment tracked by hand); {hint}",
            )
        if period is None or re.sub(r"[\s_]+", "-", as_text(period).strip().lower()) in KEYWORDS:
            continue
        try:
            parse_period(period, fiscal_year_start_month=fiscal_start)
        except KitError:
            text = as_text(period)
            hint = _period_hint(text)
            keyword = suggest(text, KEYWORDS, cutoff=80)
            if "write " in hint:  # no period was near: a keyword may be
                hint = (
                    f'is not a period; did you mean "{keyword}"?'
                    if keyword
                    else hint[:-1] + ", or a keyword such as this-quarter."
                )
            found.add(schema.COMMITMENTS.name, row, C.period, "bad_period", f"{_quote(text)} {hint}")


def _people_checks(found: _Collector, program: Program) -> None:
    _unmatched_owners(found, program)
    _unknown_managers(found, program)
    _commitment_checks(found, program)
