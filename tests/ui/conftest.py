"""Dashboard components built against a real database on both backends, as a real user."""

from __future__ import annotations

import uuid
from typing import TypeVar

import ipywidgets as widgets
import pytest

from tests.accounts.conftest import cheap_hashing  # noqa: F401  (autouse here too)
from tests.accounts.support import add_user
from tests.batch.conftest import fake_deepl  # noqa: F401  (a fake DeepL on loopback)
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import Role, UsageEvent, User
from workbench.ui.component import Component
from workbench.ui.context import Context
from workbench.ui.i18n import Texts

ADMIN_EMAIL = "admin@example.com"
TRANSLATOR_EMAIL = "translator@example.com"

C = TypeVar("C", bound=Component)


async def opened(page_class: type[C], ctx: Context) -> C:
    """The page built for ``ctx``, loaded, and done with what loading started."""
    page = page_class(ctx)
    await page.load()
    await page.tasks.idle()
    return page


async def click(page: Component, button: widgets.Button) -> None:
    button.click()
    await page.tasks.idle()


async def add_usage(
    db: Database, user_id: uuid.UUID, *, characters: int, translations: int
) -> None:
    """One pseudo translation's usage, now."""
    async with db.session() as session:
        session.add(
            UsageEvent(
                user_id=user_id,
                provider="pseudo",
                characters=characters,
                translations=translations,
            )
        )
        await session.commit()


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
