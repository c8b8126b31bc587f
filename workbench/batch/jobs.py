"""Translation jobs and their segments as rows: create, claim, cancel, resume, list.

A job is queued until a worker starts it; then any number of workers, on any machines,
claim its untranslated segments a chunk at a time. A claim is one transaction:
PostgreSQL workers skip rows another worker holds (``FOR UPDATE SKIP LOCKED``), SQLite
has one writer at a time (``BEGIN IMMEDIATE``). A claim carries the worker's name and a
time; a worker renews its claims while it works, and a claim older than the lease (its
worker died) is taken by the next worker that looks, so the job resumes from its last
checkpoint. Finishing a job (outputs, settling the quota) is claimed the same way, by
one worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.audit import Actor
from workbench.batch import accounting
from workbench.db.base import utcnow
from workbench.db.engine import begin_write, core
from workbench.db.models import JobSegment, JobStatus, TranslationJob
from workbench.errors import InvalidInput, NotFound, PermissionDenied, ProviderError

LEASE = timedelta(seconds=60)
# An idle worker looks at the queue this often, so a job submitted from a dashboard
# starts within a quarter of a second. A look is one indexed query: many workers can
# share a database at this pace.
POLL_SECONDS = 0.25
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
STOPPED = (JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class Reading:
    """How a person asked for their files to be read; the formats' options from it.

    Stored with the job, so the worker that writes the outputs (maybe after a resume)
    reads each file as it was read when the job was submitted.
    """

    # Spreadsheet columns: "SRC" (in place) or "SRC:DEST" (DEST filled, SRC kept).
    columns: tuple[str, ...] = ()
    header_row: int | None = None  # 1-based; None: the format finds it
    translate_fuzzy: bool = False  # PO: translate fuzzy entries too (else they are kept)
    front_matter_keys: tuple[str, ...] | None = None  # Markdown; None: the format's default


@dataclass(frozen=True)
class JobInput:
    """One input file of a job, where its translation goes, and how to read it.

    A job made from texts in memory (a DataFrame column) has no inputs: its segments
    are stored with the job and its results read back from them.
    """

    path: str
    output: str
    reading: Reading = Reading()

    def to_json(self) -> dict[str, Any]:
        reading = self.reading
        keys = reading.front_matter_keys
        return {
            "path": self.path,
            "output": self.output,
            "columns": list(reading.columns),
            "header_row": reading.header_row,
            "translate_fuzzy": reading.translate_fuzzy,
            "front_matter_keys": list(keys) if keys is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobInput:
        # Jobs stored before the other reading choices existed have path, output, columns.
        keys = data.get("front_matter_keys")
        reading = Reading(
            columns=tuple(data.get("columns", ())),
            header_row=data.get("header_row"),
            translate_fuzzy=bool(data.get("translate_fuzzy", False)),
            front_matter_keys=tuple(keys) if keys is not None else None,
        )
        return cls(path=data["path"], output=data["output"], reading=reading)


@dataclass(frozen=True)
class JobSpec:
    provider: str
    target_lang: str
    source_lang: str = ""
    model: str = ""
    user_id: uuid.UUID | None = None
    glossary_id: uuid.UUID | None = None
    inputs: tuple[JobInput, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


async def create_job(session: AsyncSession, spec: JobSpec) -> TranslationJob:
    job = TranslationJob(
        user_id=spec.user_id,
        provider=spec.provider,
        model=spec.model,
        source_lang=spec.source_lang,
        target_lang=spec.target_lang,
        glossary_id=spec.glossary_id,
        inputs=[item.to_json() for item in spec.inputs],
        options=dict(spec.options),
        status=JobStatus.QUEUED,
    )
    session.add(job)
    await session.flush()
    return job


def job_inputs(job: TranslationJob) -> list[JobInput]:
    return [JobInput.from_json(item) for item in job.inputs]


async def get_job(session: AsyncSession, job_id: uuid.UUID | str) -> TranslationJob:
    job = await session.get(TranslationJob, _uuid(job_id), populate_existing=True)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


async def find_job(session: AsyncSession, reference: str) -> TranslationJob:
    """A job by its full id or the first 6 to 8 characters of it (as ``jobs list`` shows)."""
    cleaned = reference.strip().lower()
    if len(cleaned) > 8:
        return await get_job(session, cleaned)
    if len(cleaned) < 6 or any(c not in "0123456789abcdef" for c in cleaned):
        raise InvalidInput("give a job id, or its first 6 to 8 characters")
    # The first 8 hex digits read the same in PostgreSQL's uuid text and SQLite's hex.
    matches = (
        await session.scalars(
            select(TranslationJob)
            .where(cast(TranslationJob.id, String).like(f"{cleaned}%"))
            .limit(2)
        )
    ).all()
    if len(matches) != 1:
        problem = "no job starts with" if not matches else "several jobs start with"
        raise NotFound(f"{problem} {reference}")
    return matches[0]


async def list_jobs(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    status: JobStatus | None = None,
    limit: int = 50,
) -> list[TranslationJob]:
    query = select(TranslationJob).order_by(TranslationJob.created_at.desc()).limit(limit)
    if user_id is not None:
        query = query.where(TranslationJob.user_id == user_id)
    if status is not None:
        query = query.where(TranslationJob.status == status)
    return list((await session.scalars(query)).all())


async def job_ids(
    session: AsyncSession,
    statuses: tuple[JobStatus, ...],
    *,
    limit: int = 20,
    waiting: bool = False,
) -> list[uuid.UUID]:
    """Jobs in these states, oldest first; those waiting for their next try only if
    ``waiting``."""
    query = select(TranslationJob.id).where(TranslationJob.status.in_(statuses))
    if not waiting:
        query = query.where(
            TranslationJob.retry_at.is_(None) | (TranslationJob.retry_at <= utcnow())
        )
    rows = await session.scalars(query.order_by(TranslationJob.created_at).limit(limit))
    return list(rows)


def backing_off(job: TranslationJob, now: datetime) -> bool:
    """Whether a queued job waits before its next try (after an unexpected error)."""
    return job.status is JobStatus.QUEUED and job.retry_at is not None and job.retry_at > now


def _claimable(job_id: uuid.UUID, stale: datetime) -> ColumnElement[bool]:
    return (
        (JobSegment.job_id == job_id)
        & JobSegment.translated_text.is_(None)
        & (JobSegment.claimed_by.is_(None) | (JobSegment.claimed_at < stale))
    )


@dataclass(frozen=True, slots=True)
class ClaimedSegment:
    id: uuid.UUID
    text: str
    hash: str  # of the source text: the translation memory's key


async def claim_segments(
    session: AsyncSession,
    job_id: uuid.UUID,
    worker_id: str,
    *,
    limit: int,
    lease: timedelta = LEASE,
) -> list[ClaimedSegment]:
    """Claim up to ``limit`` untranslated segments of a running job, in order.

    Call it in a write transaction (:func:`begin_write`) and commit: the engine claims
    the next chunk in the transaction that stores the last one. One statement: the
    segments to take are chosen, locked (PostgreSQL skips rows other workers hold) and
    marked as this worker's together.
    """
    now = utcnow()
    running = (
        select(TranslationJob.id)
        .where(TranslationJob.id == job_id, TranslationJob.status == JobStatus.RUNNING)
        .exists()
    )
    pick = (
        select(JobSegment.id)
        .where(_claimable(job_id, now - lease), running)
        .order_by(JobSegment.position)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    rows = await core(
        session,
        update(JobSegment)
        .where(JobSegment.id.in_(pick.scalar_subquery()))
        .values(claimed_by=worker_id, claimed_at=now)
        .returning(
            JobSegment.id, JobSegment.source_text, JobSegment.source_hash, JobSegment.position
        ),
    )
    claimed = sorted(rows, key=lambda row: row.position)
    return [ClaimedSegment(row.id, row.source_text, row.source_hash) for row in claimed]


async def renew_claims(session: AsyncSession, worker_id: str) -> None:
    """Keep this worker's claims (segments, and jobs it is finishing) from lapsing."""
    now = utcnow()
    await begin_write(session)
    await session.execute(
        update(JobSegment)
        .where(JobSegment.claimed_by == worker_id, JobSegment.translated_text.is_(None))
        .values(claimed_at=now)
    )
    await session.execute(
        update(TranslationJob).where(TranslationJob.worker_id == worker_id).values(heartbeat_at=now)
    )
    await session.commit()


