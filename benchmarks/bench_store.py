"""Writing to a local workbook of 50,000 advocates: one keyed update, one appended row.

What every click that writes pays (a request assigned, a nomination accepted, ``match --apply``). The kit
writes the tab's cells in place (``kit/store/xlsx_patch.py``), against the baseline of loading and saving the
whole workbook with openpyxl, which was the kit's only way until 2026-11-26 and is still its fallback
(``LocalStore._update_with_openpyxl``), in the same run, on copies of the same workbook. Each write is checked
by reading the workbook back.

Run: ``python -m benchmarks.bench_store`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kit import schema

AS_OF = dt.date(2026, 11, 20)
ADVOCATES = 50_000
KIT_RUNS = 3  # the median is reported; the baseline runs once (it takes minutes)
R = schema.REQUESTS.col


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main(advocates: int = ADVOCATES) -> None:
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store import RowUpdate
    from kit.store.local import LocalStore

    with tempfile.TemporaryDirectory(prefix="bench-store-") as scratch:
        folder = Path(scratch)
        master = folder / "program.xlsx"
        start = time.perf_counter()
        LocalStore(master).write_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)))
        print(
            f"{advocates:,} advocates: workbook of {master.stat().st_size / 1e6:.0f} MB built in "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
        grid = LocalStore(master).read_grids()["Requests"]
        key = grid[1][grid[0].index(R.request_id)]
        update = RowUpdate(key, {R.status: "Completed", R.completed_on: AS_OF}, expected={})
        new_row = {
            R.request_id: "REQ-BENCH",
            R.requested_on: AS_OF,
            R.requester_email: "rep@vendor.example.com",
            R.team: "Sales",
            R.activity: "reference_call",
            R.status: "New",
        }

        def copy(name: str) -> LocalStore:
            shutil.copyfile(master, folder / name)
            return LocalStore(folder / name)

        def check(store: LocalStore) -> None:
            requests = store.read_grids()["Requests"]
            header = requests[0]
            assert requests[1][header.index(R.status)] == "Completed", "the update did not land"
            assert requests[-1][header.index(R.request_id)] == "REQ-BENCH", "the append did not land"

        kit_update, kit_append = [], []
        for i in range(KIT_RUNS):
            store = copy(f"kit{i}.xlsx")
            kit_update.append(_timed(store.update, "Requests", [update]))
            kit_append.append(_timed(store.append, "Requests", [new_row]))
            check(store)
        fast_update, fast_append = statistics.median(kit_update), statistics.median(kit_append)
        print(
            f"kit, in place:      keyed update {fast_update:6.2f} s, append {fast_append:6.2f} s "
            f"(median of {KIT_RUNS})",
            flush=True,
        )

        store = copy("baseline.xlsx")
        requests = schema.REQUESTS
        slow_update = _timed(store._update_with_openpyxl, requests, "Requests", [update])
        slow_append = _timed(store._append_with_openpyxl, requests, "Requests", [new_row])
        check(store)
        print(f"baseline, openpyxl: keyed update {slow_update:6.2f} s, append {slow_append:6.2f} s (one run)")
        print(
            f"kit is {slow_update / fast_update:.0f}x faster to update, {slow_append / fast_append:.0f}x to append"
        )


if __name__ == "__main__":
    main()
