"""Subscriptions: an expired tier counts as free from the expiry instant, with no job."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.accounts.support import OPERATOR, add_user, load_user
from workbench.accounts import quotas, users
from workbench.accounts.subscriptions import current_subscription, effective_tier
from workbench.db import Database
from workbench.db.models import User
from workbench.errors import InvalidInput, ProviderNotAllowed, QuotaExceeded

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXPIRY = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
JUST_BEFORE = EXPIRY - timedelta(microseconds=1)


async def pro_until_expiry(db: Database) -> tuple[uuid.UUID, User]:
    user_id = await add_user(db, "sub@example.org")
    async with db.session() as session:
        await users.set_tier(session, user_id, "pro", actor=OPERATOR, expires_at=EXPIRY, now=START)
        await session.commit()
    return user_id, await load_user(db, user_id)


async def test_the_tier_applies_until_the_expiry_instant_then_free(db: Database) -> None:
    _user_id, user = await pro_until_expiry(db)
    assert effective_tier(user, JUST_BEFORE) == "pro"
    assert effective_tier(user, EXPIRY) == "free"


async def test_limits_fall_back_to_free_at_the_expiry_instant(db: Database) -> None:
    user_id, _user = await pro_until_expiry(db)
    utc = ZoneInfo("UTC")

    async with db.session() as session:
        before = await quotas.get_allowance(session, user_id, now=JUST_BEFORE, zone=utc)
        at = await quotas.get_allowance(session, user_id, now=EXPIRY, zone=utc)
        sub_before = await current_subscription(session, user_id, JUST_BEFORE)
        sub_at = await current_subscription(session, user_id, EXPIRY)
    assert (before.tier, before.translation_limit, before.character_limit) == (
        "pro",
        500,
        5_000_000,
    )
    assert (at.tier, at.translation_limit, at.character_limit) == ("free", 10, 100_000)
    assert not sub_before.expired
    assert sub_at.expired
    assert sub_at.stored_tier == "pro"

    async with db.session() as session:
        await quotas.consume(
            session, user_id, provider="deepl", translations=11, now=JUST_BEFORE, zone=utc
        )
        await session.commit()
    async with db.session() as session:
        with pytest.raises(
            ProviderNotAllowed, match="free tier does not include the provider deepl"
        ):
            await quotas.consume(
                session, user_id, provider="deepl", translations=1, now=EXPIRY, zone=utc
            )
        with pytest.raises(QuotaExceeded, match="11 of 10 used"):
            await quotas.consume(
                session, user_id, provider="pseudo", translations=1, now=EXPIRY, zone=utc
            )


async def test_set_tier_records_the_period_and_renewal_extends_it(db: Database) -> None:
    user_id, user = await pro_until_expiry(db)
    assert user.subscription_started_at == START
    later = EXPIRY + timedelta(days=30)
    async with db.session() as session:
        await users.set_tier(session, user_id, "pro", actor=OPERATOR, expires_at=later, now=EXPIRY)
        await session.commit()
    renewed = await load_user(db, user_id)
    assert (renewed.subscription_started_at, renewed.subscription_expires_at) == (EXPIRY, later)
    assert effective_tier(renewed, EXPIRY) == "pro"

    async with db.session() as session:
        await users.set_tier(session, user_id, "free", actor=OPERATOR)
        await session.commit()
    back = await load_user(db, user_id)
    assert (back.tier, back.subscription_started_at, back.subscription_expires_at) == (
        "free",
        None,
        None,
    )


async def test_invalid_expiries_are_refused(db: Database) -> None:
    user_id = await add_user(db, "bad@example.org")
    naive = datetime(2030, 1, 1)  # noqa: DTZ001  (the point of the test)
    cases = [
        ("pro", START - timedelta(seconds=1), "in the future"),
        ("pro", naive, "needs a time zone"),
        ("free", EXPIRY, "does not expire"),
    ]
    async with db.session() as session:
        for tier, expires_at, message in cases:
            with pytest.raises(InvalidInput, match=message):
                await users.set_tier(
                    session, user_id, tier, actor=OPERATOR, expires_at=expires_at, now=START
                )
    assert (await load_user(db, user_id)).tier == "free"
