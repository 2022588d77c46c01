"""The reports as e-mail: a compact summary that looks right in mail clients, and sending it over SMTP.

The message follows the Python docs' e-mail examples: ``multipart/mixed`` → ``multipart/alternative``
(a plain-text part, and ``multipart/related`` holding the HTML part and its PNG charts by ``Content-ID``),
then the full HTML report as an attachment. Mail clients drop ``<script>``, many block ``data:`` images and
``<style>`` blocks, and Gmail clips HTML bodies over ~102 KB; so the HTML summary is small, table-laid,
with its CSS inlined into ``style`` attributes, its charts as attached images, and capped lists that point
to the attachment for the rest. Every value from the sheet is HTML-escaped; e-mail addresses and phone
numbers are removed from the summary and from the attached report's text, and the program's known contact
details are checked for in every part before anything is sent. Each address (``from``, every recipient) is
exactly one address, parsed strictly, before anything is drawn.

Sending retries transient failures (connection refused or dropped, 4xx replies) a bounded number of times
with doubling waits; a permanent failure raises :class:`DeliveryError` carrying the server's reply.
"""

from __future__ import annotations

import datetime as dt
import email.errors
import email.policy
import html
import io
import logging
import math
import os
import re
import secrets
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from kit import schema
from kit.errors import ConfigError, KitError
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.metrics import COUNT, HEADLINE, LOWER_IS_BETTER, format_change, format_value
from kit.report import REPORTS as _REPORT_SPECS

log = logging.getLogger(__name__)

REPORTS = tuple(_REPORT_SPECS)  # goal-tracking, executive-update: named once, in kit.report
REPORT_TITLES = {name: spec.title for name, spec in _REPORT_SPECS.items()}
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
BODY_LIMIT = 100_000  # bytes of HTML; Gmail clips a body over ~102 KB ("[Message clipped]")
MAX_GOALS = 25  # rows of the goal table in the e-mail; the rest are in the attached report
MAX_STORIES = 5
MAX_HEADLINE = 15
MAX_TEXT = 280  # characters of one free-text value (a story, a note) in the e-mail
DRY_RUN_SENDER = "advocacy-kit <advocacy-kit@advocacy-kit.invalid>"  # .invalid: never delivered
REMOVED = "[contact removed]"

