"""Scheduling: the cron lines for each cadence, editions, installing into a crontab, the run log.

Installing runs a fake ``crontab`` program (a real executable on PATH, keeping the table in a file), so the
kit's own code runs exactly as it would against cron.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shlex
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.hubspot import HubSpotEmulator
from kit import schema
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
from kit.store.local import LocalStore
from tests.factories import activity, advocate
from tests.smtp_server import Server

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


# ----------------------------------------------------------------------------------------------------------
# The scheduled line, run as cron runs it: sync the CRM, then render and e-mail the reports

HUBSPOT_TOKEN = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
VENV_BIN = Path(sys.executable).parent  # where advocacy-kit is installed, as the schedule command finds it


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# The scheduled report covers the current quarter (no --period in a cron line): the deals close on its first
# day, and so does the reference call that helped Acme (on or before the close date counts).
CLOSED_ON = quarter_start(dt.date.today())


@pytest.fixture
def hubspot() -> Iterator[HubSpotEmulator]:
    """Two HubSpot deals in the default pipeline: Acme won (10,000), Globex lost (20,000)."""
    with HubSpotEmulator() as emulator:
        emulator.add_token(HUBSPOT_TOKEN)
        owner = emulator.add_owner("Sam", "Rep")
        for name, stage, amount in (("Acme", "closedwon", 10_000), ("Globex", "closedlost", 20_000)):
            emulator.add_deal(
                dealname=f"{name} renewal",
                dealstage=stage,
                amount=amount,
                closedate=f"{CLOSED_ON.isoformat()}T12:00:00.000Z",
                hubspot_owner_id=owner,
                company=emulator.add_company(name, country="Germany"),
            )
        yield emulator


@pytest.fixture
def mail_server() -> Iterator[Server]:
    server = Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def synced_program(tmp_path: Path, make_workbook, hubspot: HubSpotEmulator, mail_server: Server) -> Path:
    """A program with one advocate whose reference call helped Acme's deal, no opportunities yet, and a config
    that syncs HubSpot (the emulator) before e-mailing the goal-tracking report (to the SMTP server), with
    the token in the env file, as cron needs it. Returns the config file."""
    acme = next(iter(hubspot.deals))
    workbook = make_workbook(
        Advocates=[advocate(1)],
        Activities=[activity(1, day=CLOSED_ON, **{schema.ACTIVITIES.col.opportunity_id: acme})],
    )
    env_file = tmp_path / "env"
    env_file.write_text(f"HUBSPOT_ACCESS_TOKEN={HUBSPOT_TOKEN}\n")
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        f'source = "{workbook}"\nreports_dir = "reports"\n'
        '[schedule]\ncadence = "weekly"\nreports = ["goal-tracking"]\nsync = ["hubspot"]\n'
        f'env_file = "{env_file}"\n'
        f'[sync.hubspot]\ntoken_env = "HUBSPOT_ACCESS_TOKEN"\nendpoint = "{hubspot.url}"\n'
        "attempts = 2\nretry_wait = 0\n"
        f'[email]\nhost = "127.0.0.1"\nport = {mail_server.port}\nsecurity = "none"\n'
        'from = "Advocacy <advocacy@example.com>"\n'
        '[email.recipients]\ngoal-tracking = ["pm@example.com"]\n'
    )
    return config


def scheduled_line(config: Path, capsys) -> str:
    """The command of the cron line `advocacy-kit schedule` prints, as cron hands it to sh."""
    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "schedule"])
    assert done.value.code == 0
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if ln and not ln.startswith("#")]
    return line.split(" ", 5)[5].replace("\\%", "%")  # after minute, hour, day, month and weekday


def run_as_cron(command: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """``command`` in bash with cron's bare environment: a PATH, HOME, and nothing of this test's."""
    environment = {
        "PATH": f"{VENV_BIN}{os.pathsep}/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],  # the session's private read cache
    }
    return subprocess.run(
        ["bash", "-c", command], env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def opportunities(config: Path) -> dict[str, tuple]:
    """account → (amount, won) in the program's Opportunities tab."""
    frame = LocalStore(config.parent / "program.xlsx").read().tables[schema.OPPORTUNITIES.name]
    O = schema.OPPORTUNITIES.col  # noqa: N806
    return {row[O.account]: (row[O.amount], bool(row[O.is_won])) for row in frame.to_dict("records")}


