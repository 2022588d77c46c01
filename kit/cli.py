"""The ``advocacy-kit`` command line.

The CLI is the edge: it reads the config and the environment once, opens the store, calls the pure ``kit``
functions and prints. Errors the kit raises on purpose end in one line on stderr and an exit code
(2: the data cannot be read or an option is wrong; 3: a write was refused because of a conflict); an
unexpected failure is one line too, with the traceback only when ADVOCACY_KIT_DEBUG=1.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kit.config import Config, load_config
from kit.errors import ConfigError, InputError, KitError

if TYPE_CHECKING:
    from kit.report import ReportRun
    from kit.sync import SyncState

DEBUG_ENV = "ADVOCACY_KIT_DEBUG"


@dataclass
class _State:
    config_path: str | None = None
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            for warning in self._config.warnings:  # keys the kit does not know: a typo, said once
                click.echo(f"advocacy-kit: warning: {warning}", err=True)
        return self._config

    def source(self, override: str | None) -> str:
        """The source to use: --source, else the config's; says so when falling back to the demo."""
        if override:
            return override
        config = self.config
        if config.source_is_default:
            where = f"No `source` in {config.path}" if config.path else "No config file"
            click.echo(
                f"{where} and no --source: using the demo workbook {config.source} "
                "(see docs/configuration.md).",
                err=True,
            )
        return config.source


pass_state = click.make_pass_decorator(_State, ensure=True)

source_option = click.option(
    "--source",
    "-s",
    metavar="PATH_OR_SHEET",
    help="The program's workbook (.xlsx) or Google Sheet URL/key; default: `source` in the config.",
)


def parse_date_option(value: str | None, name: str) -> dt.date | None:
    """The day an option names (YYYY-MM-DD, 1900 to 2199, as every date the kit reads), or None."""
    from kit.periods import parse_day

    return None if value is None else parse_day(value, f"--{name}")


def reports_folder(state: _State, out_dir: str | None) -> tuple[Path, str]:
    """The folder reports go to (--out, else the config's ``reports_dir``) and what chose it, for messages."""
    if out_dir:
        return Path(out_dir), "--out"
    config = state.config
    return config.reports_dir, f"{config.path}: reports_dir" if config.path else "reports_dir"


def refuse_to_overwrite(path: Path, force: bool) -> None:
    """Raise InputError when ``path`` exists and ``--force`` was not given: a workbook holds people's edits."""
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")


@contextmanager
def _store_context() -> Iterator[None]:
    """What every command runs within: the Google Sheet options from the environment (read once here,
    docs/google-sheets.md), and the read cache kept until the command ends."""
    from kit.store import google_options_from_env, google_sheet_options
    from kit.store.cache import copies_kept_afterwards

    # A local workbook's read-cache copy is kept when the command ends, so it also holds what the command
    # worked out from the cells (the validator's findings): the next command need not work it out again.
    with google_sheet_options(**google_options_from_env(os.environ)), copies_kept_afterwards():
        yield


class _Command(click.Command):
    """A kit command: sets up the store's context when it runs. Not in the group's callback, which click
    runs before a subcommand's --help is seen: the read cache loads pandas, and --help should not wait."""

    def invoke(self, ctx: click.Context) -> Any:
        with _store_context():
            return super().invoke(ctx)