# The lookbehind starts a match only at the start of a word: without it, a long run of letters (a base64
# image in the attached report) would be rescanned from every position, quadratic in its length.
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: 9 or more digits in groups, optionally with +country and (area); not a date or an amount.
_PHONE = re.compile(r"(?<![\w.,/-])\+?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{3,4}(?![\w/-])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MailError(KitError):
    """Mail could not be built or sent. Exit code 4, so a scheduler can tell it from bad data (2)."""

    exit_code = 4


class DeliveryError(MailError):
    """The mail server refused the message for good, or kept failing after every retry.

    ``code`` and ``reply`` are the server's last answer (``None`` when it never answered, e.g. refused
    connections); ``refused`` maps each refused recipient to the server's reply for it.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reply: str | None = None,
        refused: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reply = reply
        self.refused = dict(refused or {})


class ContactLeakError(MailError):
    """A part of the message would carry an advocate's contact details; nothing was sent."""


# ----------------------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class MailSettings:
    """The ``[email]`` section of the config: where to send from and to, never the password itself."""

    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none" (none: local test servers only, no login)
    sender: str
    recipients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    username: str | None = None
    password_env: str | None = None  # the NAME of the environment variable that holds the password
    ca_file: str | None = None  # a private CA for the server's certificate; default: the system's
    timeout: float = 30.0
    attempts: int = 4  # connection attempts in all, for transient failures
    retry_wait: float = 5.0  # seconds before the 2nd attempt; doubles each time (5, 10, 20 s)

    def recipients_for(self, report: str) -> tuple[str, ...]:
        """The configured recipients of one report; ConfigError when there are none."""
        found = self.recipients.get(report, ())
        if not found:
            raise ConfigError(
                f'[email.recipients] has no one for {report!r}; add e.g. {report} = ["pm@example.com"]'
            )
        return found

    def password(self, environ: Mapping[str, str]) -> str | None:
        """The SMTP password from the environment variable named by ``password_env`` (None: no login)."""
        if not self.username:
            return None
        if not self.password_env:
            raise ConfigError(
                "[email] sets `username` but not `password_env`, the name of the environment variable "
                "that holds the password"
            )
        value = environ.get(self.password_env)
        if not value:
            raise ConfigError(
                f"the environment variable {self.password_env} (named by [email] password_env) is not set"
            )
        return value


# Characters no address may hold: line and paragraph separators (U+0085, U+2028: a header would break in
# two), control characters, and invisible format characters (U+202E turns "moc.live@x" into "x@evil.com").
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def parse_address(value: Any, where: str) -> Address:
    """One e-mail address as a person writes it (``name@example.com`` or ``Name <name@example.com>``).

    Parsed by the standard library's header parser, strictly: exactly one address, no group, no defect,
    a domain with a dot, and no control, line-separating or invisible character. Anything else is a
    ConfigError naming ``where``: the SMTP client would read only the first address of an entry, or the
    wrong one of ``x@evil.com <a@b.com>``, while the ledger recorded the entry as delivered.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {value!r} is not an e-mail address; write it as name@example.com")
    unsafe = next((c for c in value if unicodedata.category(c) in _UNSAFE_CATEGORIES), None)
    if unsafe is not None:
        raise ConfigError(
            f"{where}: {value!r} is not an e-mail address: it holds the invisible or line-breaking "
            f"character U+{ord(unsafe):04X} ({unicodedata.name(unsafe, 'a control character').lower()}); "
            "retype it on one line without that character"
        )
    try:
        header = email.policy.default.header_factory("To", value)
        groups, defects = header.groups, header.defects
    except Exception:  # the parser gives up on some shapes (IndexError on "a@"): not an address either
        groups, defects = (), ("unparsable",)
    # a non-ASCII local part is an address, but one the kit cannot send: said so below, not "not an address"
    defects = [d for d in defects if not isinstance(d, email.errors.NonASCIILocalPartDefect)]
    addresses = [a for g in groups for a in g.addresses]
    if len(addresses) > 1 or (defects and re.search(r"[,;]", value)):
        raise ConfigError(
            f"{where}: {value!r} holds more than one address; write one address per entry, "
            'e.g. ["a@example.com", "Name <b@example.com>"]'
        )
    address = addresses[0] if len(addresses) == 1 and not defects else None
    labels = address.domain.split(".") if address is not None else []
    if (
        address is None
        or groups[0].display_name is not None
        or not address.username
        or len(labels) < 2
        or not all(labels)
        or address.domain.startswith("[")
    ):
        raise ConfigError(
            f"{where}: {value!r} is not an e-mail address; write one address, as name@example.com or "
            "Name <name@example.com>"
        )
    if not address.username.isascii():
        # It would need SMTPUTF8, which the kit does not use: refused here, not by the server after rendering.
        raise ConfigError(
            f"{where}: {value!r}: the part before the @ holds non-ASCII characters, which the kit cannot "
            "send; use the person's ASCII address"
        )
    if address.domain.isascii():
        return address
    return Address(address.display_name, address.username, _ascii_domain(address.domain, value, where))


def _ascii_domain(domain: str, value: str, where: str) -> str:
    """``münchen.de`` as DNS and every mail server know it, ``xn--mnchen-3ya.de`` (IDNA 2008, as registrars
    use it: ``straße.de`` stays its own domain, not IDNA 2003's ``strasse.de``)."""
    import idna  # installed with requests, which the kit depends on

    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise ConfigError(
            f"{where}: {value!r}: the domain {domain!r} is not one a mail server can look up ({error})"
        ) from None


def bare_address(value: str) -> str:
    """The address of an entry without its display name, lower-cased: who it reaches, for the ledger."""
    return parse_address(value, "recipient").addr_spec.lower()


def settings_from_config(section: Mapping[str, Any], *, where: str = "[email]") -> MailSettings:
    """Read and check the ``[email]`` section; every mistake is a ConfigError naming the setting."""
    if not section:
        raise ConfigError(
            f"the config file has no {where} section; see docs/email-and-scheduling.md for an example"
        )
    host = section.get("host")
    if not isinstance(host, str) or not host.strip():
        raise ConfigError(f"{where} host: the SMTP server's name is missing")
    security = str(section.get("security", "starttls")).strip().lower()
    if security not in SECURITY_MODES:
        raise ConfigError(f"{where} security = {security!r}: use one of {', '.join(SECURITY_MODES)}")
    port = section.get("port", DEFAULT_PORTS[security])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{where} port = {port!r}: not a port number")
    username = section.get("username") or None
    if username is not None and not isinstance(username, str):
        raise ConfigError(f"{where} username must be text, in quotes")
    if username and security == "none":
        raise ConfigError(
            f"{where} security = 'none' would send the password unencrypted; use starttls or ssl"
        )
    if "password" in section:
        raise ConfigError(
            f"{where} password: never put the password in the config file; set an environment variable "
            "and name it in password_env"
        )
    password_env = section.get("password_env") or None
    if password_env is not None and not (isinstance(password_env, str) and password_env.isidentifier()):
        raise ConfigError(f"{where} password_env = {password_env!r}: the NAME of an environment variable")
    sender = str(parse_address(section.get("from"), f"{where} from"))
    recipients: dict[str, tuple[str, ...]] = {}
    table = section.get("recipients", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} recipients must be a table: [email.recipients] with a list per report")
    for report, people in table.items():
        if report not in REPORTS:
            raise ConfigError(f"[email.recipients] {report!r}: not a report; use {' or '.join(REPORTS)}")
        if isinstance(people, str):
            people = [people]
        if not isinstance(people, list):
            raise ConfigError(f'[email.recipients] {report}: a list of addresses, e.g. ["a@x.com"]')
        parsed = [parse_address(p, f"[email.recipients] {report}") for p in people]
        # one entry per address, the first as written: "cxo@x.com" and "Chief <CXO@x.com>" are one person
        first: dict[str, Address] = {}
        for address in parsed:
            first.setdefault(address.addr_spec.lower(), address)
        recipients[report] = tuple(str(address) for address in first.values())
    numbers = {}
    for key, default, low in (("timeout", 30.0, 1.0), ("attempts", 4, 1), ("retry_wait", 5.0, 0.0)):
        value = section.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{where} {key} = {value!r}: a number, at least {low}")
        numbers[key] = value
    ca_file = section.get("ca_file") or None
    return MailSettings(
        host=host.strip(),
        port=port,
        security=security,
        sender=sender,
        recipients=recipients,
        username=username,
        password_env=password_env,
        ca_file=str(ca_file) if ca_file else None,
        timeout=float(numbers["timeout"]),
        attempts=int(numbers["attempts"]),
        retry_wait=float(numbers["retry_wait"]),
    )


# ----------------------------------------------------------------------------------------------------------
# Contact details


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


def _clean(value: Any, contacts: Collection[str], limit: int = MAX_TEXT) -> str:
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


# ----------------------------------------------------------------------------------------------------------
# Reading the metrics dict (kit.metrics.ProgramMetrics.to_dict()) defensively: a missing key is no figure.


def period_label(metrics: Mapping[str, Any]) -> str:
    """The period's label ("2026-Q4") from the metrics dict, whatever shape its ``period`` has."""
    period = metrics.get("period")
    if isinstance(period, Mapping):
        period = period.get("label") or period.get("name")
    return str(period) if period else "unknown period"


def report_segment(metrics: Mapping[str, Any]) -> str:
    """The segment the report is for ('industry=Insurance'), or '' for the whole program."""
    segment = str(metrics.get("segment") or "").strip()
    return "" if segment.lower() in ("", "whole program", "all", "everything") else segment


def report_scope(metrics: Mapping[str, Any]) -> str:
    """The period, and the segment when the report is for one: '2026-Q4' or '2026-Q4, industry=Insurance'."""
    segment = report_segment(metrics)
    return f"{period_label(metrics)}, {segment}" if segment else period_label(metrics)


def _as_of(metrics: Mapping[str, Any]) -> str:
    value = metrics.get("as_of")
    return str(value)[:10] if value else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    return None


def _figure_text(value: Any, unit: str | None) -> str:
    """A figure as the reports show it (kit.metrics' format: 1,234 · 42% · $3.8M · 4 days)."""
    number = _number(value)
    return "–" if number is None else format_value(number, unit or COUNT)


def _change_text(change: Any, unit: str | None) -> str:
    number = _number(change)
    if number is None:
        return ""
    return "no change" if number == 0 else format_change(number, unit or COUNT)


def _goal_unit(metric: Any) -> str | None:
    return HEADLINE[metric][1] if isinstance(metric, str) and metric in HEADLINE else None


def _attainment(goal: Mapping[str, Any]) -> float | None:
    """Attainment as a fraction (0.85 = 85% of the target), as kit.metrics computes it."""
    return _number(goal.get("attainment"))


def _humanise(name: str) -> str:
    """A metric key as words: active_advocates -> Active advocates (labels people typed stay as typed)."""
    return name.replace("_", " ").capitalize() if re.fullmatch(r"[a-z0-9_]+", name) else name


def _status_tone(status: str) -> str:
    folded = status.lower()
    if any(w in folded for w in ("behind", "off", "risk", "miss", "short")):
        return "bad"
    if any(w in folded for w in ("met", "achiev", "on track", "on_track", "ahead", "done", "reached")):
        return "good"
    return "neutral"


def _quality_notes(quality: Any, contacts: Collection[str]) -> list[str]:
    """A few one-line notes from the metrics' data-quality entry, whatever its shape."""
    if not quality:
        return []
    items: Iterable[Any]
    if isinstance(quality, Mapping):
        if quality.get("validated", True) and _number(quality.get("rows_excluded")) == 0:
            # warnings, and error cells no figure needs (read as blank), change no figure: nothing to tell
            # an executive; the goal-tracking report lists them for the program manager
            return []
        for key in ("note", "message", "summary", "text"):
            if quality.get(key):
                return [_clean(quality[key], contacts)]
        items = [
            f"{str(k).replace('_', ' ')}: {v}"
            for k, v in quality.items()
            if isinstance(v, str | int | float) and not isinstance(v, bool)
        ]
    elif isinstance(quality, str):
        items = [quality]
    else:
        items = quality
    notes = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("message") or item.get("note") or ", ".join(f"{k}: {v}" for k, v in item.items())
        notes.append(_clean(item, contacts))
    return [n for n in notes if n][:5]


# ----------------------------------------------------------------------------------------------------------
# Charts: small static PNGs drawn with matplotlib's Agg canvas (no pyplot, no global backend state).


@dataclass(frozen=True)
class Chart:
    """One chart of the e-mail: ``name`` becomes its Content-ID and file name; ``alt`` says what it shows."""

    name: str
    title: str
    alt: str
    png: bytes


def _plain_label(text: str, width: int = 28) -> str:
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("$", r"\$")  # a '$' would start matplotlib's math mode


def _figure(rows: int):
    from matplotlib.figure import Figure

    height = 0.9 + 0.34 * max(rows, 1)
    fig = Figure(figsize=(6.2, height), dpi=100)
    ax = fig.subplots()
    # fixed margins, room for 28-character labels: a layout engine would draw every chart twice
    fig.subplots_adjust(left=0.36, right=0.97, top=1 - 0.32 / height, bottom=0.5 / height)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8.5)
    return fig, ax


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


_GOOD, _BAD, _NEUTRAL = "#1a7f37", "#c0392b", "#6b7280"


def render_charts(metrics: Mapping[str, Any], contacts: Collection[str] = ()) -> list[Chart]:
    """Up to three charts from the metrics: headline change, goal attainment, revenue of the stories."""
    charts = []
    headline = [h for h in metrics.get("headline") or [] if isinstance(h, Mapping)][:MAX_HEADLINE]
    changes = []
    for item in headline:
        value, previous = _number(item.get("value")), _number(item.get("previous"))
        # a % change of a share or a number of days reads oddly: chart the counts and the money
        if value is not None and previous and item.get("unit") in ("count", "money"):
            changes.append(
                (_clean(item.get("label") or item.get("key"), contacts), (value / previous - 1) * 100)
            )
    if changes:
        fig, ax = _figure(len(changes))
        labels = [_plain_label(label) for label, _ in changes][::-1]
        values = [v for _, v in changes][::-1]
        ax.barh(labels, values, color=[_GOOD if v >= 0 else _BAD for v in values])
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlabel("% change from the previous period", fontsize=8.5)
        ax.set_title("Headline figures against the previous period", fontsize=10, loc="left")
        alt = "; ".join(f"{label} {value:+.0f}%" for label, value in changes)
        charts.append(Chart("headline-change", "Change from the previous period", alt, _png(fig)))

    goals = []
    for goal in metrics.get("goals") or []:
        if not isinstance(goal, Mapping) or _attainment(goal) is None:
            continue
        name = " · ".join(
            p
            for p in (_humanise(_clean(goal.get("metric"), contacts)), _clean(goal.get("segment"), contacts))
            if p
        )
        goals.append((name or _clean(goal.get("goal_id"), contacts), _attainment(goal) or 0.0, goal))
    goals = goals[:12]
    if goals:
        fig, ax = _figure(len(goals))
        labels = [_plain_label(name, 28) for name, _, _ in goals][::-1]
        values = [min(share, 2.0) * 100 for _, share, _ in goals][::-1]
        tones = [_status_tone(_clean(g.get("status"), contacts)) for _, _, g in goals][::-1]
        colours = {"good": _GOOD, "bad": _BAD, "neutral": _NEUTRAL}
        ax.barh(range(len(values)), values, color=[colours[t] for t in tones])
        ax.set_yticks(range(len(values)), labels=labels)
        ax.axvline(100, color="#333333", linewidth=0.8, linestyle="--")
        ax.set_xlabel("% of target reached", fontsize=8.5)
        ax.set_title("Goal attainment (dashed line: target)", fontsize=10, loc="left")
        alt = "; ".join(f"{name} {share:.0%}" for name, share, _ in goals)
        charts.append(Chart("goal-attainment", "Goal attainment", alt, _png(fig)))

    stories = []
    for story in (metrics.get("success_stories") or [])[:MAX_STORIES]:
        amount = _number(story.get("amount")) if isinstance(story, Mapping) else None
        if amount:
            stories.append((_clean(story.get("account"), contacts) or "(no account)", amount))
    if stories:
        fig, ax = _figure(len(stories))
        labels = [_plain_label(name) for name, _ in stories][::-1]
        values = [amount / 1e6 for _, amount in stories][::-1]
        ax.barh(range(len(values)), values, color="#2563eb")
        ax.set_yticks(range(len(values)), labels=labels)
        ax.set_xlabel(r"won amount, \$ million", fontsize=8.5)
        ax.set_title("Deals won with advocates' help", fontsize=10, loc="left")
        alt = "; ".join(f"{name} {_figure_text(amount, 'money')}" for name, amount in stories)
        charts.append(Chart("success-stories", "Deals won with advocates' help", alt, _png(fig)))
    return charts


# ----------------------------------------------------------------------------------------------------------
# The two bodies


_CSS = """
body { margin: 0; padding: 0; background: #f3f4f6; font-family: Helvetica, Arial, sans-serif; color: #111827; }
.outer { width: 100%; background: #f3f4f6; }
.card { width: 640px; max-width: 640px; background: #ffffff; border-collapse: collapse; }
.pad { padding: 16px 24px; }
h1 { font-size: 22px; margin: 0 0 4px 0; color: #111827; }
h2 { font-size: 16px; margin: 0 0 8px 0; color: #111827; }
.meta { font-size: 13px; color: #6b7280; margin: 0; }
.tile { width: 33%; padding: 8px; vertical-align: top; border: 1px solid #e5e7eb; }
.label { font-size: 12px; color: #6b7280; }
.value { font-size: 22px; font-weight: bold; color: #111827; }
.change { font-size: 12px; color: #6b7280; }
.up { color: #1a7f37; }
.down { color: #c0392b; }
.tiles { border-collapse: collapse; width: 100%; }
.grid { border-collapse: collapse; width: 100%; font-size: 13px; }
.grid th { text-align: left; border-bottom: 2px solid #d1d5db; padding: 4px 6px; color: #374151; }
.grid td { border-bottom: 1px solid #e5e7eb; padding: 4px 6px; }
.num { text-align: right; }
.good { color: #1a7f37; font-weight: bold; }
.bad { color: #c0392b; font-weight: bold; }
.neutral { color: #6b7280; }
.story { font-size: 14px; margin: 0 0 8px 0; }
.note { font-size: 12px; color: #92400e; background: #fffbeb; padding: 8px; }
.chart { display: block; width: 100%; max-width: 592px; height: auto; border: 0; }
.foot { font-size: 12px; color: #6b7280; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _attribute_text(text: str) -> str:
    """Sheet text bound for an attribute (alt): angle brackets become look-alikes.

    The CSS inliner re-serialises the page the HTML5 way, which writes ``&lt;`` inside a quoted attribute
    back as a bare ``<``. That is harmless to a browser, but mail filters and people reading the source
    should never see a ``<script`` in our mail, so brackets never reach an attribute at all.
    """
    return text.replace("<", "\u2039").replace(">", "\u203a")


@dataclass(frozen=True)
class _Summary:
    """What both bodies say, already cleaned: plain strings, no markup."""

    title: str
    period: str
    as_of: str
    headline: list[tuple[str, str, str, str]]  # label, value, change, tone
    goals: list[tuple[str, str, str, str, str, str]]  # goal, segment, target, actual, attained, status
    goals_left: int
    stories: list[str]
    stories_left: int
    notes: list[str]


def _summary(metrics: Mapping[str, Any], report: str, contacts: Collection[str]) -> _Summary:
    headline = []
    for item in [h for h in metrics.get("headline") or [] if isinstance(h, Mapping)][:MAX_HEADLINE]:
        unit = item.get("unit")
        unit = unit if isinstance(unit, str) else None
        change = _number(item.get("change"))
        better = -change if change and item.get("key") in LOWER_IS_BETTER else change
        tone = "neutral" if not better else ("up" if better > 0 else "down")  # green when it improved
        previous = (
            _figure_text(item.get("previous"), unit) if _number(item.get("previous")) is not None else ""
        )
        change_text = _change_text(change, unit)
        if change_text and previous:
            change_text = f"{change_text} vs {previous}"
        headline.append(
            (
                _clean(item.get("label") or item.get("key"), contacts, 60),
                _figure_text(item.get("value"), unit),
                change_text,
                tone,
            )
        )
    all_goals = [g for g in metrics.get("goals") or [] if isinstance(g, Mapping)]
    goals = []
    for goal in all_goals[:MAX_GOALS]:
        share = _attainment(goal)
        goals.append(
            (
                _humanise(_clean(goal.get("metric") or goal.get("goal_id"), contacts, 60)),
                _clean(goal.get("segment"), contacts, 80) or "all",
                _figure_text(goal.get("target"), _goal_unit(goal.get("metric"))),
                _figure_text(goal.get("actual"), _goal_unit(goal.get("metric"))),
                f"{share:.0%}" if share is not None else "—",
                _clean(goal.get("status"), contacts, 30),
            )
        )
    all_stories = [s for s in metrics.get("success_stories") or [] if isinstance(s, Mapping)]
    stories = []
    for story in all_stories[:MAX_STORIES]:
        sentence = _clean(story.get("sentence"), contacts)
        if not sentence:
            parts = [_clean(story.get(k), contacts, 60) for k in ("rep", "account")]
            sentence = " at ".join(p for p in parts if p) + f": {_figure_text(story.get('amount'), 'money')}"
        stories.append(sentence)
    return _Summary(
        title=REPORT_TITLES.get(report, report),
        period=_clean(report_scope(metrics), contacts, 120),
        as_of=_as_of(metrics),
        headline=headline,
        goals=goals,
        goals_left=max(len(all_goals) - MAX_GOALS, 0),
        stories=stories,
        stories_left=max(len(all_stories) - MAX_STORIES, 0),
        notes=_quality_notes(metrics.get("data_quality"), contacts),
    )


def _text_body(s: _Summary, attachment: str) -> str:
    lines = [f"{s.title}: {s.period}", f"Data as of {s.as_of}" if s.as_of else "", ""]
    if s.headline:
        lines.append("HEADLINE FIGURES")
        width = max(len(label) for label, *_ in s.headline)
        for label, value, change, _ in s.headline:
            lines.append(f"  {label:<{width}}  {value:>10}  {change}".rstrip())
        lines.append("")
    if s.goals:
        lines.append("GOALS (goal, segment: actual of target, attained, status)")
        for goal, segment, target, actual, attained, status in s.goals:
            lines.append(f"  {goal}, {segment}: {actual} of {target}, {attained}, {status}".rstrip(", "))
        if s.goals_left:
            lines.append(f"  … and {s.goals_left} more goals in the attached report")
        lines.append("")
    if s.stories:
        lines.append("SUCCESS STORIES")
        lines += [f"  - {story}" for story in s.stories]
        if s.stories_left:
            lines.append(f"  … and {s.stories_left} more in the attached report")
        lines.append("")
    if s.notes:
        lines.append("DATA QUALITY")
        lines += [f"  ! {note}" for note in s.notes]
        lines.append("")
    if not (s.headline or s.goals or s.stories):
        lines += ["There is no data for this period yet.", ""]
    lines.append(f"The full report is attached: {attachment}")
    lines.append("-- \nSent by advocacy-kit.")
    return "\n".join(lines) + "\n"


def _html_body(s: _Summary, charts: Sequence[tuple[str, Chart]], attachment: str) -> str:
    """The compact HTML summary, CSS still in <style>; the caller inlines it."""
    rows = [
        f'<tr><td class="pad"><h1>{_e(s.title)}: {_e(s.period)}</h1>'
        + (f'<p class="meta">Data as of {_e(s.as_of)}</p>' if s.as_of else "")
        + "</td></tr>"
    ]
    by_name = {chart.name: (cid, chart) for cid, chart in charts}

    def chart_row(name: str) -> str:
        if name not in by_name:
            return ""
        cid, chart = by_name[name]
        return (
            f'<tr><td class="pad"><img class="chart" src="cid:{_e(cid)}" width="592" '
            f'alt="{_e(_attribute_text(chart.title + ": " + chart.alt))}"></td></tr>'
        )

    if s.headline:
        tiles = []
        for label, value, change, tone in s.headline:
            tiles.append(
                f'<td class="tile"><div class="label">{_e(label)}</div>'
                f'<div class="value">{_e(value)}</div>'
                f'<div class="change {tone}">{_e(change)}</div></td>'
            )
        grid = "".join("<tr>" + "".join(tiles[i : i + 3]) + "</tr>" for i in range(0, len(tiles), 3))
        rows.append(
            '<tr><td class="pad"><h2>Headline figures</h2>'
            f'<table class="tiles" role="presentation">{grid}</table></td></tr>'
        )
        rows.append(chart_row("headline-change"))
    if s.goals:
        head = "".join(
            f'<th class="{c}">{h}</th>'
            for h, c in (
                ("Goal", ""),
                ("Segment", ""),
                ("Actual", "num"),
                ("Target", "num"),
                ("Attained", "num"),
                ("Status", ""),
            )
        )
        body = "".join(
            f'<tr><td>{_e(goal)}</td><td>{_e(segment)}</td><td class="num">{_e(actual)}</td>'
            f'<td class="num">{_e(target)}</td><td class="num">{_e(attained)}</td>'
            f'<td class="{_status_tone(status)}">{_e(status)}</td></tr>'
            for goal, segment, target, actual, attained, status in s.goals
        )
        more = (
            f'<p class="foot">… and {s.goals_left} more goals in the attached report.</p>'
            if s.goals_left
            else ""
        )
        rows.append(
            f'<tr><td class="pad"><h2>Goals</h2><table class="grid goals"><tr>{head}</tr>{body}</table>'
            f"{more}</td></tr>"
        )
        rows.append(chart_row("goal-attainment"))
    if s.stories:
        items = "".join(f'<p class="story">{_e(story)}</p>' for story in s.stories)
        more = (
            f'<p class="foot">… and {s.stories_left} more in the attached report.</p>'
            if s.stories_left
            else ""
        )
        rows.append(f'<tr><td class="pad"><h2>Success stories</h2>{items}{more}</td></tr>')
        rows.append(chart_row("success-stories"))
    if not (s.headline or s.goals or s.stories):
        rows.append(
            '<tr><td class="pad"><p class="story">There is no data for this period yet.</p></td></tr>'
        )
    if s.notes:
        notes = "<br>".join(_e(n) for n in s.notes)
        rows.append(f'<tr><td class="pad"><div class="note"><b>Data quality:</b> {notes}</div></td></tr>')
    rows.append(
        f'<tr><td class="pad foot">The full report is attached: {_e(attachment)}. '
        "Sent by advocacy-kit.</td></tr>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(s.title)}: {_e(s.period)}</title><style>{_CSS}</style></head>"
        '<body><table class="outer" role="presentation" width="100%"><tr><td align="center">'
        f'<table class="card" role="presentation" width="640">{"".join(r for r in rows if r)}</table>'
        "</td></tr></table></body></html>"
    )


def _inline(page: str) -> str:
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
    return inliner.inline(page)


# ----------------------------------------------------------------------------------------------------------
# The message


def build_message(
    metrics: Mapping[str, Any],
    *,
    report: str,
    report_path: str | os.PathLike[str],
    sender: str,
    recipients: Sequence[str],
    contacts: Collection[str] = (),
    charts: Sequence[Chart] | None = None,
    date: dt.datetime | None = None,
) -> EmailMessage:
    """The e-mail of one rendered report: summary (text + HTML with inline charts) and the report attached.

    Args:
        metrics: ``ProgramMetrics.to_dict()`` of the report's period.
        report_path: the full HTML report, attached with the addresses and phone numbers in its text
            removed (:func:`scrub_report`), byte for byte when there are none.
        sender, recipients: one address each (:func:`parse_address`); ConfigError before anything is built.
        contacts: advocate contact details (see :func:`contacts_from_program`): removed from the summary;
            if any part still contains one, :class:`ContactLeakError` is raised and nothing is built.
        charts: the charts to show; default: :func:`render_charts` of ``metrics``.
    """
    # every address checked before anything is drawn or read: a bad one fails in a second, not after charts
    sender_address = parse_address(sender, "[email] from")
    to = [parse_address(r, f"[email.recipients] {report}") for r in recipients]
    contacts = frozenset(c.lower() for c in contacts)
    report_path = Path(report_path)
    summary = _summary(metrics, report, contacts)
    charts = render_charts(metrics, contacts) if charts is None else list(charts)
    # short ids: a folded Content-ID header confuses some clients
    cids = [(f"{chart.name}.{secrets.token_hex(6)}@advocacy-kit.invalid", chart) for chart in charts]
    page = _inline(_html_body(summary, cids, report_path.name))
    if len(page.encode("utf-8")) > BODY_LIMIT:  # the caps above keep it far below; never clip silently
        raise MailError(
            f"the e-mail summary of {report} is {len(page.encode()) // 1000} KB, over the "
            f"{BODY_LIMIT // 1000} KB that webmail shows unclipped; please report this"
        )

    message = EmailMessage()
    message["Subject"] = f"{summary.title}: {summary.period}" + (
        f" (data as of {summary.as_of})" if summary.as_of else ""
    )
    message["From"] = sender_address
    message["To"] = to if to else "undisclosed-recipients:;"
    message["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(idstring=report, domain="advocacy-kit.invalid")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    message["X-Advocacy-Kit-Report"] = f"{report}; period={summary.period}"
    message.set_content(_text_body(summary, report_path.name))
    message.add_alternative(page, subtype="html")
    html_part = message.get_payload()[1]
    for cid, chart in cids:
        html_part.add_related(
            chart.png, "image", "png", cid=f"<{cid}>", disposition="inline", filename=f"{chart.name}.png"
        )
    attachment, removed = scrub_report(report_path.read_bytes())
    if removed:
        log.info(
            "removed %d e-mail address(es) or phone number(s) from the attached %s", removed, report_path.name
        )
    message.add_attachment(attachment, maintype="text", subtype="html", filename=report_path.name)
    if contacts and (leaks := find_contacts(message, contacts)):
        raise ContactLeakError(
            f"{', '.join(leaks)} would carry advocates' contact details (e-mail or phone); nothing was "
            "sent. Reports that are e-mailed must not list them."
        )
    return message


def write_eml(message: EmailMessage, path: str | os.PathLike[str]) -> Path:
    """Write the message as an ``.eml`` file (atomically) that any mail client opens."""
    path = Path(path)
    writable_folder(path.parent, named_by="the e-mail file", value=path)
    write_atomically(path, message.as_bytes())
    return path


# ----------------------------------------------------------------------------------------------------------
# Sending


@dataclass(frozen=True)
class SendResult:
    """Who the server accepted the message for, who it refused for good (with its reply), and how many tries."""

    accepted: tuple[str, ...]
    refused: Mapping[str, str]
    attempts: int


class _Transient(Exception):
    """A failure worth retrying; carries the server's reply for the final message."""

    def __init__(self, reply: str, code: int | None = None) -> None:
        super().__init__(reply)
        self.reply, self.code = reply, code


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"


def _connect(settings: MailSettings, password: str | None) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username and password is not None:
            smtp.login(settings.username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _attempt(
    message: EmailMessage,
    settings: MailSettings,
    password: str | None,
    sender: str,
    recipients: Sequence[str],
) -> dict[str, tuple[int, bytes]]:
    """One connection: send from the bare address ``sender`` to ``recipients``; return who was refused.

    Raises _Transient or DeliveryError.
    """
    where = f"{settings.host}:{settings.port}"
    try:
        smtp = _connect(settings, password)
        try:
            refused = smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return dict(refused)
    except smtplib.SMTPRecipientsRefused as error:  # every recipient refused
        replies = {r: _reply(c, m) for r, (c, m) in error.recipients.items()}
        if all(400 <= c < 500 for c, _ in error.recipients.values()):
            raise _Transient("; ".join(replies.values())) from None
        raise DeliveryError(
            f"the mail server {where} refused every recipient: "
            + "; ".join(f"{r}: {m}" for r, m in replies.items()),
            code=next(iter(error.recipients.values()))[0],
            reply="; ".join(replies.values()),
            refused=replies,
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(
            f"the mail server {where} refused the login of {settings.username!r}: "
            f"{_reply(error.smtp_code, error.smtp_error)} (check the password in ${settings.password_env})",
            code=error.smtp_code,
            reply=_reply(error.smtp_code, error.smtp_error),
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(
            f"the mail server {where} does not support {error}; check [email] security (starttls, ssl)"
        ) from None
    except smtplib.SMTPResponseException as error:  # connect, helo, sender, data: all carry a code
        reply = _reply(error.smtp_code, error.smtp_error)
        if 400 <= error.smtp_code < 500:
            raise _Transient(reply, error.smtp_code) from None
        raise DeliveryError(
            f"the mail server {where} refused the message: {reply}", code=error.smtp_code, reply=reply
        ) from None
    except smtplib.SMTPServerDisconnected as error:
        raise _Transient(f"connection closed: {error}") from None
    except ssl.SSLError as error:  # before OSError: it is one, but retrying will not help
        raise DeliveryError(
            f"TLS with {where} failed ({error.reason or error}); check [email] security and port "
            "(starttls is usually 587, ssl 465)"
        ) from None
    except socket.gaierror as error:
        raise DeliveryError(f"the mail server's name {settings.host!r} cannot be resolved: {error}") from None
    except OSError as error:  # refused, reset, timed out, unreachable: the server may come back
        raise _Transient(f"{type(error).__name__}: {error.strerror or error}") from None


def send_message(
    message: EmailMessage,
    settings: MailSettings,
    *,
    password: str | None,
    recipients: Sequence[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send ``message`` to ``recipients`` (default: its To header), retrying transient failures.

    Waits ``retry_wait``, then twice as long each time, for at most ``attempts`` connections. Recipients
    refused with a 4xx are retried too; those refused for good come back in ``SendResult.refused``.
    The envelope, ``SendResult.accepted`` and ``refused`` name each recipient's bare address.
    Raises :class:`DeliveryError` when nobody got the message.
    """
    entries = list(recipients if recipients is not None else _header_addresses(message))
    if not entries:
        raise ConfigError("the message has no recipients")
    # the envelope names the bare address of each entry, checked: never the first of two, nor a name
    pending = list(dict.fromkeys(parse_address(r, "recipient").addr_spec for r in entries))
    sender = parse_address(settings.sender, "[email] from").addr_spec
    accepted: list[str] = []
    refused: dict[str, str] = {}
    last = ""
    for attempt in range(1, settings.attempts + 1):
        if attempt > 1:
            wait = settings.retry_wait * 2 ** (attempt - 2)
            log.warning(
                "attempt %d of %d failed (%s); retrying in %.0f s", attempt - 1, settings.attempts, last, wait
            )
            sleep(wait)
        try:
            rejected = _attempt(message, settings, password, sender, pending)
        except _Transient as error:
            last = error.reply
            continue
        accepted += [r for r in pending if r not in rejected]
        for recipient, (code, text) in rejected.items():
            if 400 <= code < 500:
                last = _reply(code, text)
            else:
                refused[recipient] = _reply(code, text)
        pending = [r for r in pending if r in rejected and r not in refused]
        if not pending:
            break
    else:
        if not accepted:
            raise DeliveryError(
                f"could not deliver through {settings.host}:{settings.port} after {settings.attempts} "
                f"attempts; last failure: {last}",
                reply=last,
            )
        refused.update({r: last for r in pending})
    log.info("sent %s to %s (%d attempt(s))", message["Subject"], ", ".join(accepted), attempt)
    return SendResult(tuple(accepted), refused, attempt)


def _header_addresses(message: EmailMessage) -> list[str]:
    from email.utils import getaddresses

    return [address for _, address in getaddresses(message.get_all("To", [])) if address]
