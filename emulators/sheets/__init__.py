"""A local emulator of the Google Sheets API v4 for tests and benchmarks: real HTTP on 127.0.0.1, real gspread
client.

Usage::

    with SheetsEmulator() as emulator:
        key_file = write_service_account_key(tmp_path / "key.json")
        store = GoogleSheetStore(sheet_id, credentials_file=str(key_file), endpoint=emulator.url)

``server.py`` serves it; the endpoints, each citing the Google reference page it follows, are grouped by API
resource in ``auth.py``, ``spreadsheets.py`` (and ``batch_requests.py``), ``values.py`` and ``drive.py``;
``routes.py`` lists them. What is public is in ``__all__``; ``tests/test_sheets_emulator_fidelity.py`` replays Google's recorded traffic against it using
``endpoint_name`` and ``BATCH_REQUEST_KINDS`` to pick the recordings it can serve.
"""

from __future__ import annotations

import json
from pathlib import Path

from emulators.sheets.batch_requests import BATCH_REQUEST_KINDS
from emulators.sheets.routes import endpoint_name
from emulators.sheets.server import SheetsEmulator

__all__ = [
    "BATCH_REQUEST_KINDS",
    "SERVICE_ACCOUNT_EMAIL",
    "SheetsEmulator",
    "endpoint_name",
    "write_service_account_key",
]

SERVICE_ACCOUNT_EMAIL = "advocacy-kit@test-project.iam.gserviceaccount.com"


def write_service_account_key(path: Path, email: str = SERVICE_ACCOUNT_EMAIL) -> Path:
    """A service account JSON key in Google's format, with a fresh RSA key (google-auth signs the token
    request with it, as it would for Google; the emulator reads the e-mail from the signed request)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key = {
        "type": "service_account",
        "project_id": "test-project",
        "private_key_id": "0" * 40,
        "private_key": pem,
        "client_email": email,
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(key))
    return path
