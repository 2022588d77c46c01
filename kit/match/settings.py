"""The Settings tab's matching knobs (weights, cool-down, freshness, rest, segment), read once per program."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kit import schema
from kit.cells import parse_bool
from kit.program import Settings

R = schema.REQUESTS.col

# The soft criteria, named after the request's columns; each has a ``weight.<criterion>`` setting.
CRITERIA = (R.industry, R.product, R.use_case, R.region, R.company_size, R.persona)
# Per-advocate factors, each in [0, 1], with a ``weight.<factor>`` setting.
FACTORS = ("freshness", "rest", "outcome")


@dataclass(frozen=True)
class MatchSettings:
    """What the matcher reads from the Settings tab, each value already clamped to what it can use."""

    weights: Mapping[str, float]  # criterion → weight
    factor_weights: Mapping[str, float]  # factor → weight
    declines_weight: float  # points off × the share of asks the advocate declined (kit.acceptance)
    cooldown: int  # days an advocate rests after an activity
    # Two requests due fewer days apart than this clash for one advocate (the same day, even at cool-down 0).
    cooldown_window: int
    stale_after: int  # days after which a profile counts as not verified
    rest_full: int  # days of rest that earn the full rest points
    within_segment: bool  # the allocation proposes only advocates of the request's own segment

    @classmethod
    def read(cls, settings: Settings) -> MatchSettings:
        cooldown = max(settings.cooldown_days, 0)
        within = parse_bool(settings.text("allocate_within_segment"))
        return cls(
            weights={c: settings.weight(c) for c in CRITERIA},
            factor_weights={f: settings.weight(f) for f in FACTORS},
            declines_weight=settings.weight("declines"),
            cooldown=cooldown,
            cooldown_window=max(cooldown, 1),
            stale_after=max(settings.stale_after_days, 1),
            rest_full=max(settings.integer("rest_full_days"), 1),
            within_segment=True if within is None else within,
        )
