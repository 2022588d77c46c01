"""The Google Sheet store on the real gspread client, over HTTP, against the local Sheets API emulator.

What the shared store contract (tests/test_store.py) cannot say about a shared sheet: how many API calls each
operation makes, what happens under quota errors and outages, another person editing between two calls, the
cell ceiling, access errors, and how values are stored in the sheet (RAW text, serial-number dates).
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.sheets import SERVICE_ACCOUNT_EMAIL
from kit import schema, sheet_setup
from kit.errors import ConflictError, SourceError
from kit.store import RowUpdate
from kit.store.gsheets import (
    MAX_REQUEST_BYTES,
    GoogleSheetStore,
    RetryPolicy,
    create_sheet,
    load_credentials,
)
from tests.factories import advocate, grids_from_rows, request
from tests.properties import examples

A, R, O = schema.ADVOCATES.col, schema.REQUESTS.col, schema.OPPORTUNITIES.col
FAST = RetryPolicy(attempts=4, first_wait=0.01, max_wait=0.05, max_total=5)


@pytest.fixture
def sheet(new_google_sheet, sheets_emulator):
    """sheet(**tabs) -> a store on a new Google Sheet holding those rows; API call counts start at zero."""

    def factory(**tabs):
        store = new_google_sheet()
        store.write_grids(grids_from_rows(tabs))
        sheets_emulator.reset_counts()
        sheets_emulator.clear_injections()  # none left over from a test that failed before using its own
        return store

    return factory


def cell(emulator, store, tab: str, row: int, column: str):
    """What the emulator stores in one cell, found by the column's header."""
    values = emulator.values(store.key, tab)
    return values[row - 1][values[0].index(column)]


# ---------------------------------------------------------------------------------------------------------
# API calls


@pytest.mark.parametrize("advocates", [3, 300])
def test_reading_a_whole_program_is_one_batch_get_whatever_its_size(sheet, sheets_emulator, advocates):
    store = sheet(Advocates=[advocate(n) for n in range(1, advocates + 1)], Requests=[request(1)])

    program = store.read()

    assert len(program.advocates) == advocates
    assert sheets_emulator.calls["values.batchGet"] == 1
    assert sheets_emulator.calls["spreadsheets.get"] == 1  # the tab names
    assert sheets_emulator.sheets_calls() == 2


def test_append_is_one_call_per_batch(sheet, sheets_emulator):
    store = sheet(Advocates=[advocate(1)])

    rows = store.append("Advocates", [advocate(2), advocate(3), advocate(4)])

    assert rows == [3, 4, 5]
    assert sheets_emulator.calls["values.append"] == 1
    # Before it: the tab's size (for the cell ceiling) and its header (columns may have been moved).
    assert sheets_emulator.sheets_calls() == 3


def test_a_large_append_is_split_into_requests_under_the_payload_limit(sheet, sheets_emulator):
    store = sheet(Advocates=[advocate(1)])
    # 6,000 rows with 400-character notes: about 3 MB of JSON, more than one request may carry.
    new = [advocate(n, notes="n" * 400) for n in range(2, 6002)]

    rows = store.append("Advocates", new)

    sizes = [size for endpoint, _, size in sheets_emulator.log if endpoint == "values.append"]
    assert len(sizes) >= 2 and all(size <= MAX_REQUEST_BYTES < 2_000_000 for size in sizes)
    assert rows == list(range(3, 6003))
    ids = [r[0] for r in sheets_emulator.values(store.key, "Advocates")[1:]]
    assert ids == [advocate(n)[A.advocate_id] for n in range(1, 6002)]  # every row once, in order


def test_keyed_update_is_three_calls_whatever_the_roster_size(sheet, sheets_emulator):
    store = sheet(Advocates=[advocate(n) for n in range(1, 301)])

    rows = store.update(
        "Advocates", [RowUpdate("ADV-0150", {A.status: "Paused"}, expected={A.status: "Active"})]
    )

    assert rows == [151]
    assert sheets_emulator.calls["values.batchGet"] == 2  # header + key column; then the target row
    assert sheets_emulator.calls["values.batchUpdate"] == 1
    assert sheets_emulator.sheets_calls() == 3
    assert cell(sheets_emulator, store, "Advocates", 151, A.status) == "Paused"


