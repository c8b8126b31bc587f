"""The workbench's errors as the HTTP API answers them: a status and ``{"message": …}``.

DeepL's clients know these statuses: 400 bad request, 403 a bad key or not allowed,
404, 413 too large, 429 slow down (with ``Retry-After``), 456 quota used up. A provider
that fails is 502 (503 when it asks to wait: clients retry that). Anything else is a bug:
500 with ``internal error``, the traceback in the log only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from workbench.errors import (
    AuthenticationFailed,
    LimitReached,
    NotFound,
    PermissionDenied,
    ProviderError,
    ProviderNotAllowed,
    ProviderRateLimited,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimitExceeded,
    UnsupportedLanguage,
    UsageError,
    WorkbenchError,
)

QUOTA_EXCEEDED = 456  # DeepL's own status for a used-up quota
INTERNAL = "internal error"


class RequestTooLarge(UsageError):
    """A request body, a text or a list of texts beyond what the API takes (413)."""


@dataclass(frozen=True)
class Answer:
    """What an error becomes on the wire."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def answer_for(error: BaseException) -> Answer:
    """The status, message and headers for ``error``; unexpected ones are 500."""
    if not isinstance(error, WorkbenchError):
        return Answer(500, INTERNAL)
    message = str(error)
    if isinstance(error, RequestTooLarge):
        return Answer(413, message)
    if isinstance(error, AuthenticationFailed | PermissionDenied | ProviderNotAllowed):
        return Answer(403, message)
    if isinstance(error, NotFound):
        return Answer(404, message)
    if isinstance(error, RateLimitExceeded):
        return Answer(429, message, _retry_after(error.retry_after))
    if isinstance(error, QuotaExceeded):
        return Answer(QUOTA_EXCEEDED, f"Quota exceeded: {message}")
    if isinstance(error, LimitReached):
        return Answer(QUOTA_EXCEEDED, f"Quota exceeded: {message}")
    if isinstance(error, UnsupportedLanguage):
        return Answer(400, message)
    if isinstance(error, ProviderRateLimited):
        return Answer(503, message, _retry_after(error.retry_after))
    if isinstance(error, ProviderUnavailable):
        return Answer(503, message)
    if isinstance(error, ProviderError):
        return Answer(502, message)
    if isinstance(error, UsageError):
        return Answer(400, message)
    return Answer(500, INTERNAL)


def _retry_after(seconds: float | None) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds or 1)))}
