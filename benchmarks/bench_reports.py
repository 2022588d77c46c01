"""Both reports for one period, on the demo program (300 advocates) and at 50,000 advocates.

Baseline (the floor): executing an empty notebook through Papermill's Python API in the same run, i.e. the
cost of starting a kernel, which no report can avoid. Targets (issue 6): both reports < 20 s at 300
advocates, and < 2x that (40 s) at 50,000; also printed, the stricter comparison with the 300-advocate run's
own time (< 2x it, cold against cold and warm against warm). Also shown: where the time goes in-process
(reading the workbook, computing the metrics), to tell kernel start-up from data work.

Each size is run as `report all` runs it, "cold", with an empty read cache (the first run after the
workbook changed: it is unzipped and typed), then "warm" (the workbook unchanged since the last read: its
typed copy is loaded from kit/store/cache.py); the median of COLD_RUNS and WARM_RUNS runs is reported, and
the ratio for both. One unmeasured run first imports what every run after it reuses in this process
(nbconvert and its templates), so that the first size measured does not pay for it alone.

Run: ``python -m benchmarks.bench_reports [SIZE …]`` (advocates; 300 and 50,000 by default) or ``make bench``.
``--write-docs`` writes the table into docs/performance.md, as ``make bench-docs`` does (``--page COPY.md`` to
try it on a copy).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import record
from benchmarks.record import Table

AS_OF = dt.date(2026, 11, 20)
PERIOD = "2026-Q4"
SIZES = (300, 50_000)
BUDGET = 20  # seconds, both reports on the demo program (issue 6)
COLD_RUNS, WARM_RUNS = 2, 3  # the median is reported (one machine's noise is about 10%)


def _floor(folder: Path, repeat: int = 3) -> tuple[float, float]:
    """Median wall and CPU seconds to execute a one-cell notebook through Papermill (kernel start included)."""
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(
        cells=[new_code_cell("pass")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    walls, cpus = [], []
    for i in range(repeat):
        start, cpu = time.perf_counter(), _cpu()
        papermill.execute_notebook(
            notebook, str(folder / f"empty{i}.ipynb"), progress_bar=False, log_output=False
        )
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _workbook(folder: Path, advocates: int) -> Path:
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store.local import LocalStore

    path = folder / f"demo_{advocates}.xlsx"
    LocalStore(path).write_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)))
    return path


def _in_process(path: Path) -> tuple[float, float, float]:
    """Seconds to read the workbook (cold, then from the read cache) and to compute every metric (validating
    first, as the reports do)."""
    from kit.metrics import measure
    from kit.store import open_store

    _empty_cache()
    start = time.perf_counter()
    open_store(str(path)).read()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    program = open_store(str(path)).read()
    warm = time.perf_counter() - start
    start = time.perf_counter()
    measure(program, period=PERIOD, as_of=AS_OF)
    return cold, warm, time.perf_counter() - start


def _empty_cache() -> None:
    """A new, empty read cache for what follows (the environment variable the cache reads)."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bench-cache-")


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the kernels), so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _both_reports(path: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds to render both reports, ``jobs`` kernels at a time (2 = `report all`)."""
    from kit.report import REPORTS, render_reports

    start, cpu = time.perf_counter(), _cpu()
    render_reports(list(REPORTS), source=str(path), period=PERIOD, as_of=AS_OF, out_dir=out, jobs=jobs)
    return time.perf_counter() - start, _cpu() - cpu


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run with the median wall time (the lower middle one of an even number), as (wall, CPU)."""
    return sorted(runs)[(len(runs) - 1) // 2]


def main(*sizes: int) -> Table:
    sizes = sizes or SIZES
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as scratch:
        folder = Path(scratch)
        floor, floor_cpu = _floor(folder)
        rows = [("floor: an empty notebook through Papermill", f"{floor:.2f} s", f"{floor_cpu:.2f} s")]
        notes = []
        totals: dict[int, dict[str, float]] = {}
        for size in sizes:
            start = time.perf_counter()
            path = _workbook(folder, size)
            built = time.perf_counter() - start
            cold_read, warm_read, computed = _in_process(path)
            if (
                not totals
            ):  # not measured: imports nbconvert and loads its templates, which any later run reuses
                _both_reports(path, folder / "warm_up", jobs=2)
            colds = []
            for i in range(COLD_RUNS):
                _empty_cache()
                colds.append(_both_reports(path, folder / f"cold_{size}_{i}", jobs=2))
            warms = [_both_reports(path, folder / f"warm_{size}_{i}", jobs=2) for i in range(WARM_RUNS)]
            (cold, cold_cpu), (warm, warm_cpu) = _median(colds), _median(warms)
            totals[size] = {"cold": cold, "warm": warm}
            print(f"{size:>6,} advocates measured (workbook built in {built:.0f} s)", flush=True)
            for kind, wall, cpu in (("cold", cold, cold_cpu), ("warm", warm, warm_cpu)):
                versus = f"{wall / floor:.1f}× floor"
                if size != sizes[0]:
                    versus += f"; {wall / totals[sizes[0]][kind]:.2f}× the {sizes[0]:,}-advocate run"
                rows.append(
                    (
                        f"both reports, {size:,} advocates, {kind}",
                        f"**{wall:.2f} s** ({versus})",
                        f"{cpu:.1f} s",
                    )
                )
            rows += [
                (
                    f"{size:,} advocates, in-process: reading and typing the workbook / from the read cache",
                    f"{cold_read:.2f} s / {warm_read:.2f} s",
                    "—",
                ),
                (
                    f"{size:,} advocates, in-process: `metrics.measure` (validate, health, compute; nothing cached)",
                    f"{computed:.2f} s",
                    "—",
                ),
            ]
        if len(sizes) > 1:
            small, large = totals[sizes[0]], totals[sizes[-1]]
            verdict = "met" if max(small.values()) < BUDGET else "NOT met"
            notes.append(
                f"Target: both reports in under {BUDGET} s at {sizes[0]:,} advocates: **{verdict}** "
                f"(cold {small['cold']:.1f} s, warm {small['warm']:.1f} s)."
            )
            verdict = "met" if max(large.values()) < 2 * BUDGET else "NOT met"
            notes.append(
                f"Target: under 2× that, {2 * BUDGET} s, at {sizes[-1]:,}: **{verdict}** "
                f"(cold {large['cold']:.1f} s, warm {large['warm']:.1f} s)."
            )
            ratios = {kind: large[kind] / small[kind] for kind in ("warm", "cold")}
            notes.append(
                f"Stricter: under 2× the {sizes[0]:,}-advocate run's own time at {sizes[-1]:,}: "
                + "; ".join(
                    f"{kind} {ratio:.2f}× ({'under' if ratio < 2 else 'not under'})"
                    for kind, ratio in ratios.items()
                )
                + "."
            )
    return Table(columns=("what", "wall", "CPU"), rows=tuple(rows), notes=(" ".join(notes),) if notes else ())


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
