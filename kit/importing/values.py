"""The file's cells as the kit's typed values, read with the kit's own cell rules (kit/cells.py), or the reason a
row cannot be imported, naming its row and column.

Drop-down values are read as the sheet reads them (case, spacing and the schema's synonyms never matter), then
through the mapping file's ``[values.<column>]`` spellings, then (for a region) through ``COUNTRY_REGIONS``;
a value that is only a typo away from an allowed one ("Entreprise") is read as it and reported, so the person
sees it and the written mapping file keeps it; anything else refuses its row, with the validator's suggestion,
except a place the region table does not know, which leaves the region blank and says so. A refused row never
stops the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kit import schema
from kit.cells import (
    DATE_YEARS,
    as_text,
    enum_lookup,
    fold,
    is_blank,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    split_multi,
    year_outside_dates,
)
from kit.importing.mapping import ColumnMapping
from kit.importing.presets import PRESETS, Preset
from kit.importing.read import Table
from kit.schema import Column, Kind
from kit.upsert import RefusedRow

O, A = schema.OPPORTUNITIES.col, schema.ADVOCATES.col

# A drop-down value this close to an allowed one (rapidfuzz ratio of the folded spellings, 0-100) is a typo of
# it and is read as it: 'Entreprise' is 90 from Enterprise; 'Inactive' (86 from Active) is not read as Active.
TYPO_SCORE = 88

CLOSEST = "closest allowed value"
UNKNOWN_PLACE = "not a region, nor a country the region table knows"

# Countries (names as people and CRMs write them, and ISO 3166 alpha-2 codes) and region words, to the
# program's four regions. Mexico counts with Latin America, as most sales territories put it.
_NORTH_AMERICA = (
    "United States",
    "United States of America",
    "USA",
    "US",
    "U.S.",
    "U.S.A.",
    "America",
    "Canada",
    "CA",
)
_LATAM = (
    "Mexico", "MX", "Brazil", "Brasil", "BR", "Argentina", "AR", "Chile", "CL", "Colombia", "CO", "Peru", "PE",
    "Uruguay", "UY", "Paraguay", "PY", "Bolivia", "BO", "Ecuador", "EC", "Venezuela", "VE", "Costa Rica", "CR",
    "Panama", "PA", "Guatemala", "GT", "Honduras", "HN", "El Salvador", "SV", "Nicaragua", "NI",
    "Dominican Republic", "DO", "Puerto Rico", "PR", "Jamaica", "JM", "Trinidad and Tobago", "TT", "Cuba", "CU",
    "South America", "Central America", "Caribbean", "Latin America",
)  # fmt: skip
_EMEA = (
    "United Kingdom", "UK", "GB", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "Ireland",
    "IE", "Germany", "Deutschland", "DE", "France", "FR", "Spain", "España", "ES", "Portugal", "PT", "Italy",
    "Italia", "IT", "Netherlands", "The Netherlands", "Holland", "NL", "Belgium", "BE", "Luxembourg", "LU",
    "Switzerland", "CH", "Austria", "AT", "Sweden", "SE", "Norway", "NO", "Denmark", "DK", "Finland", "FI",
    "Iceland", "IS", "Poland", "PL", "Czech Republic", "Czechia", "CZ", "Slovakia", "SK", "Hungary", "HU",
    "Romania", "RO", "Bulgaria", "BG", "Greece", "GR", "Croatia", "HR", "Slovenia", "SI", "Serbia", "RS",
    "Estonia", "EE", "Latvia", "LV", "Lithuania", "LT", "Ukraine", "UA", "Turkey", "Türkiye", "TR", "Israel",
    "IL", "United Arab Emirates", "UAE", "AE", "Saudi Arabia", "SA", "Qatar", "QA", "Kuwait", "KW", "Bahrain",
    "BH", "Oman", "OM", "Jordan", "JO", "Lebanon", "LB", "Egypt", "EG", "Morocco", "MA", "Tunisia", "TN",
    "Nigeria", "NG", "Kenya", "KE", "South Africa", "ZA", "Ghana", "GH", "Ethiopia", "ET", "Europe",
    "Middle East", "Africa", "EU",
)  # fmt: skip
_APAC = (
    "Australia", "AU", "New Zealand", "NZ", "Japan", "JP", "China", "CN", "Hong Kong", "HK", "Taiwan", "TW",
    "South Korea", "Korea", "Republic of Korea", "KR", "India", "IN", "Singapore", "SG", "Malaysia", "MY",
    "Indonesia", "ID", "Thailand", "TH", "Vietnam", "Viet Nam", "VN", "Philippines", "PH", "Pakistan", "PK",
    "Bangladesh", "BD", "Sri Lanka", "LK", "Asia", "Oceania", "ANZ",
)  # fmt: skip
COUNTRY_REGIONS: dict[str, str] = {
    fold(name): region
    for names, region in (
        (_NORTH_AMERICA, "North America"),
        (_LATAM, "LATAM"),
        (_EMEA, "EMEA"),
        (_APAC, "APAC"),
    )
    for name in names
}


def region_of(place: str) -> str | None:
    """The program's region a country or region word names ("Germany", "DE", "emea" → EMEA), or None. The
    CRM sync reads an account's country through it too."""
    folded = fold(place)
    region = enum_lookup(schema.REGIONS, schema.REGION_SYNONYMS).get(folded)
    return region if region is not None else COUNTRY_REGIONS.get(folded)


