"""Which of the file's columns feeds which column of the kit: guessed, printed, and kept as an editable TOML file.

Without a mapping file the guess goes, for each header, from the surest rule to the loosest: the preset's
headers (a Salesforce or HubSpot export), the kit's own column name, the headers other spreadsheets use for it
(``Column.headers`` in kit/schema.py: "Full Name" is ``name``), then a fuzzy match (rapidfuzz) above
``FUZZY_SCORE``. Every header left over is said, with why. The mapping is written as TOML a person can edit and
pass back with ``--mapping``::

    [columns]               # the kit's column = the file's header
    opportunity_id = "Opportunity ID"
    [values.stage]          # how the file spells closed stages: is_closed/is_won follow
    won = ["Closed Won"]
    lost = ["Closed Lost"]
    [values.company_size]   # a drop-down value = the file's spellings of it
    Enterprise = ["Entreprise"]
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kit import schema
from kit.errors import InputError
from kit.importing.presets import PRESETS, Preset, header_key

O, A = schema.OPPORTUNITIES.col, schema.ADVOCATES.col

FUZZY_SCORE = 85  # rapidfuzz ratio (0-100) of two headers, folded, for a fuzzy match to count
STAGE = O.stage
WON, LOST = "won", "lost"
# Closed stages when neither a preset nor the mapping file says: the standard spellings of both CRMs.
DEFAULT_WON = ("Closed Won", "closedwon", "Won")
DEFAULT_LOST = ("Closed Lost", "closedlost", "Lost")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class ColumnMapping:
    """The file's header feeding each kit column, how each was found, and how values are read."""

    tab: str
    columns: Mapping[str, str]  # kit column -> the file's header
    how: Mapping[str, str] = field(default_factory=dict)  # kit column -> "preset", "same name", "fuzzy 91", …
    values: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    unmapped: Mapping[str, str] = field(default_factory=dict)  # the file's header -> why it is not imported
    derived: Mapping[str, str] = field(default_factory=dict)  # kit column -> what it is worked out from
    preset: str | None = None
    missing_required: tuple[str, ...] = ()  # required kit columns no header feeds

    @property
    def won(self) -> tuple[str, ...]:
        return tuple(self.values.get(STAGE, {}).get(WON, DEFAULT_WON))

    @property
    def lost(self) -> tuple[str, ...]:
        return tuple(self.values.get(STAGE, {}).get(LOST, DEFAULT_LOST))

    def with_values(self, column: str, value: str, spellings: Iterable[str]) -> ColumnMapping:
        """This mapping, also reading ``spellings`` of ``column`` as ``value`` (what a correction learnt)."""
        values = {c: dict(v) for c, v in self.values.items()}
        known = values.setdefault(column, {})
        known[value] = tuple(dict.fromkeys([*known.get(value, ()), *spellings]))
        return ColumnMapping(
            self.tab,
            self.columns,
            self.how,
            values,
            self.unmapped,
            self.derived,
            self.preset,
            self.missing_required,
        )

    def lines(self) -> list[str]:
        """The mapping as a person reads it: each kit column ← the header, and what is left out and why."""
        tab = schema.TAB_BY_NAME[self.tab]
        width = max((len(c) for c in [*self.columns, *self.derived]), default=0)
        out = [f"Columns ({self.tab}{', preset ' + self.preset if self.preset else ''}):"]
        for column in tab.names:
            if column in self.columns:
                how = self.how.get(column, "mapping file")
                if tab.column(column).values == schema.REGIONS:
                    how += "; a country reads as its region"
                out.append(f"  {column:<{width}} ← {self.columns[column]!r} ({how})")
            elif column in self.derived:
                out.append(f"  {column:<{width}} ← {self.derived[column]}")
        for header, why in self.unmapped.items():
            out.append(f"  not imported: {header!r}: {why}")
        for column in self.missing_required:
            out.append(f"  no column for {column}, which {self.tab} requires: new rows will lack it")
        return out

    def to_dict(self) -> dict:
        return {
            "tab": self.tab,
            "preset": self.preset,
            "columns": dict(self.columns),
            "how": dict(self.how),
            "derived": dict(self.derived),
            "unmapped": dict(self.unmapped),
            "values": {c: {k: list(v) for k, v in m.items()} for c, m in self.values.items()},
            "missing_required": list(self.missing_required),
        }


