"""The last successful sync per CRM, in a small JSON file beside the delivery ledger (the reports folder).

It holds the CRM's own modification time of the newest record read (Salesforce's ``SystemModstamp``,
HubSpot's ``hs_lastmodifieddate``), not this machine's clock, so a skewed clock cannot skip a change. It is
written only after the rows were upserted, atomically (a temporary file renamed over it, as the ledger is),
under a file lock: a sync that fails half-way leaves the previous time, and the next run reads again from it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from kit.files import write_atomically
from kit.folders import writable_folder
from kit.sync.errors import SyncError

STATE_NAME = "sync-state.json"
LOCK_TIMEOUT = 120.0  # seconds to wait for another sync writing the state


@dataclass(frozen=True)
class SyncMark:
    """One CRM's last successful sync: up to which modification time it read, and when it ran."""

    crm: str
    modified_through: str  # ISO 8601, UTC: the newest modification time read from the CRM
    synced_at: str  # ISO 8601, UTC: when that sync finished

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.modified_through)


class SyncState:
    """The sync state file ``path`` (``reports/sync-state.json``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @classmethod
    def beside(cls, reports_dir: str | os.PathLike[str]) -> SyncState:
        return cls(Path(reports_dir) / STATE_NAME)

    def _read(self) -> dict[str, SyncMark]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {crm: SyncMark(**entry) for crm, entry in data.get("crms", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError) as error:
            raise SyncError(
                f"{self.path}: the sync state is not readable ({type(error).__name__}: {error}); "
                "delete it to sync everything again"
            ) from None

    def last(self, crm: str) -> SyncMark | None:
        """The last successful sync of ``crm``, or None when it never synced."""
        return self._read().get(crm)

    def record(self, crm: str, modified_through: dt.datetime, synced_at: dt.datetime) -> SyncMark:
        """Remember a successful sync of ``crm`` (keeping the others' entries)."""
        mark = SyncMark(
            crm, modified_through.astimezone(dt.UTC).isoformat(), synced_at.astimezone(dt.UTC).isoformat()
        )
        writable_folder(self.path.parent, named_by="the sync state", value=self.path)
        try:
            with FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT):
                marks = self._read()
                marks[crm] = mark
                payload = {"version": 1, "crms": {name: asdict(m) for name, m in sorted(marks.items())}}
                write_atomically(self.path, (json.dumps(payload, indent=1) + "\n").encode("utf-8"))
        except Timeout:
            raise SyncError(f"{self.path}: another sync is writing the sync state; try again") from None
        return mark
