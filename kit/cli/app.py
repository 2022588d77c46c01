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
from kit.errors import InputError, KitError

if TYPE_CHECKING:
    pass

DEBUG_ENV = "ADVOCACY_KIT_DEBUG"


@dataclass
class State:
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


pass_state = click.make_pass_decorator(State, ensure=True)

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


def reports_folder(state: State, out_dir: str | None) -> tuple[Path, str]:
    """The folder reports go to (--out, else the config's ``reports_dir``) and what chose it, for messages."""
    if out_dir:
        return Path(out_dir), "--out"
    config = state.config
    return config.reports_dir, f"{config.path}: reports_dir" if config.path else "reports_dir"


def refuse_to_overwrite(path: Path, force: bool) -> None:
    """Raise InputError when ``path`` exists and ``--force`` was not given: a workbook holds people's edits."""
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it")


def tab_name(tab: str | None) -> str | None:
    """The schema's name of the tab ``--tab`` names (any case), or None; an unknown one is an InputError."""
    from kit import schema

    if tab is None:
        return None
    for name in [t.name for t in schema.TABS]:
        if name.lower() == tab.strip().lower():
            return name
    names = ", ".join(t.name for t in schema.TABS)
    raise InputError(f"--tab {tab!r}: no such tab; use one of {names}")


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


class Command(click.Command):
    """A kit command: sets up the store's context when it runs. Not in the group's callback, which click
    runs before a subcommand's --help is seen: the read cache loads pandas, and --help should not wait."""

    def invoke(self, ctx: click.Context) -> Any:
        with _store_context():
            return super().invoke(ctx)


class Group(click.Group):
    command_class = Command


@click.group(
    cls=Group,
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
    ctx.obj = State(config_path)  # each command runs within _store_context (see Command)


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
