"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepts, for the mail tests."""

from __future__ import annotations

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nobody listens on (aiosmtpd cannot bind port 0 itself: aiosmtpd issue #388)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it accepted; replies can be scripted per command."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.data_replies: list[str] = []  # answered to the next DATA commands, in order, instead of 250
        self.refuse_rcpt: dict[str, str] = {}  # address → reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for _, raw in self.received]


class Server:
    """A mailbox and the port it listens on (or will listen on, once started)."""

    def __init__(self, **smtp_options) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
