"""One sync: read what changed in the CRM since the last successful sync, upsert it into the Opportunities
tab, then remember how far it read.

All-or-nothing per run: every page is read before anything is written, and the state moves only after the
upsert was applied. A failure half-way (a 500 on page 3, a lost connection, a refused log-in) therefore
writes nothing and leaves the last sync time as it was; the next run reads the same changes again and
completes it. A consistent prefix (writing pages 1–2) would also be correct with the query sorted by
modification time, but it would write the sheet in several pieces for one sync (more API calls on a Google
Sheet, and a half-updated tab to anyone reading it meanwhile) for no gain: a page set fits in memory easily.
The upsert is idempotent, so reading a change twice never writes it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kit import schema
from kit.sync.records import Fetched
from kit.sync.state import SyncState

if TYPE_CHECKING:
    from kit.store.base import Store
    from kit.upsert import UpsertPlan

CRMS = {"salesforce": "Salesforce", "hubspot": "HubSpot"}
_RECORD = {"salesforce": "Opportunity", "hubspot": "deal"}


@dataclass(frozen=True)
class SyncResult:
    """What a sync read and what it did (or, in a dry run, would do)."""

    crm: str
    since: dt.datetime | None  # None: a full sync
    fetched: int
    pages: int
    plan: UpsertPlan
    dry_run: bool
    modified_through: dt.datetime | None  # the state after this run

    @property
    def summary(self) -> str:
        scope = "full" if self.since is None else f"changes since {self.since.isoformat()}"
        verb = "would write" if self.dry_run else "wrote"
        return (
            f"{CRMS[self.crm]} ({scope}): {self.fetched} read in {self.pages} page(s); "
            f"{verb} {self.plan.summary}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "crm": self.crm,
            "full": self.since is None,
            "since": None if self.since is None else self.since.isoformat(),
            "fetched": self.fetched,
            "pages": self.pages,
            "dry_run": self.dry_run,
            "modified_through": None if self.modified_through is None else self.modified_through.isoformat(),
            "upsert": self.plan.to_dict(),
        }


def sync(
    crm: str,
    *,
    store: Store,
    state: SyncState,
    fetch: Callable[[dt.datetime | None], Fetched],
    now: dt.datetime,
    full: bool = False,
    dry_run: bool = False,
) -> SyncResult:
    """Read ``crm`` through ``fetch(since)`` and upsert the rows into Opportunities.

    ``full`` reads every record regardless of the state; ``dry_run`` plans and writes nothing (neither the
    sheet nor the state). ``now`` is when the sync finished, for the state file.
    """
    from kit.upsert import apply_plan, plan_upsert

    mark = None if full else state.last(crm)
    since = None if mark is None else mark.since
    fetched = fetch(since)
    program = store.read()
    id_column = schema.OPPORTUNITIES.col.opportunity_id
    origins = [f"{CRMS[crm]} {_RECORD[crm]} {row[id_column]}" for row in fetched.rows]
    plan = plan_upsert(program, schema.OPPORTUNITIES.name, fetched.rows, origins=origins, blank_erases=True)
    newest = fetched.newest if fetched.newest is not None else since
    if not dry_run:
        apply_plan(store, plan)
        if newest is not None:
            state.record(crm, newest, now)
    return SyncResult(crm, since, len(fetched.rows), fetched.pages, plan, dry_run, newest)