class _Group(click.Group):
    command_class = _Command


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: advocacy-kit demo && advocacy-kit info --source demo/advocacy_program.xlsx",
)
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="ADVOCACY_KIT_CONFIG",
    help="Config file (default: ./advocacy-kit.toml, or $ADVOCACY_KIT_CONFIG).",
)
@click.version_option(package_name="advocacy-kit")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Run a customer advocacy program from a shared spreadsheet: roster, requests, matching, reports."""
    ctx.obj = _State(config_path)  # each command runs within _store_context (see _Command)


# ------------------------------------------------------------------------------------------------------------
# info


@cli.command(epilog="Example: advocacy-kit info --source my_program.xlsx")
@source_option
@pass_state
def info(state: _State, source: str | None) -> None:
    """Read the program and say what is in it: rows per tab, date ranges, where it lives."""
    from kit.store import open_store
    from kit.summary import describe_program

    store = open_store(state.source(source))
    program = store.read()
    click.echo(describe_program(program))


# ------------------------------------------------------------------------------------------------------------
# demo


@cli.command(epilog="Example: advocacy-kit demo --advocates 50000 --out /tmp/big")
@click.option("--advocates", "-n", default=300, show_default=True, type=click.IntRange(10, 1_000_000))
@click.option("--out", "out_dir", default="demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--seed", default=7, show_default=True, help="Same seed, same program.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The demo's 'today' (default: today).")
@click.option("--force", is_flag=True, help="Replace DIR/advocacy_program.xlsx if it exists (and its edits).")
def demo(advocates: int, out_dir: str, seed: int, as_of: str | None, force: bool = False) -> None:
    """Build a realistic demo program and run the main job on it."""
    from kit.demo import build_demo
    from kit.folders import writable_folder
    from kit.program import grids_from_frames
    from kit.store.local import LocalStore
    from kit.summary import describe_program

    day = parse_date_option(as_of, "as-of") or dt.date.today()
    path = writable_folder(out_dir, named_by="--out") / "advocacy_program.xlsx"
    refuse_to_overwrite(path, force)  # before building: a big demo takes minutes
    click.echo(f"Building a demo program of {advocates:,} advocates as of {day} …", err=True)
    frames = build_demo(advocates, as_of=day, seed=seed)
    store = LocalStore(path)
    store.write_grids(grids_from_frames(frames))
    click.echo(f"Wrote {path}")
    click.echo(describe_program(store.read()))


# ------------------------------------------------------------------------------------------------------------
# templates


@cli.command(epilog="Example: advocacy-kit templates --out sheets_templates")
@click.option(
    "--out", "out_dir", default="sheets_templates", show_default=True, type=click.Path(file_okay=False)
)
@click.option(
    "--readme", type=click.Path(dir_okay=False, exists=True), help="Also refresh this README's tab docs."
)
def templates(out_dir: str, readme: str | None) -> None:
    """Write the empty workbook and per-tab CSV templates from the schema."""
    from kit.folders import writable_folder
    from kit.templates import refresh_readme, write_templates

    for path in write_templates(writable_folder(out_dir, named_by="--out")):
        click.echo(f"Wrote {path}")
    if readme and refresh_readme(readme):
        click.echo(f"Updated the workbook section of {readme}")


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
    state: _State,
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
    state: _State,
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
@click.argument("which", type=click.Choice(["goal-tracking", "executive-update", "all", "digest"]))
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
@pass_state
def report_command(
    state: _State,
    which: str,
    source: str | None,
    period: str | None,
    segment: str | None,
    out_dir: str | None,
    as_of: str | None,
    email: bool = False,
    dry_run: bool = False,
    force: bool = False,
) -> None:
    """Render a report to HTML (code hidden), with the executed notebook beside it for audit.

    goal-tracking is for the program manager; executive-update for the executives (all: both). A failing cell
    fails the command with the cell's error and leaves the last good report in place. With --email (or
    --dry-run) the run is also logged to a rotating file; see docs/email-and-scheduling.md.

    digest is the program manager's daily work-list (requests past SLA or due soon, waiting on an owner or an
    advocate, nominations, profiles, caps): printed, or e-mailed once per day; an empty day sends nothing.
    """
    if which == "digest":
        if period or segment:
            raise click.UsageError(
                "the digest is the work-list of --as-of: --period and --segment are for reports"
            )
        with delivery_log(state, email or dry_run, force=force, out_dir=out_dir):
            run_digest(
                state, source=source, out_dir=out_dir, as_of=as_of, email=email, dry_run=dry_run, force=force
            )
        return
    with delivery_log(state, email or dry_run, force=force, out_dir=out_dir):  # see 'e-mail and schedule'
        run = run_reports(
            state, which, source=source, period=period, segment=segment, out_dir=out_dir, as_of=as_of
        )
        deliver_rendered(state, run, email=email, dry_run=dry_run, force=force)


def run_digest(
    state: _State,
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
        write_atomically(
            html, render(work, contacts=contacts, templates=config.message_templates)[1].encode()
        )
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


# --- validation and data health ---


def _tab_name(tab: str | None) -> str | None:
    from kit import schema

    if tab is None:
        return None
    for name in [t.name for t in schema.TABS]:
        if name.lower() == tab.strip().lower():
            return name
    names = ", ".join(t.name for t in schema.TABS)
    raise InputError(f"--tab {tab!r}: no such tab; use one of {names}")


@cli.command(
    "validate",
    epilog="Example: advocacy-kit validate --source my_program.xlsx --tab Advocates --write-issues",
)
@source_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON list of records.")
@click.option("--tab", metavar="NAME", help="Only this tab's findings (e.g. Advocates).")
@click.option(
    "--write-issues",
    is_flag=True,
    help="Also write every finding (all tabs) to the workbook's Issues tab, replacing the previous one.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day of the check (default: today).")
@pass_state
def validate_command(
    state: _State, source: str | None, as_json: bool, tab: str | None, write_issues: bool, as_of: str | None
) -> int:
    """List every problem in the workbook, cell by cell. Exit 0: no errors; 1: errors; 2: unreadable."""
    import json

    from kit import schema
    from kit.store import open_store
    from kit.validate import ERROR, describe_findings, finding_records, issues_grid, validate

    only = _tab_name(tab)
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    store = open_store(state.source(source))
    program = store.read()
    findings = validate(program, as_of=day)
    if write_issues:
        store.replace_tab(schema.ISSUES_TAB_NAME, issues_grid(program, findings))
        click.echo(f"Wrote {len(findings):,} findings to the {schema.ISSUES_TAB_NAME} tab.", err=True)
    if only is not None:
        findings = findings[findings["table"] == only].reset_index(drop=True)
    if as_json:
        click.echo(json.dumps(finding_records(findings), indent=2, ensure_ascii=False))
    else:
        click.echo(describe_findings(program, findings))
    return 1 if (findings["severity"] == ERROR).any() else 0


@cli.command("health", epilog="Example: advocacy-kit health --source my_program.xlsx --limit 20")
@source_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole work-list as JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1), help="Lines per list.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day of the check (default: today).")
@pass_state
def health_command(state: _State, source: str | None, as_json: bool, limit: int, as_of: str | None) -> None:
    """The maintenance work-list: profiles to re-verify, resting advocates, waiting nominations, scores."""
    import json

    from kit.health import describe_health, health
    from kit.store import open_store
    from kit.validate import validate

    day = parse_date_option(as_of, "as-of") or dt.date.today()
    program = open_store(state.source(source)).read()
    report = health(program, validate(program, as_of=day), as_of=day)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(describe_health(report, limit=limit))


@cli.command(
    "requests",
    epilog="Example: advocacy-kit requests --open --team Sales   or   advocacy-kit requests --open --json",
)
@click.option("--open", "open_", is_flag=True, help="Only the open requests (New to Scheduled).")
@click.option("--team", metavar="TEAM", help="Only this requesting team's requests (e.g. Sales).")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as a JSON list of records.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day of the SLA clock (default: today).")
@source_option
@pass_state
def requests_command(
    state: _State, open_: bool, team: str | None, as_json: bool, as_of: str | None, source: str | None
) -> None:
    """The request queue, most urgent first: each request's SLA due day and state (past SLA, due soon, on
    time; met or missed once completed), days open and needed_by (docs/requests.md)."""
    import json

    from kit.requests_queue import describe_queue, parse_team, queue_records, request_queue
    from kit.store import open_store

    only = None if team is None else parse_team(team)
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    program = open_store(state.source(source)).read()
    queue = request_queue(program, as_of=day, open_only=open_, team=only)
    if as_json:
        click.echo(json.dumps(queue_records(queue), indent=2, ensure_ascii=False))
    else:
        click.echo(describe_queue(queue, as_of=day, open_only=open_, team=only))


# --- matching ---


@cli.command(
    "match",
    epilog="Example: advocacy-kit match REQ-000123 --top 5   or   advocacy-kit match --open --apply",
)
@click.argument("request_id", required=False, metavar="[REQUEST_ID]")
@click.option("--open", "open_", is_flag=True, help="Propose an advocate for every open, unassigned request.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1), help="Candidates to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--apply",
    is_flag=True,
    help="With --open: assign each proposal as `advocacy-kit request assign` does (Owner Approval, or "
    "Advocate Asked when no owner approves) unless the request changed since it was read.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day to match on (default: today).")
@source_option
@pass_state
def match_command(
    state: _State,
    request_id: str | None,
    open_: bool,
    top: int,
    as_json: bool,
    apply: bool,
    as_of: str | None,
    source: str | None,
) -> int:
    """Rank advocates for one request, or allocate all open requests at once (nothing is written
    without --apply). Exit 3 when --apply skipped a request someone changed meanwhile."""
    import json

    from kit import match
    from kit.store import open_store

    if bool(request_id) == open_:
        raise click.UsageError("give a REQUEST_ID or --open (one of the two)")
    if apply and not open_:
        raise click.UsageError("--apply writes an allocation: use it with --open")
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    store = open_store(state.source(source))
    program = store.read()
    if request_id:
        ranked = match.rank(request_id, program, as_of=day, top=top)
        if as_json:
            payload = {
                "request_id": request_id,
                "as_of": day.isoformat(),
                "warnings": ranked.attrs.get("warnings", []),
                "candidates": _json_records(ranked),
            }
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            click.echo(_describe_ranking(request_id, ranked, day))
        return 0
    allocation = match.allocate(program, as_of=day)
    written: list[str] = []
    skipped: list[tuple[str, str]] = []
    moved = []
    if apply:
        from kit.requests_life import apply_allocation

        moved, skipped = apply_allocation(store, program, allocation, by=_who(), at=_moment(day))
        written = [t.request_id for t in moved]
    if as_json:
        payload = {
            "as_of": day.isoformat(),
            "assignments": _json_records(allocation.assignments),
            "unserved": _json_records(allocation.unserved),
            "load": _json_records(allocation.load),
            "applied": apply,
            "written": written,
            "skipped": [{"request_id": r, "reason": why} for r, why in skipped],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(_describe_allocation(allocation, day))
        if not apply:
            click.echo("\nNothing was written (add --apply to write these proposals to the Requests tab).")
        else:
            click.echo(f"\nWrote {len(written)} assignment(s):")
            for transition in moved:
                click.echo(f"  {transition.describe()}")
            for rid, why in skipped:
                click.echo(f"Skipped {rid}: {why}")
    return 3 if skipped else 0


def _who() -> str:
    """Who the History tab says made a move: the person running the command (their login name)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return ""


