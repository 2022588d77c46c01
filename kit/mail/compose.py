"""The e-mail of a rendered report: a compact summary that looks right in mail clients, and its charts.

The message follows the Python docs' e-mail examples: ``multipart/mixed`` → ``multipart/alternative``
(a plain-text part, and ``multipart/related`` holding the HTML part and its PNG charts by ``Content-ID``),
then the full HTML report as an attachment. Mail clients drop ``<script>``, many block ``data:`` images and
``<style>`` blocks, and Gmail clips HTML bodies over ~102 KB; so the HTML summary is small, laid out with
tables, its CSS inlined into ``style`` attributes (only ``@media`` rules stay in ``<style>``, for the clients
that honour them), its charts as attached images, and capped lists that point to the attachment for the rest.
It is one fluid column at most 600 px wide that fits a 320 px phone without sideways scrolling
(``kit/mail/templates/report_*.html``).

Each report has its own e-mail: the goal-tracking one is the program manager's work-list (the headline
figures, the goal table, the stories); the executive update's has six figures, the wins, the asks and a
draft message to the company ready to forward (``kit.metrics.text``). The figures arrive typed
(``kit.metrics.ProgramMetrics``): whether a change is good news, a goal's tone and a percent change are the
figures' own, never worked out again here. Every value from the sheet is HTML-escaped (the templates
autoescape) and cleaned of contact details (:mod:`kit.mail.redact`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pandas as pd

from kit import charts
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.formatting import COUNT, MONEY, change_from, format_value, is_no_change, percent
from kit.mail.errors import MailError
from kit.mail.redact import ContactLeakError, clean, find_contacts, scrub_report
from kit.mail.settings import parse_address
from kit.metrics import HEADLINE, GoalStatus, Headline, ProgramMetrics
from kit.metrics.text import (
    asks,
    compared_with,
    draft_message,
    executive_data_quality,
    metric_name,
    rests_on,
    with_sample,
)
from kit.report import REPORTS as _REPORT_SPECS

log = logging.getLogger(__name__)

REPORT_TITLES = {name: spec.title for name, spec in _REPORT_SPECS.items()}
BODY_LIMIT = 100_000  # bytes of HTML; Gmail clips a body over ~102 KB ("[Message clipped]")
MAX_GOALS = 25  # rows of the goal table in the e-mail; the rest are in the attached report
MAX_STORIES = 5
MAX_HEADLINE = 15


# ----------------------------------------------------------------------------------------------------------
# What the e-mail says of the figures (kit.metrics.ProgramMetrics), every text from the sheet cleaned.

EXECUTIVE = "executive-update"
# The executive e-mail's tiles, at most six: what the program brought, and the advocates and service behind it.
EXECUTIVE_FIGURES = (
    "revenue_influenced",
    "opportunities_influenced",
    "win_rate_lift",
    "active_advocates",
    "new_advocates",
    "requests_fulfilled",
)
DRAFT_LINE = 2_000  # characters of one line of the draft message (the clean() default would cut a paragraph)


def report_segment(m: ProgramMetrics) -> str:
    """The segment the report is for ('industry=Insurance'), or '' for the whole program."""
    return "" if m.segment.is_everything else str(m.segment)


def report_scope(m: ProgramMetrics) -> str:
    """The period, and the segment when the report is for one: '2026-Q4' or '2026-Q4, industry=Insurance'."""
    segment = report_segment(m)
    return f"{m.period.label}, {segment}" if segment else m.period.label


def _value(value: Any) -> float | None:
    """A number from a table of the figures; None for a blank (None or NaN)."""
    return None if value is None or pd.isna(value) else float(value)


def _segment_values(segment: str) -> str:
    """'industry=Insurance; product=Product A' → 'Insurance, Product A': short enough for a chart's label."""
    return ", ".join(part.split("=", 1)[-1].strip() for part in segment.split(";") if part.strip())


def _goals(m: ProgramMetrics) -> list[dict[str, Any]]:
    return m.goals.to_dict("records")


def _goal_unit(metric: Any) -> str:
    return HEADLINE[metric][1] if metric in HEADLINE else COUNT


def _goal_name(goal: Mapping[str, Any], contacts: Collection[str]) -> str:
    return metric_name(clean(goal["metric"], contacts, 60)) or clean(goal["goal_id"], contacts, 60)


