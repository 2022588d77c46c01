"""The kit's own messages (a request's moves, the daily digest, the managers' notes): Jinja2 templates rendered
to plain text and HTML, and the e-mail that carries both.

The templates are the kit's, in ``kit/mail/templates/``, unless the config's ``message_templates`` folder holds
one of the same name. HTML templates are autoescaped; a name an overriding template misspells fails
(``StrictUndefined``) with a ConfigError naming the file and line, never a blank in the sent message.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.mail.settings import parse_address

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def environment(templates: str | os.PathLike[str] | None = None) -> jinja2.Environment:
    """The templates: the config's ``message_templates`` folder first (when given), then the kit's own."""
    import jinja2

    folders = [str(Path(templates))] if templates else []
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*folders, str(TEMPLATES)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,  # a misspelt name in an overriding template fails, not blanks out
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def rendered(env: jinja2.Environment, name: str, context: Mapping[str, Any], *, module: bool = False) -> Any:
    """Template ``name`` rendered (or, with ``module``, its module: text and ``subject``); a template that
    cannot be read or rendered (a typo in an overriding one) is a ConfigError naming it."""
    import jinja2

    from kit.errors import ConfigError

    try:
        template = env.get_template(name)
        return template.make_module(dict(context)) if module else template.render(context)
    except jinja2.TemplateError as error:
        where = getattr(error, "filename", None) or name
        line = f", line {error.lineno}" if getattr(error, "lineno", None) else ""
        raise ConfigError(f"message template {where}{line}: {error.message or error}") from None


def text_and_html_email(
    *,
    subject: str,
    sender: str,
    to: str | list[str] | None,
    text: str,
    html: str,
    headers: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """One message: ``text`` with ``html`` as its alternative, from ``sender`` (its domain names the
    Message-ID) to ``to`` (no To header when empty), dated ``now``, with any further ``headers``."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    if to:
        message["To"] = to
    message["Date"] = formatdate((now or dt.datetime.now(dt.UTC)).timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain=parse_address(sender, "[email] from").domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
