"""The demo data set: a living app on an empty database, and nothing added to a used one."""

from __future__ import annotations

from sqlalchemy import func, select

from workbench.accounts import passwords
from workbench.db import Database
from workbench.db.models import Glossary, Role, TranslationJob, UsageEvent, User
from workbench.server.demo import ADMIN_EMAIL, DEMO_USERS, TRANSLATOR_EMAIL, seed_demo


async def count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_empty_database_gets_accounts_that_sign_in_and_living_data(db: Database) -> None:
    accounts = await seed_demo(db, "chosen admin password")
    assert accounts is not None
    assert accounts.admin_password == "chosen admin password"
    async with db.session() as session:
        admin = await passwords.authenticate(session, ADMIN_EMAIL, accounts.admin_password)
        translator = await passwords.authenticate(
            session, TRANSLATOR_EMAIL, accounts.translator_password
        )
        tiers = set((await session.scalars(select(User.tier))).all())
    assert admin.role is Role.ADMIN
    assert translator.role is Role.TRANSLATOR
    assert tiers == {"free", "pro"}
    assert await count(db, User) == DEMO_USERS + 2
    assert await count(db, UsageEvent) > 300
    assert await count(db, Glossary) == 1
    assert await count(db, TranslationJob) == 3


async def test_a_database_with_users_is_left_alone(db: Database) -> None:
    assert await seed_demo(db) is not None
    users = await count(db, User)
    assert await seed_demo(db) is None
    assert await count(db, User) == users
