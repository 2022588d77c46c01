"""The e-mail of a rendered report: a compact summary that looks right in mail clients, and its charts.

The message follows the Python docs' e-mail examples: ``multipart/mixed`` → ``multipart/alternative``
(a plain-text part, and ``multipart/related`` holding the HTML part and its PNG charts by ``Content-ID``),
then the full HTML report as an attachment. Mail clients drop ``<script>``, many block ``data:`` images and
``<style>`` blocks, and Gmail clips HTML bodies over ~102 KB; so the HTML summary is small, table-laid,
with its CSS inlined into ``style`` attributes, its charts as attached images, and capped lists that point
to the attachment for the rest. The figures arrive typed (``kit.metrics.ProgramMetrics``): whether a change
is good news, a goal's tone and a percent change are the figures' own, never worked out again here. Every
value from the sheet is HTML-escaped and cleaned of contact details (:mod:`kit.mail.redact`).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pandas as pd

from kit import charts
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.formatting import COUNT, MONEY, change_from, format_value, percent
from kit.mail.errors import MailError
from kit.mail.redact import ContactLeakError, clean, find_contacts, scrub_report
from kit.mail.settings import parse_address
from kit.metrics import HEADLINE, GoalStatus, Headline, ProgramMetrics
from kit.metrics.text import SAMPLE_NOUNS, interval_text, with_sample
from kit.report import REPORTS as _REPORT_SPECS

log = logging.getLogger(__name__)

REPORT_TITLES = {name: spec.title for name, spec in _REPORT_SPECS.items()}
BODY_LIMIT = 100_000  # bytes of HTML; Gmail clips a body over ~102 KB ("[Message clipped]")
MAX_GOALS = 25  # rows of the goal table in the e-mail; the rest are in the attached report
MAX_STORIES = 5
MAX_HEADLINE = 15


# ----------------------------------------------------------------------------------------------------------
# What the e-mail says of the figures (kit.metrics.ProgramMetrics), every text from the sheet cleaned.


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


def _humanise(name: str) -> str:
    """A metric key as words: active_advocates -> Active advocates (labels people typed stay as typed)."""
    return name.replace("_", " ").capitalize() if re.fullmatch(r"[a-z0-9_]+", name) else name


def _goals(m: ProgramMetrics) -> list[dict[str, Any]]:
    return m.goals.to_dict("records")


def _goal_unit(metric: Any) -> str:
    return HEADLINE[metric][1] if metric in HEADLINE else COUNT


def _quality_notes(m: ProgramMetrics, contacts: Collection[str]) -> list[str]:
    """The data-quality note, when some figure left a row out or the program could not be validated.

    Warnings, and error cells no figure needs (read as blank), change no figure: nothing to tell an
    executive; the goal-tracking report lists them for the program manager.
    """
    dq = m.data_quality
    if dq.validated and not dq.rows_excluded:
        return []
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


def render_charts(m: ProgramMetrics, contacts: Collection[str] = ()) -> list[Chart]:
    """Up to three charts from the figures: headline change, goal attainment, revenue of the stories."""
    found = []
    # a % change of a share or a number of days reads oddly: chart the counts and the money
    changes = [
        (clean(h.label or h.key, contacts), h.percent_change)
        for h in m.headline[:MAX_HEADLINE]
        if h.unit in (COUNT, MONEY) and h.percent_change is not None
    ]
    if changes:
        alt = "; ".join(f"{label} {value:+.0f}%" for label, value in changes)
        png = charts.png(charts.change_chart(changes))
        found.append(Chart("headline-change", "Change from the previous period", alt, png))

    goals = []
    for goal in _goals(m):
        share = _value(goal["attainment"])
        if share is None:
            continue
        name = " · ".join(
            p for p in (_humanise(clean(goal["metric"], contacts)), clean(goal["segment"], contacts)) if p
        )
        goals.append((name or clean(goal["goal_id"], contacts), share, GoalStatus(goal["status"]).tone))
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
.sample { font-size: 11px; color: #6b7280; }
.withheld { font-size: 13px; color: #111827; }
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
    # label, value ('' when withheld), what it rests on ('of 25 closed deals', or the sentence saying there
    # are too few deals to compare), change, tone (up, down, neutral)
    headline: list[tuple[str, str, str, str, str]]
    goals: list[
        tuple[str, str, str, str, str, str, str]
    ]  # goal, segment, target, actual, attained, status, tone
    goals_left: int
    stories: list[str]
    stories_left: int
    notes: list[str]


_TREND = {True: "up", False: "down", None: "neutral"}  # Headline.improved: green when it is good news


def _sample(h: Headline) -> str:
    """Under a share: 'of 25 closed deals · 95% interval 48–83%'; the too-few-deals sentence instead of a
    withheld rate; '' for a count or a sum."""
    if h.withheld:
        return with_sample(h)
    if h.n is None or h.value is None:
        return ""
    bounds = interval_text(h.interval, h.unit, lift=h.key == "win_rate_lift")
    text = f"{'over' if h.key == 'win_rate_lift' else 'of'} {h.n} {SAMPLE_NOUNS.get(h.key, 'items')}"
    return f"{text} · {bounds}" if bounds else text


def _summary(m: ProgramMetrics, report: str, contacts: Collection[str]) -> _Summary:
    headline = [
        (
            clean(h.label or h.key, contacts, 60),
            "" if h.withheld else format_value(h.value, h.unit),
            _sample(h),
            "" if h.withheld else change_from(h.change, h.previous, h.unit),
            _TREND[h.improved],
        )
        for h in m.headline[:MAX_HEADLINE]
    ]
    all_goals = _goals(m)
    goals = []
    for goal in all_goals[:MAX_GOALS]:
        share, unit, status = (
            _value(goal["attainment"]),
            _goal_unit(goal["metric"]),
            GoalStatus(goal["status"]),
        )
        goals.append(
            (
                _humanise(clean(goal["metric"] or goal["goal_id"], contacts, 60)),
                clean(goal["segment"], contacts, 80) or "all",
                format_value(_value(goal["target"]), unit),
                format_value(_value(goal["actual"]), unit),
                "—" if share is None else percent(share),
                clean(status.value, contacts, 30),
                status.tone,
            )
        )
    stories = []
    for story in m.success_stories[:MAX_STORIES]:
        sentence = clean(story.sentence, contacts)
        if not sentence:
            parts = [clean(story.rep, contacts, 60), clean(story.account, contacts, 60)]
            sentence = " at ".join(p for p in parts if p) + f": {format_value(story.amount, MONEY)}"
        stories.append(sentence)
    return _Summary(
        title=REPORT_TITLES.get(report, report),
        period=clean(report_scope(m), contacts, 120),
        as_of=m.as_of.isoformat(),
        headline=headline,
        goals=goals,
        goals_left=max(len(all_goals) - MAX_GOALS, 0),
        stories=stories,
        stories_left=max(len(m.success_stories) - MAX_STORIES, 0),
        notes=_quality_notes(m, contacts),
    )


def _text_section(title: str, items: Sequence[str], left: int = 0, more: str = "more") -> list[str]:
    """A titled block of the plain-text body (none without items), saying how many more the report holds."""
    if not items:
        return []
    tail = [f"  … and {left} {more} in the attached report"] if left else []
    return [title, *items, *tail, ""]


def _text_body(s: _Summary, attachment: str) -> str:
    lines = [f"{s.title}: {s.period}", f"Data as of {s.as_of}" if s.as_of else "", ""]
    width = max((len(label) for label, *_ in s.headline), default=0)
    lines += _text_section(
        "HEADLINE FIGURES",
        [
            f"  {label:<{width}}  {value:>10}  {change}".rstrip() + (f"  ({sample})" if sample else "")
            if value
            else f"  {label:<{width}}  {sample}"
            for label, value, sample, change, _ in s.headline
        ],
    )
    lines += _text_section(
        "GOALS (goal, segment: actual of target, attained, status)",
        [
            f"  {goal}, {segment}: {actual} of {target}, {attained}, {status}".rstrip(", ")
            for goal, segment, target, actual, attained, status, _ in s.goals
        ],
        s.goals_left,
        "more goals",
    )
    lines += _text_section("SUCCESS STORIES", [f"  - {story}" for story in s.stories], s.stories_left)
    lines += _text_section("DATA QUALITY", [f"  ! {note}" for note in s.notes])
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
        for label, value, sample, change, tone in s.headline:
            tiles.append(
                f'<td class="tile"><div class="label">{_e(label)}</div>'
                + (f'<div class="value">{_e(value)}</div>' if value else "")
                + (f'<div class="{"sample" if value else "withheld"}">{_e(sample)}</div>' if sample else "")
                + (f'<div class="change {tone}">{_e(change)}</div>' if change or value else "")
                + "</td>"
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
            f'<td class="{tone}">{_e(status)}</td></tr>'
            for goal, segment, target, actual, attained, status, tone in s.goals
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
