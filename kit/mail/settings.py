"""The ``[email]`` section of the config, and e-mail addresses as people write them.

Each address (``from``, every recipient) is exactly one address, parsed strictly, before anything is drawn
or sent: the SMTP client would otherwise read only the first address of an entry, or the wrong one.
"""

from __future__ import annotations

import email.errors
import email.policy
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from typing import Any

from kit.errors import ConfigError
from kit.report import REPORTS as _REPORT_SPECS

REPORTS = tuple(_REPORT_SPECS)  # goal-tracking, executive-update: named once, in kit.report
DIGEST = "digest"  # the daily work-list (kit.digest): its own recipients, else goal-tracking's
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DRY_RUN_SENDER = "advocacy-kit <advocacy-kit@advocacy-kit.invalid>"  # .invalid: never delivered


@dataclass(frozen=True)
class MailSettings:
    """The ``[email]`` section of the config: where to send from and to, never the password itself."""

    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none" (none: local test servers only, no login)
    sender: str
    recipients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    username: str | None = None
    password_env: str | None = None  # the NAME of the environment variable that holds the password
    ca_file: str | None = None  # a private CA for the server's certificate; default: the system's
    timeout: float = 30.0
    attempts: int = 4  # connection attempts in all, for transient failures
    retry_wait: float = 5.0  # seconds before the 2nd attempt; doubles each time (5, 10, 20 s)

    def recipients_for(self, report: str) -> tuple[str, ...]:
        """The configured recipients of one report; ConfigError when there are none."""
        found = self.recipients.get(report, ())
        if not found:
            raise ConfigError(
                f'[email.recipients] has no one for {report!r}; add e.g. {report} = ["pm@example.com"]'
            )
        return found

    def password(self, environ: Mapping[str, str]) -> str | None:
        """The SMTP password from the environment variable named by ``password_env`` (None: no login)."""
        if not self.username:
            return None
        if not self.password_env:
            raise ConfigError(
                "[email] sets `username` but not `password_env`, the name of the environment variable "
                "that holds the password"
            )
        value = environ.get(self.password_env)
        if not value:
            raise ConfigError(
                f"the environment variable {self.password_env} (named by [email] password_env) is not set"
            )
        return value


