"""The reports as e-mail: settings, keeping contact details out, composing the message, sending it.

- :mod:`kit.mail.settings`: the ``[email]`` config section and strict address parsing.
- :mod:`kit.mail.redact`: advocates' e-mail addresses and phone numbers removed, and checked for before sending.
- :mod:`kit.mail.compose`: the summary (text and HTML with inline PNG charts) and the report attached.
- :mod:`kit.mail.smtp`: sending, retrying transient failures.
"""

from __future__ import annotations

from kit.mail.compose import (
    BODY_LIMIT,
    MAX_GOALS,
    MAX_HEADLINE,
    MAX_STORIES,
    REPORT_TITLES,
    Chart,
    build_message,
    render_charts,
    report_scope,
    report_segment,
    write_eml,
)
from kit.mail.errors import MailError
from kit.mail.redact import (
    MAX_TEXT,
    REMOVED,
    ContactLeakError,
    contacts_from_program,
    find_contacts,
    scrub_report,
)
from kit.mail.settings import (
    DEFAULT_PORTS,
    DRY_RUN_SENDER,
    REPORTS,
    SECURITY_MODES,
    MailSettings,
    bare_address,
    parse_address,
    settings_from_config,
)
from kit.mail.smtp import DeliveryError, SendResult, send_message

__all__ = [
    "BODY_LIMIT",
    "DEFAULT_PORTS",
    "DRY_RUN_SENDER",
    "MAX_GOALS",
    "MAX_HEADLINE",
    "MAX_STORIES",
    "MAX_TEXT",
    "REMOVED",
    "REPORTS",
    "REPORT_TITLES",
    "SECURITY_MODES",
    "Chart",
    "ContactLeakError",
    "DeliveryError",
    "MailError",
    "MailSettings",
    "SendResult",
    "bare_address",
    "build_message",
    "contacts_from_program",
    "find_contacts",
    "parse_address",
    "render_charts",
    "report_scope",
    "report_segment",
    "scrub_report",
    "send_message",
    "settings_from_config",
    "write_eml",
]
