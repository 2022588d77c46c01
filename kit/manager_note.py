"""The monthly note to each people manager: how their own team used the advocacy program, in five parts.

A *manager* is a person the People tab names as someone's ``manager_email`` (and who is on the People tab,
not Left). Their *team* is their direct reports on the People tab. For the period (by default the month just
ended) the note says

- **use**: of their reports who closed a deal in the period, how many made a request in the period or the one
  before (the adoption figures' 'sellers using the program', ``kit.metrics.adoption``), beside the whole
  program's share;
- **wins**: their reports' won deals in the period that an advocate influenced, biggest first, with what the
  advocates did and for which customer company: a story to retell at the team meeting;
- **new starters**: their reports who started in the last 180 days, and the days to their first request (or
  none yet);
- **not using it yet**: the coaching list's entries for their reports (deals closed, no request), each with the
  open deals they still own, where a reference could help next;
- **one ask**: the first that applies of: coach the seller with most at stake; help the new starter without a
  first request; the team's side of its agreement that is behind; nominate a customer; else thank the team
  (and retell a win).

The note names colleagues (the People tab) and customer companies, never an advocate's name, e-mail or phone:
every value is cleaned (``kit.mail.redact.clean``) and the message is searched for the program's contact
details before it is written or sent. The words are the templates ``manager_note.txt`` and
``manager_note.html`` in ``kit/mail/templates/``, overridable like the digest's. Each manager receives one note
per period: the delivery ledger keys on the report ``manager-note``, the period and the manager's address.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit import schema
from kit.formatting import money, percent
from kit.metrics.adoption import email_key, owner_keys, people_frame
from kit.metrics.definitions import activity_opportunity, closed_mask

if TYPE_CHECKING:
    from kit.metrics import ProgramMetrics
    from kit.program import Program

P, O, X, A = schema.PEOPLE.col, schema.OPPORTUNITIES.col, schema.ACTIVITIES.col, schema.ADVOCATES.col
REPORT = "manager-note"  # the name in the delivery ledger
EDITION = "monthly"  # one edition per period: a second run in the period sends nothing
DEFAULT_PERIOD = "last-month"
MAX_LINES = 5  # entries shown per list; the rest are counted
LEFT = "Left"
_SLUG = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class Win:
    """A won deal of the team that an advocate influenced: who closed it, where, and what the advocates did."""

    seller: str
    account: str
    amount: float | None
    close_date: dt.date
    activities: tuple[str, ...]  # activity keys, in the order done ('reference_call', 'case_study')
    companies: tuple[str, ...]  # the advocates' companies, never their names or contacts


@dataclass(frozen=True)
class Starter:
    """A new starter on the team and their first request (None: none yet)."""

    name: str
    started_on: dt.date
    first_request_on: dt.date | None
    days_to_first_request: int | None


@dataclass(frozen=True)
class NotUsing:
    """A seller on the team who closed deals in the period without a request, and the open deals they own."""

    name: str
    closed_deals: int
    closed_amount: float
    open_deals: int
    open_amount: float


@dataclass(frozen=True)
class ManagerNote:
    """One manager's note for one period (see the module docstring for each part)."""

    manager_email: str
    manager: str
    team: str | None
    period: str  # the period's label, '2026-10'
    period_words: str  # 'October 2026'
    start: dt.date
    end: dt.date
    reports: int  # direct reports on the People tab, not Left
    sellers_with_deals: int
    sellers_using: int
    sellers_using_share: float | None
    program_share: float | None
    requests: int
    nominations: int
    wins: tuple[Win, ...]
    starters: tuple[Starter, ...]
    not_using: tuple[NotUsing, ...]
    ask: str

    @property
    def subject(self) -> str:
        """'Your team and the advocacy program, October 2026: 3 of 5 sellers used it, 2 wins to retell'."""
        parts = []
        if self.sellers_with_deals:
            parts.append(f"{self.sellers_using} of {self.sellers_with_deals} sellers used it")
        if self.wins:
            parts.append(f"{_count(len(self.wins), 'win')} to retell")
        tail = f": {', '.join(parts)}" if parts else ""
        return f"Your team and the advocacy program, {self.period_words}{tail}"

    @property
    def file_stem(self) -> str:
        """'manager-note_2026-10_maria_vendor.example.com': the dry run's file name, one per manager."""
        slug = _SLUG.sub("_", self.manager_email.replace("@", "_"))
        return f"{REPORT}_{_SLUG.sub('_', self.period)}_{slug}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _period_words(metrics: ProgramMetrics) -> str:
    period = metrics.period
    if period.noun == "month":
        return f"{period.start:%B %Y}"
    return period.label


