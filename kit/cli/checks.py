"""Commands that check the data people typed: validate and health."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from kit.cli.app import State, cli, parse_date_option, pass_state, source_option, tab_name

if TYPE_CHECKING:
    pass

# --- validation and data health ---


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
    state: State, source: str | None, as_json: bool, tab: str | None, write_issues: bool, as_of: str | None
) -> int:
    """List every problem in the workbook, cell by cell. Exit 0: no errors; 1: errors; 2: unreadable."""
    import json

    from kit import schema
    from kit.store import open_store
    from kit.validate import ERROR, describe_findings, finding_records, issues_grid, validate

    only = tab_name(tab)
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
def health_command(state: State, source: str | None, as_json: bool, limit: int, as_of: str | None) -> None:
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