def _moment(day: dt.date) -> dt.datetime:
    """The moment a move is recorded: now, on ``day`` (today unless --as-of names another)."""
    return dt.datetime.combine(day, dt.datetime.now(dt.UTC).time(), tzinfo=dt.UTC)


# --- a request's life ---


@cli.group(
    "request",
    cls=_Group,
    epilog="Example: advocacy-kit request assign REQ-000123 ADV-0042   then   "
    "advocacy-kit request approve REQ-000123",
)
def request_group() -> None:
    """Move one request along its life: assign, approve or reject (the account owner), accept or decline
    (the advocate), schedule, complete, cancel. Each prints what changed and adds a row to the History tab.
    Exit 2 when the move is not allowed (nothing written), 3 when someone changed the request meanwhile."""


def _request_move(name: str, epilog: str, *, advocate: bool = False, reason: str = "", on: bool = False):
    """A ``request <name>`` subcommand: the options every move shares, and the ones this move needs."""

    def decorate(function):
        function = _with_messages(function)
        function = source_option(function)
        function = click.option("--by", metavar="WHO", help="Who made the move (default: your login name).")(
            function
        )
        function = click.option(
            "--as-of", "as_of", metavar="YYYY-MM-DD", help="The day the move is recorded on (default: today)."
        )(function)
        if on:
            function = click.option(
                "--on", "on_", required=True, metavar="YYYY-MM-DD", help="The day it is set for, or was done."
            )(function)
        if reason:
            function = click.option("--reason", metavar="TEXT", help=reason)(function)
        if advocate:
            function = click.option(
                "--override-cap",
                is_flag=True,
                help="Assign an advocate at their quarterly cap (the History tab records the decision).",
            )(function)
            function = click.argument("advocate_id", metavar="ADVOCATE_ID")(function)
        function = click.argument("request_id", metavar="REQUEST_ID")(function)
        function = pass_state(function)
        return request_group.command(name, epilog=f"Example: {epilog}")(function)

    return decorate


