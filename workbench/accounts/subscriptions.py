"""Subscriptions: a user's tier holds from its start until its optional expiry.

No job ever downgrades anyone: from the expiry instant on, every limit check simply uses
the default tier (``free``) instead of the stored one. Renewing is setting the tier again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.tiers import DEFAULT_TIER
from workbench.db.base import utcnow
from workbench.db.models import Tier, User
from workbench.errors import NotFound


def effective_tier(user: User, now: datetime) -> str:
    """The name of the tier whose limits apply to ``user`` at ``now``."""
    return effective_tier_name(user.tier, user.subscription_expires_at, now)


def effective_tier_name(tier: str, expires_at: datetime | None, now: datetime) -> str:
    """The rule itself, for callers that selected the two columns rather than a ``User``."""
    if expires_at is not None and now >= expires_at:
        return DEFAULT_TIER
    return tier


def subscription_expired(user: User, now: datetime) -> bool:
    expires = user.subscription_expires_at
    return expires is not None and now >= expires


async def load_effective_tier(
    session: AsyncSession, user: User, now: datetime | None = None
) -> Tier:
    """The :class:`Tier` row whose limits apply to ``user`` now."""
    name = effective_tier(user, now or utcnow())
    tier = await session.scalar(select(Tier).where(Tier.name == name))
    if tier is None:  # the foreign key keeps users' tiers; only the default can be missing
        raise NotFound(f"the tier {name!r} does not exist; run `workbench init` to restore it")
    return tier


@dataclass(frozen=True)
class Subscription:
    """A user's plan at one instant: the tier whose limits apply, and what is stored."""

    user_id: uuid.UUID
    tier: Tier
    stored_tier: str
    expires_at: datetime | None
    is_active: bool

    @property
    def expired(self) -> bool:
        return self.tier.name != self.stored_tier


async def current_subscription(
    session: AsyncSession, user_id: uuid.UUID, now: datetime | None = None
) -> Subscription:
    """Read the user's tier and expiry (fresh) and resolve the tier that applies."""
    now = now or utcnow()
    row = (
        await session.execute(
            select(User.tier, User.subscription_expires_at, User.is_active, Tier)
            .join(Tier, Tier.name == User.tier)
            .where(User.id == user_id)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no user with the id {user_id}")
    tier = row.Tier
    name = effective_tier_name(row.tier, row.subscription_expires_at, now)
    if name != tier.name:
        tier = await session.scalar(
            select(Tier).where(Tier.name == name).execution_options(populate_existing=True)
        )
        if tier is None:
            raise NotFound(f"the tier {name!r} does not exist; run `workbench init` to restore it")
    return Subscription(
        user_id=user_id,
        tier=tier,
        stored_tier=row.tier,
        expires_at=row.subscription_expires_at,
        is_active=row.is_active,
    )
