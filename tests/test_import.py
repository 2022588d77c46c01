"""`advocacy-kit import`: bring an inherited roster and a CRM's export into the program, as a program manager does.

Each test runs the real command line in-process on a real workbook (or on the Sheets API emulator). The expected
figures are worked out in the test from the export itself, with the csv module, never with the kit's code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from kit import schema
from kit.store import CREDENTIALS_ENV, ENDPOINT_ENV
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import activity, advocate, grids_from_rows

FIXTURES = Path(__file__).parent / "fixtures" / "import"
A, O = schema.ADVOCATES.col, schema.OPPORTUNITIES.col
QUARTER_START, AS_OF = dt.date(2026, 10, 1), dt.date(2026, 11, 20)  # 2026-Q4, as of 20 November


@pytest.fixture
def export(tmp_path):
    """export(name) -> a copy of a fixture file in the test's folder (the mapping is written beside it)."""

    def copy(name: str) -> Path:
        return Path(shutil.copy(FIXTURES / name, tmp_path / name))

    return copy


def metrics_of(workbook: Path, capsys) -> dict:
    code, out, _ = run(
        ["metrics", "--source", str(workbook), "--period", "2026-Q4", "--as-of", AS_OF.isoformat(), "--json"],
        capsys,
    )
    assert code == 0
    return json.loads(out)


def closed_this_quarter(close_date: dt.date) -> bool:
    return QUARTER_START <= close_date <= AS_OF


# ------------------------------------------------------------------------------------------------------------
# CRM exports, without a mapping file


def test_a_salesforce_opportunities_report_imports_as_is_and_the_metrics_are_the_reports_own_counts(
    make_workbook, export, capsys
):
    report = export("salesforce_opportunities.csv")
    workbook = make_workbook()

    code, out, _ = run(["import", str(report), "--tab", "Opportunities", "--source", str(workbook)], capsys)

    assert code == 0, out
    assert "Preset: a Salesforce Opportunities report (detected from the headers)." in out
    # By hand from the report as Salesforce wrote it (Windows-1252, "USD 1,234.00", M/D/YYYY, 1/0, a footer).
    with report.open(encoding="cp1252", newline="") as handle:
        deals = []
        for row in csv.DictReader(handle):
            if not row["Stage"]:
                break  # the blank line before the report's footer
            deals.append(row)
    closed = [
        d
        for d in deals
        if d["Closed"] == "1"
        and closed_this_quarter(dt.datetime.strptime(d["Close Date"], "%m/%d/%Y").date())
    ]
    won = [d for d in closed if d["Won"] == "1"]
    won_amount = sum(float(d["Amount"].removeprefix("USD ").replace(",", "")) for d in won)
    impact = metrics_of(workbook, capsys)["impact"]
    assert impact["closed"] == len(closed) == 5
    assert impact["without_advocates"]["won"] == len(won) == 3
    assert impact["without_advocates"]["win_rate"] == pytest.approx(len(won) / len(closed))
    assert impact["without_advocates"]["won_amount"] == pytest.approx(won_amount)
    assert len(LocalStore(workbook).read().opportunities) == len(deals)


