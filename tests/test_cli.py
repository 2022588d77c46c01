"""The command line as a user meets it: help, the first command on one's own data, and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from kit import schema
from kit.store.local import LocalStore
from tests.command_line import run
from tests.factories import advocate, grids_from_rows, request

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_the_commands(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("info", "demo", "templates"):
        assert f"  {command}" in out


def test_every_command_has_help_with_an_example(capsys):
    from kit.cli import cli

    for name in cli.commands:
        code, out, _ = run([name, "--help"], capsys)
        assert code == 0 and "Example:" in out, f"{name} --help has no example"


def test_every_command_is_in_the_readme():
    from kit.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"advocacy-kit {name}" in readme, f"README does not mention `advocacy-kit {name}`"


def test_info_on_a_missing_file_is_one_line_and_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "kit.cli", "info", "--source", "/no/such.xlsx"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "/no/such.xlsx" in result.stderr and "Traceback" not in result.stderr


def test_demo_writes_a_workbook_with_the_seven_tabs_and_people_and_commitments(tmp_path, capsys):
    code, out, _ = run(
        ["demo", "--advocates", "300", "--out", str(tmp_path), "--as-of", "2026-11-20"], capsys
    )
    workbook = openpyxl.load_workbook(tmp_path / "advocacy_program.xlsx", read_only=True)
    assert code == 0
    required = [t.name for t in schema.TABS if not t.optional]
    assert workbook.sheetnames[: len(required)] == required
    assert {schema.PEOPLE.name, schema.COMMITMENTS.name} <= set(workbook.sheetnames)
    assert "300 rows" in out


def test_info_prints_rows_per_tab_and_date_ranges(make_workbook, capsys):
    path = make_workbook(
        Requests=[request(1, requested_on="2026-01-05"), request(2, requested_on="3/9/2026")]
    )
    code, out, _ = run(["info", "--source", str(path)], capsys)
    assert code == 0
    assert "Requests" in out and "2 rows" in out
    assert "2026-01-05 .. 2026-03-09" in out


def test_without_config_the_demo_workbook_is_used_and_said(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADVOCACY_KIT_CONFIG", raising=False)
    monkeypatch.delenv("ADVOCACY_KIT_SOURCE", raising=False)
    code, _, err = run(["info"], capsys)
    assert code == 2
    assert "using the demo workbook" in err
    assert "advocacy_program.xlsx: no such file" in err


def test_config_file_source_is_relative_to_the_config(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    LocalStore(data / "book.xlsx").write_grids(grids_from_rows({}))
    (tmp_path / "advocacy-kit.toml").write_text('source = "data/book.xlsx"\n')
    monkeypatch.chdir(ROOT)
    code, out, _ = run(["--config", str(tmp_path / "advocacy-kit.toml"), "info"], capsys)
    assert code == 0 and str(data / "book.xlsx") in out


def test_a_broken_config_is_one_line(tmp_path, capsys):
    (tmp_path / "advocacy-kit.toml").write_text("source = [unclosed\n")
    code, _, err = run(["--config", str(tmp_path / "advocacy-kit.toml"), "info"], capsys)
    assert code == 2 and "not valid TOML" in err and err.count("\n") == 1


def test_a_workbook_without_a_required_column_is_one_line_naming_tab_and_column(make_workbook, capsys):
    path = make_workbook()
    workbook = openpyxl.load_workbook(path)
    workbook["Requests"]["D1"].value = "department"  # was `team`
    workbook.save(path)
    code, _, err = run(["info", "--source", str(path)], capsys)
    assert code == 2
    assert "tab 'Requests' has no column 'team'" in err and err.count("\n") == 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
@pytest.mark.parametrize(
    "command", [["metrics"], ["validate"], ["health"], ["match", "--open"], ["report", "goal-tracking"]]
)
def test_an_as_of_outside_the_years_1900_to_2199_is_one_line_and_exit_2(make_workbook, capsys, command, day):
    path = make_workbook()
    code, out, err = run([*command, "--source", str(path), "--as-of", day], capsys)
    assert code == 2
    assert err.count("\n") == 1 and f"--as-of {day!r}" in err and "1900" in err and "2199" in err
    assert out == ""


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_day_of_the_years_the_kit_reads_are_accepted_as_as_of(make_workbook, capsys, day):
    path = make_workbook(Requests=[request(1, requested_on="2026-01-05")])
    code, out, _ = run(["metrics", "--source", str(path), "--as-of", day], capsys)
    assert code == 0 and "Data quality" in out


def test_demo_refuses_an_as_of_outside_the_years_1900_to_2199(tmp_path, capsys):
    code, _, err = run(["demo", "--out", str(tmp_path), "--as-of", "9999-12-31"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--as-of" in err
    assert not (tmp_path / "advocacy_program.xlsx").exists()


def test_demo_refuses_to_replace_an_existing_workbook_without_force(make_workbook, capsys):
    path = make_workbook("advocacy_program.xlsx", Requests=[request(1)])
    before = path.read_bytes()
    code, out, err = run(["demo", "--out", str(path.parent), "--as-of", "2026-11-20"], capsys)
    assert code == 2 and out == ""
    assert err == f"advocacy-kit: error: {path} exists; pass --force to overwrite it\n"
    assert path.read_bytes() == before


def test_demo_with_force_replaces_an_existing_workbook(make_workbook, capsys):
    path = make_workbook("advocacy_program.xlsx", Requests=[request(1)])
    code, out, _ = run(["demo", "--out", str(path.parent), "--as-of", "2026-11-20", "--force"], capsys)
    assert code == 0 and f"Wrote {path}" in out
    assert "300 rows" in out


def test_metrics_for_a_segment_on_a_column_no_tab_has_is_one_line_suggesting_the_column(
    make_workbook, capsys
):
    path = make_workbook(Advocates=[advocate(1)])
    code, out, err = run(["metrics", "--source", str(path), "--segment", "industy=Insurance"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no column 'industy'" in err and "did you mean 'industry'?" in err


def test_metrics_for_a_value_no_row_holds_prints_a_warning_with_the_figures(make_workbook, capsys):
    path = make_workbook(Advocates=[advocate(1)])
    code, out, _ = run(["metrics", "--source", str(path), "--segment", "industry=Insurence"], capsys)
    assert code == 0
    assert out.startswith(
        "warning: segment 'industry=Insurence': no row has industry 'Insurence', so its figures are empty; "
        "did you mean 'Insurance'?\n"
    )
    assert "Active advocates" in out


def test_metrics_json_for_a_value_no_row_holds_carries_the_warning(make_workbook, capsys):
    import json

    path = make_workbook(Advocates=[advocate(1)])
    code, out, _ = run(["metrics", "--source", str(path), "--segment", "industry=Retail", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["warnings"] == [
        "segment 'industry=Retail': no row has industry 'Retail', so its figures are empty"
    ]


def test_metrics_json_for_a_segment_rows_hold_has_no_warning(make_workbook, capsys):
    import json

    path = make_workbook(Advocates=[advocate(1)])
    code, out, _ = run(
        ["metrics", "--source", str(path), "--segment", "industry=insurance", "--json"], capsys
    )
    assert code == 0 and json.loads(out)["warnings"] == []


def test_a_report_for_a_segment_on_a_column_no_tab_has_fails_before_rendering(
    make_workbook, tmp_path, capsys
):
    path = make_workbook(Advocates=[advocate(1)])
    out_dir = tmp_path / "reports"
    args = [
        "report",
        "goal-tracking",
        "--source",
        str(path),
        "--segment",
        "industy=Insurance",
        "--out",
        str(out_dir),
    ]
    code, _, err = run(args, capsys)
    assert code == 2 and err.count("\n") == 1 and "did you mean 'industry'?" in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    "config, args",
    [
        (None, ["metrics", "--as-of", "9999-12-31"]),
        (None, ["validate", "--as-of", "0001-01-01"]),
        (None, ["metrics", "--period", "0001-Q1"]),
        (None, ["metrics", "--segment", "industy=Insurance"]),
        ("reports_dir = 7\n", ["info"]),
        (
            '[email]\nhost = "127.0.0.1"\nsecurity = "none"\nfrom = "a@example.com"\ntimeout = 1e400\n'
            '[email.recipients]\nexecutive-update = ["cxo@example.com"]\n',
            ["report", "executive-update", "--email"],
        ),
        (".", ["info"]),
    ],
    ids=[
        "as-of-9999",
        "as-of-0001",
        "period-0001",
        "unknown-segment-column",
        "reports_dir-7",
        "timeout-1e400",
        "config-dot",
    ],
)
def test_hostile_options_end_in_one_line_and_exit_2_through_the_installed_command(
    make_workbook, tmp_path, config, args
):
    workbook = make_workbook(Advocates=[advocate(1)])
    if config is None:
        args = [*args, "--source", str(workbook)]
    elif config == ".":
        args = ["--config", ".", *args]
    else:
        path = tmp_path / "advocacy-kit.toml"
        path.write_text(f'source = "{workbook}"\n{config}', encoding="utf-8")
        args = ["--config", str(path), *args]
    result = subprocess.run(
        [sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert (result.returncode, result.stderr.count("\n")) == (2, 1), result.stderr
    assert result.stderr.startswith("advocacy-kit: error: ") and "internal error" not in result.stderr


@pytest.mark.parametrize("e_mail", [[], ["--dry-run"]], ids=["report", "report-dry-run"])
@pytest.mark.parametrize("below", [False, True], ids=["the-file", "a-folder-inside-the-file"])
def test_a_report_out_that_is_a_file_is_one_line_naming_the_option_and_exit_2(
    make_workbook, capsys, below, e_mail
):
    workbook = make_workbook(Advocates=[advocate(1)])
    out = workbook / "reports" if below else workbook
    args = ["report", "goal-tracking", "--source", str(workbook), "--out", str(out), *e_mail]
    code, _, err = run(args, capsys)
    assert (code, err.count("\n")) == (2, 1), err
    assert err.startswith(f"advocacy-kit: error: --out {out}: not a folder the kit can write to (")
    assert f"{workbook} is a file" in err
    assert workbook.is_file()


@pytest.mark.parametrize("e_mail", [[], ["--dry-run"]], ids=["report", "report-dry-run"])
def test_a_reports_dir_that_is_a_file_is_one_line_naming_the_setting_and_exit_2(
    make_workbook, tmp_path, capsys, e_mail
):
    workbook = make_workbook(Advocates=[advocate(1)])
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(f'source = "{workbook}"\nreports_dir = "{workbook}"\n', encoding="utf-8")
    code, _, err = run(["--config", str(config), "report", "goal-tracking", *e_mail], capsys)
    assert (code, err.count("\n")) == (2, 1), err
    assert f"reports_dir {workbook}: not a folder the kit can write to ({workbook} is a file)" in err


def test_a_run_log_inside_a_file_is_one_line_naming_the_setting_and_exit_2(make_workbook, tmp_path, capsys):
    workbook = make_workbook(Advocates=[advocate(1)])
    config = tmp_path / "advocacy-kit.toml"
    log = workbook / "advocacy-kit.log"
    config.write_text(f'source = "{workbook}"\n[schedule]\nlog_file = "{log}"\n', encoding="utf-8")
    args = ["--config", str(config), "report", "goal-tracking", "--dry-run", "--out", str(tmp_path / "r")]
    code, _, err = run(args, capsys)
    assert (code, err.count("\n")) == (2, 1), err
    assert f"[schedule] log_file {log}: not in a folder the kit can write to ({workbook} is a file)" in err


def test_a_report_out_below_a_device_is_one_line_and_exit_2_through_the_installed_command(make_workbook):
    workbook = make_workbook(Advocates=[advocate(1)])
    args = ["report", "all", "--source", str(workbook), "--out", "/dev/full/x", "--dry-run"]
    result = subprocess.run(
        [sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert (result.returncode, result.stderr.count("\n")) == (2, 1), result.stderr
    assert result.stderr.startswith(
        "advocacy-kit: error: --out /dev/full/x: not a folder the kit can write to"
    )
    assert "/dev/full is not a folder" in result.stderr


@pytest.mark.parametrize("command", [["demo", "--advocates", "10"], ["templates"]])
def test_demo_or_templates_out_inside_a_file_is_one_line_naming_the_option_and_writes_nothing(
    make_workbook, capsys, command
):
    workbook = make_workbook(Advocates=[advocate(1)])
    before = workbook.read_bytes()
    out = workbook / "x"
    code, _, err = run([*command, "--out", str(out)], capsys)
    assert (code, err.splitlines()[-1]) == (
        2,
        f"advocacy-kit: error: --out {out}: not a folder the kit can write to ({workbook} is a file)",
    )
    assert workbook.read_bytes() == before
