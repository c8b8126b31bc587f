"""Sliding-window limits kept in the database: refusals, windows, pruning, a request's
tier and key limits counted together, and five processes sharing one limit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tests.accounts.support import OPERATOR, add_tier, add_user
from workbench.accounts import users
from workbench.accounts.ratelimit import admit, admit_api_request, retry_after
from workbench.db import Database
from workbench.db.base import utcnow
from workbench.db.models import ApiKey, RateLimitHit
from workbench.errors import RateLimitExceeded

T0 = utcnow()


async def hits(db: Database, bucket: str) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(RateLimitHit).where(RateLimitHit.bucket == bucket)
        )
        return int(count or 0)


async def test_requests_over_the_limit_are_refused_until_the_oldest_leaves(db: Database) -> None:
    async with db.session() as session:
        for second in (0, 10, 20):
            await admit(session, "user:a", 3, now=T0 + timedelta(seconds=second))

        with pytest.raises(RateLimitExceeded) as raised:
            await admit(session, "user:a", 3, now=T0 + timedelta(seconds=30))
        assert raised.value.retry_after == 30.0  # the hit at 0 s leaves at 60 s
        assert raised.value.exit_code == 3
        assert str(raised.value) == "rate limit of 3 requests per minute reached; retry in 30 s"

        await admit(session, "user:b", 3, now=T0 + timedelta(seconds=30))  # its own bucket
        with pytest.raises(RateLimitExceeded) as raised:
            await admit(session, "user:a", 3, now=T0 + timedelta(seconds=59.95))
        assert raised.value.retry_after == 0.1  # 0.05 s, rounded up to a tenth

        # At 60 s the first hit is a full window old: it no longer counts.
        await admit(session, "user:a", 3, now=T0 + timedelta(seconds=60))
        with pytest.raises(RateLimitExceeded) as raised:
            await admit(session, "user:a", 3, now=T0 + timedelta(seconds=60))
        assert raised.value.retry_after == 10.0
    assert await hits(db, "user:a") == 3  # refusals count nothing; the aged-out hit is gone


async def test_a_lower_limit_waits_for_enough_hits_to_leave(db: Database) -> None:
    async with db.session() as session:
        for second in range(5):
            await admit(session, "pace:x", 5, 10.0, now=T0 + timedelta(seconds=second))
        with pytest.raises(RateLimitExceeded, match="2 requests per 10 s") as raised:
            await admit(session, "pace:x", 2, 10.0, now=T0 + timedelta(seconds=5))
        # Hits at 0..4 s: two may remain, so the one at 3 s has to leave (at 13 s).
        assert raised.value.retry_after == 8.0


async def test_aged_out_hits_are_deleted_only_in_their_own_bucket(db: Database) -> None:
    async with db.session() as session:
        for second in range(4):
            await admit(session, "key:old", 10, now=T0 + timedelta(seconds=second))
            await admit(session, "key:other", 10, now=T0 + timedelta(seconds=second))
        await admit(session, "key:old", 10, now=T0 + timedelta(minutes=5))
    assert await hits(db, "key:old") == 1
    assert await hits(db, "key:other") == 4


def test_retry_after_is_rounded_up_to_a_tenth() -> None:
    assert retry_after(0.0) == 0.1
    assert retry_after(0.01) == 0.1
    assert retry_after(6.0) == 6.0
    assert retry_after(6.04) == 6.1


async def test_the_rate_comes_from_the_users_tier(db: Database) -> None:
    user_id = await add_user(db, "rate@example.org")  # free: 10 requests a minute
    async with db.session() as session:
        for _ in range(10):
            await admit_api_request(session, user_id, None, now=T0)
        with pytest.raises(RateLimitExceeded, match=r"^rate limit of 10 requests per minute"):
            await admit_api_request(session, user_id, None, now=T0)

        await users.set_tier(session, user_id, "pro", actor=OPERATOR)
        await session.commit()
        await admit_api_request(session, user_id, None, now=T0)  # 120 a minute now
    assert await hits(db, f"user:{user_id}") == 11


async def test_a_keys_refusal_does_not_count_against_its_owner(db: Database) -> None:
    await add_tier(db, "three", requests_per_minute=3)
    user_id = await add_user(db, "keys@example.org", tier="three")
    slow = ApiKey(prefix="wb_slow", requests_per_minute=1)
    free = ApiKey(prefix="wb_free", requests_per_minute=None)
    async with db.session() as session:
        await admit_api_request(session, user_id, slow, now=T0)
        with pytest.raises(RateLimitExceeded, match=r"^this API key's limit of 1 request"):
            await admit_api_request(session, user_id, slow, now=T0)
        assert await hits(db, f"user:{user_id}") == 1

        await admit_api_request(session, user_id, free, now=T0)
        await admit_api_request(session, user_id, free, now=T0)
        with pytest.raises(RateLimitExceeded, match=r"^rate limit of 3 requests per minute"):
            await admit_api_request(session, user_id, free, now=T0)
    assert await hits(db, f"user:{user_id}") == 3
    assert await hits(db, "key:wb_slow") == 1


async def test_inside_the_callers_transaction_a_refusal_undoes_only_its_own_hits(
    db: Database,
) -> None:
    user_id = await add_user(db, "joined@example.org")
    key = ApiKey(prefix="wb_once", requests_per_minute=1)
    async with db.session() as session:
        await admit_api_request(session, user_id, key, now=T0)
        async with session.begin():
            await admit(session, "elsewhere", 5, now=T0)
            with pytest.raises(RateLimitExceeded):
                await admit_api_request(session, user_id, key, now=T0)
            # Committed by the caller: its own hit stays, the refused request's user hit
            # went with the savepoint.
    assert await hits(db, "elsewhere") == 1
    assert await hits(db, f"user:{user_id}") == 1


async def test_unlimited_is_never_refused_and_stores_nothing(db: Database) -> None:
    await add_tier(db, "open", requests_per_minute=None)
    user_id = await add_user(db, "open@example.org", tier="open")
    async with db.session() as session:
        for _ in range(50):
            await admit_api_request(session, user_id, ApiKey(prefix="wb_any"), now=T0)
    assert await hits(db, f"user:{user_id}") == 0


# --- several processes, one database -----------------------------------------------------

PROCESSES = 5  # three API processes and two workers, as far as the limit can tell
ATTEMPTS = 30  # each: 150 in all against a limit of 60
LIMIT = 60

CHILD = """
import asyncio, json, sys
from pathlib import Path
from sqlalchemy.engine import make_url
from workbench.accounts.ratelimit import admit
from workbench.db import Database
from workbench.errors import RateLimitExceeded

