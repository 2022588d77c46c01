"""The matcher's reasons in words: why an advocate fits a request, why one is excluded, and why a request
was left unserved. Built from the same arrays the rules and the scores use, so the words never disagree
with the numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kit import schema
from kit.match.encoding import NO_DAY, NOT_NAMED, UNREADABLE, EncodedRequests, Roster, dates
from kit.match.gaps import request_segment
from kit.match.requests import Request
from kit.match.rules import Matcher

A, R = schema.ADVOCATES.col, schema.REQUESTS.col

# How ``unserved`` counts the advocates of a segment by the first rule each fails.
_FAILED_AS_COUNT = {
    "no_id": "have no advocate_id",
    "do_not_contact": "are Do Not Contact",
    "not_active": "are not Active",
    "not_agreed": "have not agreed to {activity}",
    "at_prospect": "work at the prospect",
    "at_cap": "are at their quarterly cap",
    "resting": "are resting after a recent activity",
    "booked": "are booked for another request around that date",
    "turned_down": "were turned down for this request already",
}


def reasons(matcher: Matcher, enc: EncodedRequests, which: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The reasons sentence for each pair (request ``enc.requests[which[i]]``, advocate ``positions[i]``).

    Vectorised over the pairs with object arrays and small lookup tables: a few array operations per
    criterion, not a Python call per pair.
    """
    ros = matcher.roster
    vocab = matcher.vocab
    requests = enc.requests
    parts: list[np.ndarray] = []

    def wanted(column: str) -> tuple[np.ndarray, np.ndarray]:
        texts = np.array([r.wanted.get(column) or "" for r in requests], dtype=object)[which]
        return texts, texts != ""

    def names(table: Sequence[str], codes: np.ndarray, missing: str) -> np.ndarray:
        lookup = np.array(list(table) + [missing], dtype=object)
        return lookup[np.where(codes >= 0, codes, len(table))]

    def unknown(column: str, noun: str, text: np.ndarray) -> np.ndarray:
        """``text``, or where the advocate's cell could not be read, a reason saying so."""
        typed = ros.unreadable[UNREADABLE.index(column)][positions]
        unread = typed != None  # noqa: E711 - elementwise on an object array
        if not unread.any():
            return text
        quoted = f'{noun} "' + np.where(unread, typed, "").astype(object) + '" unreadable, not scored'
        return np.where(unread, quoted, text)

    def exact(column: str, noun: str, codes: np.ndarray, wanted_codes: np.ndarray, table) -> None:
        want, named = wanted(column)
        if named.any():
            same = codes == wanted_codes
            text = np.where(
                same, f"same {noun} (" + want + ")", names(table, codes, f"no {noun}") + " ≠ " + want
            )
            if column in UNREADABLE:
                text = unknown(column, noun, text)
            parts.append(np.where(named, text, None))

    exact(R.industry, "industry", ros.industry[positions], enc.industry[which], vocab.industry_names)
    for column, matrix, rows, noun in (
        (R.product, ros.products, enc.product, "product"),
        (R.use_case, ros.use_cases, enc.use_case, "use case"),
    ):
        want, named = wanted(column)
        if named.any():
            has = matrix[rows[which], positions]
            parts.append(np.where(named, np.where(has, f"same {noun} (" + want + ")", "no " + want), None))
    want, named = wanted(R.region)
    if named.any():
        codes = ros.region[positions]
        same = codes == enc.region[which]
        text = np.where(
            same, "same region (" + want + ")", names(schema.REGIONS, codes, "no region") + " ≠ " + want
        )
        country = enc.country[which]
        elsewhere = same & (country != NOT_NAMED) & (ros.country[positions] != country)
        if elsewhere.any():
            asked = np.array([r.country or "" for r in requests], dtype=object)[which]
            theirs = names(vocab.country_names, ros.country[positions], "no country")
            text = np.where(elsewhere, text + ", " + theirs + " ≠ " + asked, text)
        parts.append(np.where(named, unknown(A.region, "region", text), None))
    want, named = wanted(R.company_size)
    if named.any():
        codes = ros.size[positions]
        asked = enc.size[which]
        near = (codes >= 0) & (np.abs(codes.astype(int) - asked.astype(int)) == 1)
        theirs = names(schema.COMPANY_SIZES, codes, "no company size")
        text = np.where(near, theirs + " (near " + want + ")", theirs + " ≠ " + want)
        text = np.where(codes == asked, "same company size (" + want + ")", text)
        parts.append(np.where(named, unknown(A.company_size, "company size", text), None))
    exact(R.persona, "persona", ros.persona[positions], enc.persona[which], schema.PERSONAS)

    uses, caps = ros.uses[positions], ros.cap[positions]
    used = "used " + _numbers(uses) + "× this quarter of " + _numbers(caps)
    parts.append(np.where(uses > 0, used, "not used this quarter"))
    last_day = ros.last_used_day[positions]
    never = last_day == NO_DAY
    today = matcher.today
    days = today - np.where(never, today, last_day)
    parts.append(np.where(never, "never used", "last used " + _numbers(days) + " days ago"))
    age = ros.verified_age[positions]
    unknown_age = np.isnan(age)
    stale = unknown_age | (age > matcher.settings.stale_after)
    age_text = "profile not verified for " + _numbers(np.where(unknown_age, 0, age)) + " days"
    typed = ros.unreadable[UNREADABLE.index(A.last_verified)][positions]
    unread = typed != None  # noqa: E711 - elementwise on an object array
    never_text = np.where(
        unread,
        'last verified "' + np.where(unread, typed, "").astype(object) + '" unreadable: taken as never',
        "profile never verified",
    )
    parts.append(np.where(stale, np.where(unknown_age, never_text, age_text), None))
    good, judged = ros.good[positions], ros.judged[positions]
    outcome = "good outcomes in " + _numbers(good) + " of " + _numbers(judged) + " past activities"
    parts.append(np.where(judged > 0, outcome, None))
    asked, declined = ros.asked[positions], ros.declined[positions]
    declines = "declined " + _numbers(declined) + " of " + _numbers(asked) + " asks"
    parts.append(np.where(declined > 0, declines, None))

    sentence = np.full(len(positions), "", dtype=object)
    for part in parts:
        present = part != None  # noqa: E711 - elementwise on an object array
        joined = sentence + np.where(sentence == "", "", ", ") + np.where(present, part, "")
        sentence = np.where(present, joined, sentence)
    return sentence


