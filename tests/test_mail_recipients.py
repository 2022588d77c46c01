"""Who an e-mail goes to: each `from` and recipient entry is exactly one address, or it is refused up front.

The SMTP client reads only the first address of an entry and the ledger keys on the entry as written, so
an entry holding two addresses, or a name that is itself an address, would be "sent" to someone who never
got it, or to someone else. Every such entry is one readable ConfigError before anything is rendered.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.errors import ConfigError
from kit.mail import build_message, parse_address, settings_from_config
from tests.factories import email_section, metrics
from tests.properties import examples


def recipients(*entries: str) -> dict:
    return email_section(recipients={"executive-update": list(entries)})


@pytest.mark.parametrize("entry", ["a@b.com, c@d.com", "a@b.com; c@d.com", "a@b.com,c@d.com"])
def test_an_entry_holding_two_addresses_is_refused_naming_the_report_and_the_entry(entry):
    with pytest.raises(ConfigError) as refused:
        settings_from_config(recipients(entry))

    message = str(refused.value)
    assert message.startswith(f"[email.recipients] executive-update: {entry!r}")
    assert "one address per entry" in message
    assert "\n" not in message


@pytest.mark.parametrize("entry", ["x@evil.com <a@b.com>", "junk a@b.com junk", "a@b.com junk", "<a@b.com"])
def test_an_entry_that_is_not_one_clean_address_is_refused(entry):
    with pytest.raises(ConfigError, match=re.escape(f"[email.recipients] executive-update: {entry!r}")):
        settings_from_config(recipients(entry))


@pytest.mark.parametrize("separator", ["\u0085", "\u2028", "\u2029", "\u202e"])
@pytest.mark.parametrize(
    ("setting", "section"),
    [
        (
            "[email] from",
            lambda bad: email_section(**{"from": f"Advocacy{bad}program <advocacy@example.com>"}),
        ),
        ("[email] from", lambda bad: email_section(**{"from": f"advocacy@example.com{bad}"})),
        ("[email.recipients] executive-update", lambda bad: recipients(f"cxo@example.com{bad}")),
        ("[email.recipients] executive-update", lambda bad: recipients(f"Chief{bad}Exec <cxo@example.com>")),
    ],
)
def test_a_line_separator_or_invisible_character_in_an_address_is_refused(separator, setting, section):
    with pytest.raises(ConfigError) as refused:
        settings_from_config(section(separator))

    message = str(refused.value)
    assert message.startswith(setting)
    assert f"U+{ord(separator):04X}" in message


def test_display_names_are_allowed_even_with_a_comma_inside_quotes():
    settings = settings_from_config(
        recipients("Chief Exec <cxo@example.com>", '"Ortiz, Dana" <dana@example.com>', "vp@example.com")
    )

    assert settings.recipients["executive-update"] == (
        "Chief Exec <cxo@example.com>",
        '"Ortiz, Dana" <dana@example.com>',
        "vp@example.com",
    )


def test_the_same_address_twice_in_a_list_is_one_recipient_whatever_its_name_or_case():
    settings = settings_from_config(recipients("cxo@example.com", "Chief Exec <CXO@Example.com>"))

    assert settings.recipients["executive-update"] == ("cxo@example.com",)


def header_bytes(address) -> bytes:
    message = EmailMessage()
    message["To"] = address
    message.set_content("x")
    return message.as_bytes()


@pytest.mark.parametrize(
    "entry, header",
    [
        ("a@bü.com", b"To: a@xn--b-eha.com\n"),
        ("Jürgen <j@münchen.de>", b"To: =?utf-8?q?J=C3=BCrgen?= <j@xn--mnchen-3ya.de>\n"),
        # IDNA 2008, as registrars use it: straße.de is its own domain, not strasse.de (IDNA 2003's mapping)
        ("a@straße.de", b"To: a@xn--strae-oqa.de\n"),
        ("a@BÜ.com", b"To: a@xn--b-eha.com\n"),
    ],
)
def test_a_domain_in_another_script_is_written_in_the_header_as_its_ascii_punycode(entry, header):
    address = parse_address(entry, "[email.recipients] executive-update")

    assert header in header_bytes(address)


def test_a_local_part_in_another_script_is_refused_in_one_line_naming_the_entry():
    with pytest.raises(ConfigError) as refused:
        settings_from_config(recipients("jürgen@example.com"))

    message = str(refused.value)
    assert message.startswith("[email.recipients] executive-update: 'jürgen@example.com'")
    assert "before the @" in message and "\n" not in message


def test_a_domain_no_registrar_could_hold_is_refused_in_one_line_naming_the_entry():
    with pytest.raises(ConfigError) as refused:
        settings_from_config(recipients("a@\u0301bü.com"))

    message = str(refused.value)
    assert message.startswith("[email.recipients] executive-update: 'a@\u0301bü.com'")
    assert "domain" in message and "\n" not in message


def test_building_a_message_refuses_a_bad_recipient_before_rendering_anything(tmp_path):
    missing = tmp_path / "not-rendered.html"  # were anything built first, reading it would fail instead

    with pytest.raises(ConfigError, match=r"executive-update: 'a@b\.com, c@d\.com'.*one address per entry"):
        build_message(
            metrics(),
            report="executive-update",
            report_path=missing,
            sender="advocacy@example.com",
            recipients=["cxo@example.com", "a@b.com, c@d.com"],
            charts=[],
        )


def test_building_a_message_refuses_a_line_separator_in_the_sender(tmp_path):
    with pytest.raises(ConfigError, match=r"\[email\] from: .*U\+2028"):
        build_message(
            metrics(),
            report="executive-update",
            report_path=tmp_path / "not-rendered.html",
            sender="Advocacy\u2028program <advocacy@example.com>",
            recipients=["cxo@example.com"],
            charts=[],
        )


def run_report_command(tmp_path: Path, email_lines: str, capsys) -> tuple[int, str]:
    from kit.cli import main

    config = tmp_path / "advocacy-kit.toml"
    config.write_text(
        'source = "program.xlsx"\nreports_dir = "reports"\n\n'
        f'[email]\nhost = "smtp.example.com"\nsecurity = "none"\n{email_lines}',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "report", "executive-update", "--email"])
    return done.value.code, capsys.readouterr().err


def test_report_command_with_two_addresses_in_one_entry_fails_in_one_line_before_rendering(tmp_path, capsys):
    code, err = run_report_command(
        tmp_path,
        'from = "advocacy@example.com"\n\n[email.recipients]\nexecutive-update = ["a@b.com, c@d.com"]\n',
        capsys,
    )

    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("advocacy-kit: error: [email.recipients] executive-update: 'a@b.com, c@d.com'")
    assert not list((tmp_path / "reports").glob("*.html"))  # nothing was rendered


def test_report_command_with_a_line_separator_in_from_fails_in_one_line_before_rendering(tmp_path, capsys):
    code, err = run_report_command(
        tmp_path,
        'from = "Advocacy\\u0085program <advocacy@example.com>"\n\n'
        '[email.recipients]\nexecutive-update = ["cxo@example.com"]\n',
        capsys,
    )

    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("advocacy-kit: error: [email] from:") and "U+0085" in line
    assert not list((tmp_path / "reports").glob("*.html"))


# what people paste into a list of addresses: addresses with and without names (any characters in the name),
# and the same with pieces of others, separators and stray characters mixed in
_PIECE = st.sampled_from(["a", "cxo", "@", "example.com", ".", "<", ">", ",", ";", " ", '"', "(", ")", ":"])
_ADDRESS = st.builds(
    lambda local, domain: f"{local}@{domain}.com",
    st.from_regex(r"[a-z][a-z0-9.+_-]{0,8}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
)
_NAMED = st.builds(lambda name, address: f"{name} <{address}>", st.text(max_size=10), _ADDRESS)
_TYPED = st.one_of(
    _ADDRESS,
    _NAMED,
    st.lists(_PIECE | _ADDRESS | _NAMED | st.characters(), max_size=6).map("".join),
)


@settings(max_examples=examples(300), deadline=None)
@given(entry=_TYPED)
def test_any_typed_entry_is_refused_in_one_line_or_becomes_exactly_one_address(entry):
    try:
        settings = settings_from_config(recipients(entry))
    except ConfigError as refused:
        assert str(refused).startswith("[email.recipients] executive-update: ")
        assert "\n" not in str(refused)
        return
    [written] = settings.recipients["executive-update"]
    address = parse_address(written, "again")
    message = EmailMessage()
    message["To"] = address
    message.set_content("x")
    message.as_bytes()  # the header serialises
    # the one address the header holds is the one the envelope names
    assert [a for _, a in getaddresses([str(message["To"])])] == [address.addr_spec]