def _with_messages(function):
    """--email and --dry-run on a ``request`` move: read by ``_run_move`` from the context, so that each move's
    own function keeps only the options it uses."""
    import functools

    @functools.wraps(function)
    def run(*args, email: bool = False, dry_run: bool = False, **kwargs):
        return function(*args, **kwargs)

    run = click.option(
        "--dry-run",
        is_flag=True,
        help="Write the messages this move owes people as .eml files to the outbox.",
    )(run)
    return click.option(
        "--email",
        is_flag=True,
        help="E-mail the messages this move owes people, once each ([email] settings).",
    )(run)


def _request_messenger(state: _State, *, email: bool, dry_run: bool):
    """What writes or sends a move's messages (None without --email or --dry-run); the [email] settings and
    the password are checked here, before the move is written."""
    if not (email or dry_run):
        return None
    if email and dry_run:
        raise click.UsageError("--email sends and --dry-run only writes the messages: use one")
    from kit.mail import DRY_RUN_SENDER, parse_address, settings_from_config

    config = state.config
    section = config.section("email")
    settings = settings_from_config(section) if (section or email) else None
    password = settings.password(os.environ) if settings is not None and email else None
    sender = settings.sender if settings is not None else DRY_RUN_SENDER
    reply_to = str(parse_address(section.get("reply_to") or sender, "[email] reply_to"))
    from kit.mail.request_messages import check_templates

    # a broken overriding template stops the move before it is written
    check_templates(config.message_templates)

    def deliver_messages(transition, program) -> None:
        from kit.delivery import Ledger
        from kit.mail import contacts_from_program
        from kit.mail.request_messages import deliver, messages_for

        contacts = contacts_from_program(program)
        plan = messages_for(
            transition, program, reply_to=reply_to, contacts=contacts, templates=config.message_templates
        )
        deliver(
            plan,
            sender=sender,
            reply_to=reply_to,
            contacts=contacts,
            outbox=config.outbox,
            settings=settings if email else None,
            password=password,
            ledger=Ledger.beside(config.reports_dir) if email else None,
            echo=click.echo,
        )

    return deliver_messages


def _run_move(state: _State, source: str | None, as_of: str | None, by: str | None, move) -> int:
    from kit import schema
    from kit.store import open_store

    options = click.get_current_context().params
    messenger = _request_messenger(state, email=options.get("email"), dry_run=options.get("dry_run"))
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    store = open_store(state.source(source))
    program = store.read()
    transition = move(store, program, by=by or _who(), at=_moment(day))
    click.echo(transition.describe())
    if transition.history_tab_added:
        click.echo(
            f"  Added the {schema.HISTORY.name} tab (the workbook had none): one row per move from now on."
        )
    for write in transition.writes:
        click.echo(f"  {write.describe()}")
    if messenger is not None:
        messenger(transition, program)
    return 0


