"""The report notebooks' building blocks: the figures a notebook shows, and the HTML it shows them in.

A report notebook (``notebooks/executive_update.ipynb``, ``goal_tracking.ipynb``) imports this module as
``r`` and composes its page from these blocks: headline cards, tables, bullet lists, charts (drawn by
``kit.charts``, numbers written by ``kit.formatting``), the goals table, the stories and the draft message.
Everything that comes from the sheet goes through ``html.escape``. Running a notebook and rendering it to a
report is ``kit.report``'s job; this module is what the notebook itself calls.

The same output must read the same in the nbconvert report and in JupyterLab, where neither holds by
itself: JupyterLab typesets ``$…$`` in HTML output as mathematics ("−$676K vs $2.1M" became italic maths),
and it never loads the report template's stylesheet (``kit/report_templates/report/report.css``), so the
cards and the draft message lost their look there. So ``show`` wraps every block in an element the math
typesetter skips, and the blocks whose look carries meaning (cards, notices, stories, the draft's line breaks)
carry their own inline styles.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit.formatting import (
    COUNT,
    DAYS,
    MONEY,
    SHARE,
    change_words,
    format_value,
    is_missing,
    is_no_change,
)
from kit.metrics import ProgramMetrics, compared_with, measure
from kit.metrics.text import (  # noqa: F401  (asks & co.: the notebooks call them as r.asks(m), …)
    activity_name,
    asks,
    behind_lines,
    comparable_sentences,
    executive_data_quality,
    interval_text,
    metric_name,
    new_advocate_lines,
    rests_on,
    team_adoption_lines,
    with_sample,
)
from kit.report import METRICS_MIME, read_figures

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def report_metrics(
    figures_file: str, source: str, *, period: str | None, segment: str | None, as_of: dt.date
) -> ProgramMetrics:
    """What a report notebook shows: the figures its run computed (``figures_file``), or, when a person
    runs the notebook by hand (``figures_file`` empty), ``measure(open_store(source).read(), ...)``."""
    if figures_file:
        return read_figures(figures_file)
    from kit.store import open_store

    program = open_store(source).read()
    return measure(program, period=period or None, segment=segment or None, as_of=as_of)


def esc(value: Any) -> str:
    """Any value as HTML-escaped text ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.date().isoformat()
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return html.escape(str(value), quote=True)


def publish(figures: Mapping[str, Any]) -> None:
    """Show the metrics dict as the notebook's machine-readable output (the cell tagged 'metrics')."""
    from IPython.display import display

    display(
        {METRICS_MIME: dict(figures), "text/plain": f"metrics for {figures['period']['label']}"}, raw=True
    )


# Classes that tell a math typesetter to leave an element's text alone: JupyterLab 4 runs MathJax 3 with its
# defaults (``mathjax_ignore``, read in @jupyterlab/mathjax-extension and the MathJax 3 bundle Lab ships);
# ``tex2jax_ignore`` is MathJax 2's, which classic Notebook and the nbconvert templates configure.
NO_MATH = "tex2jax_ignore mathjax_ignore"


def show(markup: str) -> None:
    """Show kit HTML in the notebook, wrapped so that no ``$`` in it is read as mathematics."""
    from IPython.display import HTML, display

    display(HTML(no_math(markup)))


def no_math(markup: str) -> str:
    """``markup`` inside an element the math typesetters of JupyterLab and classic Notebook skip."""
    return f'<div class="kit-output {NO_MATH}">{markup}</div>'


