"""The command line on a Google Sheet: init-sheet, push, pull, and the everyday commands on a pushed program.

Everything runs the real CLI in-process against the Sheets API emulator, configured the way a user configures
the kit: GOOGLE_APPLICATION_CREDENTIALS (a service account key) and ADVOCACY_KIT_SHEETS_ENDPOINT (here the
emulator; for a user, a proxy).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from emulators.sheets import SERVICE_ACCOUNT_EMAIL
from kit import schema
from kit.cli import main
from kit.demo import build_demo
from kit.program import grids_from_frames
from kit.store import CREDENTIALS_ENV, ENDPOINT_ENV
from kit.store.gsheets import GoogleSheetStore
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import DEMO_AS_OF, advocate, grids_from_rows, request

AS_OF = DEMO_AS_OF.isoformat()
R = schema.REQUESTS.col


@pytest.fixture(scope="module")
def google_env(sheets_emulator, service_account_file) -> Iterator[None]:
    """The environment a user sets (module-wide, so report kernels inherit it too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CREDENTIALS_ENV, str(service_account_file))
        patch.setenv(ENDPOINT_ENV, sheets_emulator.url)
        yield


def new_sheet(emulator) -> str:
    """A new, empty spreadsheet the service account can edit (as if created by hand and shared with it)."""
    return emulator.create_spreadsheet("Advocacy program", owner=SERVICE_ACCOUNT_EMAIL)


@pytest.fixture(scope="module")
def pushed_demo(google_env, sheets_emulator, demo_workbook) -> str:
    """The demo program (300 advocates) pushed to a Google Sheet with the CLI; its key."""
    key = new_sheet(sheets_emulator)
    with pytest.raises(SystemExit) as exit_info:
        main(["push", "--from", str(demo_workbook), "--to", key])
    assert exit_info.value.code == 0
    return key


# ---------------------------------------------------------------------------------------------------------
# init-sheet, push, pull


def test_init_sheet_creates_the_sheet_shares_it_and_prints_its_url(google_env, sheets_emulator, capsys):
    code, out, _ = run(["init-sheet", "--title", "Customer advocacy", "--share", "pm@example.com"], capsys)

    assert code == 0
    key = out.split("https://docs.google.com/spreadsheets/d/")[1].split()[0]
    book = sheets_emulator.books[key]
    assert book.title == "Customer advocacy"
    assert [s.title for s in book.sheets] == [t.name for t in schema.TABS]
    assert any(p.get("emailAddress") == "pm@example.com" for p in book.permissions)


def test_push_then_pull_gives_back_the_same_program(pushed_demo, demo_workbook, tmp_path, capsys):
    copy = tmp_path / "backup.xlsx"

    code, out, _ = run(["pull", "--from", pushed_demo, "--to", str(copy)], capsys)

    assert code == 0 and "backup.xlsx" in out
    original, pulled = LocalStore(demo_workbook).read(), LocalStore(copy).read()
    for tab in schema.TABS:
        pd.testing.assert_frame_equal(pulled[tab], original[tab], check_dtype=False)


def test_push_refuses_to_overwrite_a_sheet_that_holds_rows(
    pushed_demo, demo_workbook, sheets_emulator, capsys
):
    before = sheets_emulator.values(pushed_demo, "Advocates")

    code, _, err = run(["push", "--from", str(demo_workbook), "--to", pushed_demo], capsys)

    assert code == 2 and "--replace" in err and err.count("\n") == 1
    assert sheets_emulator.values(pushed_demo, "Advocates") == before


def test_pull_will_not_overwrite_a_workbook_without_force(pushed_demo, tmp_path, capsys):
    existing = tmp_path / "mine.xlsx"
    existing.write_bytes(b"precious")

    code, _, err = run(["pull", "--from", pushed_demo, "--to", str(existing)], capsys)

    assert code == 2 and "--force" in err
    assert existing.read_bytes() == b"precious"


def test_without_credentials_the_error_names_the_variable_to_set(sheets_emulator, monkeypatch, capsys):
    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)
    monkeypatch.setenv(ENDPOINT_ENV, sheets_emulator.url)

    code, _, err = run(["info", "--source", "1" + "k" * 43], capsys)

    assert code == 2
    assert CREDENTIALS_ENV in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("command", ["validate", "info", "metrics"])
def test_without_a_network_to_google_a_command_says_in_one_line_the_sheet_could_not_be_reached(
    command, service_account_file, monkeypatch, capsys
):
    # Google's token endpoint and the Sheets host on a loopback port where nothing listens (no network).
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))  # bound, not listening: every connection is refused
    monkeypatch.setenv(CREDENTIALS_ENV, str(service_account_file))
    monkeypatch.setenv(ENDPOINT_ENV, f"http://127.0.0.1:{holder.getsockname()[1]}")
    key = "1" + "k" * 43

    try:
        code, out, err = run([command, "--source", key], capsys)
    finally:
        holder.close()

    assert code == 2 and out == ""
    assert err.startswith(f"advocacy-kit: error: {key}: the Google Sheet could not be reached")
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err
    assert str(service_account_file) not in err


def test_a_deleted_service_account_key_is_one_line_naming_the_account_not_an_internal_error(
    google_env, sheets_emulator, capsys
):
    key = new_sheet(sheets_emulator)
    sheets_emulator.fail_next(400, endpoint="oauth.token")  # Google: "invalid_grant: Invalid JWT Signature."

    code, out, err = run(["validate", "--source", key], capsys)

    assert code == 2 and out == ""
    assert err.startswith(f"advocacy-kit: error: {key}: Google refused to sign in {SERVICE_ACCOUNT_EMAIL}")
    assert err.count("\n") == 1 and "internal error" not in err


