"""A local emulator of the HubSpot CRM endpoints hubspot-api-client calls to read deals.

Served over real HTTP on 127.0.0.1 from a thread; the client is pointed at it through its configuration's
``host``. Each endpoint cites the HubSpot reference page its shapes follow; where the emulator is simpler than
HubSpot (a subset of the search filter operators, one pipeline per object by default), the docstring says so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulators._http import LoopbackEmulator

SEARCH_LIMIT = 100  # "the maximum number of results per page is 200" for some objects; 100 for deals search
RESULT_CAP = 10_000  # "the search endpoints are limited to 10,000 total results for any given query"
JSON = "application/json;charset=utf-8"

# https://developers.hubspot.com/docs/api/crm/pipelines : the default deal pipeline's stages.
DEFAULT_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    ("presentationscheduled", "Presentation Scheduled", "0.6", False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    ("contractsent", "Contract Sent", "0.9", False),
    ("closedwon", "Closed Won", "1.0", True),
    ("closedlost", "Closed Lost", "0.0", True),
)


class _Refusal(Exception):
    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("message"))
        self.status = status
        self.payload = payload


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """HubSpot's error body (https://developers.hubspot.com/docs/api/error-handling): ``status``, ``message``,
    ``correlationId``, ``category``; a 429 carries ``errorType: RATE_LIMIT`` and the ``policyName`` hit
    (https://developers.hubspot.com/docs/api/usage-details#rate-limits)."""
    correlation = str(uuid.uuid4())
    if status == 429:
        return {
            "status": "error",
            "message": message or "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": correlation,
            "policyName": "SECONDLY",
        }
    category = {
        400: "VALIDATION_ERROR",
        401: "INVALID_AUTHENTICATION",
        404: "OBJECT_NOT_FOUND",
    }.get(status, "INTERNAL_ERROR")
    default = {
        401: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
        "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        500: "internal error",
    }.get(status, "error")
    return {
        "status": "error",
        "message": message or default,
        "correlationId": correlation,
        "category": category,
    }


def _iso(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _millis(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


class HubSpotEmulator(LoopbackEmulator):
    """The emulator. ``start()`` serves it; ``url`` is its base; ``calls`` counts requests per endpoint,
    ``log`` lists ``(endpoint, path)`` in order and ``searches`` the body of each deals search."""

    def __init__(self, *, page_limit: int = SEARCH_LIMIT, result_cap: int = RESULT_CAP) -> None:
        super().__init__("hubspot-emulator")
        self.page_limit = page_limit
        self.result_cap = result_cap
        self.tokens: set[str] = set()
        self.revoked: set[str] = set()
        self.deals: dict[str, dict[str, Any]] = {}  # id -> {"properties": {...}, "company": id | None, ...}
        self.companies: dict[str, dict[str, str | None]] = {}
        self.owners: dict[str, dict[str, str]] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.searches: list[dict[str, Any]] = []
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self._ids = itertools.count(1001)
        self.add_pipeline("default", "Sales Pipeline", DEFAULT_STAGES)

    # -- test controls --------------------------------------------------------------------------------------

    def add_token(self, token: str) -> None:
        """A private app's access token that the API accepts."""
        with self._lock:
            self.tokens.add(token)

    def revoke_tokens(self) -> None:
        """Every token stops working (rotated or expired): the next call answers 401, saying it expired."""
        with self._lock:
            self.revoked |= self.tokens
            self.tokens.clear()

    def add_pipeline(
        self, pipeline_id: str, label: str, stages: tuple[tuple[str, str, str, bool], ...]
    ) -> None:
        """A deal pipeline: stages as ``(id, label, probability, is_closed)``."""
        with self._lock:
            self.pipelines[pipeline_id] = {"id": pipeline_id, "label": label, "stages": stages}

    def add_company(self, name: str, *, industry: str | None = None, country: str | None = None) -> str:
        with self._lock:
            company_id = str(next(self._ids))
            self.companies[company_id] = {"name": name, "industry": industry, "country": country}
            return company_id

    def add_owner(self, first_name: str, last_name: str, email: str | None = None) -> str:
        with self._lock:
            owner_id = str(next(self._ids))
            self.owners[owner_id] = {
                "firstName": first_name,
                "lastName": last_name,
                "email": email or f"{first_name.lower()}@example.com",
            }
            return owner_id

    def add_deal(self, *, company: str | None = None, **properties: Any) -> str:
        """A deal with HubSpot's property names (``dealname``, ``amount``, ``dealstage``, ``closedate``,
        ``hubspot_owner_id``, …) and an associated company id; ``createdate`` and ``hs_lastmodifieddate`` are
        the emulator's clock, which moves one second per change."""
        with self._lock:
            deal_id = str(next(self._ids))
            now = self._tick()
            props = {"pipeline": "default", "createdate": _iso(now)}
            props.update({k: _text(v) for k, v in properties.items()})
            props["hs_lastmodifieddate"] = _iso(now)
            self.deals[deal_id] = {"properties": props, "company": company, "created": now, "updated": now}
            return deal_id

    def update_deal(self, deal_id: str, **properties: Any) -> None:
        with self._lock:
            deal = self.deals[deal_id]
            now = self._tick()
            deal["properties"].update({k: _text(v) for k, v in properties.items()})
            deal["properties"]["hs_lastmodifieddate"] = _iso(now)
            deal["updated"] = now

    def _tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=1)
        return self.clock

    def _recorded(self) -> list[list[Any]]:
        return [self.searches]

    # -- dispatch -------------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, body: bytes, headers: Any) -> tuple[int, Any, str]:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/")
        routes = (
            ("POST", r"/crm/v3/objects/deals/search", "deals.search", self._search),
            ("GET", r"/crm/v3/pipelines/deals", "pipelines.getAll", self._pipelines),
            (
                "POST",
                r"/crm/v4/associations/deals/companies/batch/read",
                "associations.batchRead",
                self._assoc,
            ),
            ("POST", r"/crm/v3/objects/companies/batch/read", "companies.batchRead", self._companies),
            ("GET", r"/crm/v3/owners", "owners.getPage", self._owners),
        )
        with self._lock:
            for verb, pattern, name, serve in routes:
                if verb == method and re.fullmatch(pattern, path):
                    self.calls[name] += 1
                    self.log.append((name, raw_path))
                    try:
                        self._authorize(headers)
                        self._inject_next()
                        payload = json.loads(body) if body else {}
                        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                        return 200, serve(payload, query), JSON
                    except _Refusal as refusal:
                        return refusal.status, refusal.payload, JSON
            self.calls["unknown"] += 1
            return 404, error_body(404, f"emulator: no such endpoint {method} {path}"), JSON

    def _authorize(self, headers: Any) -> None:
        auth = (headers.get("Authorization") if headers is not None else None) or ""
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        if token is None or token not in self.tokens:
            # https://developers.hubspot.com/docs/api/error-handling : 401 INVALID_AUTHENTICATION when the token
            # is missing, unknown or expired. An unknown token gets "Authentication credentials not found…" (the
            # body HubSpot answered in https://github.com/HubSpot/hubspot-api-python/issues/211); one that
            # worked before says it expired.
            expired = "The OAuth token used to make this call expired 0 second(s) ago."
            raise _Refusal(401, error_body(401, expired if token in self.revoked else None))

    def _inject_next(self) -> None:
        status = self._next_failure()
        if status is not None:
            raise _Refusal(status, error_body(status))

    # -- endpoints ------------------------------------------------------------------------------------------

    def _search(self, body: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
        """``POST /crm/v3/objects/deals/search`` (https://developers.hubspot.com/docs/api/crm/search):
        ``filterGroups`` (OR of groups, AND within one), ``sorts``, ``properties``, ``limit`` (at most 100),
        ``after``; answers ``total``, ``results`` and ``paging.next.after`` while more remain, up to 10,000
        results per query (asking past them is a 400). Simpler than HubSpot: operators EQ, NEQ, GT, GTE, LT,
        LTE, HAS_PROPERTY; values compared as numbers when both sides are, dates as epoch milliseconds."""
        self.searches.append(dict(body))
        limit = int(body.get("limit") or 10)
        if limit > SEARCH_LIMIT:
            raise _Refusal(400, error_body(400, f"limit must be at most {SEARCH_LIMIT}"))
        after = int(body.get("after") or 0)
        if after >= self.result_cap:
            raise _Refusal(400, error_body(400, f"paging past {self.result_cap} results is not supported"))
        page = after // max(1, min(limit, self.page_limit)) + 1
        status = self._page_failure(page)
        if status is not None:
            raise _Refusal(status, error_body(status))
        deals = list(self.deals.items())
        groups = body.get("filterGroups") or []
        if groups:
            deals = [(i, d) for i, d in deals if any(_group_matches(i, d, g) for g in groups)]
        for sort in reversed(body.get("sorts") or []):
            name = sort.get("propertyName") if isinstance(sort, Mapping) else str(sort).lstrip("-")
            descending = (
                (sort.get("direction") == "DESCENDING") if isinstance(sort, Mapping) else str(sort)[0] == "-"
            )
            deals.sort(
                key=lambda item, n=name: _comparable(_property(item[0], item[1], n)), reverse=descending
            )
        total = len(deals)
        size = min(limit, self.page_limit)
        reachable = deals[: self.result_cap]
        batch = reachable[after : after + size]
        wanted = body.get("properties") or ["dealname", "amount", "closedate", "pipeline", "dealstage"]
        answer: dict[str, Any] = {"total": total, "results": [self._deal(i, d, wanted) for i, d in batch]}
        end = after + len(batch)
        if end < len(reachable):
            answer["paging"] = {"next": {"after": str(end), "link": None}}
        return answer

    def _deal(self, deal_id: str, deal: Mapping[str, Any], wanted: list[str]) -> dict[str, Any]:
        props = deal["properties"]
        shown = {name: props.get(name) for name in wanted}
        shown.update(
            hs_object_id=deal_id,
            createdate=props["createdate"],
            hs_lastmodifieddate=props["hs_lastmodifieddate"],
        )
        return {
            "id": deal_id,
            "properties": shown,
            "createdAt": _iso(deal["created"]),
            "updatedAt": _iso(deal["updated"]),
            "archived": False,
        }

    def _pipelines(self, body: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
        """``GET /crm/v3/pipelines/deals`` (https://developers.hubspot.com/docs/api/crm/pipelines): each
        pipeline with its stages; a stage's ``metadata`` holds ``isClosed`` and ``probability`` ("1.0" for won,
        "0.0" for lost)."""
        stamp = _iso(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        results = []
        for order, pipeline in enumerate(self.pipelines.values()):
            stages = [
                {
                    "id": stage_id,
                    "label": label,
                    "displayOrder": index,
                    "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "archived": False,
                    "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                }
                for index, (stage_id, label, probability, closed) in enumerate(pipeline["stages"])
            ]
            results.append(
                {
                    "id": pipeline["id"],
                    "label": pipeline["label"],
                    "displayOrder": order,
                    "stages": stages,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "archived": False,
                }
            )
        return {"results": results}

    def _assoc(self, body: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
        """``POST /crm/v4/associations/deals/companies/batch/read``
        (https://developers.hubspot.com/docs/api/crm/associations): for each deal id in ``inputs``, the companies
        it is associated with (``typeId`` 5, "deal to primary company"). Simpler: one company per deal."""
        results = []
        for item in body.get("inputs") or []:
            deal = self.deals.get(str(item.get("id")))
            if deal is None or deal["company"] is None:
                continue
            results.append(
                {
                    "from": {"id": str(item["id"])},
                    "to": [
                        {
                            "toObjectId": int(deal["company"]),
                            "associationTypes": [
                                {"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"}
                            ],
                        }
                    ],
                }
            )
        return _batch(results)

    def _companies(self, body: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
        """``POST /crm/v3/objects/companies/batch/read`` (https://developers.hubspot.com/docs/api/crm/companies):
        the companies in ``inputs`` with the ``properties`` asked for."""
        stamp = _iso(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        wanted = body.get("properties") or ["name"]
        results = []
        for item in body.get("inputs") or []:
            company = self.companies.get(str(item.get("id")))
            if company is not None:
                props = {name: company.get(name) for name in wanted}
                props["hs_object_id"] = str(item["id"])
                results.append(
                    {
                        "id": str(item["id"]),
                        "properties": props,
                        "createdAt": stamp,
                        "updatedAt": stamp,
                        "archived": False,
                    }
                )
        return _batch(results)

    def _owners(self, body: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
        """``GET /crm/v3/owners/`` (https://developers.hubspot.com/docs/api/crm/owners): the account's users who
        can own records, ``limit`` per page with ``paging.next.after``."""
        stamp = _iso(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        owners = list(self.owners.items())
        limit = int(query.get("limit") or 100)
        after = int(query.get("after") or 0)
        batch = owners[after : after + limit]
        answer: dict[str, Any] = {
            "results": [
                {
                    "id": owner_id,
                    "email": owner["email"],
                    "firstName": owner["firstName"],
                    "lastName": owner["lastName"],
                    "userId": int(owner_id),
                    "type": "PERSON",
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "archived": False,
                }
                for owner_id, owner in batch
            ]
        }
        if after + limit < len(owners):
            answer["paging"] = {"next": {"after": str(after + limit), "link": None}}
        return answer


def _batch(results: list[dict[str, Any]]) -> dict[str, Any]:
    now = _iso(dt.datetime.now(dt.UTC))
    return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}


def _text(value: Any) -> str | None:
    """HubSpot holds every property as text: dates as ISO 8601, numbers as their digits."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _property(deal_id: str, deal: Mapping[str, Any], name: str) -> str | None:
    if name == "hs_object_id":
        return deal_id
    return deal["properties"].get(name)


def _comparable(value: Any) -> tuple[int, Any]:
    """A property value in the order HubSpot compares it: dates by time, numbers by value, else as text."""
    if value is None or value == "":
        return (0, 0)
    text = str(value)
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return (1, float(text))
    if re.fullmatch(r"\d{4}-\d\d-\d\d(T.*)?", text):
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return (1, float(_millis(moment)))
    return (2, text)


def _group_matches(deal_id: str, deal: Mapping[str, Any], group: Mapping[str, Any]) -> bool:
    for flt in group.get("filters") or []:
        have = _property(deal_id, deal, flt.get("propertyName", ""))
        op = flt.get("operator", "EQ")
        if op == "HAS_PROPERTY":
            if have in (None, ""):
                return False
            continue
        if op not in ("EQ", "NEQ", "GT", "GTE", "LT", "LTE"):
            raise _Refusal(400, error_body(400, f"operator {op} is not supported by the emulator"))
        a, b = _comparable(have), _comparable(flt.get("value"))
        if a[0] != b[0] and a[0] != 0:
            a, b = (2, str(have)), (2, str(flt.get("value")))
        ok = {
            "EQ": a == b,
            "NEQ": a != b,
            "GT": a[0] != 0 and a > b,
            "GTE": a[0] != 0 and a >= b,
            "LT": a[0] != 0 and a < b,
            "LTE": a[0] != 0 and a <= b,
        }[op]
        if not ok:
            return False
    return True
