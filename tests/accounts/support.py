"""Small builders shared by the accounts tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Unpack

from sqlalchemy import func, select

from workbench.accounts import tiers, users
from workbench.accounts.audit import Actor
from workbench.accounts.tiers import TierChanges
from workbench.db import Database
from workbench.db.models import AuditEntry, Role, User

OPERATOR = Actor.cli()
PASSWORD = "correct horse battery"


async def add_user(
    db: Database,
    email: str,
    *,
    tier: str | None = None,
    role: Role = Role.TRANSLATOR,
    password: str = PASSWORD,
    expires_at: datetime | None = None,
) -> uuid.UUID:
    async with db.session() as session:
        user = await users.add_user(
            session,
            email,
            password,
            actor=OPERATOR,
            tier=tier,
            role=role,
            expires_at=expires_at,
        )
        await session.commit()
        return user.id


async def add_tier(db: Database, name: str, **values: Unpack[TierChanges]) -> None:
    async with db.session() as session:
        await tiers.create_tier(session, name, actor=OPERATOR, **values)
        await session.commit()


async def load_user(db: Database, user_id: uuid.UUID) -> User:
    async with db.session() as session:
        return await session.get_one(User, user_id)


async def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    """The audit log's entries of one action (an ``AuditAction`` or a glossary's)."""
    async with db.session() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def audit_count(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)) or 0
