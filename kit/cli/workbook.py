"""Commands on the program's workbook and Google Sheet as a whole: info, demo, templates, init-sheet,
push and pull."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kit.cli.app import State, cli, parse_date_option, pass_state, refuse_to_overwrite, source_option
from kit.errors import InputError

if TYPE_CHECKING:
    pass

# ------------------------------------------------------------------------------------------------------------
# info


@cli.command(epilog="Example: advocacy-kit info --source my_program.xlsx")
@source_option
@pass_state
def info(state: State, source: str | None) -> None:
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
