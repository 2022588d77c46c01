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
  b-matching (each request gets at most one advocate, no advocate more than their remaining capacity, nor
  two requests due within their cool-down), exactly, as a sparse assignment problem with scipy (and, when
  the cool-down binds, as an integer program), so that urgent requests and nearer deadlines win when
  capacity is short and the total match quality is as high as possible. Requests nobody can serve are listed with the reason; a
  request whose segment (industry and region as written on it) has no advocate at all is a recruiting gap.

Everything is vectorised over the roster with numpy: the roster is encoded once per program and day
(categorical codes, one boolean row per product, use case and activity), and a request, or a block of
requests, is compared with every advocate in a few array operations.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.cells import as_text, enum_lookup, fold, is_blank, parse_bool, parse_date, split_multi
from kit.errors import InputError
from kit.periods import days_between
from kit.program import ROW_INDEX, Program
from kit.segments import Segment

A, R, X, O = (t.col for t in (schema.ADVOCATES, schema.REQUESTS, schema.ACTIVITIES, schema.OPPORTUNITIES))

# Columns of the result frames (not workbook columns).
SCORE = "score"
FIT = "fit"
REASONS = "reasons"
USES = "uses_this_quarter"
CAP = "cap"
LAST_USED = "last_used"
ELIGIBLE = "eligible"
EXCLUDED = "excluded_because"
REASON_CODE = "reason_code"
REASON = "reason"
SEGMENT = "segment"
WEIGHT = "weight"
USES_BEFORE = "uses_before"
ASSIGNED_NOW = "assigned_now"
CAPACITY_LEFT = "capacity_left"

# The soft criteria, named after the request's columns; each has a ``weight.<criterion>`` setting.
CRITERIA = (R.industry, R.product, R.use_case, R.region, R.company_size, R.persona)
# Per-advocate factors, each in [0, 1], with a ``weight.<factor>`` setting.
FACTORS = ("freshness", "rest", "outcome")

# kit/cli.py's apply_allocation still writes this status; it moves to kit/actions.py, which owns that write.
ASKED_STATUS = "Advocate Asked"

# Candidates kept per request before solving: the problem stays sparse (2,000 requests → ≤ 50,000 edges).
TOP_K = 25
# Requests scored together in one block of array operations (bounds memory: 256 × advocates floats).
BLOCK = 256
# A deadline this many days away or more adds nothing to a request's urgency; overdue adds the most.
DEADLINE_HORIZON_DAYS = 30
# Priority tiers are this far apart in the objective, more than any deadline + match quality difference,
# so a higher-priority request always wins a contested advocate over a lower-priority one.
PRIORITY_STEP = 3.0
DEFAULT_PRIORITY = "Normal"

_NOT_NAMED = -3  # the request does not name this criterion
_UNKNOWN = -2  # the request names a value no advocate has
_NO_DAY = np.iinfo(np.int64).min
# The integer program that spaces an advocate's new requests by the cool-down stops here (docs/performance.md
# has what it takes at 50,000 advocates).
MILP_TIME_LIMIT_SECONDS = 30
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# Company-size match by [wanted, theirs] index (the last index is "not named"/"blank"): adjacent = half.
_SIZE_MATCH = np.zeros((len(schema.COMPANY_SIZES) + 1,) * 2, dtype=np.float32)
for _i in range(len(schema.COMPANY_SIZES)):
    for _j in range(len(schema.COMPANY_SIZES)):
        _SIZE_MATCH[_i, _j] = {0: 1.0, 1: 0.5}.get(abs(_i - _j), 0.0)
# The roster cells whose unreadable spelling the reasons quote (the others cannot be unreadable, or are text).
_UNREADABLE = (A.region, A.company_size, A.persona, A.status, A.activities, A.last_verified)
_GOOD_OUTCOMES = ("Positive",)
_JUDGED_OUTCOMES = ("Positive", "Neutral", "Negative", "No Show")


# ------------------------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class Allocation:
    """A proposed assignment of advocates to all open requests.

    ``assignments``: request_id, advocate_id, name, company, priority, needed_by, score, reasons, weight (the
    pair's value in the objective), one row per served request, most urgent first; index: the sheet row.
    ``unserved``: request_id, reason_code (``recruiting_gap``, ``no_capacity``, ``capacity_taken``,
    ``bad_request``), reason (a sentence), segment.
    ``load``: per advocate given a request now: advocate_id, name, uses_before, assigned_now, cap.
    ``candidates``: the pre-filtered candidate pairs the solver chose among (request_id, advocate_id, score,
    weight, capacity_left), so any other strategy can be compared on the same problem.
    """

    as_of: dt.date
    assignments: pd.DataFrame
    unserved: pd.DataFrame
    load: pd.DataFrame
    candidates: pd.DataFrame = field(repr=False)

    @property
    def total_score(self) -> float:
        return float(self.assignments[SCORE].sum())

    @property
    def objective(self) -> float:
        """The value the solver maximised: Σ over served requests of (urgency value + match quality)."""
        return float(self.assignments[WEIGHT].sum())


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
    matcher = _matcher(program, as_of)
    req = matcher.parse(request)
    if req.problem:
        raise InputError(req.problem)
    enc = matcher.encode([req])
    ros = matcher.roster
    eligible = matcher.eligible(ros, enc)[0]
    points = matcher.points(ros, enc)[0]
    positions = np.flatnonzero(eligible)
    order = np.lexsort((positions, -points[positions]))
    positions = positions[order]
    if top is not None:
        positions = positions[:top]
    frame = matcher.result_frame(req, positions, points[positions])
    warnings = list(req.warnings)
    gap = matcher.gap_text(req)
    if gap:
        warnings.append(gap)
    if not eligible.any():
        warnings.append(f"{_label(req)}: no advocate is eligible (see eligibility() for each one's reason)")
    frame.attrs["warnings"] = warnings
    return frame


def eligibility(
    request: Mapping[str, Any] | pd.Series | str, program: Program, *, as_of: dt.date
) -> pd.DataFrame:
    """Every advocate with ``eligible`` and, when excluded, ``excluded_because`` (each failed rule, ';').

    Columns: advocate_id, name, company, status, eligible, excluded_because, uses_this_quarter, cap,
    last_used; the index is the advocate's sheet row. Raises ``InputError`` like ``rank``.
    """
    matcher = _matcher(program, as_of)
    req = matcher.parse(request)
    if req.problem:
        raise InputError(req.problem)
    return matcher.eligibility_frame(req)


def allocate(program: Program, *, as_of: dt.date, top_k: int = TOP_K) -> Allocation:
    """Assign at most one advocate to every open request (status New or In Progress, nobody assigned).

    The objective, maximised exactly (a sparse assignment over the pre-filtered candidate pairs), is the sum over
    served requests of ``urgency(request) + quality(request, advocate)``: urgency is
    ``1 + 3 × priority tier (Low 0 … Urgent 3) + deadline closeness (0 at 30+ days, 1 when due or overdue)``
    and quality is the advocate's score divided by the best score possible for that request (0 … 1). So the
    solver serves as many requests as capacity allows, gives contested advocates to higher priorities and
    then nearer deadlines, and among equally urgent choices takes the better-matched total. When the
    setting ``allocate_within_segment`` is on (the default), a request is only proposed advocates in its
    own segment (industry and region as written on it); ``rank`` still shows everyone eligible.
    """
    if top_k < 1:
        raise InputError(f"top_k must be at least 1, not {top_k}")
    matcher = _matcher(program, as_of)
    requests = program.requests
    status = requests[R.status]
    open_mask = status.isin(schema.ALLOCATABLE_STATUSES) & _blank(requests[R.advocate_id])
    parsed = matcher.parse_many(requests[open_mask])
    return matcher.allocate(parsed, top_k=top_k)