@dataclass(frozen=True)
class Correction:
    """A drop-down value read as another spelling: said to the person, kept in the written mapping file."""

    origin: str
    column: str
    typed: str
    read_as: str
    why: str

    def __str__(self) -> str:
        read = f'read as "{self.read_as}"' if self.read_as else "left blank"
        return f'{self.origin}, {self.column}: "{self.typed}" {read} ({self.why})'

    def to_dict(self) -> dict[str, str]:
        return {
            "origin": self.origin,
            "column": self.column,
            "typed": self.typed,
            "read_as": self.read_as,
            "why": self.why,
        }


@dataclass(frozen=True)
class ReadRows:
    """The file's rows as the kit's typed values, with where each came from, the rows refused and the
    drop-down values read as another spelling."""

    rows: tuple[dict[str, Any], ...]
    origins: tuple[str, ...]
    refused: tuple[RefusedRow, ...]
    corrections: tuple[Correction, ...]


class _Bad(Exception):
    """A cell that cannot be read: its message (without the row, which the caller adds)."""


def read_rows(table: Table, mapping: ColumnMapping) -> ReadRows:
    """Every data row of ``table`` read through ``mapping`` (a refused row never stops the next)."""
    tab = schema.TAB_BY_NAME[mapping.tab]
    preset = PRESETS.get(mapping.preset or "")
    positions = {c: table.header.index(h) for c, h in mapping.columns.items()}
    readers = {c: _reader(tab.column(c), mapping, preset, tab) for c in positions}
    width = len(table.header)
    won = {fold(w) for w in mapping.won}
    lost = {fold(w) for w in mapping.lost}
    derive_stage = O.is_closed in mapping.derived or O.is_won in mapping.derived
    derive_region = tab is schema.ADVOCATES and A.region in mapping.derived
    rows: list[dict[str, Any]] = []
    origins: list[str] = []
    refused: list[RefusedRow] = []
    corrections: list[Correction] = []
    for cells, number in zip(table.rows, table.numbers, strict=True):
        origin = f"{table.name} row {number}"
        extra = [c for c in cells[width:] if not is_blank(c)]
        if extra:
            refused.append(
                RefusedRow(
                    origin,
                    f"it has {width + len(extra)} cells and the header {width}: a delimiter inside an unquoted cell?",
                    None,
                    "bad_row",
                )
            )
            continue
        values: dict[str, Any] = {}
        problem = None
        for column, position in positions.items():
            cell = cells[position] if position < len(cells) else None
            try:
                value, why = readers[column](cell)
            except _Bad as bad:
                problem = RefusedRow(
                    origin, f"column {table.header[position]!r} ({column}): {bad}", column, "bad_cell"
                )
                break
            if why:
                corrections.append(Correction(origin, column, as_text(cell), as_text(value), why))
            if value is not None:
                values[column] = value
        if problem is not None:
            refused.append(problem)
            continue
        if derive_stage and O.stage in values:
            stage = fold(values[O.stage])
            closed, is_won = stage in won or stage in lost, stage in won
            if O.is_closed in mapping.derived:
                values[O.is_closed] = closed
            if O.is_won in mapping.derived:
                values[O.is_won] = is_won
        if derive_region and A.country in values:
            region = region_of(values[A.country])
            if region is not None:
                values[A.region] = region
        rows.append(values)
        origins.append(origin)
    return ReadRows(tuple(rows), tuple(origins), tuple(refused), tuple(corrections))


Reader = Callable[[Any], tuple[Any, str | None]]


