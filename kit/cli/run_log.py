"""The run log: each e-mailing, dry run or sync logged with its outcome to the rotating log file, and the
checks that fail such a run before its long work starts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from kit.cli.app import State, reports_folder


@contextmanager
def logged_run(
    state: State, active: bool, *, force: bool = False, out_dir: str | None = None
) -> Iterator[None]:
    """While e-mailing (or writing .eml files), or syncing, log the run and any failure to the rotating run log.

    The log is ``[schedule] log_file``, else ``advocacy-kit.log`` beside the reports.
    """
    if not active:
        if force:
            raise click.UsageError("--force resends an e-mail: use it with --email")
        yield
        return
    import logging

    from kit.schedule import run_log

    path = schedule_of(state).log_file
    if path is not None:
        named_by = "[schedule] log_file"
    else:
        from kit.folders import writable_folder

        folder, named_by = reports_folder(state, out_dir)  # a refused folder is named as --out or reports_dir
        path = writable_folder(folder, named_by=named_by) / "advocacy-kit.log"
    handler = run_log(path, named_by=named_by)
    log = logging.getLogger("kit.cli")
    context = click.get_current_context()
    given = {k: v for k, v in context.params.items() if v not in (None, False)}
    log.info("run: %s %s", context.command_path, given)
    try:
        if given.get("email") and not given.get("dry_run"):
            check_mail_settings(state, given.get("which", "all"))  # before minutes of rendering
        yield
    except BaseException as error:
        log.error("failed: %s: %s", type(error).__name__, error)
        raise
    finally:
        logging.getLogger("kit").removeHandler(handler)
        handler.close()


def check_mail_settings(state: State, which: str) -> None:
    """Fail now, not after rendering: [email] readable, the password variable set, recipients named."""
    from kit.mail import settings_from_config
    from kit.report import report_names

    settings = settings_from_config(state.config.section("email"))
    settings.password(os.environ)
    if which == "manager-note":
        return  # its recipients are the managers on the People tab, not [email.recipients]
    if which == "digest":
        from kit.digest import recipients

        recipients(settings)
        return
    for name in report_names(which):
        settings.recipients_for(name)


def schedule_of(state: State):
    """The ``[schedule]`` section, read with paths relative to the config file."""
    from kit.schedule import schedule_from_config

    config = state.config
    base = config.path.parent if config.path else Path.cwd()
    return schedule_from_config(config.section("schedule"), base=base)
