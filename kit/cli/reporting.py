"""Commands that measure the program and send what it shows: metrics, report (and the digest), schedule;
and the e-mail delivery every report run ends with."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kit.cli.app import State, cli, parse_date_option, pass_state, reports_folder, source_option
from kit.cli.run_log import logged_run, schedule_of
from kit.errors import ConfigError, KitError

if TYPE_CHECKING:
    from kit.report import ReportRun

# --- metrics and reports ---


def _period_help(default: str) -> str:
    return (
        "2026-11, 2026-Q4, FY2027-Q1, FY2027, 2026, 2026-07-01..2026-09-30, or counted from --as-of: "
        "this-month, last-month, this-quarter, last-quarter, this-year, last-year, last-fiscal-quarter … "
        f"(default: {default})."
    )


@cli.command(
    "metrics",
    epilog="Example: advocacy-kit metrics --period 2026-Q4 --segment 'industry=Insurance' --json",
)
@source_option
@click.option("--period", "-p", metavar="PERIOD", help=_period_help("the current calendar quarter"))
@click.option(
    "--segment", metavar="SEGMENT", help="Only this segment, e.g. 'industry=Insurance; product=Product A'."
)
@click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", help="The day the figures are as of (default: today)."
)
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON (what the reports show).")
@pass_state
def metrics_command(
    state: State,
    source: str | None,
    period: str | None,
    segment: str | None,
    as_of: str | None,
    as_json: bool,
) -> None:
    """The program's figures for a period: headline numbers with last period's, goals, data quality."""
    import json

    from kit.metrics import describe_metrics, measure
    from kit.store import open_store

    day = parse_date_option(as_of, "as-of") or dt.date.today()
    program = open_store(state.source(source)).read()
    result = measure(program, period=period, segment=segment, as_of=day)  # checks the segment (warnings)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        for warning in result.warnings:
            click.echo(f"warning: {warning}")
        click.echo(describe_metrics(result))


def run_reports(
    state: State,
    which: str,
    *,
    source: str | None,
    period: str | None,
    segment: str | None,
    out_dir: str | None,
    as_of: str | None,
) -> ReportRun:
    """Render the named report(s) from one read of the program; returns the ReportRun (the reports, their
    typed figures and the contacts the e-mail keeps out, which the e-mail options build on)."""
    from kit.report import render_reports, report_names

    names = report_names(which)
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    out, named_by = reports_folder(state, out_dir)
    run = render_reports(
        names,
        source=state.source(source),
        period=period,
        segment=segment,
        as_of=day,
        out_dir=out,
        out_named_by=named_by,  # the option's name is known here, not in render_reports
        progress=sys.stderr.isatty(),
    )
    for warning in run.metrics.warnings:  # the segment checked against the program, as `metrics` does
        click.echo(f"advocacy-kit: warning: {warning}", err=True)
    for result in run.reports:
        click.echo(f"Wrote {result.html_path} (executed notebook: {result.notebook_path.name})")
    return run


@cli.command(
    "report",
    epilog="Example: advocacy-kit report all --period 2026-Q4 --source demo/advocacy_program.xlsx --out reports",
)
@click.argument(
    "which", type=click.Choice(["goal-tracking", "executive-update", "all", "digest", "manager-note"])
)
@source_option
@click.option("--period", "-p", metavar="PERIOD", help=_period_help("the calendar quarter of --as-of"))
@click.option("--segment", metavar="SEGMENT", help="Only this segment, e.g. 'industry=Insurance'.")
@click.option(
    "--out", "out_dir", metavar="DIR", help="Where to write the reports (default: reports_dir of the config)."
)
@click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", help="The day the figures are as of (default: today)."
)
@click.option(
    "--email", is_flag=True, help="Then e-mail each report to its [email] recipients, once per period."
)
@click.option(
    "--dry-run", is_flag=True, help="Write each e-mail as an .eml file beside its report; send nothing."
)
@click.option(
    "--force", is_flag=True, help="With --email: send even to recipients who already have this edition."
)
@click.option(
    "--manager", "manager", metavar="EMAIL", help="manager-note: the note of this one people manager."
)
@click.option(
    "--all", "all_managers", is_flag=True, help="manager-note: a note to every people manager in People."
)
@pass_state
def report_command(
    state: State,
    which: str,
    source: str | None,
    period: str | None,
    segment: str | None,
    out_dir: str | None,
    as_of: str | None,
    email: bool = False,
    dry_run: bool = False,
    force: bool = False,
    manager: str | None = None,
    all_managers: bool = False,
) -> None:
    """Render a report to HTML (code hidden), with the executed notebook beside it for audit.

    goal-tracking is for the program manager; executive-update for the executives (all: both). A failing cell
    fails the command with the cell's error and leaves the last good report in place. With --email (or
    --dry-run) the run is also logged to a rotating file; see docs/email-and-scheduling.md.

    digest is the program manager's daily work-list (requests past SLA or due soon, waiting on an owner or an
    advocate, nominations, profiles, caps): printed, or e-mailed once per day; an empty day sends nothing.

    manager-note (with --manager EMAIL or --all) is the monthly note to each people manager about their own
    team (use, wins to retell, new starters, who has not used it yet, one ask): printed, written as .eml
    (--dry-run), or e-mailed once per manager per period (--email). --period defaults to last-month.
    """
    if which == "manager-note":
        if segment:
            raise click.UsageError("the manager note covers the whole program: --segment is for reports")
        if bool(manager) == all_managers:
            raise click.UsageError("report manager-note needs --manager EMAIL or --all (one of them)")
        with logged_run(state, email or dry_run, force=force, out_dir=out_dir):
            run_manager_notes(
                state,
                manager=manager,
                source=source,
                period=period,
                out_dir=out_dir,
                as_of=as_of,
                email=email,
                dry_run=dry_run,
                force=force,
            )
        return
    if manager or all_managers:
        raise click.UsageError("--manager and --all are for `report manager-note`")
    if which == "digest":
        if period or segment:
            raise click.UsageError(
                "the digest is the work-list of --as-of: --period and --segment are for reports"
            )
        with logged_run(state, email or dry_run, force=force, out_dir=out_dir):
            run_digest(
                state, source=source, out_dir=out_dir, as_of=as_of, email=email, dry_run=dry_run, force=force
            )
        return
    with logged_run(state, email or dry_run, force=force, out_dir=out_dir):  # see 'e-mail and schedule'
        run = run_reports(
            state, which, source=source, period=period, segment=segment, out_dir=out_dir, as_of=as_of
        )
        deliver_rendered(state, run, email=email, dry_run=dry_run, force=force)


def run_digest(
    state: State,
    *,
    source: str | None,
    out_dir: str | None,
    as_of: str | None,
    email: bool,
    dry_run: bool,
    force: bool,
) -> None:
    """The daily digest: printed; with --dry-run written as .eml (and .html) beside the reports; with --email
    sent once per day to [email.recipients] digest (else goal-tracking's). An empty day writes nothing."""
    from kit.digest import REPORT, build_email, digest, recipients, render
    from kit.mail import contacts_from_program
    from kit.store import open_store
    from kit.validate import validate

    if email and dry_run:
        raise click.UsageError("--email sends and --dry-run only writes the digest: use one")
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    config = state.config
    settings = password = None
    if email:
        from kit.mail import settings_from_config

        settings = settings_from_config(config.section("email"))
        password = settings.password(os.environ)
        to = recipients(settings)
    program = open_store(state.source(source)).read()
    work = digest(program, validate(program, as_of=day), as_of=day)
    if work.empty:
        click.echo(f"Nothing on the work-list for {day.isoformat()}: no digest written or sent.")
        return
    contacts = contacts_from_program(program)
    if not (email or dry_run):
        click.echo(render(work, contacts=contacts, templates=config.message_templates)[0], nl=False)
        return
    if dry_run:
        from kit.files import write_atomically
        from kit.mail import DRY_RUN_SENDER, settings_from_config
        from kit.mail.compose import write_eml

        section = config.section("email")
        sender = settings_from_config(section).sender if section else DRY_RUN_SENDER
        message = build_email(
            work, sender=sender, to=(), contacts=contacts, templates=config.message_templates
        )
        folder, _ = reports_folder(state, out_dir)
        eml = write_eml(message, folder / f"digest_{day.isoformat()}.eml")
        html = folder / f"digest_{day.isoformat()}.html"
        write_atomically(html, message.get_body(("html",)).get_content().encode())  # the page just built
        click.echo(f"Wrote {eml} and {html.name} (dry run: nothing was sent)")
        return
    from kit.delivery import Ledger, Scope, send_once

    assert settings is not None
    message = build_email(
        work, sender=settings.sender, to=to, contacts=contacts, templates=config.message_templates
    )
    folder, _ = reports_folder(state, out_dir)
    outcome = send_once(
        message,
        report=REPORT,
        scope=Scope(day.isoformat(), day.isoformat(), day.isoformat()),
        edition="daily",
        recipients=to,
        settings=settings,
        password=password,
        ledger=Ledger.beside(folder),
        force=force,
    )
    if outcome.sent:
        click.echo(f"E-mailed the digest of {day.isoformat()} to {', '.join(outcome.sent)}")
    else:
        click.echo(
            f"The digest of {day.isoformat()} was already e-mailed today; nothing sent (--force resends)"
        )


def run_manager_notes(
    state: State,
    *,
    manager: str | None,
    source: str | None,
    period: str | None,
    out_dir: str | None,
    as_of: str | None,
    email: bool,
    dry_run: bool,
    force: bool,
) -> None:
    """The monthly manager notes (``kit.manager_note``): printed; with --dry-run written as .eml (and .html)
    beside the reports; with --email sent once per manager per period through the delivery ledger."""
    from kit.mail import DRY_RUN_SENDER, contacts_from_program, settings_from_config
    from kit.manager_note import (
        DEFAULT_PERIOD,
        EDITION,
        REPORT,
        build_email,
        check_templates,
        find_manager,
        manager_notes,
        render,
    )
    from kit.metrics import measure
    from kit.store import open_store

    if email and dry_run:
        raise click.UsageError("--email sends and --dry-run only writes the notes: use one")
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    config = state.config
    templates = config.message_templates
    check_templates(templates)  # a broken overriding template fails before the sheet is read
    settings = password = None
    if email:
        settings = settings_from_config(config.section("email"))
        password = settings.password(os.environ)
    program = open_store(state.source(source)).read()
    figures = measure(program, period=period or DEFAULT_PERIOD, as_of=day)
    notes = manager_notes(program, figures)
    if manager:
        notes = [find_manager(notes, manager)]
    if not notes:
        click.echo("No one on the People tab is named as a manager (manager_email): no note written or sent.")
        return
    contacts = contacts_from_program(program)
    if not (email or dry_run):
        for note in notes:
            click.echo(f"To: {note.manager} <{note.manager_email}>")
            click.echo(render(note, contacts=contacts, templates=templates)[0])
        return
    folder, _ = reports_folder(state, out_dir)
    if dry_run:
        from kit.files import write_atomically
        from kit.mail.compose import write_eml

        section = config.section("email")
        sender = settings_from_config(section).sender if section else DRY_RUN_SENDER
        for note in notes:
            message = build_email(note, sender=sender, contacts=contacts, templates=templates)
            eml = write_eml(message, folder / f"{note.file_stem}.eml")
            html = folder / f"{note.file_stem}.html"
            write_atomically(html, message.get_body(("html",)).get_content().encode())  # the page just built
            click.echo(f"Wrote {eml} and {html.name} for {note.manager} (dry run: nothing was sent)")
        return
    from kit.delivery import Ledger, Scope, send_once
    from kit.mail import DeliveryError

    assert settings is not None
    ledger = Ledger.beside(folder)
    failures: list[DeliveryError] = []
    for note in notes:
        message = build_email(note, sender=settings.sender, contacts=contacts, templates=templates)
        try:
            outcome = send_once(
                message,
                report=REPORT,
                scope=Scope(note.period, note.start.isoformat(), note.end.isoformat()),
                edition=EDITION,
                recipients=[message["To"]],
                settings=settings,
                password=password,
                ledger=ledger,
                force=force,
                report_file=note.file_stem,
            )
        except DeliveryError as error:
            click.echo(f"advocacy-kit: the note to {note.manager_email}: {error}", err=True)
            failures.append(error)
            continue
        if outcome.sent:
            click.echo(f"E-mailed the {note.period} note to {note.manager} <{note.manager_email}>")
        else:
            click.echo(
                f"{note.manager} <{note.manager_email}> already has the {note.period} note; nothing sent "
                "(--force resends)"
            )
    if failures:
        error = failures[0]
        raise DeliveryError(
            f"{len(failures)} of {len(notes)} manager notes were not sent ({error}); run the command again "
            "to send only those",
            code=error.code,
            reply=error.reply,
            refused=error.refused,
        )


# --- e-mail and schedule ---


def deliver_rendered(state: State, run: ReportRun, *, email: bool, dry_run: bool, force: bool) -> None:
    """E-mail (or, dry run, write the .eml of) each report of ``run`` (a ``kit.report.ReportRun``), with the
    figures and contacts of its one read; one failure does not stop the others."""
    if not (email or dry_run):
        return
    from kit.delivery import Ledger, deliver_report
    from kit.mail import MailError, settings_from_config

    config = state.config
    section = config.section("email")
    settings = settings_from_config(section) if (section or not dry_run) else None
    password = settings.password(os.environ) if settings is not None and not dry_run else None
    cadence = schedule_of(state).cadence if config.section("schedule") else None
    failures: list[KitError] = []
    for result in run.reports:
        try:
            outcome = deliver_report(
                result.report,
                result.html_path,
                result.metrics,
                settings=settings,
                ledger=Ledger.beside(result.html_path.parent),
                password=password,
                cadence=cadence,
                contacts=run.contacts,
                dry_run=dry_run,
                force=force,
            )
        except (MailError, ConfigError) as error:
            click.echo(f"advocacy-kit: {result.report}: {error}", err=True)
            failures.append(error)
            continue
        click.echo(outcome.describe())
    if failures:
        raise (
            failures[0]
            if len(failures) == 1
            else type(failures[0])(
                f"{len(failures)} of {len(run.reports)} reports were not e-mailed (see above); the reports are on disk"
            )
        )


@cli.command(
    "schedule",
    epilog="Example: advocacy-kit --config advocacy-kit.toml schedule --install",
)
@click.option(
    "--install", is_flag=True, help="Put the lines into your crontab (replacing the kit's earlier ones)."
)
@click.option("--systemd", is_flag=True, help="Print a systemd user service and timer instead of cron lines.")
@pass_state
def schedule_command(state: State, install: bool, systemd: bool) -> None:
    """Print the cron lines that e-mail the reports on the [schedule] of the config, or install them.

    Every run is `advocacy-kit report ... --email`: the delivery ledger makes a run that finds this period's
    edition already sent a no-op, so a missed or repeated run is harmless. With `sync = ["hubspot"]` in
    [schedule] it first runs `advocacy-kit sync hubspot`; the reports go out even when the sync fails (on the
    last good sync's opportunities), and the run then exits 1 (docs/crm-sync.md). With `digest = "07:30"` it
    also e-mails the daily digest every day at that time (`advocacy-kit report digest --email`), once per day.
    With `manager_note = true` (or a day of the month) it e-mails each people manager their team's note on the
    month just ended (`advocacy-kit report manager-note --all --email`), once per manager per month.
    """
    from kit.schedule import (
        cron_lines,
        digest_command,
        install_crontab,
        manager_note_command,
        run_command,
        systemd_units,
    )

    config = state.config
    if config.path is None:
        message = "no config file: a scheduled run needs [email] settings (see docs/email-and-scheduling.md)"
        if install:
            raise ConfigError(message)
        click.echo(f"Note: {message}.", err=True)
    if not config.section("schedule"):
        click.echo("Note: the config has no [schedule] section; using weekly on Monday at 07:00.", err=True)
    plan = schedule_of(state)
    for crm in plan.sync:
        if crm not in config.section("sync"):
            click.echo(
                f"Note: [schedule] sync names {crm}, but the config has no [sync.{crm}] section "
                "(see docs/crm-sync.md).",
                err=True,
            )
    script = Path(sys.executable).parent / "advocacy-kit"
    program = [str(script)] if script.exists() else [sys.executable, "-m", "kit.cli"]
    config_path = config.path.resolve() if config.path else None
    workdir = config_path.parent if config_path else Path.cwd()
    which = plan.reports[0] if len(plan.reports) == 1 else "all"
    command = run_command(
        plan, program=program, config=config_path, workdir=workdir, report=which, with_env=not systemd
    )
    digest = None
    if plan.digest is not None:
        digest = digest_command(
            program=program, config=config_path, workdir=workdir, env_file=None if systemd else plan.env_file
        )
    note = None
    if plan.manager_note is not None:
        note = manager_note_command(
            program=program, config=config_path, workdir=workdir, env_file=None if systemd else plan.env_file
        )
    if systemd:
        for name, text in systemd_units(plan, command, digest=digest, manager_note=note).items():
            click.echo(f"# ~/.config/systemd/user/{name}\n{text}")
        return
    block = cron_lines(plan, command, digest, note)
    if install:
        install_crontab(block)
        click.echo(f"Installed into your crontab: the reports go out {plan.when}.")
    else:
        click.echo("\n".join(block))
