"""Properties of the allocation over random rosters and requests (hypothesis): nobody is ever asked beyond
their quarterly cap, no request gets two advocates, everyone assigned is eligible, and the total is the
true optimum of the candidate problem (checked with an independent MILP solve) and never below greedy."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from kit import match, schema
from kit.program import program_from_grids
from tests.factories import AS_OF, activity, advocate, grids_from_rows, request
from tests.properties import examples

A, R = schema.ADVOCATES.col, schema.REQUESTS.col

ADVOCATES = st.fixed_dictionaries(
    {
        A.industry: st.sampled_from(["Insurance", "Retail"]),
        A.region: st.sampled_from(["EMEA", "APAC"]),
        A.products: st.sampled_from(["Product A", "Product B", "Product A; Product B", None]),
        A.activities: st.sampled_from(["reference_call", "case_study", "reference_call; case_study"]),
        A.status: st.sampled_from(["Active", "Active", "Active", "Paused"]),
        A.max_per_quarter: st.integers(0, 3),
        "uses": st.integers(0, 3),  # activities already done this quarter
    }
)
REQUESTS = st.fixed_dictionaries(
    {
        R.industry: st.sampled_from(["Insurance", "Retail", None]),
        R.region: st.sampled_from(["EMEA", "APAC", None]),
        R.product: st.sampled_from(["Product A", "Product B", None]),
        R.activity: st.sampled_from(["reference_call", "case_study"]),
        R.priority: st.sampled_from(schema.PRIORITIES),
        # A week's worth of due days often enough that advocates' cool-downs bind.
        "due_in": st.one_of(st.none(), st.integers(-5, 40), st.integers(0, 6)),
    }
)


def build(advocates: list[dict], requests: list[dict]):
    roster, done = [], []
    for n, spec in enumerate(advocates, start=1):
        cells = {k: v for k, v in spec.items() if k != "uses"}
        roster.append(advocate(n, **cells))
        # Early in the quarter, so the cool-down has passed: only the cap can exclude them.
        done += [
            activity(len(done) + 1, advocate(n)[A.advocate_id], dt.date(2026, 10, 1) + dt.timedelta(days=u))
            for u in range(spec["uses"])
        ]
    asks = []
    for n, spec in enumerate(requests, start=1):
        cells = {k: v for k, v in spec.items() if k != "due_in"}
        if spec["due_in"] is not None:
            cells[R.needed_by] = AS_OF + dt.timedelta(days=spec["due_in"])
        asks.append(request(n, **cells))
    grids = grids_from_rows({"Advocates": roster, "Activities": done, "Requests": asks})
    return program_from_grids(grids, source="hypothesis")


def milp_optimum(allocation: match.Allocation, due: dict[str, int], cooldown: int) -> float:
    """The best total weight over the same candidates, by scipy's MILP (HiGHS): an independent check.

    Written differently from the kit's own program: the cool-down is one constraint per pair of an
    advocate's candidate requests due less than ``cooldown`` days apart (``due``: day numbers by request).
    """
    candidates = allocation.candidates
    if candidates.empty:
        return 0.0
    requests, req_index = np.unique(candidates[R.request_id], return_inverse=True)
    advocates, adv_index = np.unique(candidates[A.advocate_id], return_inverse=True)
    capacity = candidates.groupby(A.advocate_id)[match.CAPACITY_LEFT].first().reindex(advocates).to_numpy()
    edges = len(candidates)
    rows = [*req_index, *(len(requests) + adv_index)]
    columns = [*range(edges), *range(edges)]
    limits = [*np.ones(len(requests)), *capacity]
    days = [due.get(r) for r in candidates[R.request_id]]
    for i in range(edges):
        for j in range(i + 1, edges):
            close = days[i] is not None and days[j] is not None and abs(days[i] - days[j]) < max(cooldown, 1)
            if adv_index[i] == adv_index[j] and close:
                rows += [len(limits), len(limits)]
                columns += [i, j]
                limits.append(1)
    result = milp(
        c=-candidates[match.WEIGHT].to_numpy(),
        constraints=LinearConstraint(
            sparse.csr_array((np.ones(len(rows)), (rows, columns)), shape=(len(limits), edges)),
            -np.inf,
            limits,
        ),
        integrality=np.ones(edges),
        bounds=Bounds(0, 1),
    )
    return -result.fun


@settings(max_examples=examples(35), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ADVOCATES, min_size=1, max_size=8), st.lists(REQUESTS, min_size=1, max_size=10))
def test_allocation_never_exceeds_a_cap_and_is_optimal(advocates, requests):
    program = build(advocates, requests)
    allocation = match.allocate(program, as_of=AS_OF)
    assigned = allocation.assignments

    assert assigned[R.request_id].is_unique
    now = Counter(assigned[R.advocate_id])
    for n, spec in enumerate(advocates, start=1):
        room = max(spec[A.max_per_quarter] - spec["uses"], 0)  # already over their cap: no room at all
        assert now.get(advocate(n)[A.advocate_id], 0) <= room
    for _, row in assigned.iterrows():
        check = match.eligibility(row[R.request_id], program, as_of=AS_OF)
        assert check.loc[check[A.advocate_id] == row[R.advocate_id], match.ELIGIBLE].item()

    due = {
        request(n)[R.request_id]: (AS_OF + dt.timedelta(days=spec["due_in"])).toordinal()
        for n, spec in enumerate(requests, start=1)
        if spec["due_in"] is not None
    }
    cooldown = program.settings.cooldown_days
    for _, mine in assigned.groupby(R.advocate_id):
        days = sorted(due[r] for r in mine[R.request_id] if r in due)
        assert all(b - a >= max(cooldown, 1) for a, b in zip(days, days[1:], strict=False))

    assert len(assigned) + len(allocation.unserved) == len(requests)
    assert abs(allocation.objective - milp_optimum(allocation, due, cooldown)) < 1e-3


CELL = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["=1+1", "  emea ", "Enterprize", "TBD", "2026-13-45", "3/1/2026", "ACC-7", "-", "@x"]),
    st.integers(-5, 100_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 1, 1)),
)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries({c.name: CELL for c in schema.REQUESTS.columns}),
    st.lists(CELL, min_size=6, max_size=6),
)
def test_any_request_cells_rank_or_give_a_clear_input_error(cells, roster_cells):
    from kit.errors import InputError

    cells[R.request_id] = "REQ-000001"
    roster = [
        advocate(1),
        advocate(
            2,
            **dict(
                zip(
                    [A.industry, A.region, A.products, A.activities, A.status, A.last_verified],
                    roster_cells,
                    strict=True,
                )
            ),
        ),
    ]
    program = program_from_grids(
        grids_from_rows({"Advocates": roster, "Requests": [cells]}), source="hypothesis"
    )
    for given_as in ("REQ-000001", program.requests.iloc[0], cells):
        try:
            ranked = match.rank(given_as, program, as_of=AS_OF)
        except InputError as error:
            assert "\n" not in str(error) and "activity" in str(error)
        else:
            assert set(ranked[A.advocate_id]) <= {"ADV-0001", "ADV-0002"}
            assert all(isinstance(w, str) for w in ranked.attrs["warnings"])
    allocation = match.allocate(program, as_of=AS_OF)
    assert len(allocation.assignments) + len(allocation.unserved) <= 1
