"""``advocacy-kit sync salesforce``: the real simple-salesforce client against the Salesforce emulator
(emulators/salesforce), writing a real workbook through the kit's upsert."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from emulators.salesforce import SalesforceEmulator, write_private_key
from kit import schema
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import activity, advocate

O = schema.OPPORTUNITIES.col  # noqa: E741
USER, PASSWORD, TOKEN = "ops@example.com", "correct horse", "SECTOKEN1"
ENV = {"SALESFORCE_PASSWORD": PASSWORD, "SALESFORCE_SECURITY_TOKEN": TOKEN}


def _deal(
    emulator: SalesforceEmulator, n: int, *, amount: float, won: bool, closed: bool = True, **extra
) -> str:
    return emulator.add_opportunity(
        Id=f"006{n:012d}AAA",
        Name=f"Deal {n}",
        Account={"Name": f"Account {n}", "Industry": "Insurance", "BillingCountry": "Germany"},
        Owner={"Name": "Sam Rep"},
        StageName=("Closed Won" if won else "Closed Lost") if closed else "Negotiation",
        Amount=amount,
        CreatedDate=dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC),
        CloseDate="2026-10-15",
        IsClosed=closed,
        IsWon=won,
        **extra,
    )


@pytest.fixture
def salesforce():
    """Five closed deals (three won) served two records a page, so a full read is three pages."""
    with SalesforceEmulator(page_size=2) as emulator:
        emulator.add_user(USER, PASSWORD, TOKEN)
        for n, (amount, won) in enumerate(
            [(10_000, True), (20_000, False), (30_000, True), (40_000, True), (5_000, False)], 1
        ):
            _deal(emulator, n, amount=amount, won=won)
        yield emulator


@pytest.fixture
def setup(tmp_path: Path, make_workbook, salesforce: SalesforceEmulator, monkeypatch):
    """A workbook with one advocate whose reference call (1 Oct) helped deal 1, and a config pointing the sync
    at the emulator. Returns (config path, workbook path)."""
    workbook = make_workbook(
        Advocates=[advocate(1)],
        Activities=[activity(1, **{schema.ACTIVITIES.col.opportunity_id: "006000000000001AAA"})],
    )
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        f'source = "{workbook}"\nreports_dir = "reports"\n'
        f'[sync.salesforce]\nusername = "{USER}"\nendpoint = "{salesforce.url}"\nattempts = 2\nretry_wait = 0\n'
    )
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return config, workbook


def opportunities(workbook: Path) -> dict[str, dict]:
    frame = LocalStore(workbook).read().tables[schema.OPPORTUNITIES.name]
    return {row[O.opportunity_id]: row for row in frame.to_dict("records")}


def test_first_sync_fills_opportunities_and_metrics_match_a_hand_count(setup, salesforce, capsys):
    config, workbook = setup
    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)
    assert code == 0, err
    assert "5 added, 0 changed" in out
    rows = opportunities(workbook)
    assert len(rows) == 5
    deal = rows["006000000000003AAA"]
    assert deal[O.account] == "Account 3" and deal[O.owner] == "Sam Rep" and deal[O.amount] == 30_000
    assert deal[O.stage] == "Closed Won" and bool(deal[O.is_won]) and bool(deal[O.is_closed])
    assert deal[O.industry] == "Insurance"
    assert str(deal[O.close_date])[:10] == "2026-10-15" and str(deal[O.created_on])[:10] == "2026-06-01"

    code, out, _ = run(
        ["--config", str(config), "metrics", "--period", "2026-Q4", "--as-of", "2026-11-20", "--json"], capsys
    )
    impact = json.loads(out)["impact"]
    # By hand: five deals closed on 15 October; deal 1 (won, $10,000) is the only one an advocate's activity
    # (1 October) influenced; of the other four, deals 3 and 4 were won.
    assert code == 0
    assert impact["closed"] == 5 and impact["influenced"] == 1
    assert impact["revenue_influenced"] == 10_000
    assert impact["with_advocates"]["win_rate"] == 1.0
    assert impact["without_advocates"] == {
        **impact["without_advocates"],
        "closed": 4,
        "won": 2,
        "win_rate": 0.5,
    }
    assert impact["without_advocates"]["won_amount"] == 30_000 + 40_000


def test_incremental_sync_asks_only_for_records_modified_since_the_last_one(setup, salesforce, capsys):
    config, workbook = setup
    run(["--config", str(config), "sync", "salesforce"], capsys)
    newest = salesforce.opportunities["006000000000005AAA"]["SystemModstamp"]  # the last of the five
    salesforce.update_opportunity("006000000000002AAA", Amount=25_000.0)
    _deal(salesforce, 6, amount=1_000, won=False, closed=False)
    salesforce.reset_counts()

    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 0, err
    assert f"WHERE SystemModstamp >= {newest:%Y-%m-%dT%H:%M:%SZ} ORDER BY" in salesforce.queries[-1]
    # deal 5 again (stamped in the second the last sync read up to), deal 2 changed, deal 6 new: two pages
    assert "3 read in 2 page(s)" in out and "1 added, 1 changed" in out
    assert salesforce.calls["query"] + salesforce.calls["query.more"] == 2
    assert opportunities(workbook)["006000000000002AAA"][O.amount] == 25_000


def test_a_500_on_page_3_writes_nothing_and_the_next_run_completes_it(setup, salesforce, capsys):
    config, workbook = setup
    before = workbook.read_bytes()
    salesforce.fail_on_page(3, status=500)

    code, _, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 2
    assert err.strip().count("\n") == 0 and "page 3" in err and "nothing was written" in err
    assert workbook.read_bytes() == before  # all or nothing: no half-read page set is written
    assert not (config.parent / "reports" / "sync-state.json").exists()
    code, out, _ = run(["--config", str(config), "sync", "salesforce"], capsys)
    assert code == 0 and "5 added" in out and len(opportunities(workbook)) == 5


def test_running_it_again_adds_and_changes_nothing(setup, salesforce, capsys):
    config, workbook = setup
    run(["--config", str(config), "sync", "salesforce"], capsys)
    after_first = workbook.read_bytes()

    code, out, _ = run(["--config", str(config), "sync", "salesforce", "--full"], capsys)

    assert code == 0 and "0 added, 0 changed" in out
    assert workbook.read_bytes() == after_first


def test_a_refused_log_in_is_one_line_naming_the_variables(setup, salesforce, capsys, monkeypatch):
    config, workbook = setup
    monkeypatch.setenv("SALESFORCE_SECURITY_TOKEN", "EXPIRED")

    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 2 and out == ""
    assert err.strip() == (
        "advocacy-kit: error: Salesforce refused the log-in: INVALID_LOGIN: Invalid username, password, security "
        "token; or user locked out; check the SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN variables"
    )
    assert PASSWORD not in err and "EXPIRED" not in err


def test_an_expired_session_logs_in_again_and_carries_on(setup, salesforce, capsys):
    config, workbook = setup
    salesforce.fail_on_page(2, status=401)  # the session expires between two pages

    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 0, err
    assert "5 added" in out
    assert salesforce.calls["soap.login"] == 2


def test_dry_run_shows_the_rows_and_writes_neither_the_sheet_nor_the_state(setup, salesforce, capsys):
    config, workbook = setup
    before = workbook.read_bytes()

    code, out, _ = run(["--config", str(config), "sync", "salesforce", "--dry-run", "--json"], capsys)

    result = json.loads(out)
    assert code == 0 and result["dry_run"] and result["fetched"] == 5 and result["pages"] == 3
    assert workbook.read_bytes() == before
    assert not (config.parent / "reports" / "sync-state.json").exists()


def test_jwt_bearer_log_in_with_a_connected_apps_key(setup, salesforce, capsys, tmp_path):
    config, workbook = setup
    public = write_private_key(tmp_path / "server.key")
    salesforce.add_connected_app("3MVG9-consumer-key", public_key_pem=public)
    config.write_text(
        config.read_text() + 'consumer_key = "3MVG9-consumer-key"\nprivate_key_file = "server.key"\n'
    )

    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 0, err
    assert salesforce.calls["oauth2.token"] == 1 and salesforce.calls["soap.login"] == 0


def test_a_missing_secret_variable_is_named(setup, capsys, monkeypatch):
    config, _ = setup
    monkeypatch.delenv("SALESFORCE_PASSWORD")

    code, _, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 2
    assert "SALESFORCE_PASSWORD" in err and "not set" in err


def test_an_unavailable_answer_is_retried_and_the_sync_completes(setup, salesforce, capsys):
    config, workbook = setup
    salesforce.fail_on_page(2, status=503)  # SERVER_UNAVAILABLE, once

    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 0, err
    pages = [path.rsplit("-", 1)[-1] for name, path in salesforce.log if name == "query.more"]
    assert pages == ["2", "2", "4"]  # the second page asked again
    assert "5 read in 3 page(s)" in out and "5 added" in out
    assert len(opportunities(workbook)) == 5


def test_the_api_request_limit_is_one_line_and_is_not_retried(setup, salesforce, capsys):
    config, workbook = setup
    before = workbook.read_bytes()
    salesforce.fail_next(403)  # REQUEST_LIMIT_EXCEEDED: the org's 24-hour allowance, not worth waiting for

    code, out, err = run(["--config", str(config), "sync", "salesforce"], capsys)

    assert code == 2 and out == ""
    assert err.strip() == (
        "advocacy-kit: error: Salesforce's API request limit is reached (TotalRequests Limit exceeded.); "
        "nothing was written, run sync later"
    )
    assert salesforce.calls["query"] == 1
    assert workbook.read_bytes() == before
