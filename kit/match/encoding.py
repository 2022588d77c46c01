"""The roster encoded as arrays, once per program and day, and requests encoded against its vocabularies.

Categorical codes for industry, region, country, company size, persona and company; one boolean row per
product, use case and activity; quarterly use, cap, last use, outcomes and profile age per advocate. A request,
or a block of requests, is then compared with every advocate in a few array operations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit import schema
from kit.acceptance import ASKED, DECLINED, asked_and_declined
from kit.cells import as_text, enum_lookup, fold, is_blank, split_multi
from kit.match.requests import Request
from kit.match.settings import MatchSettings
from kit.match.text import fold_cached, fold_fast, fold_series
from kit.periods import days_between
from kit.program import Program

A, R, X = (t.col for t in (schema.ADVOCATES, schema.REQUESTS, schema.ACTIVITIES))

NOT_NAMED = -3  # the request does not name this criterion
UNKNOWN = -2  # the request names a value no advocate has
NO_DAY = np.iinfo(np.int64).min
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# The roster cells whose unreadable spelling the reasons quote (the others cannot be unreadable, or are text).
UNREADABLE = (A.region, A.company_size, A.persona, A.status, A.activities, A.last_verified)
# The advocate status that is never asked, and says so ahead of every other rule.


@dataclass
class Roster:
    """The roster as arrays, positionally aligned; ``take`` gives the same for a subset of advocates."""

    rows: np.ndarray  # sheet rows
    pos: np.ndarray  # position in the whole roster
    ids: np.ndarray
    has_id: np.ndarray
    active: np.ndarray
    do_not_contact: np.ndarray
    industry: np.ndarray  # codes into the industry vocabulary, -1 when blank
    region: np.ndarray  # index into REGIONS, -1 when blank
    country: np.ndarray
    size: np.ndarray  # index into COMPANY_SIZES, -1 when blank
    persona: np.ndarray
    company: np.ndarray  # codes into the joint company/account vocabulary
    account: np.ndarray
    products: np.ndarray  # bool (vocabulary + 1, n): the last row is all False
    use_cases: np.ndarray
    agreed: np.ndarray  # bool (activities + 1, n)
    uses: np.ndarray
    cap: np.ndarray
    last_used_day: np.ndarray  # date.toordinal() of the last activity, NO_DAY when never
    under_cap: np.ndarray
    rested: np.ndarray
    factor_points: np.ndarray  # freshness, rest and outcome points less the declines' (already weighted)
    freshness: np.ndarray
    rest: np.ndarray
    good: np.ndarray
    judged: np.ndarray
    asked: np.ndarray  # times asked and times declined (kit.acceptance)
    declined: np.ndarray
    verified_age: np.ndarray  # days, NaN when never verified
    unreadable: np.ndarray  # (len(UNREADABLE), n) object: the cell as typed where it could not be read

    def take(self, positions: np.ndarray) -> Roster:
        values = {}
        for name, array in vars(self).items():
            values[name] = array[:, positions] if array.ndim == 2 else array[positions]
        return Roster(**values)

    @property
    def base_ok(self) -> np.ndarray:
        """Passes every rule that does not depend on the request."""
        return self.has_id & self.active & ~self.do_not_contact & self.under_cap & self.rested


@dataclass(frozen=True)
class Vocabularies:
    """The roster's values → codes (folded text), the first spelling of each code, and who exists where."""

    industry: Mapping[str, int]
    country: Mapping[str, int]
    company: Mapping[str, int]  # companies and account ids share one vocabulary
    product: Mapping[str, int]
    use_case: Mapping[str, int]
    industry_names: Sequence[str]  # by code, for reasons in words
    country_names: Sequence[str]
    id_position: Mapping[str, int]  # advocate_id → roster position (the first row of a duplicated id)
    # Who exists in each segment (any status): recruiting gaps are about the roster, not availability.
    segment_pairs: set[tuple[int, int]]  # (industry code, region index)
    segment_industries: set[int]
    segment_regions: set[int]


