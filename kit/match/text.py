"""Text as the matcher compares it: folded (case, accents, spacing like ``cells.fold``), each spelling once."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from kit.cells import as_text, fold, is_blank


def fold_fast(text: str) -> str:
    """``cells.fold``, with a fast path for plain ASCII text (where it is lower-casing and spacing only)."""
    if text.isascii():
        return " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    return fold(text)


@functools.lru_cache(maxsize=65_536)
def fold_cached(text: str) -> str:
    """``cells.fold``, remembered: requests repeat the same few industries, products and companies."""
    return fold_fast(text)


_ENUM_LOOKUPS: dict[tuple[str, ...], dict[str, str]] = {}


def enum_value(text: str, allowed: tuple[str, ...]) -> str | None:
    """The drop-down value ``text`` spells (whatever its case and spacing), or None."""
    lookup = _ENUM_LOOKUPS.get(allowed)
    if lookup is None:
        lookup = _ENUM_LOOKUPS[allowed] = {fold(v): v for v in allowed}
    return lookup.get(fold_cached(text))


def text_or_none(value: Any) -> str | None:
    """A cell as text, None when blank or a list (a multi-value cell is not one value)."""
    return None if is_blank(value) or isinstance(value, (tuple, list)) else as_text(value)


def fold_series(values: pd.Series) -> pd.Series:
    """Each text cell folded (case, accents, spacing), NaN when blank; folds each distinct value once."""
    table = {
        v: fold_fast(v if isinstance(v, str) else as_text(v)) or None for v in pd.unique(values.dropna())
    }
    return values.map(table)