@_request_move("assign", "advocacy-kit request assign REQ-000123 ADV-0042", advocate=True)
def request_assign(state, request_id, advocate_id, override_cap, as_of, by, source) -> int:
    """Give the request an advocate: Owner Approval when the advocate has an account owner (and the
    Settings tab's owner_approval is yes), else Advocate Asked. Refused for an advocate who is not Active,
    has not agreed to the activity, lacks a consent it needs, or is at their cap (see --override-cap)."""
    from kit import requests_life

    return _run_move(
        state,
        source,
        as_of,
        by,
        lambda store, program, **when: requests_life.assign(
            store, program, request_id, advocate_id, override_cap=override_cap, **when
        ),
    )


@_request_move("approve", "advocacy-kit request approve REQ-000123 --by owner@example.com")
def request_approve(state, request_id, as_of, by, source) -> int:
    """The account owner agrees: the advocate may be asked (Owner Approval → Advocate Asked)."""
    from kit import requests_life

    return _run_move(state, source, as_of, by, lambda s, p, **w: requests_life.approve(s, p, request_id, **w))


@_request_move(
    "reject",
    'advocacy-kit request reject REQ-000123 --reason "renewal under way"',
    reason="Why the owner says no (required; the requester sees it).",
)
def request_reject(state, request_id, reason, as_of, by, source) -> int:
    """The account owner says no: back to New without the advocate, the reason in History."""
    from kit import requests_life

    return _run_move(
        state, source, as_of, by, lambda s, p, **w: requests_life.reject(s, p, request_id, reason, **w)
    )


@_request_move("accept", "advocacy-kit request accept REQ-000123")
def request_accept(state, request_id, as_of, by, source) -> int:
    """The advocate says yes (Advocate Asked → In Progress); set the date with `request schedule`."""
    from kit import requests_life

    return _run_move(state, source, as_of, by, lambda s, p, **w: requests_life.accept(s, p, request_id, **w))


@_request_move(
    "decline",
    'advocacy-kit request decline REQ-000123 --reason "travelling all month"',
    reason="Why the advocate says no (kept in History).",
)
def request_decline(state, request_id, reason, as_of, by, source) -> int:
    """The advocate says no: back to New without them, so someone else can be assigned."""
    from kit import requests_life

    return _run_move(
        state, source, as_of, by, lambda s, p, **w: requests_life.decline(s, p, request_id, reason, **w)
    )


@_request_move("schedule", "advocacy-kit request schedule REQ-000123 --on 2026-12-10", on=True)
def request_schedule(state, request_id, on_, as_of, by, source) -> int:
    """Set (or move) the date: In Progress or Scheduled → Scheduled; the date goes in History."""
    from kit import requests_life

    return _run_move(
        state, source, as_of, by, lambda s, p, **w: requests_life.schedule(s, p, request_id, on_, **w)
    )


@_request_move("complete", "advocacy-kit request complete REQ-000123 --on 2026-12-10", on=True)
def request_complete(state, request_id, on_, as_of, by, source) -> int:
    """It happened: Completed on that day, and an Activities row for the advocate, linked to the request
    and its opportunity."""
    from kit import requests_life

    return _run_move(
        state, source, as_of, by, lambda s, p, **w: requests_life.complete(s, p, request_id, on_, **w)
    )


@_request_move(
    "cancel",
    'advocacy-kit request cancel REQ-000123 --reason "deal lost"',
    reason="Why the request is cancelled (required).",
)
def request_cancel(state, request_id, reason, as_of, by, source) -> int:
    """Close an open request as Cancelled, with the reason in History."""
    from kit import requests_life

    return _run_move(
        state, source, as_of, by, lambda s, p, **w: requests_life.cancel(s, p, request_id, reason, **w)
    )


@request_group.command(
    "notify",
    epilog="Example: advocacy-kit request notify REQ-000123 --email   (after exit 4: server was down)",
)
@click.argument("request_id", metavar="REQUEST_ID")
@_with_messages
@source_option
@pass_state
def request_notify(state, request_id, source) -> int:
    """Write or send again the messages of the request's last move (from the History tab): after a move whose
    e-mail failed (exit 4), this sends only what has not gone out; a message already sent is not sent twice."""
    from kit.mail.request_messages import last_move
    from kit.store import open_store

    options = click.get_current_context().params
    messenger = _request_messenger(state, email=options.get("email"), dry_run=options.get("dry_run"))
    if messenger is None:
        raise click.UsageError("say what to do with the messages: --email or --dry-run")
    program = open_store(state.source(source)).read()
    transition = last_move(program, request_id)
    click.echo(f"The last move of {transition.describe()}, on {transition.at:%Y-%m-%d %H:%M} UTC")
    messenger(transition, program)
    return 0