def recruiting_gaps(program: Program, *, as_of: dt.date) -> pd.DataFrame:
    """Open requests whose segment (industry and region as written on them) has no advocate at all.

    Cheap on purpose (no scoring, no solver): the metrics and reports call it for "requests no advocate
    could serve". ``as_of`` is accepted for symmetry with the other functions (the roster is taken as read).
    Columns: request_id, segment, reason; the index is the request's sheet row.
    """
    del as_of  # the roster as it stands decides a gap
    roster = program.advocates
    industries = set(_folded(roster[A.industry]).dropna())
    regions = set(roster[A.region].dropna())
    pairs = set(zip(_folded(roster[A.industry]), roster[A.region], strict=True))
    requests = program.requests
    open_mask = requests[R.status].isin(schema.ALLOCATABLE_STATUSES) & _blank(requests[R.advocate_id])
    rows = []
    for row, request in requests[open_mask].iterrows():
        industry, region = _text_or_none(request[R.industry]), request[R.region]
        segment = _segment(industry, region)
        if segment is None:
            continue
        wanted = _fold(industry) if industry else None
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


# ------------------------------------------------------------------------------------------------------------
# Requests as the matcher sees them


@dataclass(frozen=True)
class _Request:
    request_id: str | None
    row: int | None
    activity: str | None
    problem: str | None  # why it cannot be matched at all
    wanted: Mapping[str, str]  # criterion → value as written (enums canonical)
    country: str | None
    prospects: tuple[str, ...]  # folded names/ids of the prospect's company and account
    prospect_label: str | None
    needed_by: dt.date | None
    priority: str
    warnings: tuple[str, ...]


def _label(req: _Request) -> str:
    if req.request_id:
        return f"request {req.request_id}"
    return f"Requests row {req.row}" if req.row else "the request"


def _fold_once(text: str) -> str:
    """``cells.fold``, with a fast path for plain ASCII text (where it is lower-casing and spacing only)."""
    if text.isascii():
        return " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    return fold(text)


@functools.lru_cache(maxsize=65_536)
def _fold(text: str) -> str:
    """``cells.fold``, remembered: requests repeat the same few industries, products and companies."""
    return _fold_once(text)


_ENUM_LOOKUPS: dict[tuple[str, ...], dict[str, str]] = {}


def _enum_value(text: str, allowed: tuple[str, ...]) -> str | None:
    lookup = _ENUM_LOOKUPS.get(allowed)
    if lookup is None:
        lookup = _ENUM_LOOKUPS[allowed] = {fold(v): v for v in allowed}
    return lookup.get(_fold(text))


def _text_or_none(value: Any) -> str | None:
    return None if is_blank(value) or isinstance(value, (tuple, list)) else as_text(value)


def _segment(industry: str | None, region: str | None) -> Segment | None:
    conditions = tuple((c, v) for c, v in ((R.industry, industry), (R.region, region)) if v)
    return Segment(conditions) if conditions else None


def _gap_sentence(segment: Segment) -> str:
    return f"no advocate at all in {segment.label}: a recruiting gap"


def _folded(values: pd.Series) -> pd.Series:
    """Each text cell folded (case, accents, spacing), NaN when blank; folds each distinct value once."""
    table = {
        v: _fold_once(v if isinstance(v, str) else as_text(v)) or None for v in pd.unique(values.dropna())
    }
    return values.map(table)


def _blank(values: pd.Series) -> pd.Series:
    """Blank cells of a typed text/id column (the typing already made blank cells None)."""
    return values.isna()


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


def _ordinals(values: pd.Series) -> np.ndarray:
    """Dates as day numbers (``date.toordinal``), ``_NO_DAY`` where missing; vectorised."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    out = days.astype(np.int64) + _EPOCH_ORDINAL
    out[np.isnat(days)] = _NO_DAY
    return out


# ------------------------------------------------------------------------------------------------------------
# The encoded roster


@dataclass
class _Roster:
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
    last_used_day: np.ndarray  # date.toordinal() of the last activity, _NO_DAY when never
    under_cap: np.ndarray
    rested: np.ndarray
    factor_points: np.ndarray  # freshness, rest and outcome points (already weighted)
    freshness: np.ndarray
    rest: np.ndarray
    good: np.ndarray
    judged: np.ndarray
    verified_age: np.ndarray  # days, NaN when never verified
    unreadable: np.ndarray  # (len(_UNREADABLE), n) object: the cell as typed where it could not be read

    def take(self, positions: np.ndarray) -> _Roster:
        values = {}
        for name, array in vars(self).items():
            values[name] = array[:, positions] if array.ndim == 2 else array[positions]
        return _Roster(**values)

    @property
    def base_ok(self) -> np.ndarray:
        """Passes every rule that does not depend on the request."""
        return self.has_id & self.active & ~self.do_not_contact & self.under_cap & self.rested


@dataclass
class _Encoded:
    """A list of requests as code arrays aligned with the roster's vocabularies."""

    requests: Sequence[_Request]
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
    due: np.ndarray  # date.toordinal() of needed_by, _NO_DAY when none
    key: np.ndarray  # code of the request among the open assigned ones (-1 when not one of them)
    max_points: np.ndarray

    def take(self, index: slice | np.ndarray) -> _Encoded:
        values = {
            name: (value[index] if isinstance(value, np.ndarray) else value)
            for name, value in vars(self).items()
        }
        if isinstance(index, slice):
            values["requests"] = list(self.requests)[index]
        else:
            values["requests"] = [self.requests[i] for i in index]
        return _Encoded(**values)


