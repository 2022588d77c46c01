"""Read Opportunities from Salesforce with simple-salesforce: log in, run one SOQL query, follow its pages.

Log-in by the two flows that suit a scheduled job: the OAuth 2.0 JWT bearer flow (a connected app's
consumer key and the private key of its certificate; no password stored anywhere) or username + password +
security token (simple-salesforce sends these to the SOAP ``login()`` call). Secrets come only from the
environment variables the config names. simple-salesforce always builds ``https://<domain>.salesforce.com``
URLs; ``endpoint`` (a proxy, the test emulator) is plugged into the ``requests`` session the library is given,
its documented seam, as the Google Sheets store does.

Incremental: ``WHERE SystemModstamp >= <the newest SystemModstamp of the last successful sync>``, to the
second. ``>=`` re-reads the records stamped in that second (the upsert finds them unchanged) rather than risk
missing one saved in the same second after the last read.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from kit.errors import ConfigError
from kit.sync.errors import CrmAuthError, CrmRateLimitError, SyncError
from kit.sync.records import Fetched, RegionOf, no_region, opportunity_row, parse_moment, stamp
from kit.sync.retry import RetryPolicy, with_retries

API_VERSION = "59.0"
FIELDS = (
    "Id",
    "Name",
    "Account.Name",
    "Account.Industry",
    "Account.BillingCountry",
    "Owner.Name",
    "StageName",
    "Amount",
    "CreatedDate",
    "CloseDate",
    "IsClosed",
    "IsWon",
    "SystemModstamp",
)
DEFAULT_RETRY = RetryPolicy()
_RETRY_STATUSES = {429, 502, 503, 504}  # "unavailable" and proxies' rate limits; a 500 is not retried


@dataclass(frozen=True)
class SalesforceSettings:
    """``[sync.salesforce]``: who logs in, how, and where the secrets are (names of environment variables)."""

    username: str
    domain: str = "login"  # 'login', 'test' (a sandbox) or a My Domain such as 'acme.my'
    consumer_key: str | None = None  # with private_key_file: the JWT bearer flow
    private_key_file: str | None = None
    password_env: str = "SALESFORCE_PASSWORD"
    security_token_env: str = "SALESFORCE_SECURITY_TOKEN"
    api_version: str = API_VERSION
    endpoint: str | None = None  # send every *.salesforce.com request here instead (a proxy; the emulator)

    @classmethod
    def from_config(cls, section: Mapping[str, Any], where: str = "[sync.salesforce]") -> SalesforceSettings:
        if not section.get("username"):
            raise ConfigError(f"{where} username: the Salesforce user the sync logs in as is missing")
        if bool(section.get("consumer_key")) != bool(section.get("private_key_file")):
            raise ConfigError(
                f"{where}: the JWT log-in needs both consumer_key and private_key_file "
                "(or neither, to log in with a password and security token)"
            )
        known = {k: section[k] for k in cls.__dataclass_fields__ if k in section}
        return cls(**known)

    @property
    def flow(self) -> str:
        """'jwt' (consumer key + private key) or 'password' (password + security token)."""
        return "jwt" if self.consumer_key and self.private_key_file else "password"

    @property
    def secret_names(self) -> str:
        """What the user checks when the log-in is refused."""
        if self.flow == "jwt":
            return f"[sync.salesforce] consumer_key and private_key_file ({self.private_key_file})"
        return f"the {self.password_env} and {self.security_token_env} variables"

    def login_arguments(self, environ: Mapping[str, str]) -> dict[str, Any]:
        """simple-salesforce's log-in arguments, with the secrets read from ``environ``."""
        if self.flow == "jwt":
            if not os.path.isfile(str(self.private_key_file)):
                raise ConfigError(
                    f"[sync.salesforce] private_key_file = {self.private_key_file!r}: no such file"
                )
            return {
                "username": self.username,
                "consumer_key": self.consumer_key,
                "privatekey_file": self.private_key_file,
            }
        secrets = {}
        for argument, name in (("password", self.password_env), ("security_token", self.security_token_env)):
            value = environ.get(name)
            if not value:
                raise ConfigError(
                    f"the environment variable {name} (named by [sync.salesforce] {argument}_env) is not set"
                )
            secrets[argument] = value
        return {"username": self.username, **secrets}


