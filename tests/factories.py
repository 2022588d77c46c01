"""Builders of test data that several test modules share, so that no test module imports another.

Each takes overrides for what a test varies and fills in the rest with small hand-checkable values. Rows are
written as {column: cell value}, the way a person fills the sheet, keyed by the schema's column names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kit import schema
from kit.program import Grid, Program, program_from_grids

if TYPE_CHECKING:
    from kit.metrics import ProgramMetrics

A, R, X, N, O, G, S, H = (
    t.col
    for t in (
        schema.ADVOCATES,
        schema.REQUESTS,
        schema.ACTIVITIES,
        schema.NOMINATIONS,
        schema.OPPORTUNITIES,
        schema.GOALS,
        schema.SETTINGS,
        schema.HISTORY,
    )
)

Row = dict[str, Any]
Rows = Sequence[Mapping[str, Any]]

# "Today" in tests, so that figures do not move with the calendar: in 2026-Q4 (1 October to 31 December).
AS_OF = dt.date(2026, 11, 20)
DEMO_AS_OF = AS_OF  # the day the demo program is built as of

# ----------------------------------------------------------------------------------------------------------
# One row builder per tab. Each gives the n-th row its own id, in the form the kit writes them (kit.actions
# logs REQ-000001 and adds ADV-0001, kit.demo numbers the other tabs alike); a default row is clean (the
# validator finds nothing on it); and a default advocate is what a default request asks for: a reference
# call in Insurance, EMEA.


def advocate(n: int = 1, **cells: Any) -> Row:
    """An Active advocate at Company n, in Insurance, EMEA, who agreed to reference calls and whose profile was
    verified on 1 June 2026 (so not stale on AS_OF)."""
    row = {
        A.advocate_id: f"ADV-{n:04d}",
        A.name: f"Person {n}",
        A.email: f"person{n}@example.com",
        A.company: f"Company {n}",
        A.industry: "Insurance",
        A.region: "EMEA",
        A.activities: "reference_call",
        A.status: schema.ACTIVE_STATUS,
        A.last_verified: dt.date(2026, 6, 1),
    }
    return row | cells


def request(n: int = 1, **cells: Any) -> Row:
    """A New request from Sales, logged two days before AS_OF, for a reference call in Insurance, EMEA."""
    row = {
        R.request_id: f"REQ-{n:06d}",
        R.requested_on: dt.date(2026, 11, 18),
        R.requester_email: "rep@example.com",
        R.team: "Sales",
        R.activity: "reference_call",
        R.industry: "Insurance",
        R.region: "EMEA",
        R.status: schema.NEW_STATUS,
    }
    return row | cells


def activity(
    n: int = 1, advocate_id: str = "ADV-0001", day: dt.date = dt.date(2026, 10, 1), **cells: Any
) -> Row:
    """A reference call the advocate gave on ``day`` (in 2026-Q4 unless told), for no request."""
    row = {
        X.activity_id: f"ACT-{n:06d}",
        X.advocate_id: advocate_id,
        X.activity: "reference_call",
        X.date: day,
    }
    return row | cells


def nomination(n: int = 1, **cells: Any) -> Row:
    """A New nomination by Customer Success of Nominee n at Company n, with what accepting it needs."""
    row = {
        N.nomination_id: f"NOM-{n:05d}",
        N.submitted_on: dt.date(2026, 11, 1),
        N.nominator_email: "csm@example.com",
        N.team: "Customer Success",
        N.contact_name: f"Nominee {n}",
        N.contact_email: f"nominee{n}@example.com",
        N.company: f"Company {n}",
        N.products: "Product A",
        N.reason: "Great ROI story",
        N.status: schema.NEW_STATUS,
    }
    return row | cells


def opportunity(n: int = 1, **cells: Any) -> Row:
    """A $10,000 deal at Account n, opened 1 June 2026 and won on 15 October (in 2026-Q4)."""
    row = {
        O.opportunity_id: f"OPP-{n:06d}",
        O.account: f"Account {n}",
        O.owner: "Sam Rep",
        O.amount: 10_000,
        O.created_on: dt.date(2026, 6, 1),
        O.close_date: dt.date(2026, 10, 15),
        O.is_closed: True,
        O.is_won: True,
    }
    return row | cells


def goal(n: int = 1, **cells: Any) -> Row:
    """A goal of 10 active advocates in 2026-Q4, for the whole program."""
    row = {G.goal_id: f"G-{n:02d}", G.period: "2026-Q4", G.metric: "active_advocates", G.target: 10}
    return row | cells


def person(n: int = 1, **cells: Any) -> Row:
    """An Active Account Executive in Sales, Seller n (seller{n}@example.com), started on 1 January 2025 (so no
    new starter on AS_OF), with no manager unless told."""
    row = {
        schema.PEOPLE.col.email: f"seller{n}@example.com",
        schema.PEOPLE.col.name: f"Seller {n}",
        schema.PEOPLE.col.team: "Sales",
        schema.PEOPLE.col.role: "Account Executive",
        schema.PEOPLE.col.started_on: dt.date(2025, 1, 1),
        schema.PEOPLE.col.status: "Active",
    }
    return row | cells


def commitment(n: int = 1, **cells: Any) -> Row:
    """Sales' side of its agreement: 10 requests made in 2026-Q4."""
    row = {
        schema.COMMITMENTS.col.commitment_id: f"C-{n:02d}",
        schema.COMMITMENTS.col.team: "Sales",
        schema.COMMITMENTS.col.direction: schema.TEAM_TO_PROGRAM,
        schema.COMMITMENTS.col.commitment: "Sales logs every reference it needs as a request",
        schema.COMMITMENTS.col.metric: "requests_made",
        schema.COMMITMENTS.col.target: 10,
        schema.COMMITMENTS.col.period: "2026-Q4",
    }
    return row | cells