# Characters no address may hold: line and paragraph separators (U+0085, U+2028: a header would break in
# two), control characters, and invisible format characters (U+202E turns "moc.live@x" into "x@evil.com").
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def parse_address(value: Any, where: str) -> Address:
    """One e-mail address as a person writes it (``name@example.com`` or ``Name <name@example.com>``).

    Parsed by the standard library's header parser, strictly: exactly one address, no group, no defect,
    a domain with a dot, and no control, line-separating or invisible character. Anything else is a
    ConfigError naming ``where``: the SMTP client would read only the first address of an entry, or the
    wrong one of ``x@evil.com <a@b.com>``, while the ledger recorded the entry as delivered.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {value!r} is not an e-mail address; write it as name@example.com")
    unsafe = next((c for c in value if unicodedata.category(c) in _UNSAFE_CATEGORIES), None)
    if unsafe is not None:
        raise ConfigError(
            f"{where}: {value!r} is not an e-mail address: it holds the invisible or line-breaking "
            f"character U+{ord(unsafe):04X} ({unicodedata.name(unsafe, 'a control character').lower()}); "
            "retype it on one line without that character"
        )
    try:
        header = email.policy.default.header_factory("To", value)
        groups, defects = header.groups, header.defects
    except Exception:  # the parser gives up on some shapes (IndexError on "a@"): not an address either
        groups, defects = (), ("unparsable",)
    # a non-ASCII local part is an address, but one the kit cannot send: said so below, not "not an address"
    defects = [d for d in defects if not isinstance(d, email.errors.NonASCIILocalPartDefect)]
    addresses = [a for g in groups for a in g.addresses]
    if len(addresses) > 1 or (defects and re.search(r"[,;]", value)):
        raise ConfigError(
            f"{where}: {value!r} holds more than one address; write one address per entry, "
            'e.g. ["a@example.com", "Name <b@example.com>"]'
        )
    address = addresses[0] if len(addresses) == 1 and not defects else None
    labels = address.domain.split(".") if address is not None else []
    if (
        address is None
        or groups[0].display_name is not None
        or not address.username
        or len(labels) < 2
        or not all(labels)
        or address.domain.startswith("[")
    ):
        raise ConfigError(
            f"{where}: {value!r} is not an e-mail address; write one address, as name@example.com or "
            "Name <name@example.com>"
        )
    if not address.username.isascii():
        # It would need SMTPUTF8, which the kit does not use: refused here, not by the server after rendering.
        raise ConfigError(
            f"{where}: {value!r}: the part before the @ holds non-ASCII characters, which the kit cannot "
            "send; use the person's ASCII address"
        )
    if address.domain.isascii():
        return address
    return Address(address.display_name, address.username, _ascii_domain(address.domain, value, where))


def _ascii_domain(domain: str, value: str, where: str) -> str:
    """``münchen.de`` as DNS and every mail server know it, ``xn--mnchen-3ya.de`` (IDNA 2008, as registrars
    use it: ``straße.de`` stays its own domain, not IDNA 2003's ``strasse.de``)."""
    import idna  # installed with requests, which the kit depends on

    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise ConfigError(
            f"{where}: {value!r}: the domain {domain!r} is not one a mail server can look up ({error})"
        ) from None


def bare_address(value: str) -> str:
    """The address of an entry without its display name, lower-cased: who it reaches, for the ledger."""
    return parse_address(value, "recipient").addr_spec.lower()


def settings_from_config(section: Mapping[str, Any], *, where: str = "[email]") -> MailSettings:
    """Read and check the ``[email]`` section; every mistake is a ConfigError naming the setting."""
    if not section:
        raise ConfigError(
            f"the config file has no {where} section; see docs/email-and-scheduling.md for an example"
        )
    host = section.get("host")
    if not isinstance(host, str) or not host.strip():
        raise ConfigError(f"{where} host: the SMTP server's name is missing")
    security = str(section.get("security", "starttls")).strip().lower()
    if security not in SECURITY_MODES:
        raise ConfigError(f"{where} security = {security!r}: use one of {', '.join(SECURITY_MODES)}")
    port = section.get("port", DEFAULT_PORTS[security])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{where} port = {port!r}: not a port number")
    username = section.get("username") or None
    if username is not None and not isinstance(username, str):
        raise ConfigError(f"{where} username must be text, in quotes")
    if username and security == "none":
        raise ConfigError(
            f"{where} security = 'none' would send the password unencrypted; use starttls or ssl"
        )
    if "password" in section:
        raise ConfigError(
            f"{where} password: never put the password in the config file; set an environment variable "
            "and name it in password_env"
        )
    password_env = section.get("password_env") or None
    if password_env is not None and not (isinstance(password_env, str) and password_env.isidentifier()):
        raise ConfigError(f"{where} password_env = {password_env!r}: the NAME of an environment variable")
    sender = str(parse_address(section.get("from"), f"{where} from"))
    recipients: dict[str, tuple[str, ...]] = {}
    table = section.get("recipients", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} recipients must be a table: [email.recipients] with a list per report")
    for report, people in table.items():
        if report not in (*REPORTS, DIGEST):
            raise ConfigError(
                f"[email.recipients] {report!r}: not a report; use {', '.join(REPORTS)} or {DIGEST}"
            )
        if isinstance(people, str):
            people = [people]
        if not isinstance(people, list):
            raise ConfigError(f'[email.recipients] {report}: a list of addresses, e.g. ["a@x.com"]')
        parsed = [parse_address(p, f"[email.recipients] {report}") for p in people]
        # one entry per address, the first as written: "cxo@x.com" and "Chief <CXO@x.com>" are one person
        first: dict[str, Address] = {}
        for address in parsed:
            first.setdefault(address.addr_spec.lower(), address)
        recipients[report] = tuple(str(address) for address in first.values())
    numbers = {}
    for key, default, low in (("timeout", 30.0, 1.0), ("attempts", 4, 1), ("retry_wait", 5.0, 0.0)):
        value = section.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{where} {key} = {value!r}: a number, at least {low}")
        numbers[key] = value
    ca_file = section.get("ca_file") or None
    return MailSettings(
        host=host.strip(),
        port=port,
        security=security,
        sender=sender,
        recipients=recipients,
        username=username,
        password_env=password_env,
        ca_file=str(ca_file) if ca_file else None,
        timeout=float(numbers["timeout"]),
        attempts=int(numbers["attempts"]),
        retry_wait=float(numbers["retry_wait"]),
    )
