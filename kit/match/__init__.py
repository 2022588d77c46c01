"""Matching: find the right advocate for a request, say why, and allocate all open requests at once.

Three functions share one set of rules:

- ``eligibility(request, program, as_of=…)``: every advocate with the hard rules applied, and the reason
  for each exclusion (not Active, Do Not Contact, has not agreed to the activity, works at the prospect, at
  their quarterly cap, still resting after their last activity, already booked for another request due
  within the cool-down).
- ``rank(request, program, as_of=…)``: the eligible advocates scored on the soft criteria (industry,
  product, use case, region, company size, persona; weights in the Settings tab), plus freshness of the
  profile, rest since the last activity and good past outcomes, best first, with the reasons in words.
- ``allocate(program, as_of=…)``: all open, unassigned requests at once, solved as a maximum-weight
  b-matching, exactly, so that urgent requests and nearer deadlines win when capacity is short and the total
  match quality is as high as possible. Requests nobody can serve are listed with the reason; a request
  whose segment (industry and region as written on it) has no advocate at all is a recruiting gap
  (``recruiting_gaps`` lists those alone, cheaply).

The modules, in the order a request meets them:

- ``requests``: a request id, row or mapping read into one typed ``Request``.
- ``encoding``: the roster as arrays (codes, one boolean row per product, use case and activity), once per
  program and day, and requests as codes into its vocabularies.
- ``rules``: the ``Matcher`` (the encoded roster and the hard rules over it) and its cache.
- ``scoring``: the score of each advocate for each request, and a request's urgency.
- ``explain``: the reasons in words, for a ranking, an exclusion and an unserved request.
- ``gaps``: recruiting gaps.
- ``ranking``: ``rank`` and ``eligibility``.
- ``solve``: ``allocate`` and the exact solvers behind it.
- ``settings`` (the Settings tab's matching knobs), ``columns`` (the result frames' column names) and
  ``text`` (folding text for comparison) serve them all.
"""

from __future__ import annotations

from kit.match.columns import (
    ASSIGNED_NOW,
    CAP,
    CAPACITY_LEFT,
    ELIGIBLE,
    EXCLUDED,
    FIT,
    LAST_USED,
    REASON,
    REASON_CODE,
    REASONS,
    SCORE,
    SEGMENT,
    USES,
    USES_BEFORE,
    WEIGHT,
)
from kit.match.gaps import recruiting_gaps
from kit.match.ranking import eligibility, rank
from kit.match.rules import clear_cache
from kit.match.settings import CRITERIA, FACTORS
from kit.match.solve import TOP_K, Allocation, allocate

__all__ = [
    "ASSIGNED_NOW",
    "CAP",
    "CAPACITY_LEFT",
    "CRITERIA",
    "ELIGIBLE",
    "EXCLUDED",
    "FACTORS",
    "FIT",
    "LAST_USED",
    "REASON",
    "REASONS",
    "REASON_CODE",
    "SCORE",
    "SEGMENT",
    "TOP_K",
    "USES",
    "USES_BEFORE",
    "WEIGHT",
    "Allocation",
    "allocate",
    "clear_cache",
    "eligibility",
    "rank",
    "recruiting_gaps",
]
