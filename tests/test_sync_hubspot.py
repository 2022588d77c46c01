"""``advocacy-kit sync hubspot``: the real hubspot-api-client against the HubSpot emulator (emulators/hubspot)
over loopback HTTP, writing a real workbook through the kit's upsert."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from emulators.hubspot import HubSpotEmulator
from kit import schema
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import activity, advocate

O = schema.OPPORTUNITIES.col  # noqa: E741
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
# A second pipeline whose stage ids are HubSpot's numbers: only the pipelines API says what they mean.
ENTERPRISE = "75e28846-ad0d-4be2-a027-5e1da6590b98"
ENTERPRISE_STAGES = (
    ("110382973", "Proposal", "0.5", False),
    ("110382974", "Signed", "1.0", True),
    ("110382975", "Lost to competitor", "0.0", True),
)
CLOSES = "2026-10-15T10:00:00.000Z"


@pytest.fixture
def hubspot():
    """Six deals in two pipelines, served two a page (a full read is three pages of the search): five closed
    on 15 October, three of them won, and one still open."""
    with HubSpotEmulator(page_limit=2) as emulator:
        emulator.add_token(TOKEN)
        emulator.add_pipeline(ENTERPRISE, "Enterprise", ENTERPRISE_STAGES)
        sam = emulator.add_owner("Sam", "Rep")
        kim = emulator.add_owner("Kim", "Lee")
        seeded = [
            ("Acme", "Germany", "default", "closedwon", 10_000, sam),
            ("Globex", "United States", ENTERPRISE, "110382975", 20_000, kim),
            ("Initech", "Japan", ENTERPRISE, "110382974", 30_000, sam),
            ("Umbrella", "France", "default", "closedwon", 40_000, kim),
            ("Hooli", "Canada", "default", "closedlost", 5_000, sam),
            ("Stark", "Germany", ENTERPRISE, "110382973", 50_000, kim),
        ]
        for name, country, pipeline, stage, amount, owner in seeded:
            company = emulator.add_company(name, industry="COMPUTER_SOFTWARE", country=country)
            emulator.add_deal(
                dealname=f"{name} renewal",
                pipeline=pipeline,
                dealstage=stage,
                amount=amount,
                closedate=CLOSES if stage != "110382973" else "2026-12-20T10:00:00.000Z",
                hubspot_owner_id=owner,
                company=company,
            )
        yield emulator


def deal_ids(emulator: HubSpotEmulator) -> list[str]:
    return list(emulator.deals)  # in the order they were added


@pytest.fixture
def setup(tmp_path: Path, make_workbook, hubspot: HubSpotEmulator, monkeypatch):
    """A workbook with one advocate whose reference call (1 October) helped the first deal (Acme), and a
    config pointing the sync at the emulator. Returns (config path, workbook path)."""
    workbook = make_workbook(
        Advocates=[advocate(1)],
        Activities=[activity(1, **{schema.ACTIVITIES.col.opportunity_id: deal_ids(hubspot)[0]})],
    )
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        f'source = "{workbook}"\nreports_dir = "reports"\n'
        f'[sync.hubspot]\ntoken_env = "{TOKEN_ENV}"\nendpoint = "{hubspot.url}"\nattempts = 3\nretry_wait = 0\n'
    )
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return config, workbook


def sync(config: Path, capsys, *more: str) -> tuple[int, str, str]:
    return run(["--config", str(config), "sync", "hubspot", *more], capsys)


def opportunities(workbook: Path) -> dict[str, dict]:
    frame = LocalStore(workbook).read().tables[schema.OPPORTUNITIES.name]
    return {row[O.opportunity_id]: row for row in frame.to_dict("records")}


def millis(stamp: str) -> str:
    """HubSpot's ISO time as the epoch milliseconds a search filter on a date property takes."""
    return str(int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000))


def state_file(config: Path) -> dict:
    return json.loads((config.parent / "reports" / "sync-state.json").read_text())


def test_first_sync_reads_every_deal_with_its_company_and_owner(setup, hubspot, capsys):
    config, workbook = setup

    code, out, err = sync(config, capsys)

    assert code == 0, err
    assert "HubSpot (full): 6 read in 3 page(s)" in out and "6 added, 0 changed" in out
    assert [search.get("filterGroups") for search in hubspot.searches] == [[], [], []]  # nothing filtered
    rows = opportunities(workbook)
    assert set(rows) == set(deal_ids(hubspot))
    initech = rows[deal_ids(hubspot)[2]]
    assert initech[O.account] == "Initech" and initech[O.owner] == "Sam Rep" and initech[O.amount] == 30_000
    assert initech[O.industry] == "Computer Software" and initech[O.region] == "APAC"
    assert str(initech[O.close_date])[:10] == "2026-10-15"