class _EndpointAdapter(HTTPAdapter):
    """Sends requests for any ``https://….salesforce.com`` host to ``endpoint`` (path and query kept)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        host = url.split("/", 3)[2] if url.startswith("https://") else ""
        if host.split(":")[0].endswith(".salesforce.com"):
            request.url = self.endpoint + "/" + (url.split("/", 3)[3] if url.count("/") >= 3 else "")
        return super().send(request, **kwargs)


def session(endpoint: str | None) -> requests.Session:
    """The ``requests`` session simple-salesforce is given: plain, or redirected to ``endpoint``."""
    http = requests.Session()
    if endpoint:
        http.mount("https://", _EndpointAdapter(endpoint))
    return http


def soql(since: dt.datetime | None) -> str:
    """The query: every Opportunity, or those modified at or after ``since`` (to the second)."""
    where = f" WHERE SystemModstamp >= {stamp(since)}" if since is not None else ""
    return f"SELECT {', '.join(FIELDS)} FROM Opportunity{where} ORDER BY SystemModstamp, Id"


def fetch(
    settings: SalesforceSettings,
    environ: Mapping[str, str],
    since: dt.datetime | None,
    *,
    region_of: RegionOf = no_region,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: Callable[[float], None] | None = None,
) -> Fetched:
    """Every Opportunity modified since ``since`` (all when None), read to the last page before anything is
    returned: a failure on any page raises, so the caller writes nothing from a half-read result."""
    from simple_salesforce import Salesforce
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

    arguments = settings.login_arguments(environ)
    retry_kwargs = {} if sleep is None else {"sleep": sleep}

    def retryable(error: Exception) -> bool:
        if isinstance(error, requests.ConnectionError | requests.Timeout):
            return True
        return isinstance(error, SalesforceError) and getattr(error, "status", None) in _RETRY_STATUSES

    page = 1
    try:
        client = with_retries(
            lambda: Salesforce(
                **arguments,
                domain=settings.domain,
                version=settings.api_version,
                session=session(settings.endpoint),
                client_id="advocacy-kit",
            ),
            retryable,
            policy,
            **retry_kwargs,
        )
        result = with_retries(lambda: client.query(soql(since)), retryable, policy, **retry_kwargs)
        records = list(result["records"])
        while not result.get("done", True):
            page += 1
            next_url = result["nextRecordsUrl"]
            result = with_retries(
                lambda url=next_url: client.query_more(url, identifier_is_url=True),
                retryable,
                policy,
                **retry_kwargs,
            )
            records.extend(result["records"])
    except SalesforceAuthenticationFailed as error:
        raise CrmAuthError(
            f"Salesforce refused the log-in: {_auth_message(error)}; check {settings.secret_names}"
        ) from None
    except SalesforceError as error:
        raise _query_error(error, page, settings) from None
    except (requests.ConnectionError, requests.Timeout) as error:
        raise SyncError(
            f"Salesforce could not be reached ({type(error).__name__}); nothing was written, run sync again"
        ) from None
    rows = tuple(_row(record, region_of) for record in records)
    stamps = [parse_moment(r["SystemModstamp"]) for r in records if r.get("SystemModstamp")]
    return Fetched(rows, max(stamps) if stamps else None, page)


def _row(record: Mapping[str, Any], region_of: RegionOf) -> dict[str, Any]:
    account = record.get("Account") or {}
    owner = record.get("Owner") or {}
    return opportunity_row(
        opportunity_id=record["Id"],
        account=account.get("Name"),
        owner=owner.get("Name"),
        stage=record.get("StageName"),
        amount_value=record.get("Amount"),
        created=record.get("CreatedDate"),
        closes=record.get("CloseDate"),
        is_closed=bool(record.get("IsClosed")),
        is_won=bool(record.get("IsWon")),
        industry=account.get("Industry"),
        country=account.get("BillingCountry"),
        region_of=region_of,
    )


def _auth_message(error: Exception) -> str:
    code = getattr(error, "code", None)
    message = str(getattr(error, "auth_message", "") or error).strip().rstrip(".")
    return f"{code}: {message}" if code and str(code) not in message else message


def _first_error(content: Any) -> tuple[str, str]:
    """(errorCode, message) of Salesforce's error body ``[{"message": …, "errorCode": …}]``."""
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    return "", str(content)[:200]


def _query_error(error: Any, page: int, settings: SalesforceSettings) -> SyncError:
    status = getattr(error, "status", None)
    code, message = _first_error(getattr(error, "content", None))
    if status == 401:
        return CrmAuthError(
            f"Salesforce refused the session ({code or 401}: {message}) and a new log-in did not help; "
            f"check {settings.secret_names}"
        )
    if code == "REQUEST_LIMIT_EXCEEDED" or status == 429:
        return CrmRateLimitError(
            f"Salesforce's API request limit is reached ({message}); nothing was written, run sync later"
        )
    return SyncError(
        f"Salesforce answered {status} ({code or 'error'}: {message}) on page {page} of the query; "
        "nothing was written, run sync again"
    )
