"""The program's business actions, and the only code that writes them: log a request, accept or decline a
nomination, onboard the accepted nominee until Active. A request's moves after it is logged (assign,
approve, accept, schedule, complete …) live in ``kit.requests_life``, which builds on the rows, ids and
``Write`` records here.

The CLI and the notebook widgets call these functions, so an action follows the
same rules whichever button or command started it. Each takes the store to write to and the program as the
person saw it; every change to an existing row is a keyed ``RowUpdate`` expecting the cells as they were read,
so a change someone made in the sheet meanwhile refuses the write (``ConflictError``, nothing written) instead
of being overwritten. A refusal for a reason the program knows (an advocate who must not be asked, a closed
request, a missing reason) is one ``InputError`` line, raised before anything is written.

Each action returns the ``Write`` records of what it wrote, which the confirmations show.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kit import schema
from kit.cells import as_text, is_blank, same_cell
from kit.errors import ConflictError, InputError
from kit.program import Program
from kit.store import RowUpdate, Store

A, R, N = schema.ADVOCATES.col, schema.REQUESTS.col, schema.NOMINATIONS.col

# What a new request may carry from the person describing it; the kit sets its id, date and status.
REQUEST_FIELDS: tuple[str, ...] = (
    R.requester_email,
    R.team,
    R.activity,
    R.prospect_company,
    R.opportunity_id,
    R.industry,
    R.product,
    R.use_case,
    R.region,
    R.company_size,
    R.persona,
    R.needed_by,
    R.priority,
    R.notes,
)
REQUEST_ID_PREFIX, REQUEST_ID_WIDTH = "REQ-", 6
ADVOCATE_ID_PREFIX, ADVOCATE_ID_WIDTH = "ADV-", 4


# ------------------------------------------------------------------------------------------------------------
# What was written


@dataclass(frozen=True)
class Write:
    """One row the kit wrote, with each cell before and after: what the confirmation shows."""

    tab: str
    row: int
    key: str
    action: str  # "appended" | "updated"
    changes: tuple[tuple[str, str, str], ...]  # (column, before, after) as the sheet shows them

    def describe(self) -> str:
        cells = ", ".join(
            f"{column} {before!r} → {after!r}" if self.action == "updated" else f"{column} {after!r}"
            for column, before, after in self.changes
        )
        key = f" ({self.key})" if self.key else ""  # a History row has no key of its own
        return f"{self.tab} row {self.row}{key} {self.action}: {cells}"


def _appended(tab: schema.Tab, row: int, values: Mapping[str, Any]) -> Write:
    key = as_text(values.get(tab.key.name)) if tab.key else ""
    changes = tuple((c, "", as_text(v)) for c, v in values.items() if not is_blank(v) and v != ())
    return Write(tab.name, row, key, "appended", changes)


def _updated(tab: schema.Tab, row: int, update: RowUpdate) -> Write:
    changes = tuple((c, as_text(update.expected.get(c)), as_text(v)) for c, v in update.values.items())
    return Write(tab.name, row, update.key, "updated", changes)


# ------------------------------------------------------------------------------------------------------------
# Rows and ids


def next_id(existing: Iterable[object], prefix: str, width: int) -> str:
    """The id after the highest ``prefix<number>`` in use, zero-padded like the ones already there."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$", re.IGNORECASE)
    numbers, digits = [0], width
    for value in existing:
        found = pattern.match(as_text(value))
        if found:
            numbers.append(int(found.group(1)))
            digits = max(digits, len(found.group(1)))
    return f"{prefix}{max(numbers) + 1:0{digits}d}"


def row_of(program: Program, tab: schema.Tab, key: str) -> int:
    """The sheet row holding ``key``; InputError when it is not there or stands on several rows."""
    assert tab.key is not None
    frame = program[tab]
    hits = frame.index[frame[tab.key.name].map(as_text) == as_text(key)].tolist()
    if not hits:
        raise InputError(f"{tab.name} has no {tab.key.name} {key!r}; reload the program and pick again")
    if len(hits) > 1:
        rows = ", ".join(map(str, hits))
        raise InputError(f"{tab.name} has {tab.key.name} {key!r} on rows {rows}; fix the duplicate first")
    return hits[0]


