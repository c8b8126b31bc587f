"""The batch engine: prepare a job, translate it chunk by chunk, write its outputs.

Segments are canonical (:mod:`workbench.inline`): files give them so, texts given
directly are escaped on the way in and read back as plain text on the way out
(:mod:`workbench.batch.segments`). The memory keys on the canonical form, so two segments
that differ only in their codes are two entries; characters are counted, billed and
reserved from the prose alone, never the markup.

Preparing (:meth:`Engine.submit`): read the inputs within the input limits
(:mod:`workbench.limits`), keep each distinct translatable text once, fill what the
translation memory already knows, count characters, estimate the cost, then in one
transaction check the user's tier, reserve the quota and store the job and its
segments: a refused job, over a limit or a quota, leaves nothing behind. The notes of
the files (parts left untranslated, and why) come with the estimate and stay with the job.

Working (:meth:`Engine.work`): a worker claims a chunk of untranslated segments (sized
by the provider's limits), asks the memory again (another job may have paid for them
meanwhile), sends the rest to the provider (:meth:`Provider.translate_segments`, which
keeps every code or says why it could not), and stores the results, the code issues,
their memory entries and the job's counters in one transaction: a checkpoint, which also
claims the next chunk. A few chunks are in hand at once (:data:`LANES`), so the provider always
has requests waiting, and several workers may work on one job. A checkpoint only
stores segments this worker still holds, so nothing is written twice.

Finishing: when no segment is left, one worker claims the job's end, writes the outputs
(atomically, with their inputs' file modes), saves the QA report
(:mod:`workbench.batch.report`) and settles the quota with what was really sent. A
cancelled or failed job is settled by the last worker that stops.

Failing: the job's own errors (:data:`JOB_ERRORS`: the provider's, the quota's, the
user's) fail it at once with their message. Anything else is unexpected: the job goes
back to the queue for a later try (backing off), and fails after :data:`MAX_TRIES` with
a one-line error for its user and the traceback once in the log. A lost database
connection is neither: it is raised for the worker to wait out, and a checkpoint, whose
chunk is paid for already, waits for the database in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Text,
    Uuid,
    bindparam,
    case,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from workbench import inline
from workbench.accounts import quotas
from workbench.accounts.audit import Actor
from workbench.accounts.quotas import Allowance
from workbench.batch import accounting, jobs, memory, report
from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.batch.jobs import ClaimedSegment, JobInput, JobSpec
from workbench.batch.memory import MemoryKey, text_hash
from workbench.batch.paths import mode_of, write_atomically
from workbench.batch.report import Note, Outcome
from workbench.batch.segments import from_plain, needs_translation, prose, to_plain
from workbench.batch.sql import plan_for_parameters, rows_of
from workbench.config import Settings, get_settings
from workbench.db import Database, begin_write, core
from workbench.db.base import UTCDateTime, utcnow
from workbench.db.models import (
    CODE_ISSUE_LENGTH,
    JobSegment,
    JobStatus,
    TranslationJob,
    User,
)
from workbench.errors import (
    InternalError,
    InvalidInput,
    LimitReached,
    ProviderError,
    UsageError,
    WorkbenchError,
)
from workbench.glossary import sync
from workbench.glossary.store import load_content
from workbench.limits import InputLimits
from workbench.preferences import load as load_preferences
from workbench.providers.base import Provider
from workbench.providers.glossary import GlossarySpec, GlossarySupport
from workbench.providers.registry import get_provider
from workbench.providers.slots import SharedGate

log = logging.getLogger("workbench.batch")

# Chunks one worker has in hand per job: while one lane stores its chunk (a write that
# SQLite serialises), another's requests are in flight and a third's wait for the
# provider's next free slot, so the provider never idles between chunks.
LANES = 3

# Errors that end a job with their message; anything else is a bug and is logged.
JOB_ERRORS = (ProviderError, LimitReached, UsageError)
# Tries of a run that meets unexpected errors, and the wait before the second (it doubles).
MAX_TRIES = 3
RETRY_WAIT = timedelta(seconds=2)


@dataclass(frozen=True)
class Estimate:
    inputs: int
    slots: int  # every text slot in the inputs, empty ones included
    segments: int  # distinct texts that need translating
    from_memory: int
    to_translate: int
    characters: int  # characters of the distinct texts' prose
    billed_characters: int  # characters of prose that will be sent to the provider
    cost: float
    currency: str
    allowance: Allowance | None
    notes: tuple[Note, ...] = ()  # what the files leave untranslated, and why

    @property
    def translations(self) -> int:
        return max(1, self.inputs)


@dataclass(frozen=True)
class Progress:
    job_id: uuid.UUID
    done: int
    total: int
    from_memory: int
    billed_characters: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Help:
    """What one call of :meth:`Engine.work` did; false when there was nothing to do."""

    segments: int = 0  # segments this worker translated (or took from memory)
    ended: bool = False  # this worker finished or settled the job

    def __bool__(self) -> bool:
        return self.segments > 0 or self.ended


@dataclass(frozen=True)
class _Chunk:
    """Segments a lane holds, and what the translation memory knew of them."""

    segments: list[ClaimedSegment]
    known: dict[str, str]  # source hash -> translation


@dataclass
class _Prepared:
    # Each distinct canonical text to translate -> its hash, in the order they appear.
    unique: dict[str, str]
    characters: dict[str, int]  # each distinct text -> the length of its prose
    slots: int
    notes: list[Note]


class Engine:
    """One per process (or notebook); holds a client per provider (and those a concurrency
    change replaced, until they are closed). Close it when done.

    Every request its providers send holds a slot shared through the database
    (:class:`~workbench.providers.slots.SharedGate`), so a provider's concurrency and pace
    hold across all the processes on it.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings | None = None,
        *,
        lease: timedelta = jobs.LEASE,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings or get_settings()
        self.limits = InputLimits.of(self.settings)
        self.lease = lease
        self._provider_options = provider_options or {}
        self._providers: dict[str, Provider] = {}
        self._retired: list[Provider] = []  # replaced after a concurrency change
        self._chosen_concurrency: dict[str, int | None] = {}  # what the providers were built with
        # SQLite has one writer: lanes of this process queue here and are woken the
        # moment the previous write commits, instead of polling SQLite's busy handler.
        self._writes: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if db.backend == "sqlite" else contextlib.nullcontext()
        )
        self._gate = SharedGate(db, writes=self._writes)

    def provider(self, name: str) -> Provider:
        if name not in self._providers:
            options = dict(self._provider_options.get(name, {}))
            options.setdefault("gate", self._gate)
            self._providers[name] = get_provider(name, self.settings, **options)
        return self._providers[name]

    async def translating_provider(self, name: str) -> Provider:
        """The provider at the concurrency an admin set for it (Settings), else its own.

        Read at the start of each job, so a change applies to the next job a running
        worker starts; a provider still in use by another job is closed only at the end.
        Concurrency given to the engine itself (tests, benchmarks) wins.
        """
        options = self._provider_options.get(name, {})
        if "concurrency" in options:
            return self.provider(name)
        async with self.db.session() as session:
            chosen = (await load_preferences(session)).concurrency.get(name)
        if chosen != self._chosen_concurrency.get(name):
            if (current := self._providers.pop(name, None)) is not None:
                self._retired.append(current)
            self._chosen_concurrency[name] = chosen
            self._providers[name] = get_provider(
                name, self.settings, **{"gate": self._gate, **options, "concurrency": chosen}
            )
        return self.provider(name)

    async def aclose(self) -> None:
        providers, self._providers = [*self._providers.values(), *self._retired], {}
        self._retired = []
        for provider in providers:
            await provider.aclose()
        await self._gate.aclose()  # the provider slots this process still holds

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- preparing ----------------------------------------------------------------------

    async def estimate(self, spec: JobSpec, texts: Sequence[str] | None = None) -> Estimate:
        """What a job would do and cost, without storing or reserving anything."""
        prepared = await asyncio.to_thread(_prepare, spec, texts, self.limits)
        glossary = await self._load_glossary(spec.glossary_id, user_id=spec.user_id)
        async with self.db.session() as session:
            await plan_for_parameters(session)
            known = await memory.lookup(
                session, _memory_key(spec, glossary), prepared.unique.values()
            )
            return await self._estimate(session, spec, prepared, known)

    async def submit(
        self, spec: JobSpec, texts: Sequence[str] | None = None, *, canonical: bool = False
    ) -> tuple[TranslationJob, Estimate]:
        """Store a queued job with its segments and its quota reserved.

        ``texts`` are plain text, unless ``canonical``: then each is a canonical segment
        already (:mod:`workbench.inline`, e.g. the HTTP API's tagged texts), checked as such.
        """
        provider = await self.translating_provider(spec.provider)
        # A provider's first use fetches its languages: meanwhile, read the inputs and
        # ask the memory. A language it does not offer is still the error reported first.
        checking = asyncio.create_task(_check_languages(provider, spec))
        try:
            prepared = await asyncio.to_thread(_prepare, spec, texts, self.limits, canonical)
            glossary = await self._load_glossary(spec.glossary_id, user_id=spec.user_id)
            if glossary is not None:
                glossary.check_pair(spec.source_lang or None, spec.target_lang)
            async with self.db.session() as session:
                await plan_for_parameters(session)
                key = _memory_key(spec, glossary)
                known = await memory.lookup(session, key, prepared.unique.values())
        finally:
            await checking
        async with self.db.session() as session:
            await begin_write(session)
            estimate = await self._estimate(session, spec, prepared, known)
            job = await jobs.create_job(session, spec)
            job.glossary_checksum = _checksum(glossary)
            if prepared.notes:
                job.options = {**job.options, "notes": [n.to_json() for n in prepared.notes]}
            job.total_segments = len(prepared.unique)
            job.done_segments = job.memory_hits = estimate.from_memory
            job.characters = estimate.characters
            job.cost_estimate = estimate.cost
            await _store_segments(session, job.id, prepared, known)
            await accounting.open_run(
                session,
                job,
                characters=estimate.billed_characters,
                translations=estimate.translations,
            )
            await session.commit()
        return job, estimate

    async def _estimate(
        self, session: AsyncSession, spec: JobSpec, prepared: _Prepared, known: Mapping[str, str]
    ) -> Estimate:
        """The estimate, given what the memory knows (``known``: hash -> translation)."""
        misses = [text for text, digest in prepared.unique.items() if digest not in known]
        billed = sum(prepared.characters[text] for text in misses)
        preferences = await load_preferences(session)
        allowance = None
        if spec.user_id is not None:
            allowance = await quotas.get_allowance(session, spec.user_id)
        return Estimate(
            inputs=len(spec.inputs),
            slots=prepared.slots,
            segments=len(prepared.unique),
            from_memory=len(prepared.unique) - len(misses),
            to_translate=len(misses),
            characters=sum(prepared.characters.values()),
            billed_characters=billed,
            cost=preferences.cost(spec.provider, billed),
            currency=preferences.currency,
            allowance=allowance,
            notes=tuple(prepared.notes),
        )

    async def translate_now(
        self,
        spec: JobSpec,
        texts: Sequence[str] | None = None,
        *,
        progress: ProgressCallback | None = None,
        on_submitted: Callable[[TranslationJob, Estimate], None] | None = None,
        canonical: bool = False,
    ) -> TranslationJob:
        """Submit a job and work on it here until it ends (the CLI, a notebook, the API).

        It is an ordinary job: workers may help, and if this process dies one resumes it.
        ``canonical``: as for :meth:`submit`.
        """
        job, estimate = await self.submit(spec, texts, canonical=canonical)
        if on_submitted is not None:
            on_submitted(job, estimate)
        worker_id = f"inline:{uuid.uuid4().hex[:12]}"
        beat = asyncio.create_task(self._renew(worker_id))
        completed = False
        try:
            while True:
                await self.work(job.id, worker_id, progress=progress)
                async with self.db.session() as session:
                    job = await jobs.get_job(session, job.id)
                if job.status not in jobs.ACTIVE:
                    completed = job.status is JobStatus.COMPLETED
                    return job
                # Another worker holds the last chunks (or is finishing): wait for it.
                await asyncio.sleep(0.2)
        finally:
            await _stop(beat)
            # A completed job holds no claim: its segments are all translated and its
            # finisher let go of it. Any other end may leave some (an error, a cancel).
            if not completed:
                async with self.db.session() as session:
                    await jobs.release_claims(session, worker_id, job.id)

    # --- working ------------------------------------------------------------------------

    async def work(
        self,
        job_id: uuid.UUID,
        worker_id: str,
        *,
        progress: ProgressCallback | None = None,
        shutdown: asyncio.Event | None = None,
    ) -> Help:
        """Help with one job: translate what can be claimed, then finish or settle it.

        The caller keeps this worker's claims alive (:func:`jobs.renew_claims`). An
        unexpected error is handled here (:meth:`_unexpected`); a lost database
        connection is raised, for the caller to wait until the database is back.
        """
        stop = shutdown or asyncio.Event()
        translated = [0]
        try:
            return await self._work(job_id, worker_id, stop, progress, translated)
        except Exception as error:
            if await self.db.outages.is_outage(error):
                raise
            return Help(translated[0], await self._unexpected(job_id, worker_id, error))

    async def _work(
        self,
        job_id: uuid.UUID,
        worker_id: str,
        stop: asyncio.Event,
        progress: ProgressCallback | None,
        translated: list[int],
    ) -> Help:
        job = await self._start(job_id)
        if job is None:
            return Help(ended=await self._settle_stopped(job_id))
        try:
            await self._translate(job, worker_id, stop, progress, translated)
        except JOB_ERRORS as error:
            async with self.db.session() as session:
                await jobs.release_claims(session, worker_id, job.id)
            await self._fail(job.id, error)
            return Help(translated[0], ended=True)
        if stop.is_set():
            return Help(translated[0])
        ended = await self._finish(job, worker_id) or await self._settle_stopped(job_id)
        return Help(translated[0], ended)

    async def _unexpected(self, job_id: uuid.UUID, worker_id: str, error: Exception) -> bool:
        """Queue the job again for a later try, or fail it after :data:`MAX_TRIES`;
        true when it failed (or had stopped meanwhile and is settled now)."""
        async with self.db.session() as session:
            await jobs.release_claims(session, worker_id, job_id)
        now = utcnow()
        summary = _summary(error)
        async with self.db.session() as session:
            await begin_write(session)
            job = await jobs.get_job(session, job_id)
            # Stopped meanwhile, or already queued again by another worker for this try.
            if job.status not in jobs.ACTIVE or jobs.backing_off(job, now):
                await session.commit()
                return await self._settle_stopped(job_id)
            # A running job's try was counted when it started; one that failed to start
            # counts here.
            tries = job.attempts if job.status is JobStatus.RUNNING else job.attempts + 1
            if tries < MAX_TRIES:
                wait = RETRY_WAIT * 2 ** max(0, tries - 1)
                await jobs.set_status(
                    session,
                    job_id,
                    JobStatus.QUEUED,
                    only_from=jobs.ACTIVE,
                    attempts=tries,
                    retry_at=now + wait,
                    worker_id=None,
                    error=f"try {tries} of {MAX_TRIES} stopped on an unexpected error "
                    f"({summary}); it is tried again",
                )
                await session.commit()
                log.warning(
                    "job %s: try %d of %d stopped on an unexpected error (%s); "
                    "trying again in %.0f s",
                    job_id,
                    tries,
                    MAX_TRIES,
                    summary,
                    wait.total_seconds(),
                )
                return False
            await session.commit()
        failure = InternalError(
            f"stopped by an unexpected error after {tries} tries ({summary}); "
            "an admin finds the details in the worker's log"
        )
        await self._fail(job_id, failure, cause=error)
        return True

    async def _start(self, job_id: uuid.UUID) -> TranslationJob | None:
        """Move a queued job to running (reserving the quota of a resumed run); the
        running job, or None when it is not to be worked on now."""
        async with self.db.session() as session:
            await begin_write(session)
            job = await jobs.get_job(session, job_id)
            if job.status is JobStatus.RUNNING:
                await session.commit()
                return job
            if job.status is not JobStatus.QUEUED or jobs.backing_off(job, utcnow()):
                await session.commit()
                return None
            try:
                if not accounting.is_open(job):  # resumed after a failure or cancel
                    pending = await session.scalars(
                        select(JobSegment.source_text).where(
                            JobSegment.job_id == job.id, JobSegment.translated_text.is_(None)
                        )
                    )
                    await accounting.open_run(
                        session,
                        job,
                        characters=sum(len(prose(text)) for text in pending),
                        translations=max(1, len(job.inputs)),
                    )
            except JOB_ERRORS as error:
                await session.rollback()
                await self._fail(job_id, error)
                return None
            now = utcnow()
            job.status = JobStatus.RUNNING
            job.started_at = job.started_at or now
            job.attempts += 1
            job.retry_at = None
            await session.commit()
            log.info(
                "job %s started: %s, %s, %d segments (%d from memory), attempt %d",
                job.id,
                await _owner(session, job),
                job.provider,
                job.total_segments,
                job.memory_hits,
                job.attempts,
            )
            return job

    async def _translate(
        self,
        job: TranslationJob,
        worker_id: str,
        stop: asyncio.Event,
        progress: ProgressCallback | None,
        translated: list[int],
    ) -> None:
        # No more lanes than chunks left: a small job (an API request) claims in one, and
        # one the memory answered entirely (its segments stored at submit) needs nothing.
        pending = job.total_segments - job.done_segments
        if pending <= 0:
            return
        provider = await self.translating_provider(job.provider)
        # The glossary as it is now: an edit since the job was submitted applies to what
        # is still to translate, and those memory entries are keyed by the new content.
        glossary = await self._load_glossary(job.glossary_id, provider=provider)
        key = _memory_key(job, glossary)
        failed = asyncio.Event()
        # A chunk is one round of requests: as many as the provider takes at once. The
        # provider sends them in parallel, and the chunk is stored in one checkpoint.
        chunk_size = provider.max_texts_per_request * provider.concurrency

        def wanted() -> int:
            """How many segments to claim next: none once stopping or failing."""
            return 0 if stop.is_set() or failed.is_set() else chunk_size

        async def lane() -> None:
            async with self._writes, self.db.session() as session:
                await begin_write(session)
                await plan_for_parameters(session)
                chunk = await self._claim(session, job.id, worker_id, key, wanted())
                await session.commit()
            while chunk is not None:
                try:
                    stored, chunk = await self._chunk(
                        job, worker_id, provider, key, glossary, chunk, progress, wanted, stop
                    )
                except BaseException:
                    failed.set()
                    raise
                # Added after the await: ``+=`` across an await would lose other lanes' counts.
                translated[0] += stored

        lanes = min(LANES, -(-pending // chunk_size))
        outages = self.db.outages.count
        results = await asyncio.gather(*(lane() for _ in range(lanes)), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        if self.db.outages.count != outages:
            # A checkpoint whose commit went through as its connection was lost also
            # claimed a chunk this worker never heard of: give it back for others to take.
            async with self.db.session() as session:
                await jobs.release_claims(session, worker_id, job.id)

    async def _claim(
        self,
        session: AsyncSession,
        job_id: uuid.UUID,
        worker_id: str,
        key: MemoryKey,
        limit: int,
    ) -> _Chunk | None:
        """Claim the next chunk and ask the memory about it, in the caller's transaction.

        The memory is asked again (the job was estimated against it long ago): another
        job may have paid for some of these texts meanwhile.
        """
        if limit <= 0:
            return None
        segments = await jobs.claim_segments(
            session, job_id, worker_id, limit=limit, lease=self.lease
        )
        if not segments:
            return None
        known = await memory.lookup(session, key, (segment.hash for segment in segments))
        return _Chunk(segments, known)

    async def _chunk(
        self,
        job: TranslationJob,
        worker_id: str,
        provider: Provider,
        key: MemoryKey,
        glossary: GlossarySpec | None,
        chunk: _Chunk,
        progress: ProgressCallback | None,
        wanted: Callable[[], int],
        stop: asyncio.Event,
    ) -> tuple[int, _Chunk | None]:
        """Translate one claimed chunk; returns how many segments this worker stored and
        the next chunk, claimed by the same checkpoint (``wanted()`` segments of it).

        The chunk's requests go out together; every request that succeeded is stored
        even when another failed (its translations are paid for), then the failure is
        raised.
        """
        results = {s.id: chunk.known[s.hash] for s in chunk.segments if s.hash in chunk.known}
        misses = [segment for segment in chunk.segments if segment.hash not in chunk.known]
        step = provider.max_texts_per_request
        batches = [misses[start : start + step] for start in range(0, len(misses), step)]

        async def translate(batch: list[ClaimedSegment]) -> tuple[list[str], dict[int, str]]:
            """A batch's translations and code issues (by index), read from the provider's
            results as soon as they come: thousands of objects kept while the other
            batches are awaited would each outlive the garbage collector's young
            generations, which then runs full collections."""
            translated = await provider.translate_segments(
                [segment.text for segment in batch],
                target=job.target_lang,
                source=job.source_lang or None,
                model=job.model or None,
                glossary=glossary,
            )
            # A NUL is not text (and the database's set statements could not carry it).
            texts = [result.text.replace("\x00", "") for result in translated]
            repaired = {
                index: result.repaired[:CODE_ISSUE_LENGTH]
                for index, result in enumerate(translated)
                if result.repaired is not None
            }
            return texts, repaired

        outcomes = await asyncio.gather(
            *(translate(batch) for batch in batches), return_exceptions=True
        )
        sent: list[ClaimedSegment] = []
        issues: dict[uuid.UUID, str] = {}
        failure: BaseException | None = None
        for batch, outcome in zip(batches, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failure = failure or outcome
                continue
            sent.extend(batch)
            texts, repaired = outcome
            results.update(zip((segment.id for segment in batch), texts, strict=True))
            for index, issue in repaired.items():
                issues[batch[index].id] = issue
        # The chunk is paid for: an outage is waited out (unless stopping), not lost.
        stored, counters, following = await self.db.outages.retry(
            lambda: self._checkpoint(
                job.id, worker_id, key, results, issues, sent, (lambda: 0) if failure else wanted
            ),
            give_up=stop.is_set,
        )
        if progress is not None:
            progress(counters)
        if failure is not None:
            raise failure
        return stored, following

    async def _checkpoint(
        self,
        job_id: uuid.UUID,
        worker_id: str,
        key: MemoryKey,
        results: Mapping[uuid.UUID, str],
        issues: Mapping[uuid.UUID, str],
        sent: Sequence[ClaimedSegment],
        wanted: Callable[[], int],
    ) -> tuple[int, Progress, _Chunk | None]:
        """Store a chunk's results, only for the segments this worker still holds, and
        claim the next chunk: one transaction, so a lane's turn costs one round of writes.

        A translation whose codes had to be repaired is not remembered: it is the fallback,
        and a later job asks the provider again rather than reuse it without its QA row.
        """
        async with self._writes, self.db.session() as session:
            await begin_write(session)
            await plan_for_parameters(session)
            held = await _store_results(session, worker_id, results, issues, {s.id for s in sent})
            remembered = [(s.hash, s.text, results[s.id]) for s in sent if s.id not in issues]
            await memory.store_hashed(session, key, remembered)
            following = await self._claim(session, job_id, worker_id, key, wanted())
            paid = [segment for segment in sent if segment.id in held]
            billed = sum(len(prose(segment.text)) for segment in paid)
            # The job's row last: on PostgreSQL its lock is what lanes queue for.
            row = (
                await core(
                    session,
                    update(TranslationJob)
                    .where(TranslationJob.id == job_id)
                    .values(
                        done_segments=TranslationJob.done_segments + len(held),
                        billed_characters=TranslationJob.billed_characters + billed,
                        memory_hits=TranslationJob.memory_hits + len(held) - len(paid),
                    )
                    .returning(
                        TranslationJob.done_segments,
                        TranslationJob.total_segments,
                        TranslationJob.memory_hits,
                        TranslationJob.billed_characters,
                    ),
                )
            ).one()
            await session.commit()
        done, total, from_memory, billed_total = tuple(row)
        return len(held), Progress(job_id, done, total, from_memory, billed_total), following

    async def _finish(self, job: TranslationJob, worker_id: str) -> bool:
        async with self.db.session() as session:
            if not await jobs.claim_finishing(session, job.id, worker_id, lease=self.lease):
                return False
        try:
            glossary = await self._load_glossary(job.glossary_id)
            outputs, outcomes, written_notes = await self._write_outputs(
                job, every=glossary is not None
            )
            qa_report = _qa_report(job, outcomes, glossary, written_notes)
        except JOB_ERRORS as error:
            await self._fail(job.id, error)
            return True
        async with self.db.session() as session:
            await begin_write(session)
            current = await jobs.get_job(session, job.id)
            if current.worker_id != worker_id:  # the lease lapsed: another worker finishes
                await session.rollback()
                return True
            completed = current.status is JobStatus.RUNNING
            await accounting.close_run(session, current, completed=completed)
            if completed:
                current.status = JobStatus.COMPLETED
                current.finished_at = utcnow()
                current.outputs = outputs
                current.qa_report = qa_report
                current.error = None  # what an earlier try met, now overcome
            current.worker_id = None
            await session.commit()
            if completed:
                _log_end(current, await _owner(session, current))
        return True

    async def _fail(
        self, job_id: uuid.UUID, error: WorkbenchError, *, cause: BaseException | None = None
    ) -> None:
        """Mark the job failed with the error's message; its exit code is kept for the CLI.

        ``cause``, an unexpected error, goes to the log with its traceback, in the job's
        one line that says it ended.
        """
        async with self.db.session() as session:
            await begin_write(session)
            job = await jobs.get_job(session, job_id)
            await jobs.set_status(
                session,
                job_id,
                JobStatus.FAILED,
                only_from=jobs.ACTIVE,
                error=str(error),
                options={**job.options, "exit_code": error.exit_code},
            )
            await session.commit()
            await session.refresh(job)
            _log_end(job, await _owner(session, job, logging.WARNING), error, cause)
        await self._settle_stopped(job_id)

    async def _settle_stopped(self, job_id: uuid.UUID) -> bool:
        """Settle a failed or cancelled job once no live worker holds any of it."""
        async with self.db.session() as session:
            await begin_write(session)
            job = await jobs.get_job(session, job_id)
            if job.status not in jobs.STOPPED or not accounting.is_open(job):
                await session.commit()
                return False
            if await jobs.live_claims(session, job_id, lease=self.lease):
                await session.commit()
                return False
            await accounting.close_run(session, job, completed=False)
            await session.commit()
            if job.status is JobStatus.CANCELLED:
                _log_end(job, await _owner(session, job))
            return True

    async def _renew(self, worker_id: str) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 4)
            async with self.db.session() as session:
                await jobs.renew_claims(session, worker_id)

    async def _load_glossary(
        self,
        glossary_id: uuid.UUID | None,
        *,
        user_id: uuid.UUID | None = None,
        provider: Provider | None = None,
    ) -> GlossarySpec | None:
        """The glossary as the provider will apply it, its content as it is now.

        ``user_id`` checks the glossary is one the user may use (shared, or theirs). For a
        provider with native glossaries the spec names its copy there, made or reused by
        checksum.
        """
        if glossary_id is None:
            return None
        async with self.db.session() as session:
            viewer = None
            if user_id is not None:
                viewer = Actor.of(await session.get_one(User, user_id))
            if provider is not None and provider.glossary_support is GlossarySupport.NATIVE:
                spec = await sync.native_spec(session, glossary_id, provider, viewer=viewer)
                await session.commit()
                return spec
            return sync.glossary_spec(await load_content(session, glossary_id, viewer=viewer))

    async def _write_outputs(
        self, job: TranslationJob, *, every: bool
    ) -> tuple[list[dict[str, Any]], list[Outcome], list[Note]]:
        """Write every output; returns them, where segments were translated, for the
        report: ``every`` segment (glossary QA reads them all) or those whose codes were
        repaired, and what the formats noted while writing (a translation its file's
        encoding cannot hold, a part kept in the source language). A job made from texts
        has no outputs; its segments are their places."""
        async with self.db.session() as session:
            results = await _results(session, job.id, only_issues=not (every or job.inputs))
        if not job.inputs:
            return (
                [],
                [
                    Outcome("", source, translation, issue)
                    for source, (translation, issue) in results.items()
                ],
                [],
            )
        translations = {source: translation for source, (translation, _) in results.items()}
        spec = JobSpec(job.provider, job.target_lang, source_lang=job.source_lang)
        written, outcomes, notes = [], [], []
        for item in jobs.job_inputs(job):
            places, noted = await asyncio.to_thread(
                _write_output, item, spec, translations, self.limits
            )
            notes += [Note(Path(item.path).name, note) for note in noted]
            written.append({"input": item.path, "output": item.output})
            outcomes += [
                Outcome(where, source, *results[source])
                for where, source in places
                if source in results and (every or results[source][1] is not None)
            ]
        return written, outcomes, notes


async def translations_of(session: AsyncSession, job_id: uuid.UUID) -> dict[str, str]:
    """source -> translation (both canonical) for every translated segment of a job."""
    return {source: result[0] for source, result in (await _results(session, job_id)).items()}


async def text_translations(
    session: AsyncSession, job_id: uuid.UUID
) -> dict[str, tuple[str, bool]]:
    """For a job made from texts: each text -> its translation and whether it came from
    the memory, both plain text as they were given (never escaped)."""
    rows = await session.execute(
        select(JobSegment.source_text, JobSegment.translated_text, JobSegment.from_memory).where(
            JobSegment.job_id == job_id, JobSegment.translated_text.is_not(None)
        )
    )
    return {
        to_plain(row.source_text): (to_plain(row.translated_text), row.from_memory) for row in rows
    }


async def _results(
    session: AsyncSession, job_id: uuid.UUID, *, only_issues: bool = False
) -> dict[str, tuple[str, str | None]]:
    """source -> (translation, code issue) for every translated segment (or only those
    whose codes were repaired), in order."""
    query = select(JobSegment.source_text, JobSegment.translated_text, JobSegment.code_issue)
    query = query.where(JobSegment.job_id == job_id, JobSegment.translated_text.is_not(None))
    if only_issues:
        query = query.where(JobSegment.code_issue.is_not(None))
    rows = await session.execute(query.order_by(JobSegment.position))
    return {row.source_text: (row.translated_text, row.code_issue) for row in rows}


async def _store_segments(
    session: AsyncSession, job_id: uuid.UUID, prepared: _Prepared, known: Mapping[str, str]
) -> None:
    """Insert a new job's segments, those the memory knows already translated: one
    statement, so a 20,000-segment job is stored in a fraction of a second."""
    if not prepared.unique:
        return
    segments = rows_of(
        session,
        [
            ("id", Uuid()),
            ("position", Integer()),
            ("text", Text()),
            ("hash", String()),
            ("translation", Text()),
        ],
        [
            (uuid.uuid4(), position, text, digest, known.get(digest))
            for position, (text, digest) in enumerate(prepared.unique.items())
        ],
    )
    remembered = segments.c.translation.is_not(None)
    await core(
        session,
        insert(JobSegment).from_select(
            [
                "id",
                "job_id",
                "position",
                "source_text",
                "source_hash",
                "translated_text",
                "from_memory",
                "translated_at",
            ],
            select(
                segments.c.id,
                bindparam("job", job_id, type_=Uuid()),
                segments.c.position,
                segments.c.text,
                segments.c.hash,
                segments.c.translation,
                remembered,
                case((remembered, bindparam("now", utcnow(), type_=UTCDateTime()))),
            ),
        ),
    )


async def _store_results(
    session: AsyncSession,
    worker_id: str,
    results: Mapping[uuid.UUID, str],
    issues: Mapping[uuid.UUID, str],
    sent: set[uuid.UUID],
) -> set[uuid.UUID]:
    """Write translations into the segments this worker still holds; returns their ids.

    A segment another worker took over (its claim lapsed) is left alone. One statement:
    the chunk's results are joined in as one parameter, so it is the same SQL for every
    chunk, compiled once.
    """
    if not results:
        return set()
    chunk = rows_of(
        session,
        [
            ("id", Uuid()),
            ("translation", Text()),
            ("remembered", Boolean()),
            ("issue", String()),
        ],
        [
            (sid, translation, sid not in sent, issues.get(sid))
            for sid, translation in results.items()
        ],
    )
    written = await core(
        session,
        update(JobSegment)
        .where(
            JobSegment.id == chunk.c.id,
            JobSegment.claimed_by == worker_id,
            JobSegment.translated_text.is_(None),
        )
        .values(
            translated_text=chunk.c.translation,
            from_memory=chunk.c.remembered,
            code_issue=chunk.c.issue,
            translated_at=utcnow(),
            claimed_by=None,
            claimed_at=None,
        )
        .returning(JobSegment.id),
    )
    return set(written.scalars())


async def _owner(session: AsyncSession, job: TranslationJob, level: int = logging.INFO) -> str:
    """Who a job belongs to, for its log lines (not looked up for a line not written)."""
    if job.user_id is None:
        return "no user"
    if not log.isEnabledFor(level):
        return str(job.user_id)
    email = await session.scalar(select(User.email).where(User.id == job.user_id))
    return email or str(job.user_id)


def _log_end(
    job: TranslationJob,
    owner: str,
    error: WorkbenchError | None = None,
    cause: BaseException | None = None,
) -> None:
    """One line when a job ends: its id, owner, provider, segments and seconds taken (and
    the traceback of an unexpected ``cause``)."""
    seconds = (utcnow() - job.started_at).total_seconds() if job.started_at else 0.0
    level = logging.INFO if error is None else logging.WARNING if cause is None else logging.ERROR
    log.log(
        level,
        "job %s %s: %s, %s, %d of %d segments, %.1f s%s",
        job.id,
        job.status.value,
        owner,
        job.provider,
        job.done_segments,
        job.total_segments,
        seconds,
        f": {error}" if error is not None else "",
        exc_info=cause,
    )


def _summary(error: BaseException) -> str:
    """An unexpected error in a few words, for its user: its type and first line."""
    lines = str(error).strip().splitlines()
    detail = f": {lines[0][:160]}" if lines else ""
    return f"{type(error).__name__}{detail}"


def _qa_report(
    job: TranslationJob,
    outcomes: list[Outcome],
    glossary: GlossarySpec | None,
    written_notes: list[Note],
) -> list[dict[str, Any]] | None:
    """The job's QA report: its files' notes, segments whose codes were repaired and,
    with a glossary, those lacking a term's target. None when there was no glossary to
    check and nothing to report."""
    notes = [Note.from_json(note) for note in job.options.get("notes", [])] + written_notes
    rows = report.build(outcomes, notes, glossary.matcher if glossary is not None else None)
    if glossary is None and not rows:
        return None
    return [row.to_json() for row in rows]


def _checksum(glossary: GlossarySpec | None) -> str:
    return glossary.checksum if glossary is not None else ""


def _memory_key(job: JobSpec | TranslationJob, glossary: GlossarySpec | None) -> MemoryKey:
    return MemoryKey(job.provider, job.model, job.source_lang, job.target_lang, _checksum(glossary))


async def _check_languages(provider: Provider, spec: JobSpec) -> None:
    await provider.validate_language(spec.target_lang, role="target")
    if spec.source_lang:
        await provider.validate_language(spec.source_lang, role="source")


def _prepare(
    spec: JobSpec, texts: Sequence[str] | None, limits: InputLimits, given_canonical: bool = False
) -> _Prepared:
    if texts is not None and spec.inputs:
        raise InvalidInput("give either input files or texts, not both")
    if texts is None and not spec.inputs:
        raise InvalidInput("nothing to translate: give input files or texts")
    canonical: list[str] = []
    notes: list[Note] = []
    if texts is None:
        for item in spec.inputs:
            document = _read(item, spec, limits)
            name = Path(item.path).name
            for segment in document.segments:
                limits.check_segment_size(segment.text, f"{name}, {segment.where or 'a text'}")
            canonical += document.texts
            notes += [Note(name, note) for note in document.notes]
            limits.check_segments(len(canonical), "this job")
    else:
        limits.check_segments(len(texts), "this job")
        for number, text in enumerate(texts, start=1):
            limits.check_segment_size(text, f"text {number}")
            if given_canonical:
                try:
                    inline.parse(text)
                except InvalidInput as error:
                    problem = f"text {number} is not a canonical segment: {error}"
                    raise InvalidInput(problem) from None
        canonical = list(texts) if given_canonical else [from_plain(text) for text in texts]
    # Each distinct text with letters in its prose -> the prose's length, in order.
    unique: dict[str, int] = {}
    seen: set[str] = set()
    for text in canonical:
        if text in seen:
            continue
        seen.add(text)
        words = prose(text)
        if needs_translation(words):
            unique[text] = len(words)
    for text in unique:
        if "\x00" in text:
            raise InvalidInput(
                f"a text to translate contains a NUL character: {text[:40]!r}; "
                "remove it from the input and try again"
            )
    return _Prepared({text: text_hash(text) for text in unique}, unique, len(canonical), notes)


def _write_output(
    item: JobInput, spec: JobSpec, translations: Mapping[str, str], limits: InputLimits
) -> tuple[list[tuple[str, str]], list[str]]:
    """Write one output, with its input's file mode; returns where each of its segments
    is (for the report) with its canonical source, and what the format noted while
    rendering."""
    try:
        document = _read(item, spec, limits)
        read_notes = len(document.notes)
        rendered = document.render([translations.get(t, t) for t in document.texts])
    except RecursionError as exc:
        raise InvalidInput(
            f"{Path(item.path).name} is nested too deeply to write its translation; "
            "flatten its structure and translate it again"
        ) from exc
    output = Path(item.output)
    try:
        write_atomically(output, rendered, mode=mode_of(Path(item.path)))
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise InvalidInput(
            f"cannot write the output {output}: {reason}; "
            "make its folder writable (or choose another) and resume the job"
        ) from exc
    name = Path(item.path).name
    places = [
        (f"{name}, {segment.where}" if segment.where else name, segment.text)
        for segment in document.segments
    ]
    return places, document.notes[read_notes:]


def _read(item: JobInput, spec: JobSpec, limits: InputLimits) -> Document:
    path = Path(item.path)
    file_format = format_for(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return file_format.read(data, format_options(item, spec, limits))
    except InvalidInput as error:
        raise InvalidInput(f"{path.name}: {error}", error.problems) from error


def format_options(item: JobInput, spec: JobSpec, limits: InputLimits) -> FormatOptions:
    """How a format reads one input of a job: the same when the job is submitted and when
    its output is written (by any worker, after any resume)."""
    reading = item.reading
    chosen: dict[str, Any] = {}
    if reading.front_matter_keys is not None:
        chosen["front_matter_keys"] = reading.front_matter_keys
    return FormatOptions(
        columns=reading.columns,
        source_lang=spec.source_lang,
        target_lang=spec.target_lang,
        limits=limits,
        header_row=reading.header_row,
        translate_fuzzy=reading.translate_fuzzy,
        **chosen,
    )


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
