"""Requests as the matcher sees them: a request id, a Requests row or a mapping of its columns, read into one
typed ``Request``; what cannot be matched at all becomes ``problem``, anything softer a warning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import as_text, is_blank, parse_date
from kit.errors import InputError
from kit.match.text import enum_value, fold_cached, text_or_none
from kit.program import Program

A, R, O = (t.col for t in (schema.ADVOCATES, schema.REQUESTS, schema.OPPORTUNITIES))

DEFAULT_PRIORITY = "Normal"


@dataclass(frozen=True)
class Request:
    """One request, read: what it asks for, whom it must not go to, when and how urgently."""

    request_id: str | None
    row: int | None
    activity: str | None
    problem: str | None  # why it cannot be matched at all
    wanted: Mapping[str, str]  # criterion → value as written (enums canonical)
    country: str | None
    prospects: tuple[str, ...]  # folded names/ids of the prospect's company and account
    prospect_label: str | None
    needed_by: dt.date | None
    priority: str
    warnings: tuple[str, ...]

    @property
    def label(self) -> str:
        return request_label(self.request_id, self.row)


def request_label(request_id: str | None, row: int | None) -> str:
    """How messages name a request: by id, else by its sheet row."""
    if request_id:
        return f"request {request_id}"
    return f"Requests row {row}" if row else "the request"


class RequestReader:
    """Reads requests against one program and day (the day decides which deadlines have passed)."""

    def __init__(self, program: Program, as_of: dt.date) -> None:
        self.program = program
        self.as_of = as_of
        opportunities = program.opportunities
        self.opportunity_account = dict(
            zip(opportunities[O.opportunity_id], opportunities[O.account], strict=True)
        )

    def parse(self, request: Mapping[str, Any] | pd.Series | str) -> Request:
        """A request from an id, a Requests row or a mapping; problems become a message, never an exception."""
        program = self.program
        if isinstance(request, str):
            request = find_request(program, request)
        if isinstance(request, pd.Series):
            row = request.name if isinstance(request.name, (int, np.integer)) else None
            values = request.to_dict()
        elif isinstance(request, Mapping):
            row, values = None, dict(request)
        else:
            raise InputError(
                "a request is a request id, a row of the Requests tab or a mapping of its columns, "
                f"not {type(request).__name__}"
            )
        raw_tab = program.raw.get(schema.REQUESTS.name)
        raw = None
        if raw_tab is not None and row is not None and row in raw_tab.index:
            raw = raw_tab.loc[row].to_dict()
        return self.parse_values(values, row, raw)

    def parse_many(self, frame: pd.DataFrame) -> list[Request]:
        """Many rows of ``program.requests`` at once (the raw cells are fetched in one go)."""
        raw_tab = self.program.raw.get(schema.REQUESTS.name)
        raws: dict[Any, dict] = {}
        if raw_tab is not None:
            rows = frame.index.intersection(raw_tab.index)
            raws = raw_tab.loc[rows].to_dict("index")
        records = frame.to_dict("index")
        return [self.parse_values(values, row, raws.get(row)) for row, values in records.items()]

    def parse_values(self, values: Mapping[str, Any], row: Any, raw: Mapping[str, Any] | None) -> Request:
        """One request from its typed ``values`` and, when it stands on the sheet, its ``raw`` cells (what
        was typed where the typing could not read a value, quoted back in the warnings)."""
        request_id = text_or_none(values.get(R.request_id))
        if raw is not None and as_text(raw.get(R.request_id)) != (request_id or ""):
            raw = None  # not the sheet's row after all (a copy with another index)
        row = int(row) if isinstance(row, (int, np.integer)) else None
        label = request_label(request_id, row)
        warnings: list[str] = []

        def text_of(column: str) -> str:
            value = values.get(column)
            if not is_blank(value):
                return as_text(value)
            return as_text(raw.get(column)) if raw is not None else ""

        def enum(column: str, allowed: Sequence[str]) -> str | None:
            value = values.get(column)
            if isinstance(value, str) and value in allowed:
                return value  # already typed
            text = text_of(column)
            if not text:
                return None
            parsed = enum_value(text, allowed)
            if parsed is None and column != R.activity:
                warnings.append(f"{label}: {column} {text!r} is not one of {', '.join(allowed)}; ignored")
            return parsed

        activity = enum(R.activity, schema.ACTIVITY_TYPES)
        problem = None
        if activity is None:
            activity_text = text_of(R.activity)
            problem = (
                f"{label}: activity {activity_text!r} is not one of {', '.join(schema.ACTIVITY_TYPES)}"
                if activity_text
                else f"{label}: names no activity; say what the advocate is asked to do"
            )
        wanted: dict[str, str] = {}
        for column in (R.industry, R.product, R.use_case):
            text = text_or_none(values.get(column))
            if text:
                wanted[column] = text
        for column, allowed in (
            (R.region, schema.REGIONS),
            (R.company_size, schema.COMPANY_SIZES),
            (R.persona, schema.PERSONAS),
        ):
            value = enum(column, allowed)
            if value:
                wanted[column] = value
        if not wanted:
            warnings.append(
                f"{label}: names no industry, product, use case, region, company size or persona; "
                "ranked by rest and freshness only"
            )
        country = text_or_none(values.get(A.country))

        prospects: list[str] = []
        prospect_label = text_or_none(values.get(R.prospect_company))
        if prospect_label:
            prospects.append(fold_cached(prospect_label))
        opportunity = text_or_none(values.get(R.opportunity_id))
        if opportunity:
            if opportunity not in self.opportunity_account:
                warnings.append(
                    f"{label}: opportunity {opportunity} is not in the Opportunities tab; "
                    "the prospect is known from prospect_company only"
                )
            else:
                account = self.opportunity_account[opportunity]
                if not is_blank(account):
                    prospects.append(fold_cached(as_text(account)))
                    prospect_label = prospect_label or as_text(account)

        needed = values.get(R.needed_by)
        needed_by = parse_date(needed)
        if needed_by is None and text_of(R.needed_by):
            warnings.append(
                f"{label}: needed_by {text_of(R.needed_by)!r} is not a date; treated as no deadline"
            )
        elif needed_by is not None and needed_by < self.as_of:
            days = (self.as_of - needed_by).days
            warnings.append(f"{label}: was needed by {needed_by.isoformat()}, {days} days ago")
        priority = enum(R.priority, schema.PRIORITIES) or DEFAULT_PRIORITY
        status = enum(R.status, schema.REQUEST_STATUSES)
        if status and status not in schema.OPEN_REQUEST_STATUSES:
            warnings.append(f"{label}: is {status}, not open; ranked anyway")
        assigned = text_or_none(values.get(R.advocate_id))
        if assigned:
            warnings.append(f"{label}: already has advocate {assigned} assigned")
        return Request(
            request_id=request_id,
            row=row,
            activity=activity,
            problem=problem,
            wanted=wanted,
            country=country,
            prospects=tuple(dict.fromkeys(prospects)),
            prospect_label=prospect_label,
            needed_by=needed_by,
            priority=priority,
            warnings=tuple(warnings),
        )


def find_request(program: Program, request_id: str) -> pd.Series:
    """The Requests row with this id; InputError when there is none, or more than one."""
    requests = program.requests
    hits = requests[requests[R.request_id] == request_id.strip()]
    if hits.empty:
        raise InputError(f"no request {request_id!r} in the Requests tab")
    if len(hits) > 1:
        rows = ", ".join(str(r) for r in hits.index)
        raise InputError(f"request {request_id!r} stands on Requests rows {rows}; fix the duplicate first")
    return hits.iloc[0]
