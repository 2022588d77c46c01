"""What a scheduled run reports on: a monthly e-mail covers the month just ended unless [schedule] says
otherwise; the weekly and biweekly ones the quarter running that day."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

import pytest

from kit.errors import ConfigError
from kit.periods import parse_period
from kit.schedule import cron_lines, run_command, schedule_from_config, systemd_units


def report_args(schedule) -> list[str]:
    """The arguments of the scheduled `report` command, as sh would split them."""
    command = run_command(schedule, program=["advocacy-kit"], config=None, workdir=Path("/srv/kit"))
    words = shlex.split(command.split("&&", 1)[1])
    return words[words.index("report") :]


def test_a_monthly_schedule_reports_on_last_month():
    plan = schedule_from_config({"cadence": "monthly", "day": 1})
    assert report_args(plan) == ["report", "all", "--period", "last-month", "--email"]
    # Run on 1 December 2026, as cron would, that is November: the month just ended, final.
    period = parse_period(plan.period, as_of=dt.date(2026, 12, 1))
    assert (period.label, period.end) == ("2026-11", dt.date(2026, 11, 30))


@pytest.mark.parametrize("cadence", ["weekly", "biweekly"])
def test_weekly_schedules_report_on_the_running_quarter(cadence):
    assert report_args(schedule_from_config({"cadence": cadence})) == ["report", "all", "--email"]


@pytest.mark.parametrize(
    ("cadence", "period"),
    [("monthly", "this-quarter"), ("weekly", "last-fiscal-quarter"), ("monthly", "Last Quarter")],
)
def test_the_schedules_period_says_otherwise(cadence, period):
    plan = schedule_from_config({"cadence": cadence, "period": period})
    expected = period.lower().replace(" ", "-")
    assert report_args(plan) == ["report", "all", "--period", expected, "--email"]


def test_the_cron_line_and_the_systemd_service_run_the_same_period():
    plan = schedule_from_config({"cadence": "monthly", "day": 2})
    command = run_command(
        plan, program=["advocacy-kit"], config=None, workdir=Path("/srv/kit"), with_env=False
    )
    note, line = cron_lines(plan, command)[1:3]
    assert "reporting on last-month" in note and "--period last-month" in line
    assert "--period last-month" in systemd_units(plan, command)["advocacy-kit.service"]


@pytest.mark.parametrize("period", ["previous-month", "", "2026-Q5"])
def test_an_unreadable_schedule_period_is_one_line_naming_the_forms(period):
    with pytest.raises(ConfigError) as error:
        schedule_from_config({"cadence": "monthly", "period": period})
    message = str(error.value)
    assert "\n" not in message and "[schedule] period" in message and "last-month" in message
