"""Usage reports count each event on the quota day it happened, in the quota time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from workbench.accounts.usage import daily_usage, month_characters_by_provider
from workbench.db import Database
from workbench.db.models import UsageEvent

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


async def add_events(db: Database, *events: tuple[datetime, str, int]) -> None:
    async with db.session() as session:
        await session.execute(
            insert(UsageEvent),
            [
                {
                    "id": uuid.uuid4(),
                    "provider": provider,
                    "characters": characters,
                    "translations": 1,
                    "created_at": when,
                }
                for when, provider, characters in events
            ],
        )
        await session.commit()


async def test_days_follow_the_quota_zone_and_empty_days_are_zero(db: Database) -> None:
    paris = ZoneInfo("Europe/Paris")  # UTC+1 in March before the switch
    await add_events(
        db,
        (datetime(2026, 3, 9, 23, 30, tzinfo=UTC), "deepl", 100),  # 10 March in Paris
        (datetime(2026, 3, 9, 22, 30, tzinfo=UTC), "deepl", 10),  # 9 March in Paris
        (datetime(2026, 3, 10, 8, 0, tzinfo=UTC), "pseudo", 5),
        (NOW - timedelta(days=40), "deepl", 999),  # outside the window
    )
    async with db.session() as session:
        days = await daily_usage(session, days=3, now=NOW, zone=paris)
    assert [day.day.isoformat() for day in days] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert [day.translations for day in days] == [0, 1, 2]
    assert days[2].characters_by_provider == {"deepl": 100, "pseudo": 5}
    assert days[1].characters == 10


async def test_one_users_usage_and_the_months_totals(db: Database) -> None:
    await add_events(
        db,
        (NOW - timedelta(hours=1), "deepl", 300),
        (datetime(2026, 3, 1, 0, 30, tzinfo=UTC), "openai", 50),
        (datetime(2026, 2, 28, 23, 30, tzinfo=UTC), "openai", 7),  # last month
    )
    async with db.session() as session:
        totals = await month_characters_by_provider(session, now=NOW, zone=UTC)
        nobody = await daily_usage(session, days=2, now=NOW, zone=UTC, user_id=uuid.uuid4())
    assert totals == {"deepl": 300, "openai": 50}
    assert sum(day.translations for day in nobody) == 0
