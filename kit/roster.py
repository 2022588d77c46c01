"""The roster as the program team searches it: filter advocates by what a request asks for, count coverage.

These are the pure functions behind the finder widgets and the explore notebook. They compare values the
way people type them (case, accents and spacing do not matter) and treat the multi-value columns
(``products``, ``use_cases``, ``activities``) as "holds this value", so a filter for Product A finds the
advocate whose cell says ``Product A; Product C``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import fold
from kit.errors import InputError
from kit.segments import Segment

A, R = schema.ADVOCATES.col, schema.REQUESTS.col

# What a person filters by, named as a request names it (the status as the roster does) → the roster
# column that holds it.
CRITERIA: dict[str, str] = {
    R.industry: A.industry,
    R.product: A.products,
    R.use_case: A.use_cases,
    R.region: A.region,
    R.company_size: A.company_size,
    R.persona: A.persona,
    R.activity: A.activities,
    A.status: A.status,
}
# The columns free-text search looks in.
SEARCHED: tuple[str, ...] = (A.name, A.company, A.notes)
# Segment conditions are written with the request's words (product=…); the roster's columns are plural.
SEGMENT_ALIASES: dict[str, str] = {R.product: A.products, R.use_case: A.use_cases, R.activity: A.activities}

_ENUM_VALUES: dict[str, tuple[str, ...]] = {
    R.region: schema.REGIONS,
    R.company_size: schema.COMPANY_SIZES,
    R.persona: schema.PERSONAS,
    R.activity: schema.ACTIVITY_TYPES,
    A.status: schema.ADVOCATE_STATUSES,
}

Criterion = str | Iterable[str] | None


def _wanted(value: Criterion) -> set[str]:
    """A criterion's values, folded; empty means 'any'."""
    if value is None:
        return set()
    values = [value] if isinstance(value, str) else list(value)
    return {fold(str(v)) for v in values if v is not None and str(v).strip()}


def _folded_cells(cells: pd.Series) -> pd.Series:
    """Each cell as a frozenset of folded values (one for a single-value cell), computed once per value."""
    cache: dict[object, frozenset[str]] = {}

    def one(cell: object) -> frozenset[str]:
        key = cell if isinstance(cell, (str, tuple)) or cell is None else repr(cell)
        if key not in cache:
            if isinstance(cell, (tuple, list)):
                cache[key] = frozenset(fold(str(v)) for v in cell)
            elif cell is None or (isinstance(cell, float) and cell != cell):
                cache[key] = frozenset()
            else:
                cache[key] = frozenset({fold(str(cell))})
        return cache[key]

    return cells.map(one)


class RosterIndex:
    """The roster folded once for searching: what each criterion's cells hold, and the searchable text.

    Folding 50,000 cells costs far more than comparing them, so the finder builds one index per program
    and every dropdown pick or keystroke then costs a few vectorised comparisons. Each criterion's cells
    are factorised (distinct cell values are few), so a filter tests each distinct value once.
    """

    def __init__(self, advocates: pd.DataFrame) -> None:
        self.advocates = advocates
        self._codes: dict[str, tuple[np.ndarray, list[frozenset[str]]]] = {}
        self._haystack: pd.Series | None = None

    def _factorised(self, criterion: str) -> tuple[np.ndarray, list[frozenset[str]]]:
        if criterion not in self._codes:
            codes, uniques = pd.factorize(_folded_cells(self.advocates[CRITERIA[criterion]]))
            self._codes[criterion] = (codes, list(uniques))
        return self._codes[criterion]

    @property
    def haystack(self) -> pd.Series:
        """Name, company and notes of each advocate, folded, for free-text search."""
        if self._haystack is None:
            text = pd.Series("", index=self.advocates.index)
            for column in SEARCHED:
                if column in self.advocates.columns:
                    text = text + " " + self.advocates[column].fillna("").astype(str)
            self._haystack = text.map(fold)
        return self._haystack

    def mask(self, *, text: str | None = None, **criteria: Criterion) -> pd.Series:
        """Which advocates match every criterion and contain every word of ``text``."""
        unknown = [name for name in criteria if name not in CRITERIA]
        if unknown:
            raise InputError(
                f"cannot filter the roster by {unknown[0]!r}; use one of {', '.join(CRITERIA)} or text"
            )
        keep = np.ones(len(self.advocates), dtype=bool)
        for name, value in criteria.items():
            wanted = _wanted(value)
            if wanted:
                codes, uniques = self._factorised(name)
                hits = np.array([bool(held & wanted) for held in uniques] + [False])
                keep &= hits[codes]  # code -1 (none) picks the trailing False
        for word in fold(text or "").split():
            keep &= self.haystack.str.contains(word, regex=False).to_numpy()
        return pd.Series(keep, index=self.advocates.index)

    def filter(self, *, text: str | None = None, **criteria: Criterion) -> pd.DataFrame:
        return self.advocates[self.mask(text=text, **criteria)]


