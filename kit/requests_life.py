"""A request's life: every move from one status to the next, and the only code that makes them.

    New ──assign──▶ Owner Approval ──approve──▶ Advocate Asked ──accept──▶ In Progress ──schedule──▶ Scheduled
     ▲                 │ reject (reason)            │ decline                  └──────────complete──────┐ │
     └─────────────────┴────────────────────────────┘                                                ▼ ▼
                                                                                                 Completed
    (assign goes straight to Advocate Asked when the advocate has no owner_email or the Settings tab's
    owner_approval is no; cancel, with a reason, closes any open request as Cancelled.)

The CLI (``advocacy-kit request …``, ``match --open --apply``) and the finder widget call these functions, so
a move follows the same rules whichever started it. Each move is one keyed update of the request's row that
expects its ``status`` and ``advocate_id`` as they were read (someone else's change meanwhile raises
``ConflictError`` and nothing is written), then one row appended to the History tab (created first when an
older workbook lacks it). A move the program's rules refuse (an unknown id, a move not allowed from the
current status, a date before the request came in, a missing reason, an advocate who must not be asked) is
one ``InputError`` line, raised before anything is written.

Each move returns a ``Transition``: what changed, from which status to which, and who is concerned, so the
messages to the requester, the account owner and the advocate can be written from it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kit import schema
from kit.actions import (
    Write,
    _appended,
    _as_read,
    _set_aside_changed,
    _updated,
    log_request,
    next_id,
    row_of,
)
from kit.cells import as_text, parse_date
from kit.errors import ConflictError, InputError
from kit.program import Program
from kit.store import RowUpdate, Store
from kit.validate.assignments import PUBLIC_ACTIVITY_CONSENTS

if TYPE_CHECKING:
    from kit.match import Allocation

A, R, X, H = schema.ADVOCATES.col, schema.REQUESTS.col, schema.ACTIVITIES.col, schema.HISTORY.col
ACTIVITY_ID_PREFIX, ACTIVITY_ID_WIDTH = "ACT-", 6
_APPLY_ROUNDS = 5  # each round after a conflict sets aside at least one changed request

NEW, IN_PROGRESS = schema.NEW_STATUS, schema.ACCEPTED_STATUS
OWNER, ASKED, SCHEDULED = schema.OWNER_APPROVAL_STATUS, schema.ADVOCATE_ASKED_STATUS, schema.SCHEDULED_STATUS
COMPLETED, CANCELLED = schema.COMPLETED_STATUS, schema.CANCELLED_STATUS

# The statuses each move starts from. A request whose advocate said yes (In Progress) may be completed without a
# date set first: a review or an RFP answer is done, not held.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "assign": (NEW, IN_PROGRESS),
    "approve": (OWNER,),
    "reject": (OWNER,),
    "accept": (ASKED,),
    "decline": (ASKED,),
    "schedule": (IN_PROGRESS, SCHEDULED),
    "complete": (IN_PROGRESS, SCHEDULED),
    "cancel": schema.OPEN_REQUEST_STATUSES,
}
ACTIONS = tuple(ALLOWED_FROM)
# What to do instead, for the refusals a person meets most.
_HINTS = {
    ("assign", OWNER): " (to give it someone else, reject it first)",
    ("assign", ASKED): " (to give it someone else, decline it first)",
    ("assign", SCHEDULED): " (to give it someone else, cancel it and log it again)",
}


@dataclass(frozen=True)
class Transition:
    """One move of one request: what a confirmation shows and what a message to each person is written from.

    ``advocate_id`` is the advocate concerned: the one assigned, or for reject and decline the one who was
    on the request (the request itself no longer names them).
    """

    request_id: str
    action: str  # one of ACTIONS
    from_status: str
    to_status: str
    by: str
    at: dt.datetime
    requester_email: str | None
    advocate_id: str | None
    advocate_email: str | None
    owner_email: str | None  # the advocate's account owner (who approves)
    activity: str | None
    on: dt.date | None = None  # the date scheduled or completed
    note: str = ""
    override_cap: bool = False
    history_tab_added: bool = False  # the workbook had no History tab: this move added it
    writes: tuple[Write, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        """'REQ-000001: New → Owner Approval (ADV-0001; waiting on owner@example.com)'."""
        details = [d for d in (self.advocate_id, self.note) if d]
        if self.to_status == OWNER and self.owner_email:
            details.append(f"waiting on {self.owner_email}")
        extra = f" ({'; '.join(details)})" if details else ""
        return f"{self.request_id}: {self.from_status} → {self.to_status}{extra}"


# ------------------------------------------------------------------------------------------------------------
# The History tab


_HAS_HISTORY: weakref.WeakSet[Store] = weakref.WeakSet()


def _ensure_history(store: Store, program: Program) -> bool:
    """Make sure the store has a History tab; add it (header only) to a workbook made before it existed.

    Returns True when it was added. Checked before anything else is written, once per store object, and
    only when the program read shows no History rows (a workbook without the tab reads as if it were empty).
    """
    if store in _HAS_HISTORY or not program[schema.HISTORY].empty:
        return False
    names = {name.strip().lower() for name in store.read_grids()}
    added = schema.HISTORY.name.lower() not in names
    if added:
        store.replace_tab(schema.HISTORY.name, [list(schema.HISTORY.names)])
    _HAS_HISTORY.add(store)
    return added


def _timestamp(at: dt.datetime) -> str:
    """The History's ``at`` cell: ISO 8601 in UTC (2026-12-02T09:30:00Z), sortable and read by any tool."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.replace(microsecond=0).isoformat() + "Z"