async def main(url, start, attempts, limit):
    admitted = refused = 0
    async with Database(make_url(url)) as db:
        async with db.session() as session:
            await db.ping()
            print("ready", flush=True)
            while not Path(start).exists():
                await asyncio.sleep(0.005)
            for _ in range(attempts):
                try:
                    await admit(session, "user:shared", limit, 3600.0)
                except RateLimitExceeded:
                    refused += 1
                else:
                    admitted += 1
    print(json.dumps({"admitted": admitted, "refused": refused}), flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


def run_together(db_url: URL, tmp_path: Path, attempts: int, limit: int) -> list[dict[str, int]]:
    """Start the processes, let them all begin at once, and collect what each counted."""
    start = tmp_path / "start"
    url = db_url.render_as_string(hide_password=False)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(start), str(attempts), str(limit)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        for _ in range(PROCESSES)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        start.touch()
        results = []
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


async def test_five_processes_share_one_limit(db: Database, db_url: URL, tmp_path: Path) -> None:
    # An hour's window: the whole test is inside it, so exactly the limit gets through.
    results = await asyncio.to_thread(run_together, db_url, tmp_path, ATTEMPTS, LIMIT)
    assert sum(result["admitted"] for result in results) == LIMIT
    assert sum(result["refused"] for result in results) == PROCESSES * ATTEMPTS - LIMIT
    assert await hits(db, "user:shared") == LIMIT
