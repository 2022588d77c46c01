"""A tab with a value far from its data (the grid's far corner, its last row) is read by what it really holds.

Reads that could abort the process (calamine allocating the whole grid: SIGABRT, no Python error) run in a
subprocess, so an abort fails the test instead of ending pytest.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from kit import schema
from kit.errors import SourceError
from kit.store.local import LocalStore
from kit.validate import validate
from tests.factories import DEMO_AS_OF, grids_from_rows, request

ROOT = Path(__file__).resolve().parents[1]
LAST_ROW = 1_048_576


def _with_a_stray_value(path: Path, cell: str) -> Path:
    """Two requests, then one value a person typed (or pasted) at ``cell`` of the Requests tab."""
    LocalStore(path).write_grids(grids_from_rows({"Requests": [request(1), request(2)]}))
    book = openpyxl.load_workbook(path)
    book["Requests"][cell] = "stray"
    book.save(path)
    return path


def _in_a_subprocess(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_a_value_at_the_grids_far_corner_is_read_without_aborting(tmp_path):
    path = _with_a_stray_value(tmp_path / "program.xlsx", f"XFD{LAST_ROW}")

    done = _in_a_subprocess(f"""
        from kit.store.local import LocalStore
        print(sorted(LocalStore({str(path)!r}).read().requests["request_id"]))
    """)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['REQ-000001', 'REQ-000002']"


def test_a_workbook_with_a_value_at_the_far_corner_takes_updates_and_appends(tmp_path):
    path = _with_a_stray_value(tmp_path / "program.xlsx", f"XFD{LAST_ROW}")

    done = _in_a_subprocess(f"""
        from kit.store import RowUpdate
        from kit.store.local import LocalStore
        from tests.factories import request
        store = LocalStore({str(path)!r})
        store.update("Requests", [RowUpdate("REQ-000001", {{"status": "Completed"}})])
        print(store.append("Requests", [request(3)]))
        print(store.read().requests.set_index("request_id")["status"].to_dict())
    """)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "[4]",  # right below the data, not below the stray value
        "{'REQ-000001': 'Completed', 'REQ-000002': 'New', 'REQ-000003': 'New'}",
    ]


def test_a_stray_value_on_the_grids_last_row_is_one_finding_for_the_blank_rows_above_it(tmp_path):
    path = _with_a_stray_value(tmp_path / "program.xlsx", f"A{LAST_ROW}")

    findings = validate(LocalStore(path).read(), as_of=DEMO_AS_OF)

    blank = findings[findings["code"] == "blank_row"]
    assert len(blank) == 1
    assert blank.iloc[0]["row"] == 4  # the first of them
    assert "4 to 1,048,575" in blank.iloc[0]["message"]


def test_appending_below_the_grids_last_row_is_one_clear_error(tmp_path):
    path = _with_a_stray_value(tmp_path / "program.xlsx", f"A{LAST_ROW}")
    before = path.read_bytes()

    with pytest.raises(
        SourceError, match=rf"tab 'Requests' has no room for 1 new row.*ends at row {LAST_ROW:,}"
    ):
        LocalStore(path).append("Requests", [request(3)])

    assert path.read_bytes() == before


def test_a_tab_too_big_to_read_even_under_its_header_is_one_clear_error(tmp_path):
    # 100 header columns down to the last row: 104 million cells, past what the kit reads.
    path = tmp_path / "program.xlsx"
    grids = grids_from_rows({"Requests": [request(1)]})
    grids["Requests"][0] += [f"extra_{i}" for i in range(100 - len(grids["Requests"][0]))]
    LocalStore(path).write_grids(grids)
    book = openpyxl.load_workbook(path)
    book["Requests"][f"CV{LAST_ROW}"] = "stray"
    book.save(path)

    done = _in_a_subprocess(f"""
        from kit.cli import main
        main(["validate", "--source", {str(path)!r}])
    """)

    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.splitlines() == [
        f"advocacy-kit: error: {path}: tab 'Requests' has a value in cell CV{LAST_ROW}, far below the rest of "
        "its data; delete the rows below the data (the kit reads at most 671,088 rows of 100 columns)"
    ]


def test_a_tab_read_within_its_bounds_reads_as_before(tmp_path):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(
        grids_from_rows({"Requests": [request(1, requested_on=dt.date(2026, 1, 2))]})
    )

    requests = LocalStore(path).read().requests

    assert requests.loc[2, schema.REQUESTS.col.requested_on].date() == dt.date(2026, 1, 2)


def _a_big_roster(path: Path, rows: int, **cells: str) -> Path:
    """``rows`` requests (enough that the tab is read through its bounded copy), then ``cells`` typed in."""
    requests = [request(n) for n in range(1, rows + 1)]
    LocalStore(path).write_grids(grids_from_rows({"Requests": requests}))
    book = openpyxl.load_workbook(path)
    for cell, value in cells.items():
        book["Requests"][cell] = value
    book.save(path)
    return path


def test_a_stray_header_cell_at_the_far_right_is_the_cell_named_in_one_clear_error(tmp_path):
    # Before: 'a value in cell T5001, far below the rest of its data' (T5001 is real data); with fewer rows,
    # 30 s and 4 GB to read every row out to column XFD.
    path = _a_big_roster(tmp_path / "program.xlsx", 5_000, XFD1="x")
    width = len(grids_from_rows({"Requests": [request(1)]})["Requests"][0])

    with pytest.raises(SourceError) as error:
        LocalStore(path).read()

    assert str(error.value) == (
        f"{path}: tab 'Requests' has a value in cell XFD1, far right of its header, which ends at column "
        f"{openpyxl.utils.get_column_letter(width)}; delete it, or move that column next to the others"
    )


def test_an_extra_column_beside_the_header_is_still_read_when_the_tab_is_cut_to_its_header(tmp_path):
    width = len(grids_from_rows({"Requests": [request(1)]})["Requests"][0])
    beside = openpyxl.utils.get_column_letter(width + 3)  # two blank header cells, then a manager's column
    path = _a_big_roster(
        tmp_path / "program.xlsx", 1_100, **{f"{beside}1": "follow_up", f"{beside}2": "EMEA", "XFD7": "stray"}
    )

    requests = LocalStore(path).read().requests

    assert requests.loc[2, "follow_up"] == "EMEA"
    assert len(requests) == 1_100


def _without_dimensions(path: Path) -> Path:
    """The workbook with every sheet's <dimension> taken out, as openpyxl's write-only mode writes it."""
    import re
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            parts[info.filename] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def test_a_value_at_the_far_corner_of_a_sheet_without_a_dimension_is_read_without_aborting(tmp_path):
    path = _without_dimensions(_with_a_stray_value(tmp_path / "program.xlsx", f"XFD{LAST_ROW}"))

    done = _in_a_subprocess(f"""
        from kit.store.local import LocalStore
        print(sorted(LocalStore({str(path)!r}).read().requests["request_id"]))
    """)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['REQ-000001', 'REQ-000002']"


def test_a_workbook_the_kit_wrote_is_read_as_it_is_without_a_trimmed_copy(tmp_path):
    import zipfile

    from kit.store.xlsx_extent import bounded_copy

    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Requests": [request(n) for n in range(1, 29)]}))
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(b"<dimension" in xml for xml in sheets)  # the case this test is about

    assert [bounded_copy(path, tab.name, "program.xlsx") for tab in schema.TABS] == [None] * len(schema.TABS)