def _json_records(frame) -> list[dict]:
    """A result frame as JSON-safe records (dates as ISO text, missing as null)."""
    from kit.cells import is_blank

    records = []
    for row, values in frame.to_dict("index").items():
        record = {"row": int(row)} if row is not None and not is_blank(row) else {}
        for key, value in values.items():
            if hasattr(value, "isoformat"):
                value = value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
            elif hasattr(value, "item"):
                value = value.item()
            if not isinstance(value, (list, tuple, dict)) and is_blank(value):
                value = None
            record[key] = value
        records.append(record)
    return records


def _describe_ranking(request_id: str, ranked, day: dt.date) -> str:
    from kit import match, schema

    A = schema.ADVOCATES.col
    lines = [f"Advocates for {request_id} as of {day.isoformat()}:"]
    lines += [f"  warning: {w}" for w in ranked.attrs.get("warnings", [])]
    if ranked.empty:
        lines.append("  nobody is eligible (see the warnings above, or match.eligibility in a notebook)")
    for place, (_, r) in enumerate(ranked.iterrows(), start=1):
        lines.append(
            f"{place:>3}. {r[A.advocate_id]}  {r[A.name]} ({r[A.company]})  score {r[match.SCORE]:.2f}"
        )
        lines.append(f"     {r[match.REASONS]}")
    return "\n".join(lines)


def _describe_allocation(allocation, day: dt.date) -> str:
    from kit import match, schema

    R, A = schema.REQUESTS.col, schema.ADVOCATES.col
    assignments, unserved = allocation.assignments, allocation.unserved
    total = len(assignments) + len(unserved)
    lines = [
        f"{total} open request(s) as of {day.isoformat()}: {len(assignments)} served, {len(unserved)} not."
    ]
    if len(assignments):
        lines.append("\nProposed:")
    for _, a in assignments.iterrows():
        due = f", due {a[R.needed_by].isoformat()}" if a[R.needed_by] else ""
        lines.append(
            f"  {a[R.request_id]} → {a[R.advocate_id]} {a[A.name]} ({a[A.company]})  "
            f"[{a[R.priority]}{due}] score {a[match.SCORE]:.2f}"
        )
        lines.append(f"      {a[match.REASONS]}")
    titles = {
        "recruiting_gap": "Recruiting gaps (no advocate at all in the segment)",
        "no_capacity": "Nobody free",
        "capacity_taken": "Outranked (their advocates went to more urgent requests, or are in their cool-down)",
        "bad_request": "Cannot be matched (fix the request)",
    }
    for code, title in titles.items():
        rows = unserved[unserved[match.REASON_CODE] == code]
        if len(rows):
            lines.append(f"\n{title}: {len(rows)}")
            lines += [f"  {r[R.request_id]}: {r[match.REASON]}" for _, r in rows.iterrows()]
    return "\n".join(lines)


# --- google sheets ---


def _google_store(source: str):
    from kit.store import is_google_sheet, open_store

    if not is_google_sheet(source):
        raise InputError(f"{source}: not a Google Sheet URL or key")
    return open_store(source)


def _data_rows(grids) -> int:
    from kit import schema
    from kit.cells import is_blank

    known = {t.name.lower() for t in schema.TABS}
    return sum(
        1
        for name, grid in grids.items()
        if name.strip().lower() in known
        for row in grid[1:]
        if any(not is_blank(c) for c in row)
    )


@cli.command(
    "init-sheet",
    epilog="Example: advocacy-kit init-sheet --title 'Customer advocacy' --share you@example.com",
)
@click.option("--title", required=True, help="The new spreadsheet's name in Google Drive.")
@click.option(
    "--share", "shares", multiple=True, metavar="EMAIL", help="Give this person edit access (repeatable)."
)
def init_sheet_command(title: str, shares: tuple[str, ...]) -> None:
    """Create the shared Google Sheet from the schema: every tab, drop-downs, protected headers, highlights.

    Uses the service account in $GOOGLE_APPLICATION_CREDENTIALS. A sheet the service account creates is
    visible to nobody else until it is shared: pass --share with your own address.
    """
    from kit.store import current_google_options
    from kit.store.gsheets import create_sheet

    if not shares:
        click.echo("Note: without --share only the service account can open the new sheet.", err=True)
    store = create_sheet(title, share=shares, **current_google_options())
    click.echo(f"Created {store.source}")
    for email in shares:
        click.echo(f"Shared with {email} (editor)")
    click.echo(
        f"Next: advocacy-kit push --from demo/advocacy_program.xlsx --to {store.key}  (or set source = it)"
    )


