"""One request at a time: every advocate with the rules applied (``eligibility``), and the eligible ones
scored, best first, with the reasons in words (``rank``). Notebooks and ``advocacy-kit match`` call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.errors import InputError
from kit.match import explain, scoring
from kit.match.columns import CAP, ELIGIBLE, EXCLUDED, FIT, LAST_USED, REASONS, SCORE, USES
from kit.match.encoding import dates
from kit.match.gaps import gap_text
from kit.match.requests import Request
from kit.match.rules import Matcher, matcher_for
from kit.program import Program

A = schema.ADVOCATES.col


def rank(
    request: Mapping[str, Any] | pd.Series | str,
    program: Program,
    *,
    as_of: dt.date,
    top: int | None = None,
) -> pd.DataFrame:
    """The eligible advocates for one request, best first, each with its score and the reasons in words.

    ``request`` is a request id, a row of ``program.requests``, or a mapping of Requests-tab columns (a
    request described in a notebook). Raises ``InputError`` when the request names no activity or one
    that does not exist; softer problems (a past deadline, no criteria at all, a missing opportunity, a
    segment with no advocate) are listed in ``result.attrs["warnings"]``.
    Columns: advocate_id, name, company, industry, region, score, fit, reasons, uses_this_quarter, cap,
    last_used, last_verified; the index is the advocate's sheet row.
    """
    if top is not None and top < 1:
        raise InputError(f"top must be at least 1, not {top}")
    matcher = matcher_for(program, as_of)
    req = matcher.reader.parse(request)
    if req.problem:
        raise InputError(req.problem)
    enc = matcher.encode([req])
    ros = matcher.roster
    eligible = matcher.eligible(ros, enc)[0]
    points = scoring.points(ros, enc, matcher.settings.weights)[0]
    positions = np.flatnonzero(eligible)
    order = np.lexsort((positions, -points[positions]))
    positions = positions[order]
    if top is not None:
        positions = positions[:top]
    frame = _rank_frame(matcher, req, positions, points[positions])
    warnings = list(req.warnings)
    gap = gap_text(req, matcher.vocab)
    if gap:
        warnings.append(gap)
    if not eligible.any():
        warnings.append(f"{req.label}: no advocate is eligible (see eligibility() for each one's reason)")
    frame.attrs["warnings"] = warnings
    return frame


def eligibility(
    request: Mapping[str, Any] | pd.Series | str, program: Program, *, as_of: dt.date
) -> pd.DataFrame:
    """Every advocate with ``eligible`` and, when excluded, ``excluded_because`` (each failed rule, ';').

    Columns: advocate_id, name, company, status, eligible, excluded_because, uses_this_quarter, cap,
    last_used; the index is the advocate's sheet row. Raises ``InputError`` like ``rank``.
    """
    matcher = matcher_for(program, as_of)
    req = matcher.reader.parse(request)
    if req.problem:
        raise InputError(req.problem)
    ros, frame = matcher.roster, matcher.frame
    enc = matcher.encode([req])
    failed = {rule: mask[0] for rule, mask in matcher.failures(ros, enc).items()}
    because = explain.excluded_because(matcher, req, enc, failed)
    eligible = ~np.logical_or.reduce(list(failed.values()))
    return pd.DataFrame(
        {
            A.advocate_id: frame[A.advocate_id].to_numpy(),
            A.name: frame[A.name].to_numpy(),
            A.company: frame[A.company].to_numpy(),
            A.status: frame[A.status].to_numpy(dtype=object),
            ELIGIBLE: eligible,
            EXCLUDED: because.where(~eligible, "").to_numpy(),
            USES: ros.uses,
            CAP: ros.cap,
            LAST_USED: dates(ros.last_used_day),
        },
        index=frame.index,
    )


def _rank_frame(matcher: Matcher, req: Request, positions: np.ndarray, points: np.ndarray) -> pd.DataFrame:
    ros, frame = matcher.roster, matcher.frame
    enc = matcher.encode([req])
    fit = scoring.fit(points, ros.factor_points[positions], req, matcher.settings)
    picked = frame.iloc[positions]
    return pd.DataFrame(
        {
            A.advocate_id: picked[A.advocate_id].to_numpy(),
            A.name: picked[A.name].to_numpy(),
            A.company: picked[A.company].to_numpy(),
            A.industry: picked[A.industry].to_numpy(),
            A.region: picked[A.region].to_numpy(),
            SCORE: np.round(points.astype(float), 2),
            FIT: np.round(fit.astype(float), 2),
            REASONS: explain.reasons(matcher, enc, np.zeros(len(positions), dtype=np.int64), positions),
            USES: ros.uses[positions],
            CAP: ros.cap[positions],
            LAST_USED: dates(ros.last_used_day[positions]),
            A.last_verified: picked[A.last_verified].to_numpy(),
        },
        index=pd.Index(ros.rows[positions], name=frame.index.name),
    )
