"""What only the local workbook has to prove: crashes, second writers, office locks and unreadable files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import filelock
import openpyxl
import pytest

from kit import schema
from kit.errors import SchemaError, SourceError
from kit.store import RowUpdate, open_store
from kit.store.local import LocalStore
from tests.conftest import grids_from_rows
from tests.test_store import advocate, request_row

R = schema.REQUESTS.col
ROOT = Path(__file__).resolve().parents[1]


def _run_python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT)


def test_a_write_killed_mid_save_leaves_the_old_workbook_intact(tmp_path):
    path = tmp_path / "big.xlsx"
    rows = [request_row(1 + i % 28, request_id=f"REQ-{i:06d}", notes="x" * 40) for i in range(8_000)]
    LocalStore(path).write_grids(grids_from_rows({"Requests": rows}))
    before = path.read_bytes()

    writer = _run_python(f"""
        from kit.store.local import LocalStore
        from kit.store import RowUpdate
        LocalStore({str(path)!r}).update("Requests", [RowUpdate("REQ-000000", {{"status": "Completed"}})])
    """)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".big.xlsx.*.tmp")):  # the writer has started saving its new copy
        assert writer.poll() is None, (
            "the writer finished before it could be killed; make the workbook bigger"
        )
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()

    assert path.read_bytes() == before
    program = LocalStore(path).read()
    assert len(program.requests) == 8_000
    assert program.requests.loc[2, R.status] == "New"


def test_two_writers_at_once_both_land(tmp_path):
    path = tmp_path / "shared.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Requests": [request_row(n) for n in range(1, 11)]}))
    script = """
        from kit.store.local import LocalStore
        from kit.store import RowUpdate
        store = LocalStore({path!r})
        for n in {numbers!r}:
            store.update("Requests", [RowUpdate(f"REQ-{{n:03d}}", {{"notes": "done by {who}"}})])
    """
    a = _run_python(script.format(path=str(path), numbers=[1, 3, 5, 7, 9], who="a"))
    b = _run_python(script.format(path=str(path), numbers=[2, 4, 6, 8, 10], who="b"))
    assert a.wait(timeout=120) == 0 and b.wait(timeout=120) == 0

    notes = LocalStore(path).read().requests.set_index(R.request_id)[R.notes]
    assert notes.to_dict() == {f"REQ-{n:03d}": f"done by {'a' if n % 2 else 'b'}" for n in range(1, 11)}


def test_a_workbook_open_in_libreoffice_is_not_written(tmp_path):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Requests": [request_row(1)]}))
    (tmp_path / ".~lock.program.xlsx#").write_text("someone,host,...")
    before = path.read_bytes()

    with pytest.raises(SourceError, match="open in LibreOffice or Excel"):
        LocalStore(path).update("Requests", [RowUpdate("REQ-001", {R.status: "Completed"})])

    assert path.read_bytes() == before


def test_a_workbook_locked_by_another_writer_gives_up_with_a_clear_error(tmp_path):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Requests": [request_row(1)]}))
    before = path.read_bytes()

    with (
        filelock.FileLock(str(tmp_path / ".program.xlsx.lock")),
        pytest.raises(SourceError, match="locked by another writer"),
    ):
        LocalStore(path, lock_timeout=0.2).append("Requests", [request_row(2)])

    assert path.read_bytes() == before


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        open_store(str(tmp_path / "nope.xlsx")).read()


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("just text")

    with pytest.raises(SourceError, match="not a readable .xlsx workbook"):
        open_store(str(path)).read()


def test_a_missing_tab_is_named(tmp_path):
    path = tmp_path / "program.xlsx"
    grids = grids_from_rows({})
    del grids["Nominations"]
    LocalStore(path).write_grids(grids)

    with pytest.raises(SchemaError, match="no tab 'Nominations'"):
        LocalStore(path).read()


def test_a_renamed_required_column_is_named_with_a_guess(tmp_path):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Advocates": [advocate(1)]}))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Advocates"]
    for cell in sheet[1]:
        if cell.value == "email":
            cell.value = "E-mail address"
    workbook.save(path)

    with pytest.raises(SchemaError, match=r"tab 'Advocates' has no column 'email'.*'e_mail_address'"):
        LocalStore(path).read()


def test_headers_are_matched_whatever_their_case_and_spacing(tmp_path):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Advocates": [advocate(1)]}))
    workbook = openpyxl.load_workbook(path)
    workbook["Advocates"]["A1"].value = " Advocate ID "
    workbook.save(path)

    assert LocalStore(path).read().advocates.loc[2, "advocate_id"] == "ADV-0001"


def test_source_that_is_neither_workbook_nor_sheet_is_refused():
    with pytest.raises(SourceError, match="not an .xlsx workbook or a Google Sheet"):
        open_store("program.csv")
