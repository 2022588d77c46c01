"""The small words every finding's message is made of: a column's label, "a"/"an", a quoted cell, a day, and
the allowed value closest to what was typed (``suggest``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from kit.cells import as_text, fold


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


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()
