"""How account services join or start the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from workbench.db import begin_write


async def begin_if_idle(session: AsyncSession) -> None:
    """Start a writing transaction (``BEGIN IMMEDIATE`` on SQLite) unless one is open.

    Services that read and then write call this first. When the caller already holds a
    transaction it is theirs: the service joins it, and the caller commits.
    """
    if not session.in_transaction():
        await begin_write(session)
