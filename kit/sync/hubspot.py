"""Read deals from HubSpot with hubspot-api-client: the CRM v3 deals search, then the names behind the ids.

A private app's access token, from the environment variable the config names. The search filters on
``hs_lastmodifieddate`` GTE the newest modification time of the last successful sync, sorted by it
ascending, 100 per page with ``after``. A search reaches at most 10,000 results
(https://developers.hubspot.com/docs/api/crm/search#limitations); past them the search starts again from the
newest modification time read, so a first sync of a large account still reads every deal. Stage ids become
labels, and closed/won, through the deal pipelines (a closed stage with probability 1.0 is won); owners and
associated companies (name, industry, country) come from the owners, associations and companies APIs.
Rate limits: 429 (and 502–504) are retried with exponential backoff by the client's own urllib3 ``Retry``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kit.errors import ConfigError
from kit.sync.errors import CrmAuthError, CrmRateLimitError, SyncError
from kit.sync.records import Fetched, RegionOf, no_region, opportunity_row, parse_moment
from kit.sync.retry import RetryPolicy

PAGE_LIMIT = 100  # the search's largest page
COMPANY_BATCH = 100  # companies batch read: at most 100 inputs
ASSOCIATION_BATCH = 1000  # associations v4 batch read: at most 1,000 inputs
DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "createdate",
    "closedate",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
)
COMPANY_PROPERTIES = ("name", "industry", "country")
DEFAULT_RETRY = RetryPolicy()
_RETRY_STATUSES = (429, 502, 503, 504)


@dataclass(frozen=True)
class HubSpotSettings:
    """``[sync.hubspot]``: the name of the variable holding the private app's token, and an endpoint override."""

    token_env: str = "HUBSPOT_ACCESS_TOKEN"
    endpoint: str | None = (
        None  # the API's base URL instead of https://api.hubapi.com (a proxy; the emulator)
    )

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> HubSpotSettings:
        return cls(**{k: section[k] for k in cls.__dataclass_fields__ if k in section})

    def token(self, environ: Mapping[str, str]) -> str:
        value = environ.get(self.token_env)
        if not value:
            raise ConfigError(
                f"the environment variable {self.token_env} (named by [sync.hubspot] token_env) is not set"
            )
        return value


@dataclass(frozen=True)
class _Stage:
    label: str
    is_closed: bool
    is_won: bool


def client(settings: HubSpotSettings, environ: Mapping[str, str], policy: RetryPolicy = DEFAULT_RETRY) -> Any:
    """A HubSpot client with the token, the endpoint override and bounded retries."""
    from hubspot import HubSpot
    from urllib3.util.retry import Retry

    retry = Retry(
        total=policy.attempts - 1,
        backoff_factor=policy.first_wait,
        backoff_max=policy.max_wait,
        status_forcelist=_RETRY_STATUSES,
        allowed_methods=None,  # the search is a POST that only reads: safe to send again
        respect_retry_after_header=True,
        raise_on_status=False,  # after the last attempt, the client raises ApiException with HubSpot's body
    )
    options: dict[str, Any] = {"access_token": settings.token(environ), "retry": retry}
    if settings.endpoint:
        options["host"] = settings.endpoint.rstrip("/")
    return HubSpot(**options)


def fetch(
    settings: HubSpotSettings,
    environ: Mapping[str, str],
    since: dt.datetime | None,
    *,
    region_of: RegionOf = no_region,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: Callable[[float], None]
    | None = None,  # unused: urllib3 waits; kept for the same call as Salesforce
) -> Fetched:
    """Every deal modified since ``since`` (all when None), read to the last page before anything is
    returned: a failure on any page raises, so the caller writes nothing from a half-read result."""
    import urllib3

    api = client(settings, environ, policy)
    errors = _api_exceptions()
    pages = [0]  # pages of deals read so far, for the error's message
    try:
        stages = _stages(api)
        owners = _owners(api)
        deals: dict[str, Mapping[str, Any]] = {}
        start = since
        while True:
            read, total, newest = _search(api, start, deals, pages)
            if read >= total:
                break
            # The search stopped at its 10,000-result cap: go on from the newest modification time read.
            if newest is None or (start is not None and newest <= start):
                raise SyncError(
                    "HubSpot's search holds more than 10,000 deals modified in the same millisecond; "
                    "the kit cannot page past them"
                )
            start = newest
        companies = _companies(api, list(deals))
    except errors as error:
        raise _api_error(error, pages[0] + 1, settings) from None
    except urllib3.exceptions.HTTPError as error:
        raise SyncError(
            f"HubSpot could not be reached ({type(error).__name__}); nothing was written, run sync again"
        ) from None
    rows = []
    for deal_id, props in deals.items():
        stage = stages.get(props.get("dealstage") or "")
        company = companies.get(deal_id, {})
        rows.append(
            opportunity_row(
                opportunity_id=deal_id,
                account=company.get("name"),
                owner=owners.get(props.get("hubspot_owner_id") or ""),
                stage=stage.label if stage else props.get("dealstage"),
                amount_value=props.get("amount"),
                created=props.get("createdate"),
                closes=props.get("closedate"),
                is_closed=bool(stage and stage.is_closed),
                is_won=bool(stage and stage.is_won),
                industry=_industry(company.get("industry")),
                country=company.get("country"),
                region_of=region_of,
            )
        )
    stamps = [parse_moment(p["hs_lastmodifieddate"]) for p in deals.values() if p.get("hs_lastmodifieddate")]
    return Fetched(tuple(rows), max(stamps) if stamps else None, pages[0])


