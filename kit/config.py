"""The kit's configuration: one TOML file, read once by the CLI and passed down as values.

Where it is: ``--config PATH``, else ``$ADVOCACY_KIT_CONFIG``, else ``./advocacy-kit.toml``. Without one the
kit uses the demo workbook and says so. Secrets (the Google service-account key, the SMTP password, the CRM
passwords and tokens) are never in this file: only the names of the environment variables that hold them.
"""

from __future__ import annotations

import datetime as dt
import math
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
class Setting:
    """What one setting may hold: TOML values of ``types`` (numbers finite, within ``low``..``high``)."""

    types: tuple[type, ...]
    says: str  # what to write instead, for the error: 'a path, in quotes'
    low: float | None = None
    high: float | None = None
    items: type | None = None  # a list's items must be of this type

    def problem(self, value: Any) -> str | None:
        """Why ``value`` cannot be this setting, or None when it can."""
        if isinstance(value, bool) and bool not in self.types:
            return self.says
        if isinstance(value, list) and list in self.types and self.items is not None:
            return None if all(isinstance(item, self.items) for item in value) else self.says
        if not isinstance(value, self.types):
            return self.says
        if isinstance(value, int | float) and not isinstance(value, bool):
            low = -math.inf if self.low is None else self.low
            high = math.inf if self.high is None else self.high
            if not (math.isfinite(value) and low <= value <= high):
                return self.says
        return None


_TEXT = Setting((str,), "text, in quotes")
_PATH = Setting((str,), "a path, in quotes")
_SECONDS = Setting((int, float), "a number of seconds from 0 to 3600", 0, 3600)
_TABLE = Setting((dict,), "a table of settings")

# Every setting the config file may hold, declared once: section ("" = the top of the file) → key → what it
# may hold. The readers (here, kit.mail's [email], kit.schedule's [schedule]) check what the values mean; this
# catches, when the file is read, a key nobody reads (a typo the kit would silently ignore) and a value of a
# type no reader can use (a number where a path goes, a timeout of 1e400).
SETTINGS: dict[str, dict[str, Setting]] = {
    "": {
        "source": Setting((str,), "a workbook path or a Google Sheet URL, in quotes"),
        "reports_dir": _PATH,
        "outbox_dir": _PATH,  # where `request <move> --dry-run` writes its messages; default reports_dir/outbox
        "message_templates": _PATH,  # a folder of templates overriding kit/mail/templates/, by file name
        "email": _TABLE,
        "schedule": _TABLE,
        "sync": _TABLE,
    },
    "email": {
        "host": _TEXT,
        "port": Setting((int,), "a port number from 1 to 65535", 1, 65535),
        "security": _TEXT,
        "username": _TEXT,
        "password_env": _TEXT,
        "password": _TEXT,  # known, so that kit.mail can say never to put it here
        "from": _TEXT,
        "reply_to": _TEXT,  # where people answer the request messages; default: from
        "recipients": Setting((dict,), "a table: [email.recipients] with a list of addresses per report"),
        "timeout": _SECONDS,
        "attempts": Setting((int,), "a whole number from 1 to 100", 1, 100),
        "retry_wait": _SECONDS,
        "ca_file": _PATH,
    },
    "email.recipients": {},  # its keys are report names, which kit.mail checks
    "schedule": {
        "cadence": _TEXT,
        "day": Setting((str, int), 'a weekday such as "monday", or a day of the month from 1 to 28'),
        "time": Setting((str, dt.time), 'a 24-hour time such as "07:30"'),
        "reports": Setting((str, list), 'a list of report names, e.g. ["goal-tracking"]', items=str),
        "log_file": _PATH,
        "env_file": _PATH,
        "sync": Setting((list,), 'a list of CRMs to sync before the reports, e.g. ["salesforce"]', items=str),
        "digest": Setting((str, dt.time), 'a 24-hour time such as "07:30" for the daily digest'),
        "manager_note": Setting(
            (bool, int), "true (the managers' notes on the 1st of each month) or a day from 1 to 28", 1, 28
        ),
    },
    "sync": {"salesforce": _TABLE, "hubspot": _TABLE},
    # kit.sync.salesforce.SalesforceSettings; secrets only as the NAMES of environment variables
    "sync.salesforce": {
        "username": _TEXT,
        "domain": _TEXT,
        "consumer_key": _TEXT,
        "private_key_file": _PATH,
        "password_env": _TEXT,
        "security_token_env": _TEXT,
        "api_version": _TEXT,
        "endpoint": _TEXT,
        "attempts": Setting((int,), "a whole number from 1 to 100", 1, 100),
        "retry_wait": _SECONDS,
    },
    # kit.sync.hubspot.HubSpotSettings
    "sync.hubspot": {
        "token_env": _TEXT,
        "endpoint": _TEXT,
        "attempts": Setting((int,), "a whole number from 1 to 100", 1, 100),
        "retry_wait": _SECONDS,
    },
}


