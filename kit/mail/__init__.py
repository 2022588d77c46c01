"""The reports as e-mail: settings, keeping contact details out, composing the message, sending it.

- :mod:`kit.mail.settings`: the ``[email]`` config section and strict address parsing.
- :mod:`kit.mail.redact`: advocates' e-mail addresses and phone numbers removed, and checked for before sending.
- :mod:`kit.mail.compose`: the summary (text and HTML with inline PNG charts) and the report attached.
- :mod:`kit.mail.smtp`: sending, retrying transient failures.
"""

from __future__ import annotations

from typing import Any

# Each public name and the module it lives in, loaded on first use (PEP 562): the report run needs only the
# contact list of ``redact`` and should not pay for ``compose``'s charts (matplotlib) while its kernels start.
_HOMES = {
    "compose": (
        "BODY_LIMIT", "MAX_GOALS", "MAX_HEADLINE", "MAX_STORIES", "REPORT_TITLES", "Chart", "build_message",
        "render_charts", "report_scope", "report_segment", "write_eml",
    ),
    "errors": ("MailError",),
    "redact": ("MAX_TEXT", "REMOVED", "ContactLeakError", "contacts_from_program", "find_contacts", "scrub_report"),
    "settings": (
        "DEFAULT_PORTS", "DRY_RUN_SENDER", "REPORTS", "SECURITY_MODES", "MailSettings", "bare_address",
        "parse_address", "settings_from_config",
    ),
    "smtp": ("DeliveryError", "SendResult", "send_message"),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'kit.mail' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"kit.mail.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)


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