@dataclass(frozen=True)
class Bookings:
    """Open requests with an advocate and a date: the advocate is booked around that date."""

    position: np.ndarray  # roster position of the booked advocate
    due: np.ndarray  # date.toordinal() of needed_by
    ids: np.ndarray  # the booked requests' ids
    key: Mapping[str, int]  # request_id → index into the arrays above

    @classmethod
    def read(cls, requests: pd.DataFrame, id_position: Mapping[str, int]) -> Bookings:
        booked = requests[
            requests[R.status].isin(schema.OPEN_REQUEST_STATUSES)
            & ~requests[R.advocate_id].isna()
            & requests[R.needed_by].notna()
        ]
        positions = booked[R.advocate_id].map(lambda v: id_position.get(as_text(v), -1)).to_numpy()
        keep = positions >= 0
        booked = booked[keep]
        ids = booked[R.request_id].to_numpy(dtype=object)
        return cls(
            position=positions[keep].astype(np.int64),
            due=ordinals(booked[R.needed_by]),
            ids=ids,
            key={as_text(r): i for i, r in enumerate(ids) if not is_blank(r)},
        )


@dataclass
class EncodedRequests:
    """A list of requests as code arrays aligned with the roster's vocabularies."""

    requests: Sequence[Request]
    industry: np.ndarray
    product: np.ndarray  # row of the products matrix (the all-False row when not named or unknown)
    product_named: np.ndarray
    use_case: np.ndarray
    use_case_named: np.ndarray
    region: np.ndarray
    country: np.ndarray
    size: np.ndarray
    persona: np.ndarray
    activity: np.ndarray
    prospect1: np.ndarray
    prospect2: np.ndarray
    due: np.ndarray  # date.toordinal() of needed_by, NO_DAY when none
    key: np.ndarray  # index of the request among the bookings (-1 when not one of them)

    def take(self, index: slice | np.ndarray) -> EncodedRequests:
        values = {
            name: (value[index] if isinstance(value, np.ndarray) else value)
            for name, value in vars(self).items()
        }
        if isinstance(index, slice):
            values["requests"] = list(self.requests)[index]
        else:
            values["requests"] = [self.requests[i] for i in index]
        return EncodedRequests(**values)


