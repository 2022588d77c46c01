"""Requests a person typed in the sheet without a request_id get the next free id (``requests --fill-ids``,
and before the kit logs a request), on the workbook and on the Google Sheet; a row changed meanwhile is left
for next time, never overwritten."""

from __future__ import annotations

import datetime as dt

import pytest

from emulators.sheets import SERVICE_ACCOUNT_EMAIL
from kit import schema
from kit.actions import fill_request_ids, log_request
from kit.store import CREDENTIALS_ENV, ENDPOINT_ENV
from kit.store.gsheets import GoogleSheetStore
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import grids_from_rows, request

R = schema.REQUESTS.col


def _typed(team: str, email: str) -> dict:
    """A request as a person types it in the sheet: no request_id."""
    return request(0, **{R.request_id: None, R.team: team, R.requester_email: email})


def _ids(store) -> list:
    return list(store.read().requests[R.request_id])


def test_typed_rows_get_the_next_ids_in_sheet_order(store_factory):
    rows = [request(7), _typed("Sales", "a@example.com"), request(3), _typed("Events", "b@example.com")]
    store = store_factory(grids_from_rows({"Requests": rows}))

    written, skipped = fill_request_ids(store, store.read())

    # REQ-000007 is the highest in use: the typed rows (sheet rows 3 and 5) follow it, top to bottom.
    assert _ids(store) == ["REQ-000007", "REQ-000008", "REQ-000003", "REQ-000009"]
    assert [(w.row, w.key) for w in written] == [(3, "REQ-000008"), (5, "REQ-000009")]
    assert skipped == []
    emails = store.read().requests.set_index(R.request_id)[R.requester_email]
    assert emails["REQ-000008"] == "a@example.com" and emails["REQ-000009"] == "b@example.com"


def test_a_typed_row_changed_since_read_is_skipped_and_the_others_filled(store_factory):
    first, second = _typed("Sales", "a@example.com"), _typed("Events", "b@example.com")
    store = store_factory(grids_from_rows({"Requests": [request(1), first, second]}))
    seen = store.read()
    # Meanwhile the person who typed row 3 corrects its team.
    edited = dict(first, **{R.team: "Customer Success"})
    store.write_grids(grids_from_rows({"Requests": [request(1), edited, second]}))

    written, skipped = fill_request_ids(store, seen)

    assert [(w.row, w.key) for w in written] == [(4, "REQ-000003")]
    assert [row for row, _ in skipped] == [3] and "team" in skipped[0][1]
    assert _ids(store) == ["REQ-000001", None, "REQ-000003"]
    assert store.read().requests.loc[3, R.team] == "Customer Success"  # the edit stands

    again, _ = fill_request_ids(store, store.read())  # the next run fills it
    assert [(w.row, w.key) for w in again] == [(3, "REQ-000004")]


def test_logging_a_request_first_fills_the_typed_ones(tmp_path):
    store = LocalStore(tmp_path / "program.xlsx")
    store.write_grids(grids_from_rows({"Requests": [request(1), _typed("Sales", "a@example.com")]}))

    write = log_request(
        store,
        {R.requester_email: "c@example.com", R.team: "Sales", R.activity: "reference_call"},
        as_of=dt.date(2026, 11, 20),
    )

    assert write.key == "REQ-000003"
    assert _ids(store) == ["REQ-000001", "REQ-000002", "REQ-000003"]


def test_fill_ids_command_prints_each_id_given_and_exits_0(tmp_path, capsys):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(
        grids_from_rows({"Requests": [request(1), _typed("Sales", "a@example.com")]})
    )

    code, out, err = run(["requests", "--fill-ids", "--source", str(path), "--as-of", "2026-11-20"], capsys)

    assert code == 0, err
    assert "Requests row 3 (REQ-000002) updated: request_id '' → 'REQ-000002'" in out
    assert "REQ-000002" in out.split("updated", 1)[1]  # and the queue lists it
    assert _ids(LocalStore(path)) == ["REQ-000001", "REQ-000002"]

    code, out, _ = run(["requests", "--fill-ids", "--source", str(path), "--json"], capsys)
    assert code == 0 and out.lstrip().startswith("[")  # nothing to fill: the JSON alone on stdout


def test_fill_ids_command_on_a_google_sheet_skips_a_row_edited_meanwhile_and_exits_3(
    sheets_emulator, service_account_file, monkeypatch, capsys
):
    monkeypatch.setenv(CREDENTIALS_ENV, str(service_account_file))
    monkeypatch.setenv(ENDPOINT_ENV, sheets_emulator.url)
    key = sheets_emulator.create_spreadsheet("Advocacy program", owner=SERVICE_ACCOUNT_EMAIL)
    grids = grids_from_rows(
        {"Requests": [request(1), _typed("Sales", "a@example.com"), _typed("Events", "b@example.com")]}
    )
    store = GoogleSheetStore(key, credentials_file=str(service_account_file), endpoint=sheets_emulator.url)
    store.write_grids(grids)
    team = 1 + grids["Requests"][0].index(R.team)

    def person_edits(emulator) -> None:  # row 4's team corrected in the browser
        emulator.set_value(key, "Requests", 4, team, "Customer Success")

    # The command reads the sheet once (one batchGet), then the edit lands before anything is written.
    sheets_emulator.before_next(
        "values.batchGet", lambda emulator: emulator.before_next("values.batchGet", person_edits)
    )
    code, out, _ = run(["requests", "--fill-ids", "--source", key, "--as-of", "2026-11-20"], capsys)

    assert code == 3
    assert "Requests row 3 (REQ-000002) updated" in out
    assert "Skipped Requests row 4: changed by someone since it was read" in out
    now = store.read().requests
    assert list(now[R.request_id]) == ["REQ-000001", "REQ-000002", None]
    assert now.loc[4, R.team] == "Customer Success"


@pytest.mark.parametrize("rows", [[request(1), request(2)]])
def test_nothing_typed_nothing_written(tmp_path, capsys, rows):
    path = tmp_path / "program.xlsx"
    LocalStore(path).write_grids(grids_from_rows({"Requests": rows}))
    before = path.stat().st_mtime_ns

    code, out, _ = run(["requests", "--fill-ids", "--source", str(path)], capsys)

    assert code == 0 and "nothing was written" in out
    assert path.stat().st_mtime_ns == before


def test_match_apply_first_numbers_a_typed_request_then_assigns_it(make_workbook, capsys):
    from tests.factories import advocate

    path = make_workbook(
        Advocates=[advocate(1)],
        Requests=[request(1, **{R.status: "Cancelled"}), _typed("Sales", "a@example.com")],
    )

    code, out, err = run(
        ["match", "--open", "--apply", "--source", str(path), "--as-of", "2026-11-20"], capsys
    )

    assert code == 0, err
    assert "Requests row 3 (REQ-000002) updated: request_id '' → 'REQ-000002'" in out
    assert "REQ-000002: New → Advocate Asked (ADV-0001)" in out
    now = LocalStore(path).read().requests.loc[3]
    assert (now[R.request_id], now[R.advocate_id], now[R.status]) == (
        "REQ-000002",
        "ADV-0001",
        "Advocate Asked",
    )
