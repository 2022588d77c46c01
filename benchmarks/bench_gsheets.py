"""The Google Sheet store against the naive gspread script, on the local Sheets API emulator.

On a real sheet what limits a script is the API quota (60 requests per minute per user), not the CPU: so the
figures are API calls, and the least time Google's quota allows for them, with the wall time on the emulator
(loopback, no quota) for scale. Baseline, measured in the same run on the same sheet: the naive script the
issue describes — gspread's ``worksheet(tab).get_all_records()`` tab by tab to read, ``append_row`` row by row
to add requests (with ``table_range="A1"``, so that it at least appends in the right columns).

Run: ``python -m benchmarks.bench_gsheets [ADVOCATES]`` (default 50,000) or ``make bench``. ``--write-docs``
writes the table into docs/performance.md, as ``make bench-docs`` does (``--page COPY.md`` to try it on a
copy).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import record
from benchmarks.record import Table

AS_OF = dt.date(2026, 11, 20)
NEW_REQUESTS = 100
QUOTA_PER_MINUTE = 60  # per user per project (https://developers.google.com/sheets/api/limits)


def _quota_minutes(calls: int) -> float:
    return calls / QUOTA_PER_MINUTE


def main(advocates: int = 50_000) -> Table:
    import gspread

    from emulators.sheets import SERVICE_ACCOUNT_EMAIL, SheetsEmulator, write_service_account_key
    from kit import schema
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store.gsheets import GoogleSheetStore, authorized_session, load_credentials

    R = schema.REQUESTS.col
    with tempfile.TemporaryDirectory() as folder, SheetsEmulator() as emulator:
        key_file = str(write_service_account_key(Path(folder) / "key.json"))
        print(f"Demo program, {advocates:,} advocates, pushed to the Sheets API emulator …", flush=True)
        frames = build_demo(advocates, as_of=AS_OF)
        grids = grids_from_frames(frames)
        rows = sum(len(g) - 1 for g in grids.values())

        def fresh_sheet() -> str:
            key = emulator.create_spreadsheet("bench", owner=SERVICE_ACCOUNT_EMAIL)
            GoogleSheetStore(key, credentials_file=key_file, endpoint=emulator.url).write_grids(grids)
            return key

        kit_key, naive_key = fresh_sheet(), fresh_sheet()
        new = [
            {
                R.request_id: f"REQ-B{n:05d}",
                R.requested_on: AS_OF,
                R.requester_email: "rep@example.com",
                R.team: "Sales",
                R.activity: "reference_call",
                R.status: "New",
                R.notes: "benchmark",
            }
            for n in range(NEW_REQUESTS)
        ]

        # The kit.
        store = GoogleSheetStore(kit_key, credentials_file=key_file, endpoint=emulator.url)
        store.read_grids()  # sign in once, outside the timing
        emulator.reset_counts()
        start = time.perf_counter()
        kit_grids = (
            store.read_grids()
        )  # the cells, like get_all_records (typing them is the same on any store)
        kit_read_s, kit_read_calls = time.perf_counter() - start, emulator.sheets_calls()
        emulator.reset_counts()
        start = time.perf_counter()
        store.append(schema.REQUESTS.name, new)
        kit_append_s, kit_append_calls = time.perf_counter() - start, emulator.sheets_calls()

        # The naive script, on its own copy.
        client = gspread.Client(None, session=authorized_session(load_credentials(key_file), emulator.url))
        spreadsheet = client.open_by_key(naive_key)
        emulator.reset_counts()
        start = time.perf_counter()
        records = {tab.name: spreadsheet.worksheet(tab.name).get_all_records() for tab in schema.TABS}
        naive_read_s, naive_read_calls = time.perf_counter() - start, emulator.sheets_calls()
        worksheet = spreadsheet.worksheet(schema.REQUESTS.name)
        header = schema.REQUESTS.names
        emulator.reset_counts()
        start = time.perf_counter()
        for row in new:
            worksheet.append_row([str(row.get(c, "")) for c in header], table_range="A1")
        naive_append_s, naive_append_calls = time.perf_counter() - start, emulator.sheets_calls()

    assert len(kit_grids[schema.ADVOCATES.name]) - 1 == advocates == len(records[schema.ADVOCATES.name])
    return Table(
        columns=(
            "operation",
            "kit: API calls",
            "naive: API calls",
            f"least time at {QUOTA_PER_MINUTE} calls/min, kit vs naive",
            "wall on the emulator, kit vs naive",
        ),
        rows=tuple(
            (
                label,
                f"{kit_calls:,}",
                f"{naive_calls:,}",
                f"{_duration(_quota_minutes(kit_calls))} vs {_duration(_quota_minutes(naive_calls))} "
                f"({naive_calls / kit_calls:.0f}× fewer calls)",
                f"{kit_s:.2f} s vs {naive_s:.2f} s",
            )
            for label, kit_calls, naive_calls, kit_s, naive_s in (
                ("read the whole program", kit_read_calls, naive_read_calls, kit_read_s, naive_read_s),
                (
                    f"add {NEW_REQUESTS} requests",
                    kit_append_calls,
                    naive_append_calls,
                    kit_append_s,
                    naive_append_s,
                ),
            )
        ),
        notes=(f"The demo program at {advocates:,} advocates: {rows:,} data rows in {len(grids)} tabs.",),
    )


def _duration(minutes: float) -> str:
    """``2 s``, ``1 min 40 s``: the least time Google's quota allows, as a person reads it."""
    whole, seconds = divmod(round(minutes * 60), 60)
    return f"{whole} min {seconds} s" if whole else f"{seconds} s"


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
