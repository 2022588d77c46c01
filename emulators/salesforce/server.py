"""A local emulator of the few Salesforce endpoints simple-salesforce calls to log in and run a SOQL query.

Served over real HTTP on 127.0.0.1 from a thread. simple-salesforce always builds ``https://<domain>.salesforce.com``
and ``https://<instance>/services/data/...`` URLs, so the kit's client sends requests for any
``*.salesforce.com`` host to this emulator through its ``requests`` session (the seam the library documents:
its ``session`` argument). Each endpoint cites the Salesforce page its shapes follow; where the emulator is
simpler than Salesforce (a SOQL subset: one object, ``AND``-ed comparisons, ``ORDER BY``), the docstring says so.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulators._http import LoopbackEmulator

API_VERSION = "59.0"  # simple-salesforce 1.12's DEFAULT_API_VERSION
INSTANCE_HOST = "emulator.my.salesforce.com"
INSTANCE_URL = f"https://{INSTANCE_HOST}"
ORG_ID = "00D000000000001EAA"
PAGE_SIZE = 2000  # "up to 2,000 records can be returned at a time" (resources_query)

# The fields of Opportunity the emulator holds, and the relationship fields it can follow.
OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "StageName",
    "Amount",
    "CreatedDate",
    "CloseDate",
    "IsClosed",
    "IsWon",
    "SystemModstamp",
    "LastModifiedDate",
)
RELATIONSHIPS = {"Account": ("Name", "Industry", "BillingCountry"), "Owner": ("Name",)}
_DATETIME_FIELDS = {"CreatedDate", "SystemModstamp", "LastModifiedDate"}

# https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm : the body of an
# error answer is a list of {message, errorCode}; 401 when the session id is expired or invalid.
_ERRORS = {
    400: ("MALFORMED_QUERY", "unexpected token"),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support",
    ),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
}

_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^\s*(?P<field>[\w.]+)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>\S+)\s*$")
_DATETIME_LITERAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")


def error_body(status: int, message: str | None = None) -> list[dict[str, str]]:
    """Salesforce's error body for ``status``: ``[{"message": …, "errorCode": …}]``."""
    code, default = _ERRORS.get(status, ("UNKNOWN_EXCEPTION", "An unexpected error occurred"))
    return [{"message": message or default, "errorCode": code}]


def format_datetime(value: dt.datetime) -> str:
    """How the REST API writes a dateTime: ``2026-01-05T10:00:00.000+0000``."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _parse_literal(text: str) -> Any:
    """A SOQL literal: a dateTime (``2026-01-05T10:00:00Z``), a quoted string, a number, true/false/null."""
    if _DATETIME_LITERAL.match(text):
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return float(text)
    except ValueError:
        raise _Refusal(400, f"unexpected token: '{text}'") from None


class _Refusal(Exception):
    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Cursor:
    """A query's result set, held for its ``nextRecordsUrl`` pages (the query locator)."""

    def __init__(self, locator: str, records: list[dict[str, Any]], fields: list[str]) -> None:
        self.locator = locator
        self.records = records
        self.fields = fields


