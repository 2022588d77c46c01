"""A real, small file system to fill up: a full disk is tested as a person meets it, not by faking errors.

Test modules that use the ``small_disk`` fixture name this module in their ``pytest_plugins``.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class SmallDisk:
    path: Path  # a folder, the root of its own 1 MB file system

    def fill_up(self) -> None:
        """Write a file (``filler``) until the file system has no space left."""
        with open(self.path / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A folder on its own 1 MB tmpfs (mounting needs root, as on the CI machines; else the test is skipped)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    try:
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)