# ------------------------------------------------------------------------------------------------------------
# One move


@dataclass(frozen=True)
class _Request:
    """The request's row as read, and who is concerned."""

    id: str
    row: int
    status: str
    advocate_id: str | None
    requested_on: dt.date | None
    requester_email: str | None
    activity: str | None
    opportunity_id: str | None
    expected: Mapping[str, Any]


def _request(program: Program, request_id: str, action: str) -> _Request:
    request_id = as_text(request_id)
    row = row_of(program, schema.REQUESTS, request_id)
    cells = program.requests.loc[row]
    status = as_text(cells[R.status])
    allowed = ALLOWED_FROM[action]
    if status not in allowed:
        hint = _HINTS.get((action, status), "")
        raise InputError(
            f"{request_id} is {status or 'without a status'} (Requests row {row}); {action} is allowed only "
            f"from {' or '.join(allowed)}{hint}; nothing was written"
        )
    return _Request(
        id=request_id,
        row=row,
        status=status,
        advocate_id=as_text(cells[R.advocate_id]) or None,
        requested_on=parse_date(cells[R.requested_on]),
        requester_email=as_text(cells[R.requester_email]) or None,
        activity=as_text(cells[R.activity]) or None,
        opportunity_id=as_text(cells[R.opportunity_id]) or None,
        expected=_as_read(program, schema.REQUESTS, row, (R.advocate_id, R.status)),
    )


def _advocate(program: Program, advocate_id: str | None) -> tuple[int | None, Mapping[str, Any]]:
    if not advocate_id:
        return None, {}
    row = row_of(program, schema.ADVOCATES, advocate_id)
    return row, program.advocates.loc[row]


def _require_advocate(request: _Request, action: str) -> str:
    if not request.advocate_id:
        raise InputError(
            f"{request.id} has no advocate (Requests row {request.row}); assign one before {action}; "
            "nothing was written"
        )
    return request.advocate_id


def _require_reason(reason: str | None, action: str) -> str:
    if reason is None or not reason.strip():
        raise InputError(
            f"{action} needs a reason (--reason): the requester will ask why; nothing was written"
        )
    return " ".join(reason.split())


def _require_date(request: _Request, on: dt.date | str | None, action: str) -> dt.date:
    day = parse_date(on) if on is not None else None
    if day is None:
        raise InputError(f"{action} needs a date (--on YYYY-MM-DD), got {as_text(on)!r}; nothing was written")
    if request.requested_on is not None and day < request.requested_on:
        raise InputError(
            f"{request.id}: {action} on {day.isoformat()} is before the request came in "
            f"({request.requested_on.isoformat()}, Requests row {request.row}); nothing was written"
        )
    return day


def _move(
    store: Store,
    program: Program,
    request: _Request,
    action: str,
    to_status: str,
    *,
    by: str,
    at: dt.datetime,
    values: Mapping[str, Any] | None = None,
    advocate_id: str | None = None,
    on: dt.date | None = None,
    note: str = "",
    override_cap: bool = False,
) -> Transition:
    """Write one move: the keyed update of the request (status and ``values``), then its History row."""
    advocate_id = advocate_id if advocate_id is not None else request.advocate_id
    _, advocate = _advocate(program, advocate_id)
    writes: list[Write] = []
    added = _ensure_history(store, program)
    update = RowUpdate(request.id, values={R.status: to_status, **(values or {})}, expected=request.expected)
    (written,) = store.update(schema.REQUESTS.name, [update])
    writes.append(_updated(schema.REQUESTS, written, update))
    transition = Transition(
        request_id=request.id,
        action=action,
        from_status=request.status,
        to_status=to_status,
        by=by,
        at=at,
        requester_email=request.requester_email,
        advocate_id=advocate_id or None,
        advocate_email=as_text(advocate.get(A.email)) or None,
        owner_email=as_text(advocate.get(A.owner_email)) or None,
        activity=request.activity,
        on=on,
        note=note,
        override_cap=override_cap,
        history_tab_added=added,
    )
    if action == "complete":
        writes.append(_append_activity(store, request, transition))
    writes.append(_append_history(store, transition))
    return _with_writes(transition, writes)


