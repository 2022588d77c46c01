"""The hard rules, and the matcher that applies them: the roster encoded once for a program and a day.

An advocate is eligible for a request when they have an id, are Active and not Do Not Contact, have agreed
to the request's activity, do not work at the prospect, are under their quarterly cap, have rested the
cool-down since their last activity, are not already booked for another open request due within the
cool-down of this one's date, and were not turned down for this request already (the account owner rejected
them, or they declined it: the History tab says so). Each rule is an array over (requests, advocates); ``explain`` puts them in words.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence

import numpy as np

from kit import schema
from kit.cells import as_text, is_blank
from kit.errors import InputError
from kit.match.encoding import (
    NO_DAY,
    NOT_NAMED,
    Bookings,
    EncodedRequests,
    Roster,
    encode_requests,
    encode_roster,
)
from kit.match.requests import Request, RequestReader
from kit.match.settings import MatchSettings
from kit.program import Program


class Matcher:
    """The roster encoded for one program and one day, and the hard rules over it.

    Cached by ``matcher_for``, since notebooks rank request after request on the same program and day.
    ``reader`` reads requests against the same program and day.
    """

    def __init__(self, program: Program, as_of: dt.date) -> None:
        self.as_of = as_of
        self.today = as_of.toordinal()
        self.settings = MatchSettings.read(program.settings)
        self.frame = program.advocates
        self.roster, self.vocab = encode_roster(program, as_of, self.settings)
        self.bookings = Bookings.read(program.requests, self.vocab.id_position)
        self.reader = RequestReader(program, as_of)
        self.turned_down_for = turned_down(program)

    def encode(self, requests: Sequence[Request]) -> EncodedRequests:
        return encode_requests(requests, self.vocab, self.bookings)

    def failures(self, ros: Roster, enc: EncodedRequests) -> dict[str, np.ndarray]:
        """Each hard rule's failures as a (requests, advocates) boolean array (True = excluded by it)."""
        b = len(enc.requests)
        n = len(ros.ids)

        def each(vector: np.ndarray) -> np.ndarray:
            return np.broadcast_to(vector, (b, n))

        at_prospect = np.zeros((b, n), dtype=bool)
        for prospect in (enc.prospect1, enc.prospect2):
            if (prospect >= 0).any():
                wanted = prospect[:, None]
                at_prospect |= (ros.company[None, :] == wanted) | (ros.account[None, :] == wanted)
        # In the order the reasons list them (the first rule an advocate fails is theirs in a count).
        return {
            "no_id": each(~ros.has_id),
            "do_not_contact": each(ros.do_not_contact),
            "not_active": each(~ros.active & ~ros.do_not_contact),
            "not_agreed": ~ros.agreed[enc.activity],
            "at_prospect": at_prospect,
            "at_cap": each(~ros.under_cap),
            "resting": each(~ros.rested),
            "booked": self.booked(ros, enc),
            "turned_down": self.turned_down(ros, enc),
        }

    def eligible(self, ros: Roster, enc: EncodedRequests) -> np.ndarray:
        """Passes every rule: the same as no failure, computed without the per-rule arrays."""
        ok = np.broadcast_to(ros.base_ok, (len(enc.requests), len(ros.ids))).copy()
        ok &= ros.agreed[enc.activity]
        for prospect in (enc.prospect1, enc.prospect2):
            if (prospect >= 0).any():
                wanted = prospect[:, None]
                ok &= (ros.company[None, :] != wanted) & (ros.account[None, :] != wanted)
        if self.bookings.due.size:
            ok &= ~self.booked(ros, enc)
        if self.turned_down_for:
            ok &= ~self.turned_down(ros, enc)
        return ok

    def turned_down(self, ros: Roster, enc: EncodedRequests) -> np.ndarray:
        """Advocates the account owner rejected for this request, or who declined it."""
        out = np.zeros((len(enc.requests), len(ros.ids)), dtype=bool)
        if not self.turned_down_for:
            return out
        position = {as_text(a): j for j, a in enumerate(ros.ids) if not is_blank(a)}
        for i, request in enumerate(enc.requests):
            for advocate_id in self.turned_down_for.get(as_text(request.request_id), ()):
                if advocate_id in position:
                    out[i, position[advocate_id]] = True
        return out

    def booked(self, ros: Roster, enc: EncodedRequests) -> np.ndarray:
        """Advocates already assigned to another open request due within the cool-down of this one's date."""
        b, n = len(enc.requests), len(ros.ids)
        busy = np.zeros((b, n), dtype=bool)
        bookings = self.bookings
        if not bookings.due.size or not (enc.due != NO_DAY).any():
            return busy
        close = np.abs(bookings.due[None, :] - enc.due[:, None]) < self.settings.cooldown_window
        close &= (enc.due != NO_DAY)[:, None]
        close &= np.arange(bookings.due.size)[None, :] != enc.key[:, None]
        # Map the roster's global positions onto this (possibly subset) roster's positions.
        local = self._local_positions(ros)
        r, c = np.nonzero(close)
        target = local[bookings.position[c]]
        keep = target >= 0
        busy[r[keep], target[keep]] = True
        return busy

    def _local_positions(self, ros: Roster) -> np.ndarray:
        if ros is self.roster:
            return np.arange(len(ros.ids))
        local = np.full(len(self.roster.ids), -1, dtype=np.int64)
        local[ros.pos] = np.arange(len(ros.ids))
        return local

    def in_segment(self, ros: Roster, enc: EncodedRequests) -> np.ndarray:
        """Advocates in each request's segment (its industry and region, where it names them)."""
        b, n = len(enc.requests), len(ros.ids)
        inside = np.ones((b, n), dtype=bool)
        named = enc.industry != NOT_NAMED
        if named.any():
            inside &= ~named[:, None] | (ros.industry[None, :] == enc.industry[:, None])
        named = enc.region != NOT_NAMED
        if named.any():
            inside &= ~named[:, None] | (ros.region[None, :] == enc.region[:, None])
        return inside