def history(request_id: str = "REQ-000001", **cells: Any) -> Row:
    """A History row: the request assigned to ADV-0001 on AS_OF's morning, New → Advocate Asked."""
    row = {
        H.request_id: request_id,
        H.at: "2026-11-20T09:00:00Z",
        H.by: "pm@example.com",
        H.from_status: schema.NEW_STATUS,
        H.to_status: schema.ADVOCATE_ASKED_STATUS,
        H.advocate_id: "ADV-0001",
    }
    return row | cells


def setting(key: str, value: Any) -> Row:
    """One row of the Settings tab: ``setting("cooldown_days", 0)``."""
    return {S.key: key, S.value: value}


# ----------------------------------------------------------------------------------------------------------
# Whole programs from rows


def grids_from_rows(tabs: Mapping[str, Rows]) -> dict[str, Grid]:
    """Every schema tab (empty unless given) from rows written as {column: cell value}; columns the schema
    does not know follow its own, in the order the rows name them."""
    grids: dict[str, Grid] = {}
    for tab in schema.TABS:
        rows = tabs.get(tab.name, ())
        extra = [c for row in rows for c in row if c not in tab]
        header = list(tab.names) + list(dict.fromkeys(extra))
        grids[tab.name] = [header] + [[row.get(c) for c in header] for row in rows]
    return grids


def program(**tabs: Rows) -> Program:
    """``program(Advocates=[advocate(1)], Requests=[request(1)])``: the Program read from those cells."""
    return program_from_grids(grids_from_rows(tabs), source="test")


# ----------------------------------------------------------------------------------------------------------
# Reports and e-mail

PM, CXO, VP = "pm@example.com", "cxo@example.com", "vp.sales@example.com"

REPORT_HTML = b"<!DOCTYPE html><html><body><h1>Executive update 2026-Q4</h1><p>full report</p></body></html>"


SUCCESS_STORY = {
    "rep": "Dana Ortiz",
    "account": "Acme Insurance",
    "amount": 3_800_000.0,
    "advocates_used": ["Sam Lee"],
    "activities": {"reference_call": 2},
    "sentence": "Dana Ortiz closed $3.8M at Acme Insurance this quarter with 2 reference calls.",
}


