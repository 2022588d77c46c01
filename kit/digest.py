"""The program manager's daily digest: the morning's work-list, short enough to read before the first call.

On ``as_of`` it lists

- open requests past their SLA, and those due soon (``kit.sla``: within the Settings tab's ``due_soon_hours``,
  72 by default);
- requests waiting on an account owner (Owner Approval) for more than the Settings tab's
  ``owner_approval_days`` (2 by default), and on an advocate (Advocate Asked) for more than
  ``ADVOCATE_WAIT_DAYS`` (5): counted from the request's last move into that status on the History tab, or from
  ``requested_on`` when the History tab has no such move (a status typed into the sheet by hand);
- nominations waiting for a decision for more than ``NOMINATION_WAIT_DAYS`` (7);
- profiles to re-verify and advocates over their quarterly cap (``kit.health``, which the health command and
  the reports read too).

A list with nothing in it is left out; a day with nothing at all sends nothing. Each list shows its most
urgent ``MAX_LINES`` entries and says how many more there are. The words are the templates
``kit/mail/templates/digest.txt`` and ``digest.html``, overridable like the request messages'.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit import schema
from kit.cells import as_text
from kit.health import DAYS_SINCE_VERIFIED, DAYS_WAITING, ROW, Health
from kit.health import health as health_of
from kit.mail.request_messages import ADVOCATE_REPLY_DAYS as ADVOCATE_WAIT_DAYS
from kit.mail.request_messages import OWNER_APPROVAL_DAYS_SETTING
from kit.sla import DUE_SOON_SETTING, SLA_DUE
from kit.usage import CAP, USES

if TYPE_CHECKING:
    from kit.mail import MailSettings
    from kit.program import Program

R, H, A, N = schema.REQUESTS.col, schema.HISTORY.col, schema.ADVOCATES.col, schema.NOMINATIONS.col

NOMINATION_WAIT_DAYS = 7
MAX_LINES = 10  # entries shown per list; the rest are counted
REPORT = "digest"  # the name in [email.recipients] and in the delivery ledger
SINCE = "waiting_since"


@dataclass(frozen=True)
class Section:
    """One list of the digest: a title, its entries as lines of text, and how many entries it has in all."""

    key: str
    title: str
    lines: tuple[str, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


@dataclass(frozen=True)
class Digest:
    """The work-list on ``as_of``: every list in full (frames carry ``row``, the sheet row to open)."""

    as_of: dt.date
    past_sla: pd.DataFrame
    due_soon: pd.DataFrame
    waiting_on_owner: (
        pd.DataFrame
    )  # request_id, row, team, activity, advocate_id, waiting_since, days_waiting
    waiting_on_advocate: pd.DataFrame
    nominations: pd.DataFrame  # kit.health's waiting nominations, waiting more than NOMINATION_WAIT_DAYS
    reverify: pd.DataFrame  # kit.health's profiles to re-verify
    over_cap: pd.DataFrame  # kit.health's resting advocates, only those over (not at) their cap
    owner_days: int
    due_soon_hours: int = 72

    @property
    def empty(self) -> bool:
        return all(len(frame) == 0 for frame in self.frames().values())

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "past_sla": self.past_sla,
            "due_soon": self.due_soon,
            "waiting_on_owner": self.waiting_on_owner,
            "waiting_on_advocate": self.waiting_on_advocate,
            "nominations": self.nominations,
            "reverify": self.reverify,
            "over_cap": self.over_cap,
        }

    def counts(self) -> dict[str, int]:
        return {key: len(frame) for key, frame in self.frames().items()}

    def sections(self, limit: int = MAX_LINES) -> list[Section]:
        """The lists that have something in them, in the order a morning takes them."""
        titles = {
            "past_sla": "Past their SLA",
            "due_soon": f"Due within {self.due_soon_hours} hours",
            "waiting_on_owner": f"Waiting on an account owner for more than {_days(self.owner_days)}",
            "waiting_on_advocate": f"Waiting on an advocate for more than {_days(ADVOCATE_WAIT_DAYS)}",
            "nominations": f"Nominations waiting for a decision for more than {_days(NOMINATION_WAIT_DAYS)}",
            "reverify": "Profiles to re-verify",
            "over_cap": "Advocates over their quarterly cap",
        }
        line_of = {
            "past_sla": self._request_line,
            "due_soon": self._request_line,
            "waiting_on_owner": self._waiting_line,
            "waiting_on_advocate": self._waiting_line,
            "nominations": _nomination_line,
            "reverify": _reverify_line,
            "over_cap": _over_cap_line,
        }
        found = []
        for key, frame in self.frames().items():
            if len(frame):
                lines = tuple(line_of[key](rec) for rec in frame.head(limit).to_dict("records"))
                found.append(Section(key, titles[key], lines, len(frame)))
        return found

    def subject(self) -> str:
        """'Work-list for Wednesday 2 December: 3 past SLA, 2 due soon, 4 more to look at'."""
        counts = self.counts()
        parts = []
        if counts["past_sla"]:
            parts.append(f"{counts['past_sla']} past SLA")
        if counts["due_soon"]:
            parts.append(f"{counts['due_soon']} due soon")
        rest = sum(counts.values()) - counts["past_sla"] - counts["due_soon"]
        if rest:
            parts.append(f"{rest} {'more ' if parts else ''}to look at")
        day = self.as_of
        return f"Advocacy work-list for {day:%A} {day.day} {day:%B}: {', '.join(parts)}"

    def _request_line(self, rec: dict[str, Any]) -> str:
        advocate = as_text(rec[R.advocate_id]) or "no advocate yet"
        due = rec[SLA_DUE]
        when = _days_phrase(due, self.as_of) if isinstance(due, dt.date) else "no SLA date"
        return (
            f"{rec[R.request_id]}: {as_text(rec[R.team])} {_activity(rec[R.activity])}, "
            f"{as_text(rec[R.status])}, {advocate}; SLA due {_day(due)} ({when}) · row {rec[ROW]}"
        )

    def _waiting_line(self, rec: dict[str, Any]) -> str:
        return (
            f"{rec[R.request_id]}: {as_text(rec[R.team])} {_activity(rec[R.activity])}, "
            f"{as_text(rec[R.advocate_id]) or 'no advocate'}; waiting {rec[DAYS_WAITING]} days, since "
            f"{_day(rec[SINCE])} · row {rec[ROW]}"
        )


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _activity(value: Any) -> str:
    """'reference call', 'RFP reference': the reports' nouns."""
    from kit.metrics.text import activity_nouns

    return activity_nouns(as_text(value))[0] if as_text(value) else "request"