# Inline styles for the blocks whose look carries meaning. report.css says the same for the nbconvert report;
# inline, they survive JupyterLab (which never loads that stylesheet) and HTML sanitisers, which drop <style>.
_MUTED = "#4a5568"
STYLES = {
    "cards": "display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px;margin:12px 0",
    "card": "border:1px solid #e2e8f0;border-radius:6px;padding:10px 12px;background:#fff;color:#1a202c",
    "value": "font-size:24px;font-weight:700;line-height:1.3",
    "label": f"color:{_MUTED};font-size:13px",
    "sample": f"color:{_MUTED};font-size:12px",
    "withheld": "font-size:14px;margin-bottom:4px",
    "better": "color:#2f855a;font-size:12px",
    "worse": "color:#c53030;font-size:12px",
    "flat": f"color:{_MUTED};font-size:12px",
    "notice": "padding:8px 12px;border-left:4px solid #2b6cb0;background:#ebf8ff;color:#1a202c",
    "warn": "padding:8px 12px;border-left:4px solid #c05621;background:#fffaf0;color:#1a202c",
    "story": "margin:6px 0;padding-left:12px;border-left:3px solid #2b6cb0",
    # the draft is text to copy: its line breaks are the message's
    "draft": "white-space:pre-wrap;border:1px dashed #4a5568;padding:12px 16px;background:#fafafa;color:#1a202c",
}


def _style(name: str) -> str:
    return f' style="{STYLES[name]}"'


def title_block(title: str, m: ProgramMetrics, *, for_executives: bool = False) -> str:
    """The report's title, period, 'data as of', scope, and the notices a reader must see first; for
    executives, the data-quality note in their words (no command, no codes)."""
    source = Path(m.source).name if m.source and "://" not in m.source else (m.source or "")
    parts = [
        f'<header class="report-title"><h1>{esc(title)}</h1>',
        f'<p class="subtitle">Period <strong>{esc(m.period.label)}</strong> '
        f"({m.period.start:%-d %b %Y} – {m.period.end:%-d %b %Y}) · data as of "
        f"<strong>{m.as_of:%-d %b %Y}</strong> · {esc(m.segment.label)}"
        + (f" · {esc(source)}" if source else "")
        + f" · compared with {esc(compared_with(m))}</p></header>",
    ]
    if not m.has_data:
        parts.append(
            f'<p class="notice no-data"{_style("warn")}>No data yet: the program\'s workbook has no '
            "advocates, requests, activities or opportunities. Fill in the tabs and run the report again.</p>"
        )
    elif not m.period_has_data:
        parts.append(
            f'<p class="notice no-data"{_style("warn")}>No data for {esc(m.period.label)}: nothing in the '
            "workbook is dated in this period.</p>"
        )
    if m.has_data and m.as_of > m.period.end:
        parts.append(
            f'<p class="notice statuses"{_style("notice")}>{esc(past_statuses_note(m.period.label))}</p>'
        )
    parts.append(data_quality_note(m, for_executives=for_executives))
    return "\n".join(parts)


def past_statuses_note(periods: str) -> str:
    """Why a past period's active advocates may differ from what was true then: no status history."""
    return (
        f"Active advocates of {periods} are counted with today's statuses: the workbook keeps no history of "
        "an advocate's status, so one who has left since is not counted, even for the days they were active."
    )


def is_running(m: ProgramMetrics) -> bool:
    """Whether the report's period is still running on the day the figures are as of (its figures to date)."""
    return m.period.start <= m.as_of < m.period.end


_TREND_SERIES = {
    "requests_fulfilled": "requests fulfilled",
    "activities": "activities",
    "opportunities_influenced": "opportunities influenced",
}
_TREND_TABLE = {
    "period": "Period",
    "active_advocates": "Active",
    "new_advocates": "New",
    "requests_fulfilled": "Fulfilled",
    "within_sla_share": "Within SLA",
    "opportunities_influenced": "Influenced",
    "revenue_influenced": "Revenue influenced",
    "win_rate_lift": "Win-rate lift",
}


_TREND_TITLE = "Requests fulfilled, activities and opportunities influenced"


def _trend_to_date(m: ProgramMetrics) -> list[bool]:
    """Per trend row, whether it is the report's period still running (its figures to date)."""
    running = is_running(m)
    return [running and i == len(m.trends) - 1 for i in range(len(m.trends))]


