"""From the config's ``[sync.salesforce]`` / ``[sync.hubspot]`` to the function that reads the CRM.

The CLI calls this once, with the environment, so no module below reads ``os.environ``.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kit.errors import ConfigError
from kit.sync.errors import SyncError
from kit.sync.records import Fetched, RegionOf, no_region
from kit.sync.retry import RetryPolicy

# The client library each CRM is read with: (module, package on PyPI). Both are dependencies of the kit, imported
# only when a sync runs, so a broken or partial install shows up here, not in --help.
LIBRARIES = {
    "salesforce": ("simple_salesforce", "simple-salesforce"),
    "hubspot": ("hubspot", "hubspot-api-client"),
}


def require_library(crm: str) -> None:
    """Import ``crm``'s client library now, so a missing one is one line naming the package to install
    (before the program is opened), not an internal error half-way through the sync."""
    module, package = LIBRARIES[crm]
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise SyncError(
            f"sync {crm} needs the Python package {package}, which cannot be imported ({error}); "
            f"install the kit's dependencies again (pip install -e . in its folder) or pip install {package}"
        ) from None


def retry_policy(section: Mapping[str, Any]) -> RetryPolicy:
    """``attempts`` (calls in all) and ``retry_wait`` (seconds before the first retry, doubling)."""
    default = RetryPolicy()
    return RetryPolicy(
        attempts=int(section.get("attempts", default.attempts)),
        first_wait=float(section.get("retry_wait", default.first_wait)),
        max_wait=default.max_wait,
    )


def region_table() -> RegionOf:
    """The import's country → region table when it is there (kit.importing), else no region."""
    try:
        from kit.importing import region_of  # type: ignore[attr-defined]
    except ImportError:
        return no_region
    return region_of


def fetcher_from_config(
    crm: str, section: Mapping[str, Any], environ: Mapping[str, str], *, base: Path | None = None
) -> Callable[[dt.datetime | None], Fetched]:
    """``fetch(since)`` for ``crm``, configured by its section; ``base`` is the config file (relative paths
    in it are relative to its folder)."""
    if not isinstance(section, Mapping):
        raise ConfigError(f"[sync.{crm}] must be a table of settings")
    if crm not in LIBRARIES:
        raise ConfigError(f"sync: unknown CRM {crm!r}; use salesforce or hubspot")
    policy = retry_policy(section)
    require_library(crm)
    regions = region_table()
    if crm == "salesforce":
        from kit.sync import salesforce

        key_file = section.get("private_key_file")
        if key_file and base is not None and not Path(key_file).is_absolute():
            section = {**section, "private_key_file": str(base.parent / key_file)}
        settings = salesforce.SalesforceSettings.from_config(section)
        settings.login_arguments(environ)  # a missing variable is said before the store is opened
        return functools.partial(salesforce.fetch, settings, environ, region_of=regions, policy=policy)
    if crm == "hubspot":
        from kit.sync import hubspot

        settings_hs = hubspot.HubSpotSettings.from_config(section)
        settings_hs.token(environ)
        return functools.partial(hubspot.fetch, settings_hs, environ, region_of=regions, policy=policy)
    raise ConfigError(f"sync: unknown CRM {crm!r}; use salesforce or hubspot")
