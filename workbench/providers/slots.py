"""A provider's concurrency and pace held across every process on the database.

Each request to a provider holds one of its slots (:class:`~workbench.db.models.
ProviderSlot`) while in flight: a slot is free when it has no holder or its lease has
expired (its holder died), and no more than the provider's concurrency are held at once.
Claiming a slot also counts the request in the provider's pace bucket
(:func:`~workbench.accounts.ratelimit.try_admit`, a per-second window), in the same
transaction, serialised per provider (a PostgreSQL advisory lock; SQLite's write lock).
A request that finds every slot taken waits: woken at once by a release in this process,
else polling with a growing, jittered delay; one over the pace waits until the window
admits it. The lease covers the request's timeout, so a process that dies frees its
slots when their leases end.

:class:`SharedGate` is how an engine hands this to its providers
(:class:`~workbench.providers.base.Gate`): it keeps a claimed slot for the process's next
requests, so a busy provider costs a database round trip per slot, not per request.
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
KEEP_IDLE = 0.5  # seconds a process keeps a slot it has no request for, before releasing it


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


async def claim_slot(
    db: Database,
    provider: str,
    concurrency: int,
    *,
    holder: str,
    lease: float,
    pace: Pace | None = None,
    releases: Releases | None = None,
    writes: AbstractAsyncContextManager[Any] | None = None,
) -> int:
    """Claim one of ``provider``'s ``concurrency`` slots for ``holder``; its number.

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
            return slot
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


async def release_slot(
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


@dataclass(slots=True)
class _Kept:
    """A slot this process holds between requests: claimed once, reused while busy."""

    slot: int
    holder: str
    expires: float  # the event loop's time when its lease ends
    next_start: float = 0.0  # the slot's own pace: its next request may start then
    idle: asyncio.TimerHandle | None = None


class SharedGate:
    """The :class:`~workbench.providers.base.Gate` of an engine's providers (see the module).

    A slot is claimed in the database once and then kept by this process while it has
    requests to send: the next request takes a kept slot without a database round trip,
    and a slot idle for :data:`KEEP_IDLE` seconds is released. The bound across processes
    is unchanged (a kept slot is held), and so is a dead process's: its leases end. The
    pace is counted in the database as a slot is claimed, and a kept slot starts requests
    no faster than its share of the pace (``concurrency / requests_per_second`` seconds
    apart), so all the slots together keep to the provider's pace.
    """

    def __init__(
        self, db: Database, *, writes: AbstractAsyncContextManager[Any] | None = None
    ) -> None:
        self.db = db
        self._writes = writes
        self._name = f"{socket.gethostname()[:120]}:{os.getpid()}"
        self._releases: Releases | None = None
        self._kept: dict[str, list[_Kept]] = {}
        self._releasing: set[asyncio.Task[None]] = set()

    def request(self, provider: Provider) -> AbstractAsyncContextManager[object]:
        if self._releases is None:  # made on first use, inside the event loop
            self._releases = Releases()
        return self._hold(provider)

    @asynccontextmanager
    async def _hold(self, provider: Provider) -> AsyncIterator[int]:
        loop = asyncio.get_running_loop()
        kept = self._reusable(provider, loop.time())
        if kept is None:
            holder = f"{self._name}:{uuid.uuid4().hex[:16]}"
            lease = provider.timeout + LEASE_MARGIN + KEEP_IDLE
            slot = await claim_slot(
                self.db,
                provider.name,
                provider.concurrency,
                holder=holder,
                lease=lease,
                pace=Pace.per_second(provider.name, provider.requests_per_second),
                releases=self._releases,
                writes=self._writes,
            )
            kept = _Kept(slot, holder, loop.time() + lease)
        elif kept.next_start > loop.time():
            await asyncio.sleep(kept.next_start - loop.time())
        kept.next_start = loop.time() + provider.concurrency / provider.requests_per_second
        try:
            yield kept.slot
        finally:
            idle = self._kept.setdefault(provider.name, [])
            idle.append(kept)
            kept.idle = loop.call_later(KEEP_IDLE, self._give_back, provider.name, kept)

    def _reusable(self, provider: Provider, now: float) -> _Kept | None:
        """A kept slot whose lease still covers a request, if any; the others go back."""
        idle = self._kept.get(provider.name, [])
        while idle:
            kept = idle.pop()
            if kept.idle is not None:
                kept.idle.cancel()
            if kept.slot < provider.concurrency and kept.expires - now > provider.timeout + 1:
                return kept
            self._give_back(provider.name, kept)
        return None

    def _give_back(self, provider: str, kept: _Kept) -> None:
        """Release a kept slot (in the background); it is no longer this process's."""
        idle = self._kept.get(provider, [])
        if kept in idle:
            idle.remove(kept)
        guard = self._writes if self._writes is not None else nullcontext()
        task = asyncio.get_running_loop().create_task(
            release_slot(self.db, provider, kept.slot, kept.holder, guard, self._releases)
        )
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def aclose(self) -> None:
        """Release every kept slot now (the engine is closing)."""
        for provider, idle in list(self._kept.items()):
            for kept in list(idle):
                if kept.idle is not None:
                    kept.idle.cancel()
                self._give_back(provider, kept)
        if self._releasing:
            await asyncio.gather(*self._releasing, return_exceptions=True)
