"""The read cache: a typed copy of a local workbook is used only while the workbook is unchanged."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kit import schema
from kit.store import open_store
from kit.store.local import LocalStore
from tests.factories import advocate, grids_from_rows

A = schema.ADVOCATES.col


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("ADVOCACY_KIT_CACHE", raising=False)
    return folder / "advocacy-kit"


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Advocates": [advocate(1), advocate(2)]}))
    return path


def names(path: Path) -> list[str]:
    return open_store(str(path)).read().advocates[A.name].tolist()


def test_a_read_keeps_one_private_typed_copy_and_the_next_read_gives_the_same_program(cache, workbook):
    first = open_store(str(workbook)).read()
    copies = list(cache.iterdir())
    assert len(copies) == 1
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700 and stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    written = copies[0].stat().st_mtime_ns

    again = open_store(str(workbook)).read()

    for tab in first.tables:
        pd.testing.assert_frame_equal(again.tables[tab], first.tables[tab])
        pd.testing.assert_frame_equal(again.raw[tab], first.raw[tab])
    assert copies[0].stat().st_mtime_ns == written  # served from the copy, not read and written again


def test_an_edit_by_another_program_is_seen_even_with_the_old_modified_time_put_back(cache, workbook):
    assert names(workbook) == ["Person 1", "Person 2"]
    before = workbook.stat()
    book = openpyxl.load_workbook(workbook)
    book["Advocates"]["B2"] = "Dana Ortiz"  # as Excel or LibreOffice would save it
    book.save(workbook)
    os.utime(workbook, ns=(before.st_atime_ns, before.st_mtime_ns))  # a sync client restoring the time

    assert names(workbook) == ["Dana Ortiz", "Person 2"]


def test_rows_the_kit_appends_are_seen_by_the_next_read(cache, workbook):
    assert len(open_store(str(workbook)).read().advocates) == 2
    LocalStore(workbook).append("Advocates", [advocate(3)])
    assert names(workbook) == ["Person 1", "Person 2", "Person 3"]


def test_a_damaged_copy_is_ignored_and_replaced(cache, workbook):
    names(workbook)
    (copy,) = cache.iterdir()
    copy.write_bytes(b"not a pickle")

    assert names(workbook) == ["Person 1", "Person 2"]
    assert copy.read_bytes() != b"not a pickle"


def test_each_workbook_has_its_own_copy(cache, workbook, tmp_path):
    other = tmp_path / "other.xlsx"
    LocalStore(other).write_grids(grids_from_rows({"Advocates": [advocate(7)]}))
    assert names(workbook) == ["Person 1", "Person 2"]
    assert names(other) == ["Person 7"]
    assert names(workbook) == ["Person 1", "Person 2"]
    assert len(list(cache.iterdir())) == 2


def test_the_copy_of_a_deleted_workbook_goes_when_the_next_copy_is_written(cache, workbook, tmp_path):
    other = tmp_path / "other.xlsx"
    LocalStore(other).write_grids(grids_from_rows({"Advocates": [advocate(7)]}))
    names(workbook), names(other)
    assert len(list(cache.iterdir())) == 2

    other.unlink()
    LocalStore(workbook).append("Advocates", [advocate(3)])  # the workbook changes: its copy is written anew

    assert names(workbook) == ["Person 1", "Person 2", "Person 3"]
    assert len(list(cache.iterdir())) == 1


def test_a_copy_keeps_the_source_as_this_read_names_it(cache, workbook, monkeypatch):
    open_store(str(workbook)).read()
    monkeypatch.chdir(workbook.parent)
    assert open_store("program.xlsx").read().source == "program.xlsx"


def test_the_cache_can_be_turned_off(cache, workbook, monkeypatch):
    monkeypatch.setenv("ADVOCACY_KIT_CACHE", "off")
    assert names(workbook) == ["Person 1", "Person 2"]
    assert not cache.exists()


def test_a_report_run_keeps_its_copy_once_the_block_ends(cache, workbook):
    # render_reports reads inside copies_kept_afterwards: its figures go out before the copy is written.
    from kit.store.cache import copies_kept_afterwards

    with copies_kept_afterwards():
        assert names(workbook) == ["Person 1", "Person 2"]
        assert not cache.exists() or not list(cache.iterdir())
    assert len(list(cache.iterdir())) == 1
    assert names(workbook) == ["Person 1", "Person 2"]


def test_a_copy_kept_after_validation_gives_the_same_findings_as_a_fresh_read(cache, workbook, monkeypatch):
    import datetime as dt

    from kit.store.cache import copies_kept_afterwards
    from kit.validate import validate

    book = openpyxl.load_workbook(workbook)
    book["Advocates"]["C3"] = "person.two@"  # a bad e-mail, found by the checks of the cells
    book.save(workbook)
    day = dt.date(2026, 11, 20)
    with copies_kept_afterwards():
        fresh = validate(open_store(str(workbook)).read(), as_of=day)
    copy = open_store(str(workbook)).read()  # the copy, holding the findings of the cells
    monkeypatch.setenv("ADVOCACY_KIT_CACHE", "off")

    assert "bad_email" in set(fresh["code"])
    pd.testing.assert_frame_equal(validate(copy, as_of=day), fresh)
    pd.testing.assert_frame_equal(validate(open_store(str(workbook)).read(), as_of=day), fresh)
