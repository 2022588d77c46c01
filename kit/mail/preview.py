"""A report e-mail as a person sees it: its HTML part opened in a browser (Playwright), its ``cid:`` images
served from the message's own parts as a mail client does, everything else blocked.

The browser tests measure the page this opens, and ``make screenshots`` writes its PNGs with
:func:`render_email_png`; the browser is the caller's (one launch for many pictures).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PARTS = "http://message.invalid/cid/"  # where the rewritten cid: URLs point; answered from the message


@dataclass
class OpenedEmail:
    """The page showing an e-mail, and what it asked for that the message does not hold (blocked)."""

    page: Page
    blocked: list[str] = field(default_factory=list)


def _parts(message: EmailMessage) -> dict[str, Any]:
    return {part["Content-ID"].strip().strip("<>"): part for part in message.walk() if part["Content-ID"]}


@contextmanager
def opened_email(
    message: EmailMessage, width: int, browser: Browser, height: int = 800
) -> Iterator[OpenedEmail]:
    """The message's HTML part in a new page ``width`` CSS pixels wide, closed afterwards."""
    parts = _parts(message)
    html = message.get_body(("html",)).get_content()
    html = re.sub(r'src="cid:([^"]+)"', lambda m: f'src="{PARTS}{m.group(1)}"', html)
    page = browser.new_page(viewport={"width": width, "height": height})
    opened = OpenedEmail(page)

    def serve(route: Any) -> None:
        url = route.request.url
        cid = url[len(PARTS) :] if url.startswith(PARTS) else None
        if cid in parts:
            part = parts[cid]
            route.fulfill(status=200, content_type=part.get_content_type(), body=part.get_content())
        else:
            opened.blocked.append(url)
            route.abort()

    try:
        page.route("**/*", serve)
        page.set_content(html, wait_until="load")
        yield opened
    finally:
        page.close()


def render_email_png(
    message: EmailMessage, width: int, path: str | os.PathLike[str], browser: Browser
) -> Path:
    """A full-page PNG of the message's HTML part at ``width`` CSS pixels (375: a phone; 600: a reading
    pane), written to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with opened_email(message, width, browser) as opened:
        opened.page.screenshot(path=str(path), full_page=True)
    return path