def test_deal_stages_are_read_through_the_pipelines_api(setup, hubspot, capsys):
    config, workbook = setup

    code, _, err = sync(config, capsys)

    assert code == 0, err
    rows = opportunities(workbook)
    read = [
        (rows[i][O.stage], bool(rows[i][O.is_closed]), bool(rows[i][O.is_won])) for i in deal_ids(hubspot)
    ]
    assert read == [
        ("Closed Won", True, True),
        ("Lost to competitor", True, False),  # stage 110382975: closed, probability 0
        ("Signed", True, True),  # stage 110382974: closed, probability 1
        ("Closed Won", True, True),
        ("Closed Lost", True, False),
        ("Proposal", False, False),  # stage 110382973: open
    ]
    assert hubspot.calls["pipelines.getAll"] == 1


def test_a_stage_renamed_in_hubspot_reaches_the_sheet_with_a_full_sync(setup, hubspot, capsys):
    config, workbook = setup
    sync(config, capsys)
    # Renaming a stage does not touch the deals' hs_lastmodifieddate, so only --full reads them again.
    hubspot.add_pipeline(
        ENTERPRISE,
        "Enterprise",
        (*ENTERPRISE_STAGES[:1], ("110382974", "Won", "1.0", True), *ENTERPRISE_STAGES[2:]),
    )

    code, out, err = sync(config, capsys, "--full")

    assert code == 0, err
    assert "0 added, 1 changed" in out
    assert opportunities(workbook)[deal_ids(hubspot)[2]][O.stage] == "Won"


def test_metrics_over_the_synced_program_equal_a_hand_count_of_the_seeded_deals(setup, hubspot, capsys):
    config, _ = setup
    code, _, err = sync(config, capsys)
    assert code == 0, err

    code, out, _ = run(
        ["--config", str(config), "metrics", "--period", "2026-Q4", "--as-of", "2026-11-20", "--json"], capsys
    )

    # By hand, from the emulator's own records: a stage is closed by its pipeline's isClosed, won when closed
    # with probability 1.0; the first deal is the one the advocate's call (1 October) helped.
    stage = {
        stage_id: (closed, closed and probability == "1.0")
        for pipeline in hubspot.pipelines.values()
        for stage_id, _label, probability, closed in pipeline["stages"]
    }
    helped = deal_ids(hubspot)[0]
    count = {
        True: {"closed": 0, "won": 0, "won_amount": 0.0},
        False: {"closed": 0, "won": 0, "won_amount": 0.0},
    }
    for deal_id, deal in hubspot.deals.items():
        props = deal["properties"]
        closed, won = stage[props["dealstage"]]
        closes = dt.date.fromisoformat(props["closedate"][:10])
        if closed and dt.date(2026, 10, 1) <= closes <= dt.date(2026, 12, 31):
            side = count[deal_id == helped]
            side["closed"] += 1
            side["won"] += won
            side["won_amount"] += float(props["amount"]) if won else 0.0
    impact = json.loads(out)["impact"]
    assert code == 0
    assert impact["closed"] == count[True]["closed"] + count[False]["closed"] == 5
    assert impact["influenced"] == count[True]["closed"] == 1
    assert impact["revenue_influenced"] == count[True]["won_amount"]
    assert impact["with_advocates"]["win_rate"] == count[True]["won"] / count[True]["closed"]
    without = impact["without_advocates"]
    assert (without["closed"], without["won"], without["won_amount"]) == (
        count[False]["closed"],
        count[False]["won"],
        count[False]["won_amount"],
    )
    assert without["win_rate"] == count[False]["won"] / count[False]["closed"]


def test_incremental_sync_asks_only_for_deals_modified_since_the_last_one(setup, hubspot, capsys):
    config, workbook = setup
    sync(config, capsys)
    ids = deal_ids(hubspot)
    newest = hubspot.deals[ids[-1]]["properties"]["hs_lastmodifieddate"]  # the last of the six
    assert state_file(config)["crms"]["hubspot"]["modified_through"][:19] == newest[:19]
    hubspot.update_deal(ids[1], amount=25_000)
    added = hubspot.add_deal(dealname="Wayne expansion", dealstage="appointmentscheduled", amount=1_000)
    hubspot.reset_counts()

    code, out, err = sync(config, capsys)

    assert code == 0, err
    # What was asked: every page of the search filtered on hs_lastmodifieddate >= the last sync's newest deal.
    for search in hubspot.searches:
        (group,) = search["filterGroups"]
        (only,) = group["filters"]
        assert (only["propertyName"], only["operator"], only["value"]) == (
            "hs_lastmodifieddate",
            "GTE",
            millis(newest),
        )
    assert [s.get("after") for s in hubspot.searches] == [None, "2"]
    # the newest deal again (modified in that very millisecond), the changed one and the new one
    assert "3 read in 2 page(s)" in out and "1 added, 1 changed" in out
    rows = opportunities(workbook)
    assert rows[ids[1]][O.amount] == 25_000 and rows[added][O.stage] == "Appointment Scheduled"