@cli.command(
    epilog="Example: advocacy-kit push --from my_program.xlsx --to https://docs.google.com/spreadsheets/d/KEY"
)
@click.option(
    "--from", "from_path", required=True, type=click.Path(dir_okay=False), help="The local workbook (.xlsx)."
)
@click.option("--to", "to_sheet", required=True, metavar="SHEET", help="The Google Sheet's URL or key.")
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite a sheet that already holds rows (its tabs become the workbook's).",
)
def push(from_path: str, to_sheet: str, replace: bool) -> None:
    """Copy a whole program from a local workbook into a Google Sheet (moving onto the shared sheet)."""
    from kit.program import program_from_grids
    from kit.store.local import LocalStore

    grids = LocalStore(from_path).read_grids()
    program_from_grids(grids, source=from_path)  # refuse a workbook the kit cannot read, before writing
    target = _google_store(to_sheet)
    if not replace:
        held = _data_rows(target.read_grids())
        if held:
            raise InputError(
                f"{to_sheet}: the Google Sheet already holds {held:,} rows; pass --replace to overwrite it "
                "with the workbook (or pull it first to keep a copy)"
            )
    target.write_grids(grids)
    click.echo(f"Pushed {_data_rows(grids):,} rows in {len(grids)} tabs from {from_path} to {target.source}")


@cli.command(
    epilog="Example: advocacy-kit pull --from https://docs.google.com/spreadsheets/d/KEY --to backup.xlsx"
)
@click.option("--from", "from_sheet", required=True, metavar="SHEET", help="The Google Sheet's URL or key.")
@click.option(
    "--to", "to_path", required=True, type=click.Path(dir_okay=False), help="The workbook to write (.xlsx)."
)
@click.option("--force", is_flag=True, help="Overwrite the workbook if it exists.")
def pull(from_sheet: str, to_path: str, force: bool) -> None:
    """Copy a whole program from a Google Sheet into a local workbook (an offline backup or copy)."""
    from kit.store.local import LocalStore

    if Path(to_path).suffix.lower() != ".xlsx":
        raise InputError(f"{to_path}: the copy must be an .xlsx workbook")
    refuse_to_overwrite(Path(to_path), force)
    grids = _google_store(from_sheet).read_grids()
    LocalStore(to_path).write_grids(grids)
    click.echo(f"Pulled {_data_rows(grids):,} rows in {len(grids)} tabs from {from_sheet} to {to_path}")


# --- import ---


@cli.command(
    "import",
    epilog="Example: advocacy-kit import opportunities.csv --tab Opportunities --dry-run   "
    "(then without --dry-run; see docs/importing.md)",
)
@click.argument("file", metavar="FILE")
@click.option(
    "--tab", required=True, metavar="TAB", help="The tab to import into (Advocates, Opportunities, …)."
)
@source_option
@click.option(
    "--mapping",
    "mapping_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="A TOML mapping file (the kit's column = the file's header); default: guessed, and written beside FILE.",
)
@click.option(
    "--preset",
    type=click.Choice(["salesforce", "hubspot"]),
    help="Read FILE as this CRM's export (default: detected from the headers).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would be added, changed and refused; the program is not written (the guessed mapping "
    "is, beside FILE, to edit before the real import).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the mapping, the diff and the outcome as JSON.")