def _as_read(program: Program, tab: schema.Tab, row: int, columns: Iterable[str]) -> dict[str, Any]:
    """The cells of one row exactly as they were typed, for a RowUpdate's ``expected``."""
    raw = program.raw.get(tab.name)
    cells = raw if raw is not None and row in raw.index else program[tab]
    return {c: (cells.at[row, c] if c in cells.columns else None) for c in columns}


# ------------------------------------------------------------------------------------------------------------
# Requests: log one (its moves after that: kit.requests_life)


def new_request_row(description: Mapping[str, Any], *, as_of: dt.date) -> dict[str, Any]:
    """The Requests cells for a described request (without its id): logged ``as_of``, status New.

    Raises InputError naming what a request must have: who asked, their team and the activity.
    """
    row = {c: description.get(c) for c in REQUEST_FIELDS}
    for column in (R.requester_email, R.team, R.activity):
        if is_blank(row.get(column)):
            raise InputError(f"a new request needs its {column.replace('_', ' ')}; nothing was written")
    email = as_text(row[R.requester_email])
    if "@" not in email or " " in email:
        raise InputError(f"requester email {email!r} is not an e-mail address; nothing was written")
    row.update({R.requested_on: as_of, R.status: schema.NEW_STATUS, R.advocate_id: None})
    return row


def log_request(store: Store, description: Mapping[str, Any], *, as_of: dt.date) -> Write:
    """Append a described request to the Requests tab with the next free id, status New; rows typed in the
    sheet without an id get theirs first (``fill_request_ids``), so the new one comes after them."""
    values = new_request_row(description, as_of=as_of)
    # The id from a fresh read: someone may have logged a request since the program on screen was read.
    now = store.read()
    filled, _ = fill_request_ids(
        store, now
    )  # a typed row changed meanwhile keeps its blank id, for next time
    used = [*now.requests[R.request_id], *(w.key for w in filled)]
    values = {R.request_id: next_id(used, REQUEST_ID_PREFIX, REQUEST_ID_WIDTH), **values}
    (row,) = store.append(schema.REQUESTS.name, [values])
    return _appended(schema.REQUESTS, row, values)


def fill_request_ids(store: Store, program: Program) -> tuple[list[Write], list[tuple[int, str]]]:
    """Give each request a person typed without a ``request_id`` the next free id, in sheet order.

    Such a row has no key, so each update is addressed by its sheet row and expects every cell of that row as
    ``program`` read it: a row someone sorted, edited or deleted meanwhile is skipped (sheet row and why),
    never overwritten. Ids come after every id in use now, not only those ``program`` saw.

    Returns the rows written and those skipped.
    """
    frame = program.requests
    blank = frame.index[frame[R.request_id].map(is_blank)].tolist() if R.request_id in frame else []
    if not blank:
        return [], []
    used = [*store.read().requests[R.request_id], *frame[R.request_id]]
    raw = program.raw.get(schema.REQUESTS.name)
    columns = list(raw.columns) if raw is not None else list(frame.columns)
    updates = []
    for row in blank:
        request_id = next_id(used, REQUEST_ID_PREFIX, REQUEST_ID_WIDTH)
        used.append(request_id)
        updates.append(
            RowUpdate(
                request_id, {R.request_id: request_id}, _as_read(program, schema.REQUESTS, row, columns), row
            )
        )
    try:
        rows = store.update(schema.REQUESTS.name, updates)
        return [_updated(schema.REQUESTS, r, u) for r, u in zip(rows, updates, strict=True)], []
    except ConflictError:
        pass  # one row changed: write the others one at a time, so the changed one alone is left
    written, skipped = [], []
    for update in updates:
        try:
            (row,) = store.update(schema.REQUESTS.name, [update])
            written.append(_updated(schema.REQUESTS, row, update))
        except ConflictError as error:
            reason = str(error).split(": ", 1)[-1]
            skipped.append((update.row or 0, f"changed by someone since it was read ({reason})"))
    return written, skipped


