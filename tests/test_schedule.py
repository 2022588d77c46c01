"""Scheduling: the cron lines for each cadence, editions, installing into a crontab, the run log.

Installing runs a fake ``crontab`` program (a real executable on PATH, keeping the table in a file), so the
kit's own code runs exactly as it would against cron.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from pathlib import Path

import pytest

from kit.cli import main
from kit.errors import ConfigError
from kit.schedule import (
    BEGIN,
    END,
    Schedule,
    ScheduleError,
    cron_lines,
    edition,
    install_crontab,
    run_command,
    run_log,
    schedule_from_config,
    systemd_units,
)

COMMAND = "cd /srv/advocacy && /srv/venv/bin/advocacy-kit --config /srv/advocacy/advocacy-kit.toml report all --email"


def schedule(**section) -> Schedule:
    return schedule_from_config(section, base=Path("/srv/advocacy"))


# ----------------------------------------------------------------------------------------------------------
# Cron lines


def test_weekly_on_monday_at_half_past_seven_is_one_cron_line_on_day_1():
    lines = cron_lines(schedule(cadence="weekly", day="monday", time="07:30"), COMMAND)

    assert lines[0] == BEGIN and lines[-1] == END
    assert lines[2] == f"30 7 * * 1 {COMMAND} >/dev/null"


def test_weekly_on_sunday_is_cron_day_0():
    lines = cron_lines(schedule(cadence="weekly", day="Sun", time="18:05"), COMMAND)

    assert lines[2].startswith("5 18 * * 0 ")


def test_monthly_runs_on_the_configured_day_of_the_month():
    lines = cron_lines(schedule(cadence="monthly", day=15, time="06:00"), COMMAND)

    assert lines[2].startswith("0 6 15 * * ")


def test_biweekly_is_a_weekly_line_and_says_the_ledger_skips_every_other_run():
    lines = cron_lines(schedule(cadence="biweekly", day="friday", time="09:00"), COMMAND)

    assert lines[2].startswith("0 9 * * 5 ")
    assert "once per two-week window" in lines[1]


def test_percent_signs_are_escaped_because_cron_reads_them_as_newlines():
    lines = cron_lines(schedule(), "cd /data/100%-team && advocacy-kit report all --email")

    assert r"cd /data/100\%-team" in lines[2]


def test_run_command_is_the_report_command_with_config_and_sources_the_env_file():
    plan = schedule(env_file="~/.config/advocacy-kit/env")

    command = run_command(
        plan,
        program=["/srv/venv/bin/advocacy-kit"],
        config=Path("/srv/my dir/kit.toml"),
        workdir=Path("/srv/my dir"),
    )

    home = str(Path("~").expanduser())
    assert command == (
        f"set -a && . {home}/.config/advocacy-kit/env && set +a && "
        "cd '/srv/my dir' && /srv/venv/bin/advocacy-kit --config '/srv/my dir/kit.toml' report all --email"
    )


def test_systemd_timer_uses_the_same_command_the_configured_time_and_the_env_file():
    plan = schedule(cadence="monthly", day=3, time="07:15", env_file="/srv/advocacy/env")

    units = systemd_units(plan, COMMAND)

    assert "OnCalendar=*-*-03 07:15:00" in units["advocacy-kit.timer"]
    assert "Persistent=true" in units["advocacy-kit.timer"]
    assert "EnvironmentFile=/srv/advocacy/env\n" in units["advocacy-kit.service"]
    assert f"ExecStart=/bin/sh -c '{COMMAND}'" in units["advocacy-kit.service"]


def test_a_schedule_that_syncs_runs_each_crm_sync_before_the_reports_in_one_line():
    plan = schedule(sync=["salesforce", "hubspot"])

    command = run_command(
        plan, program=["/v/advocacy-kit"], config=Path("/srv/kit.toml"), workdir=Path("/srv")
    )

    kit = "/v/advocacy-kit --config /srv/kit.toml"
    assert command == (
        f"cd /srv && {{ sync_failed=; {kit} sync salesforce || [ $? -eq 1 ] || sync_failed=1; "
        f"{kit} sync hubspot || [ $? -eq 1 ] || sync_failed=1; "
        f'{kit} report all --email && [ -z "$sync_failed" ]; }}'
    )
    assert cron_lines(plan, command)[2] == f"0 7 * * 1 {command} >/dev/null"


def test_a_schedule_without_sync_runs_only_the_reports():
    command = run_command(schedule(sync=[]), program=["advocacy-kit"], config=None, workdir=Path("/srv"))

    assert command == "cd /srv && advocacy-kit report all --email"


def test_systemd_doubles_dollar_and_percent_so_sh_gets_the_sync_line_as_cron_does():
    plan = schedule(sync=["hubspot"])
    command = run_command(plan, program=["advocacy-kit"], config=None, workdir=Path("/data/100%"))

    service = systemd_units(plan, command)["advocacy-kit.service"]

    # systemd.service(5): "$$" is a literal dollar sign and "%%" a literal percent sign in ExecStart=
    [exec_start] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    assert "[ $$? -eq 1 ]" in exec_start and '"$$sync_failed"' in exec_start and "/data/100%%" in exec_start
    assert exec_start.replace("$$", "$").replace("%%", "%") == f"ExecStart=/bin/sh -c '{command}'"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"cadence": "daily"}, "use weekly, biweekly, monthly"),
        ({"cadence": "monthly", "day": 31}, "from 1 to 28"),
        ({"cadence": "weekly", "day": "someday"}, "a weekday"),
        ({"time": "7.30"}, "24-hour time"),
        ({"time": "25:00"}, "24-hour time"),
        ({"reports": ["board-deck"]}, "a list of goal-tracking, executive-update"),
        ({"sync": ["pipedrive"]}, r"\[schedule\] sync = \['pipedrive'\]: a list of salesforce, hubspot"),
    ],
)
def test_schedule_mistakes_are_config_errors_naming_the_setting(section, message):
    with pytest.raises(ConfigError, match=message):
        schedule(**section)


# ----------------------------------------------------------------------------------------------------------
# Editions: what "once" means for a period still running


def test_a_period_that_is_over_has_one_final_edition_whatever_the_cadence():
    end = dt.date(2026, 9, 30)

    assert edition(end, dt.date(2026, 10, 5), "weekly") == "final"
    assert edition(end, dt.date(2026, 11, 20), "weekly") == "final"


def test_weekly_editions_of_a_running_quarter_are_iso_weeks():
    end = dt.date(2026, 12, 31)

    # Monday 16 and Sunday 22 November 2026 are in ISO week 47; Monday 23 November starts week 48
    assert edition(end, dt.date(2026, 11, 16), "weekly") == "2026-W47"
    assert edition(end, dt.date(2026, 11, 22), "weekly") == "2026-W47"
    assert edition(end, dt.date(2026, 11, 23), "weekly") == "2026-W48"


def test_biweekly_editions_change_every_other_monday():
    end = dt.date(2026, 12, 31)
    mondays = [dt.date(2026, 11, 2) + dt.timedelta(weeks=w) for w in range(4)]

    editions = [edition(end, day, "biweekly") for day in mondays]

    # 2026-11-02 is 148 weeks after the anchor Monday 2024-01-01: an even number, so a window starts
    assert editions[0] == editions[1] == "two weeks from 2026-11-02"
    assert editions[2] == editions[3] == "two weeks from 2026-11-16"


def test_monthly_editions_are_calendar_months_and_no_schedule_means_once_per_period():
    end = dt.date(2026, 12, 31)

    assert edition(end, dt.date(2026, 11, 30), "monthly") == "2026-11"
    assert edition(end, dt.date(2026, 12, 1), "monthly") == "2026-12"
    assert edition(end, dt.date(2026, 11, 30), None) == edition(end, dt.date(2026, 12, 1), None) == "to-date"


# ----------------------------------------------------------------------------------------------------------
# Installing into a crontab


@pytest.fixture
def fake_crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `crontab` program on PATH that keeps the user's table in tmp_path/crontab.txt."""
    table = tmp_path / "crontab.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "crontab"
    program.write_text(
        "#!/bin/sh\n"
        f'TABLE="{table}"\n'
        'if [ "$1" = "-l" ]; then\n'
        '  if [ -f "$TABLE" ]; then cat "$TABLE"; else echo "no crontab for $(id -un)" >&2; exit 1; fi\n'
        'elif [ "$1" = "-" ]; then cat > "$TABLE"\n'
        'else echo "usage: crontab [-l | -]" >&2; exit 2; fi\n'
    )
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return table