@click.option(
    "--report-missing", is_flag=True, help="Also list the tab's rows FILE does not hold (they are kept)."
)
@pass_state
def import_command(
    state: _State,
    file: str,
    tab: str,
    source: str | None,
    mapping_path: str | None,
    preset: str | None,
    dry_run: bool,
    as_json: bool,
    report_missing: bool,
) -> int:
    """Bring rows in from a CSV or an .xlsx sheet (FILE.xlsx#Sheet): an inherited roster, a CRM export. Rows
    are matched by the tab's key (advocates also by e-mail, then name and company) and added or updated; none
    is deleted, and importing the same file again changes nothing. Exit 0: done; 1: some rows refused (the
    others written); 2: FILE, the mapping or the program cannot be read (nothing written)."""
    import json

    from kit.importing import run_import
    from kit.store import open_store

    name = _tab_name(tab)
    store = open_store(state.source(source))
    result = run_import(store, file, name, mapping_path=mapping_path, preset=preset, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo("\n".join(result.lines(report_missing=report_missing)))
    return result.exit_code


# --- CRM sync ---


@cli.command(
    "sync",
    epilog="Example: advocacy-kit sync salesforce --dry-run   (then without --dry-run; see docs/crm-sync.md)",
)
@click.argument("crm", type=click.Choice(["salesforce", "hubspot"]))
@source_option
@click.option("--full", is_flag=True, help="Read every record, not only those changed since the last sync.")
@click.option("--dry-run", is_flag=True, help="Show what would be added and changed; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result (and the diff) as JSON.")
@pass_state
def sync_command(
    state: _State, crm: str, source: str | None, full: bool, dry_run: bool, as_json: bool
) -> int:
    """Bring the Opportunities tab up to date from Salesforce or HubSpot: the records changed since the last
    successful sync (kept beside the reports), upserted by opportunity id. Exit 0: done; 1: some rows
    refused (the others written); 2: the CRM or the program could not be read (nothing written)."""
    import json
    import logging

    from kit.store import open_store
    from kit.sync import SyncState, sync
    from kit.sync.settings import fetcher_from_config

    config = state.config
    log = logging.getLogger("kit.cli")
    sync_state = SyncState.beside(config.reports_dir)
    with delivery_log(state, not dry_run):  # a sync writes the program: the run log says what, or why not
        try:
            fetch = fetcher_from_config(
                crm, config.section("sync").get(crm, {}), os.environ, base=config.path
            )
            store = open_store(state.source(source))
            result = sync(
                crm,
                store=store,
                state=sync_state,
                fetch=fetch,
                now=dt.datetime.now(dt.UTC),
                full=full,
                dry_run=dry_run,
            )
        except Exception:
            log.warning("%s", _last_good_sync(sync_state, crm))  # a scheduled run's reports go out next
            raise
        log.info("%s", result.summary)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(result.summary)
        for line in result.plan.lines(limit=50) if (dry_run or result.plan.refused) else ():
            click.echo(f"  {line}")
    return 1 if result.plan.refused else 0


def _last_good_sync(sync_state: SyncState, crm: str) -> str:
    """What a failed sync leaves for the reports: the Opportunities tab as the last successful sync left it."""
    from kit.sync import CRMS

    try:
        mark = sync_state.last(crm)
    except KitError:
        mark = None
    when = f"finished {mark.synced_at}" if mark else "none yet"
    return (
        f"sync {crm} did not finish: reports made now count the opportunities of the last successful "
        f"{CRMS[crm]} sync ({when})"
    )


# --- e-mail and schedule ---


@contextmanager
def delivery_log(
    state: _State, active: bool, *, force: bool = False, out_dir: str | None = None
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

    path = _schedule(state).log_file
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
            _check_mail_settings(state, given.get("which", "all"))  # before minutes of rendering
        yield
    except BaseException as error:
        log.error("failed: %s: %s", type(error).__name__, error)
        raise
    finally:
        logging.getLogger("kit").removeHandler(handler)
        handler.close()


def _check_mail_settings(state: _State, which: str) -> None:
    """Fail now, not after rendering: [email] readable, the password variable set, recipients named."""
    from kit.mail import settings_from_config
    from kit.report import report_names

    settings = settings_from_config(state.config.section("email"))
    settings.password(os.environ)
    if which == "digest":
        from kit.digest import recipients

        recipients(settings)
        return
    for name in report_names(which):
        settings.recipients_for(name)


def _schedule(state: _State):
    from kit.schedule import schedule_from_config

    config = state.config
    base = config.path.parent if config.path else Path.cwd()
    return schedule_from_config(config.section("schedule"), base=base)


def deliver_rendered(state: _State, run: ReportRun, *, email: bool, dry_run: bool, force: bool) -> None:
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
    cadence = _schedule(state).cadence if config.section("schedule") else None
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
def schedule_command(state: _State, install: bool, systemd: bool) -> None:
    """Print the cron lines that e-mail the reports on the [schedule] of the config, or install them.

    Every run is `advocacy-kit report ... --email`: the delivery ledger makes a run that finds this period's
    edition already sent a no-op, so a missed or repeated run is harmless. With `sync = ["hubspot"]` in
    [schedule] it first runs `advocacy-kit sync hubspot`; the reports go out even when the sync fails (on the
    last good sync's opportunities), and the run then exits 1 (docs/crm-sync.md). With `digest = "07:30"` it
    also e-mails the daily digest every day at that time (`advocacy-kit report digest --email`), once per day.
    """
    from kit.schedule import cron_lines, digest_command, install_crontab, run_command, systemd_units

    config = state.config
    if config.path is None:
        message = "no config file: a scheduled run needs [email] settings (see docs/email-and-scheduling.md)"
        if install:
            raise ConfigError(message)
        click.echo(f"Note: {message}.", err=True)
    if not config.section("schedule"):
        click.echo("Note: the config has no [schedule] section; using weekly on Monday at 07:00.", err=True)
    plan = _schedule(state)
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
    if systemd:
        for name, text in systemd_units(plan, command, digest=digest).items():
            click.echo(f"# ~/.config/systemd/user/{name}\n{text}")
        return
    block = cron_lines(plan, command, digest)
    if install:
        install_crontab(block)
        click.echo(f"Installed into your crontab: the reports go out {plan.when}.")
    else:
        click.echo("\n".join(block))


# ------------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run a command, turning the kit's errors into one line and an exit code."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="advocacy-kit", standalone_mode=False
        )
    except click.exceptions.Abort:
        click.echo("advocacy-kit: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except KitError as error:
        click.echo(f"advocacy-kit: error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("advocacy-kit: interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # a bug: still one line, unless debugging
        if os.environ.get(DEBUG_ENV):
            raise
        click.echo(
            f"advocacy-kit: internal error: {type(error).__name__}: {error} "
            f"(set {DEBUG_ENV}=1 for the traceback, and please report it)",
            err=True,
        )
        sys.exit(70)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