def emailed_summary(server: Server) -> str:
    [message] = server.mailbox.messages()
    assert message["To"] == "pm@example.com"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"goal_tracking_{CLOSED_ON.year}-Q{(CLOSED_ON.month + 2) // 3}.html"
    return message.get_body(("plain",)).get_content()


def figure(summary: str, label: str) -> str:
    """The value printed after ``label`` in the e-mail's headline figures."""
    [line] = [ln for ln in summary.splitlines() if ln.strip().startswith(label)]
    return line.split()[len(label.split())]


def test_the_scheduled_line_syncs_hubspot_then_emails_a_report_counting_the_synced_deals(
    synced_program, hubspot, mail_server, tmp_path, capsys
):
    command = scheduled_line(synced_program, capsys)
    assert command.index(" sync hubspot ") < command.index(" report goal-tracking --email")

    ran = run_as_cron(command, tmp_path)

    assert ran.returncode == 0, ran.stderr
    assert opportunities(synced_program) == {"Acme": (10_000, True), "Globex": (20_000, False)}
    summary = emailed_summary(mail_server)
    # Acme (won, 10,000) had the reference call; Globex (lost) had none: by hand, 1 influenced, $10,000 won
    assert figure(summary, "Opportunities influenced") == "1"
    assert figure(summary, "Revenue influenced (won)") == "$10K"  # the e-mail writes money compact
    log = (tmp_path / "reports" / "advocacy-kit.log").read_text()
    assert log.index("run: advocacy-kit sync") < log.index("run: advocacy-kit report")


def test_a_failed_sync_still_sends_the_report_on_the_last_good_sync_and_the_run_exits_1(
    synced_program, hubspot, mail_server, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", HUBSPOT_TOKEN)
    with pytest.raises(SystemExit) as first:
        main(["--config", str(synced_program), "sync", "hubspot"])  # last week's sync
    assert first.value.code == 0
    capsys.readouterr()
    acme = next(iter(hubspot.deals))
    hubspot.update_deal(acme, amount=15_000)  # a change this run cannot read: the token has expired
    hubspot.revoke_tokens()
    command = scheduled_line(synced_program, capsys)

    ran = run_as_cron(command, tmp_path)

    assert ran.returncode == 1
    assert ran.stderr.startswith("advocacy-kit: error: HubSpot refused the access token")
    assert ran.stderr.count("\n") == 1
    assert opportunities(synced_program) == {"Acme": (10_000, True), "Globex": (20_000, False)}
    assert (
        figure(emailed_summary(mail_server), "Revenue influenced (won)") == "$10K"
    )  # the e-mail writes money compact
    log = (tmp_path / "reports" / "advocacy-kit.log").read_text()
    assert "reports made now count the opportunities of the last successful HubSpot sync" in log
    assert log.index("failed: CrmAuthError") < log.index("run: advocacy-kit report")


def test_the_systemd_service_runs_the_cron_line_without_sourcing_the_env_file(synced_program, capsys):
    cron = scheduled_line(synced_program, capsys)
    with pytest.raises(SystemExit):
        main(["--config", str(synced_program), "schedule", "--systemd"])
    service = capsys.readouterr().out

    [exec_start] = [ln for ln in service.splitlines() if ln.startswith("ExecStart=/bin/sh -c ")]
    # systemd.service(5): "$$" is a literal "$", "%%" a literal "%"
    command = shlex.split(exec_start.removeprefix("ExecStart=/bin/sh -c "))[0]
    command = command.replace("$$", "$").replace("%%", "%")
    assert f"EnvironmentFile={synced_program.parent / 'env'}" in service
    assert f"{command} >/dev/null" == cron.split(" && ", 3)[3]  # after `set -a && . env && set +a`