def test_install_into_an_empty_crontab_writes_the_block(fake_crontab):
    block = cron_lines(schedule(), COMMAND)

    install_crontab(block)

    assert fake_crontab.read_text() == "\n".join(block) + "\n"


def test_installing_again_replaces_the_kits_block_and_keeps_the_users_own_lines(fake_crontab):
    fake_crontab.write_text("MAILTO=pm@example.com\n0 1 * * * /usr/bin/backup\n")
    install_crontab(cron_lines(schedule(cadence="weekly"), COMMAND))

    install_crontab(cron_lines(schedule(cadence="monthly", day=2), COMMAND))

    text = fake_crontab.read_text()
    assert text.startswith("MAILTO=pm@example.com\n0 1 * * * /usr/bin/backup\n")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "0 7 2 * * " in text and "* * 1 " not in text


def test_missing_crontab_program_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(ScheduleError, match="`crontab` was not found"):
        install_crontab(["# nothing"])


def test_schedule_command_installs_the_same_report_command_with_this_config(
    fake_crontab, tmp_path, monkeypatch, capsys
):
    config = tmp_path / "advocacy-kit.toml"
    config.write_text('[schedule]\ncadence = "weekly"\nday = "tuesday"\ntime = "08:15"\n')
    monkeypatch.chdir(tmp_path)

    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "schedule", "--install"])

    assert done.value.code == 0
    assert "every Tuesday at 08:15" in capsys.readouterr().out
    [line] = [ln for ln in fake_crontab.read_text().splitlines() if not ln.startswith("#")]
    assert line.startswith("15 8 * * 2 cd ")
    assert f"--config {config} report all --email >/dev/null" in line