def _day(value: Any) -> str:
    return f"{value:%a} {value.day} {value:%b}" if isinstance(value, dt.date) else "—"


def _days_phrase(day: dt.date, as_of: dt.date) -> str:
    days = (day - as_of).days
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} ago"
    return f"in {days} day{'s' if days != 1 else ''}"


def _nomination_line(rec: dict[str, Any]) -> str:
    return (
        f"{rec[N.nomination_id]}: {as_text(rec[N.contact_name])} ({as_text(rec[N.company])}), waiting "
        f"{rec[DAYS_WAITING]} days · row {rec[ROW]}"
    )


def _reverify_line(rec: dict[str, Any]) -> str:
    days = rec[DAYS_SINCE_VERIFIED]
    since = "never verified" if days is None or days is pd.NA else f"verified {days} days ago"
    return (
        f"{rec[A.advocate_id]}: {as_text(rec[A.name])} ({as_text(rec[A.company])}), {since} · row {rec[ROW]}"
    )


def _over_cap_line(rec: dict[str, Any]) -> str:
    return (
        f"{rec[A.advocate_id]}: {as_text(rec[A.name])} ({as_text(rec[A.company])}), {rec[USES]} this quarter "
        f"against a cap of {rec[CAP]} · row {rec[ROW]}"
    )


def _moved_into(program: Program, status: str) -> pd.Series:
    """The day of each request's last move into ``status`` on the History tab, by request id."""
    history = program[schema.HISTORY]
    if history.empty:
        return pd.Series(dtype=object)
    moves = history[history[H.to_status] == status]
    at = pd.to_datetime(moves[H.at].map(as_text), errors="coerce", utc=True)
    days = pd.Series(at.dt.date.to_numpy(), index=moves[H.request_id].map(as_text).to_numpy())
    days = days[at.notna().to_numpy()]
    return days.groupby(level=0).max()