# ------------------------------------------------------------------------------------------------------------
# Guessing


def guess_mapping(header: Sequence[str], tab: str, preset: Preset | None = None) -> ColumnMapping:
    """The mapping of ``header`` onto ``tab`` (see the module for the order of the rules)."""
    from rapidfuzz import fuzz

    definition = schema.TAB_BY_NAME[tab]
    keys = {h: header_key(h) for h in header}
    columns: dict[str, str] = {}
    how: dict[str, str] = {}

    def take(column: str, found: str, reason: str) -> None:
        columns[column] = found
        how[column] = reason

    def free(h: str) -> bool:
        return h not in columns.values()

    if preset is not None:
        for column, names in preset.columns.items():
            wanted = [header_key(n) for n in names]
            found = next((h for w in wanted for h in header if keys[h] == w and free(h)), None)
            if found is not None:
                take(column, found, f"{preset.name} preset")
    for column in definition.columns:
        if column.name in columns:
            continue
        found = next((h for h in header if free(h) and keys[h] == header_key(column.name)), None)
        if found is not None:
            take(column.name, found, "same name")
    for column in definition.columns:
        if column.name in columns:
            continue
        known = [header_key(n) for n in column.headers]
        found = next((h for k in known for h in header if free(h) and keys[h] == k), None)
        if found is not None:
            take(column.name, found, "known header")
    # Fuzzy: the best-scoring pairs first, each header and column used once.
    scores = []
    for h in header:
        if not free(h) or not keys[h]:
            continue
        for column in definition.columns:
            names = [column.name, *column.headers]
            best = max(fuzz.ratio(keys[h], header_key(n)) for n in names)
            scores.append((best, h, column.name))
    scores.sort(key=lambda s: (-s[0], header.index(s[1])))
    nearest: dict[str, tuple[float, str]] = {}
    for score, h, column in scores:
        nearest.setdefault(h, (score, column))
        if score >= FUZZY_SCORE and free(h) and column not in columns:
            take(column, h, f"fuzzy {int(score)}")
    unmapped = {}
    for h in header:
        if not free(h):
            continue
        score, column = nearest.get(h, (0, ""))
        if column in columns and score >= FUZZY_SCORE:
            unmapped[h] = f"reads as {column}, which {columns[column]!r} already feeds"
        elif column:  # the score as compared (84.6 is below 85, and is not shown as 85)
            unmapped[h] = (
                f"no column of {tab} is close enough (nearest: {column}, {int(score)} of {FUZZY_SCORE})"
            )
        else:
            unmapped[h] = f"no column of {tab} is close enough"
    values: dict[str, dict[str, tuple[str, ...]]] = {}
    if preset is not None:
        values[STAGE] = {WON: preset.won, LOST: preset.lost}
    return _finish(ColumnMapping(tab, columns, how, values, unmapped, {}, preset.name if preset else None))


def _finish(mapping: ColumnMapping) -> ColumnMapping:
    """The columns worked out from others, and the required columns still missing."""
    derived = {}
    columns = mapping.columns
    if mapping.tab == schema.OPPORTUNITIES.name and STAGE in columns:
        for flag in (O.is_closed, O.is_won):
            if flag not in columns:
                derived[flag] = (
                    f"{columns[STAGE]!r} (won: {', '.join(mapping.won)}; lost: {', '.join(mapping.lost)})"
                )
    if mapping.tab == schema.ADVOCATES.name and A.region not in columns and A.country in columns:
        derived[A.region] = f"{columns[A.country]!r} through the country table"
    definition = schema.TAB_BY_NAME[mapping.tab]
    key = definition.key.name if definition.key else None
    missing = tuple(
        c.name
        for c in definition.required
        if c.name not in columns
        and c.name not in derived
        and not (c.name == key and mapping.tab == schema.ADVOCATES.name)
    )
    return ColumnMapping(
        mapping.tab,
        dict(columns),
        dict(mapping.how),
        mapping.values,
        dict(mapping.unmapped),
        derived,
        mapping.preset,
        missing,
    )


