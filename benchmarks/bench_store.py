"""Writing to a local workbook of 50,000 advocates: one keyed update, one appended row, the Issues tab again.

What every click that writes pays (a request assigned, a nomination accepted, ``match --apply``). The kit
writes the tab's cells in place (``kit/store/xlsx_patch.py``), against the baseline of loading and saving the
whole workbook with openpyxl, which was the kit's only way until 2026-11-26 and is still its fallback
(``LocalStore._update_with_openpyxl``), in the same run, on copies of the same workbook. Each write is checked
by reading the workbook back. The Issues tab (``validate --write-issues``) is written once with 6,000
findings, then timed being replaced by 6,000 others, as the next run does.

Run: ``python -m benchmarks.bench_store`` or ``make bench``. ``--write-docs`` writes the table into
docs/performance.md, as ``make bench-docs`` does (``--page COPY.md`` to try it on a copy).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import record
from benchmarks.record import Table
from kit import schema

AS_OF = dt.date(2026, 11, 20)
ADVOCATES = 50_000
KIT_RUNS = 3  # the median is reported; the baseline runs once (it takes minutes)
R = schema.REQUESTS.col


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main(advocates: int = ADVOCATES) -> Table:
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store import RowUpdate
    from kit.store.local import LocalStore

    with tempfile.TemporaryDirectory(prefix="bench-store-") as scratch:
        folder = Path(scratch)
        master = folder / "program.xlsx"
        start = time.perf_counter()
        LocalStore(master).write_grids(grids_from_frames(build_demo(advocates, as_of=AS_OF)))
        megabytes = master.stat().st_size / 1e6
        print(
            f"{advocates:,} advocates: workbook of {megabytes:.0f} MB built in "
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

        def issues(version: str) -> list[list[object]]:
            return [["cell", "message"]] + [
                [f"Advocates!T{r}", f"{version} finding {r}"] for r in range(2, 6002)
            ]

        def check(store: LocalStore) -> None:
            grids = store.read_grids()
            requests = grids["Requests"]
            header = requests[0]
            assert requests[1][header.index(R.status)] == "Completed", "the update did not land"
            assert requests[-1][header.index(R.request_id)] == "REQ-BENCH", "the append did not land"
            assert grids[schema.ISSUES_TAB_NAME] == issues("second"), "the Issues tab was not replaced"

        start = time.perf_counter()
        LocalStore(master).replace_tab(schema.ISSUES_TAB_NAME, issues("first"))  # adds the tab: openpyxl
        print(
            f"Issues tab added to the workbook in {time.perf_counter() - start:.0f} s (not compared)",
            flush=True,
        )
        kit_update, kit_append, kit_issues = [], [], []
        for i in range(KIT_RUNS):
            store = copy(f"kit{i}.xlsx")
            kit_update.append(_timed(store.update, "Requests", [update]))
            kit_append.append(_timed(store.append, "Requests", [new_row]))
            kit_issues.append(_timed(store.replace_tab, schema.ISSUES_TAB_NAME, issues("second")))
            check(store)
        fast = [statistics.median(times) for times in (kit_update, kit_append, kit_issues)]
        print(
            f"kit, in place:      keyed update {fast[0]:6.2f} s, append {fast[1]:6.2f} s, "
            f"Issues tab again {fast[2]:6.2f} s (median of {KIT_RUNS})",
            flush=True,
        )

        store = copy("baseline.xlsx")
        requests = schema.REQUESTS
        slow = [
            _timed(store._update_with_openpyxl, requests, "Requests", [update]),
            _timed(store._append_with_openpyxl, requests, "Requests", [new_row]),
            _timed(store._replace_tab_with_openpyxl, schema.ISSUES_TAB_NAME, issues("second")),
        ]
        check(store)
    labels = ("keyed update of one row", "append one row", "replace the `Issues` tab (6,000 rows)")
    return Table(
        columns=("what", f"kit, in place (median of {KIT_RUNS})", "baseline, openpyxl (one run)", "speed-up"),
        rows=tuple(
            (label, f"**{kit:.2f} s**", f"{base:.2f} s", f"{base / kit:.0f}×")
            for label, kit, base in zip(labels, fast, slow, strict=True)
        ),
        notes=(f"The {advocates:,}-advocate demo workbook, {megabytes:.1f} MB.",),
    )


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
