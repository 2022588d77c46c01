"""People's and companies' names as the kit compares them: folded, initials and legal suffixes dropped, and
nicknames read as the full names they may stand for.

A nickname may stand for several full names (Jon: John or Jonathan; Alex: Alexander or Alexandra), so a name
is not reduced to one canonical form: ``name_variants`` gives every form it may take, and two names that
share one may be the same person. The nicknames come from the ``nicknames`` package: Carlton Northern's and
Nick Crews' hand-curated table of English given names and their nicknames (about 2,700 pairs, Apache-2.0,
https://github.com/carltonnorthern/nicknames), maintained there rather than copied here. It grew from
genealogy, so it also knows old and cross-language forms (Ivan for John): enough for a warning a person
checks, not for merging rows.
"""

from __future__ import annotations

import re
from functools import cache

from kit.cells import fold

# Nicknames the kit's own first table knew that the package does not list: kept, so no match is lost.
EXTRA_NICKNAMES: dict[str, tuple[str, ...]] = {
    "robbie": ("robert",),
    "bert": ("robert",),
    "liam": ("william",),
    "katie": ("katherine", "catherine", "kathleen"),
}

# Dropped from the end of a company's name before comparing: "Granite Mutual, Inc." is "Granite Mutual".
_LEGAL_SUFFIXES = {
    "inc",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "gmbh",
    "ag",
    "sa",
    "plc",
    "bv",
}
_NON_WORD = re.compile(r"[^\w]+")


def _fold(text: str) -> str:
    # cells.fold, with a fast path for plain ASCII (most names): same result, a tenth of the time.
    if text.isascii():
        return " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    return fold(text)


def normalise_name(name: str) -> str:
    """A person's name for comparison: folded, punctuation and initials dropped, tokens sorted."""
    return " ".join(sorted(t for t in _NON_WORD.sub(" ", _fold(name)).split() if len(t) > 1))


@cache
def _full_names() -> dict[str, frozenset[str]]:
    """Nickname → the full names it may stand for (the package's table is read once, on first use)."""
    from nicknames import NickNamer

    lookup = NickNamer().canonical_lookup
    for nickname, names in EXTRA_NICKNAMES.items():
        lookup.setdefault(nickname, set()).update(names)
    return {nickname: frozenset(names) for nickname, names in lookup.items()}


def full_names(token: str) -> frozenset[str]:
    """The full names a folded first name may stand for, itself not included: 'jon' → {'john', 'jonathan', …}."""
    return _full_names().get(token, frozenset())


def name_variants(normalised: str) -> frozenset[str]:
    """A normalised name and each form it takes with one of its tokens read as a full name it may stand
    for ('jon smith' → 'jon smith', 'john smith', 'jonathan smith', …), each with its tokens sorted.

    Which token is the first name is unknown ('Ortiz, Dana'), so every token is tried.
    """
    tokens = normalised.split()
    variants = {normalised}
    for i, token in enumerate(tokens):
        for full in full_names(token):
            variants.add(" ".join(sorted([*tokens[:i], full, *tokens[i + 1 :]])))
    return frozenset(variants)


def normalise_company(company: str) -> str:
    """A company for blocking: folded, punctuation and legal suffixes (Inc, Ltd, GmbH …) dropped."""
    tokens = _NON_WORD.sub(" ", _fold(company)).split()
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    return " ".join(tokens)
