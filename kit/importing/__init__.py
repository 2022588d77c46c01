"""Bringing a program in: inherited roster spreadsheets and CRM exports, read into any tab of the program.

``read`` (files, encodings, delimiters), ``presets`` (Salesforce and HubSpot exports), ``mapping`` (which header
feeds which column; the TOML mapping file), ``values`` (cells as typed values, or why a row is refused) and
``run`` (the command: plan, then write through ``kit.upsert``). Names load on first use, so importing the
package costs nothing (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC: dict[str, str] = {
    "ImportFileError": "kit.importing.read",
    "ImportResult": "kit.importing.run",
    "plan_import": "kit.importing.run",
    "region_of": "kit.importing.values",
    "run_import": "kit.importing.run",
}

__all__ = ["ImportFileError", "ImportResult", "plan_import", "region_of", "run_import"]

if TYPE_CHECKING:
    from kit.importing.read import ImportFileError
    from kit.importing.run import ImportResult, plan_import, run_import
    from kit.importing.values import region_of


def __getattr__(name: str) -> Any:
    try:
        module = importlib.import_module(_PUBLIC[name])
    except KeyError:
        raise AttributeError(f"module 'kit.importing' has no attribute {name!r}") from None
    value = getattr(module, name)
    globals()[name] = value
    return value
