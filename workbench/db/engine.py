"""The async engine and session factory for SQLite (embedded) and PostgreSQL (production).

SQLite connections get foreign keys, WAL and a busy timeout; we emit ``BEGIN`` ourselves
so a transaction that reads before it writes can start as ``BEGIN IMMEDIATE``
(:func:`begin_write`) instead of failing to upgrade its lock under concurrency. A SQLite
database file is private to its owner (0600): it holds password hashes and key HMACs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, CursorResult
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable

from workbench.config import Settings, describe_url, ensure_data_dir, get_settings
from workbench.db.outages import Outages
from workbench.errors import DatabaseUnavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000
PRIVATE_FILE_MODE = 0o600
POSTGRES_CONNECT_TIMEOUT_S = 10
_BEGIN_OPTION = "sqlite_begin"
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


class Database:
    """One engine and its session factory; ``async with db.session() as s`` per task."""

    def __init__(self, url: URL, *, sqlite_foreign_keys: bool = True, **engine_args: Any) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url, sqlite_foreign_keys, engine_args)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.outages = Outages(describe_url(url), self.ping)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kwargs: Any) -> Database:
        settings = settings or get_settings()
        url = settings.async_database_url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            ensure_data_dir(settings)
        return cls(url, **kwargs)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.dispose()

    async def ping(self) -> None:
        """Check the database answers, with one clear error if it does not."""
        with unavailable_as_error(self.url):
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")


async def begin_write(session: AsyncSession) -> None:
    """Start the session's transaction as a writer: ``BEGIN IMMEDIATE`` on SQLite.

    Call it first, before the transaction reads anything. Elsewhere it just begins.
    """
    if session.in_transaction():
        raise RuntimeError("begin_write() must start the transaction, not join one")
    await session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})


async def core(
    session: AsyncSession, statement: Executable, parameters: Any = None
) -> CursorResult[Any]:
    """Execute on the session's connection (and transaction) without the ORM's machinery.

    For hot paths: an ``update(Model)`` sent through the session is an ORM bulk
    operation (identity-map bookkeeping, per-row parameter handling); on the connection
    it is the plain SQL statement. Rows come back as tuples, never as ORM objects.
    """
    connection = await session.connection()
    return await connection.execute(statement, parameters)


@contextmanager
def unavailable_as_error(url: URL) -> Iterator[None]:
    """Map a failure to reach the database into one line a person can act on."""
    try:
        yield
    except (OSError, TimeoutError, exc.DBAPIError) as error:
        reason = _reason(error)
        raise DatabaseUnavailable(
            f"cannot use the database {describe_url(url)}: {reason}; "
            "check WORKBENCH_DATABASE_URL (or WORKBENCH_DATA_DIR for SQLite)"
        ) from error


def _reason(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    if isinstance(original, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    text = str(original).strip().splitlines()[0] if str(original).strip() else ""
    if isinstance(original, OSError) and original.strerror:
        text = original.strerror
    return text or type(original).__name__


def private_sqlite_file(url: URL) -> None:
    """Make the database file of a SQLite ``url`` readable by its owner only (0600).

    SQLite creates its ``-wal`` and ``-shm`` files with the database file's permissions, so
    a file created here with 0600 before SQLite first opens it keeps all three private;
    files left readable by an earlier version are made private too.
    """
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    with suppress(FileExistsError, FileNotFoundError):  # no folder: SQLite will say so
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):  # absent, or another user's: nothing we may change
            part = Path(f"{path}{suffix}")
            if part.stat().st_mode & 0o077:
                part.chmod(PRIVATE_FILE_MODE)


def _create_engine(url: URL, sqlite_foreign_keys: bool, engine_args: dict[str, Any]) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        private_sqlite_file(url)
        engine = create_async_engine(url, **engine_args)
        _configure_sqlite(engine, foreign_keys=sqlite_foreign_keys)
        return engine
    engine_args.setdefault("pool_pre_ping", True)
    connect_args = engine_args.pop("connect_args", {})
    connect_args.setdefault("timeout", POSTGRES_CONNECT_TIMEOUT_S)
    return create_async_engine(url, connect_args=connect_args, **engine_args)


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop the driver from emitting BEGIN on its own; _on_begin does it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"unknown SQLite transaction mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")
