"""Sending a message over SMTP.

Transient failures (connection refused or dropped, 4xx replies) are retried a bounded number of times with
doubling waits; a permanent failure raises :class:`DeliveryError` carrying the server's reply.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from kit.errors import ConfigError
from kit.mail.errors import MailError
from kit.mail.settings import MailSettings, parse_address

log = logging.getLogger(__name__)


class DeliveryError(MailError):
    """The mail server refused the message for good, or kept failing after every retry.

    ``code`` and ``reply`` are the server's last answer (``None`` when it never answered, e.g. refused
    connections); ``refused`` maps each refused recipient to the server's reply for it.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reply: str | None = None,
        refused: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reply = reply
        self.refused = dict(refused or {})


@dataclass(frozen=True)
class SendResult:
    """Who the server accepted the message for, who it refused for good (with its reply), and how many tries."""

    accepted: tuple[str, ...]
    refused: Mapping[str, str]
    attempts: int


class _Transient(Exception):
    """A failure worth retrying; carries the server's reply for the final message."""

    def __init__(self, reply: str, code: int | None = None) -> None:
        super().__init__(reply)
        self.reply, self.code = reply, code


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"


def _connect(settings: MailSettings, password: str | None) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username and password is not None:
            smtp.login(settings.username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _attempt(
    message: EmailMessage,
    settings: MailSettings,
    password: str | None,
    sender: str,
    recipients: Sequence[str],
) -> dict[str, tuple[int, bytes]]:
    """One connection: send from the bare address ``sender`` to ``recipients``; return who was refused.

    Raises _Transient or DeliveryError.
    """
    where = f"{settings.host}:{settings.port}"
    try:
        smtp = _connect(settings, password)
        try:
            refused = smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return dict(refused)
    except smtplib.SMTPRecipientsRefused as error:  # every recipient refused
        replies = {r: _reply(c, m) for r, (c, m) in error.recipients.items()}
        if all(400 <= c < 500 for c, _ in error.recipients.values()):
            raise _Transient("; ".join(replies.values())) from None
        raise DeliveryError(
            f"the mail server {where} refused every recipient: "
            + "; ".join(f"{r}: {m}" for r, m in replies.items()),
            code=next(iter(error.recipients.values()))[0],
            reply="; ".join(replies.values()),
            refused=replies,
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(
            f"the mail server {where} refused the login of {settings.username!r}: "
            f"{_reply(error.smtp_code, error.smtp_error)} (check the password in ${settings.password_env})",
            code=error.smtp_code,
            reply=_reply(error.smtp_code, error.smtp_error),
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(
            f"the mail server {where} does not support {error}; check [email] security (starttls, ssl)"
        ) from None
    except smtplib.SMTPResponseException as error:  # connect, helo, sender, data: all carry a code
        reply = _reply(error.smtp_code, error.smtp_error)
        if 400 <= error.smtp_code < 500:
            raise _Transient(reply, error.smtp_code) from None
        raise DeliveryError(
            f"the mail server {where} refused the message: {reply}", code=error.smtp_code, reply=reply
        ) from None
    except smtplib.SMTPServerDisconnected as error:
        raise _Transient(f"connection closed: {error}") from None
    except ssl.SSLError as error:  # before OSError: it is one, but retrying will not help
        raise DeliveryError(
            f"TLS with {where} failed ({error.reason or error}); check [email] security and port "
            "(starttls is usually 587, ssl 465)"
        ) from None
    except socket.gaierror as error:
        raise DeliveryError(f"the mail server's name {settings.host!r} cannot be resolved: {error}") from None
    except OSError as error:  # refused, reset, timed out, unreachable: the server may come back
        raise _Transient(f"{type(error).__name__}: {error.strerror or error}") from None


def send_message(
    message: EmailMessage,
    settings: MailSettings,
    *,
    password: str | None,
    recipients: Sequence[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send ``message`` to ``recipients`` (default: its To header), retrying transient failures.

    Waits ``retry_wait``, then twice as long each time, for at most ``attempts`` connections. Recipients
    refused with a 4xx are retried too; those refused for good come back in ``SendResult.refused``.
    The envelope, ``SendResult.accepted`` and ``refused`` name each recipient's bare address.
    Raises :class:`DeliveryError` when nobody got the message.
    """
    entries = list(recipients if recipients is not None else _header_addresses(message))
    if not entries:
        raise ConfigError("the message has no recipients")
    # the envelope names the bare address of each entry, checked: never the first of two, nor a name
    pending = list(dict.fromkeys(parse_address(r, "recipient").addr_spec for r in entries))
    sender = parse_address(settings.sender, "[email] from").addr_spec
    accepted: list[str] = []
    refused: dict[str, str] = {}
    last = ""
    for attempt in range(1, settings.attempts + 1):
        if attempt > 1:
            wait = settings.retry_wait * 2 ** (attempt - 2)
            log.warning(
                "attempt %d of %d failed (%s); retrying in %.0f s", attempt - 1, settings.attempts, last, wait
            )
            sleep(wait)
        try:
            rejected = _attempt(message, settings, password, sender, pending)
        except _Transient as error:
            last = error.reply
            continue
        accepted += [r for r in pending if r not in rejected]
        for recipient, (code, text) in rejected.items():
            if 400 <= code < 500:
                last = _reply(code, text)
            else:
                refused[recipient] = _reply(code, text)
        pending = [r for r in pending if r in rejected and r not in refused]
        if not pending:
            break
    else:
        if not accepted:
            raise DeliveryError(
                f"could not deliver through {settings.host}:{settings.port} after {settings.attempts} "
                f"attempts; last failure: {last}",
                reply=last,
            )
        refused.update({r: last for r in pending})
    log.info("sent %s to %s (%d attempt(s))", message["Subject"], ", ".join(accepted), attempt)
    return SendResult(tuple(accepted), refused, attempt)


def _header_addresses(message: EmailMessage) -> list[str]:
    from email.utils import getaddresses

    return [address for _, address in getaddresses(message.get_all("To", [])) if address]