def _waiting(program: Program, status: str, as_of: dt.date, more_than: int) -> pd.DataFrame:
    """Requests in ``status`` since more than ``more_than`` days before ``as_of``, longest waiting first."""
    requests = program.requests
    waiting = requests[requests[R.status] == status]
    ids = waiting[R.request_id].map(as_text)
    since = ids.map(_moved_into(program, status))
    logged = waiting[R.requested_on].map(lambda v: v.date() if isinstance(v, pd.Timestamp) else None)
    since = since.where(since.notna(), logged)
    days = since.map(lambda d: (as_of - d).days if isinstance(d, dt.date) else None)
    frame = pd.DataFrame(
        {
            ROW: waiting.index.astype("int64"),
            R.request_id: ids,
            R.team: waiting[R.team],
            R.activity: waiting[R.activity],
            R.advocate_id: waiting[R.advocate_id],
            SINCE: since,
            DAYS_WAITING: days,
        },
        index=waiting.index,
    )
    keep = frame[DAYS_WAITING].map(lambda d: d is not None and d > more_than).astype(bool)
    frame = frame.loc[keep]
    order = frame[DAYS_WAITING].astype("int64").sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def digest(
    program: Program, findings: pd.DataFrame, *, as_of: dt.date, health: Health | None = None
) -> Digest:
    """The work-list of ``program`` on ``as_of``; ``findings`` is ``validate(program, as_of=…)`` (for the
    nominations' notes, as the health command reads it)."""
    report = health if health is not None else health_of(program, findings, as_of=as_of)
    owner_days = program.settings.integer(OWNER_APPROVAL_DAYS_SETTING)
    nominations = report.waiting_nominations
    waited = nominations[DAYS_WAITING]
    nominations = nominations[waited.notna() & (waited.fillna(0) > NOMINATION_WAIT_DAYS)]
    resting = report.resting
    return Digest(
        as_of=as_of,
        past_sla=report.past_sla.reset_index(drop=True),
        due_soon=report.due_soon.reset_index(drop=True),
        waiting_on_owner=_waiting(program, schema.OWNER_APPROVAL_STATUS, as_of, owner_days),
        waiting_on_advocate=_waiting(program, schema.ADVOCATE_ASKED_STATUS, as_of, ADVOCATE_WAIT_DAYS),
        nominations=nominations.reset_index(drop=True),
        reverify=report.reverify,
        over_cap=resting[resting[USES] > resting[CAP]].reset_index(drop=True),
        owner_days=owner_days,
        due_soon_hours=program.settings.integer(DUE_SOON_SETTING),
    )


# ------------------------------------------------------------------------------------------------------------
# As text and e-mail


def render(
    work: Digest, *, contacts: Collection[str] = (), templates: str | os.PathLike[str] | None = None
) -> tuple[str, str]:
    """The digest as plain text and as HTML (every value cleaned of contact details)."""
    from kit.mail.redact import clean
    from kit.mail.templating import environment, rendered

    sections = [
        {
            "title": s.title,
            "lines": [clean(line, contacts, limit=400) for line in s.lines],
            "total": s.total,
            "more": s.more,
            "key": s.key,
        }
        for s in work.sections()
    ]
    day = work.as_of
    context = {
        "day": f"{day:%A} {day.day} {day:%B %Y}",
        "as_of": day.isoformat(),
        "subject": work.subject(),
        "sections": sections,
    }
    env = environment(templates)
    return rendered(env, "digest.txt", context), rendered(env, "digest.html", context)


def recipients(settings: MailSettings) -> tuple[str, ...]:
    """``[email.recipients] digest``, else the goal-tracking report's (the program manager's)."""
    return settings.recipients.get(REPORT) or settings.recipients_for("goal-tracking")


def build_email(
    work: Digest,
    *,
    sender: str,
    to: Sequence[str],
    contacts: Collection[str] = (),
    templates: str | os.PathLike[str] | None = None,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """The digest as one e-mail: plain text with an HTML alternative, checked for contact details."""
    from kit.mail.redact import ContactLeakError, find_contacts
    from kit.mail.templating import text_and_html_email

    text, html = render(work, contacts=contacts, templates=templates)
    message = text_and_html_email(
        subject=work.subject(), sender=sender, to=list(to), text=text, html=html, now=now
    )
    leaks = find_contacts(message, contacts)
    if leaks:
        raise ContactLeakError(f"the digest would carry an advocate's contact details ({', '.join(leaks)})")
    return message