async def release_claims(
    session: AsyncSession, worker_id: str, job_id: uuid.UUID | None = None
) -> None:
    """Give back the segments this worker holds (of one job, or all), for others to take."""
    await begin_write(session)
    segments = [JobSegment.claimed_by == worker_id, JobSegment.translated_text.is_(None)]
    finishing = [TranslationJob.worker_id == worker_id]
    if job_id is not None:
        segments.append(JobSegment.job_id == job_id)
        finishing.append(TranslationJob.id == job_id)
    await session.execute(
        update(JobSegment).where(*segments).values(claimed_by=None, claimed_at=None)
    )
    await session.execute(update(TranslationJob).where(*finishing).values(worker_id=None))
    await session.commit()


async def live_claims(session: AsyncSession, job_id: uuid.UUID, *, lease: timedelta = LEASE) -> int:
    """Segments of the job that a live worker is translating right now."""
    count = await session.scalar(
        select(func.count())
        .select_from(JobSegment)
        .where(
            JobSegment.job_id == job_id,
            JobSegment.translated_text.is_(None),
            JobSegment.claimed_by.is_not(None),
            JobSegment.claimed_at >= utcnow() - lease,
        )
    )
    return int(count or 0)


async def claim_finishing(
    session: AsyncSession,
    job_id: uuid.UUID,
    worker_id: str,
    *,
    lease: timedelta = LEASE,
) -> bool:
    """Take the right to finish a running job whose segments are all translated; commits."""
    now = utcnow()
    await begin_write(session)
    something_left = (
        select(JobSegment.id)
        .where(JobSegment.job_id == job_id, JobSegment.translated_text.is_(None))
        .exists()
    )
    result = await session.execute(
        update(TranslationJob)
        .where(
            TranslationJob.id == job_id,
            TranslationJob.status == JobStatus.RUNNING,
            TranslationJob.worker_id.is_(None) | (TranslationJob.heartbeat_at < now - lease),
            ~something_left,
        )
        .values(worker_id=worker_id, heartbeat_at=now)
        .returning(TranslationJob.id)
    )
    claimed = result.scalar_one_or_none() is not None
    await session.commit()
    return claimed


