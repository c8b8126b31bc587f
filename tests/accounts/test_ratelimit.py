"""Requests per minute per user or key, from the tier, refused or waited for."""

from __future__ import annotations

import asyncio

import pytest

from tests.accounts.support import OPERATOR, add_user
from workbench.accounts import users
from workbench.accounts.ratelimit import RateLimiter
from workbench.db import Database
from workbench.errors import RateLimitExceeded


async def test_requests_over_the_rate_are_refused_with_retry_after() -> None:
    limiter = RateLimiter()
    for _ in range(3):
        await limiter.acquire("user:a", 3)

    with pytest.raises(RateLimitExceeded) as raised:
        await limiter.acquire("user:a", 3)

    assert raised.value.retry_after == 20.0
    assert raised.value.exit_code == 3
    assert "3 requests per minute" in str(raised.value)
    await limiter.acquire("user:b", 3)  # another key has its own bucket


async def test_unlimited_is_never_refused() -> None:
    limiter = RateLimiter()
    for _ in range(1_000):
        await limiter.acquire("user:a", None)


async def test_waiting_instead_of_failing() -> None:
    limiter = RateLimiter()
    for _ in range(600):  # ten a second: the burst is a minute's worth
        await limiter.acquire("key:x", 600)
    with pytest.raises(RateLimitExceeded):
        await limiter.acquire("key:x", 600)

    waiting = asyncio.create_task(limiter.acquire("key:x", 600, wait=True))
    for _ in range(10):  # it does not get through while the bucket is full…
        await asyncio.sleep(0)
    assert not waiting.done()
    await waiting  # …and does once a request's worth has drained (a tenth of a second)


async def test_a_new_rate_replaces_the_old_bucket() -> None:
    limiter = RateLimiter()
    await limiter.acquire("user:a", 1)
    with pytest.raises(RateLimitExceeded):
        await limiter.acquire("user:a", 1)
    await limiter.acquire("user:a", 2)


async def test_least_recently_used_keys_are_forgotten() -> None:
    limiter = RateLimiter(max_keys=2)
    await limiter.acquire("a", 1)
    await limiter.acquire("b", 1)
    await limiter.acquire("c", 1)  # forgets "a"
    await limiter.acquire("a", 1)
    with pytest.raises(RateLimitExceeded):
        await limiter.acquire("c", 1)


async def test_the_rate_comes_from_the_users_tier(db: Database) -> None:
    user_id = await add_user(db, "rate@example.org")  # free: 10 requests a minute
    limiter = RateLimiter()
    async with db.session() as session:
        for _ in range(10):
            await limiter.acquire_for_user(session, user_id)
        with pytest.raises(RateLimitExceeded, match="10 requests per minute"):
            await limiter.acquire_for_user(session, user_id)
        await limiter.acquire_for_user(session, user_id, key="wb_0123456789ab")

        await users.set_tier(session, user_id, "pro", actor=OPERATOR)
        await session.commit()
        await limiter.acquire_for_user(session, user_id)  # 120 a minute now