def _with_writes(transition: Transition, writes: list[Write]) -> Transition:
    return Transition(**{**transition.__dict__, "writes": tuple(writes)})


def _history_row(transition: Transition) -> dict[str, Any]:
    note = transition.note
    if transition.on is not None:
        note = f"{transition.action} on {transition.on.isoformat()}" + (f"; {note}" if note else "")
    if transition.override_cap:
        note = (note + "; " if note else "") + "over the advocate's cap, by decision (--override-cap)"
    return {
        H.request_id: transition.request_id,
        H.at: _timestamp(transition.at),
        H.by: transition.by or None,
        H.from_status: transition.from_status,
        H.to_status: transition.to_status,
        H.advocate_id: transition.advocate_id,
        H.note: note or None,
    }


def _append_history(store: Store, transition: Transition) -> Write:
    values = _history_row(transition)
    (row,) = store.append(schema.HISTORY.name, [values])
    return _appended(schema.HISTORY, row, values)


def _append_activity(store: Store, request: _Request, transition: Transition) -> Write:
    """The Activities row a completed request leaves: the advocate, the request, its opportunity, the day."""
    used = store.read().activities[X.activity_id]  # a fresh read: the id must be free in the tab as it is now
    values = {
        X.activity_id: next_id(used, ACTIVITY_ID_PREFIX, ACTIVITY_ID_WIDTH),
        X.advocate_id: transition.advocate_id,
        X.request_id: request.id,
        X.activity: request.activity,
        X.date: transition.on,
        X.opportunity_id: request.opportunity_id,
        X.outcome: COMPLETED,
    }
    (row,) = store.append(schema.ACTIVITIES.name, [values])
    return _appended(schema.ACTIVITIES, row, values)


# ------------------------------------------------------------------------------------------------------------
# Assign: the rules every assignment follows, whichever path proposed it


@dataclass(frozen=True)
class _Assignment:
    request: _Request
    advocate_id: str
    to_status: str


def _refuse_advocate(
    program: Program,
    label: str,
    advocate_id: str,
    activity: str | None,
    *,
    as_of: dt.date,
    override_cap: bool,
    already_counted: bool = False,
) -> Mapping[str, Any]:
    """The rules every assignment follows, whichever path proposed it: InputError (one line) naming why
    ``advocate_id`` must not be given ``label`` (a request id, or 'the new request'); else their row."""
    row, advocate = _advocate(program, advocate_id)
    who = f"{label} cannot be assigned {advocate_id}"
    where = f"Advocates row {row}"
    standing = as_text(advocate.get(A.status))
    if standing != schema.ACTIVE_STATUS:
        must = "must not be asked" if standing in schema.UNAVAILABLE_STATUSES else "is not asked until Active"
        raise InputError(
            f"{who}: {advocate_id} is {standing or 'without a status'} ({where}) and {must}; nothing was written"
        )
    agreed = advocate.get(A.activities)
    agreed = agreed if isinstance(agreed, tuple) else ()
    if activity and activity not in agreed:
        raise InputError(
            f"{who}: {advocate_id} has not agreed to {activity} (activities on {where}: "
            f"{', '.join(agreed) or 'none'}); nothing was written"
        )
    given = advocate.get(A.consents)
    given = given if isinstance(given, tuple) else ()
    missing = [c for c in PUBLIC_ACTIVITY_CONSENTS.get(activity or "", ()) if c not in given]
    if missing:
        raise InputError(
            f"{who}: {activity} needs consent to {' and '.join(missing)}, which {advocate_id} has "
            f"not given (consents on {where}); nothing was written"
        )
    if not override_cap:
        from kit.usage import CAP, USES, quarter_label, quarter_usage

        usage = quarter_usage(program, as_of)
        if advocate_id in usage.index:
            uses, cap = int(usage.at[advocate_id, USES]), int(usage.at[advocate_id, CAP])
            uses -= int(already_counted)  # this request already counts for them
            if uses >= cap:
                raise InputError(
                    f"{who}: {advocate_id} was asked {uses} times in {quarter_label(as_of)}, at the cap of {cap} "
                    f"({where}); add --override-cap to assign anyway; nothing was written"
                )
    return advocate