def turned_down(program: Program) -> dict[str, frozenset[str]]:
    """Request id → the advocates not to propose for it again: History rows that took it back to New from
    Owner Approval (the owner rejected them) or Advocate Asked (they declined)."""
    history = program.tables.get(schema.HISTORY.name)
    if history is None or history.empty:
        return {}
    H = schema.HISTORY.col
    back = history[
        (history[H.to_status] == schema.NEW_STATUS)
        & history[H.from_status].isin((schema.OWNER_APPROVAL_STATUS, schema.ADVOCATE_ASKED_STATUS))
    ]
    found: dict[str, set[str]] = {}
    for request_id, advocate_id in zip(back[H.request_id], back[H.advocate_id], strict=True):
        if not is_blank(request_id) and not is_blank(advocate_id):
            found.setdefault(as_text(request_id), set()).add(as_text(advocate_id))
    return {r: frozenset(a) for r, a in found.items()}


# The matcher cache: a notebook ranks request after request on the same program and day.
_CACHE: list[tuple[weakref.ref, dt.date, tuple[int, ...], Matcher]] = []
_CACHE_SIZE = 4


def matcher_for(program: Program, as_of: dt.date) -> Matcher:
    """The matcher for this program and day, encoded once (the last few are kept)."""
    if not isinstance(as_of, dt.date):
        raise InputError(f"as_of must be a date, not {as_of!r}")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    fingerprint = tuple(id(program.tables.get(t.name)) for t in schema.TABS)
    for ref, day, prints, matcher in _CACHE:
        if ref() is program and day == as_of and prints == fingerprint:
            return matcher
    matcher = Matcher(program, as_of)
    _CACHE.insert(0, (weakref.ref(program), as_of, fingerprint, matcher))
    del _CACHE[_CACHE_SIZE:]
    return matcher


def clear_cache() -> None:
    """Forget every encoded roster: the next call encodes again, as a fresh CLI run does (the benchmark
    times that; a notebook never needs it, since an edited tab is a new table and misses the cache)."""
    _CACHE.clear()
