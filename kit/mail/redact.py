"""Keeping advocates' contact details out of the e-mail.

Every value from the sheet that the summary shows is cleaned (one line, shortened, e-mail addresses and
phone numbers removed); the attached report's text is scrubbed the same way; and before anything is sent,
every part of the message is searched for the program's known contact details.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Collection
from email.message import EmailMessage
from typing import Any

from kit import schema
from kit.mail.errors import MailError

MAX_TEXT = 280  # characters of one free-text value (a story, a note) in the e-mail
REMOVED = "[contact removed]"

# The lookbehind starts a match only at the start of a word: without it, a long run of letters (a base64
# image in the attached report) would be rescanned from every position, quadratic in its length.
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: 9 or more digits in groups, optionally with +country and (area); not a date or an amount.
_PHONE = re.compile(r"(?<![\w.,/-])\+?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{3,4}(?![\w/-])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ContactLeakError(MailError):
    """A part of the message would carry an advocate's contact details; nothing was sent."""


def contacts_from_program(program: Any) -> frozenset[str]:
    """Every advocate and nominee e-mail, and any phone in the Advocates tab, folded to lower case.

    The schema has no phone column, but programs add their own; any extra Advocates column whose header
    mentions a phone counts.
    """
    a, n = schema.ADVOCATES.col, schema.NOMINATIONS.col
    values: list[Any] = list(program.raw[schema.ADVOCATES.name].get(a.email, []))
    values += list(program.raw[schema.NOMINATIONS.name].get(n.contact_email, []))
    raw = program.raw[schema.ADVOCATES.name]
    for header in raw.columns:
        if header not in schema.ADVOCATES and re.search(r"phone|mobile|cell", str(header), re.I):
            values += list(raw[header])
    found = {str(v).strip().lower() for v in values if v is not None and str(v).strip()}
    return frozenset(v for v in found if len(v) >= 5)


def _redact(text: str, contacts: Collection[str]) -> str:
    """Free text with e-mail addresses, phone numbers and the program's known contacts removed."""
    text = _EMAIL.sub(REMOVED, text)
    text = _PHONE.sub(lambda m: REMOVED if sum(c.isdigit() for c in m.group()) >= 9 else m.group(), text)
    others = [c for c in contacts if "@" not in c]  # every e-mail address is gone already
    if others:
        lowered = text.lower()
        for contact in others:
            start = lowered.find(contact)
            while start >= 0:
                text = text[:start] + REMOVED + text[start + len(contact) :]
                lowered = text.lower()
                start = lowered.find(contact, start + len(REMOVED))
    return text


def clean(value: Any, contacts: Collection[str], limit: int = MAX_TEXT) -> str:
    """A value from the sheet as safe plain text: one line, contacts removed, shortened."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value if v is not None)
    text = _CONTROL.sub("", " ".join(str(value).split()))
    # Redact a bounded window (the patterns are costly on huge cells), then shorten: an address that
    # starts before the cut lies wholly inside the window, so no half address survives the cut.
    text = _redact(text[: limit + 300], contacts)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# What in an HTML page is not text a reader sees: comments, scripts and styles whole, and each tag with its
# attributes (a data: image is an attribute, and its base64 may hold a run of digits).
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style)\b.*?(?:</\1\s*>|\Z)"
    r"|<[!?/]?[A-Za-z](?:\"[^\"]*\"|'[^']*'|[^'\">])*>?",
    re.S | re.I,
)


def scrub_report(page: bytes) -> tuple[bytes, int]:
    """The attached HTML report with e-mail addresses and phone numbers in its text removed, and how many.

    The summary removes them from every value it shows; the report is rendered from the same sheet, so a
    phone typed into an advocate's name or an opportunity's owner is in it too. Only text between tags
    changes, and only where something is removed: markup, styles and images stay byte for byte.
    """
    text = page.decode("utf-8", errors="surrogateescape")
    pieces, removed, at = [], 0, 0
    for markup in _MARKUP.finditer(text):
        pieces += [text[at : markup.start()], markup.group()]
        at = markup.end()
    pieces.append(text[at:])
    for i in range(0, len(pieces), 2):  # even pieces are text
        words = html.unescape(pieces[i])
        if "@" not in words and not re.search(r"\d", words):
            continue  # no address or number to look at (most of a page)
        clean = _redact(words, ())
        if clean != words:
            removed += clean.count(REMOVED) - words.count(REMOVED)
            pieces[i] = html.escape(clean, quote=False)
    if not removed:
        return page, 0
    return "".join(pieces).encode("utf-8", errors="surrogateescape"), removed


def find_contacts(message: EmailMessage, contacts: Collection[str]) -> list[str]:
    """The parts of ``message`` (by content type or file name) that contain any of ``contacts``."""
    emails = {c for c in contacts if "@" in c}
    others = [c for c in contacts if "@" not in c]  # phones: few, looked for as they are
    leaks = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() not in ("text", "application"):
            continue
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "utf-8", errors="replace").lower()
        # addresses by lookup, not one search per advocate: fast with 50,000 advocates
        if not emails.isdisjoint(_EMAIL.findall(text)) or any(c in text for c in others):
            leaks.append(part.get_filename() or part.get_content_type())
    return leaks
