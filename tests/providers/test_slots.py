"""A provider's concurrency and pace shared through the database: slots claimed, waited
for, released on error and cancellation, taken back from a dead holder, and the admin's
concurrency holding across several processes against a fake server counting in flight."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import URL

from tests.providers.conftest import FAST, GOOGLE_CLOUD_KEY, fake_settings
from tests.providers.fakes.google_cloud_api import TRANSLATE, FakeGoogleCloud
from workbench import preferences
from workbench.accounts.audit import Actor
from workbench.batch.engine import Engine
from workbench.db import Database
from workbench.db.base import utcnow
from workbench.db.models import ProviderSlot, RateLimitHit
from workbench.providers.slots import Pace, SharedGate, claim_slot, release_slot


@asynccontextmanager
async def provider_slot(
    db: Database, provider: str, concurrency: int, **claim: Any
) -> AsyncIterator[int]:
    """A slot held for the block: claimed, then released even on error or cancellation."""
    slot = await claim_slot(db, provider, concurrency, **claim)
    try:
        yield slot
    finally:
        await asyncio.shield(release_slot(db, provider, slot, claim["holder"], nullcontext(), None))


async def holders(db: Database, provider: str = "fake") -> dict[int, str | None]:
    async with db.session() as session:
        rows = await session.execute(
            select(ProviderSlot.slot, ProviderSlot.holder).where(ProviderSlot.provider == provider)
        )
        return {row.slot: row.holder for row in rows}


async def test_slots_are_numbered_and_released(db: Database) -> None:
    async with (
        provider_slot(db, "fake", 2, holder="a", lease=60) as first,
        provider_slot(db, "fake", 2, holder="b", lease=60) as second,
    ):
        assert (first, second) == (0, 1)
        assert await holders(db) == {0: "a", 1: "b"}
    assert await holders(db) == {0: None, 1: None}


async def test_a_request_waits_for_a_free_slot(db: Database) -> None:
    holding, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with provider_slot(db, "fake", 1, holder="first", lease=60):
            holding.set()
            await done.wait()

    async def second() -> str | None:
        async with provider_slot(db, "fake", 1, holder="second", lease=60):
            return (await holders(db))[0]

    first = asyncio.create_task(hold())
    await holding.wait()
    waiting = asyncio.create_task(second())
    await asyncio.sleep(0.3)  # several polls
    assert not waiting.done()
    done.set()
    assert await waiting == "second"
    await first


async def test_a_slot_is_released_on_error_and_on_cancellation(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with provider_slot(db, "fake", 1, holder="failing", lease=60):
            raise RuntimeError("the request failed")
    assert await holders(db) == {0: None}

    entered = asyncio.Event()

    async def hang() -> None:
        async with provider_slot(db, "fake", 1, holder="cancelled", lease=60):
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(hang())
    await entered.wait()
    assert await holders(db) == {0: "cancelled"}
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await holders(db) == {0: None}


async def test_an_expired_lease_is_taken_back(db: Database) -> None:
    async with db.session() as session:
        await session.execute(
            insert(ProviderSlot).values(
                provider="fake", slot=0, holder="dead", expires_at=utcnow() - timedelta(seconds=1)
            )
        )
        await session.commit()
    async with provider_slot(db, "fake", 1, holder="alive", lease=60) as slot:
        assert slot == 0
        assert await holders(db) == {0: "alive"}


async def test_a_request_over_the_pace_takes_no_slot(db: Database) -> None:
    pace = Pace("pace:fake", 1, 3600.0)
    async with provider_slot(db, "fake", 2, holder="paced", lease=60, pace=pace):
        pass
    waiting = asyncio.create_task(
        provider_slot(db, "fake", 2, holder="over", lease=60, pace=pace).__aenter__()
    )
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert await holders(db) == {0: None}
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(RateLimitHit).where(RateLimitHit.bucket == pace.bucket)
        )
    assert count == 1


def test_a_pace_is_a_per_second_window() -> None:
    assert Pace.per_second("deepl", 200.0) == Pace("pace:deepl", 200, 1.0)
    assert Pace.per_second("google", 0.5) == Pace("pace:google", 1, 2.0)


async def test_the_engines_providers_go_through_the_shared_gate(
    db: Database, google_cloud_fake: FakeGoogleCloud
) -> None:
    settings = fake_settings("google_cloud", google_cloud_fake.url)
    async with Engine(db, settings, provider_options={"google_cloud": FAST}) as engine:
        provider = await engine.translating_provider("google_cloud")
        assert isinstance(provider.gate, SharedGate)
        assert await provider.translate(["one"], target="de") == ["<de>one"]
    assert await holders(db, "google_cloud") == {0: None}  # claimed, then released


async def _pace_hits(db: Database, provider: str) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(RateLimitHit)
            .where(RateLimitHit.bucket == f"pace:{provider}")
        )
    return int(count or 0)


async def test_a_busy_process_keeps_its_slot_and_releases_it_when_idle_or_closing(
    db: Database,
) -> None:
    settings = fake_settings("google_cloud", "http://127.0.0.1:9")
    gate = SharedGate(db)
    async with Engine(db, settings) as engine:
        provider = engine.provider("pseudo")
        provider.requests_per_second = 1000.0  # the slot's share of the pace: no wait here
        for _ in range(10):
            async with gate.request(provider):
                pass
        # One claim (one pace hit) served the ten requests; the slot is still held.
        assert await _pace_hits(db, "pseudo") == 1
        assert (await holders(db, "pseudo"))[0] is not None
        # Idle for longer than it is kept: released without anyone asking.
        for _ in range(300):
            if list((await holders(db, "pseudo")).values()) == [None]:
                break
            await asyncio.sleep(0.01)
        assert await holders(db, "pseudo") == {0: None}
        async with gate.request(provider):
            pass
        assert await _pace_hits(db, "pseudo") == 2
        await gate.aclose()  # closing gives back what is still kept
        assert await holders(db, "pseudo") == {0: None}


# --- several processes, one database, one fake provider ----------------------------------

PROCESSES = 3
CONCURRENCY = 3  # the admin's setting; each process alone would allow as many
REQUESTS = 6  # per process: Google Cloud takes 128 texts a request

CHILD = """
import asyncio, sys
from pathlib import Path
from sqlalchemy.engine import make_url
from workbench.batch.engine import Engine
from workbench.config import Settings
from workbench.db import Database
from workbench.providers import RetryPolicy

