"""Commands that bring rows in from outside the sheet: import (files) and sync (CRMs)."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import click

from kit.cli.app import State, cli, pass_state, source_option, tab_name
from kit.cli.run_log import logged_run
from kit.errors import KitError

if TYPE_CHECKING:
    from kit.sync import SyncState

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
    state: State,
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

    name = tab_name(tab)
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
def sync_command(state: State, crm: str, source: str | None, full: bool, dry_run: bool, as_json: bool) -> int:
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
    with logged_run(state, not dry_run):  # a sync writes the program: the run log says what, or why not
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
