"""What every ``workbench`` command module shares: running async work, opening the database.

A command is one ``asyncio.run`` against the configured database, which must exist and be
at the current schema (``workbench init`` makes it so); our errors reach
:func:`workbench.cli.main`, which prints them as one line with the exit code of DESIGN §3.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.config import get_settings
from workbench.db import Database, migrate
from workbench.errors import ConfigError

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one command's async work to completion."""
    return asyncio.run(coro)


def configured_url() -> URL:
    """The configured database's URL; a SQLite file that is not there yet is refused."""
    url = get_settings().async_database_url
    path = url.database if url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not Path(path).is_file():
        raise ConfigError(f"there is no database at {path}; run `workbench init` first")
    return url


def configured_database() -> Database:
    """The configured database; a SQLite file that is not there yet is refused, not created."""
    configured_url()
    return Database.from_settings(get_settings())


@asynccontextmanager
async def open_database() -> AsyncIterator[Database]:
    """The configured database, refused with one clear line unless its schema is current."""
    database = configured_database()
    try:
        await migrate.require_current_schema(database.url)
        yield database
    finally:
        await database.dispose()


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one session and commit it."""
    async with open_database() as database, database.session() as session:
        result = await work(session)
        await session.commit()
        return result