def _reader(column: Column, mapping: ColumnMapping, preset: Preset | None, tab: schema.Tab) -> Reader:
    """The reader of one column's cells: (typed value or None, why it was read as another spelling or None),
    or _Bad. Each distinct cell is read once (a column of 100,000 cells has few distinct dates or stages)."""
    read = _scalar_reader(column, mapping, preset, tab)
    cache: dict[Any, tuple[Any, str | None] | _Bad] = {}

    def cached(cell: Any) -> tuple[Any, str | None]:
        try:
            known = cache.get(cell)
        except TypeError:  # not hashable: read it as it comes
            return read(cell)
        if known is None:
            try:
                known = read(cell)
            except _Bad as bad:
                known = bad
            cache[cell] = known
        if isinstance(known, _Bad):
            raise known
        return known

    return cached


def _scalar_reader(column: Column, mapping: ColumnMapping, preset: Preset | None, tab: schema.Tab) -> Reader:
    kind = column.kind
    is_key = tab.key is not None and column.name == tab.key.name

    def read(cell: Any) -> tuple[Any, str | None]:
        if is_blank(cell):
            return None, None
        if kind is Kind.DATE:
            day = parse_date(cell)
            if day is None:
                year = year_outside_dates(cell)
                if year is not None:
                    raise _Bad(
                        f'"{as_text(cell)}" is in the year {year}; dates run from {DATE_YEARS[0]} to {DATE_YEARS[1]}'
                    )
                raise _Bad(f'"{as_text(cell)}" is not a date (2026-03-01, 3/1/2026 or 1 Mar 2026)')
            return (day.date() if isinstance(day, dt.datetime) else day), None
        if kind is Kind.AMOUNT:
            amount = parse_amount(cell)
            if amount is None:
                raise _Bad(f'"{as_text(cell)}" is not an amount (12000, $12,000.00, USD 12,000.00, 12k)')
            return amount, None
        if kind is Kind.INT:
            number = parse_int(cell)
            if number is None or not schema.in_range(tab.name, column.name, number):
                raise _Bad(f'"{as_text(cell)}" is not a whole number the {column.name} can hold')
            return number, None
        if kind is Kind.BOOL:
            flag = parse_bool(cell)
            if flag is None:
                raise _Bad(f'"{as_text(cell)}" is not TRUE or FALSE (1/0, yes/no)')
            return flag, None
        if kind is Kind.ENUM:
            return _enum(column, as_text(cell), mapping)
        if kind is Kind.MULTI_ENUM:
            items, notes = [], []
            for item in split_multi(cell):
                value, why = _enum(column, item, mapping)
                items.append(value)
                if why:
                    notes.append(f'"{item}": {why}')
            return tuple(dict.fromkeys(items)), "; ".join(notes) or None
        if kind is Kind.MULTI_TEXT:
            return tuple(dict.fromkeys(split_multi(cell))) or None, None
        text = as_text(cell)
        if is_key and preset is not None:
            key = preset.record_id(text)
            if key is None:
                raise _Bad(f'"{text}" is not a {preset.name} record id (15 or 18 letters and digits)')
            return key, None
        if preset is not None and column.name == O.stage and tab is schema.OPPORTUNITIES:
            return preset.stage(text), None
        if kind is Kind.EMAIL:
            return text.lower(), None
        return text, None

    return read


def _enum(column: Column, text: str, mapping: ColumnMapping) -> tuple[str, str | None]:
    """One drop-down value (see the module for the order of the rules); raises _Bad with a suggestion."""
    own = {fold(v): v for v in column.values}
    folded = fold(text)
    if folded in own:
        return own[folded], None
    for value, spellings in mapping.values.get(column.name, {}).items():
        if value in column.values and folded in {fold(s) for s in spellings}:
            return value, None
    lookup = enum_lookup(column.values, column.synonyms)
    if folded in lookup:
        return lookup[folded], None
    if column.values == schema.REGIONS and folded in COUNTRY_REGIONS:
        return COUNTRY_REGIONS[folded], None
    from rapidfuzz import fuzz, process

    best = process.extractOne(folded, list(own), scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
    if best is not None:
        return own[best[0]], CLOSEST
    if column.values == schema.REGIONS:
        # A country the table does not know says nothing wrong about the row: the region stays blank (the
        # validator asks for it where it is required) rather than the whole deal or person being refused.
        return None, UNKNOWN_PLACE
    from kit.validate import suggest

    guess = suggest(text, column.values)
    hint = f'; did you mean "{guess}"?' if guess else f"; use one of: {', '.join(column.values)}"
    return _refuse(
        f'"{text}" is not one of the allowed {column.name.replace("_", " ")} values{hint} '
        f"(or list it under [values.{column.name}] in the mapping file)"
    )


def _refuse(message: str) -> Any:
    raise _Bad(message)
