"""How hard the property tests look: the same few examples on every run of ``make test``, many random ones
under ``make fuzz``.

Two hypothesis profiles, registered by ``tests/conftest.py`` before any test module is imported:

- ``ci`` (the default): derandomized, so a test draws the same examples on every machine and every run, and
  no example database, so a failure seen once on a laptop is not replayed into a later run. ``make test``
  and CI use it: the suite passes or fails on the code, never on chance.
- ``fuzz``: random, with ``FUZZ_FACTOR`` times the examples, keeping the failures it finds in
  ``.hypothesis/`` so the next ``make fuzz`` tries them first. For hunting bugs on purpose.

A test says how many examples it needs under ``ci`` with ``examples(n)``; ``fuzz`` multiplies them.
"""

from __future__ import annotations

import os

from hypothesis import settings

CI, FUZZ = "ci", "fuzz"
FUZZ_FACTOR = 20
PROFILE_ENV = "HYPOTHESIS_PROFILE"

# max_examples of the profiles is only a scale for ``examples``: every property test names its own count.
_BASE_EXAMPLES = 100


def register_profiles() -> None:
    """Declare ``ci`` and ``fuzz`` and load the one named by $HYPOTHESIS_PROFILE (``ci`` when unset);
    pytest's ``--hypothesis-profile`` option, read later, takes precedence."""
    settings.register_profile(
        CI, derandomize=True, database=None, max_examples=_BASE_EXAMPLES, print_blob=True
    )
    settings.register_profile(
        FUZZ, derandomize=False, max_examples=_BASE_EXAMPLES * FUZZ_FACTOR, print_blob=True
    )
    settings.load_profile(os.environ.get(PROFILE_ENV, CI))


def examples(n: int) -> int:
    """``n`` under the ``ci`` profile; ``FUZZ_FACTOR`` × ``n`` under ``fuzz``."""
    return max(1, n * settings().max_examples // _BASE_EXAMPLES)
