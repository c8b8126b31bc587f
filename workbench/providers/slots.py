"""A provider's concurrency and pace held across every process on the database.

Each request to a provider holds one of its slots (:class:`~workbench.db.models.
ProviderSlot`) while in flight: a slot is free when it has no holder or its lease has
expired (its holder died), and no more than the provider's concurrency are held at once.
Claiming a slot also counts the request in the provider's pace bucket
(:func:`~workbench.accounts.ratelimit.try_admit`, a per-second window), in the same
transaction, serialised per provider (a PostgreSQL advisory lock; SQLite's write lock).
A request that finds every slot taken waits: woken at once by a release in this process,
else polling with a growing, jittered delay; one over the pace waits until the window
admits it. A slot is released on exit, even on error or cancellation; the lease covers
the request's timeout, so a process that dies frees its slots when their leases end.

:class:`SharedGate` is how an engine hands this to its providers
(:class:`~workbench.providers.base.Gate`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from workbench.accounts.ratelimit import lock, try_admit, writing
from workbench.db import Database, core
from workbench.db.base import utcnow
from workbench.db.models import ProviderSlot
from workbench.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from workbench.providers.base import Provider

log = logging.getLogger("workbench.providers")

SLOT_LOCKS = 0x5742_0002  # advisory lock namespace (buckets use ...0001)
# A lease outlives the request's own timeout by this much: a request's thread or socket
# may take a moment to give up, and its slot must not be handed on before.
LEASE_MARGIN = 15.0
FIRST_POLL = 0.01  # seconds; doubles while every slot stays taken
LAST_POLL = 0.25


@dataclass(frozen=True, slots=True)
class Pace:
    """A provider's requests per second as a sliding window shared by every process."""

    bucket: str
    limit: int
    window: float

    @classmethod
    def per_second(cls, provider: str, rate: float) -> Pace:
        """``rate`` requests a second: that many a second, or one per ``1/rate`` s."""
        if rate <= 0:
            raise ValueError("a pace needs a positive rate")
        if rate >= 1:
            return cls(f"pace:{provider}", math.floor(rate), 1.0)
        return cls(f"pace:{provider}", 1, 1 / rate)


class Releases:
    """Wakes this process's waiters when one of its slots is released."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


@asynccontextmanager
async def provider_slot(
    db: Database,
    provider: str,
    concurrency: int,
    *,
    holder: str,
    lease: float,
    pace: Pace | None = None,
    releases: Releases | None = None,
    writes: AbstractAsyncContextManager[Any] | None = None,
) -> AsyncIterator[int]:
    """Hold one of ``provider``'s ``concurrency`` slots (its number) for the block.

    Waits while every slot is held or the ``pace`` is full. ``holder`` names this claim
    (unique); ``lease`` is how many seconds the slot stays held if it is never released.
    ``releases`` wakes waiters of this process early; ``writes`` is entered around each
    write (a process's queue for SQLite's one writer).
    """
    if concurrency < 1 or lease <= 0:
        raise ValueError("a provider slot needs a positive concurrency and lease")
    guard = writes if writes is not None else nullcontext()
    delay = FIRST_POLL
    while True:
        released = releases.current() if releases is not None else None
        async with guard:
            slot, wait = await _try_claim(db, provider, concurrency, holder, lease, pace)
        if slot is not None:
            break
        if wait is not None:  # the pace: the window admits one in exactly this long
            await asyncio.sleep(wait)
            continue
        # Jittered, so processes that found the slots taken together do not ask together.
        pause = delay * random.uniform(0.5, 1.0)  # noqa: S311 - not a secret
        if released is None:
            await asyncio.sleep(pause)
        else:
            with suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), pause)
        delay = min(delay * 2, LAST_POLL)
    try:
        yield slot
    finally:
        # Shielded: a cancelled request still gives its slot back.
        await asyncio.shield(_release(db, provider, slot, holder, guard, releases))


async def _try_claim(
    db: Database, provider: str, concurrency: int, holder: str, lease: float, pace: Pace | None
) -> tuple[int | None, float | None]:
    """The slot claimed; else no slot and the pace's wait, or no wait when all are held."""
    async with db.session() as session, writing(session):
        await lock(session, SLOT_LOCKS, provider)
        now = utcnow()
        rows = (
            await core(
                session,
                select(ProviderSlot.slot, ProviderSlot.holder, ProviderSlot.expires_at).where(
                    ProviderSlot.provider == provider
                ),
            )
        ).all()
        held = {
            row.slot
            for row in rows
            if row.holder is not None and row.expires_at is not None and row.expires_at > now
        }
        if len(held) >= concurrency:
            return None, None
        if pace is not None:
            wait = await try_admit(session, pace.bucket, pace.limit, pace.window, now)
            if wait is not None:
                return None, wait
        slot = min(number for number in range(concurrency) if number not in held)
        values = {"holder": holder, "expires_at": now + timedelta(seconds=lease)}
        if any(row.slot == slot for row in rows):
            await core(
                session,
                update(ProviderSlot)
                .where(ProviderSlot.provider == provider, ProviderSlot.slot == slot)
                .values(**values),
            )
        else:
            await core(session, insert(ProviderSlot).values(provider=provider, slot=slot, **values))
    return slot, None


async def _release(
    db: Database,
    provider: str,
    slot: int,
    holder: str,
    guard: AbstractAsyncContextManager[Any],
    releases: Releases | None,
) -> None:
    try:
        async with guard, db.session() as session, writing(session):
            await core(
                session,
                update(ProviderSlot)
                .where(
                    ProviderSlot.provider == provider,
                    ProviderSlot.slot == slot,
                    ProviderSlot.holder == holder,
                )
                .values(holder=None, expires_at=None),
            )
    except (SQLAlchemyError, OSError, DatabaseUnavailable) as error:
        # The request itself is done; its lease frees the slot in a while.
        log.warning("%s: could not release request slot %d (%s)", provider, slot, error)
    if releases is not None:
        releases.notify()


class SharedGate:
    """The :class:`~workbench.providers.base.Gate` of an engine's providers: each request
    holds a shared slot and counts in the shared pace (see the module)."""

    def __init__(
        self, db: Database, *, writes: AbstractAsyncContextManager[Any] | None = None
    ) -> None:
        self.db = db
        self._writes = writes
        self._name = f"{socket.gethostname()[:120]}:{os.getpid()}"
        self._releases: Releases | None = None

    def request(self, provider: Provider) -> AbstractAsyncContextManager[object]:
        if self._releases is None:  # made on first use, inside the event loop
            self._releases = Releases()
        return provider_slot(
            self.db,
            provider.name,
            provider.concurrency,
            holder=f"{self._name}:{uuid.uuid4().hex[:16]}",
            lease=provider.timeout + LEASE_MARGIN,
            pace=Pace.per_second(provider.name, provider.requests_per_second),
            releases=self._releases,
            writes=self._writes,
        )
