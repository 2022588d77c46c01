"""Running the reports on a cadence: the cron lines, installing them, and the log of scheduled runs.

The ``[schedule]`` section of the config says how often (``weekly``, ``biweekly`` or ``monthly``), on which
day and at what time the reports go out. Every scheduler runs the same command,
``advocacy-kit report all --email``; what makes a run send or not is the delivery ledger
(``kit.delivery``), which remembers which *edition* of a report each recipient already has:

- a period that is over has one edition, ``final``;
- a period still running (the default period is the current quarter) has one edition per cadence window:
  each ISO week (``2026-W48``) for weekly, each two-week window for biweekly, each month for monthly.

So a weekly schedule sends a fresh quarter-to-date update every week, a second run in the same week sends
nothing, and a biweekly schedule is simply a weekly cron line whose every other run finds the edition
already delivered (cron cannot say "every other Monday").

A monthly schedule reports on the month that just ended (``--period last-month``, a keyword counted from the
day of the run), not on a quarter a few days old; ``period`` in ``[schedule]`` says otherwise for any cadence
(``"this-quarter"``, ``"last-quarter"``, ``"last-fiscal-quarter"`` …).

``[schedule] sync = ["hubspot"]`` runs ``advocacy-kit sync hubspot`` first, so the reports count this
morning's opportunities. The reports go out whatever the sync did (see :func:`run_command`).

``[schedule] digest = "07:30"`` adds a daily line, ``advocacy-kit report digest --email``: the program manager's
work-list (``kit.digest``), which the ledger sends once per day and an empty day does not send.

``[schedule] manager_note = true`` (or a day of the month, 1 to 28; true is the 1st) adds a monthly line,
``advocacy-kit report manager-note --all --email``: each people manager's note on the month just ended
(``kit.manager_note``), which the ledger sends once per manager per month.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.errors import ConfigError, KitError
from kit.folders import writable_folder
from kit.report import REPORTS
from kit.sync.run import CRMS

CADENCES = ("weekly", "biweekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REPORT_NAMES = tuple(REPORTS)
BEGIN = "# >>> advocacy-kit schedule (managed by `advocacy-kit schedule --install`; edits here are replaced)"
END = "# <<< advocacy-kit schedule"
# Two-week windows start on Mondays an even number of weeks after this one, so they never drift.
BIWEEKLY_ANCHOR = dt.date(2024, 1, 1)
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5


class ScheduleError(KitError):
    """The crontab could not be read or written."""


@dataclass(frozen=True)
class Schedule:
    """When the reports go out: ``[schedule]`` of the config, checked."""

    cadence: str = "weekly"
    at: dt.time = dt.time(7, 0)
    weekday: int = 0  # 0 = Monday; weekly and biweekly
    day: int = 1  # day of the month; monthly
    reports: tuple[str, ...] = REPORT_NAMES
    log_file: Path | None = None  # default: advocacy-kit.log in the reports folder
    env_file: Path | None = None  # sourced before the run: where the SMTP password lives, not in crontab
    sync: tuple[str, ...] = ()  # CRMs synced into Opportunities before the reports, in this order
    period: str | None = None  # what each run reports on (--period); None: the quarter running that day
    digest: dt.time | None = None  # when the daily digest goes out (every day); None: no digest
    manager_note: int | None = None  # the day of the month the manager notes go out; None: no notes

    @property
    def when(self) -> str:
        """In words: 'every Monday at 07:00', 'on day 1 of every month at 07:00'."""
        time = self.at.strftime("%H:%M")
        if self.cadence == "monthly":
            return f"on day {self.day} of every month at {time}"
        every = "every other" if self.cadence == "biweekly" else "every"
        return f"{every} {WEEKDAYS[self.weekday].capitalize()} at {time}"


def _time(value: Any, key: str = "time") -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(f'[schedule] {key} = {value!r}: write a 24-hour time such as "07:30"')
    return dt.time(int(match.group(1)), int(match.group(2)))


def schedule_from_config(section: Mapping[str, Any], *, base: Path | None = None) -> Schedule:
    """Read and check ``[schedule]``; relative paths are relative to ``base`` (the config file's folder)."""
    base = base or Path.cwd()
    cadence = str(section.get("cadence", "weekly")).strip().lower().replace("-", "")
    if cadence == "fortnightly":
        cadence = "biweekly"
    if cadence not in CADENCES:
        raise ConfigError(f"[schedule] cadence = {section.get('cadence')!r}: use {', '.join(CADENCES)}")
    at = _time(section.get("time", "07:00"))
    weekday, day = 0, 1
    raw_day = section.get("day")
    if cadence == "monthly":
        if raw_day is not None:
            if not isinstance(raw_day, int) or isinstance(raw_day, bool) or not 1 <= raw_day <= 28:
                raise ConfigError(
                    f"[schedule] day = {raw_day!r}: for a monthly schedule, a day of the month from 1 to 28 "
                    "(so that it exists in every month)"
                )
            day = raw_day
    elif raw_day is not None:
        name = str(raw_day).strip().lower()
        matches = [i for i, w in enumerate(WEEKDAYS) if len(name) >= 3 and w.startswith(name)]
        if len(matches) != 1:
            raise ConfigError(f'[schedule] day = {raw_day!r}: a weekday such as "monday"')
        weekday = matches[0]
    reports = section.get("reports", list(REPORT_NAMES))
    if isinstance(reports, str):
        reports = [reports]
    if not isinstance(reports, list) or not reports or any(r not in REPORT_NAMES for r in reports):
        raise ConfigError(f"[schedule] reports = {reports!r}: a list of {', '.join(REPORT_NAMES)}")

    sync = section.get("sync", [])
    if isinstance(sync, str):
        sync = [sync]
    if not isinstance(sync, list) or any(not isinstance(c, str) or c.lower() not in CRMS for c in sync):
        raise ConfigError(f"[schedule] sync = {section.get('sync')!r}: a list of {', '.join(CRMS)}, or []")

    period = _period(section.get("period"), cadence)

    def path(key: str) -> Path | None:
        value = section.get(key)
        if value is None:
            return None
        found = Path(str(value)).expanduser()
        return found if found.is_absolute() else base / found

    return Schedule(
        cadence=cadence,
        at=at,
        weekday=weekday,
        day=day,
        reports=tuple(dict.fromkeys(reports)),
        log_file=path("log_file"),
        env_file=path("env_file"),
        sync=tuple(dict.fromkeys(c.lower() for c in sync)),
        period=period,
        digest=_time(section["digest"], "digest") if section.get("digest") is not None else None,
        manager_note=_note_day(section.get("manager_note")),
    )


def _note_day(value: Any) -> int | None:
    """``[schedule] manager_note``: true (the 1st of the month), a day from 1 to 28, or false / absent."""
    if value is None or value is False:
        return None
    if value is True:
        return 1
    if isinstance(value, int) and 1 <= value <= 28:
        return value
    raise ConfigError(
        f"[schedule] manager_note = {value!r}: true (on the 1st of each month), a day of the month from 1 to "
        "28, or false"
    )


# A monthly run on the 1st covers the month just ended, not the few days of a new quarter.
DEFAULT_PERIODS = {"monthly": "last-month"}


def _period(value: Any, cadence: str) -> str | None:
    """``[schedule] period``, checked: a keyword counted from the day of each run (``last-month``) or a fixed
    period; by default ``last-month`` for a monthly schedule and the running quarter otherwise."""
    from kit.errors import InputError
    from kit.periods import KEYWORD_FORMS, KEYWORDS, parse_period

    if value is None:
        return DEFAULT_PERIODS.get(cadence)
    text = str(value).strip()
    keyword = re.sub(r"[\s_]+", "-", text.lower())
    if keyword in KEYWORDS:
        return keyword
    try:
        parse_period(text)
    except InputError:
        raise ConfigError(f"[schedule] period = {value!r}: write {KEYWORD_FORMS}") from None
    return text


# ----------------------------------------------------------------------------------------------------------
# Editions: which copy of a report a run produces (see the module docstring).


def edition(period_end: dt.date | None, as_of: dt.date, cadence: str | None) -> str:
    """The edition of a report on ``as_of``: 'final' for a period that is over, else the cadence window.

    Without a schedule (``cadence`` None) a running period has one edition too, 'to-date': a report is then
    sent once per period, and ``--force`` sends it again.
    """
    if period_end is not None and as_of >= period_end:
        return "final"
    if cadence == "weekly":
        year, week, _ = as_of.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == "biweekly":
        monday = as_of - dt.timedelta(days=as_of.weekday())
        start = BIWEEKLY_ANCHOR + dt.timedelta(weeks=2 * ((monday - BIWEEKLY_ANCHOR).days // 14))
        return f"two weeks from {start.isoformat()}"
    if cadence == "monthly":
        return f"{as_of.year:04d}-{as_of.month:02d}"
    return "to-date"


# ----------------------------------------------------------------------------------------------------------
# Cron


def run_command(
    schedule: Schedule,
    *,
    program: Sequence[str],
    config: Path | None,
    workdir: Path,
    report: str = "all",
    with_env: bool = True,
) -> str:
    """The shell command a scheduler runs: the same for cron, systemd and CI (quoted for sh).

    With ``schedule.sync`` it first runs ``sync CRM`` for each CRM, then the reports whatever the sync's exit
    code: a sync writes all or nothing, so after a failed one the Opportunities tab still holds the last
    successful sync, and a week-old pipeline in Monday's update beats no update. Exit 1 (some rows refused,
    the others written) is a sync that worked; any other failure (the CRM or its token refused, 2; a row
    edited meanwhile, 3) is in the run log and on stderr, and the whole run then exits 1 even when the
    reports went out, so cron mails it and systemd marks the run failed.

    With ``with_env`` (cron) it first sources ``env_file``; systemd reads that file itself.
    """
    base = [*program]
    if config is not None:
        base += ["--config", str(config)]

    def kit(*args: str) -> str:
        return " ".join(shlex.quote(p) for p in [*base, *args])

    reports = kit("report", report, *(("--period", schedule.period) if schedule.period else ()), "--email")
    if schedule.sync:
        syncs = "".join(f"{kit('sync', crm)} || [ $? -eq 1 ] || sync_failed=1; " for crm in schedule.sync)
        reports = f'{{ sync_failed=; {syncs}{reports} && [ -z "$sync_failed" ]; }}'
    command = f"cd {shlex.quote(str(workdir))} && {reports}"
    if (
        with_env and schedule.env_file is not None
    ):  # the password lives in a file only you can read, not in crontab
        command = f"set -a && . {shlex.quote(str(schedule.env_file))} && set +a && {command}"
    return command


def digest_command(
    *, program: Sequence[str], config: Path | None, workdir: Path, env_file: Path | None = None
) -> str:
    """The shell command that e-mails the daily digest (``report digest --email``): the delivery ledger sends
    it once per day, and a day with nothing on the work-list sends nothing."""
    parts = [
        *program,
        *(["--config", str(config)] if config is not None else []),
        "report",
        "digest",
        "--email",
    ]
    command = f"cd {shlex.quote(str(workdir))} && {' '.join(shlex.quote(p) for p in parts)}"
    if env_file is not None:
        command = f"set -a && . {shlex.quote(str(env_file))} && set +a && {command}"
    return command


def manager_note_command(
    *, program: Sequence[str], config: Path | None, workdir: Path, env_file: Path | None = None
) -> str:
    """The shell command that e-mails the monthly manager notes (``report manager-note --all --email``, on
    last month by default): the delivery ledger sends each manager one note per month."""
    parts = [
        *program,
        *(["--config", str(config)] if config is not None else []),
        "report",
        "manager-note",
        "--all",
        "--email",
    ]
    command = f"cd {shlex.quote(str(workdir))} && {' '.join(shlex.quote(p) for p in parts)}"
    if env_file is not None:
        command = f"set -a && . {shlex.quote(str(env_file))} && set +a && {command}"
    return command


def cron_lines(
    schedule: Schedule, command: str, digest: str | None = None, manager_note: str | None = None
) -> list[str]:
    """The crontab block (with its markers) that runs ``command`` on the schedule.

    stdout is dropped (progress and "Wrote …" lines every week are noise); stderr is left to cron, which
    mails it to the crontab's owner, so a failed run is not silent. ``%`` is escaped: cron reads it as a
    newline.
    """
    minute, hour = schedule.at.minute, schedule.at.hour
    if schedule.cadence == "monthly":
        spec = f"{minute} {hour} {schedule.day} * *"
    else:
        spec = f"{minute} {hour} * * {(schedule.weekday + 1) % 7}"  # cron: 0 = Sunday, 1 = Monday
    note = f"# {schedule.cadence}: {schedule.when}" + (
        f", reporting on {schedule.period}" if schedule.period else ""
    )
    if schedule.cadence == "biweekly":
        note += " (runs weekly; the delivery ledger sends once per two-week window)"
    lines = [BEGIN, note, f"{spec} {command.replace('%', chr(92) + '%')} >/dev/null"]
    if digest is not None and schedule.digest is not None:
        at = schedule.digest
        lines += [
            f"# the daily digest, every day at {at:%H:%M} (the delivery ledger sends it once per day)",
            f"{at.minute} {at.hour} * * * {digest.replace('%', chr(92) + '%')} >/dev/null",
        ]
    if manager_note is not None and schedule.manager_note is not None:
        at, day = schedule.at, schedule.manager_note
        lines += [
            f"# the managers' notes on last month, on day {day} of every month at {at:%H:%M} (once per manager)",
            f"{at.minute} {at.hour} {day} * * {manager_note.replace('%', chr(92) + '%')} >/dev/null",
        ]
    return [*lines, END]


def systemd_units(
    schedule: Schedule,
    command: str,
    *,
    name: str = "advocacy-kit",
    digest: str | None = None,
    manager_note: str | None = None,
) -> dict[str, str]:
    """A user service and timer that run ``command`` on the schedule (``systemctl --user enable --now``).

    ``command`` should not source the env file itself (see :func:`run_command`'s ``with_env``): the service
    names it in ``EnvironmentFile=``. systemd reads ``$`` and ``%`` in ``ExecStart=`` itself (its variables and
    specifiers), so they are doubled to reach ``sh`` as written.
    """
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    time = schedule.at.strftime("%H:%M:00")
    if schedule.cadence == "monthly":
        calendar = f"*-*-{schedule.day:02d} {time}"
    else:
        calendar = f"{days[schedule.weekday]} *-*-* {time}"
    env_file = schedule.env_file
    units = {
        f"{name}.service": _service("e-mail the advocacy program's reports", command, env_file),
        f"{name}.timer": _timer(f"reports, {schedule.when}", calendar),
    }
    if digest is not None and schedule.digest is not None:
        units[f"{name}-digest.service"] = _service(
            "e-mail the program manager's daily digest", digest, env_file
        )
        units[f"{name}-digest.timer"] = _timer(
            f"daily digest at {schedule.digest:%H:%M}", f"*-*-* {schedule.digest:%H:%M}:00"
        )
    if manager_note is not None and schedule.manager_note is not None:
        units[f"{name}-manager-note.service"] = _service(
            "e-mail each people manager their team's monthly note", manager_note, env_file
        )
        units[f"{name}-manager-note.timer"] = _timer(
            f"manager notes on day {schedule.manager_note} of each month",
            f"*-*-{schedule.manager_note:02d} {schedule.at:%H:%M}:00",
        )
    return units


def _service(what: str, command: str, env_file: Path | None) -> str:
    """A oneshot user service running ``command`` through ``sh`` ($ and % doubled: systemd reads them)."""
    return (
        "[Unit]\n"
        f"Description=advocacy-kit: {what}\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        + (f"EnvironmentFile={env_file}\n" if env_file else "")
        + f"ExecStart=/bin/sh -c {shlex.quote(command.replace('$', '$$').replace('%', '%%'))}\n"
    )


def _timer(what: str, calendar: str) -> str:
    """A persistent timer (a run missed while the machine was off happens at the next boot)."""
    return (
        "[Unit]\n"
        f"Description=advocacy-kit {what}\n\n"
        "[Timer]\n"
        f"OnCalendar={calendar}\n"
        "Persistent=true\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )


def replace_block(crontab: str, block: Sequence[str]) -> str:
    """``crontab`` with the kit's block replaced by ``block`` (or added at the end); other lines untouched."""
    kept: list[str] = []
    inside = False
    for line in crontab.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif inside and line.strip() == END:
            inside = False
        elif not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    lines = kept + ([""] if kept else []) + list(block)
    return "\n".join(lines) + "\n"


def install_crontab(block: Sequence[str], *, crontab: str = "crontab") -> str:
    """Put ``block`` into the user's crontab (``crontab -l`` then ``crontab -``); returns the new crontab.

    Running it again replaces the kit's block instead of adding a second one.
    """
    try:
        current = subprocess.run([crontab, "-l"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise ScheduleError(
            f"`{crontab}` was not found: install cron, or use the systemd timer or the GitHub Actions "
            "workflow in docs/email-and-scheduling.md"
        ) from None
    if current.returncode != 0 and "no crontab" not in current.stderr.lower():
        raise ScheduleError(f"`{crontab} -l` failed: {current.stderr.strip() or current.returncode}")
    existing = current.stdout if current.returncode == 0 else ""
    new = replace_block(existing, block)
    written = subprocess.run([crontab, "-"], input=new, capture_output=True, text=True, timeout=30)
    if written.returncode != 0:
        raise ScheduleError(f"`{crontab} -` refused the new crontab: {written.stderr.strip()}")
    return new


# ----------------------------------------------------------------------------------------------------------
# The log of scheduled runs


def run_log(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = LOG_MAX_BYTES,
    backups: int = LOG_BACKUPS,
    named_by: str = "the run log",
) -> logging.Handler:
    """Send the kit's log (logger ``kit``, INFO and up) to ``path``, rotated at ``max_bytes``.

    Returns the handler so the caller can remove it; calling it twice for the same file adds one handler.
    A folder the log cannot go in is a ConfigError naming ``named_by`` (the setting that chose ``path``).
    """
    path = Path(path)
    writable_folder(path.parent, named_by=named_by, value=path)
    logger = logging.getLogger("kit")
    for handler in logger.handlers:
        if (
            isinstance(handler, logging.handlers.RotatingFileHandler)
            and Path(handler.baseFilename) == path.resolve()
        ):
            return handler
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler
