"""The OAuth token endpoint, and who a request's bearer token says is calling."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

from emulators.sheets.model import ApiError
from emulators.sheets.resource import Resource


class OAuth(Resource):
    """``oauth.token``, and the principal of every other call."""

    def token(self, body: bytes) -> dict:
        """https://developers.google.com/identity/protocols/oauth2/service-account#httprest : the token
        endpoint takes a signed JWT (grant_type jwt-bearer) and answers an access token. The emulator reads
        the JWT's ``iss`` (the service account's e-mail) without checking its signature."""
        form = parse_qs(body.decode())
        assertion = (form.get("assertion") or [""])[0]
        try:
            claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
            email = claims["iss"]
        except (IndexError, ValueError, KeyError):
            raise ApiError(400, "Invalid JWT", "INVALID_ARGUMENT") from None
        return {"access_token": self.emulator.issue_token(email), "expires_in": 3599, "token_type": "Bearer"}

    def principal(self, authorization: str | None) -> str | None:
        """https://developers.google.com/sheets/api/guides/authorizing : requests need an OAuth token;
        without one the API answers 401 UNAUTHENTICATED."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        who = self.emulator.tokens.get(token)
        if who is None and self.emulator.require_auth:
            raise ApiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
            )
        return who or "anonymous@emulator"
