"""Commands on nominations: the queue and the accepted nominees being onboarded (nominations), accepting one
with what the roster requires (nominations accept), declining one (nominations decline), and making an
onboarded nominee Active (nominations activate)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from kit.cli.app import Group, State, cli, parse_date_option, pass_state, source_option

_DETAIL_PREFIX = "cell_"  # the parameter names of the roster-cell options (--region: cell_region)


def _flag(column: str) -> str:
    return "--" + column.replace("_", "-")


def _detail_options(columns: tuple[str, ...]) -> Callable:
    """One option per roster column in ``columns`` (``--region``, ``--last-verified`` …), derived from the
    schema: its description, its allowed values, and whether the roster requires it."""
    from kit import schema

    def decorate(function: Callable) -> Callable:
        for name in reversed(columns):
            column = schema.ADVOCATES.column(name)
            text = column.description
            if column.values and not all(v in text for v in column.values):
                text += f" One of: {', '.join(column.values)}."
            if column.is_multi and ";" not in text:
                text += " Several separated by ';'."
            if column.required:
                text += " Required by the roster (asked when the nomination does not carry it)."
            kind = {"date": "YYYY-MM-DD", "email": "EMAIL", "int": "N"}.get(column.kind.value, "TEXT")
            function = click.option(_flag(name), _DETAIL_PREFIX + name, metavar=kind, help=text)(function)
        return function

    return decorate


def _details(options: dict[str, Any]) -> dict[str, Any]:
    return {
        name.removeprefix(_DETAIL_PREFIX): value
        for name, value in options.items()
        if name.startswith(_DETAIL_PREFIX) and value is not None
    }


_GROUP_OPTIONS = "kit.nominations.group_options"


def _given_to_group(name: str) -> str | None:
    return click.get_current_context().meta.get(_GROUP_OPTIONS, {}).get(name)


def _day(as_of: str | None) -> dt.date:
    return parse_date_option(as_of or _given_to_group("as_of"), "as-of") or dt.date.today()


def _store(state: State, source: str | None):
    from kit.store import open_store

    return open_store(state.source(source or _given_to_group("source")))


as_of_option = click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", help="The day treated as today (default: today)."
)


@cli.group(
    "nominations",
    cls=Group,
    invoke_without_command=True,
    epilog="Example: advocacy-kit nominations   then   "
    "advocacy-kit nominations accept NOM-00042 --region EMEA --industry Insurance",
)
@as_of_option
@source_option
@click.pass_context
def nominations_group(ctx: click.Context, as_of: str | None, source: str | None) -> int | None:
    """The nominations waiting for a decision (oldest first, with what accepting each needs), and the
    accepted nominees still Nominated with their onboarding checklist (activities agreed, consents, profile
    verified). Subcommands accept, decline and activate (docs/notebooks.md#accepting-a-nomination)."""
    if ctx.invoked_subcommand is not None:
        # `nominations --source X accept …`: the subcommand uses them too (unless it has its own)
        ctx.meta[_GROUP_OPTIONS] = {"source": source, "as_of": as_of}
        return None
    from kit.store import open_store

    state = ctx.find_object(State) or State()
    program = open_store(state.source(source)).read()
    click.echo(describe_nominations(program, as_of=_day(as_of)))
    return 0


def describe_nominations(program, *, as_of: dt.date) -> str:
    """The queue and the onboarding, as the terminal shows them."""
    from kit import onboarding, schema
    from kit.cells import as_text, is_blank

    A, N = schema.ADVOCATES.col, schema.NOMINATIONS.col
    queue = onboarding.nomination_queue(program)
    lines = [f"{len(queue)} nomination{'s' * (len(queue) != 1)} waiting for a decision (oldest first):"]
    for _, nomination in queue.iterrows():
        draft = onboarding.draft_advocate(nomination, program.advocates)
        missing = onboarding.still_required(draft)
        submitted = nomination[N.submitted_on]
        waited = f", {(as_of - submitted.date()).days} days" if not is_blank(submitted) else ""
        needs = " ".join(f"{_flag(c.name)} …" for c in missing) if missing else "nothing more"
        lines.append(
            f"  {as_text(nomination[N.nomination_id])}  {as_text(submitted) or 'no date'}{waited}  "
            f"{as_text(nomination[N.contact_name])} · {as_text(nomination[N.company])}; "
            f"accepting needs: {needs}"
        )
    nominees = onboarding.nominees(program)
    lines.append(
        f"{len(nominees)} accepted nominee{'s' * (len(nominees) != 1)} still {schema.NOMINATED_STATUS} "
        "(Active once the checklist is done):"
    )
    for _, advocate in nominees.iterrows():
        todo = onboarding.missing_for_active(advocate)
        left = "; ".join(todo) if todo else "checklist done: activate them"
        who = f"{as_text(advocate[A.name])} · {as_text(advocate[A.company])}"
        lines.append(f"  {as_text(advocate[A.advocate_id])}  {who}: {left}")
    return "\n".join(lines)


def _todo_line(program, advocate_id: str) -> str:
    from kit import actions, onboarding, schema

    row = actions.row_of(program, schema.ADVOCATES, advocate_id)
    return onboarding.still_to_do(advocate_id, program.advocates.loc[row]) or (
        f"{advocate_id}'s checklist is done: advocacy-kit nominations activate {advocate_id}"
    )


def _detail_columns() -> tuple[str, ...]:
    """The roster columns a person may give (``kit.onboarding.DETAIL_COLUMNS``), read from the schema, which
    loads no pandas."""
    from kit import schema

    return schema.ADVOCATE_DETAIL_COLUMNS


def _checklist_columns() -> tuple[str, ...]:
    from kit import schema

    return schema.ONBOARDING_CHECKLIST


@nominations_group.command(
    "accept",
    epilog="Example: advocacy-kit nominations accept NOM-00042 --region EMEA --industry Insurance "
    "--activities 'reference_call; review'",
)
@click.argument("nomination_id", metavar="NOMINATION_ID")
@_detail_options(_detail_columns())
@click.option("--note", metavar="TEXT", help="A note kept in the nomination's decision_note cell.")
@as_of_option
@source_option
@pass_state
def nominations_accept(
    state: State, nomination_id: str, note: str | None, as_of: str | None, source: str | None, **cells: Any
) -> int:
    """Accept a nomination: it is marked Accepted and the nominee joins the Advocates tab as Nominated, with
    what the nomination carries and the cells given here. Refused (exit 2, nothing written) while a column
    the roster requires would stay empty, naming it; exit 3 when someone decided it meanwhile."""
    from kit import actions

    day = _day(as_of)
    store = _store(state, source)
    decided, added = actions.accept_nomination(
        store, store.read(), nomination_id, as_of=day, note=note or "", details=_details(cells)
    )
    click.echo(f"{nomination_id} accepted: {added.key} joins the roster as Nominated.")
    for write in (decided, added):
        click.echo(f"  {write.describe()}")
    click.echo(_todo_line(store.read(), added.key))
    return 0


@nominations_group.command(
    "decline", epilog="Example: advocacy-kit nominations decline NOM-00042 --reason 'renewal at risk'"
)
@click.argument("nomination_id", metavar="NOMINATION_ID")
@click.option(
    "--reason", required=True, metavar="TEXT", help="Why (kept in decision_note): the nominator asks."
)
@as_of_option
@source_option
@pass_state
def nominations_decline(
    state: State, nomination_id: str, reason: str, as_of: str | None, source: str | None
) -> int:
    """Decline a nomination with a reason; nobody joins the roster."""
    from kit import actions

    store = _store(state, source)
    write = actions.decline_nomination(store, store.read(), nomination_id, reason, as_of=_day(as_of))
    click.echo(f"{nomination_id} declined.")
    click.echo(f"  {write.describe()}")
    return 0


@nominations_group.command(
    "activate",
    epilog="Example: advocacy-kit nominations activate ADV-0142 --consents 'name; story' "
    "--last-verified 2026-12-01",
)
@click.argument("advocate_id", metavar="ADVOCATE_ID")
@_detail_options(_checklist_columns())
@as_of_option
@source_option
@pass_state
def nominations_activate(
    state: State, advocate_id: str, as_of: str | None, source: str | None, **cells: Any
) -> int:
    """Make an accepted nominee Active (joined_on today unless set), recording the checklist cells given.
    Refused (exit 2, nothing written) while the checklist is not done (activities agreed, the consents those
    activities need, the profile verified), naming what is missing; exit 3 when someone changed the row
    meanwhile."""
    from kit import actions

    store = _store(state, source)
    write = actions.onboard_advocate(
        store, store.read(), advocate_id, as_of=_day(as_of), details=_details(cells), activate=True
    )
    click.echo(f"{advocate_id} is now Active.")
    click.echo(f"  {write.describe()}")
    return 0
