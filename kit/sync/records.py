"""What the two CRMs' records become: rows of the Opportunities tab, keyed by the schema's column names,
with typed values (text, a float amount, dates, booleans).

A row holds only the columns the CRM supplies: a column it does not know (``product``) is left out, so a
sync never blanks what a person typed there; a region is set only when the account's country names one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kit import schema

O = schema.OPPORTUNITIES.col  # noqa: E741 - the tab's columns, as the metrics modules name them

Row = dict[str, Any]
RegionOf = Callable[[str], str | None]


def text(value: Any) -> str | None:
    """A CRM value as a cell's text: None for null or blank."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def amount(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def day(value: Any) -> dt.date | None:
    """A CRM date or dateTime (``2026-03-31``, ``2026-01-05T10:00:00.000+0000``, ``…Z``) as the day it
    names in UTC."""
    if value in (None, ""):
        return None
    raw = str(value)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", raw):
        return dt.date.fromisoformat(raw)
    return parse_moment(raw).date()


def parse_moment(raw: str) -> dt.datetime:
    """A CRM dateTime as an aware UTC datetime (``+0000`` and ``Z`` both accepted)."""
    raw = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", raw.replace("Z", "+00:00"))
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def opportunity_row(
    *,
    opportunity_id: str,
    account: Any,
    owner: Any,
    stage: Any,
    amount_value: Any,
    created: Any,
    closes: Any,
    is_closed: bool,
    is_won: bool,
    industry: Any,
    country: Any,
    region_of: RegionOf,
) -> Row:
    """One Opportunities row from a CRM record's values."""
    row: Row = {
        O.opportunity_id: opportunity_id,
        O.account: text(account),
        O.owner: text(owner),
        O.stage: text(stage),
        O.amount: amount(amount_value),
        O.created_on: day(created),
        O.close_date: day(closes),
        O.is_closed: bool(is_closed),
        O.is_won: bool(is_won),
        O.industry: text(industry),
    }
    region = region_of(str(country)) if text(country) else None
    if region is not None:
        row[O.region] = region
    return row


def no_region(country: str) -> str | None:
    """Used until a country→region table is given: no region is set."""
    return None


def stamp(moment: dt.datetime) -> str:
    """A UTC instant as SOQL's dateTime literal, to the second (``2026-01-05T10:00:00Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Fetched:
    """What one read of a CRM brought back: the rows, the newest modification time among them (the next
    incremental sync starts there), and how many pages the CRM served."""

    rows: tuple[Row, ...]
    newest: dt.datetime | None
    pages: int
