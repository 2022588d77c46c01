"""The kit's configuration: one TOML file, read once by the CLI and passed down as values.

Where it is: ``--config PATH``, else ``$ADVOCACY_KIT_CONFIG``, else ``./advocacy-kit.toml``. Without one the
kit uses the demo workbook and says so. Secrets (the Google service-account key, the SMTP password) are never
in this file: only the names of the environment variables that hold them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.errors import ConfigError
from kit.store import is_google_sheet

CONFIG_ENV = "ADVOCACY_KIT_CONFIG"
SOURCE_ENV = "ADVOCACY_KIT_SOURCE"
DEFAULT_CONFIG = Path("advocacy-kit.toml")
DEMO_SOURCE = Path("demo") / "advocacy_program.xlsx"


@dataclass(frozen=True)
class Config:
    """What the config file says, with defaults filled in."""

    source: str
    reports_dir: Path = Path("reports")
    path: Path | None = None  # the file it came from; None = no config file, demo defaults
    source_is_default: bool = False
    sections: Mapping[str, Any] = field(default_factory=dict)  # the rest ([email], [schedule], [google], …)

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.sections.get(name, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.path}: [{name}] must be a table of settings")
        return value


def load_config(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """Read the config file (explicit path, env var, or ./advocacy-kit.toml); defaults when there is none."""
    environ = os.environ if environ is None else environ
    explicit = path or environ.get(CONFIG_ENV)
    candidate = Path(explicit) if explicit else DEFAULT_CONFIG
    if not candidate.exists():
        if explicit:
            raise ConfigError(f"{candidate}: no such config file")
        source = environ.get(SOURCE_ENV)
        return Config(source=source or str(DEMO_SOURCE), source_is_default=not source)
    try:
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{candidate}: not valid TOML ({error})") from None
    base = candidate.parent
    source = environ.get(SOURCE_ENV) or data.get("source")
    if source is not None and not isinstance(source, str):
        raise ConfigError(f"{candidate}: `source` must be a path or a Google Sheet URL, in quotes")
    source_is_default = not source
    source = source or str(DEMO_SOURCE)
    if not is_google_sheet(source) and not Path(source).is_absolute():
        source = str(base / source)  # a workbook path is relative to the config file, not to the cwd
    reports = Path(data.get("reports_dir", "reports"))
    reports = reports if reports.is_absolute() else base / reports
    sections = {k: v for k, v in data.items() if k not in ("source", "reports_dir")}
    return Config(source, reports, candidate, source_is_default, sections)
