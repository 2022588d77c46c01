"""The messages a request's moves send: the account owner's approval ask, the advocate's ask, the requester's news.

A move of a request (``kit.requests_life``) returns a ``Transition``; :func:`messages_for` turns it, with the
program as read before the move, into the messages that move owes people:

============  ===================================================================
assign        the account owner's approval ask (→ Owner Approval), or the advocate's ask (→ Advocate
              Asked); and the requester hears an advocate is proposed (*assigned*)
approve       the advocate's ask; the requester hears the owner *approved*
reject        the requester hears it was *declined* by the owner, with the reason
decline       the requester hears the advocate *declined*, with the reason if given
schedule      the requester hears the date (*scheduled*)
complete      the requester hears it is *completed*
============  ===================================================================

Accept and cancel send nothing (the requester hears the date next; a cancellation is the program's own).

The words are Jinja2 templates in ``kit/mail/templates/requests/`` (plain text and simple HTML, the HTML
autoescaped); a folder named by the config's ``message_templates`` overrides any of them by file name. The
first ``{% set subject %}`` of each ``.txt`` is the subject.

What a message says of the prospect is the request's own cells (industry, size, product, use case, region),
never the prospect's name nor any customer's contact details; the advocate's own address appears only on the
message addressed to them (its To header). :func:`build_email` checks every part of every message for the
program's contact details (``kit.mail.redact``) before anything is written or sent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit import schema
from kit.cells import as_text, parse_date
from kit.mail.redact import ContactLeakError, clean, find_contacts
from kit.mail.settings import parse_address
from kit.mail.templating import environment, rendered, text_and_html_email

if TYPE_CHECKING:
    from kit.program import Program
    from kit.requests_life import Transition

A, R = schema.ADVOCATES.col, schema.REQUESTS.col
OWNER_APPROVAL_DAYS_SETTING = "owner_approval_days"
ADVOCATE_REPLY_DAYS = 5  # the advocate is asked to answer within this many days (the digest's wait too)
LEDGER_REPORT = "request-message"  # the delivery ledger's "report" for these messages

OWNER, ADVOCATE, REQUESTER = "owner", "advocate", "requester"


@dataclass(frozen=True)
class Message:
    """One message a move owes one person: whom (``recipient``, a bare address), in what role, and the words.

    ``key`` is what makes it one delivery in the ledger, with the request and the recipient: where the move
    went (the status, the advocate, the date set) and the kind. A date moved is a new message; a move made
    again to the same place (the same date set twice, the same advocate assigned again) is not sent twice.
    """

    request_id: str
    action: str
    kind: str  # the template's name: owner_ask, advocate_ask, requester_assigned …
    role: str  # owner | advocate | requester
    recipient: str
    subject: str
    text: str
    html: str
    key: str
    moment: str  # when the move was made, 20261202T093000Z

    @property
    def file_name(self) -> str:
        """The outbox file: the moment of the move, request and kind, so a later move never overwrites it."""
        return f"{self.moment}_{self.request_id}_{self.kind}.eml"


def day_text(day: dt.date | None) -> str:
    """'Friday 4 December 2026' (no leading zero, no locale), or '' for no day."""
    return f"{day:%A} {day.day} {day:%B %Y}" if day else ""


def an_activity(activity: str | None) -> str:
    """'a reference call', 'an analyst briefing', 'an RFP reference' (the reports' nouns)."""
    from kit.metrics.text import activity_nouns, with_article

    text = as_text(activity)
    return with_article(activity_nouns(text)[0] if text else "activity")


def _request_cells(program: Program, request_id: str) -> Mapping[str, Any]:
    requests = program.requests
    found = requests[requests[R.request_id].map(as_text) == request_id]
    return found.iloc[0] if len(found) else {}


def _advocate_cells(program: Program, advocate_id: str | None) -> Mapping[str, Any]:
    if not advocate_id:
        return {}
    roster = program.advocates
    found = roster[roster[A.advocate_id].map(as_text) == advocate_id]
    return found.iloc[0] if len(found) else {}


def _context(
    transition: Transition, program: Program, *, reply_to: str, contacts: Collection[str]
) -> dict[str, Any]:
    """What the templates may say: the request's cells (cleaned of any contact), the advocate's name."""
    from kit.sla import due_dates

    def text(value: Any) -> str:
        return clean(value, contacts, limit=120)

    cells = _request_cells(program, transition.request_id)
    advocate = _advocate_cells(program, transition.advocate_id)
    name = text(advocate.get(A.name)) or "the advocate"
    needed_by = parse_date(cells.get(R.needed_by)) if len(cells) else None
    sla_due = None
    if len(cells):
        requests = program.requests
        sla_due = due_dates(requests.loc[[cells.name]], program.settings).iloc[0]
    due = min((d for d in (needed_by, sla_due) if d), default=None)
    today = transition.at.date()
    owner_days = program.settings.integer(OWNER_APPROVAL_DAYS_SETTING)
    reply_days = owner_days if transition.to_status == schema.OWNER_APPROVAL_STATUS else ADVOCATE_REPLY_DAYS
    reply_by = today + dt.timedelta(days=max(1, reply_days))
    if due is not None and today < due < reply_by:
        reply_by = due  # the activity is needed sooner than the usual answer
    facts = [
        ("Activity", an_activity(transition.activity)[2:].lstrip() if transition.activity else ""),
        ("Prospect's industry", text(cells.get(R.industry))),
        ("Prospect's size", text(cells.get(R.company_size))),
        ("Product", text(cells.get(R.product))),
        ("Use case", text(cells.get(R.use_case))),
        ("Region", text(cells.get(R.region))),
        ("Asked for by", f"the {text(cells.get(R.team))} team" if text(cells.get(R.team)) else ""),
        ("Needed by", day_text(due)),
    ]
    return {
        "request_id": transition.request_id,
        "activity": an_activity(transition.activity).split(" ", 1)[1],
        "an_activity": an_activity(transition.activity),
        "advocate_name": name,
        "advocate_first_name": name.split()[0] if advocate.get(A.name) else "there",
        "advocate_company": text(advocate.get(A.company)),
        "facts": [(label, value) for label, value in facts if value],
        "needed_by": day_text(due),
        "reply_to": reply_to,
        "reply_by": day_text(reply_by),
        "waiting_on_owner": transition.to_status == schema.OWNER_APPROVAL_STATUS,
        "by_owner": transition.action == "reject",
        "reason": text(transition.note),
        "on": day_text(transition.on),
    }


KINDS = (
    "owner_ask",
    "advocate_ask",
    "requester_assigned",
    "requester_approved",
    "requester_declined",
    "requester_scheduled",
    "requester_completed",
)
# Every name a template may use, with a value of its type: rendering each template with these before a move
# is written finds a misspelt name in an overriding template while nothing has been written yet.
_SAMPLE = {
    "request_id": "REQ-000000",
    "activity": "reference call",
    "an_activity": "a reference call",
    "advocate_name": "Sample Advocate",
    "advocate_first_name": "Sample",
    "advocate_company": "Sample Company",
    "facts": [("Activity", "reference call")],
    "needed_by": "Monday 1 January 2026",
    "reply_to": "advocacy@example.com",
    "reply_by": "Monday 1 January 2026",
    "waiting_on_owner": True,
    "by_owner": True,
    "reason": "a reason",
    "on": "Monday 1 January 2026",
}


def check_templates(templates: str | os.PathLike[str] | None = None) -> None:
    """Render every request message once with sample values: ConfigError (naming the file) for one that
    cannot be, so a broken overriding template stops the move before it is written."""
    env = environment(templates)
    for kind in KINDS:
        for context in (_SAMPLE, {**_SAMPLE, "waiting_on_owner": False, "by_owner": False, "reason": ""}):
            rendered(env, f"requests/{kind}.txt", context, module=True)
            rendered(env, f"requests/{kind}.html", context)


def _kinds(transition: Transition) -> list[tuple[str, str, str | None]]:
    """(kind, role, address) of each message the move owes."""
    t = transition
    if t.action == "assign":
        ask = (
            ("owner_ask", OWNER, t.owner_email)
            if t.to_status == schema.OWNER_APPROVAL_STATUS
            else ("advocate_ask", ADVOCATE, t.advocate_email)
        )
        return [ask, ("requester_assigned", REQUESTER, t.requester_email)]
    if t.action == "approve":
        return [
            ("advocate_ask", ADVOCATE, t.advocate_email),
            ("requester_approved", REQUESTER, t.requester_email),
        ]
    if t.action in ("reject", "decline"):
        return [("requester_declined", REQUESTER, t.requester_email)]
    if t.action == "schedule":
        return [("requester_scheduled", REQUESTER, t.requester_email)]
    if t.action == "complete":
        return [("requester_completed", REQUESTER, t.requester_email)]
    return []  # accept, cancel


@dataclass(frozen=True)
class Plan:
    """The messages of one move, and the people it concerns who have no address to write to."""

    messages: tuple[Message, ...]
    unreachable: tuple[str, ...] = ()  # 'the requester (Requests has no requester_email)'


def messages_for(
    transition: Transition,
    program: Program,
    *,
    reply_to: str,
    contacts: Collection[str] = (),
    templates: str | os.PathLike[str] | None = None,
) -> Plan:
    """The messages ``transition`` owes people, rendered; ``program`` is the program as read for the move.

    Args:
        reply_to: where people answer (``[email] reply_to``, else ``from``).
        contacts: the program's contact details (``kit.mail.contacts_from_program``), cleaned out of any cell
            a message shows.
        templates: a folder whose templates override the kit's own, by file name.
    """
    env = environment(templates)
    context = _context(transition, program, reply_to=bare_or_blank(reply_to), contacts=contacts)
    moment = (
        transition.at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        if transition.at.tzinfo
        else (transition.at.strftime("%Y%m%dT%H%M%S"))
    )
    messages, unreachable = [], []
    for kind, role, address in _kinds(transition):
        address = as_text(address)
        if not address:
            column = {OWNER: "owner_email", ADVOCATE: "email", REQUESTER: "requester_email"}[role]
            unreachable.append(f"the {role} ({kind}: no {column})")
            continue
        text_module = rendered(env, f"requests/{kind}.txt", context, module=True)
        subject = (
            " ".join(str(getattr(text_module, "subject", "")).split()) or f"Request {transition.request_id}"
        )
        html = rendered(env, f"requests/{kind}.html", context)
        key = " ".join(
            (
                transition.to_status,
                transition.advocate_id or "-",
                transition.on.isoformat() if transition.on else "-",
                kind,
            )
        )
        messages.append(
            Message(
                request_id=transition.request_id,
                action=transition.action,
                kind=kind,
                role=role,
                recipient=parse_address(address, f"{role} of {transition.request_id}").addr_spec,
                subject=subject,
                text=str(text_module).lstrip("\n"),
                html=html,
                key=key,
                moment=moment,
            )
        )
    return Plan(tuple(messages), tuple(unreachable))


def bare_or_blank(address: str) -> str:
    """The bare address of ``Name <a@b.c>`` (what a template shows as the reply address)."""
    return parse_address(address, "[email] reply_to").addr_spec if address else ""


def build_email(
    message: Message,
    *,
    sender: str,
    reply_to: str,
    contacts: Collection[str],
    now: dt.datetime | None = None,
) -> EmailMessage:
    """The message as an e-mail (plain text with an HTML alternative), refused when any part carries a contact
    detail of the program other than the recipient's own address."""
    email = text_and_html_email(
        subject=message.subject,
        sender=sender,
        to=message.recipient,
        text=message.text,
        html=message.html,
        headers={
            **({"Reply-To": reply_to} if reply_to else {}),
            "X-Advocacy-Kit-Request": f"{message.request_id} {message.kind}",
        },
        now=now,
    )
    others = {c for c in contacts if c != message.recipient.lower()}
    leaks = find_contacts(email, others)
    if leaks:
        raise ContactLeakError(
            f"{message.request_id}: the {message.kind} message to the {message.role} would carry another "
            f"person's contact details ({', '.join(leaks)}); nothing was sent. Check the message templates."
        )
    return email


def deliver(
    plan: Plan,
    *,
    sender: str,
    reply_to: str,
    contacts: Collection[str],
    outbox: str | os.PathLike[str] | None = None,
    settings: Any = None,
    password: str | None = None,
    ledger: Any = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Write each message of ``plan`` to ``outbox`` as an ``.eml`` (a dry run), or, given ``settings`` and
    ``ledger``, send it once per (request, move, recipient) with the report e-mail's retries.

    Says one line per message through ``echo``. Every message is tried; a refusal raises the first
    :class:`~kit.mail.DeliveryError` afterwards (exit 4), those sent meanwhile being in the ledger.
    """
    import time

    from kit.delivery import Scope, send_once
    from kit.mail.compose import write_eml
    from kit.mail.smtp import DeliveryError

    emails = [(m, build_email(m, sender=sender, reply_to=reply_to, contacts=contacts)) for m in plan.messages]
    failures: list[DeliveryError] = []
    for message, email in emails:
        who = f"the {message.role} ({message.recipient})"
        if settings is None:
            path = write_eml(email, Path(outbox or "outbox") / message.file_name)
            echo(f"  Wrote {path} for {who} (dry run: nothing was sent)")
            continue
        try:
            outcome = send_once(
                email,
                report=LEDGER_REPORT,
                scope=Scope(label=message.request_id),
                edition=message.key,
                recipients=[message.recipient],
                settings=settings,
                password=password,
                ledger=ledger,
                report_file=message.kind,
                sleep=sleep or time.sleep,
            )
        except DeliveryError as error:
            echo(f"  Not e-mailed to {who}: {error}")
            failures.append(error)
            continue
        if outcome.sent:
            echo(f"  E-mailed {who}: {message.subject}")
        else:
            echo(f"  {who.capitalize()} already has this message; nothing sent")
    for gap in plan.unreachable:
        echo(f"  No message to {gap}")
    if failures:
        error = failures[0]
        raise DeliveryError(
            f"{plan.messages[0].request_id}: the move was written, but {len(failures)} message(s) were not "
            f"sent ({error}); `advocacy-kit request notify {plan.messages[0].request_id} --email` sends the rest",
            code=error.code,
            reply=error.reply,
            refused=error.refused,
        )


Messenger = Callable[..., None]  # (transition, program, echo=None)


def messenger(
    config: Any, *, email: bool, environ: Mapping[str, str], echo: Callable[[str], None] = print
) -> Messenger:
    """What sends (``email``) or writes to the config's outbox (a dry run) the messages each move owes
    people: ``messenger(config, …)(transition, program_as_read_before_the_move)``. The command line and the
    finder's Assign button both use it. The ``[email]`` settings, the password and an overriding template
    are checked here, so a broken one stops the move before it is written. Says one line per message
    through ``echo``, or through the one a call passes."""
    from kit.delivery import Ledger
    from kit.mail import DRY_RUN_SENDER, contacts_from_program, settings_from_config

    section = config.section("email")
    settings = settings_from_config(section) if (section or email) else None
    password = settings.password(environ) if settings is not None and email else None
    sender = settings.sender if settings is not None else DRY_RUN_SENDER
    reply_to = str(parse_address(section.get("reply_to") or sender, "[email] reply_to"))
    check_templates(config.message_templates)

    def deliver_messages(
        transition: Transition, program: Program, echo_to: Callable[[str], None] | None = None
    ) -> None:
        contacts = contacts_from_program(program)
        plan = messages_for(
            transition, program, reply_to=reply_to, contacts=contacts, templates=config.message_templates
        )
        deliver(
            plan,
            sender=sender,
            reply_to=reply_to,
            contacts=contacts,
            outbox=config.outbox,
            settings=settings if email else None,
            password=password,
            ledger=Ledger.beside(config.reports_dir) if email else None,
            echo=echo_to or echo,
        )

    return deliver_messages


# What each move leaves on the History tab, read back: (from, to) → the move; None = any status before.
_MOVES = {
    (schema.OWNER_APPROVAL_STATUS, schema.ADVOCATE_ASKED_STATUS): "approve",
    (schema.OWNER_APPROVAL_STATUS, schema.NEW_STATUS): "reject",
    (schema.ADVOCATE_ASKED_STATUS, schema.NEW_STATUS): "decline",
    (None, schema.OWNER_APPROVAL_STATUS): "assign",
    (None, schema.ADVOCATE_ASKED_STATUS): "assign",
    (None, schema.ACCEPTED_STATUS): "accept",
    (None, schema.SCHEDULED_STATUS): "schedule",
    (None, schema.COMPLETED_STATUS): "complete",
    (None, schema.CANCELLED_STATUS): "cancel",
}


def last_move(program: Program, request_id: str) -> Transition:
    """The request's last move as the History tab recorded it, with who it concerns as the sheet says now:
    what ``request notify`` sends the messages of again (the ledger skips those already sent)."""
    import re

    from kit.errors import InputError
    from kit.requests_life import Transition

    H = schema.HISTORY.col
    request_id = as_text(request_id)
    history = program[schema.HISTORY]
    rows = history[history[H.request_id].map(as_text) == request_id] if not history.empty else history
    if rows.empty:
        raise InputError(f"{request_id}: no move on the {schema.HISTORY.name} tab; nothing to send")
    cells = _request_cells(program, request_id)
    last = rows.iloc[-1]  # appended in order: the last row is the last move
    before, after = as_text(last[H.from_status]), as_text(last[H.to_status])
    action = _MOVES.get((before, after)) or _MOVES.get((None, after), "")
    advocate_id = as_text(last[H.advocate_id]) or None
    advocate = _advocate_cells(program, advocate_id)
    note = as_text(last[H.note])
    found = re.match(r"(?:schedule|complete) on (\d{4}-\d{2}-\d{2})(?:; )?", note)
    on = dt.date.fromisoformat(found.group(1)) if found else None
    import pandas as pd

    at = pd.to_datetime(as_text(last[H.at]), utc=True, errors="coerce")
    if pd.isna(at):
        raise InputError(f"{request_id}: the {schema.HISTORY.name} tab's last move has no readable `at`")
    at = at.to_pydatetime()
    return Transition(
        request_id=request_id,
        action=action,
        from_status=before,
        to_status=after,
        by=as_text(last[H.by]),
        at=at,
        requester_email=as_text(cells.get(R.requester_email)) or None,
        advocate_id=advocate_id,
        advocate_email=as_text(advocate.get(A.email)) or None,
        owner_email=as_text(advocate.get(A.owner_email)) or None,
        activity=as_text(cells.get(R.activity)) or None,
        on=on,
        note=note[found.end() :] if found else note,
    )