def _set_aside_changed(store: Store, tab: schema.Tab, pending: dict[str, RowUpdate]) -> list[tuple[str, str]]:
    """Read the tab again and remove from ``pending`` every update whose row is gone or changed: why each."""
    now = store.read()
    current = now.raw.get(tab.name, now[tab])
    assert tab.key is not None
    ids = current[tab.key.name].map(as_text) if tab.key.name in current else None
    skipped: list[tuple[str, str]] = []
    for rid, update in list(pending.items()):
        rows = current[ids == rid] if ids is not None else current.iloc[0:0]
        if len(rows) != 1:
            where = f"is no longer in the {tab.name} tab" if rows.empty else "stands on several rows"
            skipped.append((rid, f"{where}; left as it is"))
            del pending[rid]
            continue
        changes = [
            f"{column} is now {as_text(rows.iloc[0].get(column))!r} (was {as_text(expected)!r})"
            for column, expected in update.expected.items()
            if not same_cell(tab.column(column), rows.iloc[0].get(column), expected)
        ]
        if changes:
            skipped.append((rid, "changed by someone since it was read: " + "; ".join(changes)))
            del pending[rid]
    return skipped


# ------------------------------------------------------------------------------------------------------------
# Nominations: accept (adding the nominee to the roster) or decline (with a reason)


def is_waiting(status: object) -> bool:
    """A nomination nobody has decided yet: status New, or left blank."""
    return is_blank(status) or status == schema.NEW_STATUS


def _decision_expected(program: Program, row: int) -> dict[str, Any]:
    """The decision cells as read: if anyone touched them since, the decision is theirs to redo."""
    columns = [N.status, N.advocate_id, N.decided_on, N.decision_note]
    header = program.headers.get(schema.NOMINATIONS.name, [])
    return _as_read(program, schema.NOMINATIONS, row, [c for c in columns if c in header])


def _require_waiting(program: Program, nomination_id: str) -> int:
    row = row_of(program, schema.NOMINATIONS, nomination_id)
    status = program.nominations.at[row, N.status]
    if not is_waiting(status):
        raise InputError(f"{nomination_id} is already {status} (Nominations row {row}); nothing was written")
    return row


def _refuse_someone_on_the_roster(
    advocates: pd.DataFrame, name: object, email: object, nomination_id: str
) -> None:
    """Accepting adds a person: refused when their e-mail is on the roster already (a second row would be a
    duplicate_person). A same name and company is only validation's warning: namesakes exist."""
    same = advocates[advocates[A.email] == email] if not is_blank(email) else advocates.iloc[0:0]
    if len(same):
        row = same.index[0]
        raise InputError(
            f"{as_text(name) or email} is already an advocate: {same.at[row, A.advocate_id]} on "
            f"Advocates row {row} has the e-mail {email}. Decline {nomination_id} (say so in the reason); "
            "nothing was written"
        )


def accept_nomination(
    store: Store,
    program: Program,
    nomination_id: str,
    *,
    as_of: dt.date,
    note: str = "",
    details: Mapping[str, Any] | None = None,
) -> tuple[Write, Write]:
    """Accept a nomination: mark it Accepted, then add the nominee to the roster with status Nominated.

    The new advocate copies what the nomination knows (name, e-mail, company, products, who nominated)
    and, when the roster's other advocates at that company agree, its industry, account and size; then the
    ``details`` a person gave (any roster column but the id and status: the region, the checklist's cells).
    Refused, before anything is written, when a column the roster requires would stay empty (naming it) or
    a detail is one the validator would report (``kit.onboarding``): the row added passes validation. The
    nomination is updated first, expecting its decision cells as read, so a nomination someone decided
    meanwhile adds nobody. Returns (the nomination's update, the advocate's new row).
    """
    from kit import onboarding

    tab = schema.NOMINATIONS
    row = _require_waiting(program, nomination_id)
    nomination = program.nominations.loc[row]
    given = onboarding.read_details(details or {}, as_of=as_of)
    fresh = store.read()  # a new id must be unique in the roster as it is now, not as it was read
    draft = {**onboarding.draft_advocate(nomination, fresh.advocates), **given}
    _refuse_someone_on_the_roster(fresh.advocates, draft.get(A.name), draft.get(A.email), nomination_id)
    missing = onboarding.still_required(draft)
    if missing:
        raise InputError(
            f"{nomination_id} cannot be accepted yet: the roster requires the advocate's "
            f"{onboarding.describe_required(missing)}; nothing was written"
        )
    used = list(fresh.advocates[A.advocate_id]) + list(fresh.nominations[N.advocate_id])
    advocate_id = next_id(used, ADVOCATE_ID_PREFIX, ADVOCATE_ID_WIDTH)
    values: dict[str, Any] = {
        N.status: schema.NOMINATION_ACCEPTED,
        N.decided_on: as_of,
        N.advocate_id: advocate_id,
    }
    if note.strip():
        values[N.decision_note] = note.strip()
    update = RowUpdate(nomination_id, values=values, expected=_decision_expected(program, row))
    (written,) = store.update(tab.name, [update])
    advocate = {A.advocate_id: advocate_id, **draft, A.status: schema.NOMINATED_STATUS}
    advocate = {c: advocate[c] for c in schema.ADVOCATES.names if c in advocate}  # in the sheet's order
    (added,) = store.append(schema.ADVOCATES.name, [advocate])
    return _updated(tab, written, update), _appended(schema.ADVOCATES, added, advocate)


