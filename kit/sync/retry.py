"""Bounded retries with exponential backoff, for a CRM answering "too many requests" or "unavailable"."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: ``attempts`` calls in all, waits doubling from ``first_wait`` seconds (with
    jitter) up to ``max_wait``. Tests pass ``first_wait=0``."""

    attempts: int = 5
    first_wait: float = 1.0
    max_wait: float = 30.0

    def wait(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_wait, self.first_wait * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)


def with_retries(
    call: Callable[[], T],
    retryable: Callable[[Exception], bool],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``, called again after a wait while it raises an exception ``retryable`` accepts; the last
    attempt's exception propagates."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as error:
            if attempt >= policy.attempts or not retryable(error):
                raise
            sleep(policy.wait(attempt))
            attempt += 1