# ---------------------------------------------------------------------------------------------------------
# The everyday commands give the same answers on the Google Sheet as on the workbook


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "--json", "--as-of", AS_OF],
        ["match", "--open", "--json", "--as-of", AS_OF],
        ["metrics", "--json", "--as-of", AS_OF],
    ],
    ids=["validate", "match", "metrics"],
)
def test_command_gives_the_same_result_on_the_sheet_as_on_the_workbook(
    command, pushed_demo, demo_workbook, capsys
):
    local_code, local_out, _ = run([*command, "--source", str(demo_workbook)], capsys)
    sheet_code, sheet_out, _ = run([*command, "--source", pushed_demo], capsys)

    local, sheet = json.loads(local_out), json.loads(sheet_out)
    if isinstance(local, dict):
        local.pop("source", None), sheet.pop("source", None)
    assert sheet_code == local_code
    assert sheet == local
    assert local  # not two empty answers


@pytest.mark.slow  # two notebook kernels
def test_report_shows_the_same_figures_from_the_sheet_in_two_api_calls(
    pushed_demo, demo_workbook, sheets_emulator, tmp_path, capsys
):
    local = _report_figures(str(demo_workbook), tmp_path / "local", capsys)
    sheets_emulator.reset_counts()
    on_sheet = _report_figures(pushed_demo, tmp_path / "sheet", capsys)
    calls = dict(sheets_emulator.calls)

    local.pop("source", None), on_sheet.pop("source", None)
    assert on_sheet == local
    calls.pop("oauth.token", None)  # the kernel signs in once
    assert calls == {"spreadsheets.get": 1, "values.batchGet": 1}  # the tab names, then every tab at once


def test_a_command_makes_the_same_api_calls_whatever_the_roster_size(pushed_demo, sheets_emulator, capsys):
    small = new_sheet(sheets_emulator)
    frames = build_demo(40, as_of=DEMO_AS_OF, seed=3)
    GoogleSheetStore(small, **_env_options(sheets_emulator)).write_grids(grids_from_frames(frames))
    counts = []
    for key in (pushed_demo, small):  # 300 advocates, then 40
        sheets_emulator.reset_counts()
        code, _, _ = run(["metrics", "--json", "--as-of", AS_OF, "--source", key], capsys)
        assert code == 0
        counts.append({k: v for k, v in sheets_emulator.calls.items() if k != "oauth.token"})

    assert counts[0] == counts[1] == {"spreadsheets.get": 1, "values.batchGet": 1}


def test_match_apply_leaves_a_request_a_manager_changed_meanwhile_and_exits_3(
    google_env, sheets_emulator, capsys
):
    # Two open requests, each with one fitting advocate. Between the command's read and its write, a manager
    # assigns REQ-000001 by hand in the browser: the command must keep that edit, still write REQ-000002, say
    # what it skipped and why, and exit 3 so a scheduled run notices.
    key = new_sheet(sheets_emulator)
    grids = grids_from_rows(
        {
            "Advocates": [advocate(1, products="Product A"), advocate(2, industry="Retail")],
            "Requests": [request(1, product="Product A"), request(2, industry="Retail")],
        }
    )
    GoogleSheetStore(key, **_env_options(sheets_emulator)).write_grids(grids)
    header = grids["Requests"][0]
    row_of_req_01 = 1 + next(i for i, row in enumerate(grids["Requests"]) if row[0] == "REQ-000001")

    def manager_edits(emulator) -> None:
        emulator.set_value(key, "Requests", row_of_req_01, 1 + header.index(R.advocate_id), "ADV-0009")

    # The command reads every tab in one batchGet; the write checks the rows it changes with the next one.
    sheets_emulator.before_next(
        "values.batchGet", lambda emulator: emulator.before_next("values.batchGet", manager_edits)
    )
    code, out, _ = run(["match", "--open", "--apply", "--as-of", AS_OF, "--source", key], capsys)

    assert code == 3
    assert "Wrote 1 assignment(s):\n  REQ-000002: New → Advocate Asked (ADV-0002)\n" in out
    assert (
        "Skipped REQ-000001: changed by someone since it was read: advocate_id is now 'ADV-0009' (was '')"
        in out
    )
    now = GoogleSheetStore(key, **_env_options(sheets_emulator)).read().requests.set_index(R.request_id)
    assert now.loc["REQ-000001", R.advocate_id] == "ADV-0009"  # the manager's edit stands
    assert now.loc["REQ-000001", R.status] == "New"
    assert (now.loc["REQ-000002", R.advocate_id], now.loc["REQ-000002", R.status]) == (
        "ADV-0002",
        "Advocate Asked",  # no account owner on the advocate: asked straight away
    )


def _env_options(emulator) -> dict:
    import os

    return {"credentials_file": os.environ[CREDENTIALS_ENV], "endpoint": emulator.url}


def _report_figures(source: str, out: Path, capsys) -> dict:
    code, _, err = run(
        ["report", "goal-tracking", "--source", source, "--out", str(out), "--as-of", AS_OF], capsys
    )
    assert code == 0, err
    from kit.report import published_metrics

    (executed,) = out.glob("*.ipynb")
    return published_metrics(nbformat.read(executed, as_version=4))
