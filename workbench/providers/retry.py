"""Retrying provider requests: exponential backoff with jitter, bounded twice.

Only errors whose ``should_retry`` is true (rate limited, unavailable) are retried. A
retry waits what the provider asked for (``retry_after``) or else an exponentially
growing, jittered delay. Both the number of attempts and the total time are bounded:
when the next wait would end past the time budget the last error is raised at once
instead, so a provider asking for a long pause is not waited on.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from workbench.errors import ProviderError, ProviderRateLimited

T = TypeVar("T")
log = logging.getLogger("workbench.providers")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try; tests use tiny delays so they run in milliseconds."""

    attempts: int = 4  # tries in all, the first one included
    base_delay: float = 1.0  # seconds before the first retry, doubled for each further one
    max_delay: float = 30.0  # cap of the computed backoff (not of a provider's retry_after)
    total_time: float = 120.0  # budget in seconds for all attempts and waits together
    jitter: float = 0.5  # share of each delay that is randomised, 0 to 1

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based) when the provider gave none."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return delay * (1 - self.jitter) + random.uniform(0, delay * self.jitter)  # noqa: S311


async def with_retries(operation: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``operation`` until it succeeds, fails for good, or the policy is used up."""
    started = time.monotonic()
    attempt = 1
    while True:
        try:
            return await operation()
        except ProviderError as error:
            if not error.should_retry or attempt >= policy.attempts:
                raise
            delay = _wait_for(error, policy, attempt)
            if time.monotonic() - started + delay > policy.total_time:
                raise
            log.warning(
                "%s; retrying in %.2f s (attempt %d of %d)",
                error,
                delay,
                attempt + 1,
                policy.attempts,
            )
            await asyncio.sleep(delay)
            attempt += 1


def _wait_for(error: ProviderError, policy: RetryPolicy, attempt: int) -> float:
    if isinstance(error, ProviderRateLimited) and error.retry_after is not None:
        return max(0.0, error.retry_after)
    return policy.backoff(attempt)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date.

    Fractional seconds are accepted too (some gateways send them).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
