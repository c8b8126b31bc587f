"""The users table (seed story AC1) and the engine's per-backend behaviour."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from workbench.accounts.users import create_user, get_user_by_email
from workbench.db import Database, begin_write, migrate
from workbench.db.models import Role, Tier, User
from workbench.errors import AlreadyExists


async def test_user_has_every_ac1_column_with_its_default(db: Database) -> None:
    async with db.session() as session:
        created = await create_user(session, email="Ada@Example.org", hashed_password="h")
        await session.commit()
        user_id = created.id

    async with db.session() as session:
        user = await session.get_one(User, user_id)
    assert isinstance(user.id, uuid.UUID)
    assert user.email == "ada@example.org"
    assert user.hashed_password == "h"
    assert user.tier == "free"
    assert user.role is Role.TRANSLATOR
    assert user.is_active is True
    assert user.daily_translation_count == 0
    for stamp in (user.created_at, user.updated_at):
        assert stamp.tzinfo is not None
        assert stamp.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)


async def test_updated_at_moves_on_update(db: Database) -> None:
    async with db.session() as session:
        user = await create_user(session, email="u@example.org", hashed_password="h")
        await session.commit()
        before = user.updated_at
        await asyncio.sleep(0.01)
        user.tier = "pro"
        await session.commit()
    async with db.session() as session:
        stored = await session.get_one(User, user.id)
    assert stored.tier == "pro"
    assert stored.updated_at > before
    assert stored.created_at == user.created_at


@pytest.mark.parametrize("second", ["ADA@example.org", " ada@EXAMPLE.ORG ", "ada@example.org"])
async def test_duplicate_email_is_refused_case_insensitively(db: Database, second: str) -> None:
    async with db.session() as session:
        await create_user(session, email="ada@example.org", hashed_password="h")
        await session.commit()
    async with db.session() as session:
        with pytest.raises(AlreadyExists, match=r"^a user with the email ada@example\.org"):
            await create_user(session, email=second, hashed_password="h")
    async with db.session() as session:
        count = len((await session.scalars(select(User))).all())
    assert count == 1


async def test_lookup_by_email_ignores_case(db: Database) -> None:
    async with db.session() as session:
        await create_user(session, email="Grace@Example.org", hashed_password="h")
        await session.commit()
        assert (await get_user_by_email(session, "GRACE@example.ORG")).email == "grace@example.org"


async def test_foreign_keys_are_enforced(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(IntegrityError):
            await create_user(session, email="x@example.org", hashed_password="h", tier="nope")


async def test_tier_rename_cascades_to_users(db: Database) -> None:
    async with db.session() as session:
        user = await create_user(session, email="t@example.org", hashed_password="h", tier="pro")
        await session.commit()
        await session.execute(update(Tier).where(Tier.name == "pro").values(name="premium"))
        await session.commit()
        await session.refresh(user)
    assert user.tier == "premium"


async def test_naive_datetimes_are_refused(db: Database) -> None:
    async with db.session() as session:
        user = await create_user(session, email="n@example.org", hashed_password="h")
        user.subscription_expires_at = datetime(2030, 1, 1)  # noqa: DTZ001  (the point of the test)
        with pytest.raises(Exception, match="naive datetime"):
            await session.flush()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}")
    await migrate.upgrade(url)
    async with Database(url) as database:
        yield database


async def test_sqlite_read_then_write_transactions_queue_instead_of_failing(
    sqlite_db: Database,
) -> None:
    """BEGIN IMMEDIATE makes SQLite writers wait for each other instead of failing."""
    async with sqlite_db.session() as session:
        user = await create_user(session, email="c@example.org", hashed_password="h")
        await session.commit()

    async def bump() -> None:
        async with sqlite_db.session() as session:
            await begin_write(session)
            current = await session.scalar(
                select(User.daily_translation_count).where(User.id == user.id)
            )
            assert current is not None
            await asyncio.sleep(0.005)
            await session.execute(
                update(User).where(User.id == user.id).values(daily_translation_count=current + 1)
            )
            await session.commit()

    await asyncio.gather(*(bump() for _ in range(20)))
    async with sqlite_db.session() as session:
        stored = await session.get_one(User, user.id)
    assert stored.daily_translation_count == 20


async def test_begin_write_must_start_the_transaction(sqlite_db: Database) -> None:
    async with sqlite_db.session() as session:
        await session.execute(select(1))
        with pytest.raises(RuntimeError, match="must start the transaction"):
            await begin_write(session)


async def test_sqlite_connection_settings(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30_000
