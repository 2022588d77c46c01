"""Both reports for one period, on the demo program (300 advocates) and at 50,000 advocates.

Baseline (the floor): executing an empty notebook through Papermill's Python API in the same run, i.e. the
cost of starting a kernel, which no report can avoid. Targets (issue 6): both reports < 20 s at 300
advocates, and < 2x that at 50,000. Also shown: where the time goes in-process (reading the workbook,
computing the metrics), to tell kernel start-up from data work.

Run: ``python -m benchmarks.bench_reports`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 20)
PERIOD = "2026-Q4"
SIZES = (300, 50_000)


def _floor(folder: Path, repeat: int = 3) -> float:
    """Median seconds to execute a one-cell notebook through Papermill (kernel start included)."""
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(
        cells=[new_code_cell("pass")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        papermill.execute_notebook(
            notebook, str(folder / f"empty{i}.ipynb"), progress_bar=False, log_output=False
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _workbook(folder: Path, advocates: int) -> Path:
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store.local import LocalStore

    path = folder / f"demo_{advocates}.xlsx"
    LocalStore(path).write_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)))
    return path


def _in_process(path: Path) -> tuple[float, float]:
    """Seconds to read the workbook and to compute every metric, outside any kernel."""
    from kit.metrics import compute
    from kit.store import open_store

    start = time.perf_counter()
    program = open_store(str(path)).read()
    read = time.perf_counter() - start
    start = time.perf_counter()
    compute(program, period=PERIOD, as_of=AS_OF)
    return read, time.perf_counter() - start


def _both_reports(path: Path, out: Path, jobs: int) -> float:
    """Wall-clock seconds to render both reports, ``jobs`` kernels at a time (2 = `advocacy-kit report all`)."""
    from kit.report import REPORTS, render_reports

    start = time.perf_counter()
    render_reports(list(REPORTS), source=str(path), period=PERIOD, as_of=AS_OF, out_dir=out, jobs=jobs)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as scratch:
        folder = Path(scratch)
        floor = _floor(folder)
        print(f"floor: empty notebook through Papermill {floor:6.2f} s", flush=True)
        totals = {}
        for size in SIZES:
            start = time.perf_counter()
            path = _workbook(folder, size)
            built = time.perf_counter() - start
            read, computed = _in_process(path)
            together = _both_reports(path, folder / f"together_{size}", jobs=2)
            one_by_one = _both_reports(path, folder / f"one_by_one_{size}", jobs=1)
            totals[size] = together
            print(
                f"{size:>6,} advocates: both reports {together:6.2f} s as `report all` runs them "
                f"({together / floor:.1f}x floor), {one_by_one:.2f} s one after the other "
                f"({one_by_one / floor:.1f}x floor); in-process read {read:.2f} s, metrics {computed:.2f} s "
                f"(workbook built in {built:.0f} s)",
                flush=True,
            )
        small, large = totals[SIZES[0]], totals[SIZES[-1]]
        print(
            f"target: < 20 s at {SIZES[0]} -> {'met' if small < 20 else 'NOT met'}; "
            f"< 2x at {SIZES[-1]:,} -> {large / small:.2f}x, {'met' if large < 2 * small else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