def _plan_assign(
    program: Program, request_id: str, advocate_id: str, *, as_of: dt.date, override_cap: bool
) -> _Assignment:
    """Check an assignment against the program's rules; InputError (one line) when it must not be made."""
    request = _request(program, request_id, "assign")
    advocate_id = as_text(advocate_id)
    advocate = _refuse_advocate(
        program,
        request.id,
        advocate_id,
        request.activity,
        as_of=as_of,
        override_cap=override_cap,
        already_counted=request.advocate_id == advocate_id,
    )
    owner = as_text(advocate.get(A.owner_email))
    needs_owner = bool(owner) and bool(program.settings.value("owner_approval"))
    return _Assignment(request, advocate_id, OWNER if needs_owner else ASKED)


def assign(
    store: Store,
    program: Program,
    request_id: str,
    advocate_id: str,
    *,
    by: str,
    at: dt.datetime,
    override_cap: bool = False,
) -> Transition:
    """Assign ``advocate_id`` to a New or In Progress request: Owner Approval when the advocate has an account
    owner and the Settings tab's ``owner_approval`` is yes (the default), else Advocate Asked.

    Refused (InputError, nothing written) for an advocate who is not Active (Do Not Contact, Retired, Paused,
    Nominated), has not agreed to the activity, lacks a consent it needs, or is at their cap this quarter
    (unless ``override_cap``, which the History row records).
    """
    plan = _plan_assign(program, request_id, advocate_id, as_of=at.date(), override_cap=override_cap)
    return _move(
        store,
        program,
        plan.request,
        "assign",
        plan.to_status,
        by=by,
        at=at,
        values={R.advocate_id: plan.advocate_id},
        advocate_id=plan.advocate_id,
        override_cap=override_cap,
    )


def log_and_assign(
    store: Store,
    program: Program,
    description: Mapping[str, Any],
    advocate_id: str,
    *,
    by: str,
    at: dt.datetime,
) -> tuple[Write, Transition]:
    """Log a described request (the next free id), then assign ``advocate_id`` to it: the finder's "new
    request" + Assign. The assignment is checked first against a request as it will be logged."""
    from kit.actions import new_request_row

    row = new_request_row(description, as_of=at.date())  # refuses a description missing who, what or team
    activity = as_text(row.get(R.activity)) or None
    _refuse_advocate(
        program, "the new request", as_text(advocate_id), activity, as_of=at.date(), override_cap=False
    )
    logged = log_request(store, description, as_of=at.date())
    try:
        fresh = store.read()
        plan = _plan_assign(fresh, logged.key, advocate_id, as_of=at.date(), override_cap=False)
        # expect the cells as logged: a colleague's assignment in the moment between is theirs, not overwritten
        as_logged = {R.advocate_id: None, R.status: NEW}
        request = dataclasses.replace(plan.request, status=NEW, advocate_id=None, expected=as_logged)
        transition = _move(
            store,
            fresh,
            request,
            "assign",
            plan.to_status,
            by=by,
            at=at,
            values={R.advocate_id: plan.advocate_id},
            advocate_id=plan.advocate_id,
        )
    except (InputError, ConflictError) as error:
        raise type(error)(f"{logged.describe()}; but the assignment was refused: {error}") from None
    return logged, transition


