"""Usage reports: translations and characters per day and per provider.

Read from ``usage_events``. Days are quota days (``WORKBENCH_QUOTA_TIMEZONE``), the same
days the daily quota counts. The database sums per hour (one indexed range scan); the
hours are then put into local days here, so both backends share one query shape.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from workbench.accounts.quotas import quota_day, quota_month, quota_zone
from workbench.db.base import utcnow
from workbench.db.models import UsageEvent


@dataclass
class DayUsage:
    day: date
    translations: int = 0
    characters: int = 0
    characters_by_provider: dict[str, int] = field(default_factory=dict)


def _hour(session: AsyncSession) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", UsageEvent.created_at)
    return func.to_char(func.timezone("UTC", UsageEvent.created_at), "YYYY-MM-DD HH24")


async def daily_usage(
    session: AsyncSession,
    *,
    days: int = 30,
    user_id: uuid.UUID | None = None,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> list[DayUsage]:
    """The last ``days`` quota days, oldest first, today included; days without use are zero."""
    now = now or utcnow()
    zone = zone or quota_zone()
    today = quota_day(now, zone)
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
    hour = _hour(session).label("hour")
    query = (
        select(
            hour,
            UsageEvent.provider,
            func.sum(UsageEvent.translations),
            func.sum(UsageEvent.characters),
        )
        .where(UsageEvent.created_at >= since)
        .group_by(hour, UsageEvent.provider)
    )
    if user_id is not None:
        query = query.where(UsageEvent.user_id == user_id)
    result = {first + timedelta(days=n): DayUsage(first + timedelta(days=n)) for n in range(days)}
    for hour_text, provider, translations, characters in await session.execute(query):
        start = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=UTC)
        bucket = result.get(start.astimezone(zone).date())
        if bucket is None:  # an hour that began before the first local day
            continue
        bucket.translations += int(translations or 0)
        bucket.characters += int(characters or 0)
        by_provider = bucket.characters_by_provider
        by_provider[provider] = by_provider.get(provider, 0) + int(characters or 0)
    return list(result.values())


async def month_characters_by_provider(
    session: AsyncSession, *, now: datetime | None = None, zone: tzinfo | None = None
) -> dict[str, int]:
    """Characters sent to each provider in the current quota month."""
    now = now or utcnow()
    zone = zone or quota_zone()
    month = quota_month(now, zone)
    since = datetime.combine(month, datetime.min.time(), zone).astimezone(UTC)
    rows = await session.execute(
        select(UsageEvent.provider, func.sum(UsageEvent.characters))
        .where(UsageEvent.created_at >= since)
        .group_by(UsageEvent.provider)
        .order_by(UsageEvent.provider)
    )
    return {provider: int(characters or 0) for provider, characters in rows}