def test_a_hubspot_deals_export_imports_as_is_and_the_metrics_are_the_exports_own_counts(
    make_workbook, export, capsys
):
    deals_file = export("hubspot_deals.csv")
    with deals_file.open(encoding="utf-8", newline="") as handle:
        deals = list(csv.DictReader(handle))
    helped = deals[0]["Record ID"]  # an advocate gave a reference call for the first deal before it closed
    workbook = make_workbook(
        Advocates=[advocate(1)],
        Activities=[activity(1, day=dt.date(2026, 10, 1), **{schema.ACTIVITIES.col.opportunity_id: helped})],
    )

    code, out, _ = run(
        ["import", str(deals_file), "--tab", "Opportunities", "--source", str(workbook)], capsys
    )

    assert code == 0, out
    assert "Preset: a HubSpot deals export (detected from the headers)." in out
    # By hand: a deal is closed in one of HubSpot's two closed stages; its close date is "YYYY-MM-DD HH:MM".
    closed = [
        d
        for d in deals
        if d["Deal Stage"] in ("Closed Won", "Closed Lost")
        and closed_this_quarter(dt.date.fromisoformat(d["Close Date"][:10]))
    ]
    won = [d for d in closed if d["Deal Stage"] == "Closed Won"]
    influenced = [d for d in closed if d["Record ID"] == helped]
    others_won = [d for d in won if d["Record ID"] != helped]
    impact = metrics_of(workbook, capsys)["impact"]
    assert impact["closed"] == len(closed) == 5
    assert impact["influenced"] == len(influenced) == 1
    assert impact["with_advocates"]["won"] == 1
    assert impact["revenue_influenced"] == pytest.approx(float(deals[0]["Amount"]))
    assert impact["without_advocates"]["won"] == len(others_won) == 2
    # a won deal without an amount counts as won, and adds nothing to the amount won
    assert impact["without_advocates"]["won_amount"] == pytest.approx(
        sum(float(d["Amount"]) for d in others_won if d["Amount"])
    )


# ------------------------------------------------------------------------------------------------------------
# An inherited roster


def test_an_inherited_roster_imports_with_a_nickname_duplicate_reported_and_a_misspelled_value_suggested(
    make_workbook, export, capsys
):
    roster = export("inherited_roster.csv")
    workbook = make_workbook(
        Advocates=[
            advocate(1, name="Robert Smith", company="Granite Mutual", email="robert.smith@granitemutual.com")
        ]
    )

    code, out, _ = run(["import", str(roster), "--tab", "Advocates", "--source", str(workbook)], capsys)

    assert code == 1  # one row refused: the possible duplicate; the others are written
    assert "name         ← 'Full Name' (known header)" in out
    assert "not imported: 'Happy to speak?': no column of Advocates is close enough" in out
    assert "'Bob Smith' at Granite Mutual looks like Advocates row 2 (ADV-0001, Robert Smith)" in out
    assert 'company_size: "Entreprise" read as "Enterprise" (closest allowed value)' in out
    people = LocalStore(workbook).read().advocates.set_index(A.name)
    assert sorted(people.index) == ["Dana Ortiz", "Kenji Sato", "Lucía Gómez", "Robert Smith"]
    assert people.at["Dana Ortiz", A.company_size] == "Enterprise"
    assert people.at["Dana Ortiz", A.region] == "EMEA"  # Germany, through the region table
    mapping = roster.with_name("inherited_roster.mapping.toml").read_text(encoding="utf-8")
    assert 'Enterprise = ["Entreprise"]' in mapping  # kept for next time, where it can be corrected


