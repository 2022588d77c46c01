"""The notebook widgets: how long a filter change takes on a 50,000-advocate roster, and what a click costs.

1. Filtering (what every dropdown pick or keystroke in the finder runs), at 50,000 advocates, in memory:
   ``kit.roster.filter_roster`` against the baseline of the obvious implementation, a row-by-row loop in
   Python over the same typed frame with the same folding (measured here, in the same run). Then the
   finder's whole refresh (filter + the HTML table of the first 50 rows).
2. A click that writes (accept a nomination: one fresh read for a unique id, one keyed update, one append,
   one read to show the sheet as it is now) on the 300-advocate demo workbook and at 50,000 advocates,
   against the floor of one keyed ``store.update`` of one cell, which any safe write pays.

Run: ``python -m benchmarks.bench_widgets`` or ``make bench``. ``--write-docs`` writes the table into
docs/performance.md, as ``make bench-docs`` does (``--page COPY.md`` to try it on a copy).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import record
from benchmarks.record import Table
from kit import schema

AS_OF = dt.date(2026, 11, 20)
A, R = schema.ADVOCATES.col, schema.REQUESTS.col
QUERIES: tuple[dict[str, object], ...] = (
    {A.status: "Active"},
    {A.status: "Active", R.industry: "Insurance", R.product: "Product A"},
    {R.region: "APAC", R.activity: "case_study", R.persona: "Executive"},
    {A.status: "Active", "text": "smith"},
)


def _median(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _row_by_row(advocates, criteria: dict[str, object]):
    """The baseline: every row tested in a Python loop, with the same folding as kit.roster."""
    from kit.cells import fold
    from kit.roster import CRITERIA, SEARCHED

    wanted = {name: fold(str(value)) for name, value in criteria.items() if name != "text"}
    words = fold(str(criteria.get("text", ""))).split()
    keep = []
    for _, row in advocates.iterrows():
        ok = True
        for name, value in wanted.items():
            cell = row[CRITERIA[name]]
            held = {fold(str(v)) for v in cell} if isinstance(cell, tuple) else {fold(str(cell or ""))}
            ok = ok and value in held
        if ok and words:
            haystack = fold(" ".join(str(row[c] or "") for c in SEARCHED))
            ok = all(w in haystack for w in words)
        keep.append(ok)
    return advocates[keep]


def _filtering(advocates: int) -> list[tuple[str, ...]]:
    """The table's rows for filtering: one per query, then the finder's refresh."""
    from kit.demo import build_demo
    from kit.program import grids_from_frames, program_from_grids
    from kit.roster import RosterIndex, filter_roster
    from kit.widgets import roster_finder

    program = program_from_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)))
    roster = program.advocates
    print(
        f"Filtering {len(roster):,} advocates: kit one-off (filter_roster), kit per change in the finder "
        "(RosterIndex built once), baseline (row-by-row loop). Medians of 5 (baseline: 1 run)."
    )
    rows = []
    index = RosterIndex(roster)
    index.filter(text="warm", status="Active")  # what the finder pays once, when it is built
    for query in QUERIES:
        criteria = {k: v for k, v in query.items() if k != "text"}
        text = query.get("text")
        once = _median(lambda c=criteria, t=text: filter_roster(roster, text=t, **c), 5)
        warm = _median(lambda c=criteria, t=text: index.filter(text=t, **c), 5)
        found = len(index.filter(text=text, **criteria))
        start = time.perf_counter()
        expected = len(_row_by_row(roster, query))
        base = time.perf_counter() - start
        assert expected == found, f"{query}: the baseline finds {expected}, the kit {found}"
        label = ", ".join(f"{k}={v}" for k, v in query.items())
        print(f"  {label:<54} {found:>6,} found", flush=True)
        rows.append(
            (
                f"filter `{label}` ({found:,} found): per change in the finder / one-off `filter_roster`",
                f"{warm * 1000:.1f} ms / {once * 1000:.1f} ms",
                f"{base * 1000:,.0f} ms (row-by-row loop)",
                f"{base / warm:,.0f}× / {base / once:,.0f}×",
            )
        )
    finder = roster_finder(program)
    picks = iter(["Insurance", "Retail", "Healthcare", "Technology", "Education", "Insurance"] * 3)
    refresh = _median(lambda: setattr(finder.filters[R.industry], "value", next(picks)), 5)
    rows.append(
        (
            "finder refresh after a dropdown pick (filter + the table redrawn)",
            f"{refresh * 1000:.1f} ms",
            "—",
            "—",
        )
    )
    return rows


def _click(folder: Path, advocates: int, repeat: int) -> tuple[str, ...]:
    """The table's row for accepting a nomination on a workbook of ``advocates``."""
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store import RowUpdate
    from kit.store.local import LocalStore
    from kit.widgets import nomination_review

    N = schema.NOMINATIONS.col
    master = folder / f"demo{advocates}.xlsx"
    LocalStore(master).write_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)))
    accept_times, floor_times = [], []
    for i in range(repeat):
        path = folder / f"click{advocates}_{i}.xlsx"
        shutil.copyfile(master, path)
        store = LocalStore(path)
        review = nomination_review(store.read(), store, as_of=AS_OF)
        # the roster requires a region, which nominations do not carry
        review.fields[schema.ADVOCATES.col.region].value = "EMEA"
        start = time.perf_counter()
        review.accept_button.click()
        accept_times.append(time.perf_counter() - start)
        assert "Written" in review.message.value, review.message.value
        waiting = review.picker.value
        start = time.perf_counter()
        store.update(schema.NOMINATIONS.name, [RowUpdate(waiting, values={N.decision_note: "bench"})])
        floor_times.append(time.perf_counter() - start)
    accept, floor = statistics.median(accept_times), statistics.median(floor_times)
    return (
        f"accept a nomination on a {advocates:,}-advocate workbook (read + update + append + read; "
        f"median of {repeat})",
        f"{accept:.2f} s",
        f"{floor:.2f} s (floor: one keyed update)",
        f"{accept / floor:.1f}× the floor",
    )


def main() -> Table:
    rows = _filtering(50_000)
    with tempfile.TemporaryDirectory() as folder:
        rows.append(_click(Path(folder), 300, repeat=3))
        rows.append(_click(Path(folder), 50_000, repeat=1))
    return Table(
        columns=("what", "kit", "baseline", "baseline / kit"),
        rows=tuple(rows),
        notes=("Filtering on the demo roster at 50,000 advocates; medians of 5 (baseline: one run).",),
    )


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
