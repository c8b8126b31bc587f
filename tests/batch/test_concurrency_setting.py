"""The concurrency an admin sets on the Settings dashboard is what the next job runs at."""

from __future__ import annotations

from tests.providers.fakes.deepl_api import FakeDeepL
from workbench import preferences
from workbench.accounts.audit import Actor
from workbench.batch.engine import Engine
from workbench.batch.jobs import JobSpec
from workbench.db import Database


async def set_concurrency(db: Database, value: int | None) -> None:
    async with db.session() as session:
        await preferences.save(session, {"concurrency": {"deepl": value}}, actor=Actor.cli())
        await session.commit()


async def test_jobs_use_the_admins_concurrency_and_follow_a_change(
    db: Database, fake_deepl: FakeDeepL
) -> None:
    async with Engine(db) as engine:
        default = (await engine.translating_provider("deepl")).concurrency
        await set_concurrency(db, 2)
        assert (await engine.translating_provider("deepl")).concurrency == 2
        job = await engine.translate_now(JobSpec("deepl", "fr"), [f"text {n}" for n in range(120)])
        assert job.done_segments == 120
        await set_concurrency(db, 6)
        assert (await engine.translating_provider("deepl")).concurrency == 6
        await set_concurrency(db, None)  # back to the provider's own
        assert (await engine.translating_provider("deepl")).concurrency == default