async def main(url, fake, key, start, requests):
    settings = Settings(google_cloud_api_key=key, google_cloud_url=fake)
    retry = RetryPolicy(attempts=1)
    options = {"google_cloud": {"timeout": 30.0, "retry": retry, "requests_per_second": 1000.0}}
    db = Database(make_url(url))
    async with db, Engine(db, settings, provider_options=options) as engine:
        provider = await engine.translating_provider("google_cloud")
        assert provider.concurrency == int(sys.argv[6]), provider.concurrency
        await provider.list_languages()
        print("ready", flush=True)
        while not Path(start).exists():
            await asyncio.sleep(0.005)
        texts = [f"text {n}" for n in range(128 * requests)]
        await provider.translate(texts, target="de")
    print("done", flush=True)

asyncio.run(main(*sys.argv[1:5], int(sys.argv[5])))
"""


def run_together(db_url: URL, fake: FakeGoogleCloud, tmp_path: Path) -> None:
    start = tmp_path / "start"
    url = db_url.render_as_string(hide_password=False)
    arguments = [url, fake.url, GOOGLE_CLOUD_KEY, str(start), str(REQUESTS), str(CONCURRENCY)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, *arguments],
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
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0
            assert out.strip() == "done"
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


async def test_the_admins_concurrency_holds_across_processes(
    db: Database, db_url: URL, google_cloud_fake: FakeGoogleCloud, tmp_path: Path
) -> None:
    async with db.session() as session:
        await preferences.save(
            session, {"concurrency": {"google_cloud": CONCURRENCY}}, actor=Actor.cli()
        )
        await session.commit()
    google_cloud_fake.latency = 0.2  # requests overlap: every process wants three at once

    await asyncio.to_thread(run_together, db_url, google_cloud_fake, tmp_path)

    assert len(google_cloud_fake.requests(TRANSLATE)) == PROCESSES * REQUESTS
    # Never more than the admin's setting in flight, and that many at times: it is the bound.
    assert google_cloud_fake.max_in_flight == CONCURRENCY
    assert await holders(db, "google_cloud") == dict.fromkeys(range(CONCURRENCY))