def _check_settings(data: Mapping[str, Any], where: Path) -> tuple[str, ...]:
    """Raise ConfigError for the first value of a wrong type; return a warning per unknown key or section."""
    from rapidfuzz import fuzz, process

    warnings: list[str] = []

    def check(section: str, table: Mapping[str, Any]) -> None:
        known = SETTINGS[section]
        prefix = f"[{section}] " if section else ""
        for key, value in table.items():
            name = _name(section, key)
            setting = known.get(key)
            if setting is None:
                guess = process.extractOne(key, list(known), scorer=fuzz.ratio, score_cutoff=60)
                if isinstance(value, Mapping):
                    hint = f"; did you mean [{_name(section, guess[0])}]?" if guess else ""
                    warnings.append(f"{where}: [{name}] is not a section (ignored){hint}")
                else:
                    hint = f"; did you mean {guess[0]}?" if guess else ""
                    warnings.append(f"{where}: {prefix}{key} is not a setting (ignored){hint}")
                continue
            problem = setting.problem(value)
            if problem is not None:
                raise ConfigError(f"{where}: {prefix}{key} = {_shown(value)}: {problem}")
            if SETTINGS.get(name):  # a section whose keys are declared here (not [email.recipients])
                check(name, value)

    check("", data)
    return tuple(warnings)


def _name(section: str, key: str) -> str:
    """How a key is written in TOML: ``email.recipients``, or just ``source`` at the top of the file."""
    return f"{section}.{key}" if section else key


def _shown(value: Any) -> str:
    """A value as the error shows it: a TOML date as written, anything else as Python shows it."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return repr(value)


@dataclass(frozen=True)
class Config:
    """What the config file says, with defaults filled in."""

    source: str
    reports_dir: Path = Path("reports")
    path: Path | None = None  # the file it came from; None = no config file, demo defaults
    source_is_default: bool = False
    sections: Mapping[str, Any] = field(default_factory=dict)  # the rest ([email], [schedule])
    warnings: tuple[str, ...] = ()  # one line per key the kit does not know (ignored), for the CLI to print
    outbox_dir: Path | None = None  # None: reports_dir/outbox
    message_templates: Path | None = None  # None: the kit's own templates only

    @property
    def outbox(self) -> Path:
        """Where ``--dry-run`` writes the request messages: ``outbox_dir``, else ``outbox`` beside the reports."""
        return self.outbox_dir if self.outbox_dir is not None else self.reports_dir / "outbox"

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
    if candidate.is_dir():
        raise ConfigError(f"{candidate}: a folder, not a config file")
    try:
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{candidate}: not valid TOML ({error})") from None
    except OSError as error:
        raise ConfigError(f"{candidate}: cannot be read ({error.strerror or error})") from None
    warnings = _check_settings(data, candidate)
    base = candidate.parent
    source = environ.get(SOURCE_ENV) or data.get("source")
    source_is_default = not source
    source = source or str(DEMO_SOURCE)
    if not is_google_sheet(source) and not Path(source).is_absolute():
        source = str(base / source)  # a workbook path is relative to the config file, not to the cwd
    reports = Path(data.get("reports_dir", "reports"))
    reports = reports if reports.is_absolute() else base / reports
    folders = {}
    for key in ("outbox_dir", "message_templates"):
        if key in data:
            folder = Path(data[key]).expanduser()
            folders[key] = folder if folder.is_absolute() else base / folder
    sections = {k: v for k, v in data.items() if k not in ("source", "reports_dir", *folders)}
    return Config(source, reports, candidate, source_is_default, sections, warnings, **folders)