def _day(value: Any) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if isinstance(value, pd.Timestamp) else value


def managers(program: Program) -> pd.DataFrame:
    """The managers a note goes to: People rows (not Left) whom another row names as ``manager_email``, with
    ``key`` (the address compared), their name and team, sorted by name."""
    people = people_frame(program.people)
    named = set(people.loc[people[P.status] != LEFT, "manager_key"].dropna())
    found = people[people["key"].isin(named) & (people[P.status] != LEFT)]
    return found.sort_values([P.name, "key"], kind="stable").reset_index(drop=True)


def _wins(program: Program, metrics: ProgramMetrics, people: pd.DataFrame, team: set[str]) -> list[Win]:
    opportunities = program.opportunities
    won = closed_mask(opportunities, metrics.period, metrics.as_of) & (opportunities[O.is_won] == True)  # noqa: E712
    deals = opportunities[won].assign(owner_key=lambda f: owner_keys(f, people))
    deals = deals[deals["owner_key"].isin(team)]
    if deals.empty:
        return []
    activities = program.activities.assign(_opp=activity_opportunity(program.activities, program.requests))
    roster = program.advocates.dropna(subset=[A.advocate_id]).drop_duplicates(A.advocate_id)
    company = roster.set_index(A.advocate_id)[A.company]
    names = people.set_index("key")[P.name]
    wins = []
    for _, deal in deals.iterrows():
        close = deal[O.close_date]
        mine = activities[(activities["_opp"] == deal[O.opportunity_id]) & (activities[X.date] <= close)]
        if mine.empty:
            continue  # not influenced: no advocate activity on or before the close
        mine = mine.sort_values(X.date, kind="stable")
        amount = pd.to_numeric(deal[O.amount], errors="coerce")
        wins.append(
            Win(
                seller=str(names.get(deal["owner_key"], deal[O.owner])),
                account=str(deal[O.account] or "an account"),
                amount=None if pd.isna(amount) else float(amount),
                close_date=_day(close),
                activities=tuple(str(a) for a in pd.unique(mine[X.activity].dropna())),
                companies=tuple(
                    str(c) for c in pd.unique(mine[X.advocate_id].map(company).dropna()) if str(c).strip()
                ),
            )
        )
    return sorted(wins, key=lambda w: (-(w.amount or 0.0), w.close_date, w.account))


def _open_deals(program: Program, people: pd.DataFrame) -> pd.DataFrame:
    """Per owner's e-mail key, the open deals (neither closed nor won) they own: count and amount."""
    opportunities = program.opportunities
    closed = (opportunities[O.is_closed] == True) | (opportunities[O.is_won] == True)  # noqa: E712
    open_ = opportunities[~closed].assign(
        owner_key=lambda f: owner_keys(f, people),
        amount=lambda f: pd.to_numeric(f[O.amount], errors="coerce").fillna(0.0),
    )
    return (
        open_.dropna(subset=["owner_key"])
        .groupby("owner_key")
        .agg(deals=("owner_key", "size"), amount=("amount", "sum"))
    )


def _ask(note: dict[str, Any], behind: list[str]) -> str:
    """The one thing to ask of the team (the first that applies; see the module docstring)."""
    if note["not_using"]:
        top = note["not_using"][0]
        if top.open_deals:
            return (
                f"Ask {top.name}, who has {_count(top.open_deals, 'open deal')} ({money(top.open_amount)}), to "
                "request a customer reference for the next late-stage one: it takes two minutes, and the program "
                "finds the advocate."
            )
        return (
            f"Ask {top.name} to request a customer reference for their next late-stage deal: it takes two "
            "minutes, and the program finds the advocate."
        )
    waiting = [s for s in note["starters"] if s.first_request_on is None]
    if waiting:
        return (
            f"Help {waiting[0].name} make a first request: pick one live deal together and log the reference "
            "it needs."
        )
    if behind:
        return (
            f"Your team is behind on its side of the agreement: {behind[0]}. Ask the team to close the gap."
        )
    if not note["nominations"]:
        return "Ask everyone on your team to nominate one happy customer as an advocate this month."
    if note["sellers_with_deals"]:
        retell = " Retell one of the wins above at the next team meeting." if note["wins"] else ""
        return f"Thank the team: every seller with a closed deal used the program.{retell}"
    return (
        f"Thank the team for its {_count(note['nominations'], 'nomination')}, and ask each of them to nominate "
        "one more happy customer this month."
    )


