"""Users: create and look up accounts. Services take the caller's ``AsyncSession``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.db.integrity import violates_unique
from workbench.db.models import Role, User, normalise_email
from workbench.errors import AlreadyExists, NotFound


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    hashed_password: str,
    tier: str | None = None,
    role: Role = Role.TRANSLATOR,
) -> User:
    """Add a user; the email is unique case-insensitively."""
    user = User(email=email, hashed_password=hashed_password, role=role)
    if tier is not None:
        user.tier = tier
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        if violates_unique(error, User, "uq_users_email"):
            raise AlreadyExists(f"a user with the email {user.email} already exists") from error
        raise
    return user


async def get_user_by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"no user with the email {normalise_email(email)}")
    return user
