"""The config file: every setting the kit reads is known, a typo is said, a value of the wrong type is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.config import load_config
from kit.errors import ConfigError
from tests.command_line import run


def write_config(folder: Path, text: str) -> Path:
    path = folder / "advocacy-kit.toml"
    path.write_text(text, encoding="utf-8")
    return path


EVERY_SETTING = """\
source = "program.xlsx"
reports_dir = "reports"

[email]
host = "smtp.example.com"
port = 587
security = "starttls"
username = "robot@example.com"
password_env = "ADVOCACY_SMTP_PASSWORD"
from = "Customer Advocacy <advocacy@example.com>"
attempts = 4
retry_wait = 5
timeout = 30.5
ca_file = "corp-ca.pem"

[email.recipients]
goal-tracking = ["pm@example.com"]
executive-update = "cxo@example.com"

[schedule]
cadence = "monthly"
day = 3
time = 07:30:00
reports = ["goal-tracking"]
env_file = "~/.config/advocacy-kit/env"
log_file = "logs/advocacy-kit.log"
"""


def test_a_config_using_every_documented_setting_loads_without_a_warning(tmp_path):
    config = load_config(write_config(tmp_path, EVERY_SETTING), environ={})
    assert config.warnings == ()
    assert config.section("schedule")["day"] == 3


@pytest.mark.parametrize(
    "text, warning",
    [
        ('soruce = "program.xlsx"\n', "soruce is not a setting (ignored); did you mean source?"),
        ('[emial]\nhost = "smtp.example.com"\n', "[emial] is not a section (ignored); did you mean [email]?"),
        ('[schedule]\ndya = "monday"\n', "[schedule] dya is not a setting (ignored); did you mean day?"),
        (
            '[email]\nrecipents = "a@example.com"\n',
            "[email] recipents is not a setting (ignored); did you mean recipients?",
        ),
        ("[schedule]\nzzz = 1\n", "[schedule] zzz is not a setting (ignored)"),
    ],
)
def test_an_unknown_setting_is_a_warning_naming_it_and_the_closest_known_one(tmp_path, text, warning):
    path = write_config(tmp_path, text)
    config = load_config(path, environ={})
    assert config.warnings == (f"{path}: {warning}",)


def test_each_unknown_setting_is_one_warning_line_on_stderr_and_the_command_still_runs(tmp_path, capsys):
    path = write_config(
        tmp_path, 'soruce = "program.xlsx"\n\n[emial]\nhost = "x"\n\n[schedule]\ndya = "monday"\n'
    )
    code, out, err = run(["--config", str(path), "schedule"], capsys)
    warnings = [line for line in err.splitlines() if line.startswith("advocacy-kit: warning: ")]
    assert code == 0 and "0 7 * * 1" in out
    assert [w.split(": ", 3)[3] for w in warnings] == [
        "soruce is not a setting (ignored); did you mean source?",
        "[emial] is not a section (ignored); did you mean [email]?",
        "[schedule] dya is not a setting (ignored); did you mean day?",
    ]


@pytest.mark.parametrize(
    "text, named",
    [
        ("reports_dir = 7\n", "reports_dir = 7"),
        ("source = 12\n", "source = 12"),
        ("reports_dir = 2026-01-01\n", "reports_dir = 2026-01-01"),
        ("[email]\ntimeout = 1e400\n", "[email] timeout = inf"),
        ("[email]\ntimeout = nan\n", "[email] timeout = nan"),
        ("[email]\nretry_wait = 1e300\n", "[email] retry_wait = 1e+300"),
        ('[email]\nport = "587"\n', "[email] port = '587'"),
        ("[email]\nattempts = 2.5\n", "[email] attempts = 2.5"),
        ("[email]\nattempts = true\n", "[email] attempts = True"),
        ("[email]\nhost = [1, 2]\n", "[email] host = [1, 2]"),
        ("[email]\nrecipients = 3\n", "[email] recipients = 3"),
        ("[schedule]\nreports = [1]\n", "[schedule] reports = [1]"),
        ("[schedule]\nlog_file = 5\n", "[schedule] log_file = 5"),
        ("email = 5\n", "email = 5"),
        ("schedule = [1]\n", "schedule = [1]"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_config_error_naming_it(tmp_path, text, named):
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert str(error.value).startswith(f"{path}: {named}: ")


@pytest.mark.parametrize(
    "text, command",
    [
        ("reports_dir = 7\n", ["info"]),
        ("[email]\ntimeout = 1e400\n", ["report", "executive-update", "--email"]),
        ("[email]\ntimeout = 1e400\n", ["schedule"]),
    ],
)
def test_a_setting_of_the_wrong_type_ends_any_command_in_one_line_and_exit_2(tmp_path, capsys, text, command):
    path = write_config(tmp_path, 'source = "program.xlsx"\n' + text)
    code, out, err = run(["--config", str(path), *command], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"advocacy-kit: error: {path}: ")


@pytest.mark.parametrize("given", [".", "{tmp}"])
def test_a_config_path_that_is_a_folder_is_one_line_and_exit_2(tmp_path, capsys, given):
    folder = given.format(tmp=tmp_path)
    code, _, err = run(["--config", folder, "info"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert err == f"advocacy-kit: error: {folder}: a folder, not a config file\n"


def test_a_config_without_source_says_so_rather_than_that_there_is_no_config(tmp_path, capsys):
    path = write_config(tmp_path, 'soruce = "program.xlsx"\n')
    _, _, err = run(["--config", str(path), "info"], capsys)
    assert f"No `source` in {path} and no --source: using the demo workbook" in err
    assert "No config file" not in err