def _quality_notes(m: ProgramMetrics, contacts: Collection[str], report: str) -> list[str]:
    """The data-quality note, when some figure left a row out or the program could not be validated.

    Warnings, and error cells no figure needs (read as blank), change no figure: nothing to tell an
    executive; the goal-tracking report lists them for the program manager. The executive reads what it
    means for the figures, in words, not the validator's counts per tab.
    """
    dq = m.data_quality
    if dq.validated and not dq.rows_excluded:
        return []
    if report == EXECUTIVE and dq.rows_excluded:
        return [executive_data_quality(m)]  # the executive report's words
    note = clean(dq.note, contacts)
    return [note] if note else []


# ----------------------------------------------------------------------------------------------------------
# Charts: kit.charts draws them; the e-mail attaches them as PNGs by Content-ID.


@dataclass(frozen=True)
class Chart:
    """One chart of the e-mail: ``name`` becomes its Content-ID and file name; ``alt`` says what it shows."""

    name: str
    title: str
    alt: str
    png: bytes


def _figures(m: ProgramMetrics, report: str) -> list[Headline]:
    """The headline figures an e-mail shows: the executive's six, or the program manager's first fifteen."""
    if report == EXECUTIVE:
        by_key = {h.key: h for h in m.headline}
        return [by_key[key] for key in EXECUTIVE_FIGURES if key in by_key]
    return list(m.headline[:MAX_HEADLINE])


def render_charts(
    m: ProgramMetrics, contacts: Collection[str] = (), report: str = "goal-tracking"
) -> list[Chart]:
    """The charts of a report's e-mail: the headline figures' change and the goals' attainment (the
    goal-tracking e-mail's only), and the deals the stories won (both e-mails)."""
    found = []
    # a % change of a share or a number of days reads oddly: chart the counts and the money
    # the executive's tiles say their changes; the program manager's fifteen figures are also charted
    changes = [
        (clean(h.label or h.key, contacts), h.percent_change)
        for h in (_figures(m, report) if report != EXECUTIVE else ())
        if h.unit in (COUNT, MONEY) and h.percent_change is not None
    ]
    if changes:
        alt = "; ".join(f"{label} {value:+.0f}%" for label, value in changes)
        png = charts.png(charts.change_chart(changes))
        found.append(Chart("headline-change", "Change from the previous period", alt, png))

    goals = []
    for goal in _goals(m) if report != EXECUTIVE else ():
        share = _value(goal["attainment"])
        if share is None:
            continue
        # the segment in the label: two goals on one metric must not read the same
        segment = _segment_values(clean(goal["segment"], contacts))
        name = " · ".join(p for p in (_goal_name(goal, contacts), segment) if p)
        goals.append((name, share, GoalStatus(goal["status"]).tone))
    goals = goals[:12]
    if goals:
        alt = "; ".join(f"{name} {percent(share)}" for name, share, _ in goals)
        found.append(
            Chart("goal-attainment", "Goal attainment", alt, charts.png(charts.attainment_chart(goals)))
        )

    stories = [
        (clean(story.account, contacts) or "(no account)", story.amount)
        for story in m.success_stories[:MAX_STORIES]
        if story.amount
    ]
    if stories:
        title = "Deals won with advocates' help"
        alt = "; ".join(f"{name} {format_value(amount, MONEY)}" for name, amount in stories)
        fig = charts.amounts_chart(stories, title=title, xlabel="won amount")
        found.append(Chart("success-stories", title, alt, charts.png(fig)))
    return found


# ----------------------------------------------------------------------------------------------------------
# What both bodies say, already cleaned: plain strings, no markup


@dataclass(frozen=True)
class Tile:
    """One headline figure: its name, value ('' when withheld), what it rests on ('of 25 closed deals', or
    the sentence saying there are too few deals to compare), its change in words, and the change's tone
    (up: good news, down: bad news, neutral: none or no change)."""

    label: str
    value: str
    sample: str
    change: str
    tone: str


@dataclass(frozen=True)
class GoalRow:
    """One goal of the goal table."""

    goal: str
    segment: str  # '' for the whole program
    target: str
    actual: str
    attained: str
    status: str
    tone: str