async def set_status(
    session: AsyncSession,
    job_id: uuid.UUID,
    status: JobStatus,
    *,
    only_from: tuple[JobStatus, ...],
    **values: Any,
) -> bool:
    """Change a job's status if it is in one of ``only_from``; the caller commits."""
    if status in (JobStatus.COMPLETED, *STOPPED):
        values.setdefault("finished_at", utcnow())
    result = await session.execute(
        update(TranslationJob)
        .where(TranslationJob.id == job_id, TranslationJob.status.in_(only_from))
        .values(status=status, **values)
        .returning(TranslationJob.id)
    )
    return result.scalar_one_or_none() is not None


async def resume_job(
    session: AsyncSession, job_id: uuid.UUID, *, actor: Actor | None = None
) -> TranslationJob:
    """Queue a failed or cancelled job again; it continues from its last checkpoint,
    with its tries counted from 0.

    A signed-in ``actor`` resumes only their own jobs; None is the machine's operator.
    """
    await begin_write(session)
    job = await _owned(session, await get_job(session, job_id), actor)
    if job.status not in STOPPED:
        raise InvalidInput(
            f"job {job.id} is {job.status.value}; only failed or cancelled jobs resume"
        )
    await set_status(
        session,
        job.id,
        JobStatus.QUEUED,
        only_from=STOPPED,
        error=None,
        finished_at=None,
        worker_id=None,
        attempts=0,
        retry_at=None,
    )
    await session.commit()
    return await get_job(session, job.id)


async def cancel_job(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    actor: Actor | None = None,
    lease: timedelta = LEASE,
) -> TranslationJob:
    """Cancel a queued or running job: workers stop before their next chunk.

    If no worker is translating it right now, its quota is settled at once; otherwise
    the last worker to stop settles it. A signed-in ``actor`` cancels only their own
    jobs; None is the machine's operator.
    """
    await begin_write(session)
    job = await _owned(session, await get_job(session, job_id), actor)
    if job.status not in ACTIVE:
        raise InvalidInput(
            f"job {job.id} is {job.status.value}; only queued or running jobs can be cancelled"
        )
    await set_status(session, job.id, JobStatus.CANCELLED, only_from=ACTIVE)
    if await live_claims(session, job.id, lease=lease) == 0:
        job = await get_job(session, job.id)
        await accounting.close_run(session, job, completed=False)
    await session.commit()
    return await get_job(session, job.id)


def exit_code(job: TranslationJob) -> int:
    """A stopped job's exit code: 1 when cancelled, else its error's (2, 3 or 4)."""
    if job.status is JobStatus.CANCELLED:
        return 1
    return int(job.options.get("exit_code", ProviderError.exit_code))


async def _owned(session: AsyncSession, job: TranslationJob, actor: Actor | None) -> TranslationJob:
    """The job, if ``actor`` (read again in this transaction) may change it."""
    if actor is None:
        return job
    actor = await actor.authorize(session)
    if actor.id is not None and job.user_id != actor.id:
        raise PermissionDenied(f"job {job.id} is not yours")
    return job


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a job id") from None