def metrics(**overrides: Any) -> ProgramMetrics:
    """The figures of a small program for 2026-Q4, as a report hands them to the e-mail: three headline
    figures, two goals, one success story, a clean workbook. ``overrides`` replace parts of its
    ``to_dict()`` form (``headline=[...]``, ``goals=[]``); sections not given are empty."""
    from kit.metrics import ProgramMetrics

    base: dict[str, Any] = {
        "period": {"label": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31", "kind": "quarter"},
        "previous_period": {"until": "2026-08-20"},
        "as_of": "2026-11-20",
        "segment": "whole program",
        "has_data": True,
        "period_has_data": True,
        "headline": [
            {
                "key": "revenue_influenced",
                "label": "Revenue influenced (won)",
                "value": 3_800_000.0,
                "previous": 2_500_000.0,
                "change": 1_300_000.0,
                "unit": "money",
            },
            {
                "key": "active_advocates",
                "label": "Active advocates",
                "value": 212,
                "previous": 200,
                "change": 12,
                "unit": "count",
            },
            {
                "key": "win_rate_lift",
                "label": "Win-rate lift with advocates",
                "value": 0.31,
                "previous": 0.25,
                "change": 0.06,
                "unit": "share",
            },
        ],
        "goals": [
            {
                "goal_id": "G-01",
                "metric": "new_advocates",
                "segment": "industry=Insurance",
                "target": 50,
                "actual": 30,
                "attainment": 0.6,
                "status": "behind",
            },
            {
                "goal_id": "G-02",
                "metric": "revenue_influenced",
                "segment": "",
                "target": 2_000_000,
                "actual": 3_800_000,
                "attainment": 1.9,
                "status": "achieved",
            },
        ],
        "success_stories": [SUCCESS_STORY],
        "data_quality": {"validated": True, "errors": 0, "warnings": 0, "rows_excluded": 0, "note": "ok"},
        **{section: {} for section in ("roster", "pipeline", "service", "impact", "activity", "recruiting")},
    }
    base.update(overrides)
    return ProgramMetrics.from_dict(base)


def email_section(**overrides) -> dict[str, Any]:
    """An [email] config section for a server on the internet (TLS, login); overrides replace keys."""
    section = {
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "username": "robot@example.com",
        "password_env": "ADVOCACY_SMTP_PASSWORD",
        "from": "Advocacy program <advocacy@example.com>",
        "recipients": {"executive-update": ["cxo@example.com"], "goal-tracking": ["pm@example.com"]},
    }
    section.update(overrides)
    return section


def local_mail_settings(port: int, **overrides: Any):
    """The checked MailSettings for a local test SMTP server on ``port`` (no TLS, no login, short waits)."""
    from kit.mail import settings_from_config

    section = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",  # a local test server: no TLS, no login
        "from": "Advocacy program <advocacy@example.com>",
        "recipients": {"executive-update": [CXO, VP], "goal-tracking": [PM]},
        "retry_wait": 0.5,
        "attempts": 4,
        "timeout": 5,
    }
    section.update(overrides)
    return settings_from_config(section)


def executive_metrics(**overrides: Any) -> ProgramMetrics:
    """``metrics()`` with what the executive update shows: its six figures (revenue influenced $3.8M, +$1.3M;
    25 opportunities influenced, +5, 44% of 57 closed deals; a 31% win-rate lift over 40 closed deals, +6
    points; 212 active advocates, +12; 30 new advocates, +15; 49 requests fulfilled, −13), two more the draft
    message or a full report reads (67% of 49 requests within SLA; 14 nominations received), one strategic
    segment short of its goal (8 Insurance advocates using Product A of 40) and Events making no request."""

    def figure(key: str, label: str, value: float, previous: float, unit: str, n: int | None = None) -> Row:
        return {"key": key, "label": label, "value": value, "previous": previous, "change": value - previous,
                "unit": unit} | ({"n": n} if n is not None else {})  # fmt: skip

    headline = [
        figure("revenue_influenced", "Revenue influenced (won)", 3_800_000.0, 2_500_000.0, "money"),
        figure("opportunities_influenced", "Opportunities influenced", 25, 20, "count"),
        figure("influenced_share", "Share of closed opportunities influenced", 0.44, 0.40, "share", n=57),
        figure("win_rate_lift", "Win-rate lift with advocates", 0.31, 0.25, "share", n=40),
        figure("active_advocates", "Active advocates", 212, 200, "count"),
        figure("new_advocates", "New advocates", 30, 15, "count"),
        figure("nominations_received", "Nominations received", 14, 7, "count"),
        figure("requests_fulfilled", "Requests fulfilled", 49, 62, "count"),
        figure("within_sla_share", "Requests fulfilled within SLA", 0.67, 0.70, "share", n=49),
    ]
    coverage = [
        {"segment": "industry=Insurance; product=Product A", "label": "Insurance · Product A",
         "phrase": "Insurance advocates using Product A", "active_advocates": 8, "new_advocates": 2,
         "requests": 5, "target": 40, "gap": 32}
    ]  # fmt: skip
    base = {"headline": headline, "coverage": coverage, "service": {"teams_without_requests": ["Events"]}}
    return metrics(**(base | overrides))