def apply_allocation(
    store: Store, program: Program, allocation: Allocation, *, by: str, at: dt.datetime
) -> tuple[list[Transition], list[tuple[str, str]]]:
    """Write each assignment ``allocation`` proposes (``kit.match.allocate``'s result for ``program``) by the
    same rules as ``assign``, setting aside any request those rules refuse or someone changed meanwhile.

    The store's update is all-or-nothing, so on a conflict the requests are read again, the changed ones set
    aside (with the reason) and the others written. Returns (the moves written, [(request id, why skipped)]).
    """
    plans: dict[str, _Assignment] = {}
    skipped: list[tuple[str, str]] = []
    proposals = allocation.assignments
    for rid, aid in zip(proposals[R.request_id], proposals[R.advocate_id], strict=True):
        try:
            plans[as_text(rid)] = _plan_assign(program, rid, aid, as_of=at.date(), override_cap=False)
        except InputError as refused:
            skipped.append((as_text(rid), str(refused)))
    if plans:
        _ensure_history(store, program)
    pending = {
        rid: RowUpdate(
            rid,
            values={R.status: plan.to_status, R.advocate_id: plan.advocate_id},
            expected=plan.request.expected,
        )
        for rid, plan in plans.items()
    }
    done: list[str] = []
    for _ in range(_APPLY_ROUNDS):
        if not pending:
            break
        try:
            store.update(schema.REQUESTS.name, list(pending.values()))
        except ConflictError as error:
            before = len(pending)
            skipped.extend(_set_aside_changed(store, schema.REQUESTS, pending))
            if len(pending) == before:  # the conflict was not about these cells: report it, write nothing
                skipped.extend((rid, str(error)) for rid in pending)
                pending = {}
        else:
            done.extend(pending)
            pending = {}
    skipped.extend((rid, "the workbook kept changing; try again") for rid in pending)
    transitions = []
    for rid in done:
        plan = plans[rid]
        _, advocate = _advocate(program, plan.advocate_id)
        transitions.append(
            Transition(
                request_id=rid,
                action="assign",
                from_status=plan.request.status,
                to_status=plan.to_status,
                by=by,
                at=at,
                requester_email=plan.request.requester_email,
                advocate_id=plan.advocate_id,
                advocate_email=as_text(advocate.get(A.email)) or None,
                owner_email=as_text(advocate.get(A.owner_email)) or None,
                activity=plan.request.activity,
            )
        )
    if transitions:
        rows = [_history_row(t) for t in transitions]
        store.append(schema.HISTORY.name, rows)
    return transitions, skipped


# ------------------------------------------------------------------------------------------------------------
# The owner's answer, the advocate's answer, the date, the end


def approve(store: Store, program: Program, request_id: str, *, by: str, at: dt.datetime) -> Transition:
    """The account owner agrees: the advocate may be asked (Owner Approval → Advocate Asked)."""
    request = _request(program, request_id, "approve")
    _require_advocate(request, "approving")
    return _move(store, program, request, "approve", ASKED, by=by, at=at)


def reject(
    store: Store, program: Program, request_id: str, reason: str | None, *, by: str, at: dt.datetime
) -> Transition:
    """The account owner says no: the request goes back to New without its advocate, the reason in History
    (which also keeps who was rejected for it)."""
    reason = _require_reason(reason, "reject")
    request = _request(program, request_id, "reject")
    return _move(
        store, program, request, "reject", NEW, by=by, at=at, values={R.advocate_id: None}, note=reason
    )


def accept(store: Store, program: Program, request_id: str, *, by: str, at: dt.datetime) -> Transition:
    """The advocate says yes (Advocate Asked → In Progress); a date is set next with ``schedule``."""
    request = _request(program, request_id, "accept")
    _require_advocate(request, "accepting")
    return _move(store, program, request, "accept", IN_PROGRESS, by=by, at=at)


def decline(
    store: Store,
    program: Program,
    request_id: str,
    reason: str | None = None,
    *,
    by: str,
    at: dt.datetime,
) -> Transition:
    """The advocate says no: the request goes back to New without them; the reason, if given, in History."""
    request = _request(program, request_id, "decline")
    note = " ".join(reason.split()) if reason else ""
    return _move(
        store, program, request, "decline", NEW, by=by, at=at, values={R.advocate_id: None}, note=note
    )


def schedule(
    store: Store, program: Program, request_id: str, on: dt.date | str, *, by: str, at: dt.datetime
) -> Transition:
    """The date is set (or moved): In Progress or Scheduled → Scheduled, the date in History."""
    request = _request(program, request_id, "schedule")
    _require_advocate(request, "scheduling")
    day = _require_date(request, on, "schedule")
    return _move(store, program, request, "schedule", SCHEDULED, by=by, at=at, on=day)


def complete(
    store: Store, program: Program, request_id: str, on: dt.date | str, *, by: str, at: dt.datetime
) -> Transition:
    """It happened: Completed on ``on`` (``completed_on``), and an Activities row for the advocate, linked to
    the request and its opportunity, so the reports count it."""
    request = _request(program, request_id, "complete")
    _require_advocate(request, "completing")
    day = _require_date(request, on, "complete")
    return _move(
        store, program, request, "complete", COMPLETED, by=by, at=at, values={R.completed_on: day}, on=day
    )


def cancel(
    store: Store, program: Program, request_id: str, reason: str | None, *, by: str, at: dt.datetime
) -> Transition:
    """Close an open request as Cancelled, with the reason in History."""
    reason = _require_reason(reason, "cancel")
    request = _request(program, request_id, "cancel")
    return _move(store, program, request, "cancel", CANCELLED, by=by, at=at, note=reason)