def test_update_still_finds_the_key_column_after_a_manager_moved_it(sheet, sheets_emulator):
    grids = grids_from_rows({"Requests": [request(1), request(2)]})
    grids["Requests"] = [row[1:] + row[:1] for row in grids["Requests"]]  # request_id is now the last column
    store = sheet()
    store.write_grids(grids)
    sheets_emulator.reset_counts()

    store.update("Requests", [RowUpdate("REQ-000002", {R.status: "Scheduled"}, expected={R.status: "New"})])

    assert cell(sheets_emulator, store, "Requests", 3, R.status) == "Scheduled"
    assert sheets_emulator.sheets_calls() == 4  # one more read: the key column where it now stands


# ---------------------------------------------------------------------------------------------------------
# Quotas and outages


def test_quota_errors_then_success_append_the_rows_exactly_once(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_next(429, times=2, endpoint="values.append")

    rows = store.append("Requests", [request(2)])

    assert rows == [3]
    assert sheets_emulator.calls["values.append"] == 3  # two refusals, then the one that counted
    ids = [r[0] for r in sheets_emulator.values(store.key, "Requests")[1:]]
    assert ids == ["REQ-000001", "REQ-000002"]


def request_ids(emulator, store) -> list[str]:
    return [r[0] for r in emulator.values(store.key, "Requests")[1:]]


def test_an_append_google_committed_before_answering_503_is_added_once(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_after_next("values.append", 503)

    rows = store.append("Requests", [request(2), request(3)])

    assert request_ids(sheets_emulator, store) == ["REQ-000001", "REQ-000002", "REQ-000003"]
    assert rows == [3, 4]
    assert sheets_emulator.calls["values.append"] == 1  # read back, found, not sent again


def test_an_append_google_refused_with_503_is_sent_again(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_next(503, endpoint="values.append")  # refused: nothing written

    rows = store.append("Requests", [request(2)])

    assert request_ids(sheets_emulator, store) == ["REQ-000001", "REQ-000002"]
    assert rows == [3]
    assert sheets_emulator.calls["values.append"] == 2


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "refused"])
def test_a_key_already_in_the_tab_before_the_append_does_not_count_as_written_by_it(
    sheet, sheets_emulator, committed
):
    # The store does not refuse a duplicate key (validate reports it); a retry must not take the old row for
    # the one it was adding.
    store = sheet(Requests=[request(1), request(2)])
    if committed:
        sheets_emulator.fail_after_next("values.append", 503)
    else:
        sheets_emulator.fail_next(503, endpoint="values.append")

    rows = store.append("Requests", [request(2)])

    assert request_ids(sheets_emulator, store) == ["REQ-000001", "REQ-000002", "REQ-000002"]
    assert rows == [4]


def test_an_append_committed_on_its_last_try_is_found_and_not_reported_as_failed(
    new_google_sheet, sheets_emulator
):
    store = new_google_sheet(retry=RetryPolicy(attempts=2, first_wait=0.01, max_wait=0.05, max_total=5))
    store.write_grids(grids_from_rows({"Requests": [request(1)]}))
    sheets_emulator.fail_next(503, endpoint="values.append")  # first try: refused
    sheets_emulator.fail_after_next("values.append", 500)  # last try: written, then 500

    rows = store.append("Requests", [request(2)])

    assert rows == [3] and request_ids(sheets_emulator, store) == ["REQ-000001", "REQ-000002"]


def test_an_append_that_keeps_failing_says_so_and_adds_nothing(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_next(503, times=FAST.attempts, endpoint="values.append")

    with pytest.raises(SourceError, match="kept failing .* the rows were not added"):
        store.append("Requests", [request(2)])

    assert request_ids(sheets_emulator, store) == ["REQ-000001"]
    assert sheets_emulator.calls["values.append"] == FAST.attempts


def test_an_append_whose_answer_the_network_lost_is_checked_not_repeated(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_after_next("values.append", None)  # written; the connection closes unanswered

    rows = store.append("Requests", [request(2)])

    assert rows == [3] and request_ids(sheets_emulator, store) == ["REQ-000001", "REQ-000002"]
    assert sheets_emulator.calls["values.append"] == 1


def test_an_append_that_failed_when_its_rows_cannot_be_checked_says_it_is_not_known(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_after_next("values.append", 503)  # written, then 503 …
    sheets_emulator.before_next(  # … and Google keeps failing the reads that would tell
        "values.append",
        lambda emulator: emulator.fail_next(500, times=FAST.attempts, endpoint="values.batchGet"),
    )

    with pytest.raises(SourceError, match="it is not known whether Google added the rows") as error:
        store.append("Requests", [request(2)])

    assert "\n" not in str(error.value) and "look at the last rows of Requests" in str(error.value)
    assert request_ids(sheets_emulator, store) == ["REQ-000001", "REQ-000002"]
    assert sheets_emulator.calls["values.append"] == 1  # never sent blind


@pytest.mark.parametrize("tabs", [{}, {"Requests": [request(1)]}], ids=["new sheet", "tabs there"])
def test_tabs_google_made_before_answering_503_are_written_as_if_it_had_answered(
    new_google_sheet, sheets_emulator, tabs
):
    store = new_google_sheet()
    if tabs:
        store.write_grids(grids_from_rows(tabs))
    sheets_emulator.fail_after_next("spreadsheets.batchUpdate", 503)  # the tabs are made, the answer is 503

    store.write_grids(grids_from_rows({"Requests": [request(2)]}))

    book = sheets_emulator.books[store.key]
    assert [s.title for s in book.sheets] == [t.name for t in schema.TABS]
    assert request_ids(sheets_emulator, store) == ["REQ-000002"]
    requests_tab = sheets_emulator.sheet(store.key, "Requests")
    assert len(requests_tab.protected_ranges) == 1 and len(requests_tab.conditional_formats) == 1


def test_writing_a_program_again_keeps_one_drop_down_per_column(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    once = list(sheets_emulator.sheet(store.key, "Requests").validations)

    store.write_grids(grids_from_rows({"Requests": [request(1)]}))

    assert sheets_emulator.sheet(store.key, "Requests").validations == once


def test_a_quota_that_never_clears_ends_in_an_error_naming_it_after_bounded_tries(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    sheets_emulator.fail_next(429, times=FAST.attempts, endpoint="values.batchGet")

    with pytest.raises(SourceError, match="quota exceeded") as error:
        store.read()

    assert "60 requests per minute" in str(error.value)
    assert sheets_emulator.calls["values.batchGet"] == FAST.attempts


def test_persistent_server_errors_leave_the_sheet_untouched(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    before = sheets_emulator.values(store.key, "Requests")
    sheets_emulator.fail_next(500, times=FAST.attempts, endpoint="values.batchUpdate")

    with pytest.raises(SourceError, match="kept failing"):
        store.update(
            "Requests", [RowUpdate("REQ-000001", {R.status: "Cancelled"}, expected={R.status: "New"})]
        )

    assert sheets_emulator.values(store.key, "Requests") == before
    assert sheets_emulator.calls["values.batchUpdate"] == FAST.attempts


def test_retry_waits_grow_and_stay_bounded(new_google_sheet, sheets_emulator):
    waits: list[float] = []
    policy = RetryPolicy(attempts=5, first_wait=1.0, max_wait=4.0, max_total=60)
    store = new_google_sheet(retry=policy, sleep=waits.append)
    store.write_grids(grids_from_rows({}))
    sheets_emulator.fail_next(503, times=4, endpoint="values.batchGet")

    store.read()

    assert len(waits) == 4  # four refusals, four waits, then success on the fifth try
    assert all(0 <= w <= 4.0 for w in waits)  # jittered, capped at max_wait


# ---------------------------------------------------------------------------------------------------------
# Other people's edits


def test_an_edit_made_between_our_read_and_our_write_is_refused_and_kept(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])
    seen = store.read().requests.loc[2]
    status_col = schema.REQUESTS.names.index(R.status) + 1

    def colleague_edits(emulator):  # a manager sets the status in the browser just before our write
        emulator.set_value(store.key, "Requests", 2, status_col, "Cancelled")

    sheets_emulator.before_next("values.batchGet", colleague_edits)

    with pytest.raises(ConflictError, match="Requests!P2"):
        store.update(
            "Requests",
            [RowUpdate("REQ-000001", {R.status: "Scheduled"}, expected={R.status: seen[R.status]})],
        )

    assert cell(sheets_emulator, store, "Requests", 2, R.status) == "Cancelled"
    assert sheets_emulator.calls["values.batchUpdate"] == 0


def test_a_row_moved_between_our_two_reads_is_refused(sheet, sheets_emulator):
    store = sheet(Requests=[request(1), request(2)])
    calls = {"n": 0}

    def sort_between_reads(emulator):  # after we located REQ-002 on row 3, someone sorts newest first
        calls["n"] += 1
        if calls["n"] == 2:
            rows = emulator.sheet(store.key, "Requests").rows
            rows[1], rows[2] = rows[2], rows[1]

    sheets_emulator.before_next("values.batchGet", sort_between_reads)
    sheets_emulator.before_next("values.batchGet", sort_between_reads)

    with pytest.raises(ConflictError, match="no longer holds"):
        store.update("Requests", [RowUpdate("REQ-000002", {R.status: "Scheduled"})])

    assert cell(sheets_emulator, store, "Requests", 2, R.status) == "New"
    assert cell(sheets_emulator, store, "Requests", 3, R.status) == "New"


# ---------------------------------------------------------------------------------------------------------
# How values are stored


def test_formula_looking_text_is_stored_as_text_not_as_a_formula(sheet, sheets_emulator):
    store = sheet(Advocates=[advocate(1)])

    store.append(
        "Advocates", [advocate(2, notes='=IMPORTXML("http://evil.example","//a")', title="+1 555 0100")]
    )

    assert cell(sheets_emulator, store, "Advocates", 3, A.notes) == '=IMPORTXML("http://evil.example","//a")'
    assert cell(sheets_emulator, store, "Advocates", 3, A.title) == "+1 555 0100"
    assert store.read().advocates.loc[3, A.notes] == '=IMPORTXML("http://evil.example","//a")'


def test_dates_are_sheet_dates_and_numbers_are_numbers(sheet, sheets_emulator):
    store = sheet(
        Advocates=[advocate(1, joined_on=dt.date(2025, 1, 1), max_per_quarter=3)],
        Opportunities=[{O.opportunity_id: "OPP-1", O.account: "Acme", O.amount: 3_800_000.5, O.is_won: True}],
    )

    # 2025-01-01 is day 45,658 counted from 1899-12-30, the Sheets epoch.
    assert cell(sheets_emulator, store, "Advocates", 2, A.joined_on) == 45658
    joined_col = schema.ADVOCATES.names.index(A.joined_on) + 1
    assert (
        sheets_emulator.sheet(store.key, "Advocates").date_pattern(2, joined_col) == sheet_setup.DATE_PATTERN
    )
    assert cell(sheets_emulator, store, "Advocates", 2, A.max_per_quarter) == 3
    assert cell(sheets_emulator, store, "Opportunities", 2, O.amount) == 3_800_000.5
    assert cell(sheets_emulator, store, "Opportunities", 2, O.is_won) is True


def test_serial_numbers_typed_by_hand_into_date_columns_read_as_dates(sheets_emulator, service_account_file):
    grids = grids_from_rows({"Advocates": [advocate(1)]})
    header = grids["Advocates"][0]
    grids["Advocates"][1][header.index(A.last_verified)] = 45658
    key = sheets_emulator.create_spreadsheet("By hand", owner=SERVICE_ACCOUNT_EMAIL, grids=grids)
    store = GoogleSheetStore(key, credentials_file=str(service_account_file), endpoint=sheets_emulator.url)

    program = store.read()

    assert program.advocates.loc[2, A.last_verified].date() == dt.date(2025, 1, 1)
    assert program.raw["Advocates"].loc[2, A.last_verified] == dt.datetime(2025, 1, 1)


# ---------------------------------------------------------------------------------------------------------
# Limits and access


def test_a_write_that_would_pass_ten_million_cells_is_refused_before_writing(sheet, sheets_emulator):
    store = sheet(Advocates=[advocate(1)])
    # Someone padded the Activities tab to 9,999,000 cells (999,900 rows × 10 columns, by hand).
    activities = sheets_emulator.sheet(store.key, "Activities")
    activities.row_count, activities.col_count = 999_900, 10

    with pytest.raises(SourceError, match="10,000,000 cells"):
        store.append("Advocates", [advocate(n) for n in range(2, 50)])

    assert sheets_emulator.calls["values.append"] == 0


def test_a_sheet_not_shared_with_the_service_account_says_whom_to_share_it_with(
    sheets_emulator, service_account_file
):
    key = sheets_emulator.create_spreadsheet("Private", owner="manager@example.com")
    store = GoogleSheetStore(
        key, credentials_file=str(service_account_file), endpoint=sheets_emulator.url, retry=FAST
    )

    with pytest.raises(SourceError) as error:
        store.read()

    message = str(error.value)
    assert f"share the sheet with {SERVICE_ACCOUNT_EMAIL}" in message
    assert "PRIVATE KEY" not in message and "\n" not in message


def test_an_unknown_sheet_key_says_there_is_no_such_sheet(sheets_emulator, service_account_file):
    store = GoogleSheetStore(
        "1" + "x" * 43, credentials_file=str(service_account_file), endpoint=sheets_emulator.url
    )

    with pytest.raises(SourceError, match="no Google Sheet with key 1xxx"):
        store.read()


def test_a_missing_key_file_is_named_without_reading_anything(tmp_path):
    store = GoogleSheetStore("1" + "x" * 43, credentials_file=str(tmp_path / "nope.json"))

    with pytest.raises(SourceError, match="nope.json does not exist"):
        store.read()


def test_the_store_never_shows_its_credentials(new_google_sheet, service_account_file):
    store = new_google_sheet()
    store.read_grids()

    assert "PRIVATE" not in repr(store) and str(service_account_file) not in repr(store)


# ---------------------------------------------------------------------------------------------------------
# Creating the shared sheet


def test_init_sheet_lays_out_every_tab_in_one_structure_call(sheets_emulator, service_account_file):
    sheets_emulator.reset_counts()

    store = create_sheet(
        "Customer advocacy",
        share=["pm@example.com"],
        credentials_file=str(service_account_file),
        endpoint=sheets_emulator.url,
    )

    book = sheets_emulator.books[store.key]
    assert [s.title for s in book.sheets] == [t.name for t in schema.TABS]
    assert sheets_emulator.calls["spreadsheets.batchUpdate"] == 1
    assert {"emailAddress": "pm@example.com", "role": "writer"}.items() <= book.permissions[0].items()
    advocates = sheets_emulator.sheet(store.key, "Advocates")
    assert advocates.frozen_rows == 1
    assert advocates.rows[0] == schema.ADVOCATES.names
    assert [p["warningOnly"] for p in advocates.protected_ranges] == [True]
    # A drop-down for each of the tab's one-of-a-list columns, with its values.
    status = schema.ADVOCATES.names.index(A.status)
    rules = {v["range"]["startColumnIndex"]: v["rule"] for v in advocates.validations}
    enum_columns = [i for i, c in enumerate(schema.ADVOCATES.columns) if c.kind is schema.Kind.ENUM]
    assert sorted(rules) == enum_columns
    assert [v["userEnteredValue"] for v in rules[status]["condition"]["values"]] == list(
        schema.ADVOCATE_STATUSES
    )
    assert advocates.notes[(1, 1)] == schema.ADVOCATES.column(A.advocate_id).description
    # Stale profiles: last_verified is column T here; the rule reads stale_after_days from Settings.
    (stale,) = advocates.conditional_formats
    formula = stale["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
    assert "$T2 < TODAY()" in formula and '"stale_after_days"' in formula
    (overdue,) = sheets_emulator.sheet(store.key, "Requests").conditional_formats
    formula = overdue["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
    assert "$N2 < TODAY()" in formula and '$P2="New"' in formula
    settings = sheets_emulator.values(store.key, "Settings")
    assert len(settings) == 1 + len(schema.SETTING_DEFAULTS)
    assert store.read().settings.stale_after_days == 365


@settings(
    max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=60).filter(lambda t: t.strip()))
def test_any_text_a_person_types_reads_back_exactly(new_google_sheet, sheets_emulator, text):
    store = _text_sheet(new_google_sheet)

    (row,) = store.append("Advocates", [advocate(1, notes=text)])

    header = store.read_grids()["Advocates"][0]
    assert store.read_grids()["Advocates"][row - 1][header.index(A.notes)] == text


_TEXT_SHEETS: dict = {}


def _text_sheet(new_google_sheet):
    """One sheet for every example of the property test (a new sheet per example would be slow)."""
    if "store" not in _TEXT_SHEETS:
        store = new_google_sheet()
        store.write_grids(grids_from_rows({}))
        _TEXT_SHEETS["store"] = store
    return _TEXT_SHEETS["store"]


def test_credentials_and_tokens_never_reach_the_logs(new_google_sheet, service_account_file, caplog):
    caplog.set_level(logging.DEBUG)
    store = new_google_sheet()
    store.write_grids(grids_from_rows({"Advocates": [advocate(1)]}))

    store.read()

    token = store.client.http_client.session.credentials.token
    assert token and token not in caplog.text
    assert "PRIVATE KEY" not in caplog.text and "private_key" not in caplog.text


# ---------------------------------------------------------------------------------------------------------
# No network: every call says in one line that the sheet could not be reached


@pytest.fixture
def dead_port():
    """A loopback address where nothing listens: the port is held (bound, not listening), so connecting
    is refused at once and no other process can take it meanwhile."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{holder.getsockname()[1]}"
    holder.close()


@pytest.fixture
def silent_server():
    """A loopback address that accepts connections and never answers (a firewall that drops, a hung proxy)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshake; nobody ever reads or answers
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


# What each of the store's operations does to the sheet, for the parametrised tests below.
OPERATIONS = {
    "read": lambda store: store.read(),
    "info": lambda store: store.info(),
    "append": lambda store: store.append("Requests", [request(2)]),
    "update": lambda store: store.update("Requests", [RowUpdate("REQ-000001", {R.status: "Cancelled"})]),
    "write_grids": lambda store: store.write_grids(grids_from_rows({"Requests": [request(1)]})),
    "replace_tab": lambda store: store.replace_tab("Requests", grids_from_rows({})["Requests"]),
}


def _says_unreachable(error: SourceError, store: GoogleSheetStore) -> None:
    message = str(error)
    assert message.startswith(f"{store.source}: ") and "could not be reached" in message
    assert "\n" not in message and "PRIVATE KEY" not in message and "service-account.json" not in message


@pytest.mark.parametrize("operation", OPERATIONS)
def test_without_the_token_server_each_operation_says_the_sheet_could_not_be_reached(
    operation, dead_port, service_account_file
):
    store = GoogleSheetStore(
        "1" + "k" * 43, credentials_file=str(service_account_file), endpoint=dead_port, retry=FAST
    )

    with pytest.raises(SourceError) as error:
        OPERATIONS[operation](store)

    _says_unreachable(error.value, store)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_when_the_sheets_host_goes_away_each_operation_says_the_sheet_could_not_be_reached(
    operation, sheet, sheets_emulator, service_account_file, dead_port
):
    # Signed in already (the token is still good), then the network to Google goes.
    store = sheet(Requests=[request(1)])
    credentials = load_credentials(str(service_account_file))
    GoogleSheetStore(store.key, credentials=credentials, endpoint=sheets_emulator.url).read_grids()
    offline = GoogleSheetStore(store.key, credentials=credentials, endpoint=dead_port, retry=FAST)

    with pytest.raises(SourceError) as error:
        OPERATIONS[operation](offline)

    _says_unreachable(error.value, offline)
    assert sheets_emulator.calls["oauth.token"] == 1  # the token was not the problem


def test_a_token_server_that_never_answers_ends_after_the_timeout(silent_server, service_account_file):
    store = GoogleSheetStore(
        "1" + "k" * 43,
        credentials_file=str(service_account_file),
        endpoint=silent_server,
        retry=FAST,
        timeout=0.5,
    )
    started = time.monotonic()

    with pytest.raises(SourceError, match="no answer within 0.5 s") as error:
        store.read()

    assert time.monotonic() - started < 5
    _says_unreachable(error.value, store)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_key_google_no_longer_accepts_says_so_in_one_line(
    operation, sheet, sheets_emulator, service_account_file
):
    # The service account's key was deleted in the Cloud console: Google's token endpoint answers 400.
    key = sheet(Requests=[request(1)]).key
    store = GoogleSheetStore(
        key, credentials_file=str(service_account_file), endpoint=sheets_emulator.url, retry=FAST
    )
    sheets_emulator.fail_next(400, endpoint="oauth.token")

    with pytest.raises(SourceError) as error:
        OPERATIONS[operation](store)

    message = str(error.value)
    assert message.startswith(f"{key}: Google refused to sign in {SERVICE_ACCOUNT_EMAIL}")
    assert "Invalid JWT Signature" in message and "make a new key" in message
    assert "\n" not in message and "PRIVATE KEY" not in message


def test_a_sign_in_refused_just_before_an_append_is_sent_says_so_and_adds_nothing(sheet, sheets_emulator):
    store = sheet(Requests=[request(1)])

    def token_expires_and_key_is_deleted(emulator):
        emulator.tokens.clear()  # Google answers 401; google-auth signs in again …
        emulator.fail_next(400, endpoint="oauth.token")  # … and the key has been deleted meanwhile

    sheets_emulator.before_next("values.append", token_expires_and_key_is_deleted)

    with pytest.raises(SourceError, match="Google refused to sign in .* while appending rows to Requests"):
        store.append("Requests", [request(2)])

    assert request_ids(sheets_emulator, store) == ["REQ-000001"]


def test_creating_a_sheet_without_the_network_says_google_could_not_be_reached(
    dead_port, service_account_file
):
    with pytest.raises(SourceError, match="could not be reached") as error:
        create_sheet("Customer advocacy", credentials_file=str(service_account_file), endpoint=dead_port)

    assert "\n" not in str(error.value)


@pytest.mark.parametrize("answer", [503, None], ids=["503", "answer lost"])
def test_a_sheet_google_created_before_its_answer_failed_is_created_once(
    sheets_emulator, service_account_file, answer
):
    title = f"Customer advocacy ({answer})"
    sheets_emulator.fail_after_next("drive.files.create", answer)  # created, then 503 or no answer

    store = create_sheet(title, credentials_file=str(service_account_file), endpoint=sheets_emulator.url)

    named = [key for key, book in sheets_emulator.books.items() if book.title == title]
    assert named == [store.key]
    assert [s.title for s in sheets_emulator.books[store.key].sheets] == [t.name for t in schema.TABS]
