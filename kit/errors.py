"""The kit's errors: each message names the file or sheet, tab, row and column a person must look at.

Messages read well on their own (one line, no traceback), because the CLI prints only ``str(error)`` and
inside a Papermill kernel only the exception's name and text reach the caller.
"""

from __future__ import annotations


class KitError(Exception):
    """Base of every error the kit raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class SourceError(KitError):
    """The program's data cannot be reached or read: a missing file, a locked workbook, no access."""


class SchemaError(KitError):
    """The workbook does not have the shape the kit needs: a tab or a required column is missing."""


class ConflictError(KitError):
    """A write was refused because someone changed the row since it was read; nothing was written."""

    exit_code = 3


class ConfigError(KitError):
    """The configuration file or an option is wrong."""


class InputError(KitError):
    """A value given to a command cannot be used (a period, a request id, a segment)."""
