"""Provider faults inside jobs, cancellation and resumption, against a fake DeepL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tests.providers.conftest import FAST
from tests.providers.fakes.deepl_api import FakeDeepL, translated
from tests.providers.fakes.server import Reply
from workbench.accounts.audit import Actor
from workbench.accounts.users import create_user
from workbench.batch import jobs
from workbench.batch.engine import Engine, translations_of
from workbench.batch.jobs import JobSpec
from workbench.db import Database
from workbench.db.models import JobSegment, JobStatus, TranslationJob, UsageEvent, User
from workbench.errors import InvalidInput, PermissionDenied
from workbench.inline import plain

TRANSLATE = "/v2/translate"


@pytest.fixture
async def engine(db_url: URL, fake_deepl: FakeDeepL) -> AsyncIterator[Engine]:
    async with Database(db_url) as db, Engine(db, provider_options={"deepl": FAST}) as engine:
        yield engine


async def pro_user(db: Database, email: str = "faults@example.org") -> uuid.UUID:
    async with db.session() as session:
        user = await create_user(session, email=email, hashed_password="x", tier="pro")
        await session.commit()
        return user.id


def texts_sent(fake: FakeDeepL) -> Counter[str]:
    return Counter(
        text for request in fake.requests(TRANSLATE, "POST") for text in request.json()["text"]
    )


TEXTS = [f"Line {n} of the document." for n in range(240)]  # 5 chunks of 50 at most


@pytest.mark.parametrize(
    "fault",
    [
        Reply(429, {"message": "Too many requests"}, headers={"Retry-After": "0"}),
        Reply(503, {"message": "Service unavailable"}),
        Reply(200, "{not json"),
    ],
    ids=["429-then-ok", "503-then-ok", "malformed-then-ok"],
)
async def test_passing_faults_inside_a_job(
    engine: Engine, fake_deepl: FakeDeepL, fault: Reply
) -> None:
    fake_deepl.fail(TRANSLATE, fault)
    job = await engine.translate_now(JobSpec("deepl", "FR"), TEXTS)
    if fault.status == 200:  # a malformed reply is not retried: the job fails clearly
        assert job.status is JobStatus.FAILED
        assert job.error is not None
        assert "deepl" in job.error
        return
    assert job.status is JobStatus.COMPLETED, job.error
    assert set(texts_sent(fake_deepl)) == set(TEXTS)


async def test_provider_quota_error_fails_the_job_resumably_and_loses_nothing(
    engine: Engine, fake_deepl: FakeDeepL
) -> None:
    user_id = await pro_user(engine.db)
    spec = JobSpec("deepl", "FR", user_id=user_id)
    # Two chunks go through, then DeepL says the account's quota is used up. A chunk is
    # one request of 50 texts here: with bigger ones, how many texts made it would depend
    # on which of a chunk's parallel requests reached DeepL first.
    engine.provider("deepl").concurrency = 1
    job, _ = await engine.submit(spec, TEXTS)
    original_handle = fake_deepl.handle
    calls = {"n": 0}

    def handle(request):  # type: ignore[no-untyped-def]
        if request.path == TRANSLATE:
            calls["n"] += 1
            if calls["n"] > 2:
                return Reply(456, {"message": "Quota exceeded"})
        return original_handle(request)

    fake_deepl.handle = handle  # type: ignore[method-assign]
    await engine.work(job.id, "test-worker")
    async with engine.db.session() as session:
        failed = await jobs.get_job(session, job.id)
        kept = set(
            await session.scalars(
                select(JobSegment.source_text).where(
                    JobSegment.job_id == job.id, JobSegment.translated_text.is_not(None)
                )
            )
        )
        user = await session.get_one(User, user_id)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "quota" in failed.error
    assert len(kept) == failed.done_segments == 100  # the two chunks that made it are kept
    # The failed run is settled: only what was sent counts, no translation is charged.
    assert user.monthly_character_count == failed.billed_characters
    assert user.daily_translation_count == 0

    # The admin tops the account up and resumes the job; a new process picks it up
    # (this one's DeepL client is cooling down after the quota error, as it should).
    fake_deepl.handle = original_handle  # type: ignore[method-assign]
    async with engine.db.session() as session:
        await jobs.resume_job(session, job.id)
    async with Engine(engine.db, provider_options={"deepl": FAST}) as fresh:
        await fresh.work(job.id, "another-worker")
    async with engine.db.session() as session:
        resumed = await jobs.get_job(session, job.id)
        user = await session.get_one(User, user_id)
        usage = await session.scalar(
            select(func.sum(UsageEvent.characters)).where(UsageEvent.user_id == user_id)
        )
        stored = dict(
            (
                await session.execute(
                    select(JobSegment.source_text, JobSegment.translated_text).where(
                        JobSegment.job_id == job.id
                    )
                )
            ).all()
        )
    assert resumed.status is JobStatus.COMPLETED, resumed.error
    assert stored == {text: plain(translated(text, "FR")) for text in TEXTS}  # canonical
    sent = texts_sent(fake_deepl)
    # Texts of the refused requests were sent again; none that had been stored was.
    assert all(sent[text] == 1 for text in kept)
    assert set(sent) == set(TEXTS)
    assert user.monthly_character_count == usage == sum(len(t) for t in TEXTS)
    assert user.daily_translation_count == 1


async def test_cancel_stops_between_chunks_and_settles(
    engine: Engine, fake_deepl: FakeDeepL
) -> None:
    user_id = await pro_user(engine.db)
    engine.provider("deepl").concurrency = 1
    job, _ = await engine.submit(JobSpec("deepl", "FR", user_id=user_id), TEXTS)
    # The first chunk's request is answered; every later one waits at the provider until
    # the job has been cancelled, so the cancel lands between chunks on any machine.
    release = fake_deepl.hold(TRANSLATE, after=1)

    async def cancel_after_first_chunk() -> None:
        try:
            for _ in range(3000):  # the first chunk is stored while the next one waits
                async with engine.db.session() as session:
                    done = (await jobs.get_job(session, job.id)).done_segments
                if done >= 50:
                    break
                await asyncio.sleep(0.01)
            assert done >= 50, "the first chunk was never stored"
            async with engine.db.session() as session:
                await jobs.cancel_job(session, job.id)
        finally:
            release.set()

    await asyncio.gather(engine.work(job.id, "w1"), cancel_after_first_chunk())
    async with engine.db.session() as session:
        cancelled = await jobs.get_job(session, job.id)
        user = await session.get_one(User, user_id)
    assert cancelled.status is JobStatus.CANCELLED
    assert 50 <= cancelled.done_segments < len(TEXTS)
    assert "reservation" not in cancelled.options
    assert user.monthly_character_count == cancelled.billed_characters
    assert user.daily_translation_count == 0
    assert sum(texts_sent(fake_deepl).values()) == cancelled.done_segments


async def test_cancelling_a_queued_job_refunds_it_at_once(engine: Engine) -> None:
    user_id = await pro_user(engine.db)
    job, estimate = await engine.submit(JobSpec("deepl", "FR", user_id=user_id), TEXTS)
    async with engine.db.session() as session:
        reserved = (await session.get_one(User, user_id)).monthly_character_count
    async with engine.db.session() as session:
        await jobs.cancel_job(session, job.id)
    async with engine.db.session() as session:
        user = await session.get_one(User, user_id)
    assert reserved == estimate.billed_characters > 0
    assert (user.monthly_character_count, user.daily_translation_count) == (0, 0)


async def test_only_the_owner_cancels_or_resumes_a_job(engine: Engine) -> None:
    user_id = await pro_user(engine.db)
    job, _ = await engine.submit(JobSpec("deepl", "FR", user_id=user_id), TEXTS)
    stranger_id = await pro_user(engine.db, "stranger@example.org")
    async with engine.db.session() as session:
        owner = Actor.of(await session.get_one(User, user_id))
        stranger = Actor.of(await session.get_one(User, stranger_id))
    async with engine.db.session() as session:
        with pytest.raises(PermissionDenied, match="not yours"):
            await jobs.cancel_job(session, job.id, actor=stranger)
    async with engine.db.session() as session:
        assert (await jobs.get_job(session, job.id)).status is JobStatus.QUEUED
    async with engine.db.session() as session:
        await jobs.cancel_job(session, job.id, actor=owner)
    async with engine.db.session() as session:
        with pytest.raises(PermissionDenied, match="not yours"):
            await jobs.resume_job(session, job.id, actor=stranger)
    async with engine.db.session() as session:
        assert (await jobs.resume_job(session, job.id, actor=owner)).status is JobStatus.QUEUED


async def test_second_run_makes_no_provider_request(engine: Engine, fake_deepl: FakeDeepL) -> None:
    first = await engine.translate_now(JobSpec("deepl", "FR"), TEXTS)
    requests = len(fake_deepl.requests(TRANSLATE))
    second = await engine.translate_now(JobSpec("deepl", "FR"), TEXTS)
    assert first.status is second.status is JobStatus.COMPLETED
    assert len(fake_deepl.requests(TRANSLATE)) == requests
    assert (second.memory_hits, second.billed_characters) == (len(TEXTS), 0)


async def test_a_text_with_a_nul_character_is_refused_and_nothing_is_stored(
    engine: Engine, fake_deepl: FakeDeepL
) -> None:
    with pytest.raises(InvalidInput, match="contains a NUL character"):
        await engine.translate_now(JobSpec("deepl", "FR"), ["Fine.", "Bro\x00ken."])
    async with engine.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(TranslationJob)) == 0
    assert fake_deepl.requests(TRANSLATE) == []


async def test_a_nul_character_in_a_reply_is_dropped(engine: Engine, fake_deepl: FakeDeepL) -> None:
    text = {"detected_source_language": "EN", "text": "Bon\x00jour.", "billed_characters": 6}
    reply = {"translations": [text]}
    fake_deepl.fail(TRANSLATE, Reply(200, reply))
    job = await engine.translate_now(JobSpec("deepl", "FR"), ["Hello."])
    assert job.status is JobStatus.COMPLETED
    async with engine.db.session() as session:
        assert await translations_of(session, job.id) == {"Hello.": "Bonjour."}
    again = await engine.translate_now(JobSpec("deepl", "FR"), ["Hello."])
    assert again.memory_hits == 1  # remembered without the NUL