def test_schedule_command_refuses_to_install_without_a_config_file(
    fake_crontab, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADVOCACY_KIT_CONFIG", raising=False)

    with pytest.raises(SystemExit) as done:
        main(["schedule", "--install"])

    assert done.value.code == 2
    assert "no config file" in capsys.readouterr().err
    assert not fake_crontab.exists()


# ----------------------------------------------------------------------------------------------------------
# The run log


def test_run_log_goes_to_a_file_and_rotates_keeping_a_bounded_number_of_old_logs(tmp_path):
    path = tmp_path / "logs" / "advocacy-kit.log"
    handler = run_log(path, max_bytes=2_000, backups=2)
    try:
        log = logging.getLogger("kit.delivery")
        for n in range(200):  # ~70 bytes a line: about 14,000 bytes in all
            log.info("sent executive-update 2026-Q4 to cxo@example.com, run %03d", n)
    finally:
        logging.getLogger("kit").removeHandler(handler)
        handler.close()

    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["advocacy-kit.log", "advocacy-kit.log.1", "advocacy-kit.log.2"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "run 199" in path.read_text()


def test_a_run_log_whose_folder_is_a_file_is_a_config_error_naming_both(tmp_path):
    occupied = tmp_path / "reports"
    occupied.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        run_log(occupied / "advocacy-kit.log")
    assert str(error.value) == (
        f"the run log {occupied / 'advocacy-kit.log'}: not in a folder the kit can write to "
        f"({occupied} is a file)"
    )
    assert occupied.read_text(encoding="utf-8") == "not a folder"
