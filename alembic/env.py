"""Alembic environment for the workbench (async template).

A caller that already holds a connection (code with a running event loop: a notebook
kernel, a test, ``workbench init``) passes it in ``config.attributes["connection"]``
and the migrations run on it. Otherwise, from the ``alembic`` command line, an async
engine is made from the workbench settings. Offline (``--sql``) mode renders SQL for the
configured database's dialect.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from workbench.config import get_settings
from workbench.db import models  # noqa: F401  (registers every table on Base.metadata)
from workbench.db.base import Base
from workbench.db.engine import Database

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: later migrations copy and move tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=get_settings().async_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    # Foreign keys stay off on SQLite while tables are copied and moved by batch mode,
    # otherwise dropping the old copy would cascade into the rows that refer to it.
    database = Database.from_settings(sqlite_foreign_keys=False)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_run_on)
    finally:
        await database.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
    else:
        asyncio.run(_run_with_own_engine())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