def trend_chart(m: ProgramMetrics) -> Figure | None:
    """The trends' columns: the running period lighter and hatched, 'to date', and inside each earlier
    period's column a narrower hatched one of its value up to the same elapsed day (issue 18)."""
    from kit import charts

    t = m.trends
    days = (m.as_of - m.period.start).days + 1
    same_days = {}
    if is_running(m):
        same_days = {
            name: t[f"{key}_same_days"].tolist() if f"{key}_same_days" in t else [None] * len(t)
            for key, name in _TREND_SERIES.items()
        }
    return charts.column_chart(
        t["period"].tolist(),
        {name: t[key].tolist() for key, name in _TREND_SERIES.items()},
        title=_TREND_TITLE,
        to_date=_trend_to_date(m),
        same_days=same_days,
        same_days_label=f"first {days} days, as {m.period.label} to date",
    )


def trends(m: ProgramMetrics) -> None:
    """The last periods side by side, chart then table. A period still running is marked 'to date' (lighter,
    hatched columns; its row so labelled) with each earlier period's same days drawn inside its column, and
    the takeaway compares it only with the same days of the one before, never with whole periods. Each
    share shows what it rests on; a lift on too few closed deals is held back, as in the headline."""
    t = m.trends
    title = _TREND_TITLE
    running = is_running(m)
    to_date = _trend_to_date(m)
    days = (m.as_of - m.period.start).days + 1
    fig = trend_chart(m)
    if running:
        h = m.figure("activities")
        takeaway = (
            f"Activities: {format_value(h.value, COUNT)} in {m.period.label} to date, against "
            f"{format_value(h.previous, COUNT)} in {compared_with(m)}; the earlier columns are whole periods, "
            f"each with its first {days} days hatched inside."
        )
    else:
        takeaway = (
            f"Activities went from {format_value(t['activities'].iloc[0], COUNT)} in {t['period'].iloc[0]} "
            f"to {format_value(t['activities'].iloc[-1], COUNT)} in {t['period'].iloc[-1]}."
            if len(t)
            else ""
        )
    show_chart(fig, title=title, takeaway=takeaway, empty="No data to chart yet.")
    shown = t.assign(
        period=[f"{p} (to date)" if d else p for p, d in zip(t["period"], to_date, strict=True)],
        within_sla_share=[_share_of(row) for row in t.to_dict("records")],
        win_rate_lift=[_lift_over(row, m.impact.min_deals_for_rates or 0) for row in t.to_dict("records")],
    )
    show(table(shown, _TREND_TABLE, units={"revenue_influenced": MONEY}))
    past = [p for p, d in zip(t["period"], to_date, strict=True) if not d]
    if m.has_data and past:
        periods = past[0] if len(past) == 1 else f"{past[0]} to {past[-1]}"
        show(paragraph(past_statuses_note(periods), "note"))


def _count(value: Any) -> int | None:
    """A whole count from a trends cell, or None where the figures carry none (an older JSON)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _share_of(row: Mapping[str, Any]) -> str:
    """A period's share within SLA with the requests it rests on: '71% of 35'."""
    value, n = row.get("within_sla_share"), _count(row.get("within_sla_n"))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format_value(float(value), SHARE) + (f" of {n}" if n is not None else "")


def _lift_over(row: Mapping[str, Any], minimum: int) -> str:
    """A period's win-rate lift over the closed deals it rests on, or, below ``minimum`` closed deals on a
    side, what the headline says instead: never a lift on too few deals (issue 18)."""
    with_, without = _count(row.get("closed_with")), _count(row.get("closed_without"))
    if with_ is not None and without is not None and min(with_, without) < minimum:
        return f"too few deals ({with_} with, {without} without)"
    value = row.get("win_rate_lift")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format_value(float(value), SHARE) + (
        f" over {with_ + without} deals" if with_ is not None and without is not None else ""
    )


def data_quality_note(m: ProgramMetrics, *, for_executives: bool = False) -> str:
    """The data-quality notice: the program manager's note (what was left out, and the command that lists
    it), or for executives what it means for the figures, in words."""
    dq = m.data_quality
    cls = "notice data-quality" + (" warn" if dq.needs_attention else "")
    note = executive_data_quality(m) if for_executives else dq.note
    look = _style("warn" if dq.needs_attention else "notice")
    return f'<p class="{cls}"{look}><strong>Data quality.</strong> {esc(note)}</p>'


