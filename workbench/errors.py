"""The workbench's one error tree.

Every error a user can cause or meet derives from :class:`WorkbenchError`; its ``str``
is one line that says what went wrong and what to do, and its ``exit_code`` is what the
CLI exits with (DESIGN §3: 2 bad input or usage, 3 quota or tier limit, 4 provider).
Library errors (SQLAlchemy, httpx, the provider SDKs) are mapped into this tree at the
edge where they happen, with ``raise ... from exc``.

::

    WorkbenchError
    ├── InternalError               exit 1: a bug or a broken environment; details in the log
    ├── UsageError                  exit 2: bad input the user can fix
    │   ├── ConfigError             settings or environment are wrong
    │   │   └── DatabaseUnavailable the configured database cannot be reached or written
    │   ├── NotFound                a named thing does not exist
    │   ├── AlreadyExists           a unique name or email is taken
    │   ├── InvalidInput            a value is malformed (carries every problem found)
    │   ├── PathNotAllowed          a path escapes the allowed roots
    │   ├── AuthenticationFailed    wrong credentials, bad or revoked API key
    │   └── PermissionDenied        signed in, but not allowed to do this
    │       └── AccessRevoked       lost since sign-in: inactive, no longer admin, signed out
    ├── LimitReached                exit 3: a quota or tier limit stops the work
    │   ├── QuotaExceeded           daily translations or monthly characters used up
    │   ├── ProviderNotAllowed      the user's tier does not include this provider
    │   ├── RateLimitExceeded       too many requests per minute for the tier
    │   └── KernelLimitReached      a user's dashboard pages (kernels) are all open and in use
    └── ProviderError               exit 4: a translation provider failed
        ├── ProviderAuthError       credentials refused (not retried; cools down)
        ├── ProviderQuotaExceeded   the provider account's quota is used up (not retried)
        ├── ProviderRateLimited     slow down; ``retry_after`` seconds if the provider said
        ├── ProviderUnavailable     5xx, timeout, connection refused (retried)
        ├── ProviderBadResponse     a reply we cannot use (malformed, wrong ids, truncated)
        └── UnsupportedLanguage     the provider does not offer this language (exit 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class WorkbenchError(Exception):
    """Root of every error the workbench raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InternalError(WorkbenchError):
    """Something we did not expect; the user gets one line, the log has the traceback."""


class UsageError(WorkbenchError):
    exit_code = 2


class ConfigError(UsageError):
    pass


class DatabaseUnavailable(ConfigError):
    pass


class NotFound(UsageError):
    pass


class AlreadyExists(UsageError):
    pass


class InvalidInput(UsageError):
    """Bad input; ``problems`` lists every problem found (e.g. one per file line)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class PathNotAllowed(UsageError):
    pass


class AuthenticationFailed(UsageError):
    pass


class PermissionDenied(UsageError):
    pass


class Revocation(StrEnum):
    """Why a signed-in user may no longer do what they could when they signed in."""

    INACTIVE = "inactive"  # deactivated or deleted
    NOT_ADMIN = "not_admin"  # the action needs an admin and they are not one any more
    SIGNED_OUT = "signed_out"  # signed out, or their password or role changed, since


class AccessRevoked(PermissionDenied):
    """The user's authority, read again as an action starts, no longer allows it."""

    def __init__(self, reason: Revocation, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class LimitReached(WorkbenchError):
    exit_code = 3


class QuotaExceeded(LimitReached):
    pass


class ProviderNotAllowed(LimitReached):
    pass


class RateLimitExceeded(LimitReached):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KernelLimitReached(LimitReached):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"{limit} dashboard pages are open and in use, the most one user may have; "
            "close one and try again"
        )
        self.limit = limit


class ProviderError(WorkbenchError):
    """A provider failed; ``should_retry`` says whether trying again may help."""

    exit_code = 4
    should_retry: bool = False

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class ProviderAuthError(ProviderError):
    pass


class ProviderQuotaExceeded(ProviderError):
    pass


class ProviderRateLimited(ProviderError):
    should_retry = True

    def __init__(self, provider: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    should_retry = True


class ProviderBadResponse(ProviderError):
    pass


class UnsupportedLanguage(ProviderError):
    exit_code = 2