def excluded_because(
    matcher: Matcher, req: Request, enc: EncodedRequests, failed: Mapping[str, np.ndarray]
) -> pd.Series:
    """Per advocate, every rule they fail for this one request in words, joined by '; ' ('' when none)."""
    ros = matcher.roster
    n = len(ros.ids)
    statuses = matcher.frame[A.status].to_numpy(dtype=object)
    last_used = dates(ros.last_used_day)
    texts = {
        "no_id": np.full(n, "has no advocate_id", dtype=object),
        "do_not_contact": np.full(n, "marked Do Not Contact", dtype=object),
        "not_active": _quoted(
            ros,
            A.status,
            ("status is " + pd.Series(statuses).fillna("empty").astype(str)).to_numpy(object),
            'status "{}" unreadable',
        ),
        "not_agreed": _quoted(
            ros,
            A.activities,
            np.full(n, f"has not agreed to {req.activity}", dtype=object),
            f'has not agreed to {req.activity} (activities "{{}}" unreadable)',
        ),
        "at_prospect": np.full(n, f"works at the prospect ({req.prospect_label})", dtype=object),
        "at_cap": (
            "at their cap: used "
            + pd.Series(ros.uses).astype(str)
            + "× this quarter of "
            + pd.Series(ros.cap).astype(str)
        ).to_numpy(object),
        "resting": (
            "resting: last used "
            + pd.Series(last_used).astype(str)
            + f", cool-down {matcher.settings.cooldown} days"
        ).to_numpy(object),
        "booked": _booked_texts(matcher, enc, failed["booked"]),
        "turned_down": np.full(n, "turned down for this request already (History)", dtype=object),
    }
    because = np.full(n, "", dtype=object)
    for rule, mask in failed.items():
        because = np.where(mask, because + texts[rule] + "; ", because)
    return pd.Series(because).str[:-2]


