"""A local emulator of the Salesforce APIs simple-salesforce uses to log in and query Opportunities: real HTTP
on 127.0.0.1, the real simple-salesforce client.

Usage::

    with SalesforceEmulator(page_size=2) as emulator:
        emulator.add_user("ops@example.com", "secret", "TOKEN")
        emulator.add_opportunity(Name="Acme renewal", Account={"Name": "Acme"}, StageName="Closed Won", ...)
        # the kit's client is given emulator.url as its endpoint

Served: the OAuth token endpoint (username-password and JWT bearer flows), the SOAP ``login()`` call
(username + password + security token), and the REST ``query`` resource with its ``nextRecordsUrl`` pages.
See ``server.py`` for each endpoint and the Salesforce page it follows. ``write_private_key`` makes the key
pair of a connected app's certificate for the JWT flow.
"""

from __future__ import annotations

from pathlib import Path

from emulators.salesforce.server import (
    API_VERSION,
    INSTANCE_URL,
    SalesforceEmulator,
    error_body,
    format_datetime,
)

__all__ = [
    "API_VERSION",
    "INSTANCE_URL",
    "SalesforceEmulator",
    "error_body",
    "format_datetime",
    "write_private_key",
]


def write_private_key(path: Path) -> str:
    """Write a fresh RSA private key (PEM) to ``path``, as a connected app's JWT key file; return the public
    key (PEM) to register with ``SalesforceEmulator.add_connected_app``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
