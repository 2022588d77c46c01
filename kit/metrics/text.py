"""The figures in words: the executive's draft message and the plain-text summary ``advocacy-kit metrics``
prints. Numbers are written by ``kit.formatting`` (re-exported here as metrics always offered them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from kit.formatting import format_change, format_value
from kit.formatting import money as money  # re-exported: the story sentences (outcomes.py) import it here
from kit.metrics.definitions import COUNT, HEADLINE, MONEY, SHARE, under_covered
from kit.periods import Period

if TYPE_CHECKING:
    from kit.metrics.sections import Headline, Impact, ProgramMetrics


ACTIVITY_NOUNS = {
    "reference_call": ("reference call", "reference calls"),
    "case_study": ("case study", "case studies"),
    "speaking": ("speaking slot", "speaking slots"),
    "review": ("review", "reviews"),
    "media": ("media interview", "media interviews"),
    "analyst": ("analyst briefing", "analyst briefings"),
    "site_visit": ("site visit", "site visits"),
    "rfp": ("RFP reference", "RFP references"),
    "video": ("video", "videos"),
    "webinar": ("webinar", "webinars"),
    "social": ("social post", "social posts"),
    "advisory_board": ("advisory board session", "advisory board sessions"),
}


def activity_nouns(activity: str) -> tuple[str, str]:
    """('reference call', 'reference calls'): the words for an activity key (the key itself when unknown)."""
    words = activity.replace("_", " ")
    return ACTIVITY_NOUNS.get(activity, (words, words + "s"))


def activity_name(key: str) -> str:
    """An activity as people read it in a label or a table: 'reference_call' → 'Reference call', 'rfp' →
    'RFP reference' (the words the messages use for it)."""
    one = activity_nouns(str(key))[0]
    return one[:1].upper() + one[1:]


def metric_name(key: str) -> str:
    """A metric as people read it: 'active_advocates' → 'Active advocates' (the headline's own label);
    a key the headline does not know reads as words, and a name someone typed stays as typed."""
    if key in HEADLINE:
        return HEADLINE[key][0]
    text = str(key)
    return text.replace("_", " ").capitalize() if text.isidentifier() and text.lower() == text else text


def counted(n: float | None, one: str, many: str) -> str:
    """'1 active advocate', '245 active advocates', '1,204 requests': a count and the noun that agrees."""
    return f"{format_value(n, COUNT)} {one if n == 1 else many}"


def with_article(noun: str) -> str:
    """'a reference call', 'an analyst briefing', 'an RFP reference'."""
    return f"{'an' if noun[0] in 'aeiouAEIOU' or noun.startswith('RFP') else 'a'} {noun}"


def _activity_phrase(counts: Mapping[str, int]) -> str:
    """{'reference_call': 2, 'site_visit': 1} → '2 reference calls and a site visit'."""
    parts = []
    for activity, count in counts.items():
        one, many = activity_nouns(activity)
        parts.append(with_article(one) if count == 1 else f"{count} {many}")
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _period_phrase(period: Period, as_of: dt.date) -> str:
    """'this quarter' while the period runs on ``as_of``, else 'in 2026-Q3' (``Period.phrase``)."""
    return period.phrase(as_of)


# What a headline share's ``n`` counts, for "68% of 25 deals".
SAMPLE_NOUNS = {
    "within_sla_share": "requests",
    "influenced_share": "closed deals",
    "win_rate_with": "closed deals",
    "win_rate_without": "closed deals",
    "win_rate_lift": "closed deals",
}


def interval_text(interval: tuple[float, float] | None, unit: str = SHARE, *, lift: bool = False) -> str:
    """'95% interval 48–83%'; a lift's as signed percentages ('+31% to +348%'); '' without an interval."""
    if interval is None:
        return ""
    low, high = interval
    if lift:
        return f"95% interval {low:+.0%} to {high:+.0%}"
    if unit == SHARE:
        return f"95% interval {low * 100:.0f}–{high:.0%}"
    return f"95% interval {format_value(low, unit)}–{format_value(high, unit)}"


def rests_on(h: Headline, separator: str = "; ") -> str:
    """What a share rests on, under its value: 'of 25 closed deals; 95% interval 48–83%' (the lift: 'over 47
    closed deals; …'); '' for a count or a sum, or a figure with no value."""
    if h.n is None or h.value is None:
        return ""
    lift = h.key == "win_rate_lift"
    text = f"{'over' if lift else 'of'} {h.n} {SAMPLE_NOUNS.get(h.key, 'items')}"
    bounds = interval_text(h.interval, h.unit, lift=lift)
    return f"{text}{separator}{bounds}" if bounds else text


def with_sample(h: Headline) -> str:
    """A headline figure with what it rests on: '68% of 25 closed deals', or the sentence saying there are
    too few deals to compare; a figure without a denominator as ``format_value`` writes it."""
    if h.withheld:
        return h.withheld[:1].upper() + h.withheld[1:]
    value = format_value(h.value, h.unit)
    if h.n is None or h.value is None:
        return value
    noun = SAMPLE_NOUNS.get(h.key, "items")
    if h.key == "win_rate_lift":
        return f"{value} (over {h.n} {noun})"
    return f"{value} of {h.n} {noun}"


def comparable_sentences(impact: Impact) -> list[str]:
    """The lift among deals of similar size in words, with its interval and deal count, and what it is not.

    'Among deals of similar size, those with an advocate won 1.4× as often (95% interval 1.1–1.8, 312
    deals).' Nothing when too few deals stand behind the comparison (the reports say so once)."""
    c = impact.win_rate_lift_comparable
    if c is None or not impact.enough_deals:
        return []
    if c.value is None:
        return [
            "Deals of similar size cannot be compared yet: no size band has won deals on both sides "
            "(with an advocate and without)."
        ]
    ratio = c.value + 1
    bounds = f"95% interval {c.interval[0] + 1:.1f}–{c.interval[1] + 1:.1f}, " if c.interval else ""
    used = sum(b.used for b in c.bands)
    return [
        f"Among deals of similar size, those with an advocate won {ratio:.1f}× as often as those without "
        f"({bounds}{c.deals} deals in {used} size band{'s' if used != 1 else ''}).",
        "This is an association, not proof that the advocate caused the win: deals that ask for a reference "
        "may differ in other ways (stage, interest, the rep). Comparing deals of similar size removes the "
        "difference in size only.",
    ]


def figure_names(keys: Iterable[str]) -> str:
    """'revenue influenced (won)', 'active advocates and new advocates': figures as the note names them."""
    names = [HEADLINE[k][0][:1].lower() + HEADLINE[k][0][1:] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def draft_message(m: ProgramMetrics) -> str:
    """A ready-to-edit note from the executive to the company, written from the figures only."""
    when = _period_phrase(m.period, m.as_of)
    if not m.has_data:
        return (
            "Our customer advocacy program is just starting: there is no data in the program's workbook yet."
        )
    if not m.period_has_data:
        yet = " yet" if m.period.contains(m.as_of) else ""
        return f"Nothing was recorded in the customer advocacy program for {m.period.label}{yet}."
    f = {h.key: h for h in m.headline}

    def value(key: str) -> float | None:  # a figure the metrics do not carry (an old JSON) is left unsaid
        return f[key].value if key in f else None

    lines = ["Team,", ""]
    impact = []
    if value("opportunities_influenced"):
        impact.append(
            f"our customer advocates helped {counted(value('opportunities_influenced'), 'deal', 'deals')} "
            f"{when}, and the ones we won brought {format_value(value('revenue_influenced'), MONEY)}"
        )
    lift, comparable = f.get("win_rate_lift"), m.impact.win_rate_lift_comparable
    if lift is None or lift.withheld:
        pass  # too few closed deals to compare: the message claims nothing
    elif comparable is not None and comparable.value is not None and comparable.value > 0:
        impact.append(
            f"among deals of similar size, those that used an advocate won {comparable.value + 1:.1f}× as "
            f"often as those that did not ({comparable.deals} closed deals)"
        )
    elif lift.value is not None and lift.value > 0:
        impact.append(
            f"deals that used an advocate won {lift.value:.0%} more often than those that did not "
            f"({lift.n} closed deals)"
        )
    if impact:
        lines.append("Thank you: " + "; ".join(impact) + ".")
    if m.success_stories:
        lines.append("")
        lines.append("A few wins worth celebrating:")
        lines += [f"- {s.sentence}" for s in m.success_stories[:3]]
    if value("active_advocates") is not None:
        lines.append("")
        lines.append(
            f"We have {counted(value('active_advocates'), 'active advocate', 'active advocates')} "
            f"({format_value(value('new_advocates'), COUNT)} new {when}), and we fulfilled "
            f"{counted(value('requests_fulfilled'), 'request', 'requests')} for them"
            + (
                f", {format_value(value('within_sla_share'), SHARE)} within our service targets."
                if value("within_sla_share") is not None
                else "."
            )
        )
    gaps = under_covered(m.coverage)
    if len(gaps):
        asks = ", ".join(f"{int(r['gap'])} more {r['phrase']}" for _, r in gaps.iterrows())
        lines += ["", f"My ask of you: help us recruit {asks}. Nominate the customers you know."]
    lines += ["", "Thank you to every advocate and every colleague who made this possible."]
    return "\n".join(lines)


def compared_with(m: ProgramMetrics) -> str:
    """What the headline changes compare with: '2026-Q3', or 'the same 51 days of 2026-Q3 (to 2026-08-20)'."""
    previous, until = m.previous_period, m.previous_until
    if until >= previous.end:
        return previous.label
    if m.period.contains(m.as_of):
        days = m.previous_days
        return f"the same {days} day{'s' if days != 1 else ''} of {previous.label} (to {until})"
    return f"{previous.label} (to {until})"


def describe_metrics(m: ProgramMetrics) -> str:
    """The headline figures, the goals and the data-quality note as plain text (``advocacy-kit metrics``)."""
    scope = "" if m.segment.is_everything else f", {m.segment}"
    lines = [
        f"{m.period.label} ({m.period.start} .. {m.period.end}{scope}), data as of {m.as_of}; "
        f"compared with {compared_with(m)}",
        "",
    ]
    if not m.has_data:
        lines.append("No data yet: the program's workbook has no advocates, requests or opportunities.")
    elif not m.period_has_data:
        lines.append(f"No data for {m.period.label}: nothing in the workbook is dated in this period.")
    width = max(len(h.label) for h in m.headline) + 2
    for h in m.headline:
        sample = ""
        if h.n is not None:
            bounds = interval_text(h.interval, h.unit, lift=h.key == "win_rate_lift")
            sample = (
                f"   n={h.n}"
                + (f", {bounds}" if bounds else "")
                + (" — too few to compare" if h.withheld else "")
            )
        lines.append(
            f"  {h.label:<{width}}{format_value(h.value, h.unit):>12}   "
            f"({format_change(h.change, h.unit)} vs {format_value(h.previous, h.unit)}){sample}"
        )
    if len(m.goals):
        lines += ["", "Goals:"]
        for _, g in m.goals.iterrows():
            unit = HEADLINE.get(g["metric"], ("", COUNT))[1]
            segment = f" [{g['segment']}]" if g["segment"] else ""
            figure = (
                f"{format_value(g['actual'], unit)} of {format_value(g['target'], unit)}"
                if g["note"] == ""
                else g["note"]
            )
            lines.append(f"  {g['goal_id']} {g['metric']}{segment} {g['period']}: {figure} — {g['status']}")
    lines += ["", f"Data quality: {m.data_quality.note}"]
    return "\n".join(lines)


# What the executive update asks and tells, line by line: the report and its e-mail both say these.


def executive_data_quality(m: ProgramMetrics) -> str:
    """What the workbook's errors mean for the figures, for a reader who will not fix them: how many rows
    were left out and that the program team is on it, never a command or a validator's code."""
    dq = m.data_quality
    if not dq.validated:
        return "These figures were computed without checking the workbook for errors."
    if dq.rows_excluded:
        n = dq.rows_excluded
        rows = f"{n:,} row was" if n == 1 else f"{n:,} rows were"
        return f"{rows} left out of the figures because of errors the program team is fixing."
    if dq.errors:
        return "The program team is fixing a few errors in the workbook; none of them changes these figures."
    return "No data problem changes these figures."


def new_advocate_lines(m: ProgramMetrics) -> list[str]:
    """'12 new Insurance advocates using Product A (40 in all)', one line per strategic segment."""
    lines = []
    for row in m.coverage.to_dict("records"):
        count = int(row["new_advocates"])
        phrase = row["phrase"] if count != 1 else row["phrase"].replace("advocates", "advocate", 1)
        lines.append(f"{count} new {phrase} ({int(row['active_advocates'])} active in all)")
    return lines


def asks(m: ProgramMetrics) -> list[str]:
    """What the executives can do: the biggest coverage gaps, the teams not using the program."""
    lines = [
        f"Help us recruit {int(row['gap'])} more {row['phrase']} (we have {int(row['active_advocates'])}, "
        f"the goal is {int(row['target'])})."
        for row in under_covered(m.coverage).head(3).to_dict("records")
    ]
    idle = m.service.teams_without_requests
    if m.has_data and idle:
        lines.append(f"Encourage these teams to use customer references: {', '.join(idle)} made no request.")
    lines += behind_lines(m)
    return lines


def behind_lines(m: ProgramMetrics) -> list[str]:
    """The teams behind on their side of the agreement (team_to_program commitments behind or missed), one
    ask per team naming what it promised: 'Events: “Speaker needs logged a quarter ahead” (4 of 8).'"""
    from kit import schema
    from kit.metrics.adoption import COMMITMENT_METRICS  # adoption imports this module: late

    c = m.commitments
    if c.empty:
        return []
    late = c[(c["direction"] == schema.TEAM_TO_PROGRAM) & c["status"].isin(["behind", "missed"])]
    lines = []
    for team, rows in late.groupby("team", sort=False):
        promised = []
        for row in rows.to_dict("records"):
            unit = COMMITMENT_METRICS.get(row["metric"] or "", ("", COUNT))[1]
            figure = f"{format_value(row['actual'], unit)} of {format_value(row['target'], unit)}"
            promised.append(f"“{row['commitment']}” ({row['status']}: {figure})")
        lines.append(f"Help {team} keep its side of the agreement: {'; '.join(promised)}.")
    return lines


def team_adoption_lines(m: ProgramMetrics) -> list[str]:
    """'Sales: 75% of sellers with closed deals used the program (9 of 12).' per team with closed deals, after
    the whole program's line, which says the change from the period before."""
    a = m.adoption
    if a is None or not a.sellers_with_deals:
        return []
    first = (
        f"All teams: {format_value(a.sellers_using_share, SHARE)} of sellers with closed deals used the program "
        f"({a.sellers_using} of {a.sellers_with_deals})"
    )
    if a.previous_sellers_using_share is not None and a.previous_sellers_with_deals:
        change = a.sellers_using_share - a.previous_sellers_using_share
        way = "up" if change > 0 else "down" if change < 0 else "the same as"
        before = format_value(a.previous_sellers_using_share, SHARE)
        first += f", {way} from {before}" if way != "the same as" else f", as in {m.previous_period.label}"
        n_before = a.previous_sellers_with_deals
        first += f" ({n_before} seller{'' if n_before == 1 else 's'} in {m.previous_period.label})"
    lines = [first + "."]
    for row in a.by_team.to_dict("records"):
        n = int(row["sellers_with_deals"])
        if n:
            line = (
                f"{row['team']}: {format_value(row['sellers_using_share'], SHARE)} of sellers with closed deals "
                f"used the program ({int(row['sellers_using'])} of {n})"
            )
            before, n_before = row.get("previous_sellers_using_share"), row.get("previous_sellers_with_deals")
            if before is not None and not pd.isna(before) and n_before:
                change = row["sellers_using_share"] - before
                way = "up from" if change > 0 else "down from" if change < 0 else "as in"
                shown = format_value(before, SHARE) if way != "as in" else m.previous_period.label
                line += f", {way} {shown} ({int(n_before)} in {m.previous_period.label})"
            lines.append(line + ".")
    return lines