def _text_codes(values: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Codes of the folded text of each cell (-1 when blank) and the vocabulary folded text → code.

    Factorises the cells first and folds only the distinct spellings, so 50,000 cells cost a few
    thousand folds and no per-cell Python call.
    """
    raw_codes, spellings = pd.factorize(values, use_na_sentinel=True)
    folded = [_fold_once(v if isinstance(v, str) else as_text(v)) for v in spellings]
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
            folded = _fold(value if isinstance(value, str) else as_text(value))
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


class _Matcher:
    """The roster encoded for one program and one day; cached, since notebooks rank request after request."""

    def __init__(self, program: Program, as_of: dt.date) -> None:
        self.program = program
        self.as_of = as_of
        settings = program.settings
        self.weights = {c: settings.weight(c) for c in CRITERIA}
        self.factor_weights = {f: settings.weight(f) for f in FACTORS}
        self.cooldown = max(settings.cooldown_days, 0)
        # Two requests due fewer days apart than this clash for one advocate (the same day, even at cool-down 0).
        self.cooldown_window = max(self.cooldown, 1)
        self.stale_after = max(settings.stale_after_days, 1)
        self.rest_full = max(settings.integer("rest_full_days"), 1)
        within = parse_bool(settings.text("allocate_within_segment"))
        self.within_segment = True if within is None else within
        self.today = as_of.toordinal()
        self._encode_roster(program.advocates)
        self._encode_open_assignments(program.requests)
        opportunities = program.opportunities
        self.opportunity_account = dict(
            zip(opportunities[O.opportunity_id], opportunities[O.account], strict=True)
        )

    # -- roster --------------------------------------------------------------------------------------------

    def _encode_roster(self, frame: pd.DataFrame) -> None:
        n = len(frame)
        self.frame = frame
        ids = frame[A.advocate_id].to_numpy(dtype=object)
        industry, self.industry_vocab = _text_codes(frame[A.industry])
        country, self.country_vocab = _text_codes(frame[A.country])
        both = pd.concat([frame[A.company], frame[A.account_id]], ignore_index=True)
        company_codes, self.company_vocab = _text_codes(both)
        products, self.product_vocab = _membership(frame[A.products], n)
        use_cases, self.use_case_vocab = _membership(frame[A.use_cases], n)
        agreed, _ = _membership(frame[A.activities], n, schema.ACTIVITY_TYPES)
        uses, cap = _usage(self.program, self.as_of, frame)
        # The first row of each id (the validator reports duplicates); ids are typed, stripped text.
        id_series = pd.Series(ids)
        first = id_series[id_series.notna() & ~id_series.duplicated()]
        self.id_position = dict(zip(first.to_numpy(), first.index.to_numpy(), strict=True))
        last_day, good, judged = _history(self.program.activities, self.id_position, n, self.as_of)
        since = np.where(last_day == _NO_DAY, np.inf, self.today - last_day)
        verified = frame[A.last_verified]
        verified_age = days_between(verified, self.as_of).to_numpy(dtype=float)
        freshness = np.clip(1 - verified_age / self.stale_after, 0, 1)
        freshness = np.where(np.isnan(freshness), 0.0, freshness)
        rest = np.clip(since / self.rest_full, 0, 1)
        outcome = np.divide(good, judged, out=np.zeros(n), where=judged > 0)
        fw = self.factor_weights
        self.roster = _Roster(
            rows=frame.index.to_numpy(),
            pos=np.arange(n),
            ids=ids,
            has_id=~_blank(frame[A.advocate_id]).to_numpy(dtype=bool),
            active=(frame[A.status] == schema.ACTIVE_STATUS).to_numpy(dtype=bool),
            do_not_contact=(frame[A.status] == "Do Not Contact").to_numpy(dtype=bool),
            industry=industry,
            region=_enum_codes(frame[A.region], schema.REGIONS),
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
            rested=since >= self.cooldown,
            factor_points=(fw["freshness"] * freshness + fw["rest"] * rest + fw["outcome"] * outcome).astype(
                np.float32
            ),
            freshness=freshness,
            rest=rest,
            good=good,
            judged=judged,
            verified_age=verified_age,
            unreadable=np.array(
                [_unreadable(frame, self.program.raw.get(schema.ADVOCATES.name), c) for c in _UNREADABLE],
                dtype=object,
            ).reshape(len(_UNREADABLE), n),
        )
        self.industry_names = _first_spelling(frame[A.industry])
        self.country_names = _first_spelling(frame[A.country])
        # Who exists in each segment (any status): recruiting gaps are about the roster, not availability.
        self.segment_pairs = set(zip(industry.tolist(), self.roster.region.tolist(), strict=True))
        self.segment_industries = set(industry.tolist())
        self.segment_regions = set(self.roster.region.tolist())

    def _encode_open_assignments(self, requests: pd.DataFrame) -> None:
        """Open requests with an advocate and a date: the advocate is booked around that date."""
        booked = requests[
            requests[R.status].isin(schema.OPEN_REQUEST_STATUSES)
            & ~_blank(requests[R.advocate_id])
            & requests[R.needed_by].notna()
        ]
        positions = booked[R.advocate_id].map(lambda v: self.id_position.get(as_text(v), -1)).to_numpy()
        keep = positions >= 0
        booked = booked[keep]
        self.open_position = positions[keep].astype(np.int64)
        self.open_due = _ordinals(booked[R.needed_by])
        self.open_ids = booked[R.request_id].to_numpy(dtype=object)
        self.open_key = {as_text(r): i for i, r in enumerate(self.open_ids) if not is_blank(r)}

    # -- requests ------------------------------------------------------------------------------------------

    def parse(self, request: Mapping[str, Any] | pd.Series | str) -> _Request:
        """A request from an id, a Requests row or a mapping; problems become a message, never an exception."""
        program = self.program
        if isinstance(request, str):
            request = _find_request(program, request)
        if isinstance(request, pd.Series):
            row = request.name if isinstance(request.name, (int, np.integer)) else None
            values = request.to_dict()
        elif isinstance(request, Mapping):
            row, values = None, dict(request)
        else:
            raise InputError(
                "a request is a request id, a row of the Requests tab or a mapping of its columns, "
                f"not {type(request).__name__}"
            )
        raw_tab = program.raw.get(schema.REQUESTS.name)
        raw = None
        if raw_tab is not None and row is not None and row in raw_tab.index:
            raw = raw_tab.loc[row].to_dict()
        return self.parse_values(values, row, raw)

    def parse_many(self, frame: pd.DataFrame) -> list[_Request]:
        """Many rows of ``program.requests`` at once (the raw cells are fetched in one go)."""
        raw_tab = self.program.raw.get(schema.REQUESTS.name)
        raws: dict[Any, dict] = {}
        if raw_tab is not None:
            rows = frame.index.intersection(raw_tab.index)
            raws = raw_tab.loc[rows].to_dict("index")
        records = frame.to_dict("index")
        return [self.parse_values(values, row, raws.get(row)) for row, values in records.items()]

    def parse_values(self, values: Mapping[str, Any], row: Any, raw: Mapping[str, Any] | None) -> _Request:
        request_id = _text_or_none(values.get(R.request_id))
        if raw is not None and as_text(raw.get(R.request_id)) != (request_id or ""):
            raw = None  # not the sheet's row after all (a copy with another index)
        row = int(row) if isinstance(row, (int, np.integer)) else None
        label = f"request {request_id}" if request_id else (f"Requests row {row}" if row else "the request")
        warnings: list[str] = []

        def text_of(column: str) -> str:
            value = values.get(column)
            if not is_blank(value):
                return as_text(value)
            return as_text(raw.get(column)) if raw is not None else ""

        def enum(column: str, allowed: Sequence[str]) -> str | None:
            value = values.get(column)
            if isinstance(value, str) and value in allowed:
                return value  # already typed
            text = text_of(column)
            if not text:
                return None
            parsed = _enum_value(text, allowed)
            if parsed is None and column != R.activity:
                warnings.append(f"{label}: {column} {text!r} is not one of {', '.join(allowed)}; ignored")
            return parsed

        activity = enum(R.activity, schema.ACTIVITY_TYPES)
        problem = None
        if activity is None:
            activity_text = text_of(R.activity)
            problem = (
                f"{label}: activity {activity_text!r} is not one of {', '.join(schema.ACTIVITY_TYPES)}"
                if activity_text
                else f"{label}: names no activity; say what the advocate is asked to do"
            )
        wanted: dict[str, str] = {}
        for column in (R.industry, R.product, R.use_case):
            text = _text_or_none(values.get(column))
            if text:
                wanted[column] = text
        for column, allowed in (
            (R.region, schema.REGIONS),
            (R.company_size, schema.COMPANY_SIZES),
            (R.persona, schema.PERSONAS),
        ):
            value = enum(column, allowed)
            if value:
                wanted[column] = value
        if not wanted:
            warnings.append(
                f"{label}: names no industry, product, use case, region, company size or persona; "
                "ranked by rest and freshness only"
            )
        country = _text_or_none(values.get(A.country))

        prospects: list[str] = []
        prospect_label = _text_or_none(values.get(R.prospect_company))
        if prospect_label:
            prospects.append(_fold(prospect_label))
        opportunity = _text_or_none(values.get(R.opportunity_id))
        if opportunity:
            if opportunity not in self.opportunity_account:
                warnings.append(
                    f"{label}: opportunity {opportunity} is not in the Opportunities tab; "
                    "the prospect is known from prospect_company only"
                )
            else:
                account = self.opportunity_account[opportunity]
                if not is_blank(account):
                    prospects.append(_fold(as_text(account)))
                    prospect_label = prospect_label or as_text(account)

        needed = values.get(R.needed_by)
        needed_by = parse_date(needed)
        if needed_by is None and text_of(R.needed_by):
            warnings.append(
                f"{label}: needed_by {text_of(R.needed_by)!r} is not a date; treated as no deadline"
            )
        elif needed_by is not None and needed_by < self.as_of:
            days = (self.as_of - needed_by).days
            warnings.append(f"{label}: was needed by {needed_by.isoformat()}, {days} days ago")
        priority = enum(R.priority, schema.PRIORITIES) or DEFAULT_PRIORITY
        status = enum(R.status, schema.REQUEST_STATUSES)
        if status and status not in schema.OPEN_REQUEST_STATUSES:
            warnings.append(f"{label}: is {status}, not open; ranked anyway")
        assigned = _text_or_none(values.get(R.advocate_id))
        if assigned:
            warnings.append(f"{label}: already has advocate {assigned} assigned")
        return _Request(
            request_id=request_id,
            row=row,
            activity=activity,
            problem=problem,
            wanted=wanted,
            country=country,
            prospects=tuple(dict.fromkeys(prospects)),
            prospect_label=prospect_label,
            needed_by=needed_by,
            priority=priority,
            warnings=tuple(warnings),
        )

    def encode(self, requests: Sequence[_Request]) -> _Encoded:
        def code(value: str | None, vocab: Mapping[str, int], missing: int = _UNKNOWN) -> int:
            if value is None:
                return _NOT_NAMED
            return vocab.get(_fold(value), missing)

        def member(value: str | None, vocab: Mapping[str, int]) -> int:
            return vocab.get(_fold(value), len(vocab)) if value else len(vocab)

        def index(value: str | None, values: Sequence[str]) -> int:
            return values.index(value) if value in values else _NOT_NAMED

        weights = self.weights
        named = [[c in r.wanted and weights[c] > 0 for c in CRITERIA] for r in requests]
        criteria_max = np.array(
            [sum(weights[c] for c, on in zip(CRITERIA, row, strict=True) if on) for row in named], dtype=float
        )
        prospect = [
            [self.company_vocab.get(p, _UNKNOWN) for p in r.prospects] + [_NOT_NAMED, _NOT_NAMED]
            for r in requests
        ]
        activity_rows = len(schema.ACTIVITY_TYPES)
        return _Encoded(
            requests=list(requests),
            industry=np.array(
                [code(r.wanted.get(R.industry), self.industry_vocab) for r in requests], np.int32
            ),
            product=np.array(
                [member(r.wanted.get(R.product), self.product_vocab) for r in requests], np.int64
            ),
            product_named=np.array([R.product in r.wanted for r in requests], dtype=bool),
            use_case=np.array(
                [member(r.wanted.get(R.use_case), self.use_case_vocab) for r in requests], np.int64
            ),
            use_case_named=np.array([R.use_case in r.wanted for r in requests], dtype=bool),
            region=np.array([index(r.wanted.get(R.region), schema.REGIONS) for r in requests], np.int8),
            country=np.array(
                [
                    code(r.country, self.country_vocab) if r.wanted.get(R.region) else _NOT_NAMED
                    for r in requests
                ],
                np.int32,
            ),
            size=np.array(
                [index(r.wanted.get(R.company_size), schema.COMPANY_SIZES) for r in requests], np.int8
            ),
            persona=np.array([index(r.wanted.get(R.persona), schema.PERSONAS) for r in requests], np.int8),
            activity=np.array(
                [schema.ACTIVITY_TYPES.index(r.activity) if r.activity else activity_rows for r in requests],
                np.int64,
            ),
            prospect1=np.array([p[0] for p in prospect], np.int32),
            prospect2=np.array([p[1] for p in prospect], np.int32),
            due=np.array(
                [r.needed_by.toordinal() if r.needed_by else _NO_DAY for r in requests], dtype=np.int64
            ),
            key=np.array([self.open_key.get(r.request_id or "", -1) for r in requests], dtype=np.int64),
            max_points=criteria_max + sum(self.factor_weights.values()),
        )

    # -- rules and scores over a block of requests × a roster ----------------------------------------------

    def failures(self, ros: _Roster, enc: _Encoded) -> dict[str, np.ndarray]:
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
        return {
            "no_id": each(~ros.has_id),
            "do_not_contact": each(ros.do_not_contact),
            "not_active": each(~ros.active & ~ros.do_not_contact),
            "not_agreed": ~ros.agreed[enc.activity],
            "at_prospect": at_prospect,
            "at_cap": each(~ros.under_cap),
            "resting": each(~ros.rested),
            "booked": self.booked(ros, enc),
        }

    def eligible(self, ros: _Roster, enc: _Encoded) -> np.ndarray:
        ok = np.broadcast_to(ros.base_ok, (len(enc.requests), len(ros.ids))).copy()
        ok &= ros.agreed[enc.activity]
        for prospect in (enc.prospect1, enc.prospect2):
            if (prospect >= 0).any():
                wanted = prospect[:, None]
                ok &= (ros.company[None, :] != wanted) & (ros.account[None, :] != wanted)
        if self.open_due.size:
            ok &= ~self.booked(ros, enc)
        return ok

    def booked(self, ros: _Roster, enc: _Encoded) -> np.ndarray:
        """Advocates already assigned to another open request due within the cool-down of this one's date."""
        b, n = len(enc.requests), len(ros.ids)
        busy = np.zeros((b, n), dtype=bool)
        if not self.open_due.size or not (enc.due != _NO_DAY).any():
            return busy
        close = np.abs(self.open_due[None, :] - enc.due[:, None]) < self.cooldown_window
        close &= (enc.due != _NO_DAY)[:, None]
        close &= np.arange(self.open_due.size)[None, :] != enc.key[:, None]
        # Map the roster's global positions onto this (possibly subset) roster's positions.
        local = self._local_positions(ros)
        r, c = np.nonzero(close)
        target = local[self.open_position[c]]
        keep = target >= 0
        busy[r[keep], target[keep]] = True
        return busy

    def _local_positions(self, ros: _Roster) -> np.ndarray:
        if ros is self.roster:
            return np.arange(len(ros.ids))
        local = np.full(len(self.roster.ids), -1, dtype=np.int64)
        local[ros.pos] = np.arange(len(ros.ids))
        return local

    def points(self, ros: _Roster, enc: _Encoded) -> np.ndarray:
        """Each advocate's score for each request: weighted criteria plus the freshness/rest/outcome points."""
        b, n = len(enc.requests), len(ros.ids)
        total = np.empty((b, n), dtype=np.float32)
        total[:] = ros.factor_points
        w = {c: np.float32(v) for c, v in self.weights.items()}
        if w[R.industry] and (enc.industry != _NOT_NAMED).any():
            np.add(total, w[R.industry], out=total, where=ros.industry[None, :] == enc.industry[:, None])
        if w[R.product] and enc.product_named.any():
            np.add(total, w[R.product], out=total, where=ros.products[enc.product])
        if w[R.use_case] and enc.use_case_named.any():
            np.add(total, w[R.use_case], out=total, where=ros.use_cases[enc.use_case])
        if w[R.region] and (enc.region != _NOT_NAMED).any():
            same = ros.region[None, :] == enc.region[:, None]
            has_country = enc.country != _NOT_NAMED
            if has_country.any():
                # With a country on the request: same country is a full match, same region elsewhere half.
                elsewhere = same & has_country[:, None] & (ros.country[None, :] != enc.country[:, None])
                np.add(total, w[R.region] / 2, out=total, where=elsewhere)
                same &= ~elsewhere
            np.add(total, w[R.region], out=total, where=same)
        if w[R.company_size] and (enc.size != _NOT_NAMED).any():
            # Adjacent company sizes are near matches: half the weight. Lookup: _SIZE_MATCH[wanted, theirs].
            table = _SIZE_MATCH * w[R.company_size]
            wanted = np.where(enc.size >= 0, enc.size, len(schema.COMPANY_SIZES))
            total += table[wanted[:, None], ros.size[None, :]]
        if w[R.persona] and (enc.persona != _NOT_NAMED).any():
            np.add(total, w[R.persona], out=total, where=ros.persona[None, :] == enc.persona[:, None])
        return total

    def in_segment(self, ros: _Roster, enc: _Encoded) -> np.ndarray:
        b, n = len(enc.requests), len(ros.ids)
        inside = np.ones((b, n), dtype=bool)
        named = enc.industry != _NOT_NAMED
        if named.any():
            inside &= ~named[:, None] | (ros.industry[None, :] == enc.industry[:, None])
        named = enc.region != _NOT_NAMED
        if named.any():
            inside &= ~named[:, None] | (ros.region[None, :] == enc.region[:, None])
        return inside

    def gap_text(self, req: _Request) -> str | None:
        """The recruiting-gap sentence when the request's segment has no advocate at all, else None."""
        industry, region = req.wanted.get(R.industry), req.wanted.get(R.region)
        segment = _segment(industry, region)
        if segment is None:
            return None
        ind = self.industry_vocab.get(_fold(industry), _UNKNOWN) if industry else None
        reg = schema.REGIONS.index(region) if region else None
        if ind is not None and reg is not None:
            missing = (ind, reg) not in self.segment_pairs
        elif ind is not None:
            missing = ind not in self.segment_industries
        else:
            missing = reg not in self.segment_regions
        return _gap_sentence(segment) if missing else None

    # -- words ---------------------------------------------------------------------------------------------

    def reasons(self, enc: _Encoded, which: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The reasons sentence for each pair (request ``enc.requests[which[i]]``, advocate ``positions[i]``).

        Vectorised over the pairs with object arrays and small lookup tables: a few array operations per
        criterion, not a Python call per pair.
        """
        ros = self.roster
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
            typed = ros.unreadable[_UNREADABLE.index(column)][positions]
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
                if column in _UNREADABLE:
                    text = unknown(column, noun, text)
                parts.append(np.where(named, text, None))

        exact(R.industry, "industry", ros.industry[positions], enc.industry[which], self.industry_names)
        for column, matrix, rows, noun in (
            (R.product, ros.products, enc.product, "product"),
            (R.use_case, ros.use_cases, enc.use_case, "use case"),
        ):
            want, named = wanted(column)
            if named.any():
                has = matrix[rows[which], positions]
                parts.append(
                    np.where(named, np.where(has, f"same {noun} (" + want + ")", "no " + want), None)
                )
        want, named = wanted(R.region)
        if named.any():
            codes = ros.region[positions]
            same = codes == enc.region[which]
            text = np.where(
                same, "same region (" + want + ")", names(schema.REGIONS, codes, "no region") + " ≠ " + want
            )
            country = enc.country[which]
            elsewhere = same & (country != _NOT_NAMED) & (ros.country[positions] != country)
            if elsewhere.any():
                asked = np.array([r.country or "" for r in requests], dtype=object)[which]
                theirs = names(self.country_names, ros.country[positions], "no country")
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
        never = last_day == _NO_DAY
        days = self.today - np.where(never, self.today, last_day)
        parts.append(np.where(never, "never used", "last used " + _numbers(days) + " days ago"))
        age = ros.verified_age[positions]
        unknown_age = np.isnan(age)
        stale = unknown_age | (age > self.stale_after)
        age_text = "profile not verified for " + _numbers(np.where(unknown_age, 0, age)) + " days"
        typed = ros.unreadable[_UNREADABLE.index(A.last_verified)][positions]
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

        sentence = np.full(len(positions), "", dtype=object)
        for part in parts:
            present = part != None  # noqa: E711 - elementwise on an object array
            joined = sentence + np.where(sentence == "", "", ", ") + np.where(present, part, "")
            sentence = np.where(present, joined, sentence)
        return sentence

    def result_frame(self, req: _Request, positions: np.ndarray, points: np.ndarray) -> pd.DataFrame:
        ros, frame = self.roster, self.frame
        enc = self.encode([req])
        factor = ros.factor_points[positions]
        criteria_max = enc.max_points[0] - sum(self.factor_weights.values())
        fit = (points - factor) / criteria_max if criteria_max > 0 else np.full(len(positions), np.nan)
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
                REASONS: self.reasons(enc, np.zeros(len(positions), dtype=np.int64), positions),
                USES: ros.uses[positions],
                CAP: ros.cap[positions],
                LAST_USED: _dates(ros.last_used_day[positions]),
                A.last_verified: picked[A.last_verified].to_numpy(),
            },
            index=pd.Index(ros.rows[positions], name=frame.index.name),
        )

    def eligibility_frame(self, req: _Request) -> pd.DataFrame:
        ros, frame = self.roster, self.frame
        enc = self.encode([req])
        failed = {rule: mask[0] for rule, mask in self.failures(ros, enc).items()}
        n = len(ros.ids)
        statuses = frame[A.status].to_numpy(dtype=object)
        last_used = _dates(ros.last_used_day)
        texts = {
            "no_id": np.full(n, "has no advocate_id", dtype=object),
            "do_not_contact": np.full(n, "marked Do Not Contact", dtype=object),
            "not_active": self._quoted(
                ros,
                A.status,
                ("status is " + pd.Series(statuses).fillna("empty").astype(str)).to_numpy(object),
                'status "{}" unreadable',
            ),
            "not_agreed": self._quoted(
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
                "resting: last used " + pd.Series(last_used).astype(str) + f", cool-down {self.cooldown} days"
            ).to_numpy(object),
            "booked": self._booked_texts(ros, enc, failed["booked"]),
        }
        because = np.full(n, "", dtype=object)
        for rule, mask in failed.items():
            because = np.where(mask, because + texts[rule] + "; ", because)
        because = pd.Series(because).str[:-2]
        eligible = ~np.logical_or.reduce(list(failed.values()))
        return pd.DataFrame(
            {
                A.advocate_id: frame[A.advocate_id].to_numpy(),
                A.name: frame[A.name].to_numpy(),
                A.company: frame[A.company].to_numpy(),
                A.status: statuses,
                ELIGIBLE: eligible,
                EXCLUDED: because.where(~eligible, "").to_numpy(),
                USES: ros.uses,
                CAP: ros.cap,
                LAST_USED: last_used,
            },
            index=frame.index,
        )

    @staticmethod
    def _quoted(ros: _Roster, column: str, texts: np.ndarray, template: str) -> np.ndarray:
        """``texts``, or where the advocate's ``column`` could not be read, ``template`` quoting the cell: a
        hard rule refuses on an unreadable cell of its own, and says that is why."""
        typed = ros.unreadable[_UNREADABLE.index(column)]
        out = texts.copy()
        for i in np.flatnonzero(typed != None):  # noqa: E711 - elementwise on an object array
            out[i] = template.format(typed[i])
        return out

    def _booked_texts(self, ros: _Roster, enc: _Encoded, booked: np.ndarray) -> np.ndarray:
        texts = np.full(len(ros.ids), "", dtype=object)
        if not booked.any():
            return texts
        due = enc.due[0]
        for i in np.flatnonzero(np.abs(self.open_due - due) < self.cooldown_window):
            if i == enc.key[0]:
                continue
            position = self.open_position[i]
            day = dt.date.fromordinal(int(self.open_due[i]))
            texts[position] = f"already booked for {self.open_ids[i]} due {day.isoformat()}"
        return texts

    # -- allocation ----------------------------------------------------------------------------------------

    def allocate(self, requests: Sequence[_Request], *, top_k: int) -> Allocation:
        unserved: list[tuple[Any, ...]] = []
        servable: list[_Request] = []
        for req in requests:
            segment = _segment(req.wanted.get(R.industry), req.wanted.get(R.region))
            seg_text = str(segment) if segment else ""
            if req.problem:
                unserved.append((req.row, req.request_id, "bad_request", req.problem, seg_text))
                continue
            if req.request_id is None:
                problem = (
                    f"Requests row {req.row} has no request_id; give it one so an advocate can be assigned"
                )
                unserved.append((req.row, None, "bad_request", problem, seg_text))
                continue
            gap = self.gap_text(req)
            if gap and self.within_segment:
                unserved.append((req.row, req.request_id, "recruiting_gap", gap, seg_text))
                continue
            servable.append(req)

        enc_all = self.encode(servable)
        e_req, e_pos, e_score, eligible_count = self._candidates(enc_all, top_k)
        urgency = np.array([self.urgency(r) for r in servable], dtype=float)
        quality = e_score / enc_all.max_points[e_req] if len(e_req) else np.zeros(0)
        e_weight = urgency[e_req] + quality
        capacity = (self.roster.cap - self.roster.uses).clip(min=0)
        chosen = self._solve_spaced(e_req, e_pos, e_weight, capacity, enc_all.due)

        ids = self.roster.ids
        candidates = pd.DataFrame(
            {
                R.request_id: [servable[i].request_id for i in e_req],
                R.advocate_id: ids[e_pos],
                SCORE: np.round(e_score, 2),
                WEIGHT: np.round(e_weight, 4),
                CAPACITY_LEFT: capacity[e_pos],
            }
        )
        assignments = self._assignment_frame(
            enc_all, e_req[chosen], e_pos[chosen], e_score[chosen], e_weight[chosen]
        )
        served = set(e_req[chosen].tolist())
        taken_by: dict[int, list[int]] = {}
        for i, position in zip(e_req[chosen], e_pos[chosen], strict=True):
            taken_by.setdefault(int(position), []).append(int(i))
        for i, req in enumerate(servable):
            if i in served:
                continue
            segment = _segment(req.wanted.get(R.industry), req.wanted.get(R.region))
            seg_text = str(segment) if segment else ""
            if eligible_count[i] > 0:
                reason = self._outranked(i, e_pos[e_req == i], taken_by, capacity, enc_all.due, servable)
                reason = f"its {eligible_count[i]} eligible advocate(s) {reason}"
                unserved.append((req.row, req.request_id, "capacity_taken", reason, seg_text))
            else:
                unserved.append((req.row, req.request_id, "no_capacity", self._nobody_free(req), seg_text))
        unserved_frame = pd.DataFrame(
            unserved, columns=[ROW_INDEX, R.request_id, REASON_CODE, REASON, SEGMENT]
        ).set_index(ROW_INDEX)
        return Allocation(
            as_of=self.as_of,
            assignments=assignments,
            unserved=unserved_frame,
            load=self._load_frame(e_pos[chosen]),
            candidates=candidates,
        )

    def _outranked(
        self,
        request: int,
        candidates: np.ndarray,
        taken_by: Mapping[int, list[int]],
        capacity: np.ndarray,
        due: np.ndarray,
        servable: Sequence[_Request],
    ) -> str:
        """Why a request with eligible advocates got none: they are full with other requests, or still have
        room but are booked for a request due within their cool-down of this one's date."""
        full: set[int] = set()
        spaced: set[int] = set()
        for position in candidates:
            taken = taken_by.get(int(position), [])
            near = [
                t
                for t in taken
                if due[request] != _NO_DAY and abs(int(due[t]) - int(due[request])) < self.cooldown_window
            ]
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
            parts.append(
                f"are booked for requests due within their {self.cooldown_window}-day cool-down ({named(spaced)})"
            )
        return " or ".join(parts)

    def _solve_spaced(
        self, req: np.ndarray, pos: np.ndarray, weight: np.ndarray, capacity: np.ndarray, due: np.ndarray
    ) -> np.ndarray:
        """``_solve``, with no advocate given two requests due within the cool-down of each other (the rule
        ``booked`` applies to requests already assigned), still exactly.

        The b-matching has no such constraint; when its answer gives someone two requests that close, the
        problem is solved again as an integer program with the cool-down as constraints (``_solve_with_cooldown``).
        """
        chosen = _solve(req, pos, weight, capacity, len(due))
        clashing = _clashing(chosen, pos, weight, due[req], self.cooldown_window)
        if not clashing.size:
            return chosen
        spaced = _solve_with_cooldown(req, pos, weight, capacity, due[req], self.cooldown_window)
        return spaced if spaced is not None else np.setdiff1d(chosen, clashing)

    def _candidates(self, enc_all: _Encoded, top_k: int) -> tuple[np.ndarray, ...]:
        """The top ``top_k`` eligible advocates of each request as edges (request, roster position, score).

        Only advocates passing the request-independent rules are scored, and with ``within_segment`` each
        group of requests sharing a segment is scored against that segment's advocates only, so 2,000
        requests over 50,000 advocates cost a few million comparisons, not a hundred million.
        """
        roster = self.roster
        base = roster.base_ok
        count = np.zeros(len(enc_all.requests), dtype=np.int64)
        edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if self.within_segment:
            keys = np.stack([enc_all.industry.astype(np.int64), enc_all.region.astype(np.int64)], axis=1)
            groups, group_of = np.unique(keys, axis=0, return_inverse=True)
            group_of = group_of.reshape(-1)
        else:
            groups, group_of = np.zeros((1, 2), dtype=np.int64) + _NOT_NAMED, np.zeros(len(count), np.int64)
        for g, (industry, region) in enumerate(groups):
            members = np.flatnonzero(group_of == g)
            inside = base.copy()
            if industry != _NOT_NAMED:
                inside &= roster.industry == industry
            if region != _NOT_NAMED:
                inside &= roster.region == region
            columns = np.flatnonzero(inside)
            if not columns.size:
                continue
            ros = roster.take(columns)
            k = min(top_k, columns.size)
            for start in range(0, members.size, BLOCK):
                which = members[start : start + BLOCK]
                enc = enc_all.take(which)
                ok = self.eligible(ros, enc)
                count[which] = ok.sum(axis=1)
                score = self.points(ros, enc)
                score[~ok] = -np.inf
                if k < columns.size:
                    top = np.argpartition(-score, k - 1, axis=1)[:, :k]
                else:
                    top = np.broadcast_to(np.arange(columns.size), score.shape)
                top_scores = np.take_along_axis(score, top, axis=1)
                r, c = np.nonzero(np.isfinite(top_scores))
                edges.append((which[r], columns[top[r, c]], top_scores[r, c].astype(float)))
        if not edges:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0), count
        e_req, e_pos, e_score = (np.concatenate(part) for part in zip(*edges, strict=True))
        return e_req, e_pos, e_score, count

    def urgency(self, req: _Request) -> float:
        """1 + 3 × priority tier + deadline closeness in [0, 1]: the request's value when served."""
        tier = schema.PRIORITIES.index(req.priority)
        if req.needed_by is None:
            closeness = 0.0
        else:
            days = (req.needed_by - self.as_of).days
            closeness = float(np.clip(1 - days / DEADLINE_HORIZON_DAYS, 0, 1))
        return 1.0 + PRIORITY_STEP * tier + closeness

    def _nobody_free(self, req: _Request) -> str:
        """Why nobody could take the request: the first failed rule of each advocate in its segment."""
        enc = self.encode([req])
        inside = (
            self.in_segment(self.roster, enc)[0]
            if self.within_segment
            else np.ones(len(self.roster.ids), bool)
        )
        segment = _segment(req.wanted.get(R.industry), req.wanted.get(R.region))
        where = f"in {segment.label}" if segment and self.within_segment else "on the roster"
        total = int(inside.sum())
        if total == 0:
            return f"no advocate {where}"
        # Only the segment's advocates are checked rule by rule.
        failed = self.failures(self.roster.take(np.flatnonzero(inside)), enc)
        remaining = np.ones(total, dtype=bool)
        counts = []
        words = {
            "no_id": "have no advocate_id",
            "do_not_contact": "are Do Not Contact",
            "not_active": "are not Active",
            "not_agreed": f"have not agreed to {req.activity}",
            "at_prospect": "work at the prospect",
            "at_cap": "are at their quarterly cap",
            "resting": "are resting after a recent activity",
            "booked": "are booked for another request around that date",
        }
        for rule, mask in failed.items():
            hit = remaining & mask[0]
            if hit.any():
                counts.append(f"{int(hit.sum())} {words[rule]}")
                remaining &= ~hit
        return f"{total} advocate(s) {where}, none free: " + ", ".join(counts)

    def _assignment_frame(
        self, enc: _Encoded, which: np.ndarray, positions: np.ndarray, scores: np.ndarray, weights: np.ndarray
    ) -> pd.DataFrame:
        requests = [enc.requests[i] for i in which]
        frame = pd.DataFrame(
            {
                ROW_INDEX: [r.row for r in requests],
                R.request_id: [r.request_id for r in requests],
                R.advocate_id: self.roster.ids[positions],
                A.name: self.frame[A.name].to_numpy()[positions],
                A.company: self.frame[A.company].to_numpy()[positions],
                R.priority: [r.priority for r in requests],
                R.needed_by: [r.needed_by for r in requests],
                SCORE: np.round(scores, 2),
                REASONS: self.reasons(enc, which, positions),
                WEIGHT: np.round(weights, 4),
            }
        )
        frame = frame.sort_values([WEIGHT, R.request_id], ascending=[False, True], kind="stable")
        return frame.set_index(ROW_INDEX)

    def _load_frame(self, positions: np.ndarray) -> pd.DataFrame:
        unique, counts = np.unique(positions, return_counts=True)
        ros = self.roster
        return pd.DataFrame(
            {
                A.advocate_id: ros.ids[unique],
                A.name: self.frame[A.name].to_numpy()[unique],
                USES_BEFORE: ros.uses[unique],
                ASSIGNED_NOW: counts,
                CAP: ros.cap[unique],
            },
            index=pd.Index(ros.rows[unique], name=self.frame.index.name),
        )


# ------------------------------------------------------------------------------------------------------------
# Helpers


def _solve(
    req: np.ndarray, pos: np.ndarray, weight: np.ndarray, capacity: np.ndarray, n_requests: int
) -> np.ndarray:
    """Maximum-weight b-matching over candidate edges (request, advocate); returns the chosen edges.

    Each request gets at most one edge, each advocate at most ``capacity`` edges. Solved exactly as a
    sparse assignment problem (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, LAPJVsp): an
    advocate becomes one column per capacity slot they could fill, and each request gets its own
    "unserved" column, so a full matching always exists; costs are ``big − weight`` (``big`` for
    unserved), so the cheapest full matching is the heaviest b-matching.
    """
    if len(req) == 0:
        return np.zeros(0, dtype=np.int64)
    from scipy import sparse  # imported here: `import kit` stays light
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    advocates, adv = np.unique(pos, return_inverse=True)
    adv = adv.reshape(-1)
    degree = np.bincount(adv, minlength=len(advocates))
    slots = np.minimum(capacity[advocates], degree)  # more slots than candidate edges would never fill
    first_slot = np.concatenate([[0], np.cumsum(slots)[:-1]])
    copies = slots[adv]  # each edge is repeated once per slot of its advocate
    edge = np.repeat(np.arange(len(req)), copies)
    offset = np.arange(copies.sum()) - np.repeat(np.cumsum(copies) - copies, copies)
    n_slots = int(slots.sum())
    big = float(weight.max()) + 1.0
    matrix = sparse.csr_array(
        (
            np.concatenate([big - weight[edge], np.full(n_requests, big)]),
            (
                np.concatenate([req[edge], np.arange(n_requests)]),
                np.concatenate([first_slot[adv[edge]] + offset, n_slots + np.arange(n_requests)]),
            ),
        ),
        shape=(n_requests, n_slots + n_requests),
    )
    rows, columns = min_weight_full_bipartite_matching(matrix)
    served = columns < n_slots
    slot_owner = np.repeat(np.arange(len(advocates)), slots)
    # Back from (request, slot) to the edge (request, advocate): one edge per pair, found by key.
    wanted_keys = rows[served].astype(np.int64) * len(advocates) + slot_owner[columns[served]]
    edge_keys = req.astype(np.int64) * len(advocates) + adv
    order = np.argsort(edge_keys, kind="stable")
    found = order[np.searchsorted(edge_keys, wanted_keys, sorter=order)]
    return np.sort(found)


def _solve_with_cooldown(
    req: np.ndarray, pos: np.ndarray, weight: np.ndarray, capacity: np.ndarray, due: np.ndarray, window: int
) -> np.ndarray | None:
    """The heaviest set of edges (request, advocate) with each request at most once, each advocate at most
    ``capacity`` times, and no advocate on two requests due less than ``window`` days apart.

    Solved as a 0/1 integer program by HiGHS (``scipy.optimize.milp``). The cool-down is one constraint
    per advocate and due day ``d``: at most one of their requests due in ``[d, d + window)``. Should HiGHS
    hit its time limit, its best answer so far is used; None if it has none (the caller then drops the
    clashing edges from the b-matching).
    """
    from scipy import sparse  # imported here: `import kit` stays light
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(req)
    edges = np.arange(n)
    requests, per_request = np.unique(req, return_inverse=True)
    advocates, per_advocate = np.unique(pos, return_inverse=True)
    rows = [per_request.reshape(-1), len(requests) + per_advocate.reshape(-1)]
    columns = [edges, edges]
    upper = [np.ones(len(requests)), capacity[advocates].astype(float)]
    first_row = len(requests) + len(advocates)
    dated = np.flatnonzero(due != _NO_DAY)
    ordered = dated[np.lexsort((due[dated], pos[dated]))]  # by advocate, then due day
    cut = np.flatnonzero(np.diff(pos[ordered])) + 1
    window_rows, window_columns = [], []
    for mine in np.split(ordered, cut):
        days = due[mine]
        ends = np.searchsorted(days, days + window, side="left")
        for start, end in zip(range(len(mine)), ends, strict=True):
            if end - start > 1:
                window_rows.append(np.full(end - start, first_row + len(window_rows)))
                window_columns.append(mine[start:end])
    if window_rows:
        rows += window_rows
        columns += window_columns
        upper.append(np.ones(len(window_rows)))
    matrix = sparse.csr_array(
        (np.ones(sum(len(r) for r in rows)), (np.concatenate(rows), np.concatenate(columns))),
        shape=(first_row + len(window_rows), n),
    )
    result = milp(
        c=-weight,
        constraints=LinearConstraint(matrix, -np.inf, np.concatenate(upper)),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": MILP_TIME_LIMIT_SECONDS, "mip_rel_gap": 0.0},  # exact, not within 0.01 %
    )
    return np.flatnonzero(result.x > 0.5) if result.x is not None else None


def _clashing(
    chosen: np.ndarray, pos: np.ndarray, weight: np.ndarray, due: np.ndarray, window: int
) -> np.ndarray:
    """The chosen edges that give an advocate a second request due less than ``window`` days from one they
    keep: each advocate keeps their heaviest edges first. Requests without a due date never clash."""
    dated = chosen[due[chosen] != _NO_DAY]
    advocates, counts = np.unique(pos[dated], return_counts=True)
    if not (counts > 1).any():
        return np.zeros(0, dtype=np.int64)
    clashing = []
    for advocate in advocates[counts > 1]:
        mine = dated[pos[dated] == advocate]
        kept: list[int] = []
        for edge in mine[np.argsort(-weight[mine], kind="stable")]:
            if all(abs(int(due[edge]) - int(due[k])) >= window for k in kept):
                kept.append(int(edge))
            else:
                clashing.append(int(edge))
    return np.array(clashing, dtype=np.int64)


def _find_request(program: Program, request_id: str) -> pd.Series:
    requests = program.requests
    hits = requests[requests[R.request_id] == request_id.strip()]
    if hits.empty:
        raise InputError(f"no request {request_id!r} in the Requests tab")
    if len(hits) > 1:
        rows = ", ".join(str(r) for r in hits.index)
        raise InputError(f"request {request_id!r} stands on Requests rows {rows}; fix the duplicate first")
    return hits.iloc[0]


def _first_spelling(values: pd.Series) -> list[str]:
    """The first spelling of each folded value, in vocabulary order (for reasons in words)."""
    folded = _folded(values)
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


_NUMBER_TEXT = np.array([str(i) for i in range(10_000)], dtype=object)


def _numbers(values: np.ndarray) -> np.ndarray:
    """Whole numbers as text, by table lookup (no per-row formatting); rare large values formatted."""
    whole = np.asarray(values, dtype=float).round().astype(np.int64)
    inside = (whole >= 0) & (whole < len(_NUMBER_TEXT))
    out = _NUMBER_TEXT[np.where(inside, whole, 0)].copy()
    if not inside.all():
        out[~inside] = [str(v) for v in whole[~inside]]
    return out


def _dates(days: np.ndarray) -> np.ndarray:
    out = np.full(len(days), None, dtype=object)
    known = days != _NO_DAY
    out[known] = [dt.date.fromordinal(int(d)) for d in days[known]]
    return out


def _history(
    activities: pd.DataFrame, id_position: Mapping[str, int], n: int, as_of: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per roster position: the last activity day on or before ``as_of`` (``_NO_DAY`` if none), and how
    many past activities went well (Positive, or rated 4-5) out of those with a verdict."""
    past = activities[activities[X.date] <= pd.Timestamp(as_of)]
    position = past[X.advocate_id].map(id_position).fillna(-1).to_numpy(dtype=np.int64)
    known = position >= 0
    last = np.full(n, _NO_DAY, dtype=np.int64)
    np.maximum.at(last, position[known], _ordinals(past[X.date])[known])
    rating = past[X.rating].astype("Float64")
    good = (past[X.outcome].isin(_GOOD_OUTCOMES) | (rating >= 4).fillna(False)).to_numpy(dtype=bool)
    judged = (past[X.outcome].isin(_JUDGED_OUTCOMES) | rating.notna()).to_numpy(dtype=bool)
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


# The matcher cache: a notebook ranks request after request on the same program and day.
_CACHE: list[tuple[weakref.ref, dt.date, tuple[int, ...], _Matcher]] = []
_CACHE_SIZE = 4


def _matcher(program: Program, as_of: dt.date) -> _Matcher:
    if not isinstance(as_of, dt.date):
        raise InputError(f"as_of must be a date, not {as_of!r}")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    fingerprint = tuple(id(program.tables.get(t.name)) for t in schema.TABS)
    for ref, day, prints, matcher in _CACHE:
        if ref() is program and day == as_of and prints == fingerprint:
            return matcher
    matcher = _Matcher(program, as_of)
    _CACHE.insert(0, (weakref.ref(program), as_of, fingerprint, matcher))
    del _CACHE[_CACHE_SIZE:]
    return matcher
