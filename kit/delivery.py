"""Exactly-once delivery: a small ledger beside the reports of who already received which report.

The ledger (``deliveries.json`` in the reports folder) has one entry per report, period, edition and
recipient (see ``kit.schedule`` for editions). It keys on what a delivery is, not how it was written: the
period's first and last day (``2026-Q4`` and ``2026-10-01..2026-12-31`` are one period), the segment, and
the recipient's bare address in lower case (``cxo@example.com`` and ``Chief Exec <CXO@example.com>`` are
one person). Entries written before the dates were recorded (ledger version 1) still count: they match a
period by its label, as they did then.

Before sending, the recipients who already have this edition are left out; after the server accepts the
message, one entry per accepted recipient is added. So a second run sends nothing, a run that failed
half-way (server down, one address refused) is simply run again and reaches only those still missing, and
``--force`` sends to everyone regardless.

The ledger is written atomically (a temporary file renamed over it) under a file lock, so two runs at once
cannot both send or corrupt it. The one window left is a crash between the server's "250 OK" and the
ledger write, a few milliseconds: the next run would send that edition again, which beats never sending.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from kit.errors import ConfigError, KitError
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.mail import (
    DRY_RUN_SENDER,
    DeliveryError,
    MailSettings,
    bare_address,
    build_message,
    parse_address,
    report_scope,
    report_segment,
    send_message,
    write_eml,
)
from kit.schedule import edition

if TYPE_CHECKING:
    from kit.metrics import ProgramMetrics

log = logging.getLogger(__name__)

LEDGER_NAME = "deliveries.json"
LEDGER_VERSION = 2  # 2: entries carry the period's dates, the segment and the bare address
LOCK_TIMEOUT = 120.0  # seconds to wait for another run that is delivering


class LedgerError(KitError):
    """The delivery ledger cannot be read or locked."""


@dataclass(frozen=True)
class Delivery:
    """One recipient's copy of one edition of a report, as the server accepted it.

    ``period`` and ``recipient`` are as people wrote them; ``start``, ``end``, ``segment`` and ``address``
    are what the ledger keys on (empty in entries written by ledger version 1).
    """

    report: str
    period: str  # '2026-Q4', or '2026-Q4, industry=Insurance'
    edition: str
    recipient: str  # the configured entry: 'cxo@example.com' or 'Chief Exec <cxo@example.com>'
    sent_at: str  # ISO 8601, UTC
    message_id: str
    report_file: str
    forced: bool = False
    start: str = ""  # the period's first day, ISO
    end: str = ""  # the period's last day, ISO
    segment: str = ""  # '' for the whole program
    address: str = ""  # the bare address in lower case

    @property
    def reached(self) -> str:
        """The bare lower-case address this copy went to.

        A version 1 entry holds only the configured text; the SMTP client sent to the first address it
        could read from it (``email.utils.parseaddr``), so that is who has it.
        """
        return self.address or (parseaddr(self.recipient)[1] or self.recipient).strip().lower()


@dataclass(frozen=True)
class Scope:
    """What a report covers, as the ledger keys it: the period's first and last day, and the segment.

    ``label`` ('2026-Q4, industry=Insurance') is for people and for version 1 entries, which have no dates.
    """

    label: str
    start: str = ""
    end: str = ""
    segment: str = ""

    @classmethod
    def of(cls, m: ProgramMetrics) -> Scope:
        """The scope of a report's figures."""
        return cls(report_scope(m), m.period.start.isoformat(), m.period.end.isoformat(), report_segment(m))

    def holds(self, entry: Delivery) -> bool:
        """Whether ``entry`` is a copy of a report of this scope (whatever its edition)."""
        if self.start and entry.start:
            return (entry.start, entry.end, entry.segment) == (self.start, self.end, self.segment)
        return entry.period == self.label


class Ledger:
    """The record of deliveries in ``path`` (``reports/deliveries.json``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @classmethod
    def beside(cls, reports_dir: str | os.PathLike[str]) -> Ledger:
        return cls(Path(reports_dir) / LEDGER_NAME)

    def entries(self) -> list[Delivery]:
        """Every delivery recorded so far (none when the file does not exist yet)."""
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [Delivery(**entry) for entry in data["deliveries"]]
        except (ValueError, KeyError, TypeError) as error:
            raise LedgerError(
                f"{self.path}: the delivery ledger is not readable ({type(error).__name__}: {error}); "
                "fix it, or move it away to send every report again"
            ) from None

    def delivered_to(self, report: str, scope: Scope, edition: str) -> set[str]:
        """The bare addresses (lower case) that already have this edition of this report."""
        return {
            e.reached for e in self.entries() if (e.report, e.edition) == (report, edition) and scope.holds(e)
        }

    def record(self, deliveries: Sequence[Delivery]) -> None:
        """Add ``deliveries`` and rewrite the file atomically (call it holding :meth:`locked`)."""
        if not deliveries:
            return
        entries = self.entries() + list(deliveries)
        payload = {"version": LEDGER_VERSION, "deliveries": [asdict(e) for e in entries]}
        writable_folder(self.path.parent, named_by="the delivery ledger", value=self.path)
        write_atomically(self.path, (json.dumps(payload, indent=1) + "\n").encode("utf-8"))

    @contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT) -> Iterator[Ledger]:
        """Hold the ledger's lock: one delivering run at a time per reports folder."""
        writable_folder(self.path.parent, named_by="the delivery ledger", value=self.path)
        lock = FileLock(str(self.path) + ".lock")
        try:
            with lock.acquire(timeout=timeout):
                yield self
        except Timeout:
            raise LedgerError(
                f"another run has been delivering reports for {timeout:.0f} s ({lock.lock_file} is held); "
                "try again later"
            ) from None


