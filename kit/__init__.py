"""advocacy-kit."""

from kit import metrics
from kit.metrics import ProgramMetrics
from kit.periods import Period, parse_period
from kit.validate import FINDING_COLUMNS, validate

__all__ = ["FINDING_COLUMNS", "Period", "ProgramMetrics", "metrics", "parse_period", "validate"]
