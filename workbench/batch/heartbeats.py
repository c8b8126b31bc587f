"""Which job workers are alive, on any machine: one row per worker, refreshed as it runs.

A worker writes its row when it starts and every :data:`INTERVAL` while it runs
(:func:`beat`) and removes it when it stops (:func:`leave`). A row not refreshed for
:data:`ALIVE_WITHIN` is a worker that died (killed, its machine gone). The health check
(:func:`stalled_queue`) reports jobs waiting in the queue while no worker is alive.

Only the models are imported here: the health check runs every 30 seconds and stays light.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.db.base import utcnow
from workbench.db.engine import begin_write, core
from workbench.db.models import JobStatus, TranslationJob, WorkerHeartbeat

INTERVAL = timedelta(seconds=10)
# Six missed beats: a worker busy on a slow database is not declared dead.
ALIVE_WITHIN = timedelta(seconds=60)
# Rows of workers that died are removed by the next worker that starts, after a day.
FORGOTTEN_AFTER = timedelta(days=1)


async def beat(session: AsyncSession, worker_id: str) -> None:
    """Say this worker is alive (its first beat adds its row); commits."""
    now = utcnow()
    await begin_write(session)
    seen = await core(
        session,
        update(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id).values(seen_at=now),
    )
    if seen.rowcount == 0:
        await core(
            session, delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGOTTEN_AFTER)
        )
        session.add(
            WorkerHeartbeat(
                worker_id=worker_id, host=socket.gethostname(), pid=os.getpid(), seen_at=now
            )
        )
    await session.commit()


async def leave(session: AsyncSession, worker_id: str) -> None:
    """This worker stops: it is no longer counted as alive; commits."""
    await begin_write(session)
    await core(session, delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))
    await session.commit()


@dataclass(frozen=True)
class QueueHealth:
    queued: int  # jobs waiting for a worker to start them
    alive: int  # workers seen within ALIVE_WITHIN
    last_seen: datetime | None  # the last beat of any worker, if one ever ran

    @property
    def stalled(self) -> bool:
        return self.queued > 0 and self.alive == 0


async def queue_health(session: AsyncSession) -> QueueHealth:
    now = utcnow()
    queued = await session.scalar(
        select(func.count())
        .select_from(TranslationJob)
        .where(TranslationJob.status == JobStatus.QUEUED)
    )
    alive = await session.scalar(
        select(func.count())
        .select_from(WorkerHeartbeat)
        .where(WorkerHeartbeat.seen_at >= now - ALIVE_WITHIN)
    )
    last_seen = await session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    return QueueHealth(int(queued or 0), int(alive or 0), last_seen)


def stalled_message(health: QueueHealth) -> str:
    """One line for the health check: what waits, since when no worker ran, what to do."""
    jobs = "1 job is" if health.queued == 1 else f"{health.queued} jobs are"
    if health.last_seen is None:
        seen = "no job worker has ever run"
    else:
        seen = (
            f"no job worker has been alive for {int(ALIVE_WITHIN.total_seconds())} s "
            f"(last seen {health.last_seen.isoformat(timespec='seconds')})"
        )
    return f"{jobs} queued and {seen}; start `workbench worker` or find why it stopped"
