"""The endpoints the emulator serves: each request's method and path matched to its name
(``"values.append"``, ``"drive.files.get"``), the name the emulator counts calls by and dispatches on."""

from __future__ import annotations

import re


class _Route:
    def __init__(self, method: str, pattern: str, name: str) -> None:
        self.method = method
        self.regex = re.compile("^" + pattern + "$")
        self.name = name


_ROUTES = [
    _Route("POST", r"/token", "oauth.token"),
    _Route("POST", r"/v4/spreadsheets", "spreadsheets.create"),
    _Route("GET", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values:batchGet", "values.batchGet"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values:batchUpdate", "values.batchUpdate"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values:batchClear", "values.batchClear"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+):append", "values.append"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+):clear", "values.clear"),
    _Route("GET", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+)", "values.get"),
    _Route("PUT", r"/v4/spreadsheets/(?P<sid>[^/:]+)/values/(?P<rng>.+)", "values.update"),
    _Route("POST", r"/v4/spreadsheets/(?P<sid>[^/:]+):batchUpdate", "spreadsheets.batchUpdate"),
    _Route("GET", r"/v4/spreadsheets/(?P<sid>[^/:]+)", "spreadsheets.get"),
    _Route("POST", r"/drive/v3/files", "drive.files.create"),
    _Route("GET", r"/drive/v3/files", "drive.files.list"),
    _Route("POST", r"/drive/v3/files/(?P<sid>[^/]+)/permissions", "drive.permissions.create"),
    _Route("GET", r"/drive/v3/files/(?P<sid>[^/]+)/permissions", "drive.permissions.list"),
    _Route("GET", r"/drive/v3/files/(?P<sid>[^/]+)", "drive.files.get"),
    _Route("DELETE", r"/drive/v3/files/(?P<sid>[^/]+)", "drive.files.delete"),
]


def endpoint_name(method: str, path: str) -> str | None:
    """The endpoint (``"values.append"``, ``"drive.files.get"``, …) a request's method and URL path go to, as
    ``SheetsEmulator.calls`` counts it; None when the emulator does not serve it."""
    route, _ = _route(method, path)
    return None if route is None else route.name


def _route(method: str, path: str) -> tuple[_Route | None, re.Match[str] | None]:
    for route in _ROUTES:
        if route.method == method:
            match = route.regex.match(path)
            if match:
                return route, match
    return None, None


# Endpoints that count against Google's read or write quota (https://developers.google.com/sheets/api/limits).
READS = {"spreadsheets.get", "values.get", "values.batchGet"}
WRITES = {
    "values.update",
    "values.batchUpdate",
    "values.append",
    "values.clear",
    "values.batchClear",
    "spreadsheets.batchUpdate",
    "spreadsheets.create",
}
