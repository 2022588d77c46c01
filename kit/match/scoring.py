"""How well an advocate fits a request, and how much serving a request is worth.

A score is the weighted soft criteria the request names (industry, product, use case, region, company size,
persona; weights in the Settings tab) plus the advocate's freshness, rest and outcome points. A request's
urgency (priority tier and deadline) is what serving it adds to the allocation's objective.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from kit import schema
from kit.match.encoding import NOT_NAMED, EncodedRequests, Roster
from kit.match.requests import Request
from kit.match.settings import CRITERIA, MatchSettings

R = schema.REQUESTS.col

# A deadline this many days away or more adds nothing to a request's urgency; overdue adds the most.
DEADLINE_HORIZON_DAYS = 30
# Priority tiers are this far apart in the objective, more than any deadline + match quality difference,
# so a higher-priority request always wins a contested advocate over a lower-priority one.
PRIORITY_STEP = 3.0

# Company-size match by [wanted, theirs] index (the last index is "not named"/"blank"): adjacent = half.
_SIZE_MATCH = np.zeros((len(schema.COMPANY_SIZES) + 1,) * 2, dtype=np.float32)
for _i in range(len(schema.COMPANY_SIZES)):
    for _j in range(len(schema.COMPANY_SIZES)):
        _SIZE_MATCH[_i, _j] = {0: 1.0, 1: 0.5}.get(abs(_i - _j), 0.0)


def points(ros: Roster, enc: EncodedRequests, weights: Mapping[str, float]) -> np.ndarray:
    """Each advocate's score for each request: weighted criteria plus the freshness/rest/outcome points."""
    b, n = len(enc.requests), len(ros.ids)
    total = np.empty((b, n), dtype=np.float32)
    total[:] = ros.factor_points
    w = {c: np.float32(v) for c, v in weights.items()}
    if w[R.industry] and (enc.industry != NOT_NAMED).any():
        np.add(total, w[R.industry], out=total, where=ros.industry[None, :] == enc.industry[:, None])
    if w[R.product] and enc.product_named.any():
        np.add(total, w[R.product], out=total, where=ros.products[enc.product])
    if w[R.use_case] and enc.use_case_named.any():
        np.add(total, w[R.use_case], out=total, where=ros.use_cases[enc.use_case])
    if w[R.region] and (enc.region != NOT_NAMED).any():
        same = ros.region[None, :] == enc.region[:, None]
        has_country = enc.country != NOT_NAMED
        if has_country.any():
            # With a country on the request: same country is a full match, same region elsewhere half.
            elsewhere = same & has_country[:, None] & (ros.country[None, :] != enc.country[:, None])
            np.add(total, w[R.region] / 2, out=total, where=elsewhere)
            same &= ~elsewhere
        np.add(total, w[R.region], out=total, where=same)
    if w[R.company_size] and (enc.size != NOT_NAMED).any():
        # Adjacent company sizes are near matches: half the weight. Lookup: _SIZE_MATCH[wanted, theirs].
        table = _SIZE_MATCH * w[R.company_size]
        wanted = np.where(enc.size >= 0, enc.size, len(schema.COMPANY_SIZES))
        total += table[wanted[:, None], ros.size[None, :]]
    if w[R.persona] and (enc.persona != NOT_NAMED).any():
        np.add(total, w[R.persona], out=total, where=ros.persona[None, :] == enc.persona[:, None])
    return total


def max_points(requests: Sequence[Request], settings: MatchSettings) -> np.ndarray:
    """The best score possible for each request: the weights of the criteria it names, plus every factor's."""
    weights = settings.weights
    named = [[c in r.wanted and weights[c] > 0 for c in CRITERIA] for r in requests]
    criteria_max = np.array(
        [sum(weights[c] for c, on in zip(CRITERIA, row, strict=True) if on) for row in named], dtype=float
    )
    return criteria_max + sum(settings.factor_weights.values())


def fit(scores: np.ndarray, factor_points: np.ndarray, req: Request, settings: MatchSettings) -> np.ndarray:
    """The criteria part of each score as a share of the best possible (0 … 1), NaN when none is named."""
    criteria_max = max_points([req], settings)[0] - sum(settings.factor_weights.values())
    return (scores - factor_points) / criteria_max if criteria_max > 0 else np.full(len(scores), np.nan)


def urgency(req: Request, as_of: dt.date) -> float:
    """1 + 3 × priority tier + deadline closeness in [0, 1]: the request's value when served."""
    tier = schema.PRIORITIES.index(req.priority)
    if req.needed_by is None:
        closeness = 0.0
    else:
        days = (req.needed_by - as_of).days
        closeness = float(np.clip(1 - days / DEADLINE_HORIZON_DAYS, 0, 1))
    return 1.0 + PRIORITY_STEP * tier + closeness
