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

Run: ``python -m benchmarks.bench_validate [ADVOCATES]`` (default 50,000) or ``make bench``. ``--write-docs``
writes the table into docs/performance.md, as ``make bench-docs`` does (``--page COPY.md`` to try it on a
copy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import sys
import time

from benchmarks import record
from benchmarks.record import Table

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


def _round(number: float) -> str:
    """Whole numbers once they are large (``317``), two decimals while they are small (``0.02``)."""
    return f"{number:,.0f}" if number >= 10 else f"{number:.2f}"


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


def main(advocates: int = 50_000) -> Table:
    from kit.demo import build_demo
    from kit.program import grids_from_frames, program_from_grids
    from kit.validate import normalise_name, validate

    start = time.perf_counter()
    program = program_from_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)), source="bench")
    sizes = {name: len(frame) for name, frame in program.tables.items()}
    built = (
        f"{sizes['Advocates']:,} advocates, {sizes['Requests']:,} requests, {sizes['Activities']:,} "
        f"activities, {sizes['Opportunities']:,} opportunities"
    )
    print(f"program: {built} (built in {time.perf_counter() - start:.0f} s, not timed)", flush=True)

    # A program keeps the findings of its cells once worked out (Program.derived), so each timed run gets a
    # fresh Program over the same frames: all the checks run every time, as on a workbook just read.
    validate(dataclasses.replace(program), as_of=AS_OF)  # warm-up: imports pandera, builds the cell schemas
    wall, cpu, findings = _timed(lambda: validate(dataclasses.replace(program), as_of=AS_OF), repeat=3)
    counts = findings.groupby(["severity", "code"]).size()
    validate(program, as_of=AS_OF)
    again, _, _ = _timed(lambda: validate(program, as_of=AS_OF), repeat=3)
    naive_wall, naive_cpu, _problems = _timed(lambda: _naive_cells(program))
    names = [normalise_name(n) for n in program.advocates["name"].dropna().head(SAMPLE)]
    _, pairs_cpu, _ = _timed(lambda: _all_pairs(names))
    factor = (advocates * (advocates - 1)) / (len(names) * (len(names) - 1))
    found = ", ".join(f"{code} {n:,}" for (_, code), n in counts.items()) or "none"
    return Table(
        columns=("what", "CPU", "wall"),
        rows=(
            (
                f"`kit.validate.validate` (median of 3; {len(findings):,} findings: {found})",
                f"**{cpu:.2f} s**",
                f"{wall:.2f} s",
            ),
            (
                "the same, again on the same program (only the checks that depend on the day run)",
                "—",
                f"{again:.2f} s",
            ),
            (
                "baseline 1: a Python loop calling `cells.cell_problem` on every cell (per-cell checks only)",
                f"{naive_cpu:.1f} s ({naive_cpu / cpu:.1f}×)",
                f"{naive_wall:.1f} s",
            ),
            (
                f"baseline 2: all-pairs name comparison, {len(names):,} advocates timed ({pairs_cpu:.2f} s), "
                f"×{factor:,.0f} pairs to {advocates:,}",
                f"~{_round(pairs_cpu * factor)} s ({_round(pairs_cpu * factor / cpu)}×)",
                "—",
            ),
        ),
        notes=(f"The program: {built}, built in memory (not timed).",),
    )


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
