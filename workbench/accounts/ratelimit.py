"""Requests per minute, per user or per API key, from their tier.

One :class:`RateLimiter` per process (and event loop) keeps an ``aiolimiter`` leaky
bucket per key: a full minute's allowance may come in one burst, then capacity returns
steadily. The caller chooses to be refused at once (:class:`RateLimitExceeded` with
``retry_after``) or to wait for capacity. The same class paces any other keyed stream,
such as outbound requests to a provider.
"""

from __future__ import annotations

import math
import uuid
from collections import OrderedDict
from datetime import datetime

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.subscriptions import current_subscription
from workbench.db.base import utcnow
from workbench.errors import RateLimitExceeded

MINUTE = 60.0


class RateLimiter:
    """Keyed leaky buckets; the least recently used are forgotten beyond ``max_keys``."""

    def __init__(self, *, max_keys: int = 10_000) -> None:
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, AsyncLimiter] = OrderedDict()

    async def acquire(self, key: str, per_minute: int | None, *, wait: bool = False) -> None:
        """Count one request for ``key``; ``per_minute=None`` means unlimited.

        With ``wait=False`` a request over the rate raises :class:`RateLimitExceeded`
        whose ``retry_after`` (seconds) is enough for one more request.
        """
        if per_minute is None:
            return
        bucket = self._bucket(key, per_minute)
        if not wait and not bucket.has_capacity():
            # At most one request's worth has to drain from a bucket that is just full.
            retry_after = math.ceil(MINUTE / per_minute * 10) / 10
            raise RateLimitExceeded(
                f"rate limit of {per_minute} requests per minute reached; "
                f"retry in {retry_after:g} s",
                retry_after=retry_after,
            )
        await bucket.acquire()

    async def acquire_for_user(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        *,
        key: str | None = None,
        wait: bool = False,
        now: datetime | None = None,
    ) -> None:
        """Count one request at the rate of the user's effective tier.

        ``key`` separates buckets (e.g. an API key prefix); by default the user's id.
        """
        tier = (await current_subscription(session, user_id, now or utcnow())).tier
        await self.acquire(key or f"user:{user_id}", tier.requests_per_minute, wait=wait)

    def _bucket(self, key: str, per_minute: int) -> AsyncLimiter:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.max_rate != per_minute:
            # A tier change takes effect with a fresh bucket at the new rate.
            bucket = AsyncLimiter(per_minute, MINUTE)
            self._buckets[key] = bucket
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return bucket
