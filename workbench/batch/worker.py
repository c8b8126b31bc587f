"""The job worker: helps with queued and running jobs until told to stop.

Several workers, on one machine or many, share one database and may work on the same
job: each claims chunks of segments (see :mod:`workbench.batch.jobs`). A worker renews
its claims while it works; when one dies, its claims lapse after the lease and another
worker resumes from the last checkpoint. On SIGINT or SIGTERM a worker stops claiming,
lets the chunks in flight land, gives back what it holds and exits.

A worker outlives its database's outages: whatever it was doing when the connection
went is given up (a chunk being stored waits for the database instead, see the engine),
it waits with a bounded backoff until the database answers, gives back what it held and
carries on. It says it is alive in ``worker_heartbeats`` (:mod:`.heartbeats`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
import uuid

from workbench.batch import heartbeats, jobs
from workbench.batch.engine import Engine
from workbench.db.outages import Outages, backoff

log = logging.getLogger("workbench.worker")

# A job whose failure could not even be recorded (the failure path itself is broken)
# is left alone for this long, doubling up to the longest, so it never spins.
SHUNNED_FIRST = 30.0
SHUNNED_LONGEST = 3600.0


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        engine: Engine,
        *,
        worker_id: str | None = None,
        concurrency: int = 1,
        poll_interval: float = jobs.POLL_SECONDS,
    ) -> None:
        if concurrency < 1:
            raise ValueError("a worker runs at least one job at a time")
        self.engine = engine
        self.worker_id = worker_id or new_worker_id()
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.shutdown = asyncio.Event()
        self.segments = 0  # translated by this worker, for its log
        self._shunned: dict[uuid.UUID, tuple[float, float]] = {}  # job -> (until, last wait)

    @property
    def outages(self) -> Outages:
        return self.engine.db.outages

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop)

    def stop(self) -> None:
        if not self.shutdown.is_set():
            log.info("worker %s: stopping after the chunks in flight", self.worker_id)
        self.shutdown.set()

    async def run(self, *, until_idle: bool = False) -> None:
        """Work until stopped (or, with ``until_idle``, until no job needs help)."""
        await self.outages.retry(self._beat, give_up=self.shutdown.is_set)
        renewing = asyncio.create_task(self._renew())
        try:
            while not self.shutdown.is_set():
                try:
                    helped = await self._round()
                except Exception as error:
                    if not await self.outages.is_outage(error):
                        raise
                    await self._ride_out(error)
                    continue
                if helped is None and until_idle:
                    break
                if helped:
                    continue
                # Nothing to take yet: the rest is held by other workers (or by a dead
                # one whose claims have not lapsed). Look again shortly.
                await self._pause(self.poll_interval)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            await self._leave()

    async def _round(self) -> bool | None:
        """Help with the oldest jobs; ``None`` when no job needs help at all."""
        async with self.engine.db.session() as session:
            active = await jobs.job_ids(session, jobs.ACTIVE, limit=self.concurrency)
            if not active and not await jobs.job_ids(session, jobs.ACTIVE, limit=1, waiting=True):
                return None
        now = time.monotonic()
        active = [job for job in active if self._shunned.get(job, (0.0, 0.0))[0] <= now]
        # Every job's help ends before an outage is handled: none still holds claims
        # in flight when the claims are given back.
        results = await asyncio.gather(
            *(self._help(job_id) for job_id in active), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return any(results)

    async def _help(self, job_id: uuid.UUID) -> bool:
        try:
            done = await self.engine.work(job_id, self.worker_id, shutdown=self.shutdown)
        except Exception as error:
            if await self.outages.is_outage(error):
                raise
            # The engine turns errors into a failed job; this one escaped even that.
            self._shun(job_id, error)
            return False
        self._shunned.pop(job_id, None)
        self.segments += done.segments
        return bool(done)

    def _shun(self, job_id: uuid.UUID, error: Exception) -> None:
        _, last = self._shunned.get(job_id, (0.0, 0.0))
        wait = min(SHUNNED_LONGEST, last * 2) if last else SHUNNED_FIRST
        self._shunned[job_id] = (time.monotonic() + wait, wait)
        log.error(
            "worker %s: job %s could not be worked on or failed; leaving it for %.0f s",
            self.worker_id,
            job_id,
            wait,
            exc_info=error if not last else None,  # the traceback once, not at every retry
        )

    async def _ride_out(self, error: Exception) -> None:
        """Wait for the database to answer again, then give back what this worker held."""
        self.outages.lost(error)
        for wait in backoff():
            if await self._pause(wait):
                return
            try:
                async with self.engine.db.session() as session:
                    await jobs.release_claims(session, self.worker_id)
            except Exception as probe:
                if not await self.outages.is_outage(probe):
                    raise
                continue
            self.outages.back()
            return

    async def _pause(self, seconds: float) -> bool:
        """Sleep, waking early if told to stop; true once stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.shutdown.wait(), seconds)
        return self.shutdown.is_set()

    async def _beat(self) -> None:
        async with self.engine.db.session() as session:
            await heartbeats.beat(session, self.worker_id)

    async def _renew(self) -> None:
        """Keep this worker's claims and its heartbeat fresh, through outages too."""
        interval = min(self.engine.lease / 4, heartbeats.INTERVAL).total_seconds()
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.engine.db.session() as session:
                    await jobs.renew_claims(session, self.worker_id)
                await self._beat()
            except Exception as error:
                if not await self.outages.is_outage(error):
                    raise
                self.outages.lost(error)
            else:
                self.outages.back()

    async def _leave(self) -> None:
        try:
            async with self.engine.db.session() as session:
                await jobs.release_claims(session, self.worker_id)
            async with self.engine.db.session() as session:
                await heartbeats.leave(session, self.worker_id)
        except Exception as error:
            if not await self.outages.is_outage(error):
                raise
            log.warning(
                "worker %s: the database is unavailable; the chunks it held are taken over "
                "once its claims lapse",
                self.worker_id,
            )
