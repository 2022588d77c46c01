"""advocacy-kit: run a customer advocacy program out of a shared spreadsheet and notebooks.

The public names below load on first use (PEP 562), so ``import kit.schema`` or ``advocacy-kit --help``
does not pay for pandas, rapidfuzz and the matcher. ``kit.validate`` is the module; the function is
``kit.validate.validate`` (also ``from kit import validate_program``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> (module, attribute in it; None for the module itself)
_PUBLIC: dict[str, tuple[str, str | None]] = {
    "FINDING_COLUMNS": ("kit.validate", "FINDING_COLUMNS"),
    "Allocation": ("kit.match", "Allocation"),
    "Period": ("kit.periods", "Period"),
    "ProgramMetrics": ("kit.metrics", "ProgramMetrics"),
    "allocate": ("kit.match", "allocate"),
    "metrics": ("kit.metrics", None),
    "parse_period": ("kit.periods", "parse_period"),
    "rank": ("kit.match", "rank"),
    "validate_program": ("kit.validate", "validate"),
}

__all__ = [  # the names of _PUBLIC, spelled out for linters and `from kit import *`
    "FINDING_COLUMNS",
    "Allocation",
    "Period",
    "ProgramMetrics",
    "allocate",
    "metrics",
    "parse_period",
    "rank",
    "validate_program",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time each name loads in __getattr__
    from kit import metrics
    from kit.match import Allocation, allocate, rank
    from kit.metrics import ProgramMetrics
    from kit.periods import Period, parse_period
    from kit.validate import FINDING_COLUMNS
    from kit.validate import validate as validate_program


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'kit' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
