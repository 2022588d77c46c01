"""The README is the front door and the manual lives in docs/: every page is reachable and no link is broken."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
README_MAX_LINES = 250


def _links(page: Path) -> list[str]:
    return [target for target in LINK.findall(page.read_text()) if "://" not in target]


def test_readme_stays_a_front_door_of_at_most_250_lines():
    assert len((ROOT / "README.md").read_text().splitlines()) <= README_MAX_LINES


def test_every_page_of_the_manual_is_linked_from_the_readme():
    linked = {(ROOT / target).resolve() for target in _links(ROOT / "README.md")}
    pages = set(DOCS.glob("*.md"))
    assert pages, "docs/ has no pages"
    assert {p.resolve() for p in pages} - linked == set()


def test_every_relative_link_and_picture_in_the_readme_and_docs_exists():
    broken = [
        f"{page.relative_to(ROOT)} → {target}"
        for page in [ROOT / "README.md", ROOT / "CHANGELOG.md", *DOCS.glob("*.md")]
        for target in _links(page)
        if not (page.parent / target).exists()
    ]
    assert broken == []