def manager_notes(program: Program, metrics: ProgramMetrics) -> list[ManagerNote]:
    """One note per manager (``managers``), for ``metrics``' period and as-of day (``measure(program, …)``,
    whose adoption figures the notes take their reports' share of)."""
    adoption = metrics.adoption
    people = people_frame(program.people)
    by_manager = adoption.by_manager.set_index("manager_email") if adoption is not None else pd.DataFrame()
    coaching = adoption.coaching if adoption is not None else pd.DataFrame(columns=["manager_email"])
    starters = adoption.new_starters if adoption is not None else pd.DataFrame(columns=["manager_email"])
    open_deals = _open_deals(program, people)
    commitments = metrics.commitments
    notes = []
    for _, manager in managers(program).iterrows():
        key = manager["key"]
        team = set(people.loc[(people["manager_key"] == key) & (people[P.status] != LEFT), "key"])
        row = by_manager.loc[key] if key in by_manager.index else {}
        not_using = [
            NotUsing(
                name=str(c["name"]),
                closed_deals=int(c["closed_deals"]),
                closed_amount=float(c["closed_amount"]),
                open_deals=int(open_deals["deals"].get(c["email"], 0)),
                open_amount=float(open_deals["amount"].get(c["email"], 0.0)),
            )
            for _, c in coaching[coaching["manager_email"] == key].iterrows()
        ]
        new = [
            Starter(
                name=str(s["name"]),
                started_on=_day(s["started_on"]),
                first_request_on=_day(s["first_request_on"]),
                days_to_first_request=None
                if s["days_to_first_request"] is None or pd.isna(s["days_to_first_request"])
                else int(s["days_to_first_request"]),
            )
            for _, s in starters[starters["manager_email"] == key].iterrows()
        ]
        team_name = manager[P.team] if isinstance(manager[P.team], str) else None
        mine = commitments[
            (commitments["team"] == team_name)
            & (commitments["direction"] == schema.TEAM_TO_PROGRAM)
            & commitments["status"].isin(["behind", "missed"])
        ]
        behind = [f"“{c}”" for c in mine["commitment"]]
        share = row.get("sellers_using_share") if len(row) else None
        wins = tuple(_wins(program, metrics, people, team))
        parts = {
            "not_using": not_using,
            "starters": new,
            "nominations": int(row.get("nominations", 0)) if len(row) else 0,
            "sellers_with_deals": int(row.get("sellers_with_deals", 0)) if len(row) else 0,
            "wins": wins,
        }
        notes.append(
            ManagerNote(
                manager_email=key,
                manager=str(manager[P.name] or key),
                team=team_name,
                period=metrics.period.label,
                period_words=_period_words(metrics),
                start=metrics.period.start,
                end=metrics.period.end,
                reports=len(team),
                sellers_with_deals=parts["sellers_with_deals"],
                sellers_using=int(row.get("sellers_using", 0)) if len(row) else 0,
                sellers_using_share=None if share is None or pd.isna(share) else float(share),
                program_share=adoption.sellers_using_share if adoption is not None else None,
                requests=int(row.get("requests", 0)) if len(row) else 0,
                nominations=parts["nominations"],
                wins=wins,
                starters=tuple(new),
                not_using=tuple(not_using),
                ask=_ask(parts, behind),
            )
        )
    return notes


def find_manager(notes: list[ManagerNote], address: str) -> ManagerNote:
    """The note of the manager at ``address``; InputError naming the managers when no one is."""
    from kit.errors import InputError

    key = email_key(address)
    for note in notes:
        if note.manager_email == key:
            return note
    known = ", ".join(n.manager_email for n in notes[:8]) + (" …" if len(notes) > 8 else "")
    raise InputError(
        f"--manager {address}: no one on the {schema.PEOPLE.name} tab names them as manager_email "
        f"(managers: {known or 'none'})"
    )


# ------------------------------------------------------------------------------------------------------------
# As text and e-mail