def test_a_500_on_page_3_writes_nothing_and_the_next_run_completes_it(setup, hubspot, capsys):
    config, workbook = setup
    before = workbook.read_bytes()
    hubspot.fail_on_page(3, status=500)

    code, out, err = sync(config, capsys)

    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.strip() == (
        "advocacy-kit: error: HubSpot answered 500 (internal error) on page 3; nothing was written, run sync again"
    )
    assert workbook.read_bytes() == before  # all or nothing: the two pages read are not written
    assert not (config.parent / "reports" / "sync-state.json").exists()

    code, out, err = sync(config, capsys)

    assert code == 0, err
    assert "HubSpot (full): 6 read" in out and "6 added" in out
    assert set(opportunities(workbook)) == set(deal_ids(hubspot))


def test_running_it_again_adds_and_changes_nothing(setup, hubspot, capsys):
    config, workbook = setup
    sync(config, capsys)
    after_first = workbook.read_bytes()

    code, out, _ = sync(config, capsys)
    assert code == 0 and "0 added, 0 changed" in out
    code, out, _ = sync(config, capsys, "--full")
    assert code == 0 and "6 read" in out and "0 added, 0 changed" in out

    assert workbook.read_bytes() == after_first


def test_a_refused_token_is_one_line_naming_the_variable(setup, hubspot, capsys, monkeypatch):
    config, workbook = setup
    before = workbook.read_bytes()
    monkeypatch.setenv(TOKEN_ENV, "pat-na1-revoked-0000")

    code, out, err = sync(config, capsys)

    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("advocacy-kit: error: HubSpot refused the access token: Authentication credentials")
    assert err.rstrip().endswith(f"check the {TOKEN_ENV} variable")
    assert "pat-na1-revoked-0000" not in err
    assert workbook.read_bytes() == before


def test_a_missing_token_variable_is_named_before_hubspot_is_called(setup, hubspot, capsys, monkeypatch):
    config, _ = setup
    monkeypatch.delenv(TOKEN_ENV)

    code, _, err = sync(config, capsys)

    assert code == 2
    assert err.strip() == (
        f"advocacy-kit: error: the environment variable {TOKEN_ENV} (named by [sync.hubspot] token_env) is not set"
    )
    assert sum(hubspot.calls.values()) == 0


def test_a_rate_limit_answer_is_waited_out_and_the_sync_completes(setup, hubspot, capsys):
    config, workbook = setup
    hubspot.fail_on_page(2, status=429)  # HubSpot's "secondly limit" body, once

    code, out, err = sync(config, capsys)

    assert code == 0, err
    assert [s.get("after") for s in hubspot.searches] == [None, "2", "2", "4"]  # page 2 asked again
    assert "6 read in 3 page(s)" in out and "6 added" in out
    assert set(opportunities(workbook)) == set(deal_ids(hubspot))


def test_a_rate_limit_that_lasts_stops_after_the_configured_attempts(setup, hubspot, capsys):
    config, workbook = setup
    before = workbook.read_bytes()
    hubspot.fail_on_page(1, status=429, times=10)

    code, _, err = sync(config, capsys)

    assert code == 2
    assert len(hubspot.searches) == 3  # attempts = 3 in the config
    assert err.strip() == (
        "advocacy-kit: error: HubSpot's rate limit is reached (You have reached your secondly limit) and "
        "waiting did not help; nothing was written, run sync later"
    )
    assert workbook.read_bytes() == before


def test_dry_run_shows_the_rows_and_writes_neither_the_sheet_nor_the_state(setup, hubspot, capsys):
    config, workbook = setup
    before = workbook.read_bytes()

    code, out, _ = sync(config, capsys, "--dry-run", "--json")

    result = json.loads(out)
    assert code == 0 and result["dry_run"] and result["fetched"] == 6 and result["pages"] == 3
    assert workbook.read_bytes() == before
    assert not (config.parent / "reports" / "sync-state.json").exists()
