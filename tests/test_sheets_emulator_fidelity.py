"""The Sheets API emulator checked against real Google traffic.

``tests/fixtures/gspread_cassettes`` holds HTTP interactions that gspread's own test suite recorded against the
live Sheets v4 and Drive v3 APIs (MIT, see the README there). Every cassette whose requests all fall within
what the emulator serves is replayed in order against it, and each response's status code and JSON body is
compared with the recorded one, ids, timestamps and etags aside. The share replayed exactly is printed, and
the cassettes for the calls the kit makes must all pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from emulators.sheets import BATCH_REQUEST_KINDS, SheetsEmulator, endpoint_name

CASSETTES = Path(__file__).parent / "fixtures" / "gspread_cassettes"
USER = "gspread-tests@example.com"
HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
# Values Google generates afresh on each run: compared only in shape, and mapped for later requests.
IDS = {"spreadsheetId", "id", "sheetId", "protectedRangeId"}
VOLATILE = {"createdTime", "modifiedTime", "etag"}
# Request parameters the emulator understands, per endpoint; a cassette using others is not replayed.
SUPPORTED_PARAMS = {
    "spreadsheets.get": {"includeGridData"},
    "values.get": {"majorDimension", "valueRenderOption", "dateTimeRenderOption"},
    "values.batchGet": {"ranges", "majorDimension", "valueRenderOption", "dateTimeRenderOption"},
    "values.update": {"valueInputOption", "includeValuesInResponse", "responseValueRenderOption"},
    "values.append": {"valueInputOption", "insertDataOption", "includeValuesInResponse"},
    "values.clear": set(),
    "values.batchClear": set(),
    "values.batchUpdate": set(),
    "spreadsheets.batchUpdate": set(),
    "drive.files.create": {"supportsAllDrives"},
    "drive.files.get": {"supportsAllDrives", "includeItemsFromAllDrives", "fields"},
    "drive.files.delete": {"supportsAllDrives"},
    "drive.files.list": {"q", "pageSize", "supportsAllDrives", "includeItemsFromAllDrives", "fields"},
}
# The cassettes for the calls the kit makes: these must replay exactly.
REQUIRED = [
    "SpreadsheetTest.test_values_get",
    "SpreadsheetTest.test_values_batch_get",
    "SpreadsheetTest.test_add_del_worksheet",
    "SpreadsheetTest.test_properties",
    "WorksheetTest.test_update_and_get",
    "WorksheetTest.test_append_row",
    "WorksheetTest.test_append_row_with_empty_value",
    "WorksheetTest.test_append_row_with_empty_value_and_table_range",
    "WorksheetTest.test_clear",
    "WorksheetTest.test_batch_get",
    "WorksheetTest.test_batch_update",
]


def replayable(cassette: dict) -> bool:
    """Every request goes to an endpoint the emulator serves, with parameters and requests it knows."""
    for interaction in cassette["interactions"]:
        request = interaction["request"]
        if not request["uri"].startswith(HOSTS):
            return False
        name = endpoint_name(request["method"], urlsplit(request["uri"]).path)
        if name is None or name not in SUPPORTED_PARAMS:
            return False
        query = parse_qs(urlsplit(request["uri"]).query)
        if set(query) - SUPPORTED_PARAMS[name]:
            return False
        if name == "spreadsheets.get" and query.get("includeGridData") != ["false"]:
            return False
        if name == "spreadsheets.batchUpdate":
            body = json.loads(request["body"] or "{}")
            if any(next(iter(r)) not in BATCH_REQUEST_KINDS for r in body.get("requests", [])):
                return False
    return True


def _compare(recorded: Any, actual: Any, ids: dict, path: str = "") -> str | None:
    """None when equal (ids, timestamps and etags aside); else where they differ. Learns id mappings."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        if set(recorded) != set(actual):
            return f"{path}: keys {sorted(set(recorded) ^ set(actual))} differ"
        for key in recorded:
            if key in IDS:
                ids.setdefault(recorded[key], actual[key])
                continue
            if key in VOLATILE:
                continue
            problem = _compare(recorded[key], actual[key], ids, f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(recorded, list) and isinstance(actual, list):
        if len(recorded) != len(actual):
            return f"{path}: {len(recorded)} items recorded, {len(actual)} answered"
        for i, (a, b) in enumerate(zip(recorded, actual, strict=True)):
            problem = _compare(a, b, ids, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(recorded, str) and isinstance(actual, str):
        for old, new in ids.items():
            if isinstance(old, str) and len(old) > 20:
                recorded = recorded.replace(old, str(new))
    if recorded != actual or type(recorded) is not type(actual):
        return f"{path}: recorded {recorded!r}, answered {actual!r}"
    return None


def _substitute(text: str, ids: dict) -> str:
    for old, new in ids.items():
        if isinstance(old, str) and len(old) > 20:
            text = text.replace(old, str(new))
    return text


def _substitute_body(body: str | None, ids: dict) -> bytes | None:
    if not body:
        return None
    data = json.loads(_substitute(body, ids))

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (ids.get(v, v) if k == "sheetId" else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return json.dumps(walk(data)).encode()


def replay(emulator: SheetsEmulator, cassette: dict, session: requests.Session, token: str) -> str | None:
    """Replay one cassette in order; None when every response matches, else the first difference."""
    ids: dict = {}
    for number, interaction in enumerate(cassette["interactions"]):
        request, recorded = interaction["request"], interaction["response"]
        uri = _substitute(request["uri"], ids)
        for host in HOSTS:
            uri = uri.replace(host, emulator.url)
        response = session.request(
            request["method"],
            uri,
            data=_substitute_body(request["body"], ids),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        where = f"interaction {number} ({request['method']} {urlsplit(request['uri']).path})"
        if response.status_code != recorded["status"]["code"]:
            return f"{where}: status {response.status_code}, recorded {recorded['status']['code']}"
        text = recorded["body"]["string"]
        if not text:
            continue
        problem = _compare(json.loads(text), response.json(), ids)
        if problem:
            return f"{where}: {problem}"
    return None


@pytest.fixture(scope="module")
def results() -> dict[str, str | None]:
    emulator = SheetsEmulator().start()
    token = emulator.issue_token(USER)
    outcome = {}
    with requests.Session() as session:
        for path in sorted(CASSETTES.glob("*.json")):
            cassette = json.loads(path.read_text())
            if replayable(cassette):
                outcome[path.stem] = replay(emulator, cassette, session, token)
    emulator.stop()
    assert not emulator.errors, emulator.errors[0]
    return outcome


def test_share_of_cassettes_replayed_exactly_is_reported(results):
    exact = [name for name, problem in results.items() if problem is None]
    print(f"\nSheets emulator fidelity: {len(exact)} of {len(results)} replayable cassettes replayed exactly")
    for name, problem in sorted(results.items()):
        if problem:
            print(f"  differs: {name}: {problem}")
    assert len(results) >= len(REQUIRED)


@pytest.mark.parametrize("name", REQUIRED)
def test_cassettes_for_the_calls_the_kit_makes_replay_exactly(results, name):
    assert name in results, f"{name} is not replayable any more"
    assert results[name] is None, results[name]
