"""Keep the Opportunities tab current from a CRM: ``advocacy-kit sync salesforce|hubspot``.

``salesforce`` and ``hubspot`` read the records changed since the last successful sync (``state``) with the
vendors' client libraries; ``run.sync`` upserts them through ``kit.upsert`` and moves the state on. Names are
loaded on first use, so ``import kit.sync`` imports neither client library.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CRMS",
    "CrmAuthError",
    "CrmRateLimitError",
    "Fetched",
    "HubSpotSettings",
    "RetryPolicy",
    "SalesforceSettings",
    "SyncError",
    "SyncResult",
    "SyncState",
    "sync",
]

_HOMES = {
    "CRMS": "kit.sync.run",
    "CrmAuthError": "kit.sync.errors",
    "CrmRateLimitError": "kit.sync.errors",
    "Fetched": "kit.sync.records",
    "HubSpotSettings": "kit.sync.hubspot",
    "RetryPolicy": "kit.sync.retry",
    "SalesforceSettings": "kit.sync.salesforce",
    "SyncError": "kit.sync.errors",
    "SyncResult": "kit.sync.run",
    "SyncState": "kit.sync.state",
    "sync": "kit.sync.run",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'kit.sync' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
