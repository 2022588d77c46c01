"""Allocation: all open, unassigned requests at once, solved exactly.

A maximum-weight b-matching (each request gets at most one advocate, no advocate more than their remaining
capacity, nor two requests due within their cool-down), as a sparse assignment problem with scipy (and,
when the cool-down binds, as an integer program), so that urgent requests and nearer deadlines win when
capacity is short and the total match quality is as high as possible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit import schema
from kit.errors import InputError
from kit.match import explain, scoring
from kit.match.columns import (
    ASSIGNED_NOW,
    CAP,
    CAPACITY_LEFT,
    REASON,
    REASON_CODE,
    REASONS,
    SCORE,
    SEGMENT,
    USES_BEFORE,
    WEIGHT,
)
from kit.match.encoding import NO_DAY, NOT_NAMED, EncodedRequests
from kit.match.gaps import gap_text, request_segment
from kit.match.requests import Request
from kit.match.rules import Matcher, matcher_for
from kit.program import ROW_INDEX, Program

A, R = schema.ADVOCATES.col, schema.REQUESTS.col

# Candidates kept per request before solving: the problem stays sparse (2,000 requests → ≤ 50,000 edges).
TOP_K = 25
# Requests scored together in one block of array operations (bounds memory: 256 × advocates floats).
BLOCK = 256
# The integer program that spaces an advocate's new requests by the cool-down stops here (docs/performance.md
# has what it takes at 50,000 advocates).
MILP_TIME_LIMIT_SECONDS = 30


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
    matcher = matcher_for(program, as_of)
    requests = program.requests
    status = requests[R.status]
    open_mask = status.isin(schema.ALLOCATABLE_STATUSES) & requests[R.advocate_id].isna()
    parsed = matcher.reader.parse_many(requests[open_mask])
    return _allocate(matcher, parsed, top_k=top_k)


def _allocate(matcher: Matcher, requests: Sequence[Request], *, top_k: int) -> Allocation:
    within_segment = matcher.settings.within_segment
    unserved: list[tuple[Any, ...]] = []
    servable: list[Request] = []
    for req in requests:
        segment = request_segment(req)
        seg_text = str(segment) if segment else ""
        if req.problem:
            unserved.append((req.row, req.request_id, "bad_request", req.problem, seg_text))
            continue
        if req.request_id is None:
            problem = f"Requests row {req.row} has no request_id; give it one so an advocate can be assigned"
            unserved.append((req.row, None, "bad_request", problem, seg_text))
            continue
        gap = gap_text(req, matcher.vocab)
        if gap and within_segment:
            unserved.append((req.row, req.request_id, "recruiting_gap", gap, seg_text))
            continue
        servable.append(req)

    enc_all = matcher.encode(servable)
    e_req, e_pos, e_score, eligible_count = _candidates(matcher, enc_all, top_k)
    urgency = np.array([scoring.urgency(r, matcher.as_of) for r in servable], dtype=float)
    max_points = scoring.max_points(servable, matcher.settings)
    quality = e_score / max_points[e_req] if len(e_req) else np.zeros(0)
    e_weight = urgency[e_req] + quality
    roster = matcher.roster
    capacity = (roster.cap - roster.uses).clip(min=0)
    chosen = _solve_spaced(e_req, e_pos, e_weight, capacity, enc_all.due, matcher.settings.cooldown_window)

    candidates = pd.DataFrame(
        {
            R.request_id: [servable[i].request_id for i in e_req],
            R.advocate_id: roster.ids[e_pos],
            SCORE: np.round(e_score, 2),
            WEIGHT: np.round(e_weight, 4),
            CAPACITY_LEFT: capacity[e_pos],
        }
    )
    assignments = _assignment_frame(
        matcher, enc_all, e_req[chosen], e_pos[chosen], e_score[chosen], e_weight[chosen]
    )
    served = set(e_req[chosen].tolist())
    taken_by: dict[int, list[int]] = {}
    for i, position in zip(e_req[chosen], e_pos[chosen], strict=True):
        taken_by.setdefault(int(position), []).append(int(i))
    for i, req in enumerate(servable):
        if i in served:
            continue
        segment = request_segment(req)
        seg_text = str(segment) if segment else ""
        if eligible_count[i] > 0:
            reason = explain.outranked(
                matcher, i, e_pos[e_req == i], taken_by, capacity, enc_all.due, servable
            )
            reason = f"its {eligible_count[i]} eligible advocate(s) {reason}"
            unserved.append((req.row, req.request_id, "capacity_taken", reason, seg_text))
        else:
            reason = explain.nobody_free(matcher, req)
            unserved.append((req.row, req.request_id, "no_capacity", reason, seg_text))
    unserved_frame = pd.DataFrame(
        unserved, columns=[ROW_INDEX, R.request_id, REASON_CODE, REASON, SEGMENT]
    ).set_index(ROW_INDEX)
    return Allocation(
        as_of=matcher.as_of,
        assignments=assignments,
        unserved=unserved_frame,
        load=_load_frame(matcher, e_pos[chosen]),
        candidates=candidates,
    )


def _candidates(matcher: Matcher, enc_all: EncodedRequests, top_k: int) -> tuple[np.ndarray, ...]:
    """The top ``top_k`` eligible advocates of each request as edges (request, roster position, score).

    Only advocates passing the request-independent rules are scored, and with ``within_segment`` each
    group of requests sharing a segment is scored against that segment's advocates only, so 2,000
    requests over 50,000 advocates cost a few million comparisons, not a hundred million.
    """
    roster = matcher.roster
    weights = matcher.settings.weights
    base = roster.base_ok
    count = np.zeros(len(enc_all.requests), dtype=np.int64)
    edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if matcher.settings.within_segment:
        keys = np.stack([enc_all.industry.astype(np.int64), enc_all.region.astype(np.int64)], axis=1)
        groups, group_of = np.unique(keys, axis=0, return_inverse=True)
        group_of = group_of.reshape(-1)
    else:
        groups, group_of = np.zeros((1, 2), dtype=np.int64) + NOT_NAMED, np.zeros(len(count), np.int64)
    for g, (industry, region) in enumerate(groups):
        members = np.flatnonzero(group_of == g)
        inside = base.copy()
        if industry != NOT_NAMED:
            inside &= roster.industry == industry
        if region != NOT_NAMED:
            inside &= roster.region == region
        columns = np.flatnonzero(inside)
        if not columns.size:
            continue
        ros = roster.take(columns)
        k = min(top_k, columns.size)
        for start in range(0, members.size, BLOCK):
            which = members[start : start + BLOCK]
            enc = enc_all.take(which)
            ok = matcher.eligible(ros, enc)
            count[which] = ok.sum(axis=1)
            score = scoring.points(ros, enc, weights)
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


def _assignment_frame(
    matcher: Matcher,
    enc: EncodedRequests,
    which: np.ndarray,
    positions: np.ndarray,
    scores: np.ndarray,
    weights: np.ndarray,
) -> pd.DataFrame:
    requests = [enc.requests[i] for i in which]
    frame = pd.DataFrame(
        {
            ROW_INDEX: [r.row for r in requests],
            R.request_id: [r.request_id for r in requests],
            R.advocate_id: matcher.roster.ids[positions],
            A.name: matcher.frame[A.name].to_numpy()[positions],
            A.company: matcher.frame[A.company].to_numpy()[positions],
            R.priority: [r.priority for r in requests],
            R.needed_by: [r.needed_by for r in requests],
            SCORE: np.round(scores, 2),
            REASONS: explain.reasons(matcher, enc, which, positions),
            WEIGHT: np.round(weights, 4),
        }
    )
    frame = frame.sort_values([WEIGHT, R.request_id], ascending=[False, True], kind="stable")
    return frame.set_index(ROW_INDEX)


def _load_frame(matcher: Matcher, positions: np.ndarray) -> pd.DataFrame:
    unique, counts = np.unique(positions, return_counts=True)
    ros = matcher.roster
    return pd.DataFrame(
        {
            A.advocate_id: ros.ids[unique],
            A.name: matcher.frame[A.name].to_numpy()[unique],
            USES_BEFORE: ros.uses[unique],
            ASSIGNED_NOW: counts,
            CAP: ros.cap[unique],
        },
        index=pd.Index(ros.rows[unique], name=matcher.frame.index.name),
    )


# ------------------------------------------------------------------------------------------------------------
# The solvers: plain arrays in, chosen edges out


def _solve_spaced(
    req: np.ndarray, pos: np.ndarray, weight: np.ndarray, capacity: np.ndarray, due: np.ndarray, window: int
) -> np.ndarray:
    """``_solve``, with no advocate given two requests due within the cool-down of each other (the rule
    ``booked`` applies to requests already assigned), still exactly.

    The b-matching has no such constraint; when its answer gives someone two requests that close, the
    problem is solved again as an integer program with the cool-down as constraints (``_solve_with_cooldown``).
    """
    chosen = _solve(req, pos, weight, capacity, len(due))
    clashing = _clashing(chosen, pos, weight, due[req], window)
    if not clashing.size:
        return chosen
    spaced = _solve_with_cooldown(req, pos, weight, capacity, due[req], window)
    return spaced if spaced is not None else np.setdiff1d(chosen, clashing)


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
    dated = np.flatnonzero(due != NO_DAY)
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
    dated = chosen[due[chosen] != NO_DAY]
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