def encode_roster(program: Program, as_of: dt.date, settings: MatchSettings) -> tuple[Roster, Vocabularies]:
    """The Advocates tab as arrays, with each advocate's use, rest, outcomes and profile age on ``as_of``."""
    frame = program.advocates
    n = len(frame)
    today = as_of.toordinal()
    ids = frame[A.advocate_id].to_numpy(dtype=object)
    industry, industry_vocab = _text_codes(frame[A.industry])
    country, country_vocab = _text_codes(frame[A.country])
    both = pd.concat([frame[A.company], frame[A.account_id]], ignore_index=True)
    company_codes, company_vocab = _text_codes(both)
    products, product_vocab = _membership(frame[A.products], n)
    use_cases, use_case_vocab = _membership(frame[A.use_cases], n)
    agreed, _ = _membership(frame[A.activities], n, schema.ACTIVITY_TYPES)
    uses, cap = _usage(program, as_of, frame)
    # The first row of each id (the validator reports duplicates); ids are typed, stripped text.
    id_series = pd.Series(ids)
    first = id_series[id_series.notna() & ~id_series.duplicated()]
    id_position = dict(zip(first.to_numpy(), first.index.to_numpy(), strict=True))
    last_day, good, judged = _history(program.activities, id_position, n, as_of)
    since = np.where(last_day == NO_DAY, np.inf, today - last_day)
    verified = frame[A.last_verified]
    verified_age = days_between(verified, as_of).to_numpy(dtype=float)
    freshness = np.clip(1 - verified_age / settings.stale_after, 0, 1)
    freshness = np.where(np.isnan(freshness), 0.0, freshness)
    rest = np.clip(since / settings.rest_full, 0, 1)
    outcome = np.divide(good, judged, out=np.zeros(n), where=judged > 0)
    asked, declined = _asks(program, ids, as_of)
    declined_share = np.divide(declined, asked, out=np.zeros(n), where=asked > 0)
    fw = settings.factor_weights
    region = _enum_codes(frame[A.region], schema.REGIONS)
    roster = Roster(
        rows=frame.index.to_numpy(),
        pos=np.arange(n),
        ids=ids,
        has_id=~frame[A.advocate_id].isna().to_numpy(dtype=bool),
        active=(frame[A.status] == schema.ACTIVE_STATUS).to_numpy(dtype=bool),
        do_not_contact=(frame[A.status] == schema.DO_NOT_CONTACT_STATUS).to_numpy(dtype=bool),
        industry=industry,
        region=region,
        country=country,
        size=_enum_codes(frame[A.company_size], schema.COMPANY_SIZES),
        persona=_enum_codes(frame[A.persona], schema.PERSONAS),
        company=company_codes[:n],
        account=company_codes[n:],
        products=products,
        use_cases=use_cases,
        agreed=agreed,
        uses=uses,
        cap=cap,
        last_used_day=last_day,
        under_cap=uses < cap,
        # a future-dated (scheduled) activity is not rest either
        rested=since >= settings.cooldown,
        # the request-independent part of the score: scoring.points adds the criteria a request names
        factor_points=(
            fw["freshness"] * freshness
            + fw["rest"] * rest
            + fw["outcome"] * outcome
            - settings.declines_weight * declined_share
        ).astype(np.float32),
        freshness=freshness,
        rest=rest,
        good=good,
        judged=judged,
        asked=asked,
        declined=declined,
        verified_age=verified_age,
        unreadable=np.array(
            [_unreadable(frame, program.raw.get(schema.ADVOCATES.name), c) for c in UNREADABLE],
            dtype=object,
        ).reshape(len(UNREADABLE), n),
    )
    vocabularies = Vocabularies(
        industry=industry_vocab,
        country=country_vocab,
        company=company_vocab,
        product=product_vocab,
        use_case=use_case_vocab,
        industry_names=_first_spelling(frame[A.industry]),
        country_names=_first_spelling(frame[A.country]),
        id_position=id_position,
        segment_pairs=set(zip(industry.tolist(), region.tolist(), strict=True)),
        segment_industries=set(industry.tolist()),
        segment_regions=set(region.tolist()),
    )
    return roster, vocabularies


def encode_requests(requests: Sequence[Request], vocab: Vocabularies, bookings: Bookings) -> EncodedRequests:
    """``requests`` as codes into the roster's vocabularies (``UNKNOWN`` for a value no advocate has)."""

    def code(value: str | None, vocabulary: Mapping[str, int], missing: int = UNKNOWN) -> int:
        if value is None:
            return NOT_NAMED
        return vocabulary.get(fold_cached(value), missing)

    def member(value: str | None, vocabulary: Mapping[str, int]) -> int:
        return vocabulary.get(fold_cached(value), len(vocabulary)) if value else len(vocabulary)

    def index(value: str | None, values: Sequence[str]) -> int:
        return values.index(value) if value in values else NOT_NAMED

    prospect = [
        [vocab.company.get(p, UNKNOWN) for p in r.prospects] + [NOT_NAMED, NOT_NAMED] for r in requests
    ]
    activity_rows = len(schema.ACTIVITY_TYPES)
    return EncodedRequests(
        requests=list(requests),
        industry=np.array([code(r.wanted.get(R.industry), vocab.industry) for r in requests], np.int32),
        product=np.array([member(r.wanted.get(R.product), vocab.product) for r in requests], np.int64),
        product_named=np.array([R.product in r.wanted for r in requests], dtype=bool),
        use_case=np.array([member(r.wanted.get(R.use_case), vocab.use_case) for r in requests], np.int64),
        use_case_named=np.array([R.use_case in r.wanted for r in requests], dtype=bool),
        region=np.array([index(r.wanted.get(R.region), schema.REGIONS) for r in requests], np.int8),
        country=np.array(
            [code(r.country, vocab.country) if r.wanted.get(R.region) else NOT_NAMED for r in requests],
            np.int32,
        ),
        size=np.array([index(r.wanted.get(R.company_size), schema.COMPANY_SIZES) for r in requests], np.int8),
        persona=np.array([index(r.wanted.get(R.persona), schema.PERSONAS) for r in requests], np.int8),
        activity=np.array(
            [schema.ACTIVITY_TYPES.index(r.activity) if r.activity else activity_rows for r in requests],
            np.int64,
        ),
        prospect1=np.array([p[0] for p in prospect], np.int32),
        prospect2=np.array([p[1] for p in prospect], np.int32),
        due=np.array([r.needed_by.toordinal() if r.needed_by else NO_DAY for r in requests], dtype=np.int64),
        key=np.array([bookings.key.get(r.request_id or "", -1) for r in requests], dtype=np.int64),
    )