def _api_exceptions() -> tuple[type[Exception], ...]:
    from hubspot.crm.associations.v4 import ApiException as AssociationsError
    from hubspot.crm.companies import ApiException as CompaniesError
    from hubspot.crm.deals import ApiException as DealsError
    from hubspot.crm.owners import ApiException as OwnersError
    from hubspot.crm.pipelines import ApiException as PipelinesError

    return (DealsError, PipelinesError, OwnersError, CompaniesError, AssociationsError)


def _stages(api: Any) -> dict[str, _Stage]:
    """Stage id → label and closed/won, over every deal pipeline."""
    stages: dict[str, _Stage] = {}
    for pipeline in api.crm.pipelines.pipelines_api.get_all("deals").results:
        for stage in pipeline.stages:
            meta = stage.metadata or {}
            closed = str(meta.get("isClosed", "false")).lower() == "true"
            won = closed and _probability(meta.get("probability")) >= 1.0
            stages[stage.id] = _Stage(stage.label, closed, won)
    return stages


def _probability(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _owners(api: Any) -> dict[str, str]:
    owners: dict[str, str] = {}
    after = None
    while True:
        page = api.crm.owners.owners_api.get_page(limit=100, after=after, archived=False)
        for owner in page.results:
            name = " ".join(p for p in (owner.first_name, owner.last_name) if p) or owner.email
            owners[str(owner.id)] = name
        nxt = page.paging.next if page.paging else None
        if not nxt:
            return owners
        after = nxt.after


def _search(
    api: Any, since: dt.datetime | None, deals: dict[str, Mapping[str, Any]], pages: list[int]
) -> tuple[int, int, dt.datetime | None]:
    """One search to its end (or its cap); adds to ``deals`` and counts ``pages``; returns (read, total,
    newest modification time read)."""
    from hubspot.crm.deals import Filter, FilterGroup, PublicObjectSearchRequest

    groups = []
    if since is not None:
        millis = str(int(since.timestamp() * 1000))
        groups = [
            FilterGroup(filters=[Filter(property_name="hs_lastmodifieddate", operator="GTE", value=millis)])
        ]
    after = None
    read = 0
    total = 0
    newest = None
    while True:
        request = PublicObjectSearchRequest(
            filter_groups=groups,
            sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            properties=list(DEAL_PROPERTIES),
            limit=PAGE_LIMIT,
            after=after,
        )
        page = api.crm.deals.search_api.do_search(public_object_search_request=request)
        pages[0] += 1
        total = page.total
        for deal in page.results:
            deals[str(deal.id)] = deal.properties
            stamp = deal.properties.get("hs_lastmodifieddate")
            if stamp:
                moment = parse_moment(stamp)
                newest = moment if newest is None or moment > newest else newest
        read += len(page.results)
        nxt = page.paging.next if page.paging else None
        if not nxt or not page.results:
            return read, total, newest
        after = nxt.after


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _companies(api: Any, deal_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Deal id → its associated company's properties (the first one HubSpot lists)."""
    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
    from hubspot.crm.companies import BatchReadInputSimplePublicObjectId

    company_of: dict[str, str] = {}
    for chunk in _chunks(deal_ids, ASSOCIATION_BATCH):
        answer = api.crm.associations.v4.batch_api.get_page(
            "deals",
            "companies",
            BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in chunk]),
        )
        for result in answer.results:
            if result.to:
                company_of[str(result._from.id)] = str(result.to[0].to_object_id)
    properties: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(company_of.values())), COMPANY_BATCH):
        answer = api.crm.companies.batch_api.read(
            BatchReadInputSimplePublicObjectId(
                properties=list(COMPANY_PROPERTIES),
                inputs=[{"id": i} for i in chunk],
                properties_with_history=[],
            )
        )
        for company in answer.results:
            properties[str(company.id)] = company.properties
    return {deal: properties.get(company, {}) for deal, company in company_of.items()}


def _industry(value: Any) -> str | None:
    """HubSpot's industry is an internal value (``COMPUTER_SOFTWARE``); the sheet shows its words."""
    if not value:
        return None
    text = str(value)
    if re.fullmatch(r"[A-Z0-9_]+", text):
        return text.replace("_", " ").title()
    return text


def _api_error(error: Any, page: int, settings: HubSpotSettings) -> SyncError:
    import json

    status = getattr(error, "status", None)
    try:
        body = json.loads(getattr(error, "body", "") or "{}")
    except ValueError:
        body = {}
    message = str(body.get("message") or getattr(error, "reason", "") or "no message").rstrip(".")
    if status == 401:
        return CrmAuthError(
            f"HubSpot refused the access token: {message}; check the {settings.token_env} variable"
        )
    if status == 403:
        return CrmAuthError(
            f"HubSpot refused the request: {message}; give the private app the crm.objects.deals.read, "
            "crm.objects.companies.read and crm.objects.owners.read scopes"
        )
    if status == 429:
        return CrmRateLimitError(
            f"HubSpot's rate limit is reached ({message}) and waiting did not help; nothing was written, "
            "run sync later"
        )
    return SyncError(
        f"HubSpot answered {status} ({message}) on page {page}; nothing was written, run sync again"
    )
