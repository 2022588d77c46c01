"""The error every failure of the e-mail step derives from, so the CLI maps them all to one exit code."""

from __future__ import annotations

from kit.errors import KitError


class MailError(KitError):
    """Mail could not be built or sent. Exit code 4, so a scheduler can tell it from bad data (2)."""

    exit_code = 4
