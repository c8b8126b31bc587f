"""Quotas hold exactly under concurrency, roll over by day and month, and refund exactly."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.accounts.support import OPERATOR, add_tier, add_user, load_user
from workbench.accounts import quotas, users
from workbench.accounts.quotas import consume, get_allowance, refund, reserve, settle
from workbench.db import Database
from workbench.db.models import UsageEvent
from workbench.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    ProviderNotAllowed,
    QuotaExceeded,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


async def usage_totals(db: Database, user_id: uuid.UUID | None) -> tuple[int, int, int]:
    """(events, translations, characters) recorded for the user."""
    async with db.session() as session:
        row = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(UsageEvent.translations), 0),
                    func.coalesce(func.sum(UsageEvent.characters), 0),
                ).where(UsageEvent.user_id == user_id)
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def take(
    db: Database,
    user_id: uuid.UUID,
    *,
    translations: int = 0,
    characters: int = 0,
    now: datetime = NOW,
    provider: str = "pseudo",
    zone: ZoneInfo | None = None,
) -> quotas.Allowance:
    async with db.session() as session:
        allowance = await consume(
            session,
            user_id,
            provider=provider,
            translations=translations,
            characters=characters,
            now=now,
            zone=zone or ZoneInfo("UTC"),
        )
        await session.commit()
        return allowance


async def test_200_concurrent_consumers_get_exactly_the_daily_limit(db: Database) -> None:
    await add_tier(db, "fifty", daily_translation_limit=50, allowed_providers=["pseudo"])
    user_id = await add_user(db, "busy@example.org", tier="fifty")

    async def attempt() -> bool:
        async with db.session() as session:
            try:
                await consume(session, user_id, provider="pseudo", translations=1, now=NOW)
            except QuotaExceeded:
                await session.rollback()
                return False
            await session.commit()
            return True

    outcomes = await asyncio.gather(*(attempt() for _ in range(200)))

    assert outcomes.count(True) == 50
    assert outcomes.count(False) == 150
    user = await load_user(db, user_id)
    assert user.daily_translation_count == 50
    assert user.daily_count_date == NOW.date()
    assert await usage_totals(db, user_id) == (50, 50, 0)


async def test_concurrent_random_character_batches_never_exceed_the_monthly_limit(
    db: Database,
) -> None:
    limit = 100_000
    await add_tier(db, "chars", monthly_character_limit=limit, allowed_providers=["pseudo"])
    user_id = await add_user(db, "chars@example.org", tier="chars")
    sizes = [random.randint(1, 5_000) for _ in range(200)]

    async def attempt(size: int) -> tuple[int, bool]:
        async with db.session() as session:
            try:
                await consume(session, user_id, provider="pseudo", characters=size, now=NOW)
            except QuotaExceeded:
                await session.rollback()
                return size, False
            await session.commit()
            return size, True

    outcomes = await asyncio.gather(*(attempt(size) for size in sizes))

    admitted = sum(size for size, ok in outcomes if ok)
    refused = [size for size, ok in outcomes if not ok]
    stored = (await load_user(db, user_id)).monthly_character_count
    assert admitted == stored
    assert admitted <= limit
    assert refused, "the sizes add up to far more than the limit"
    # The counter only grows, so each refusal was right: it still would not fit now.
    assert all(stored + size > limit for size in refused)
    assert await usage_totals(db, user_id) == (len(sizes) - len(refused), 0, admitted)


async def test_usage_of_one_day_does_not_count_the_next_day(db: Database) -> None:
    user_id = await add_user(db, "daily@example.org")  # free: 10 translations a day
    last_second = datetime(2026, 3, 10, 23, 59, 59, 999_999, tzinfo=UTC)
    await take(db, user_id, translations=10, now=last_second)
    with pytest.raises(QuotaExceeded):
        await take(db, user_id, translations=1, now=last_second)

    midnight = datetime(2026, 3, 11, tzinfo=UTC)
    allowance = await take(db, user_id, translations=1, now=midnight)

    assert allowance.translations_used == 1
    assert allowance.translations_left == 9
    user = await load_user(db, user_id)
    assert (user.daily_translation_count, user.daily_count_date) == (1, midnight.date())


async def test_the_quota_day_follows_the_configured_zone(db: Database) -> None:
    paris = ZoneInfo("Europe/Paris")
    user_id = await add_user(db, "paris@example.org")
    before_midnight_paris = datetime(2026, 6, 1, 21, 59, tzinfo=UTC)  # 23:59 in Paris
    after_midnight_paris = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)  # 00:00 on June 2
    await take(db, user_id, translations=10, now=before_midnight_paris, zone=paris)

    allowance = await take(db, user_id, translations=10, now=after_midnight_paris, zone=paris)

    assert allowance.day.isoformat() == "2026-06-02"
    assert allowance.day_resets_at == datetime(2026, 6, 2, 22, 0, tzinfo=UTC)


async def test_characters_roll_over_with_the_month(db: Database) -> None:
    user_id = await add_user(db, "monthly@example.org")  # free: 100,000 characters a month
    january = datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)
    await take(db, user_id, characters=100_000, now=january)
    with pytest.raises(QuotaExceeded, match="resets at 2026-02-01 00:00 UTC"):
        await take(db, user_id, characters=1, now=january)

    february = datetime(2026, 2, 1, tzinfo=UTC)
    allowance = await take(db, user_id, characters=500, now=february)

    assert (allowance.characters_used, allowance.characters_left) == (500, 99_500)
    user = await load_user(db, user_id)
    assert user.monthly_count_month == february.date()
    assert (await usage_totals(db, user_id))[2] == 100_500


async def test_a_lagging_clock_counts_into_the_newer_day_instead_of_resetting(
    db: Database,
) -> None:
    user_id = await add_user(db, "skew@example.org")
    await take(db, user_id, translations=6, now=datetime(2026, 3, 11, 0, 0, 1, tzinfo=UTC))

    await take(db, user_id, translations=4, now=datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC))

    user = await load_user(db, user_id)
    assert (user.daily_translation_count, user.daily_count_date.isoformat()) == (10, "2026-03-11")


async def test_quota_exceeded_names_the_limit_and_when_it_resets(db: Database) -> None:
    user_id = await add_user(db, "full@example.org")
    await take(db, user_id, translations=8)

    with pytest.raises(QuotaExceeded) as raised:
        await take(db, user_id, translations=3)

    assert str(raised.value) == (
        "daily translation limit of the free tier reached: 8 of 10 used, 3 more asked; "
        "it resets at 2026-03-11 00:00 UTC"
    )
    assert raised.value.exit_code == 3
    assert (await load_user(db, user_id)).daily_translation_count == 8


async def test_one_counter_over_its_limit_takes_nothing_from_the_other(db: Database) -> None:
    user_id = await add_user(db, "both@example.org")
    with pytest.raises(QuotaExceeded, match="monthly character limit"):
        await take(db, user_id, translations=1, characters=100_001)
    user = await load_user(db, user_id)
    assert (user.daily_translation_count, user.monthly_character_count) == (0, 0)
    assert await usage_totals(db, user_id) == (0, 0, 0)


async def test_unlimited_tiers_still_count(db: Database) -> None:
    await add_tier(db, "unlimited", allowed_providers=["pseudo", "deepl"])
    user_id = await add_user(db, "big@example.org", tier="unlimited")

    allowance = await take(db, user_id, translations=1_000_000, characters=10**12)

    assert allowance.translations_left is None
    assert allowance.characters_left is None
    user = await load_user(db, user_id)
    assert (user.daily_translation_count, user.monthly_character_count) == (1_000_000, 10**12)


async def test_the_tier_must_include_the_provider(db: Database) -> None:
    user_id = await add_user(db, "free@example.org")
    with pytest.raises(ProviderNotAllowed, match="free tier does not include the provider deepl"):
        await take(db, user_id, translations=1, provider="deepl")
    with pytest.raises(InvalidInput, match="unknown provider 'bing'"):
        await take(db, user_id, translations=1, provider="bing")
    assert (await load_user(db, user_id)).daily_translation_count == 0


async def test_deactivated_and_unknown_users_cannot_consume(db: Database) -> None:
    user_id = await add_user(db, "gone@example.org")
    async with db.session() as session:
        await users.set_active(session, user_id, False, actor=OPERATOR)
        await session.commit()
    with pytest.raises(PermissionDenied, match="deactivated"):
        await take(db, user_id, translations=1)
    with pytest.raises(NotFound):
        await take(db, uuid.uuid4(), translations=1)


async def test_amounts_and_models_are_validated(db: Database) -> None:
    user_id = await add_user(db, "amounts@example.org")
    for amount in (-1, 2**31, True, 1.5):
        with pytest.raises(InvalidInput, match="whole number"):
            await take(db, user_id, translations=amount)  # type: ignore[arg-type]
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="model name"):
            await consume(session, user_id, provider="pseudo", translations=1, model="a\x00b")
    assert (await load_user(db, user_id)).daily_translation_count == 0


async def test_reserve_then_settle_with_less_refunds_the_rest(db: Database) -> None:
    user_id = await add_user(db, "batch@example.org")
    async with db.session() as session:
        reservation = await reserve(
            session, user_id, provider="pseudo", translations=5, characters=1_000, now=NOW
        )
        await session.commit()
    assert reservation.allowance is not None
    assert reservation.allowance.characters_used == 1_000
    async with db.session() as session:
        others = await consume(session, user_id, provider="pseudo", characters=50, now=NOW)
        await session.commit()
    assert others.characters_used == 1_050

    async with db.session() as session:
        await settle(session, reservation, translations=3, characters=600, now=NOW)
        await session.commit()

    user = await load_user(db, user_id)
    assert (user.daily_translation_count, user.monthly_character_count) == (3, 650)
    assert await usage_totals(db, user_id) == (2, 3, 650)
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="already been settled"):
            await settle(session, reservation, translations=0, characters=0)


async def test_settle_never_exceeds_the_reservation(db: Database) -> None:
    user_id = await add_user(db, "greedy@example.org")
    async with db.session() as session:
        reservation = await reserve(session, user_id, provider="pseudo", characters=100, now=NOW)
        await session.commit()
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="101 characters used but only 100 reserved"):
            await settle(session, reservation, translations=0, characters=101)
    assert not reservation.settled
    assert (await load_user(db, user_id)).monthly_character_count == 100
    assert await usage_totals(db, user_id) == (0, 0, 0)


async def test_refund_gives_back_exactly_and_never_below_zero(db: Database) -> None:
    user_id = await add_user(db, "refund@example.org")
    async with db.session() as session:
        reservation = await reserve(
            session, user_id, provider="pseudo", translations=4, characters=300, now=NOW
        )
        await session.commit()
    async with db.session() as session:
        await users.reset_daily_count(session, user_id, actor=OPERATOR)  # an admin's gift
        await session.commit()

    async with db.session() as session:
        await refund(session, reservation)
        await session.commit()

    user = await load_user(db, user_id)
    assert (user.daily_translation_count, user.monthly_character_count) == (0, 0)
    assert await usage_totals(db, user_id) == (0, 0, 0)


async def test_a_refund_after_the_month_ended_leaves_the_new_month_alone(db: Database) -> None:
    user_id = await add_user(db, "late@example.org")
    async with db.session() as session:
        reservation = await reserve(
            session,
            user_id,
            provider="pseudo",
            characters=5_000,
            now=datetime(2026, 3, 31, 23, 0, tzinfo=UTC),
        )
        await session.commit()
    april = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    await take(db, user_id, characters=700, now=april)

    async with db.session() as session:
        await settle(session, reservation, translations=0, characters=1_000, now=april)
        await session.commit()

    async with db.session() as session:
        allowance = await get_allowance(session, user_id, now=april, zone=ZoneInfo("UTC"))
    assert allowance.characters_used == 700


async def test_get_allowance_reads_without_taking(db: Database) -> None:
    user_id = await add_user(db, "reader@example.org")
    await take(db, user_id, translations=2, characters=20)
    async with db.session() as session:
        today = await get_allowance(session, user_id, now=NOW, zone=ZoneInfo("UTC"))
        tomorrow = await get_allowance(
            session, user_id, now=NOW + timedelta(days=1), zone=ZoneInfo("UTC")
        )
    assert (today.translations_used, today.characters_used) == (2, 20)
    assert (tomorrow.translations_used, tomorrow.characters_used) == (0, 20)
    assert today.translations_left == 8