def filter_roster(advocates: pd.DataFrame, *, text: str | None = None, **criteria: Criterion) -> pd.DataFrame:
    """The advocates matching every given criterion (each a value or several, any of which will do).

    Criteria are the keys of ``CRITERIA`` (industry, product, use_case, region, company_size, persona,
    activity, status); ``None`` or an empty value means "any". ``text`` searches name, company and notes:
    every word must appear. Raises InputError for a criterion the roster cannot be filtered by. To filter
    the same roster many times, build a ``RosterIndex`` once and call its ``filter``.
    """
    return RosterIndex(advocates).filter(text=text, **criteria)


def _distinct(values: Iterable[object]) -> tuple[str, ...]:
    """Distinct values as first typed, one per folded spelling, sorted case-insensitively."""
    seen: dict[str, str] = {}
    for value in values:
        if value is None or (isinstance(value, float) and value != value):
            continue
        text = str(value).strip()
        if text:
            seen.setdefault(fold(text), text)
    return tuple(sorted(seen.values(), key=fold))


def filter_options(advocates: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The values each criterion can take: the schema's lists, and for free columns what the roster holds."""
    options: dict[str, tuple[str, ...]] = {}
    for name, column in CRITERIA.items():
        if name in _ENUM_VALUES:
            options[name] = _ENUM_VALUES[name]
        elif schema.ADVOCATES.column(column).is_multi:
            options[name] = _distinct(v for cell in advocates[column] for v in (cell or ()))
        else:
            options[name] = _distinct(advocates[column])
    return options


def coverage(
    advocates: pd.DataFrame,
    rows: str,
    columns: str,
    *,
    statuses: Sequence[str] = (schema.ACTIVE_STATUS,),
) -> pd.DataFrame:
    """How many advocates (in ``statuses``) each pair of values has: a pivot table with the gaps showing.

    ``rows`` and ``columns`` are criteria names (``industry``, ``region``, ``product`` …). Every value the
    roster knows (or the schema allows) gets a row or column, so a segment with nobody shows as 0 rather
    than being absent. An advocate using two products counts once under each.
    """
    for name in (rows, columns):
        if name not in CRITERIA:
            raise InputError(f"cannot count coverage by {name!r}; use one of {', '.join(CRITERIA)}")
    options = filter_options(advocates)
    chosen = filter_roster(advocates, status=list(statuses)) if statuses else advocates
    pairs = pd.DataFrame(
        {
            rows: _canonical(chosen[CRITERIA[rows]], options[rows]),
            columns: _canonical(chosen[CRITERIA[columns]], options[columns]),
        }
    )
    pairs = pairs.explode(rows).explode(columns).dropna()
    table = pd.crosstab(pairs[rows], pairs[columns]) if not pairs.empty else pd.DataFrame()
    table = table.reindex(index=list(options[rows]), columns=list(options[columns]), fill_value=0)
    table.index.name, table.columns.name = rows, columns
    return table.astype(int)


def _canonical(cells: pd.Series, options: tuple[str, ...]) -> pd.Series:
    """Each cell as a list of the option spellings it holds (so 'insurance ' counts under 'Insurance')."""
    lookup = {fold(o): o for o in options}
    return _folded_cells(cells).map(lambda held: [lookup[h] for h in held if h in lookup] or [None])


def segment_counts(
    advocates: pd.DataFrame, segments: Iterable[Segment], *, statuses: Sequence[str] = (schema.ACTIVE_STATUS,)
) -> pd.DataFrame:
    """Advocates (in ``statuses``) in each segment, e.g. the Settings tab's strategic segments."""
    chosen = filter_roster(advocates, status=list(statuses)) if statuses else advocates
    rows = [
        {"segment": segment.label, "advocates": int(segment.mask(chosen, SEGMENT_ALIASES).sum())}
        for segment in segments
    ]
    return pd.DataFrame(rows, columns=["segment", "advocates"])


def describe_criteria(criteria: Mapping[str, Criterion], text: str | None = None) -> str:
    """The filters in force, in words: 'industry Insurance · region EMEA · text "acme"'."""
    parts = []
    for name, value in criteria.items():
        wanted = [value] if isinstance(value, str) else list(value or ())
        wanted = [str(v) for v in wanted if v is not None and str(v).strip()]
        if wanted:
            parts.append(f"{name.replace('_', ' ')} {' or '.join(wanted)}")
    if text and text.strip():
        parts.append(f'text "{text.strip()}"')
    return " · ".join(parts) or "no filter"
