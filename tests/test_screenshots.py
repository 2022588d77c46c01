"""`make screenshots` writes the pictures the README and docs show, from the code as it is."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from tests.screenshots import take_pictures

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_writes_every_picture_the_docs_show_and_the_phone_picture_is_phone_wide(chromium, tmp_path):
    written = sorted(p.name for p in take_pictures(chromium, tmp_path))
    shown = sorted(
        {name for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
         for name in re.findall(r"\]\((?:docs/)?([\w-]+\.png)\)", doc.read_text())}
    )  # fmt: skip
    assert shown and set(shown) <= set(written), "a picture in the docs that make screenshots does not take"
    readme = (ROOT / "README.md").read_text()
    assert {name: readme.count(f"(docs/{name})") for name in written} == dict.fromkeys(written, 1)
    # a full-page shot is as wide as the page: an e-mail wider than the phone would make it wider
    assert png_size(tmp_path / "executive_update_email_phone.png")[0] == 375
    assert png_size(tmp_path / "executive_update_email.png")[0] == 600