def headline_cards(m: ProgramMetrics, keys: Iterable[str] | None = None) -> str:
    """Headline figures as cards: value, label, change from last period (data-key for tests and e-mail)."""
    wanted = list(keys) if keys is not None else [h.key for h in m.headline]
    by_key = {h.key: h for h in m.headline}
    previous = compared_with(m)  # in words: '2026-Q3', or 'the same 63 days of 2026-Q3 (to 2026-09-01)'
    cards = []
    for key in wanted:
        h = by_key[key]
        if h.withheld:  # too few closed deals: the sentence, never the rate in bold (issue 18)
            cards.append(
                f'<div class="card" data-key="{esc(h.key)}"{_style("card")}>'
                f'<div class="withheld"{_style("withheld")}>{esc(with_sample(h))}</div>'
                f'<div class="label"{_style("label")}>{esc(h.label)}</div></div>'
            )
            continue
        # green when it is good news; a change that rounds to nothing is no news either way
        trend = (
            "flat"
            if is_no_change(h.change, h.unit)
            else {True: "better", False: "worse", None: "flat"}[h.improved]
        )
        rests = rests_on(h)
        sample = f'<div class="sample"{_style("sample")}>{esc(rests)}</div>' if rests else ""
        if is_missing(h.value) and is_missing(h.previous):  # nothing either side: no '– vs –' to read
            change = f"none in {previous} either"
        else:
            change = f"{change_words(h.change, h.unit)} vs {format_value(h.previous, h.unit)} in {previous}"
        cards.append(
            f'<div class="card" data-key="{esc(h.key)}"{_style("card")}>'
            f'<div class="value"{_style("value")}>{esc(format_value(h.value, h.unit))}</div>'
            f'<div class="label"{_style("label")}>{esc(h.label)}</div>{sample}'
            f'<div class="change {trend}"{_style(trend)}>{esc(change)}</div></div>'
        )
    return f'<section class="cards"{_style("cards")}>{"".join(cards)}</section>'


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def paragraph(text: str, cls: str = "") -> str:
    return f'<p class="{esc(cls)}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def bullet_list(items: Sequence[str], empty: str = "") -> str:
    if not items:
        return paragraph(empty, "empty") if empty else ""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _cell(value: Any, unit: str | None) -> str:
    if unit and not (value is None or (isinstance(value, float) and math.isnan(value))):
        return esc(format_value(float(value), unit))
    if isinstance(value, float) and not math.isnan(value) and value.is_integer():
        return esc(f"{value:,.0f}")
    return esc(value)


def _in_own_scroll(table_html: str) -> str:
    """A table in a box that scrolls sideways on its own: on a phone a wide table (the goals, a scorecard)
    scrolls inside the report instead of making the whole page wider than the screen. The style is inline
    so it holds in JupyterLab too, where the report's CSS is not loaded."""
    return f'<div class="table-scroll" style="overflow-x:auto;max-width:100%">{table_html}</div>'