class SalesforceEmulator(LoopbackEmulator):
    """The emulator. ``start()`` serves it; ``url`` is its base; ``calls`` counts requests per endpoint,
    ``log`` lists ``(endpoint, path)`` in order and ``queries`` the SOQL text each query received."""

    def __init__(self, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__("salesforce-emulator")
        self.page_size = page_size
        self.opportunities: dict[str, dict[str, Any]] = {}
        self.users: dict[str, tuple[str, str]] = {}  # username -> (password, security token)
        self.apps: dict[str, tuple[str | None, str | None]] = {}  # consumer key -> (secret, public key PEM)
        self.tokens: set[str] = set()
        self.queries: list[str] = []
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self._cursors: dict[str, _Cursor] = {}
        self._ids = itertools.count(1)

    # -- test controls --------------------------------------------------------------------------------------

    def add_user(self, username: str, password: str, security_token: str = "") -> None:
        with self._lock:
            self.users[username] = (password, security_token)

    def add_connected_app(
        self, consumer_key: str, *, consumer_secret: str | None = None, public_key_pem: str | None = None
    ) -> None:
        """A connected app: its secret (username-password flow) and the certificate's public key (JWT flow)."""
        with self._lock:
            self.apps[consumer_key] = (consumer_secret, public_key_pem)

    def add_opportunity(self, **fields: Any) -> str:
        """Store an Opportunity (``Account``/``Owner`` as dicts of their fields); returns its 18-character Id.
        ``SystemModstamp`` and ``LastModifiedDate`` are the emulator's clock, which moves one second per change."""
        with self._lock:
            record_id = fields.pop("Id", None) or f"006{next(self._ids):012d}AAA"
            record = {name: None for name in OPPORTUNITY_FIELDS}
            record.update({"Account": None, "Owner": None})
            record.update(fields, Id=record_id)
            record.setdefault("CreatedDate", None)
            if record["CreatedDate"] is None:
                record["CreatedDate"] = self._tick()
            self.opportunities[record_id] = record
            self._stamp(record)
            return record_id

    def update_opportunity(self, record_id: str, **fields: Any) -> None:
        """Change fields as a person in Salesforce would; ``SystemModstamp`` moves to the clock."""
        with self._lock:
            record = self.opportunities[record_id]
            record.update(fields)
            self._stamp(record)

    def _tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=1)
        return self.clock

    def _stamp(self, record: dict[str, Any]) -> None:
        stamp = self._tick()
        record["SystemModstamp"] = record["LastModifiedDate"] = stamp

    def expire_sessions(self) -> None:
        """Every session id issued so far stops working (Salesforce's session timeout, or a revoked token)."""
        with self._lock:
            self.tokens.clear()

    def _recorded(self) -> list[list[Any]]:
        return [self.queries]

    # -- dispatch -------------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, body: bytes, headers: Any) -> tuple[int, Any, str]:
        parts = urlsplit(raw_path)
        path = parts.path
        with self._lock:
            try:
                if method == "POST" and path == "/services/oauth2/token":
                    return self._record("oauth2.token", path, self._token(body))
                if method == "POST" and re.fullmatch(r"/services/Soap/u/[\d.]+", path):
                    self.calls["soap.login"] += 1
                    self.log.append(("soap.login", path))
                    return self._soap_login(body)
                match = re.fullmatch(r"/services/data/v(?P<v>[\d.]+)/query/?(?P<locator>[^/]*)", path)
                if method == "GET" and match:
                    name = "query.more" if match["locator"] else "query"
                    self.calls[name] += 1
                    self.log.append((name, raw_path))
                    self._authorize(headers)
                    self._inject_next()
                    if match["locator"]:
                        payload = self._query_more(match["v"], match["locator"])
                    else:
                        query = parse_qs(parts.query).get("q", [""])[0]
                        payload = self._query(match["v"], query)
                    return 200, payload, "application/json;charset=UTF-8"
                self.calls["unknown"] += 1
                raise _Refusal(404, f"emulator: no such endpoint {method} {path}")
            except _Refusal as refusal:
                return (
                    refusal.status,
                    error_body(refusal.status, refusal.message),
                    "application/json;charset=UTF-8",
                )

    def _record(self, name: str, path: str, answer: tuple[int, Any]) -> tuple[int, Any, str]:
        self.calls[name] += 1
        self.log.append((name, path))
        return answer[0], answer[1], "application/json;charset=UTF-8"

    def _authorize(self, headers: Any) -> None:
        auth = (headers.get("Authorization") if headers is not None else None) or ""
        if not auth.startswith("Bearer ") or auth[len("Bearer ") :] not in self.tokens:
            raise _Refusal(401)

    def _inject_next(self) -> None:
        status = self._next_failure()
        if status is not None:
            raise _Refusal(status)

    def _inject_page(self, page: int) -> None:
        status = self._page_failure(page)
        if status is not None:
            raise _Refusal(status)

    def _issue_token(self) -> str:
        token = f"{ORG_ID}!emu{next(self._ids):020d}"
        self.tokens.add(token)
        return token

    # -- log-in ---------------------------------------------------------------------------------------------

    def _token(self, body: bytes) -> tuple[int, Any]:
        """``POST /services/oauth2/token``: the OAuth 2.0 username-password flow
        (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_username_password_flow.htm) and the
        JWT bearer flow (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm). A
        refusal is 400 ``{"error": "invalid_grant", "error_description": "authentication failure"}``."""
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        grant = form.get("grant_type")
        refused = (400, {"error": "invalid_grant", "error_description": "authentication failure"})
        if grant == "password":
            app = self.apps.get(form.get("client_id", ""))
            if app is None or app[0] != form.get("client_secret"):
                return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}
            user = self.users.get(form.get("username", ""))
            if user is None or form.get("password") != user[0] + user[1]:
                return refused
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            import jwt

            assertion = form.get("assertion", "")
            try:
                claims = jwt.decode(assertion, options={"verify_signature": False})
                app = self.apps.get(claims.get("iss", ""))
                if app is None or app[1] is None:
                    return 400, {
                        "error": "invalid_client_id",
                        "error_description": "client identifier invalid",
                    }
                claims = jwt.decode(
                    assertion,
                    app[1],
                    algorithms=["RS256"],
                    audience=["https://login.salesforce.com", "https://test.salesforce.com"],
                )
            except jwt.InvalidTokenError:
                return 400, {"error": "invalid_grant", "error_description": "invalid assertion"}
            if claims.get("sub") not in self.users:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "user hasn't approved this consumer",
                }
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        return 200, {
            "access_token": self._issue_token(),
            "instance_url": INSTANCE_URL,
            "id": f"https://login.salesforce.com/id/{ORG_ID}/005000000000001AAA",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": "emulator",
        }

    def _soap_login(self, body: bytes) -> tuple[int, bytes, str]:
        """``POST /services/Soap/u/<version>``: the SOAP API's ``login()`` call, which simple-salesforce uses
        for username + password + security token
        (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm). A refusal
        is a 500 SOAP fault ``INVALID_LOGIN`` with its ``sf:exceptionCode`` and ``sf:exceptionMessage``."""
        text = body.decode()
        username = re.search(r"<n1:username>(.*?)</n1:username>", text, re.DOTALL)
        password = re.search(r"<n1:password>(.*?)</n1:password>", text, re.DOTALL)
        user = self.users.get(html.unescape(username[1])) if username else None
        if user is None or password is None or html.unescape(password[1]) != user[0] + user[1]:
            message = "Invalid username, password, security token; or user locked out."
            fault = (
                '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:sf="urn:fault.partner.soap.sforce.com" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
                f"<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: {message}</faultstring>"
                '<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN'
                f"</sf:exceptionCode><sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault>"
                "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
            )
            return 500, fault.encode(), "text/xml;charset=UTF-8"
        answer = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com">'
            "<soapenv:Body><loginResponse><result>"
            f"<metadataServerUrl>{INSTANCE_URL}/services/Soap/m/{API_VERSION}/{ORG_ID}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            f"<serverUrl>{INSTANCE_URL}/services/Soap/u/{API_VERSION}/{ORG_ID}</serverUrl>"
            f"<sessionId>{self._issue_token()}</sessionId><userId>005000000000001AAA</userId>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return 200, answer.encode(), "text/xml;charset=UTF-8"

    # -- query ----------------------------------------------------------------------------------------------

    def _query(self, version: str, soql: str) -> dict[str, Any]:
        """``GET /services/data/vXX.X/query?q=SOQL``
        (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
        ``totalSize``, ``done``, ``records`` (each with ``attributes``), and ``nextRecordsUrl`` when more
        remain. Simpler than Salesforce: Opportunity only, comparisons joined by AND, ORDER BY on fields."""
        self.queries.append(soql)
        match = _SOQL.match(soql)
        if match is None:
            raise _Refusal(400, "unexpected token: the query is not SELECT … FROM …")
        if match["object"].lower() != "opportunity":
            raise _Refusal(400, f"sObject type '{match['object']}' is not supported.")
        fields = [f.strip() for f in match["fields"].split(",")]
        for name in fields:
            self._check_field(name)
        records = list(self.opportunities.values())
        if match["where"]:
            for condition in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
                records = self._filter(records, condition)
        if match["order"]:
            for term in reversed([t.strip() for t in match["order"].split(",")]):
                name, *direction = term.split()
                self._check_field(name)
                descending = bool(direction) and direction[0].upper() == "DESC"
                records.sort(key=lambda r, n=name: _sort_key(_value(r, n)), reverse=descending)
        self._inject_page(1)
        cursor = _Cursor(f"01g{next(self._ids):012d}AAA", records, fields)
        self._cursors[cursor.locator] = cursor
        return self._page(version, cursor, 0)

    def _query_more(self, version: str, locator: str) -> dict[str, Any]:
        """``GET /services/data/vXX.X/query/<locator>-<offset>``: the next batch of a query
        (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall_more_results.htm).
        An unknown locator answers 400 ``INVALID_QUERY_LOCATOR``."""
        name, _, offset = locator.rpartition("-")
        cursor = self._cursors.get(name)
        if cursor is None or not offset.isdigit():
            raise _Refusal(400, "invalid query locator")
        self._inject_page(int(offset) // self.page_size + 1)
        return self._page(version, cursor, int(offset))

    def _page(self, version: str, cursor: _Cursor, offset: int) -> dict[str, Any]:
        batch = cursor.records[offset : offset + self.page_size]
        end = offset + len(batch)
        answer: dict[str, Any] = {"totalSize": len(cursor.records), "done": end >= len(cursor.records)}
        if not answer["done"]:
            answer["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor.locator}-{end}"
        answer["records"] = [_shape(version, r, cursor.fields) for r in batch]
        return answer

    def _check_field(self, name: str) -> None:
        head, _, tail = name.partition(".")
        known = tail in RELATIONSHIPS.get(head, ()) if tail else head in OPPORTUNITY_FIELDS
        if not known:
            raise _Refusal(400, f"No such column '{name}' on entity 'Opportunity'.")

    def _filter(self, records: list[dict[str, Any]], condition: str) -> list[dict[str, Any]]:
        match = _CONDITION.match(condition)
        if match is None:
            raise _Refusal(400, f"unexpected token: '{condition.strip()}'")
        self._check_field(match["field"])
        wanted = _parse_literal(match["value"])
        op = match["op"]
        compare = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            ">": lambda a, b: a is not None and a > b,
            ">=": lambda a, b: a is not None and a >= b,
            "<": lambda a, b: a is not None and a < b,
            "<=": lambda a, b: a is not None and a <= b,
        }[op]
        return [r for r in records if compare(_value(r, match["field"]), wanted)]


def _value(record: Mapping[str, Any], name: str) -> Any:
    head, _, tail = name.partition(".")
    if tail:
        parent = record.get(head)
        return None if parent is None else parent.get(tail)
    return record.get(head)


def _sort_key(value: Any) -> tuple[int, Any]:
    # Salesforce sorts nulls first in ascending order by default (NULLS FIRST).
    if value is None:
        return (0, 0)
    if isinstance(value, dt.datetime):
        return (1, value.timestamp())
    return (1, value)


def _shape(version: str, record: Mapping[str, Any], fields: list[str]) -> dict[str, Any]:
    """One record as the REST API writes it: ``attributes``, then the fields asked for, relationship fields
    as a nested record (or null), dateTimes as ``2026-01-05T10:00:00.000+0000``."""
    out: dict[str, Any] = {
        "attributes": {
            "type": "Opportunity",
            "url": f"/services/data/v{version}/sobjects/Opportunity/{record['Id']}",
        }
    }
    for name in fields:
        head, _, tail = name.partition(".")
        if tail:
            parent = record.get(head)
            if parent is None:
                out[head] = None
                continue
            kind = "User" if head == "Owner" else head
            url = f"/services/data/v{version}/sobjects/{kind}/{parent.get('Id', '')}"
            nested = out.get(head) or {"attributes": {"type": kind, "url": url}}
            nested[tail] = parent.get(tail)
            out[head] = nested
        else:
            value = record.get(head)
            if head in _DATETIME_FIELDS and isinstance(value, dt.datetime):
                value = format_datetime(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[head] = value
    return out