def test_an_edited_mapping_file_is_used_as_written(make_workbook, tmp_path, capsys):
    deals = tmp_path / "pipeline.csv"
    deals.write_text(
        "Deal,Customer,Phase,Value,Expected Close\n"
        "D-1,Acme,Signed,5000,2026-10-10\n"
        "D-2,Globex,Dead,7000,2026-10-12\n"
        "D-3,Initech,Talking,9000,2026-12-01\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "pipeline.toml"
    mapping.write_text(
        "[columns]\n"
        'opportunity_id = "Deal"\naccount = "Customer"\nstage = "Phase"\namount = "Value"\n'
        'close_date = "Expected Close"\n'
        '[values.stage]\nwon = ["Signed"]\nlost = ["Dead"]\n',
        encoding="utf-8",
    )
    workbook = make_workbook()

    code, out, _ = run(
        [
            "import",
            str(deals),
            "--tab",
            "opportunities",
            "--mapping",
            str(mapping),
            "--source",
            str(workbook),
        ],
        capsys,
    )

    assert code == 0, out
    frame = LocalStore(workbook).read().opportunities.set_index(O.opportunity_id)
    assert frame[O.is_closed].tolist() == [True, True, False]
    assert frame[O.is_won].tolist() == [True, False, False]
    assert not (tmp_path / "pipeline.mapping.toml").exists()  # a mapping given is not rewritten


def test_an_export_saved_as_a_workbook_sheet_imports_as_its_csv_does(make_workbook, export, tmp_path, capsys):
    deals = export("hubspot_deals.csv")
    with deals.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    book = openpyxl.Workbook()
    book.active.title = "All deals"
    book.active.append(rows[0])
    for row in rows[1:]:  # as Excel holds them: numbers and dates, not text
        record_id, amount, created, closes = row[0], row[4], row[5], row[6]
        row[0], row[4] = int(record_id), float(amount) if amount else None
        row[5], row[6] = dt.datetime.fromisoformat(created), dt.datetime.fromisoformat(closes)
        book.active.append(row)
    book.save(tmp_path / "deals.xlsx")
    workbook = make_workbook()
    run(["import", str(deals), "--tab", "Opportunities", "--source", str(workbook)], capsys)

    code, out, _ = run(
        [
            "import",
            f"{tmp_path / 'deals.xlsx'}#All deals",
            "--tab",
            "Opportunities",
            "--source",
            str(workbook),
        ],
        capsys,
    )

    assert code == 0
    assert "Opportunities: 0 added, 0 changed, 0 refused, 7 unchanged" in out


# ------------------------------------------------------------------------------------------------------------
# Idempotent, dry run, refusals


@pytest.mark.parametrize(
    ("name", "tab"),
    [
        ("salesforce_opportunities.csv", "Opportunities"),
        ("hubspot_deals.csv", "Opportunities"),
        ("inherited_roster.csv", "Advocates"),
    ],
)
def test_the_same_import_twice_adds_and_changes_nothing_and_leaves_the_workbook_bytes_alone(
    make_workbook, export, capsys, name, tab
):
    workbook = make_workbook(Advocates=[advocate(1)])
    args = ["import", str(export(name)), "--tab", tab, "--source", str(workbook)]
    run(args, capsys)
    before = workbook.read_bytes()

    code, out, _ = run(args, capsys)

    assert f"{tab}: 0 added, 0 changed," in out
    assert "Nothing to write: the program already holds every row" in out
    assert workbook.read_bytes() == before
    assert code == (1 if tab == "Advocates" else 0)  # the roster's possible duplicate is refused each time


def test_a_dry_run_shows_each_row_to_add_and_each_cell_to_change_and_writes_nothing(
    make_workbook, export, capsys
):
    deals = export("hubspot_deals.csv")
    workbook = make_workbook(
        Opportunities=[{O.opportunity_id: "18734500123", O.account: "Granite Mutual", O.amount: 9000}]
    )
    before = workbook.read_bytes()

    code, out, _ = run(
        ["import", str(deals), "--tab", "Opportunities", "--source", str(workbook), "--dry-run"], capsys
    )

    assert code == 0
    assert "Opportunities: 6 added, 1 changed, 0 refused, 0 unchanged" in out
    assert "+ 18734500124 (" in out and "account 'Harbor Health'" in out
    assert "~ 18734500123 (sheet row 2, " in out and "amount '9000' → '12000'" in out
    assert out.rstrip().endswith("Dry run: nothing was written to the program.")
    assert workbook.read_bytes() == before


def test_json_gives_the_mapping_and_the_diff_as_data(make_workbook, export, capsys):
    workbook = make_workbook()

    code, out, _ = run(
        ["import", str(export("hubspot_deals.csv")), "--tab", "Opportunities"]
        + ["--source", str(workbook), "--dry-run", "--json"],
        capsys,
    )

    result = json.loads(out)
    assert code == 0 and result["dry_run"] is True and result["written"] is False
    assert result["mapping"]["preset"] == "hubspot"
    assert result["mapping"]["columns"][O.owner] == "Deal owner"
    assert len(result["added"]) == 7 and result["summary"].startswith("7 added")


def test_rows_the_file_does_not_hold_are_kept_and_listed_when_asked(make_workbook, export, capsys):
    workbook = make_workbook(Opportunities=[{O.opportunity_id: "OLD-1", O.account: "Old Co"}])

    code, out, _ = run(
        ["import", str(export("hubspot_deals.csv")), "--tab", "Opportunities"]
        + ["--source", str(workbook), "--report-missing"],
        capsys,
    )

    assert code == 0
    assert "in Opportunities and not in the input (1, kept): OLD-1" in out
    assert "OLD-1" in LocalStore(workbook).read().opportunities[O.opportunity_id].tolist()


def test_a_row_with_a_cell_that_cannot_be_read_is_refused_naming_its_row_and_column_and_the_others_written(
    make_workbook, tmp_path, capsys
):
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "Opportunity ID,Account Name,Amount,Close Date\n"
        "OPP-1,Acme,1000,2026-10-01\n"
        "OPP-2,Globex,lots,2026-10-02\n"
        "OPP-3,Initech,3000,2026-10-03\n",
        encoding="utf-8",
    )
    workbook = make_workbook()

    code, out, _ = run(["import", str(deals), "--tab", "Opportunities", "--source", str(workbook)], capsys)

    assert code == 1
    assert f"! {deals} row 3: column 'Amount' (amount): \"lots\" is not an amount" in out
    assert LocalStore(workbook).read().opportunities[O.opportunity_id].tolist() == ["OPP-1", "OPP-3"]


