"""Validating the 50,000-advocate demo program, duplicate detection included, against two naive baselines.

What is timed: ``kit.validate.validate(program, as_of=…)`` alone, on a program already built in memory with
``program_from_grids(grids_from_frames(build_demo(50_000)))`` (~50,000 advocates, ~225,000 requests and
activities, 80,000 opportunities). Wall time and CPU time are both shown; the kit uses one thread, so CPU
time is what one core spends (wall time grows when other work shares the machine).

Baselines, measured in the same run on the same program:

1. the naive row-by-row validator: a Python loop over every cell of every schema column calling
   ``kit.cells.cell_problem`` (the per-cell checks only: no duplicates, references, dates or caps);
2. all-pairs duplicate detection: every pair of advocates compared by rapidfuzz on normalised names, timed on
   a sample of 2,000 advocates and extrapolated to 50,000 by the number of pairs (×625).

Run: ``python -m benchmarks.bench_validate [ADVOCATES]`` (default 50,000), or ``make bench``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import sys
import time

AS_OF = dt.date(2026, 11, 20)
SAMPLE = 2_000


def _timed(fn, repeat: int = 1) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeat`` runs, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _naive_cells(program) -> int:
    from kit import schema
    from kit.cells import cell_problem

    problems = 0
    for tab in schema.TABS:
        raw = program.raw[tab.name]
        for column in tab.columns:
            if column.name not in raw:
                continue
            for value in raw[column.name]:
                if cell_problem(column, value):
                    problems += 1
    return problems


def _all_pairs(names: list[str]) -> int:
    from rapidfuzz import fuzz

    from kit.validate import NAME_SIMILARITY

    similar = 0
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if fuzz.ratio(a, b) >= NAME_SIMILARITY:
                similar += 1
    return similar


def main(advocates: int = 50_000) -> None:
    from kit.demo import build_demo
    from kit.program import grids_from_frames, program_from_grids
    from kit.validate import normalise_name, validate

    start = time.perf_counter()
    program = program_from_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)), source="bench")
    sizes = {name: len(frame) for name, frame in program.tables.items()}
    print(
        f"program: {sizes['Advocates']:,} advocates, {sizes['Requests']:,} requests, "
        f"{sizes['Activities']:,} activities, {sizes['Opportunities']:,} opportunities "
        f"(built in {time.perf_counter() - start:.0f} s, not timed)"
    )

    # A program keeps the findings of its cells once worked out (Program.derived), so each timed run gets a
    # fresh Program over the same frames: all the checks run every time, as on a workbook just read.
    validate(dataclasses.replace(program), as_of=AS_OF)  # warm-up: imports pandera, builds the cell schemas
    wall, cpu, findings = _timed(lambda: validate(dataclasses.replace(program), as_of=AS_OF), repeat=3)
    counts = findings.groupby(["severity", "code"]).size()
    print(f"kit.validate:            {wall:6.2f} s wall, {cpu:6.2f} s CPU (median of 3)")
    validate(program, as_of=AS_OF)
    again, _, _ = _timed(lambda: validate(program, as_of=AS_OF), repeat=3)
    print(f"  again on the same program (findings of the cells kept): {again:6.2f} s wall (median of 3)")
    print(f"  findings: {len(findings):,} — " + ", ".join(f"{c} {n:,}" for (_, c), n in counts.items()))

    naive_wall, naive_cpu, problems = _timed(lambda: _naive_cells(program))
    print(
        f"baseline 1, cell by cell: {naive_wall:6.2f} s wall, {naive_cpu:6.2f} s CPU "
        f"({problems:,} cell problems; per-cell checks only) — kit is {naive_cpu / cpu:.1f}× faster in CPU "
        "while doing every check"
    )

    names = [normalise_name(n) for n in program.advocates["name"].dropna().head(SAMPLE)]
    pairs_wall, pairs_cpu, _ = _timed(lambda: _all_pairs(names))
    factor = (advocates * (advocates - 1)) / (len(names) * (len(names) - 1))
    print(
        f"baseline 2, all pairs:    {pairs_cpu:6.2f} s CPU for {len(names):,} advocates "
        f"→ ~{pairs_cpu * factor:,.0f} s extrapolated to {advocates:,} (×{factor:,.0f} pairs) — "
        f"{pairs_cpu * factor / cpu:,.0f}× the whole validation"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
