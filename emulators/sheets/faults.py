"""The errors the emulator answers on purpose (a test's injected failure), with the body Google sends for
each status: 429 with the quota's details, 500, 503, 403, and the token endpoint's own OAuth errors."""

from __future__ import annotations

from emulators.sheets.model import ApiError
from emulators.sheets.routes import READS

# https://developers.google.com/sheets/api/limits : 429 "Too many requests" with a quota message.
_QUOTA_MESSAGE = (
    "Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' of service "
    "'sheets.googleapis.com' for consumer 'project_number:000000000000'."
)


def _answer(error: ApiError) -> tuple[int, dict]:
    return error.code, error.body()


class _OAuthError(ApiError):
    """The token endpoint's own error body, ``{"error": …, "error_description": …}``: for a deleted or disabled
    service account key, 400 ``invalid_grant`` "Invalid JWT Signature."
    (https://developers.google.com/identity/protocols/oauth2/service-account#error-codes)."""

    def body(self) -> dict:
        return {"error": self.status, "error_description": self.message}


def _status_error(status: int, endpoint: str) -> ApiError:
    """An injected failure with the body Google sends for that status."""
    if endpoint == "oauth.token":
        if status == 400:
            return _OAuthError(400, "Invalid JWT Signature.", "invalid_grant")
        return _OAuthError(status, "Internal error", "internal_failure")
    if status == 429:
        metric = "Read requests" if endpoint in READS else "Write requests"
        return ApiError(
            429,
            _QUOTA_MESSAGE.format(metric=metric),
            "RESOURCE_EXHAUSTED",
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "sheets.googleapis.com",
                        "quota_metric": "sheets.googleapis.com/"
                        + ("read_requests" if metric.startswith("Read") else "write_requests"),
                        "quota_limit": ("ReadRequests" if metric.startswith("Read") else "WriteRequests")
                        + "PerMinutePerUser",
                        "quota_limit_value": "60",
                        "consumer": "projects/000000000000",
                    },
                }
            ],
        )
    if status == 500:
        return ApiError(500, "Internal error encountered.", "INTERNAL")
    if status == 503:
        return ApiError(503, "The service is currently unavailable.", "UNAVAILABLE")
    if status == 403:
        return ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
    return ApiError(status, f"Injected error {status}", "UNKNOWN")
