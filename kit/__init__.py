"""advocacy-kit."""

from kit.validate import FINDING_COLUMNS, validate

__all__ = ["FINDING_COLUMNS", "validate"]
