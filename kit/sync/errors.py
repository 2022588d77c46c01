"""What goes wrong talking to a CRM, as one line a program manager can act on."""

from __future__ import annotations

from kit.errors import KitError


class SyncError(KitError):
    """The CRM could not be read to the end; nothing was written and the last sync time is unchanged, so
    running ``sync`` again completes it."""


class CrmAuthError(SyncError):
    """The CRM refused the log-in or the token: the message names the environment variables to check."""


class CrmRateLimitError(SyncError):
    """The CRM kept answering "too many requests" after the kit waited and tried again."""
