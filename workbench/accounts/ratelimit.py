"""Sliding-window limits kept in the database, so every process on it counts the same hits.

A bucket (``user:<id>``, ``key:<prefix>``, a provider's pace) admits a request when
fewer than ``limit`` of its hits (:class:`~workbench.db.models.RateLimitHit`) are younger
than ``window`` seconds, and records the request as a new hit. Counting and recording
are one atomic step across processes: on PostgreSQL a transaction-scoped advisory lock
per bucket serialises them, on SQLite the write transaction (``BEGIN IMMEDIATE``) does.
A refusal raises :class:`RateLimitExceeded` whose ``retry_after`` is the time until the
hit that fills the window leaves it. Each admission deletes its bucket's aged-out hits,
so a bucket keeps at most about ``limit`` rows; use one window per bucket.

A hit counts for other processes once committed, and the lock is held until then: on an
idle session each function here runs its own short write transaction and commits it
(unlike other account services); joined to the caller's transaction, its work is a
savepoint and the caller commits, at once. Times are the application's clock (UTC).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.subscriptions import current_subscription
from workbench.db import begin_write, core
from workbench.db.base import utcnow
from workbench.db.models import ApiKey, RateLimitHit
from workbench.errors import RateLimitExceeded

MINUTE = 60.0
# The advisory lock namespace of buckets (PostgreSQL's two-key form; slots use another).
BUCKET_LOCKS = 0x5742_0001
# Aged-out hits one admission deletes at most: a burst of old rows is cleared over a few.
PRUNE_BATCH = 500


async def admit(
    session: AsyncSession,
    bucket: str,
    limit: int,
    window: float = MINUTE,
    *,
    now: datetime | None = None,
) -> None:
    """Count one request in ``bucket``, or raise :class:`RateLimitExceeded`.

    Admitted when fewer than ``limit`` hits of the bucket are younger than ``window``
    seconds at ``now`` (default: the current time); the request then becomes a hit.
    """
    now = now or utcnow()
    async with writing(session):
        wait = await try_admit(session, bucket, limit, window, now)
    if wait is not None:
        raise _refusal(f"rate limit of {_requests(limit)} {_per(window)} reached", wait)


async def admit_api_request(
    session: AsyncSession, user_id: uuid.UUID, key: ApiKey | None, *, now: datetime | None = None
) -> None:
    """Count one API request against its owner's tier and its key's own limit.

    The tier's ``requests_per_minute`` applies in the bucket ``user:<id>`` and the key's
    ``requests_per_minute`` in ``key:<prefix>``; ``None`` is unlimited. Both must admit
    it, in one transaction: a request the key refuses is not counted against the user.
    """
    now = now or utcnow()
    async with writing(session):
        tier = (await current_subscription(session, user_id, now)).tier
        limits = [(f"user:{user_id}", tier.requests_per_minute, "rate limit")]
        if key is not None:
            limits.append((f"key:{key.prefix}", key.requests_per_minute, "this API key's limit"))
        for bucket, limit, what in limits:
            if limit is None:
                continue
            wait = await try_admit(session, bucket, limit, MINUTE, now)
            if wait is not None:
                # Leaving the block by this error undoes the hits counted before it.
                raise _refusal(f"{what} of {_requests(limit)} per minute reached", wait)


async def try_admit(
    session: AsyncSession, bucket: str, limit: int, window: float, now: datetime
) -> float | None:
    """Within the caller's write transaction: count one hit and return ``None``, or
    return the seconds until the bucket admits one (nothing is counted then)."""
    if limit < 1 or window <= 0:
        raise ValueError("a rate limit needs a positive limit and window")
    await lock(session, BUCKET_LOCKS, bucket)
    start = now - timedelta(seconds=window)
    aged = (
        select(RateLimitHit.id)
        .where(RateLimitHit.bucket == bucket, RateLimitHit.at <= start)
        .order_by(RateLimitHit.at)
        .limit(PRUNE_BATCH)
    )
    await core(session, delete(RateLimitHit).where(RateLimitHit.id.in_(aged.scalar_subquery())))
    # The limit-th youngest hit: while it is in the window, the window is full.
    filling = (
        await core(
            session,
            select(RateLimitHit.at)
            .where(RateLimitHit.bucket == bucket, RateLimitHit.at > start)
            .order_by(RateLimitHit.at.desc())
            .offset(limit - 1)
            .limit(1),
        )
    ).scalar_one_or_none()
    if filling is not None:
        wait: float = max((filling - start).total_seconds(), 0.0)
        return wait
    await core(session, insert(RateLimitHit).values(bucket=bucket, at=now))
    return None


async def lock(session: AsyncSession, space: int, name: str) -> None:
    """Serialise transactions on ``name`` until the caller's commits (PostgreSQL); on
    SQLite the write transaction already excludes every other writer."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_xact_lock(space, func.hashtext(name))))


@asynccontextmanager
async def writing(session: AsyncSession) -> AsyncIterator[None]:
    """A short write transaction committed on success, or a savepoint in the caller's."""
    if session.in_transaction():
        async with session.begin_nested():
            yield
        return
    await begin_write(session)
    try:
        yield
    except BaseException:
        await session.rollback()
        raise
    await session.commit()


def retry_after(wait: float) -> float:
    """Seconds to tell a client: ``wait`` rounded up to a tenth, at least a tenth."""
    return max(math.ceil(round(wait * 10, 6)) / 10, 0.1)


def _refusal(what: str, wait: float) -> RateLimitExceeded:
    seconds = retry_after(wait)
    return RateLimitExceeded(f"{what}; retry in {seconds:g} s", retry_after=seconds)


def _requests(limit: int) -> str:
    return "1 request" if limit == 1 else f"{limit} requests"


def _per(window: float) -> str:
    if window == MINUTE:
        return "per minute"
    if window == 1:
        return "per second"
    return f"per {window:g} s"
