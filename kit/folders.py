"""The folders the kit writes into (reports, the run log, the delivery ledger, .eml files): made, or refused.

Every place that creates one goes through ``writable_folder``, so a folder that is really a file, sits
inside a file or a device, or is closed to the user is one line naming the option or setting that chose it,
never an ``internal error``.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from kit.errors import ConfigError


def writable_folder(
    folder: str | os.PathLike[str], *, named_by: str, value: str | os.PathLike[str] | None = None
) -> Path:
    """Make ``folder`` (with its parents) and return it, or raise ConfigError if the kit cannot write in it.

    ``named_by`` is what chose the place (``--out``, ``reports_dir``, ``[schedule] log_file``); ``value`` is
    what it says, when that is a file inside ``folder`` rather than the folder itself. The message reads
    ``--out PATH: not a folder the kit can write to (REASON)``.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _refused(folder, named_by, value, _reason(folder, error)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refused(folder, named_by, value, "permission denied")
    return folder


def _refused(folder: Path, named_by: str, value: str | os.PathLike[str] | None, reason: str) -> ConfigError:
    if value is None:
        return ConfigError(f"{named_by} {folder}: not a folder the kit can write to ({reason})")
    return ConfigError(f"{named_by} {value}: not in a folder the kit can write to ({reason})")


def _reason(folder: Path, error: OSError) -> str:
    """What is in the way, said as a person would look for it: the part of the path that is not a folder."""
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        for part in (folder, *folder.parents):
            if part.is_symlink() and not part.exists():
                return f"{part} is a link to nothing"
            if part.exists() and not part.is_dir():
                return f"{part} is a file" if part.is_file() else f"{part} is not a folder"
    return os.strerror(error.errno).lower() if error.errno else str(error)