@dataclass(frozen=True)
class Outcome:
    """What a delivery did: who got the report now, who already had it, the .eml written (dry run)."""

    report: str
    period: str
    edition: str
    sent: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    eml: Path | None = None

    def describe(self) -> str:
        """One line for the terminal and the log."""
        name = f"{self.report} {self.period}"
        if self.eml is not None:
            return f"Wrote {self.eml} (dry run: nothing was sent)"
        if self.sent:
            extra = f"; {len(self.already)} already had it" if self.already else ""
            return f"E-mailed {name} ({self.edition}) to {', '.join(self.sent)}{extra}"
        return (
            f"{name} ({self.edition}) was already e-mailed to every recipient; nothing sent (--force resends)"
        )


def send_once(
    message: EmailMessage,
    *,
    report: str,
    scope: Scope,
    edition: str,
    recipients: Sequence[str],
    settings: MailSettings,
    password: str | None,
    ledger: Ledger,
    force: bool = False,
    report_file: str = "",
    sleep: Callable[[float], None] = time.sleep,
    now: dt.datetime | None = None,
) -> Outcome:
    """Send ``message`` to the ``recipients`` who do not have this edition yet, and record who got it.

    Raises :class:`~kit.mail.DeliveryError` when the server refuses (the ledger then holds exactly the
    recipients it accepted, so a re-run reaches only the others).
    """
    period = scope.label
    by_address: dict[str, str] = {}  # one entry per person: the first that names the address
    for recipient in recipients:
        by_address.setdefault(bare_address(recipient), recipient)
    with ledger.locked():
        done = set() if force else ledger.delivered_to(report, scope, edition)
        pending = [r for a, r in by_address.items() if a not in done]
        already = tuple(r for a, r in by_address.items() if a in done)
        if not pending:
            outcome = Outcome(report, period, edition, already=already)
            log.info(outcome.describe())
            return outcome
        del message["To"]
        message["To"] = [parse_address(r, f"[email.recipients] {report}") for r in pending]
        result = send_message(message, settings, password=password, recipients=pending, sleep=sleep)
        reached = {a.lower() for a in result.accepted}
        sent = tuple(r for r in pending if bare_address(r) in reached)
        stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        message_id = str(message["Message-ID"])
        ledger.record(
            [
                Delivery(
                    *(report, period, edition, r, stamp, message_id, report_file, force),
                    start=scope.start,
                    end=scope.end,
                    segment=scope.segment,
                    address=bare_address(r),
                )
                for r in sent
            ]
        )
    outcome = Outcome(report, period, edition, sent=sent, already=already)
    log.info(outcome.describe())
    if result.refused:
        refused = "; ".join(f"{r}: {reply}" for r, reply in result.refused.items())
        raise DeliveryError(
            f"{report} {period} was sent to {', '.join(sent)}, but the server refused {refused}",
            code=None,
            reply=refused,
            refused=result.refused,
        )
    return outcome


def deliver_report(
    report: str,
    html_path: str | os.PathLike[str],
    metrics: ProgramMetrics,
    *,
    settings: MailSettings | None,
    ledger: Ledger,
    password: str | None = None,
    cadence: str | None = None,
    contacts: Collection[str] = (),
    dry_run: bool = False,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """E-mail one rendered report, once per edition; or, with ``dry_run``, write its ``.eml`` beside it.

    Args:
        html_path: the rendered report (``reports/<report>_<period>.html``); it is attached, and the
            ``.eml`` of a dry run goes beside it with the same name.
        metrics: the figures of the report's period (``RenderedReport.metrics``).
        settings: the ``[email]`` config; may be None for a dry run only.
        cadence: ``[schedule] cadence``, which decides the edition of a period still running.
        contacts: advocate contact details that must not appear (``kit.mail.contacts_from_program``).
    """
    html_path = Path(html_path)
    scope = Scope.of(metrics)  # a segment's report is a report of its own
    this_edition = edition(metrics.period.end, metrics.as_of, cadence)
    if settings is None and not dry_run:
        raise ConfigError(
            "the config has no [email] section; see docs/email-and-scheduling.md, or use --dry-run"
        )
    recipients = settings.recipients_for(report) if settings is not None and not dry_run else ()
    if settings is not None and dry_run:
        recipients = settings.recipients.get(report, ())
    sender = settings.sender if settings is not None else DRY_RUN_SENDER
    message = build_message(
        metrics,
        report=report,
        report_path=html_path,
        sender=sender,
        recipients=recipients,
        contacts=contacts,
    )
    if dry_run:
        eml = write_eml(message, html_path.with_suffix(".eml"))
        outcome = Outcome(report, scope.label, this_edition, eml=eml)
        log.info(outcome.describe())
        return outcome
    assert settings is not None
    return send_once(
        message,
        report=report,
        scope=scope,
        edition=this_edition,
        recipients=recipients,
        settings=settings,
        password=password,
        ledger=ledger,
        force=force,
        report_file=html_path.name,
        sleep=sleep,
    )