def _quoted(ros: Roster, column: str, texts: np.ndarray, template: str) -> np.ndarray:
    """``texts``, or where the advocate's ``column`` could not be read, ``template`` quoting the cell: a
    hard rule refuses on an unreadable cell of its own, and says that is why."""
    typed = ros.unreadable[UNREADABLE.index(column)]
    out = texts.copy()
    for i in np.flatnonzero(typed != None):  # noqa: E711 - elementwise on an object array
        out[i] = template.format(typed[i])
    return out


def _booked_texts(matcher: Matcher, enc: EncodedRequests, booked: np.ndarray) -> np.ndarray:
    texts = np.full(len(matcher.roster.ids), "", dtype=object)
    if not booked.any():
        return texts
    bookings = matcher.bookings
    due = enc.due[0]
    for i in np.flatnonzero(np.abs(bookings.due - due) < matcher.settings.cooldown_window):
        if i == enc.key[0]:
            continue
        position = bookings.position[i]
        day = dt.date.fromordinal(int(bookings.due[i]))
        texts[position] = f"already booked for {bookings.ids[i]} due {day.isoformat()}"
    return texts


def nobody_free(matcher: Matcher, req: Request) -> str:
    """Why nobody could take the request: the first failed rule of each advocate in its segment."""
    within = matcher.settings.within_segment
    enc = matcher.encode([req])
    inside = matcher.in_segment(matcher.roster, enc)[0] if within else np.ones(len(matcher.roster.ids), bool)
    segment = request_segment(req)
    where = f"in {segment.label}" if segment and within else "on the roster"
    total = int(inside.sum())
    if total == 0:
        return f"no advocate {where}"
    # Only the segment's advocates are checked rule by rule.
    failed = matcher.failures(matcher.roster.take(np.flatnonzero(inside)), enc)
    remaining = np.ones(total, dtype=bool)
    counts = []
    for rule, mask in failed.items():
        hit = remaining & mask[0]
        if hit.any():
            counts.append(f"{int(hit.sum())} {_FAILED_AS_COUNT[rule].format(activity=req.activity)}")
            remaining &= ~hit
    return f"{total} advocate(s) {where}, none free: " + ", ".join(counts)


def outranked(
    matcher: Matcher,
    request: int,
    candidates: np.ndarray,
    taken_by: Mapping[int, list[int]],
    capacity: np.ndarray,
    due: np.ndarray,
    servable: Sequence[Request],
) -> str:
    """Why a request with eligible advocates got none: they are full with other requests, or still have
    room but are booked for a request due within their cool-down of this one's date."""
    window = matcher.settings.cooldown_window
    full: set[int] = set()
    spaced: set[int] = set()
    for position in candidates:
        taken = taken_by.get(int(position), [])
        near = [t for t in taken if due[request] != NO_DAY and abs(int(due[t]) - int(due[request])) < window]
        if near and len(taken) < capacity[position]:
            spaced.update(near)
        else:
            full.update(taken)

    def named(requests: set[int]) -> str:
        ids = sorted(servable[r].request_id or "" for r in requests)
        return ", ".join(ids[:3]) + (" …" if len(ids) > 3 else "")

    parts = []
    if full or not spaced:
        parts.append(f"went to more urgent or better-matched requests ({named(full)})")
    if spaced:
        parts.append(f"are booked for requests due within their {window}-day cool-down ({named(spaced)})")
    return " or ".join(parts)


_NUMBER_TEXT = np.array([str(i) for i in range(10_000)], dtype=object)


def _numbers(values: np.ndarray) -> np.ndarray:
    """Whole numbers as text, by table lookup (no per-row formatting); rare large values formatted."""
    whole = np.asarray(values, dtype=float).round().astype(np.int64)
    inside = (whole >= 0) & (whole < len(_NUMBER_TEXT))
    out = _NUMBER_TEXT[np.where(inside, whole, 0)].copy()
    if not inside.all():
        out[~inside] = [str(v) for v in whole[~inside]]
    return out
