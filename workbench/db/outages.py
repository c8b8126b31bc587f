"""Database outages: telling a lost connection from a bug, and riding it out.

A PostgreSQL restart or failover, a network blip, SQLite busy past its timeout: the
statement fails, but doing the same work again once the database answers is right. A
bug (a constraint violated, bad SQL) fails the same way every time and must not be
retried for ever. :func:`lost_connection` says which an error is, from what the driver
reported; :class:`Outages` waits with a bounded backoff and logs one line when an outage
starts and one when it ends, however many tasks of the process noticed it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from sqlalchemy import exc

T = TypeVar("T")

log = logging.getLogger("workbench.db")

# Waits between tries grow from the first to the longest: a restart of a few seconds is
# ridden out within a second of its end, and a long outage costs one probe per 5 s.
FIRST_WAIT = 0.25
LONGEST_WAIT = 5.0

# PostgreSQL's SQLSTATEs for "the connection, not the statement": class 08 (connection
# exception), the server shutting down or starting up, too many connections.
_POSTGRES_OUTAGE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite: busy past the busy timeout, the file unreachable or failing (a full or gone disk).
_SQLITE_OUTAGE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
    }
)

# What connecting raises before the driver has a connection to blame.
_SOCKET_ERRORS = (ConnectionError, TimeoutError, socket.gaierror)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those behind it (SQLAlchemy's ``orig``, ``raise … from``)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__]


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached, not that the work is wrong.

    Connecting fails with the socket's own error (refused, reset, timed out, name not
    resolved); a connection lost mid-statement is one the driver reports as such.
    """
    return any(
        _driver_says_lost(cause) or isinstance(cause, _SOCKET_ERRORS) for cause in _chain(error)
    )


def _driver_says_lost(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    state = getattr(error, "sqlstate", None)  # asyncpg's errors carry it
    if isinstance(state, str) and (state.startswith("08") or state in _POSTGRES_OUTAGE_STATES):
        return True
    code = getattr(error, "sqlite_errorcode", None)
    # The low byte is the primary code; the rest says which I/O error, for instance.
    if not isinstance(error, sqlite3.Error) or not isinstance(code, int):
        return False
    return code & 0xFF in _SQLITE_OUTAGE_CODES


class Outages:
    """One process's view of its database's outages: when one started, and waiting it out.

    Every task that meets an outage calls :meth:`lost`; the first logs it. The first
    success afterwards (:meth:`back`) logs how long it lasted.
    """

    def __init__(self, name: str, ping: Callable[[], Awaitable[None]]) -> None:
        self.name = name  # the database, as shown in logs (no password)
        self._ping = ping  # raises when the database does not answer
        self.count = 0  # outages seen since the process started
        self._since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def lost(self, error: BaseException) -> None:
        if self._since is None:
            self._since = time.monotonic()
            self.count += 1
            log.warning(
                "database %s unavailable (%s); waiting for it to come back",
                self.name,
                describe(error),
            )

    def back(self) -> None:
        if self._since is not None:
            log.warning(
                "database %s is back after %.1f s", self.name, time.monotonic() - self._since
            )
            self._since = None

    async def is_outage(self, error: BaseException) -> bool:
        """Whether ``error`` came from the database going away.

        A socket error the driver did not report as its own may come from elsewhere (a
        provider's client, say): it counts only if the database does not answer now, so
        a failure elsewhere is never waited out as an outage, over and over.
        """
        if not lost_connection(error):
            return False
        if any(_driver_says_lost(cause) for cause in _chain(error)):
            return True
        try:
            await self._ping()
        except Exception as probe:
            return lost_connection(probe)
        return False

    async def retry(
        self,
        operation: Callable[[], Awaitable[T]],
        *,
        give_up: Callable[[], bool] = lambda: False,
    ) -> T:
        """Run ``operation`` until it does not fail on a lost connection.

        ``give_up`` is asked before each wait (a worker stopping): then the outage's error
        is raised. Any other error is raised at once.
        """
        waits = backoff()
        while True:
            try:
                result = await operation()
            except Exception as error:
                if not lost_connection(error) or give_up():
                    raise
                self.lost(error)
                await asyncio.sleep(next(waits))
                continue
            self.back()
            return result


def backoff() -> Iterator[float]:
    """Waits that double from :data:`FIRST_WAIT` up to :data:`LONGEST_WAIT`, then stay."""
    wait = FIRST_WAIT
    while True:
        yield wait
        wait = min(wait * 2, LONGEST_WAIT)


def describe(error: BaseException) -> str:
    """The driver's reason in a few words: the first line of the error it started from."""
    innermost = error
    while (behind := getattr(innermost, "orig", None) or innermost.__cause__) is not None:
        innermost = behind
    if isinstance(innermost, ConnectionRefusedError):
        return "connection refused"
    text = str(innermost).strip().splitlines()[0] if str(innermost).strip() else ""
    return text[:200] or type(innermost).__name__