# ------------------------------------------------------------------------------------------------------------
# The mapping file


def load_mapping(path: Path, header: Sequence[str], tab: str) -> ColumnMapping:
    """A mapping file (TOML, see the module) checked against the file's header; raises InputError naming the
    mapping file and the key at fault."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a readable TOML mapping file ({error})") from None
    definition = schema.TAB_BY_NAME[tab]
    table = data.get("columns")
    if not isinstance(table, dict) or not table:
        raise InputError(f"{path}: no [columns] table (the kit's column = the file's header)")
    by_key = {header_key(h): h for h in header}
    columns: dict[str, str] = {}
    for column, found in table.items():
        if column not in definition:
            raise InputError(
                f"{path}: [columns] {column}: {tab} has no such column; use one of {', '.join(definition.names)}"
            )
        if not isinstance(found, str) or header_key(found) not in by_key:
            shown = ", ".join(repr(h) for h in header)
            raise InputError(
                f"{path}: [columns] {column} = {found!r}: the file has no such header (it has {shown})"
            )
        columns[column] = by_key[header_key(found)]
    values: dict[str, dict[str, tuple[str, ...]]] = {}
    for column, spellings in (data.get("values") or {}).items():
        if column not in definition or not isinstance(spellings, dict):
            raise InputError(f"{path}: [values.{column}]: {tab} has no such column")
        values[column] = {}
        for value, words in spellings.items():
            if isinstance(words, str):
                words = [words]
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise InputError(f"{path}: [values.{column}] {value}: give a list of the file's spellings")
            values[column][value] = tuple(words)
    preset = data.get("preset")
    if preset is not None and preset not in PRESETS:
        raise InputError(f"{path}: preset = {preset!r}: use one of {', '.join(PRESETS)}")
    used = set(columns.values())
    unmapped = {h: "not in the mapping file" for h in header if h not in used}
    how = {c: "mapping file" for c in columns}
    return _finish(ColumnMapping(tab, columns, how, values, unmapped, {}, preset))


def mapping_toml(mapping: ColumnMapping, source: str) -> str:
    """The mapping as an editable TOML file (comments say what each part does and what was left out)."""
    out = [
        f"# How `advocacy-kit import` reads {source} into the {mapping.tab} tab.",
        "# Edit it and pass it back: advocacy-kit import FILE --tab TAB --mapping THIS_FILE",
    ]
    if mapping.preset:
        out.append(f"preset = {_string(mapping.preset)}")
    out += ["", "[columns]  # the kit's column = the file's header"]
    for column in schema.TAB_BY_NAME[mapping.tab].names:
        if column in mapping.columns:
            out.append(
                f"{column} = {_string(mapping.columns[column])}  # {mapping.how.get(column, '')}".rstrip(" #")
            )
    for header, why in mapping.unmapped.items():
        out.append(f"# not imported: {_string(header)}: {why}")
    for column, spellings in mapping.values.items():
        note = "  # stages that close a deal: is_closed and is_won follow" if column == STAGE else ""
        out += ["", f"[values.{column}]{note}"]
        for value, words in spellings.items():
            out.append(f"{_key(value)} = [{', '.join(_string(w) for w in words)}]")
    return "\n".join(out) + "\n"


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _key(text: str) -> str:
    return text if _BARE_KEY.match(text) else _string(text)
