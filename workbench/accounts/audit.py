"""The audit log: every admin change, with its actor, target, before and after.

Services call :func:`record` in the same transaction as the change they make, so a change
and its entry are committed (or rolled back) together. The actor is an :class:`Actor`:
a signed-in user, or the machine's operator running the CLI.

Authority is checked per action, not per page: an :class:`Actor` is what its caller knew
when it was built (a dashboard builds one when the page opens), so every service that
acts first calls :meth:`Actor.authorize` in the transaction that acts, which reads the
user's row again and refuses a user who is gone, inactive, no longer an admin, or whose
session ended since (see ``users.session_generation``).
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.db.base import utcnow
from workbench.db.models import AuditEntry, Role, User
from workbench.errors import AccessRevoked, Revocation


class AuditAction(StrEnum):
    USER_CREATE = "user.create"
    USER_SET_TIER = "user.set_tier"
    USER_SET_ROLE = "user.set_role"
    USER_ACTIVATE = "user.activate"
    USER_DEACTIVATE = "user.deactivate"
    USER_SET_PASSWORD = "user.set_password"  # noqa: S105  (an action name, not a password)
    USER_RESET_DAILY_COUNT = "user.reset_daily_count"
    USER_DELETE = "user.delete"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    TIER_CREATE = "tier.create"
    TIER_UPDATE = "tier.update"
    TIER_DELETE = "tier.delete"
    SETTINGS_UPDATE = "settings.update"


class TargetType(StrEnum):
    USER = "user"
    TIER = "tier"
    API_KEY = "api_key"
    GLOSSARY = "glossary"
    SETTINGS = "settings"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: ``id`` is None for the CLI operator.

    ``is_admin`` is what the caller knew; services act on what :meth:`authorize` reads.
    ``generation`` is the session generation a dashboard page was signed in with, None
    outside a sign-in (the CLI, a worker, a notebook in JupyterLab).
    """

    id: uuid.UUID | None
    email: str
    is_admin: bool
    generation: int | None = None

    @classmethod
    def cli(cls) -> Actor:
        """The operator of this machine: whoever can run the CLI can already open the database."""
        try:
            name = getpass.getuser()
        except OSError:  # no login name in some containers
            name = f"uid{os.getuid()}"
        return cls(id=None, email=f"cli:{name}", is_admin=True)

    @classmethod
    def of(cls, user: User, *, generation: int | None = None) -> Actor:
        return cls(
            id=user.id,
            email=user.email,
            is_admin=user.role is Role.ADMIN and user.is_active,
            generation=generation,
        )

    async def authorize(self, session: AsyncSession, *, admin: bool = False) -> Actor:
        """This actor as the database says now, or :class:`AccessRevoked` saying why not.

        Call it inside the transaction that acts, before it writes anything: on SQLite that
        transaction holds the write lock, so no change of role can slip in between. The
        CLI operator (no id) may always act. ``admin``: the action needs an admin.
        """
        if self.id is None:
            return self
        row = (
            await session.execute(
                select(User.email, User.role, User.is_active, User.session_generation).where(
                    User.id == self.id
                )
            )
        ).one_or_none()
        if row is None or not row.is_active:
            raise AccessRevoked(
                Revocation.INACTIVE, f"{self.email} is not an active user any more; ask an admin"
            )
        if self.generation is not None and row.session_generation != self.generation:
            raise AccessRevoked(
                Revocation.SIGNED_OUT,
                f"the sign-in of {row.email} on this page has ended (signed out, or the "
                "password or role changed); reload the page to sign in again",
            )
        is_admin = row.role is Role.ADMIN
        if admin and not is_admin:
            raise AccessRevoked(
                Revocation.NOT_ADMIN, f"{row.email} is not an admin; only admins can do this"
            )
        return Actor(id=self.id, email=row.email, is_admin=is_admin, generation=self.generation)


def snapshot(row: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``row`` as JSON values, for ``before`` and ``after``."""
    return {name: json_value(getattr(row, name)) for name in fields}


def json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: StrEnum,
    target_type: StrEnum,
    target_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction; it commits with the change it describes.

    ``action`` and ``target_type`` are members of a ``StrEnum``: :class:`AuditAction` and
    :class:`TargetType` here, or another package's own (e.g. glossary actions).
    """
    entry = AuditEntry(
        actor_id=actor.id,
        actor_email=actor.email,
        action=str(action),
        target_type=str(target_type),
        target_id=target_id,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        created_at=now or utcnow(),
    )
    session.add(entry)
    return entry


async def recent_entries(
    session: AsyncSession,
    *,
    limit: int = 100,
    offset: int = 0,
    action: str | None = None,
    target_id: str | None = None,
    target_type: str | None = None,
    actor_contains: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """The newest entries first, optionally filtered; ``until`` is exclusive.

    ``action`` and ``target_type`` are members of the audit enums or their values;
    ``actor_contains`` matches part of the actor's email, whatever its case.
    """
    query = (
        select(AuditEntry)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id)
        .limit(limit)
        .offset(offset)
    )
    if action is not None:
        query = query.where(AuditEntry.action == str(action))
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    if target_type is not None:
        query = query.where(AuditEntry.target_type == str(target_type))
    if actor_contains and actor_contains.strip():
        needle = actor_contains.strip().lower()
        query = query.where(func.lower(AuditEntry.actor_email).contains(needle, autoescape=True))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    return list((await session.scalars(query)).all())
