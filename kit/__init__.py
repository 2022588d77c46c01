"""advocacy-kit.

``kit.validate`` is the function (``from kit import validate``); the module's other names come with
``from kit.validate import error_rows, FINDING_COLUMNS, …``.
"""

from kit import metrics
from kit.match import Allocation, allocate, rank
from kit.metrics import ProgramMetrics
from kit.periods import Period, parse_period
from kit.validate import FINDING_COLUMNS, validate

__all__ = [
    "FINDING_COLUMNS",
    "Allocation",
    "Period",
    "ProgramMetrics",
    "allocate",
    "metrics",
    "parse_period",
    "rank",
    "validate",
]
