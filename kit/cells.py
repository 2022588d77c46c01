"""Reading and writing the values people type into spreadsheet cells.

A sheet holds whatever was typed: real date cells, ``3/1/2026``, ``1 Mar 2026``, ``$3.8M``, `` enterprise ``.
These functions turn a column of such cells into typed values (unreadable cells become missing, and the
validator reports them from the raw value), and turn typed values back into cells. They are the only place
that knows how cells are spelled, so both stores and the validator agree.

Day/month rule: a date written with numbers only is read month first (``3/1/2026`` is 1 March 2026, as in
Google Sheets' default US locale) unless the first number is above 12 (``13/1/2026`` is 13 January). ISO
dates (``2026-03-01``) and dates with a month name (``1 Mar 2026``) are never ambiguous.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from dateutil import parser as _dateparser

from kit.schema import MULTI_SEPARATOR, Column, Kind

# Google Sheets and Excel count days from 1899-12-30 (Lotus' leap-year bug included).
SERIAL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers read as dates only in this window (1954 .. 2119), so a stray 5 is not a date.
_SERIAL_RANGE = (20_000, 80_000)

_MONTH_NAMES = re.compile(r"[a-z]{3}", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_YEAR = re.compile(r"\b\d{4}\b")
# Dates are read from 1900 to 2199 however they were typed or stored (text, a date cell, a serial number):
# a year outside is a typo (1734 for 2024), never a date of this program, and far enough out it is beyond
# what pandas holds (1677..2262).
DATE_YEARS = (1900, 2199)
_AMOUNT = re.compile(
    r"^\s*(?P<sign>-)?\s*(?:[$€£¥]|usd|eur|gbp)?\s*(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*"
    r"(?P<suffix>k|m|mm|mn|b|bn|thousand|million|billion)?\s*(?:usd|eur|gbp)?\s*$",
    re.IGNORECASE,
)
_SUFFIX = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}
_TRUE = {"true", "yes", "y", "1", "won", "x"}
_FALSE = {"false", "no", "n", "0"}
_MULTI_SPLIT = re.compile(r"[;,]")


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, NaN, NaT or only white space."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def blank_each(values: Iterable[Any]) -> list[bool]:
    """``is_blank`` of each value, with a shortcut for text (most cells): for a column's distinct values."""
    return [not v.strip() if type(v) is str else is_blank(v) for v in values]


