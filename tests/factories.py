"""Builders of test data that several test modules share, so that no test module imports another.

Each takes overrides for what a test varies and fills in the rest with small hand-checkable values.
"""

from __future__ import annotations

from typing import Any

# ----------------------------------------------------------------------------------------------------------
# Reports and e-mail

PM, CXO, VP = "pm@example.com", "cxo@example.com", "vp.sales@example.com"

REPORT_HTML = b"<!DOCTYPE html><html><body><h1>Executive update 2026-Q4</h1><p>full report</p></body></html>"


def metrics(**overrides) -> dict[str, Any]:
    """A small metrics dict: three headline figures, two goals, one success story."""
    base = {
        "period": {"label": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31"},
        "as_of": "2026-11-20",
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
        "success_stories": [
            {
                "rep": "Dana Ortiz",
                "account": "Acme Insurance",
                "amount": 3_800_000.0,
                "advocates_used": ["Sam Lee"],
                "activities": {"reference_call": 2},
                "sentence": "Dana Ortiz closed $3.8M at Acme Insurance this quarter with 2 reference calls.",
            }
        ],
        "data_quality": {"validated": True, "errors": 0, "warnings": 0, "rows_excluded": 0, "note": "ok"},
    }
    base.update(overrides)
    return base


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
