"""The job worker: helps with queued and running jobs until told to stop.

Several workers, on one machine or many, share one database and may work on the same
job: each claims chunks of segments (see :mod:`workbench.batch.jobs`). A worker renews
its claims while it works; when one dies, its claims lapse after the lease and another
worker resumes from the last checkpoint. On SIGINT or SIGTERM a worker stops claiming,
lets the chunks in flight land, gives back what it holds and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid

from workbench.batch import jobs
from workbench.batch.engine import Engine

log = logging.getLogger("workbench.worker")


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
        renewing = asyncio.create_task(self._renew())
        try:
            while not self.shutdown.is_set():
                async with self.engine.db.session() as session:
                    active = await jobs.job_ids(session, jobs.ACTIVE, limit=self.concurrency)
                if not active and until_idle:
                    break
                done = await asyncio.gather(*(self._help(job_id) for job_id in active))
                if any(done):
                    continue
                # Nothing to take yet: the rest is held by other workers (or by a dead
                # one whose claims have not lapsed). Look again shortly.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.shutdown.wait(), self.poll_interval)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            async with self.engine.db.session() as session:
                await jobs.release_claims(session, self.worker_id)

    async def _help(self, job_id: uuid.UUID) -> bool:
        try:
            done = await self.engine.work(job_id, self.worker_id, shutdown=self.shutdown)
        except Exception:
            log.exception("worker %s: job %s hit an unexpected error", self.worker_id, job_id)
            async with self.engine.db.session() as session:
                await jobs.release_claims(session, self.worker_id, job_id)
            return False
        self.segments += done.segments
        return bool(done)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.engine.lease.total_seconds() / 4)
            async with self.engine.db.session() as session:
                await jobs.renew_claims(session, self.worker_id)
