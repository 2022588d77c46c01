"""One person entered twice: on the roster (the same e-mail; a similar name, or the same once a nickname is
read as a full name, at the same company), and nominated while already an advocate or nominated already.

Rows are never compared in all pairs: only within a block (one e-mail; one company, split by the surname's
first letter when a company is huge), with rapidfuzz for spelling and ``kit.names`` for nicknames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from kit import schema
from kit.names import name_variants, normalise_company, normalise_name
from kit.program import Program
from kit.validate.findings import _Collector
from kit.validate.rows import _first_rows
from kit.validate.words import _quote

A = schema.ADVOCATES.col
N = schema.NOMINATIONS.col

# Similar names at one company at or above this rapidfuzz ratio (0-100) are flagged as one person.
NAME_SIMILARITY = 90
# A company with more advocates than this is split further by the surname's first letter before
# comparing names (keeps the comparison near-linear even for one huge customer).
MAX_BLOCK = 3000


def _map_unique(values: pd.Series, function: Callable[[str], Any]) -> np.ndarray:
    """``function`` of each value, called once per distinct value, as an object array (a result may be a
    tuple: it stays one element)."""
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        mapped[i] = function(str(value))
    return mapped[codes]


def _similar_name_pairs(people: pd.DataFrame) -> list[tuple[int, int]]:
    """(row, earlier row) for each row whose name is close to an earlier one in the same block.

    ``people`` has columns ``name`` (normalised) and ``block``, indexed by sheet row in sheet order.
    """
    sizes = people.groupby("block", sort=False)["name"].transform("size")
    people = people[sizes > 1].sort_values("block", kind="stable")
    if people.empty:
        return []
    blocks = people["block"].to_numpy()
    names = people["name"].to_numpy()
    rows = people.index.to_numpy()
    starts = np.flatnonzero(np.r_[True, blocks[1:] != blocks[:-1]])
    ends = np.r_[starts[1:], len(blocks)]
    pairs = []
    for start, end in zip(starts, ends, strict=True):
        block_names = list(names[start:end])
        if end - start == 2:  # most blocks: one comparison, no matrix
            if fuzz.ratio(block_names[0], block_names[1]) >= NAME_SIMILARITY:
                pairs.append((int(rows[start + 1]), int(rows[start])))
            continue
        scores = process.cdist(
            block_names, block_names, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY, dtype=np.uint8
        )
        for j in range(1, end - start):
            earlier = np.flatnonzero(scores[j, :j])
            if len(earlier):
                pairs.append((int(rows[start + j]), int(rows[start + earlier[0]])))
    return pairs


def _nickname_pairs(people: pd.DataFrame) -> list[tuple[int, int]]:
    """(row, earlier row) for each row whose name, a nickname read as a full name, is an earlier row's name
    at the same company (Jon Lambert and Jonathan Lambert; Bob Smith and Rob Smith, both Robert).

    ``people`` has columns ``name`` (normalised) and ``company``, indexed by sheet row in sheet order. Names
    are matched by their variants (``name_variants``), hashed per company: no pairs are compared.
    """
    if people.empty:
        return []
    variants = pd.DataFrame(
        {
            "key": people["company"] + "|",
            "variant": _map_unique(people["name"], lambda name: tuple(name_variants(name))),
        },
        index=people.index,
    ).explode("variant")
    keys = variants["key"] + variants["variant"]
    first = keys.index.to_series().groupby(keys.to_numpy()).transform("min")
    earlier = first[first.to_numpy() < first.index.to_numpy()]
    earliest = earlier.groupby(level=0).min()
    return [(int(row), int(other)) for row, other in earliest.items()]


def _person_duplicates(found: _Collector, program: Program) -> None:
    """Two ids for one person: the same e-mail (error), or a similar name at the same company (warning):
    close in spelling, or the same once a nickname is read as a full name it may stand for.

    Never all pairs: rows are compared only within a block (one e-mail; one company, split by the surname's
    first letter when a company is huge), and each row is reported once, against the earliest row it
    matches, naming both rows.
    """
    roster = program.advocates
    ids, names, companies = roster[A.advocate_id], roster[A.name], roster[A.company]
    reported: set[int] = set()

    def who(row: int) -> str:
        return f"row {row} ({ids.at[row] or 'no id'}, {names.at[row] or 'no name'})"

    def same_id(row: int, other: int) -> bool:  # the same id twice is already a duplicate_key
        return ids.at[row] is not None and ids.at[row] == ids.at[other]

    emails = roster[A.email]
    dup = emails.notna() & emails.duplicated(keep="first")
    if dup.any():
        first = _first_rows(emails)
        for row in emails.index[dup]:
            other = int(first.at[row])
            if same_id(row, other):
                continue
            found.add(
                schema.ADVOCATES.name,
                row,
                A.email,
                "duplicate_person",
                f"Same e-mail as {who(other)}: one person entered twice? Keep one row; this is {who(row)}.",
            )
            reported.add(row)

    usable = names.notna() & companies.notna()
    people = pd.DataFrame(
        {
            "name": _map_unique(names[usable], normalise_name),
            "company": _map_unique(companies[usable], normalise_company),
        },
        index=roster.index[usable],
    )
    people = people[(people["name"] != "") & (people["company"] != "")]
    people["block"] = people["company"]
    big = people.groupby("block")["name"].transform("size") > MAX_BLOCK
    people.loc[big, "block"] = people.loc[big, "company"] + "|" + people.loc[big, "name"].str[:1]
    for row, other in sorted(_similar_name_pairs(people) + _nickname_pairs(people)):
        if row in reported or same_id(row, other):
            continue
        found.add(
            schema.ADVOCATES.name,
            row,
            A.name,
            "possible_duplicate",
            f"{_quote(names.at[row])} at {companies.at[row]} looks like {_quote(names.at[other])} on "
            f"{who(other)}: the same person entered twice? This is {who(row)}.",
        )
        reported.add(row)


def _nominees_already_known(found: _Collector, program: Program) -> None:
    """Undecided (New) nominations of someone already on the roster, or of someone an earlier undecided
    nomination names already: recruiting them again wastes a team's ask and annoys the customer.

    The same person means the same e-mail, or the same name at the same company as the duplicate check
    compares them (folded, legal suffixes dropped, a nickname read as a full name it may stand for) but
    otherwise exactly equal: a nomination is something to act on, so a name merely spelled alike is not
    worth a warning.
    """
    nominations = program.nominations
    new = nominations[nominations[N.status] == "New"]
    if new.empty:
        return
    roster = program.advocates
    on_roster = (_first_row_of(roster[A.email]), _first_row_of_any(_person_keys(roster, A.name, A.company)))
    nominee_email, nominee_person = new[N.contact_email], _person_keys(new, N.contact_name, N.company)
    earlier: tuple[dict[str, int], dict[str, int]] = ({}, {})
    for row in new.index:
        email, person = nominee_email.at[row], nominee_person.at[row]
        person = person if isinstance(person, tuple) else ()
        nominee = new.at[row, N.contact_name] or new.at[row, N.contact_email]
        by_email = on_roster[0].get(email) if email is not None else None
        by_person = min((on_roster[1][k] for k in person if k in on_roster[1]), default=None)
        advocate = by_email if by_email is not None else by_person
        twin_email = earlier[0].get(email) if email is not None else None
        twin_person = min((earlier[1][k] for k in person if k in earlier[1]), default=None)
        twin = twin_email if twin_email is not None else twin_person
        column = N.contact_email if email is not None else N.contact_name
        if advocate is not None:
            same = "the same e-mail as" if by_email is not None else "the same name and company as"
            who = (
                f"{roster.at[advocate, A.advocate_id] or 'no id'}, {roster.at[advocate, A.name] or 'no name'}"
            )
            found.add(
                schema.NOMINATIONS.name,
                row,
                column,
                "already_an_advocate",
                f"{nominee} has {same} Advocates row {advocate} ({who}): already an advocate. Decline this "
                "nomination (noting why) rather than recruit them again.",
            )
        elif twin is not None:
            found.add(
                schema.NOMINATIONS.name,
                row,
                column,
                "duplicate_nomination",
                f"{nominee} is nominated on row {twin} too ({new.at[twin, N.nomination_id] or 'no id'}), also "
                "undecided: decide one and decline the other.",
            )
        if email is not None:
            earlier[0].setdefault(email, row)
        for key in person:
            earlier[1].setdefault(key, row)


def _person_keys(frame: pd.DataFrame, name: str, company: str) -> pd.Series:
    """Each row's 'name|company' keys (its name's variants, nicknames read as full names, normalised as the
    duplicate check does), for rows with both and a name of two words or more once initials are dropped;
    else None."""
    usable = frame[name].notna() & frame[company].notna()
    keys = pd.Series(None, index=frame.index, dtype=object)
    if usable.any():
        names = _map_unique(frame.loc[usable, name], normalise_name)
        companies = _map_unique(frame.loc[usable, company], normalise_company)
        found = np.empty(len(names), dtype=object)
        for i, (n, c) in enumerate(zip(names, companies, strict=True)):
            # "J. Smith" is only "smith": too little to be sure
            found[i] = tuple(f"{v}|{c}" for v in name_variants(n)) if " " in n and c else None
        keys[usable] = found
    return keys


def _first_row_of(keys: pd.Series) -> dict[Any, int]:
    """Each non-empty value, with the first row holding it (``_first_rows`` as a lookup)."""
    return dict(zip(keys.dropna().to_numpy(), _first_rows(keys).to_numpy().tolist(), strict=True))


def _first_row_of_any(keys: pd.Series) -> dict[str, int]:
    """Each key of any row's tuple of keys, with the first row holding it."""
    first: dict[str, int] = {}
    for row, row_keys in zip(keys.index, keys, strict=True):
        for key in row_keys if isinstance(row_keys, tuple) else ():
            first.setdefault(key, int(row))
    return first
