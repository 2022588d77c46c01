"""The e-mail of a rendered report: a compact summary that looks right in mail clients, and its charts.

The message follows the Python docs' e-mail examples: ``multipart/mixed`` → ``multipart/alternative``
(a plain-text part, and ``multipart/related`` holding the HTML part and its PNG charts by ``Content-ID``),
then the full HTML report as an attachment. Mail clients drop ``<script>``, many block ``data:`` images and
``<style>`` blocks, and Gmail clips HTML bodies over ~102 KB; so the HTML summary is small, table-laid,
with its CSS inlined into ``style`` attributes, its charts as attached images, and capped lists that point
to the attachment for the rest. Every value from the sheet is HTML-escaped and cleaned of contact details
(:mod:`kit.mail.redact`).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import math
import os
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from kit.files import write_atomically
from kit.folders import writable_folder
from kit.mail.errors import MailError
from kit.mail.redact import ContactLeakError, clean, find_contacts, scrub_report
from kit.mail.settings import parse_address
from kit.metrics import COUNT, HEADLINE, LOWER_IS_BETTER, format_change, format_value
from kit.report import REPORTS as _REPORT_SPECS

log = logging.getLogger(__name__)

REPORT_TITLES = {name: spec.title for name, spec in _REPORT_SPECS.items()}
BODY_LIMIT = 100_000  # bytes of HTML; Gmail clips a body over ~102 KB ("[Message clipped]")
MAX_GOALS = 25  # rows of the goal table in the e-mail; the rest are in the attached report
MAX_STORIES = 5
MAX_HEADLINE = 15


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
                return [clean(quality[key], contacts)]
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
        notes.append(clean(item, contacts))
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
                (clean(item.get("label") or item.get("key"), contacts), (value / previous - 1) * 100)
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
            for p in (_humanise(clean(goal.get("metric"), contacts)), clean(goal.get("segment"), contacts))
            if p
        )
        goals.append((name or clean(goal.get("goal_id"), contacts), _attainment(goal) or 0.0, goal))
    goals = goals[:12]
    if goals:
        fig, ax = _figure(len(goals))
        labels = [_plain_label(name, 28) for name, _, _ in goals][::-1]
        values = [min(share, 2.0) * 100 for _, share, _ in goals][::-1]
        tones = [_status_tone(clean(g.get("status"), contacts)) for _, _, g in goals][::-1]
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
            stories.append((clean(story.get("account"), contacts) or "(no account)", amount))
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
                clean(item.get("label") or item.get("key"), contacts, 60),
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
                _humanise(clean(goal.get("metric") or goal.get("goal_id"), contacts, 60)),
                clean(goal.get("segment"), contacts, 80) or "all",
                _figure_text(goal.get("target"), _goal_unit(goal.get("metric"))),
                _figure_text(goal.get("actual"), _goal_unit(goal.get("metric"))),
                f"{share:.0%}" if share is not None else "—",
                clean(goal.get("status"), contacts, 30),
            )
        )
    all_stories = [s for s in metrics.get("success_stories") or [] if isinstance(s, Mapping)]
    stories = []
    for story in all_stories[:MAX_STORIES]:
        sentence = clean(story.get("sentence"), contacts)
        if not sentence:
            parts = [clean(story.get(k), contacts, 60) for k in ("rep", "account")]
            sentence = " at ".join(p for p in parts if p) + f": {_figure_text(story.get('amount'), 'money')}"
        stories.append(sentence)
    return _Summary(
        title=REPORT_TITLES.get(report, report),
        period=clean(report_scope(metrics), contacts, 120),
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