def table(
    frame: pd.DataFrame | Sequence[Mapping[str, Any]],
    columns: Mapping[str, str],
    *,
    units: Mapping[str, str] | None = None,
    empty: str = "Nothing to show.",
    cls: str = "",
) -> str:
    """An HTML table of ``columns`` (name → header) with values formatted by ``units`` and escaped; an
    ``activity`` column shows each activity by its name ('Reference call'), not its key."""
    rows = frame.to_dict("records") if isinstance(frame, pd.DataFrame) else list(frame)
    if not rows:
        return paragraph(empty, "empty")
    units = units or {}
    if "activity" in columns:
        rows = [
            row | {"activity": activity_name(row["activity"])}
            if isinstance(row.get("activity"), str)
            else row
            for row in rows
        ]
    head = "".join(f"<th>{esc(label)}</th>" for label in columns.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(c), units.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return _in_own_scroll(
        f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


# Charts: drawn by kit.charts (the e-mail's come from there too), shown inline as PNGs, each with its title
# and a one-line takeaway below it.


def show_chart(fig: Figure | None, *, title: str, takeaway: str, empty: str) -> None:
    """Show a chart and its takeaway; when there was nothing to draw (``fig`` None), its title and ``empty``."""
    if fig is None:
        show(heading(title, 4) + paragraph(empty, "empty"))
        return
    from IPython.display import display

    display(fig)  # as a PNG, through the inline backend's formatter, as pyplot's show would
    show(paragraph(takeaway, "takeaway"))


def bar_chart(
    labels: Sequence[Any],
    values: Sequence[float | None],
    *,
    title: str,
    takeaway: str,
    unit: str = COUNT,
    target: Sequence[float | None] | None = None,
    empty: str = "No data to chart for this period.",
) -> None:
    """``kit.charts.bar_chart`` shown with its takeaway."""
    from kit import charts

    fig = charts.bar_chart(labels, values, title=title, unit=unit, target=target)
    show_chart(fig, title=title, takeaway=takeaway, empty=empty)


def column_chart(
    labels: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    takeaway: str,
    unit: str = COUNT,
    empty: str = "No data to chart yet.",
) -> None:
    """``kit.charts.column_chart`` shown with its takeaway."""
    from kit import charts

    fig = charts.column_chart(labels, series, title=title, unit=unit)
    show_chart(fig, title=title, takeaway=takeaway, empty=empty)


def histogram(
    values: Sequence[float | None],
    *,
    title: str,
    takeaway: str,
    xlabel: str,
    marker: float | None = None,
    empty: str = "No data to chart yet.",
) -> None:
    """``kit.charts.histogram`` shown with its takeaway."""
    from kit import charts

    fig = charts.histogram(values, title=title, xlabel=xlabel, marker=marker)
    show_chart(fig, title=title, takeaway=takeaway, empty=empty)


# Report sections built from several figures.

_GOAL_COLUMNS = {
    "goal_id": "Goal",
    "metric": "Metric",
    "segment": "Segment",
    "period": "Period",
    "target": "Target",
    "actual": "Actual",
    "attainment": "Attained",
    "expected": "Expected by now",
    "status": "Status",
}


def goals_table(m: ProgramMetrics) -> str:
    """The goals of the period with actual, target (in the metric's unit), attainment and status; the
    metric by its name ('Active advocates'), as the goal chart labels it, not its id."""
    from kit.metrics import HEADLINE, GoalStatus

    if m.goals.empty:
        return paragraph(f"No goal in the Goals tab covers {m.period.label}.", "empty")
    rows = []
    for goal in m.goals.to_dict("records"):
        unit = HEADLINE.get(goal["metric"], ("", COUNT))[1]
        state = GoalStatus(goal["status"])
        status = state.value + (f" ({goal['note']})" if goal["note"] else "")
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{esc(v)}</td>"
                for v in (
                    goal["goal_id"],
                    metric_name(goal["metric"]),
                    goal["segment"] or "whole program",
                    goal["period"],
                    format_value(goal["target"], unit) if goal["target"] is not None else "",
                    format_value(goal["actual"], unit),
                    format_value(goal["attainment"], SHARE),
                    format_value(goal["expected"], unit),
                )
            )
            + f'<td class="status-{esc(state.value.replace(" ", "-"))}">{esc(status)}</td></tr>'
        )
    head = "".join(f"<th>{esc(h)}</th>" for h in _GOAL_COLUMNS.values())
    return _in_own_scroll(
        f'<table class="goals"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def stories(m: ProgramMetrics) -> str:
    """The success stories as sentences, each followed by the advocates who helped (names only)."""
    if not m.success_stories:
        yet = " yet" if m.period.contains(m.as_of) else ""
        return paragraph(f"No won deal with an advocate's help closed in {m.period.label}{yet}.", "empty")
    parts = []
    for story in m.success_stories:
        helpers = ", ".join(story.advocates_used)
        parts.append(
            f'<p class="story"{_style("story")}>{esc(story.sentence)}'
            + (f"<br><small>Advocates: {esc(helpers)}</small>" if helpers else "")
            + "</p>"
        )
    return "\n".join(parts)


def _nominations(n: int | None) -> str:
    return _plural(int(n or 0), "nomination")


def nomination_funnel(m: ProgramMetrics) -> str:
    """The period's nominations in numbers that add up, each with what it counts: those sent in during the
    period by where they stand today (received = accepted + declined + awaiting), then, apart, the earlier
    nominations decided in the period and those still waiting from before it."""
    p, label = m.pipeline, m.period.label
    until = min(m.as_of, m.period.end)
    sent = f"sent in from {m.period.start:%-d %b %Y} to {until:%-d %b %Y}"
    rows = [
        ("Received", p.received, sent),
        ("… accepted", p.received_accepted, "of those received, accepted by now"),
        ("… declined", p.received_declined, "of those received, declined by now"),
        ("… awaiting a decision", p.received_awaiting, "of those received, not decided yet"),
        (
            "Earlier nominations decided",
            p.earlier_decided,
            f"sent in before {label}, accepted or declined in it",
        ),
        ("Earlier nominations still waiting", p.earlier_awaiting, f"sent in before {label}, not decided yet"),
    ]
    return table(
        [{"what": what, "n": n, "counts": counts} for what, n, counts in rows],
        {"what": f"Nominations, {label}", "n": "Number", "counts": "What is counted"},
        cls="funnel",
    )


def nomination_takeaway(m: ProgramMetrics) -> str:
    """The funnel in a sentence: the period's nominations by outcome, then the decisions made in the period
    (on nominations of any period), their acceptance rate and speed, and the wait from earlier periods."""
    p, label = m.pipeline, m.period.label
    text = (
        f"{_nominations(p.received)} received in {label}: {p.received_accepted or 0} accepted, "
        f"{p.received_declined or 0} declined, {p.received_awaiting or 0} awaiting a decision."
    )
    if p.decided:
        earlier = f" ({p.earlier_decided} on earlier nominations)" if p.earlier_decided else ""
        text += (
            f" Of the {p.decided} decision{'s' if p.decided != 1 else ''} made in {label}{earlier}, "
            f"{format_value(p.acceptance_rate, SHARE)} accepted, in a median "
            f"{format_value(p.median_days_to_decision, DAYS)}."
        )
    if p.earlier_awaiting:
        verb = "awaits" if p.earlier_awaiting == 1 else "await"
        text += f" {_nominations(p.earlier_awaiting)} sent in before {label} still {verb} one."
    return text


def impact_sentences(m: ProgramMetrics) -> list[str]:
    """Program impact in words: win rates with and without advocates, deal size, sales cycle."""
    i = m.impact
    w, wo = i.with_advocates, i.without_advocates
    if not i.closed:
        return []
    lines = [
        f"{i.influenced} of the {i.closed} opportunities closed in {m.period.label} used an advocate "
        f"({format_value(i.influenced_share, SHARE)}); the won ones brought {format_value(i.revenue_influenced, MONEY)}."
    ]
    if not i.enough_deals:
        text = i.too_few_deals
        lines.append(
            f"{text[:1].upper()}{text[1:]}: win rates are compared once there are {i.min_deals_for_rates} "
            "closed deals on each side."  # for executives: no setting's name
        )
    elif w.win_rate is not None and wo.win_rate is not None:
        more = i.win_rate_lift
        compare = f"{more:.0%} more often" if more is not None and more > 0 else "no more often"
        bounds = interval_text(i.win_rate_lift_interval, lift=True)
        lines.append(
            f"Opportunities that used an advocate won {compare} than the others "
            f"({format_value(w.win_rate, SHARE)} of {w.closed} vs {format_value(wo.win_rate, SHARE)} of "
            f"{wo.closed}" + (f"; lift {bounds}" if bounds else "") + ")."
        )
        lines += comparable_sentences(i)
    if w.average_deal_size is not None and wo.average_deal_size is not None:
        lines.append(
            f"Average won deal: {format_value(w.average_deal_size, MONEY)} with an advocate, "
            f"{format_value(wo.average_deal_size, MONEY)} without."
        )
    if w.median_sales_cycle_days is not None and wo.median_sales_cycle_days is not None:
        lines.append(
            f"Median sales cycle: {w.median_sales_cycle_days:.0f} days with an advocate, "
            f"{wo.median_sales_cycle_days:.0f} days without."
        )
    return lines


def win_rate_chart(m: ProgramMetrics) -> None:
    """The win rates with and without advocates, each with its 95% interval as an error bar and its number of
    closed deals under its column; too few deals: no chart, the sentence saying so."""
    from kit import charts

    i = m.impact
    w, wo = i.with_advocates, i.without_advocates
    title = f"Win rate of opportunities closed in {m.period.label} (bars: 95% interval)"
    if not i.closed:
        show_chart(None, title=title, takeaway="", empty=f"No opportunity closed in {m.period.label}.")
        return
    if not i.enough_deals:
        text = i.too_few_deals
        show_chart(None, title=title, takeaway="", empty=f"{text[:1].upper()}{text[1:]}.")
        return
    fig = charts.column_chart(
        [f"with an advocate ({w.closed} deals)", f"without ({wo.closed} deals)"],
        {"win rate": [w.win_rate, wo.win_rate]},
        title=title,
        unit=SHARE,
        intervals={"win rate": [w.win_rate_interval, wo.win_rate_interval]},
    )
    more, bounds = i.win_rate_lift, i.win_rate_lift_interval
    takeaway = (
        f"Opportunities that used an advocate won {more:.0%} more often "
        f"(lift {interval_text(bounds, lift=True) or 'without an interval yet'})"
        + (
            "; that interval includes no difference at all, so this could be chance."
            if bounds and bounds[0] <= 0
            else "."
        )
        if more is not None and more > 0
        else f"No win-rate lift from advocates can be shown for {m.period.label}."
    )
    show_chart(fig, title=title, takeaway=takeaway, empty=f"No opportunity closed in {m.period.label}.")


def draft(m: ProgramMetrics) -> str:
    from kit.metrics import draft_message

    return f'<div class="draft"{_style("draft")}>{esc(draft_message(m))}</div>'


def data_health(m: ProgramMetrics) -> str:
    """The data-quality note; the rows each figure left out, per unusable cell and why; then the cells
    ignored without leaving anything out (the goal-tracking report's detail, not the executive's)."""
    dq = m.data_quality
    parts = [data_quality_note(m)]
    parts.append(
        table(
            dq.excluded,
            {
                "why": "Left out",
                "tab": "Tab",
                "column": "Column",
                "rows": "Sheet rows",
                "example": "Example",
            },
            empty="No figure leaves a row out.",
        )
    )
    ignored = dq.ignored
    if len(ignored):
        parts.append(paragraph("Cells ignored (read as blank); no figure needs them, so no row is left out:"))
        parts.append(
            table(
                ignored,
                {
                    "tab": "Tab",
                    "column": "Column",
                    "cells": "Cells",
                    "rows": "Sheet rows",
                    "example": "Example",
                },
            )
        )
    work = dq.health
    if work is not None:
        parts.append(
            table(
                work.scores,
                {
                    "tab": "Tab",
                    "rows": "Rows",
                    "rows_with_errors": "Rows with errors",
                    "rows_with_warnings": "Rows with warnings",
                    "share_without_errors": "Rows without errors",
                },
                units={"share_without_errors": SHARE},
            )
        )
        parts.append(
            paragraph(
                f"Work-list: {work.profiles_to_reverify} profile(s) to re-verify, "
                f"{work.advocates_resting} advocate(s) resting at their cap, "
                f"{work.nominations_waiting} nomination(s) waiting for a decision "
                "(`advocacy-kit health` lists them)."
            )
        )
    return "\n".join(p for p in parts if p)


# Adoption and the stakeholder agreements (issue 22): the Commitments tab's two directions side by side per
# team, and the coaching list. Colleagues' names and managers only, never an advocate's contact.

_COMMITMENT_CLASS = {"met": "achieved", "on track": "on-track", "behind": "behind", "missed": "missed"}


def _commitment_cells(row: Mapping[str, Any] | None) -> str:
    """Three cells for one side of an agreement: the words, actual / target, status (with its note)."""
    from kit.metrics.adoption import COMMITMENT_METRICS

    if row is None:
        return "<td></td><td></td><td></td>"
    unit = COMMITMENT_METRICS.get(row["metric"] or "", ("", COUNT))[1]
    target = row.get("target")
    has_target = target is not None and not (isinstance(target, float) and math.isnan(target))
    figure = format_value(row.get("actual"), unit) + (
        f" / {format_value(target, unit)}" if has_target else ""
    )
    status = str(row["status"])
    note = row.get("note") or ""
    css = _COMMITMENT_CLASS.get(status)
    cls = f' class="status-{css}"' if css else ""
    shown = status + (f" ({note})" if note else "")
    return (
        f"<td>{esc(row['commitment'])}</td><td>{esc(figure if row['metric'] else '')}</td>"
        f"<td{cls}>{esc(shown)}</td>"
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def stakeholder_scorecard(m: ProgramMetrics) -> str:
    """One table per team: what the program gives the team beside what the team gives the program (each with
    actual / target and status, as ``metrics --json`` gives them), under the team's use of the program."""
    from kit import schema

    commitments = m.commitments
    if commitments.empty:
        return paragraph(
            f"No commitment in the {schema.COMMITMENTS.name} tab covers {m.period.label}: write each team's "
            "agreement there (what the program gives, what the team gives back).",
            "empty",
        )
    by_team = m.adoption.by_team.set_index("team") if m.adoption is not None else pd.DataFrame()
    teams = [t for t in schema.TEAMS if t in set(commitments["team"])]
    teams += sorted({str(t) for t in commitments["team"].dropna()} - set(teams))
    parts = []
    for team in teams:
        mine = commitments[commitments["team"] == team]
        give = mine[mine["direction"] == schema.PROGRAM_TO_TEAM].to_dict("records")
        back = mine[mine["direction"] == schema.TEAM_TO_PROGRAM].to_dict("records")
        rows = "".join(
            "<tr>"
            + _commitment_cells(give[i] if i < len(give) else None)
            + _commitment_cells(back[i] if i < len(back) else None)
            + "</tr>"
            for i in range(max(len(give), len(back)))
        )
        head = (
            f'<tr><th colspan="3">The program gives {esc(team)}</th>'
            f'<th colspan="3">{esc(team)} gives the program</th></tr>'
            + "<tr>"
            + "<th>Commitment</th><th>Actual / target</th><th>Status</th>" * 2
            + "</tr>"
        )
        use = ""
        if team in by_team.index:
            row = by_team.loc[team]
            n = int(row["sellers_with_deals"])
            if n:
                use = (
                    f"{int(row['sellers_using'])} of {_plural(n, 'seller')} with closed deals used the program "
                    f"({format_value(row['sellers_using_share'], SHARE)}); "
                    f"{_plural(int(row['requests_made']), 'request')}, "
                    f"{_plural(int(row['nominations_made']), 'nomination')} in {m.period.label}."
                )
            else:
                use = (
                    f"{_plural(int(row['requests_made']), 'request')}, "
                    f"{_plural(int(row['nominations_made']), 'nomination')} in {m.period.label}."
                )
        parts.append(
            heading(team, 3)
            + (paragraph(use) if use else "")
            # six columns do not fit a phone: the table scrolls inside its box, not the page
            + '<div style="overflow-x:auto;max-width:100%">'
            + _in_own_scroll(
                f'<table class="scorecard" data-team="{esc(team)}"><thead>{head}</thead><tbody>{rows}</tbody></table>'
            )
            + "</div>"
        )
    return "\n".join(parts)


def coaching_table(m: ProgramMetrics) -> str:
    """The coaching list: sellers who closed deals in the period without a request, most closed first, with
    their team and manager (colleagues only)."""
    if m.adoption is None or m.adoption.coaching.empty:
        return paragraph(
            f"Every seller with a deal closed in {m.period.label} made a request (or no closed deal's owner is "
            "in the People tab).",
            "empty",
        )
    coaching = m.adoption.coaching.assign(manager=lambda f: f["manager"].fillna(f["manager_email"]))
    return table(
        coaching,
        {
            "name": "Seller",
            "team": "Team",
            "manager": "Manager",
            "closed_deals": "Closed deals",
            "closed_amount": "Closed amount",
        },
        units={"closed_deals": COUNT, "closed_amount": MONEY},
        cls="coaching",
    )