def test_a_cell_that_looks_like_a_formula_is_written_as_text(make_workbook, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        'Full Name,Email,Company,Notes\nEve Hacker,eve@x.com,Evil Corp,"=HYPERLINK(""http://evil"",""x"")"\n',
        encoding="utf-8",
    )
    workbook = make_workbook()

    code, out, _ = run(["import", str(roster), "--tab", "Advocates", "--source", str(workbook)], capsys)

    assert code == 0, out
    assert LocalStore(workbook).read().raw["Advocates"].at[2, A.notes] == '=HYPERLINK("http://evil","x")'


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"Full Name,Email\r\nAna,\x81\x8d\x90@x.com\r\n", "row 2, column 2: byte 0x81 is not text"),
        (None, "no such file"),
    ],
)
def test_a_file_that_cannot_be_read_exits_2_with_one_line_and_writes_nothing(
    make_workbook, tmp_path, capsys, content, said
):
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_bytes(content)
    workbook = make_workbook()
    before = workbook.read_bytes()

    code, out, err = run(["import", str(path), "--tab", "Advocates", "--source", str(workbook)], capsys)

    assert code == 2 and out == ""
    assert err.startswith(f"advocacy-kit: error: {path}") and said in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert workbook.read_bytes() == before


# ------------------------------------------------------------------------------------------------------------
# A Google Sheet


def test_a_google_sheet_takes_an_import_in_a_handful_of_api_calls(
    new_google_sheet, sheets_emulator, service_account_file, export, monkeypatch, capsys
):
    monkeypatch.setenv(CREDENTIALS_ENV, str(service_account_file))
    monkeypatch.setenv(ENDPOINT_ENV, sheets_emulator.url)
    store = new_google_sheet()
    store.write_grids(grids_from_rows({}))
    args = ["import", str(export("salesforce_opportunities.csv")), "--tab", "Opportunities"]
    args += ["--source", store.key]
    sheets_emulator.reset_counts()

    code, out, _ = run(args, capsys)

    first = dict(sheets_emulator.calls)
    assert code == 0, out
    assert first["values.append"] == 1  # every row in one append
    # and around it: the program read once (metadata, one batchGet), and the append's check of the tab
    assert sheets_emulator.sheets_calls() <= 5, first
    sheets_emulator.reset_counts()
    code, out, _ = run(args, capsys)
    assert "0 added, 0 changed" in out
    assert "values.append" not in sheets_emulator.calls and "values.batchUpdate" not in sheets_emulator.calls
    assert len(store.read().opportunities) == 7