def ordinals(values: pd.Series) -> np.ndarray:
    """Dates as day numbers (``date.toordinal``), ``NO_DAY`` where missing; vectorised."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    out = days.astype(np.int64) + _EPOCH_ORDINAL
    out[np.isnat(days)] = NO_DAY
    return out


def dates(days: np.ndarray) -> np.ndarray:
    """Day numbers back to dates, None for ``NO_DAY`` (for the result frames)."""
    out = np.full(len(days), None, dtype=object)
    known = days != NO_DAY
    out[known] = [dt.date.fromordinal(int(d)) for d in days[known]]
    return out


def _unreadable(frame: pd.DataFrame, raw: pd.DataFrame | None, column: str) -> np.ndarray:
    """Per roster row, the cell as typed where the kit could not read it (the validator's bad cell), else None.

    Such a cell counts as unknown: no points for its criterion, and the reasons say why. For a drop-down
    of several values (``activities``), only the items it could not read.
    """
    out = np.full(len(frame), None, dtype=object)
    if raw is None or column not in raw.columns or not len(frame):
        return out
    cells = raw[column].reindex(frame.index)
    codes, distinct = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=True)
    definition = schema.ADVOCATES.column(column)
    if definition.kind is schema.Kind.MULTI_ENUM:
        allowed = enum_lookup(definition.values, definition.synonyms)  # as the typing reads it: synonyms too
        texts = [
            "; ".join(item for item in split_multi(v) if fold(item) not in allowed) or None for v in distinct
        ]
        return np.append(np.array(texts, dtype=object), None)[codes]
    texts = np.append(np.array([as_text(v) or None for v in distinct], dtype=object), None)[codes]
    return np.where(frame[column].isna().to_numpy(), texts, None)


def _text_codes(values: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Codes of the folded text of each cell (-1 when blank) and the vocabulary folded text → code.

    Factorises the cells first and folds only the distinct spellings, so 50,000 cells cost a few
    thousand folds and no per-cell Python call.
    """
    raw_codes, spellings = pd.factorize(values, use_na_sentinel=True)
    folded = [fold_fast(v if isinstance(v, str) else as_text(v)) for v in spellings]
    codes, vocabulary = pd.factorize(pd.Series(folded, dtype=object).replace("", None), use_na_sentinel=True)
    remap = np.append(codes, -1).astype(np.int32)  # a blank cell (code -1) stays -1
    return remap[raw_codes], {v: i for i, v in enumerate(vocabulary)}


def _membership(cells: pd.Series, n: int, allowed: Sequence[str] | None = None) -> tuple[np.ndarray, dict]:
    """A boolean (values + 1, n) matrix: row v says which advocates list value v; the last row is all False.

    Built from the distinct lists (a roster repeats the same few combinations of products), so the work
    is per combination, not per advocate.
    """
    list_codes, distinct = pd.factorize(cells.reset_index(drop=True), use_na_sentinel=True)
    wanted = {fold(v): i for i, v in enumerate(allowed)} if allowed is not None else None
    vocab: dict[str, int] = {} if wanted is None else wanted
    items, lists = [], []
    for index, values in enumerate(distinct):
        for value in values if isinstance(values, (tuple, list)) else split_multi(values):
            folded = fold_cached(value if isinstance(value, str) else as_text(value))
            if wanted is not None:
                code = wanted.get(folded, -1)
            elif folded:
                code = vocab.setdefault(folded, len(vocab))
            else:
                code = -1
            if code >= 0:
                items.append(code)
                lists.append(index)
    per_list = np.zeros((len(vocab) + 1, len(distinct) + 1), dtype=bool)  # last column: a blank cell
    per_list[items, lists] = True
    return per_list[:, list_codes], vocab


def _enum_codes(values: pd.Series, allowed: Sequence[str]) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(allowed)}
    return values.map(lookup).fillna(-1).to_numpy(dtype=np.int8)


