"""Dashboard components built against a real database on both backends, as a real user."""

from __future__ import annotations

from collections.abc import Iterator

import argon2
import pytest

from tests.accounts.support import add_user
from workbench.accounts import passwords
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import Role, User
from workbench.ui.context import Context
from workbench.ui.i18n import Texts

ADMIN_EMAIL = "admin@example.com"
TRANSLATOR_EMAIL = "translator@example.com"


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    previous = passwords.current_parameters()
    passwords.use_parameters(argon2.profiles.CHEAPEST)
    yield
    passwords.use_parameters(previous)


async def context_for(db: Database, email: str, lang: str = "en") -> Context:
    async with db.session() as session:
        from workbench.accounts.users import get_user

        user = await get_user(session, email)
    return Context(db, user, Texts(lang), get_settings())


@pytest.fixture
async def admin(db: Database) -> User:
    await add_user(db, ADMIN_EMAIL, role=Role.ADMIN)
    return (await context_for(db, ADMIN_EMAIL)).user


@pytest.fixture
async def translator(db: Database) -> User:
    await add_user(db, TRANSLATOR_EMAIL, role=Role.TRANSLATOR)
    return (await context_for(db, TRANSLATOR_EMAIL)).user


@pytest.fixture
async def ctx(db: Database, admin: User) -> Context:
    """An admin's context, in English."""
    return await context_for(db, admin.email)


@pytest.fixture
async def translator_ctx(db: Database, translator: User) -> Context:
    return await context_for(db, translator.email)
