"""Commands on requests: the queue with its SLA clock (requests), finding advocates (match) and a
request's life (request assign, approve, … and notify)."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import click

from kit.cli.app import Group, State, cli, parse_date_option, pass_state, source_option

if TYPE_CHECKING:
    pass


@cli.command(
    "requests",
    epilog="Example: advocacy-kit requests --open --team Sales   or   advocacy-kit requests --fill-ids",
)
@click.option("--open", "open_", is_flag=True, help="Only the open requests (New to Scheduled).")
@click.option("--team", metavar="TEAM", help="Only this requesting team's requests (e.g. Sales).")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as a JSON list of records.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day of the SLA clock (default: today).")
@click.option(
    "--fill-ids",
    is_flag=True,
    help="First give each request typed in the sheet without a request_id the next free id (a row "
    "changed meanwhile is skipped: exit 3).",
)
@source_option
@pass_state
def requests_command(
    state: State,
    open_: bool,
    team: str | None,
    as_json: bool,
    as_of: str | None,
    fill_ids: bool,
    source: str | None,
) -> int:
    """The request queue, most urgent first: each request's SLA due day and state (past SLA, due soon, on
    time; met or missed once completed), days open and needed_by (docs/requests.md)."""
    import json

    from kit.requests_queue import describe_queue, parse_team, queue_records, request_queue
    from kit.store import open_store

    only = None if team is None else parse_team(team)
    day = parse_date_option(as_of, "as-of") or dt.date.today()
    store = open_store(state.source(source))
    program = store.read()
    skipped: list[tuple[int, str]] = []
    if fill_ids:
        from kit.actions import fill_request_ids

        filled, skipped = fill_request_ids(store, program)
        # the notes go to stderr, so --json stays one JSON document
        for write in filled:
            click.echo(write.describe(), err=as_json)
        for row, why in skipped:
            click.echo(f"Skipped Requests row {row}: {why}", err=as_json)
        if not filled and not skipped:
            click.echo("Every request has its request_id; nothing was written.", err=as_json)
        if filled:
            program = store.read()
    queue = request_queue(program, as_of=day, open_only=open_, team=only)
    if as_json:
        click.echo(json.dumps(queue_records(queue), indent=2, ensure_ascii=False))
    else:
        click.echo(describe_queue(queue, as_of=day, open_only=open_, team=only))
    return 3 if skipped else 0


# --- matching ---


@cli.command(
    "match",
    epilog="Example: advocacy-kit match REQ-000123 --top 5   or   advocacy-kit match --open --apply --email",
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
@click.option(
    "--email",
    is_flag=True,
    help="With --apply: e-mail the messages each assignment owes (the owner's approval ask or the "
    "advocate's ask, the requester's news), once each, as `request assign --email` does.",
)
@click.option("--dry-run", "dry_run", is_flag=True, help="With --apply: write those messages to the outbox.")
@source_option
@pass_state
def match_command(
    state: State,
    request_id: str | None,
    open_: bool,
    top: int,
    as_json: bool,
    apply: bool,
    as_of: str | None,
    email: bool,
    dry_run: bool,
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
    if (email or dry_run) and not apply:
        raise click.UsageError("--email and --dry-run send the messages of the assignments --apply writes")
    messenger = (
        _request_messenger(state, email=email, dry_run=dry_run, notes_to_stderr=as_json) if apply else None
    )
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
    unnumbered: list[tuple[int, str]] = []
    if apply:  # a write by the kit first numbers the requests typed without an id, so they can be served
        from kit.actions import fill_request_ids

        numbered, unnumbered = fill_request_ids(store, program)
        for write in numbered:
            click.echo(write.describe(), err=as_json)
        for row, why in unnumbered:
            click.echo(f"Skipped Requests row {row}: {why}", err=as_json)
        if numbered:
            program = store.read()
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
    if messenger is not None:
        for transition in moved:  # after the whole allocation is written: a mail failure (exit 4) undoes none
            messenger(transition, program)
    return 3 if skipped or unnumbered else 0


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
    cls=Group,
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


def _request_messenger(state: State, *, email: bool, dry_run: bool, notes_to_stderr: bool = False):
    """What writes or sends a move's messages (None without --email or --dry-run); the [email] settings and
    the password are checked here, before the move is written. ``notes_to_stderr``: what it says about each
    message goes to stderr (a --json command keeps stdout for its JSON)."""
    if not (email or dry_run):
        return None
    if email and dry_run:
        raise click.UsageError("--email sends and --dry-run only writes the messages: use one")
    from kit.mail.request_messages import messenger

    return messenger(
        state.config,
        email=email,
        environ=os.environ,
        echo=lambda line: click.echo(line, err=notes_to_stderr),
    )


def _run_move(state: State, source: str | None, as_of: str | None, by: str | None, move) -> int:
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
