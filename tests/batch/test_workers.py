"""Real worker processes against a fake DeepL: crashes, takeovers, several workers.

The workers are ``workbench worker`` subprocesses sharing the test's database; the
fake DeepL runs in this process on loopback and records every request.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tests.providers.fakes.deepl_api import FakeDeepL, translated
from workbench.accounts.users import create_user
from workbench.batch.engine import LANES, Engine
from workbench.batch.jobs import JobSpec
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import JobSegment, JobStatus, TranslationJob, UsageEvent, User
from workbench.inline import text_of

KEY = "deepl-test-key-for-workers:fx"
LATENCY = 0.05


@pytest.fixture
def fake_deepl() -> Iterator[FakeDeepL]:
    fake = FakeDeepL(KEY)
    fake.latency = LATENCY
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def environment(
    db_url: URL, fake_deepl: FakeDeepL, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    env = {
        "WORKBENCH_DATABASE_URL": db_url.render_as_string(hide_password=False),
        "DEEPL_AUTH_KEY": KEY,
        "WORKBENCH_DEEPL_URL": fake_deepl.url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return {**os.environ, **env}


@pytest.fixture
async def db_for(environment: dict[str, str], db_url: URL) -> AsyncIterator[Database]:
    async with Database(db_url) as database:
        yield database


async def submit_job(db: Database, texts: list[str]) -> tuple[uuid.UUID, uuid.UUID]:
    async with db.session() as session:
        user = await create_user(
            session, email="worker-test@example.org", hashed_password="x", tier="pro"
        )
        await session.commit()
    async with Engine(db) as engine:
        job, _ = await engine.submit(JobSpec("deepl", "FR", user_id=user.id), texts)
    return job.id, user.id


def start_worker(env: dict[str, str], *extra: str, lease: float = 60) -> subprocess.Popen[str]:
    """A worker process; tests that kill workers give it a short lease so the next one
    takes the dead one's chunks over quickly (too short, and a busy machine's slow but
    live worker would be taken over too)."""
    command = ["worker", "--poll", "0.1", "--lease", str(lease), *extra]
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def job_row(db: Database, job_id: uuid.UUID) -> TranslationJob:
    async with db.session() as session:
        job = await session.get(TranslationJob, job_id, populate_existing=True)
        assert job is not None
        return job


async def wait_for(db: Database, job_id: uuid.UUID, done: int) -> TranslationJob:
    """The job once it has ``done`` segments, or has ended (60 s at most)."""
    async with asyncio.timeout(60):
        while True:
            job = await job_row(db, job_id)
            active = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
            if job.done_segments >= done or not active:
                return job
            await asyncio.sleep(0.02)


def sent_texts(fake: FakeDeepL) -> list[tuple[str, float]]:
    return [
        (text, request.at)
        for request in fake.requests("/v2/translate", "POST")
        if request.json().get("text")
        for text in request.json()["text"]
    ]


async def assert_translated_once(db: Database, job_id: uuid.UUID, texts: list[str]) -> None:
    async with db.session() as session:
        rows = (
            await session.execute(
                select(JobSegment.source_text, JobSegment.translated_text).where(
                    JobSegment.job_id == job_id
                )
            )
        ).all()
    assert sorted(row.source_text for row in rows) == sorted(texts)
    # Stored canonical: the fake's "<fr>" mark is text, escaped.
    assert all(
        text_of(row.translated_text) == translated(text_of(row.source_text), "FR") for row in rows
    )


async def assert_billed_once(db: Database, user_id: uuid.UUID, texts: list[str]) -> None:
    expected = sum(len(text) for text in texts)
    async with db.session() as session:
        user = await session.get_one(User, user_id)
        usage = await session.scalar(
            select(func.sum(UsageEvent.characters)).where(UsageEvent.user_id == user_id)
        )
    assert user.monthly_character_count == expected
    assert usage == expected
    assert user.daily_translation_count == 1


async def test_sigkilled_workers_resume_without_paying_twice(
    db_for: Database, environment: dict[str, str], fake_deepl: FakeDeepL
) -> None:
    texts = [f"Sentence number {n} to translate." for n in range(600)]
    job_id, user_id = await submit_job(db_for, texts)

    # Workers run one after another. At each kill, what that worker had sent but not
    # stored was in flight: the only texts the next worker may send again.
    in_flight: list[set[str]] = []
    for point in (100, 250, 420):
        started = time.monotonic()
        worker = start_worker(environment, lease=3)
        await wait_for(db_for, job_id, point)
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=10)
        sent_by_it = {text for text, at in sent_texts(fake_deepl) if at >= started}
        in_flight.append(sent_by_it - await stored_texts(db_for, job_id))
    survivor = start_worker(environment, "--until-idle", lease=3)
    try:
        job = await wait_for(db_for, job_id, len(texts) + 1)
    finally:
        survivor.communicate(timeout=60)
    assert job.status is JobStatus.COMPLETED, job.error
    assert job.done_segments == job.total_segments == len(texts)

    await assert_translated_once(db_for, job_id, texts)
    await assert_billed_once(db_for, user_id, texts)

    counts = Counter(text for text, _ in sent_texts(fake_deepl))
    assert set(counts) == set(texts)
    for text, count in counts.items():
        assert count - 1 <= sum(text in held for held in in_flight), text
    # At a kill, each lane holds at most one chunk (4 requests of 50 texts) sent but not
    # stored: what was in flight is bounded by the engine's own shape.
    assert all(len(held) <= LANES * 4 * 50 for held in in_flight)


async def stored_texts(db: Database, job_id: uuid.UUID) -> set[str]:
    async with db.session() as session:
        stored = await session.scalars(
            select(JobSegment.source_text).where(
                JobSegment.job_id == job_id, JobSegment.translated_text.is_not(None)
            )
        )
        return set(stored)


async def test_a_gracefully_stopped_worker_hands_its_job_back(
    db_for: Database, environment: dict[str, str], fake_deepl: FakeDeepL
) -> None:
    texts = [f"Graceful {n}." for n in range(3000)]
    job_id, user_id = await submit_job(db_for, texts)
    first = start_worker(environment)
    await wait_for(db_for, job_id, 100)
    first.send_signal(signal.SIGTERM)
    _, errors = first.communicate(timeout=30)
    assert first.returncode == 0, errors
    assert "worker stopped" in errors

    stopped = await job_row(db_for, job_id)
    assert stopped.status is JobStatus.RUNNING
    assert stopped.done_segments < len(texts)
    async with db_for.session() as session:
        held = await session.scalar(
            select(func.count()).select_from(JobSegment).where(JobSegment.claimed_by.is_not(None))
        )
    assert held == 0  # nothing left claimed: the next worker starts at once

    second = start_worker(environment, "--until-idle")
    second.communicate(timeout=60)
    job = await job_row(db_for, job_id)
    assert job.status is JobStatus.COMPLETED
    await assert_translated_once(db_for, job_id, texts)
    await assert_billed_once(db_for, user_id, texts)
    # Nobody was killed: DeepL saw every text exactly once.
    assert Counter(text for text, _ in sent_texts(fake_deepl)) == Counter(texts)


@pytest.mark.parametrize("workers", [2, 3])
async def test_several_workers_share_one_big_job(
    db_for: Database,
    environment: dict[str, str],
    fake_deepl: FakeDeepL,
    workers: int,
) -> None:
    fake_deepl.latency = 0.1  # long enough for every worker to get its share
    processes = [start_worker(environment) for _ in range(workers)]
    for process in processes:  # all waiting before the job exists
        assert process.stderr is not None
        seen = []
        while not seen or "waiting for jobs" not in seen[-1]:
            seen.append(await asyncio.to_thread(process.stderr.readline))
            assert seen[-1], "".join(seen)  # an empty read: the worker exited
    texts = [f"Shared work item {n}." for n in range(2000)]
    job_id, user_id = await submit_job(db_for, texts)
    job = await wait_for(db_for, job_id, len(texts) + 1)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    logs = [process.communicate(timeout=60)[1] for process in processes]
    assert all(process.returncode == 0 for process in processes), logs

    assert job.status is JobStatus.COMPLETED, job.error
    await assert_translated_once(db_for, job_id, texts)
    await assert_billed_once(db_for, user_id, texts)
    assert Counter(text for text, _ in sent_texts(fake_deepl)) == Counter(texts)
    shares = [_segments_translated(log) for log in logs]
    assert sum(shares) == len(texts)
    assert all(share > 0 for share in shares), shares


def _segments_translated(log: str) -> int:
    for line in log.splitlines():
        if "worker stopped after translating" in line:
            return int(line.split("translating")[1].split()[0])
    raise AssertionError(f"no summary in the worker's log:\n{log}")