def as_text(value: Any) -> str:
    """A cell as the text a person would see, for messages and comparisons ('' when blank)."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (tuple, list)):
        return MULTI_SEPARATOR.join(as_text(v) for v in value)
    return str(value).strip()


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a text, for comparing what people typed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


# --------------------------------------------------------------------------------------------------------
# Scalars


def parse_date(value: Any) -> dt.date | None:
    """A cell as a date, or None when it cannot be read as one (see the module's day/month rule) or its year
    is outside ``DATE_YEARS``."""
    day = _any_date(value)
    return day if day is not None and DATE_YEARS[0] <= day.year <= DATE_YEARS[1] else None


def year_outside_dates(value: Any) -> int | None:
    """The year of a cell that reads as a date but outside ``DATE_YEARS`` (to say so), else None."""
    day = _any_date(value)
    return day.year if day is not None and not DATE_YEARS[0] <= day.year <= DATE_YEARS[1] else None


def _any_date(value: Any) -> dt.date | None:
    if is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        if _SERIAL_RANGE[0] <= float(value) <= _SERIAL_RANGE[1]:
            return SERIAL_EPOCH + dt.timedelta(days=int(value))
        return None
    text = str(value).strip()
    match = _NUMERIC_DATE.match(text)
    if match:
        first, second, year = (int(g) for g in match.groups())
        month, day = (first, second) if first <= 12 else (second, first)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    if not _YEAR.search(text):
        return None  # dateutil would fill a missing year from today: never guess a year
    try:
        return _dateparser.parse(text, dayfirst=False, yearfirst=True, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError, TypeError):
        return None


def serial_number(value: dt.date) -> int | float:
    """A date as the number a spreadsheet stores: days since ``SERIAL_EPOCH``, the time of day as a fraction
    (whole days stay whole)."""
    if isinstance(value, dt.datetime):
        days = (value.date() - SERIAL_EPOCH).days
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return days + seconds / 86400 if seconds else days
    return (value - SERIAL_EPOCH).days


def parse_amount(value: Any) -> float | None:
    """Money as people type it: 3800000, '$3.8M', '1,200,000', '3.8m', '€250k'. 'TBD' is None."""
    if is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    match = _AMOUNT.match(str(value))
    if not match:
        return None
    number = match.group("num")
    if "," in number and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number):
        return None  # '1,2' is not a thousands separator
    amount = float(number.replace(",", ""))
    suffix = (match.group("suffix") or "").lower()
    amount *= _SUFFIX.get(suffix, 1.0)
    return -amount if match.group("sign") else amount


_INT64 = (-(2**63), 2**63 - 1)


def parse_int(value: Any) -> int | None:
    """A whole number, or None ('5', 5.0 and ' 5 ' are 5; '5.5', 'five' and 10**30 are None)."""
    number = _parse_int(value)
    # Beyond 64 bits a column of them cannot be typed (Int64); such a cell is unreadable, not a crash.
    return number if number is not None and _INT64[0] <= number <= _INT64[1] else None


def _parse_int(value: Any) -> int | None:
    if is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if math.isfinite(value) and float(value).is_integer() else None
    text = str(value).strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    return None


def parse_bool(value: Any) -> bool | None:
    """TRUE/FALSE as spreadsheets and CRMs export them (yes/no, 1/0, y/n)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if is_blank(value):
        return None
    text = as_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


Synonyms = Iterable[tuple[str, str]]  # (a word people type, the allowed value it means): Column.synonyms


def enum_lookup(values: Iterable[str], synonyms: Synonyms = ()) -> dict[str, str]:
    """Folded spelling → canonical value, so ' enterprise', 'ENTERPRISE' and 'Mid Market' are accepted, and
    so is each of ``synonyms`` ('held' → 'Completed'); an allowed value's own spelling always wins."""
    lookup = {fold(word): value for word, value in synonyms}
    lookup.update({fold(v): v for v in values})
    return lookup


def parse_enum(value: Any, allowed: Iterable[str], synonyms: Synonyms = ()) -> str | None:
    """The allowed value a cell means, accepting case and spacing differences and ``synonyms``; None if it is
    none of them."""
    if is_blank(value):
        return None
    return enum_lookup(allowed, synonyms).get(fold(as_text(value)))


def synonym_of(column: Column, value: Any) -> str | None:
    """The canonical spelling of a cell that reads only through one of the column's synonyms ('held' →
    'Completed'; for several values, 'held; done' → 'Completed'), else None: what the validator suggests."""
    synonyms = getattr(column, "synonyms", ())
    if not synonyms or is_blank(value) or column.kind not in (Kind.ENUM, Kind.MULTI_ENUM):
        return None
    own = {fold(v) for v in column.values}
    lookup = enum_lookup(column.values, synonyms)
    items = split_multi(value) if column.kind is Kind.MULTI_ENUM else [as_text(value)]
    folded = [fold(item) for item in items]
    if not any(f not in own and f in lookup for f in folded):
        return None
    return MULTI_SEPARATOR.join(lookup.get(f, item) for f, item in zip(folded, items, strict=True))


def split_multi(value: Any) -> list[str]:
    """The items of a multi-value cell, split on ';' (or ',', which people also type)."""
    if is_blank(value):
        return []
    if isinstance(value, (tuple, list)):
        return [as_text(v) for v in value if not is_blank(v)]
    return [part.strip() for part in _MULTI_SPLIT.split(as_text(value)) if part.strip()]


def parse_id(value: Any) -> str | None:
    """An identifier as text: stripped, and a number typed into an id cell (12.0) read as '12'."""
    return as_text(value) or None


# --------------------------------------------------------------------------------------------------------
# Columns. A roster has tens of thousands of rows but few distinct spellings per column, so each distinct
# cell value is read once, by the same scalar function as above, and the result is spread back to its rows.


Factorized = tuple[np.ndarray, np.ndarray]  # pandas.factorize of a column: (codes, distinct values)


def factorize(cells: pd.Series | np.ndarray) -> Factorized:
    """A column as its distinct values and, for each cell, which one it holds (-1: None, NaN or NaT)."""
    return pd.factorize(np.asarray(cells, dtype=object), use_na_sentinel=True)


def read_each_distinct(
    raw: pd.Series | np.ndarray, read_all: Any, read: Any, factorized: Factorized | None = None
) -> np.ndarray:
    """``read_all(distinct cells)`` spread back to every cell (an object array); blank cells get ``read(None)``.

    ``factorized`` is ``factorize(raw)`` when the caller has it already. Python's equality makes
    ``True == 1 == 1.0``, so a column holding both a TRUE cell and a 1 would share one reading; such cells
    (``merged_cells``) are read one by one with ``read``.
    """
    values = np.asarray(raw, dtype=object)
    codes, distinct = factorized if factorized is not None else factorize(values)
    readings = np.empty(len(distinct) + 1, dtype=object)
    readings[:-1] = read_all(distinct)
    readings[-1] = read(None)  # code -1: the blank cells (None, NaN, NaT)
    out = readings[codes]
    for i in merged_cells(values, codes, distinct):
        out[i] = read(values[i])
    return out


def merged_cells(values: np.ndarray, codes: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """Positions of the cells that factorize merged into an equal value of another type (TRUE with 1).

    Python holds ``True == 1 == 1.0``, so such cells share a code with a value they are not; whoever needs
    each cell as typed treats these one by one. Usually there are none, and finding out costs one pass over
    the distinct values.
    """
    if pd.api.types.infer_dtype(distinct, skipna=True) in _NEITHER_BOOL_NOR_NUMBER:  # one pass in C
        return np.empty(0, dtype=np.intp)
    suspects = [
        code for code, v in enumerate(distinct) if type(v) in _BOOLS or (type(v) in _NUMBERS and v in (0, 1))
    ]
    if not suspects:
        return np.empty(0, dtype=np.intp)
    positions = np.flatnonzero(np.isin(codes, suspects))
    return np.array([i for i in positions if type(values[i]) is not type(distinct[codes[i]])], dtype=np.intp)


_NEITHER_BOOL_NOR_NUMBER = {"empty", "string", "date", "datetime", "datetime64"}
_BOOLS = {bool, np.bool_}
_NUMBERS = {int, float, np.int64, np.float64}


def _texts(raw: pd.Series, factorized: Factorized | None, *, lower: bool = False) -> pd.Series:
    """Cells as text, None when blank (``as_text``, with a shortcut for cells that already are text)."""

    def read_all(distinct: np.ndarray) -> list[str | None]:
        texts = [v.strip() if type(v) is str else as_text(v) for v in distinct]
        return [t.lower() or None for t in texts] if lower else [t or None for t in texts]

    def read(value: Any) -> str | None:
        return read_all(np.array([value], dtype=object))[0]

    return pd.Series(read_each_distinct(raw, read_all, read, factorized), index=raw.index, dtype=object)


def _enum_reader(allowed: tuple[str, ...], synonyms: Synonyms = ()) -> Any:
    lookup = enum_lookup(allowed, synonyms)
    return lambda value: None if is_blank(value) else lookup.get(fold(as_text(value)))


def _multi_reader(allowed: tuple[str, ...], synonyms: Synonyms = ()) -> Any:
    lookup = enum_lookup(allowed, synonyms) if allowed else None

    def read(value: Any) -> tuple[str, ...]:
        items = split_multi(as_text(value))
        if lookup is not None:
            items = [lookup[fold(i)] for i in items if fold(i) in lookup]
        return tuple(dict.fromkeys(items))

    return read


def typed_column(column: Column, raw: pd.Series, factorized: Factorized | None = None) -> pd.Series:
    """One column of cells as typed values; a cell that cannot be read becomes missing (never an error).

    ``factorized`` is ``factorize(raw)`` when the caller has it already (reading a workbook does).
    """
    kind = column.kind
    if kind in (Kind.TEXT, Kind.ID, Kind.EMAIL):
        return _texts(raw, factorized, lower=kind is Kind.EMAIL)
    synonyms = getattr(column, "synonyms", ())
    read = (
        _READERS_OF_ALLOWED[kind](column.values, synonyms) if kind in _READERS_OF_ALLOWED else _READERS[kind]
    )
    values = read_each_distinct(raw, lambda distinct: [read(v) for v in distinct], read, factorized)
    if kind is Kind.DATE:
        return pd.Series(pd.to_datetime(values, errors="coerce"), index=raw.index, dtype="datetime64[ns]")
    if kind is Kind.AMOUNT:
        return pd.Series(pd.to_numeric(values, errors="coerce"), index=raw.index, dtype="float64")
    dtype = {Kind.INT: "Int64", Kind.BOOL: "boolean"}.get(kind, object)
    return pd.Series(values, index=raw.index, dtype=object).astype(dtype)


_READERS = {Kind.DATE: parse_date, Kind.AMOUNT: parse_amount, Kind.INT: parse_int, Kind.BOOL: parse_bool}
_READERS_OF_ALLOWED = {
    Kind.ENUM: _enum_reader,
    Kind.MULTI_ENUM: _multi_reader,
    Kind.MULTI_TEXT: _multi_reader,
}


def cell_problem(column: Column, value: Any) -> str | None:
    """Why a non-blank cell cannot be read as its column's type ('' means it reads fine)."""
    if is_blank(value):
        return None
    kind = column.kind
    if kind is Kind.DATE and parse_date(value) is None:
        return "bad_date"
    if kind is Kind.AMOUNT and parse_amount(value) is None:
        return "bad_number"
    if kind is Kind.INT and parse_int(value) is None:
        return "bad_number"
    if kind is Kind.BOOL and parse_bool(value) is None:
        return "bad_bool"
    synonyms = getattr(column, "synonyms", ())
    if kind is Kind.ENUM and parse_enum(value, column.values, synonyms) is None:
        return "bad_enum"
    if kind is Kind.MULTI_ENUM:
        lookup = enum_lookup(column.values, synonyms)
        if any(fold(item) not in lookup for item in split_multi(value)):
            return "bad_enum"
    return None


# --------------------------------------------------------------------------------------------------------
# Writing


def to_cell(column: Column | None, value: Any) -> Any:
    """A typed value as the cell to write: dates as dates, numbers as numbers, lists joined by '; '.

    Text stays text; the stores write it as a literal string, so '=HYPERLINK(…)' is never a formula.
    """
    if value is None or (not isinstance(value, (str, tuple, list)) and is_blank(value)):
        return None
    if isinstance(value, (tuple, list, set, frozenset)):
        return MULTI_SEPARATOR.join(as_text(v) for v in value) or None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if column is not None and column.kind is Kind.DATE:
        parsed = parse_date(value)
        return parsed if parsed is not None else value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def same_cell(column: Column | None, a: Any, b: Any) -> bool:
    """Whether two cell values mean the same thing (used to detect another person's edit)."""
    if column is not None and column.kind is Kind.DATE:
        da, db = parse_date(a), parse_date(b)
        if da is not None or db is not None:
            return da == db
    if column is not None and column.kind in (Kind.AMOUNT, Kind.INT):
        na, nb = parse_amount(a), parse_amount(b)
        if na is not None or nb is not None:
            return na == nb
    return as_text(to_cell(column, a)) == as_text(to_cell(column, b))
