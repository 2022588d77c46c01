"""The suite's property tests are the same on every run: derandomized, with no replay of earlier failures."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import settings

from tests.properties import FUZZ_FACTOR, examples


def test_make_test_draws_the_same_examples_every_run():
    current = settings()
    assert current.derandomize is True
    assert current.database is None


def test_fuzz_profile_draws_random_examples_and_many_more_of_them():
    code = (
        "from hypothesis import settings\n"
        "from tests.properties import register_profiles, examples\n"
        "register_profiles()\n"
        "print(settings().derandomize, examples(25))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"HYPOTHESIS_PROFILE": "fuzz", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["False", str(25 * FUZZ_FACTOR)]
    assert examples(25) == 25
