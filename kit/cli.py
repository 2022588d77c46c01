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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from kit.config import Config, load_config
from kit.errors import InputError, KitError

DEBUG_ENV = "ADVOCACY_KIT_DEBUG"


@dataclass
class _State:
    config_path: str | None = None
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def source(self, override: str | None) -> str:
        """The source to use: --source, else the config's; says so when falling back to the demo."""
        if override:
            return override
        config = self.config
        if config.source_is_default:
            click.echo(
                f"No config file and no --source: using the demo workbook {config.source} "
                "(see README, 'Point it at your own sheet').",
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
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--{name} {value!r}: not a date; use YYYY-MM-DD") from None


@click.group(
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
    ctx.obj = _State(config_path)


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
def demo(advocates: int, out_dir: str, seed: int, as_of: str | None) -> None:
    """Build a realistic demo program and run the main job on it."""
    from kit.demo import build_demo
    from kit.program import grids_from_frames
    from kit.store.local import LocalStore
    from kit.summary import describe_program

    day = parse_date_option(as_of, "as-of") or dt.date.today()
    path = Path(out_dir) / "advocacy_program.xlsx"
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
@click.option("--readme", type=click.Path(dir_okay=False, exists=True), help="Also refresh this README's tab docs.")
def templates(out_dir: str, readme: str | None) -> None:
    """Write the empty workbook and per-tab CSV templates from the schema."""
    from kit.templates import refresh_readme, write_templates

    for path in write_templates(out_dir):
        click.echo(f"Wrote {path}")
    if readme and refresh_readme(readme):
        click.echo(f"Updated the workbook section of {readme}")


# --- metrics and reports ---


def _period_help(default: str) -> str:
    return f"2026-11, 2026-Q4, FY2027-Q1, FY2027, 2026 or 2026-07-01..2026-09-30 (default: {default})."


@cli.command(
    "metrics",
    epilog="Example: advocacy-kit metrics --period 2026-Q4 --segment 'industry=Insurance' --json",
)
@source_option
@click.option("--period", "-p", metavar="PERIOD", help=_period_help("the current calendar quarter"))
@click.option("--segment", metavar="SEGMENT", help="Only this segment, e.g. 'industry=Insurance; product=Product A'.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day the figures are as of (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON (what the reports show).")
@pass_state
def metrics_command(
    state: _State, source: str | None, period: str | None, segment: str | None, as_of: str | None, as_json: bool
) -> None:
    """The program's figures for a period: headline numbers with last period's, goals, data quality."""
    import json

    from kit.metrics import compute, describe_metrics
    from kit.store import open_store

    day = parse_date_option(as_of, "as-of") or dt.date.today()
    program = open_store(state.source(source)).read()
    result = compute(program, period=period, segment=segment, as_of=day)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
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
) -> list:
    """Render the named report(s); returns the RenderedReport of each (the e-mail options build on this)."""
    from kit.report import render_report, report_names

    names = report_names(which)
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    out = Path(out_dir) if out_dir else state.config.reports_dir
    chosen = state.source(source)
    rendered = []
    for name in names:
        result = render_report(
            name,
            source=chosen,
            period=period,
            segment=segment,
            as_of=day,
            out_dir=out,
            progress=sys.stderr.isatty(),
        )
        click.echo(f"Wrote {result.html_path} (executed notebook: {result.notebook_path.name})")
        rendered.append(result)
    return rendered


@cli.command(
    "report",
    epilog="Example: advocacy-kit report all --period 2026-Q4 --source demo/advocacy_program.xlsx --out reports",
)
@click.argument("which", type=click.Choice(["goal-tracking", "executive-update", "all"]))
@source_option
@click.option("--period", "-p", metavar="PERIOD", help=_period_help("the calendar quarter of --as-of"))
@click.option("--segment", metavar="SEGMENT", help="Only this segment, e.g. 'industry=Insurance'.")
@click.option("--out", "out_dir", metavar="DIR", help="Where to write the reports (default: reports_dir of the config).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day the figures are as of (default: today).")
@pass_state
def report_command(
    state: _State,
    which: str,
    source: str | None,
    period: str | None,
    segment: str | None,
    out_dir: str | None,
    as_of: str | None,
) -> None:
    """Render a report to HTML (code hidden), with the executed notebook beside it for audit.

    goal-tracking is for the program manager; executive-update for the executives. A failing cell fails the
    command with the cell's error and leaves the last good report in place.
    """
    run_reports(state, which, source=source, period=period, segment=segment, out_dir=out_dir, as_of=as_of)


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