@dataclass(frozen=True)
class Summary:
    """What an e-mail's two bodies say, every sheet text cleaned (:func:`kit.mail.redact.clean`); the
    executive's asks and draft message are empty in the goal-tracking e-mail, its goals in the executive's."""

    report: str
    title: str
    period: str
    as_of: str
    compared_with: str  # what the changes compare with, in words: 'the same 51 days of 2026-Q3 (to …)'
    tiles: list[Tile]
    goals: list[GoalRow]
    goals_left: int
    stories: list[str]
    stories_left: int
    notes: list[str]
    asks: list[str] = field(default_factory=list)
    draft: list[str] = field(default_factory=list)  # the draft message's lines, blank lines kept

    @property
    def executive(self) -> bool:
        return self.report == EXECUTIVE

    @property
    def has_figures(self) -> bool:
        return bool(self.tiles or self.goals or self.stories)


_TREND = {True: "up", False: "down", None: "neutral"}  # Headline.improved: green when it is good news


def _sample(h: Headline) -> str:
    """Under a share: 'of 25 closed deals · 95% interval 48–83%'; the too-few-deals sentence instead of a
    withheld rate; '' for a count or a sum."""
    return with_sample(h) if h.withheld else rests_on(h, " · ")


def _against(m: ProgramMetrics) -> str:
    """What a tile's change compares with, short enough for a tile: '2026-Q3', or '2026-Q3 to 20 August' when
    the previous period is measured to its comparable day (the heading says it whole: ``compared_with``)."""
    previous = m.previous_period
    if m.previous_until >= previous.end:
        return previous.label
    return f"{previous.label} to {m.previous_until.day} {m.previous_until:%B}"


def _tile(h: Headline, m: ProgramMetrics, contacts: Collection[str], report: str) -> Tile:
    sample = _sample(h)
    if report == EXECUTIVE and h.key == "opportunities_influenced":
        # the share of closed deals beside the count: '31% of 25 closed deals'
        share = next((s for s in m.headline if s.key == "influenced_share"), None)
        if share is not None and share.value is not None and not share.withheld and share.n:
            sample = with_sample(share)
    change = "" if h.withheld else change_from(h.change, h.previous, h.unit)
    if change and report == EXECUTIVE:  # vs what, in words: '+12 vs 200 in 2026-Q3 to 20 August'
        change += f" in {_against(m)}"
    return Tile(
        label=clean(h.label or h.key, contacts, 60),
        value="" if h.withheld else format_value(h.value, h.unit),
        sample=sample,
        change=change,
        # a change that rounds to nothing is no news: no green, no red
        tone="neutral" if is_no_change(h.change, h.unit) else _TREND[h.improved],
    )


def summarise(m: ProgramMetrics, report: str, contacts: Collection[str] = ()) -> Summary:
    """What the e-mail of ``report`` says of the figures ``m``, cleaned of markup's reach and contacts."""
    executive = report == EXECUTIVE
    all_goals = [] if executive else _goals(m)  # the goals are the program manager's work-list
    goals = []
    for goal in all_goals[:MAX_GOALS]:
        share, unit, status = (
            _value(goal["attainment"]),
            _goal_unit(goal["metric"]),
            GoalStatus(goal["status"]),
        )
        goals.append(
            GoalRow(
                goal=_goal_name(goal, contacts),
                segment=clean(goal["segment"], contacts, 80),
                target=format_value(_value(goal["target"]), unit),
                actual=format_value(_value(goal["actual"]), unit),
                attained="—" if share is None else percent(share),
                status=clean(status.value, contacts, 30),
                tone=status.tone,
            )
        )
    stories = []
    for story in m.success_stories[:MAX_STORIES]:
        sentence = clean(story.sentence, contacts)
        if not sentence:
            parts = [clean(story.rep, contacts, 60), clean(story.account, contacts, 60)]
            sentence = " at ".join(p for p in parts if p) + f": {format_value(story.amount, MONEY)}"
        stories.append(sentence)
    return Summary(
        report=report,
        title=REPORT_TITLES.get(report, report),
        period=clean(report_scope(m), contacts, 120),
        as_of=m.as_of.isoformat(),
        compared_with=compared_with(m),
        tiles=[_tile(h, m, contacts, report) for h in _figures(m, report)],
        goals=goals,
        goals_left=max(len(all_goals) - MAX_GOALS, 0),
        stories=stories,
        stories_left=max(len(m.success_stories) - MAX_STORIES, 0),
        notes=_quality_notes(m, contacts, report),
        asks=[clean(line, contacts) for line in asks(m)] if executive else [],
        # line by line: clean() makes one line of its text, and the message's breaks are its paragraphs
        draft=[clean(line, contacts, DRAFT_LINE) for line in draft_message(m).split("\n")]
        if executive
        else [],
    )


# ----------------------------------------------------------------------------------------------------------
# The plain-text body