def _first_spelling(values: pd.Series) -> list[str]:
    """The first spelling of each folded value, in vocabulary order (for reasons in words)."""
    folded = fold_series(values)
    codes, uniques = pd.factorize(folded)
    names = [""] * len(uniques)
    seen = set()
    for code, value in zip(codes, values, strict=True):
        if code >= 0 and code not in seen:
            names[code] = as_text(value)
            seen.add(code)
            if len(seen) == len(uniques):
                break
    return names


def _asks(program: Program, ids: np.ndarray, as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Per roster position: times asked and times declined, as kit.acceptance counts them."""
    counted = asked_and_declined(program.requests, program.tables.get(schema.HISTORY.name), as_of)
    keys = pd.Series(ids, dtype=object)
    asked = keys.map(counted[ASKED]).fillna(0).to_numpy(dtype=float)
    declined = keys.map(counted[DECLINED]).fillna(0).to_numpy(dtype=float)
    return asked, declined


def _history(
    activities: pd.DataFrame, id_position: Mapping[str, int], n: int, as_of: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per roster position: the last activity day on or before ``as_of`` (``NO_DAY`` if none), and how
    many past activities went well (Positive, or rated 4-5) out of those with a verdict."""
    past = activities[activities[X.date] <= pd.Timestamp(as_of)]
    position = past[X.advocate_id].map(id_position).fillna(-1).to_numpy(dtype=np.int64)
    known = position >= 0
    last = np.full(n, NO_DAY, dtype=np.int64)
    np.maximum.at(last, position[known], ordinals(past[X.date])[known])
    rating = past[X.rating].astype("Float64")
    good = (past[X.outcome].isin(schema.GOOD_OUTCOMES) | (rating >= 4).fillna(False)).to_numpy(dtype=bool)
    judged = (past[X.outcome].isin(schema.JUDGED_OUTCOMES) | rating.notna()).to_numpy(dtype=bool)
    return (
        last,
        np.bincount(position[known], weights=good[known], minlength=n).astype(float),
        np.bincount(position[known], weights=judged[known], minlength=n).astype(float),
    )


def _usage(program: Program, as_of: dt.date, roster: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Uses this quarter and the cap per roster row, as ``kit.usage`` defines them for the whole kit."""
    from kit import usage

    per_id = usage.quarter_usage(program, as_of)
    ids = roster[A.advocate_id]
    uses = ids.map(per_id[usage.USES]).fillna(0).to_numpy(dtype=np.int64)
    cap = ids.map(per_id[usage.CAP]).fillna(program.settings.default_max_per_quarter).to_numpy(dtype=np.int64)
    return uses, cap
