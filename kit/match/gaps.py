"""Recruiting gaps: requests whose segment (industry and region as written on them) has no advocate at all,
whatever their status; more capacity would not help, only recruiting would."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import schema
from kit.match.columns import REASON, SEGMENT
from kit.match.encoding import UNKNOWN, Vocabularies
from kit.match.requests import Request
from kit.match.text import fold_cached, fold_series, text_or_none
from kit.program import ROW_INDEX, Program
from kit.segments import Segment

A, R = schema.ADVOCATES.col, schema.REQUESTS.col


def recruiting_gaps(program: Program, *, as_of: dt.date) -> pd.DataFrame:
    """Open requests whose segment (industry and region as written on them) has no advocate at all.

    Cheap on purpose (no scoring, no solver): the metrics and reports call it for "requests no advocate
    could serve". ``as_of`` is accepted for symmetry with the other functions (the roster is taken as read).
    Columns: request_id, segment, reason; the index is the request's sheet row.
    """
    del as_of  # the roster as it stands decides a gap
    roster = program.advocates
    industries = set(fold_series(roster[A.industry]).dropna())
    regions = set(roster[A.region].dropna())
    pairs = set(zip(fold_series(roster[A.industry]), roster[A.region], strict=True))
    requests = program.requests
    open_mask = requests[R.status].isin(schema.ALLOCATABLE_STATUSES) & requests[R.advocate_id].isna()
    rows = []
    for row, request in requests[open_mask].iterrows():
        industry, region = text_or_none(request[R.industry]), request[R.region]
        segment = segment_of(industry, region)
        if segment is None:
            continue
        wanted = fold_cached(industry) if industry else None
        if industry and region:
            missing = (wanted, region) not in pairs
        elif industry:
            missing = wanted not in industries
        else:
            missing = region not in regions
        if missing:
            rows.append((row, request[R.request_id], str(segment), _gap_sentence(segment)))
    frame = pd.DataFrame(rows, columns=[ROW_INDEX, R.request_id, SEGMENT, REASON])
    return frame.set_index(ROW_INDEX)


def segment_of(industry: str | None, region: str | None) -> Segment | None:
    """The segment a request's industry and region name; None when it names neither."""
    conditions = tuple((c, v) for c, v in ((R.industry, industry), (R.region, region)) if v)
    return Segment(conditions) if conditions else None


def request_segment(req: Request) -> Segment | None:
    return segment_of(req.wanted.get(R.industry), req.wanted.get(R.region))


def gap_text(req: Request, vocab: Vocabularies) -> str | None:
    """The recruiting-gap sentence when the request's segment has no advocate at all, else None."""
    industry, region = req.wanted.get(R.industry), req.wanted.get(R.region)
    segment = segment_of(industry, region)
    if segment is None:
        return None
    ind = vocab.industry.get(fold_cached(industry), UNKNOWN) if industry else None
    reg = schema.REGIONS.index(region) if region else None
    if ind is not None and reg is not None:
        missing = (ind, reg) not in vocab.segment_pairs
    elif ind is not None:
        missing = ind not in vocab.segment_industries
    else:
        missing = reg not in vocab.segment_regions
    return _gap_sentence(segment) if missing else None


def _gap_sentence(segment: Segment) -> str:
    return f"no advocate at all in {segment.label}: a recruiting gap"