def _activity_words(keys: tuple[str, ...]) -> str:
    from kit.mail.request_messages import an_activity

    words = [an_activity(k) for k in keys]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _context(note: ManagerNote, contacts: Collection[str]) -> dict[str, Any]:
    from kit.mail.redact import clean

    def c(value: Any) -> str:
        return clean(value, contacts, limit=200)

    wins = []
    for w in note.wins[:MAX_LINES]:
        amount = money(w.amount) if w.amount is not None else "a deal"
        by = f" with {_activity_words(w.activities)}" if w.activities else ""
        who = f" from {', '.join(c(x) for x in w.companies)}" if w.companies else ""
        wins.append(
            c(f"{w.seller} won {amount} at {w.account} on {w.close_date.day} {w.close_date:%B}{by}{who}.")
        )
    starters = []
    for s in note.starters[:MAX_LINES]:
        since = f"started {s.started_on.day} {s.started_on:%B %Y}"
        first = (
            f"first request after {_count(s.days_to_first_request, 'day')}"
            if s.days_to_first_request is not None
            else "no request yet"
        )
        starters.append(c(f"{s.name}: {since}, {first}."))
    not_using = []
    for n in note.not_using[:MAX_LINES]:
        line = (
            f"{n.name}: closed {_count(n.closed_deals, 'deal')} ({money(n.closed_amount)}) without a request"
        )
        if n.open_deals:
            line += f"; {_count(n.open_deals, 'open deal')} ({money(n.open_amount)}) still to win"
        not_using.append(c(line + "."))
    if note.sellers_with_deals:
        use = (
            f"{note.sellers_using} of your {_count(note.sellers_with_deals, 'seller')} with a closed deal "
            f"({percent(note.sellers_using_share)}) asked the program for a reference"
        )
        if note.program_share is not None:
            use += f"; across the company, {percent(note.program_share)}"
        use += "."
    else:
        use = f"None of your {_count(note.reports, 'direct report')} closed a deal in {note.period_words}."
    activity = (
        f"Your team made {_count(note.requests, 'request')} and {_count(note.nominations, 'nomination')} "
        f"in {note.period_words}."
    )
    return {
        "subject": c(note.subject),
        "manager": c(note.manager.split()[0] if note.manager.strip() else note.manager),
        "period": note.period_words,
        "use": use,
        "activity": activity,
        "wins": wins,
        "wins_more": max(0, len(note.wins) - MAX_LINES),
        "starters": starters,
        "not_using": not_using,
        "not_using_more": max(0, len(note.not_using) - MAX_LINES),
        "ask": c(note.ask),
    }


def render(
    note: ManagerNote, *, contacts: Collection[str] = (), templates: str | os.PathLike[str] | None = None
) -> tuple[str, str]:
    """The note as plain text and as HTML (every value cleaned of contact details)."""
    from kit.mail.templating import environment, rendered

    context = _context(note, contacts)
    env = environment(templates)
    return rendered(env, "manager_note.txt", context), rendered(env, "manager_note.html", context)


def check_templates(templates: str | os.PathLike[str] | None = None) -> None:
    """Render the templates with a sample note: a broken overriding one fails before anything is sent."""
    day = dt.date(2026, 10, 1)
    sample = ManagerNote(
        "m@example.com", "Sam Manager", "Sales", "2026-10", "October 2026", day, day, 1, 1, 0, 0.0, 0.5,
        0, 0, (Win("A Seller", "Account", 1.0, day, ("reference_call",), ("Co",)),),
        (Starter("B Seller", day, None, None),), (NotUsing("C Seller", 1, 1.0, 1, 1.0),), "ask",
    )  # fmt: skip
    render(sample, templates=templates)


def build_email(
    note: ManagerNote,
    *,
    sender: str,
    contacts: Collection[str] = (),
    templates: str | os.PathLike[str] | None = None,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """The note as one e-mail to its manager: plain text with an HTML alternative, refused (ContactLeakError)
    when any part carries an advocate's contact details."""
    from kit.mail.redact import ContactLeakError, find_contacts
    from kit.mail.templating import text_and_html_email

    text, html = render(note, contacts=contacts, templates=templates)
    message = text_and_html_email(
        subject=note.subject,
        sender=sender,
        to=formataddr((note.manager, note.manager_email)),
        text=text,
        html=html,
        headers={"X-Advocacy-Kit-Report": f"{REPORT} {note.period}"},
        now=now,
    )
    others = {x for x in contacts if x != note.manager_email}
    leaks = find_contacts(message, others)
    if leaks:
        raise ContactLeakError(
            f"the note to {note.manager_email} would carry an advocate's contact details ({', '.join(leaks)}); "
            "nothing was sent. Check the message templates."
        )
    return message