NO_ASKS = "No ask this period: every strategic segment is covered and every team uses the program."


def _text_section(title: str, items: Sequence[str], left: int = 0, more: str = "more") -> list[str]:
    """A titled block of the plain-text body (none without items), saying how many more the report holds."""
    if not items:
        return []
    tail = [f"  … and {left} {more} in the attached report"] if left else []
    return [title, *items, *tail, ""]


def text_body(s: Summary, attachment: str) -> str:
    """The plain-text part: the same sections as the HTML, in columns a fixed-width font lines up."""
    lines = [f"{s.title}: {s.period}", f"Data as of {s.as_of}" if s.as_of else "", ""]
    width = max((len(t.label) for t in s.tiles), default=0)
    lines += _text_section(
        "HEADLINE FIGURES" if s.executive else f"HEADLINE FIGURES (changes against {s.compared_with})",
        [
            f"  {t.label:<{width}}  {t.value:>10}  {t.change}".rstrip()
            + (f"  ({t.sample})" if t.sample else "")
            if t.value
            else f"  {t.label:<{width}}  {t.sample}"
            for t in s.tiles
        ],
    )
    lines += _text_section(
        "GOALS (goal, segment: actual of target, attained, status)",
        [
            f"  {g.goal}, {g.segment or 'all'}: {g.actual} of {g.target}, {g.attained}, {g.status}".rstrip(
                ", "
            )
            for g in s.goals
        ],
        s.goals_left,
        "more goals",
    )
    stories_title = "WINS ADVOCATES HELPED CLOSE" if s.executive else "SUCCESS STORIES"
    lines += _text_section(stories_title, [f"  - {story}" for story in s.stories], s.stories_left)
    if s.executive:
        lines += _text_section("WHAT WE ASK OF YOU", [f"  - {ask}" for ask in s.asks or [NO_ASKS]])
        # unindented, so that it can be copied as it is into a message to the company
        lines += ["A MESSAGE TO THE COMPANY, READY TO FORWARD", "", *s.draft, ""]
    lines += _text_section("DATA QUALITY", [f"  ! {note}" for note in s.notes])
    if not s.has_figures:
        lines += ["There is no data for this period yet.", ""]
    lines.append(f"The full report is attached: {attachment}")
    lines.append("-- \nSent by advocacy-kit.")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------------------
# The HTML body: Jinja2 templates (kit/mail/templates/report_*.html), CSS inlined afterwards


def _attribute_text(text: str) -> str:
    """Sheet text bound for an attribute (alt): angle brackets become look-alikes.

    The CSS inliner re-serialises the page the HTML5 way, which writes ``&lt;`` inside a quoted attribute
    back as a bare ``<``. That is harmless to a browser, but mail filters and people reading the source
    should never see a ``<script`` in our mail, so brackets never reach an attribute at all.
    """
    return text.replace("<", "\u2039").replace(">", "\u203a")


def html_body(s: Summary, charts: Sequence[tuple[str, Chart]], attachment: str) -> str:
    """The HTML summary with its CSS still in ``<style>``; :func:`inline_css` writes it into the tags."""
    from kit.mail.templating import environment, rendered

    images = {
        chart.name: {"cid": cid, "alt": _attribute_text(f"{chart.title}: {chart.alt}")}
        for cid, chart in charts
    }
    template = "report_executive_update.html" if s.executive else "report_goal_tracking.html"
    context = {"s": s, "charts": images, "attachment": attachment, "no_asks": NO_ASKS}
    return rendered(environment(), template, context)


def inline_css(page: str) -> str:
    """Every CSS rule written into the ``style`` of the tags it matches (Gmail and Outlook drop ``<style>``
    blocks); only the ``@media`` rules stay in one, for the clients that honour them (the inlined layout
    already fits a phone without them)."""
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False)
    return inliner.inline(page)


# ----------------------------------------------------------------------------------------------------------
# The message


def build_message(
    metrics: ProgramMetrics,
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
        metrics: the figures of the report's period (the ones the report shows).
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
    summary = summarise(metrics, report, contacts)
    charts = render_charts(metrics, contacts, report) if charts is None else list(charts)
    # short ids: a folded Content-ID header confuses some clients
    cids = [(f"{chart.name}.{secrets.token_hex(6)}@advocacy-kit.invalid", chart) for chart in charts]
    page = inline_css(html_body(summary, cids, report_path.name))
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
    message.set_content(text_body(summary, report_path.name))
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