def onboard_advocate(
    store: Store,
    program: Program,
    advocate_id: str,
    *,
    as_of: dt.date,
    details: Mapping[str, Any] | None = None,
    activate: bool = False,
) -> Write:
    """Record a Nominated advocate's onboarding (``details``: the checklist's cells, or any roster column but
    the id and status) and, with ``activate``, make them Active, on ``joined_on`` = ``as_of`` unless the
    sheet has a day already.

    Activation is refused, before anything is written, while a required cell is empty or a checklist step
    is not done (``kit.onboarding.missing_for_active``), naming each; so is anything but a Nominated
    advocate (the sheet's status is a person's decision). The cells written are expected as read: a
    change someone made meanwhile refuses the write (ConflictError).
    """
    from kit import onboarding

    tab = schema.ADVOCATES
    row = row_of(program, tab, advocate_id)
    current = program.advocates.loc[row]
    status = current[A.status]
    if status != schema.NOMINATED_STATUS:
        raise InputError(
            f"{advocate_id} is {as_text(status) or 'without a status'}, not {schema.NOMINATED_STATUS} "
            f"(Advocates row {row}): onboarding is for accepted nominees; nothing was written"
        )
    values: dict[str, Any] = onboarding.read_details(details or {}, as_of=as_of)
    if activate:
        missing = onboarding.missing_for_active({**current.to_dict(), **values})
        if missing:
            raise InputError(
                f"{advocate_id} stays {schema.NOMINATED_STATUS}: still missing {'; '.join(missing)}; "
                "nothing was written"
            )
        values[A.status] = schema.ACTIVE_STATUS
        if is_blank(current[A.joined_on]):
            values[A.joined_on] = as_of
    if not values:
        raise InputError(f"nothing to record for {advocate_id}: give a checklist cell; nothing was written")
    update = RowUpdate(advocate_id, values=values, expected=_as_read(program, tab, row, values))
    (written,) = store.update(tab.name, [update])
    return _updated(tab, written, update)


def decline_nomination(
    store: Store, program: Program, nomination_id: str, reason: str, *, as_of: dt.date
) -> Write:
    """Decline a nomination with a reason (kept in its ``decision_note`` cell); nobody joins the roster."""
    if not reason or not reason.strip():
        raise InputError("say why the nomination is declined: the nominator will ask; nothing was written")
    tab = schema.NOMINATIONS
    if N.decision_note not in program.headers.get(tab.name, []):
        raise InputError(
            f"the {tab.name} tab has no {N.decision_note} column to keep the reason in: "
            "add that header to the tab and reload; nothing was written"
        )
    row = _require_waiting(program, nomination_id)
    values = {N.status: schema.NOMINATION_DECLINED, N.decided_on: as_of, N.decision_note: reason.strip()}
    update = RowUpdate(nomination_id, values=values, expected=_decision_expected(program, row))
    (written,) = store.update(tab.name, [update])
    return _updated(tab, written, update)
