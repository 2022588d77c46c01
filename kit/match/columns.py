"""The columns of the matcher's result frames (``rank``, ``eligibility``, ``allocate``); not workbook columns,
which ``kit.schema`` declares."""

from __future__ import annotations

SCORE = "score"
FIT = "fit"
REASONS = "reasons"
USES = "uses_this_quarter"
CAP = "cap"
LAST_USED = "last_used"
ELIGIBLE = "eligible"
EXCLUDED = "excluded_because"
REASON_CODE = "reason_code"
REASON = "reason"
SEGMENT = "segment"
WEIGHT = "weight"
USES_BEFORE = "uses_before"
ASSIGNED_NOW = "assigned_now"
CAPACITY_LEFT = "capacity_left"
