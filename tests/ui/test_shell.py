"""The page frame: who the kernel acts for, the header, access, the language switch."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import tornado.web

from tests.ui.conftest import ADMIN_EMAIL, TRANSLATOR_EMAIL
from workbench.accounts import users
from workbench.accounts.audit import Actor
from workbench.config import derived_key, get_settings
from workbench.db import Database
from workbench.db.models import Language, User
from workbench.errors import AuthenticationFailed, PermissionDenied
from workbench.ui import session
from workbench.ui.shell import App, ErrorApp, open_app


@pytest.fixture(autouse=True)
def nobody_signed_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("VOILA_SERVER_URL", raising=False)
    monkeypatch.delenv(session.USER_ENV, raising=False)
    session.sign_out()
    yield
    session.sign_out()


async def test_outside_voila_the_first_admin_or_workbench_user_is_signed_in(
    db: Database, admin: User, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.session() as s:
        assert (await session.signed_in_user(s)).email == ADMIN_EMAIL
    monkeypatch.setenv(session.USER_ENV, TRANSLATOR_EMAIL)
    async with db.session() as s:
        assert (await session.signed_in_user(s)).email == TRANSLATOR_EMAIL


async def test_under_voila_only_a_valid_token_signs_in(
    db: Database, admin: User, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    async with db.session() as s:
        with pytest.raises(PermissionDenied):
            await session.signed_in_user(s)
    session.sign_in(session.kernel_token(get_settings(), translator.id))
    async with db.session() as s:
        assert (await session.signed_in_user(s)).id == translator.id
    forged = tornado.web.create_signed_value(
        b"not the server's secret", session.TOKEN_NAME, f'{{"user": "{admin.id}"}}'
    ).decode()
    with pytest.raises(AuthenticationFailed):
        session.sign_in(forged)
    old = tornado.web.create_signed_value(
        derived_key(get_settings(), session.TOKEN_NAME),
        session.TOKEN_NAME,
        f'{{"user": "{admin.id}"}}',
        clock=lambda: time.time() - 2 * 3600,
    ).decode()
    with pytest.raises(AuthenticationFailed):
        session.sign_in(old)


async def test_admin_page_has_every_link_translator_is_refused(
    db: Database, admin: User, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await open_app("tiers", database=db)
    assert isinstance(app, App)
    for title in ("Home", "Users", "Tiers &amp; pricing", "Settings", "Translate", "Glossaries"):
        assert title in app.nav.value
    assert ADMIN_EMAIL in app.nav.value

    monkeypatch.setenv(session.USER_ENV, TRANSLATOR_EMAIL)
    with pytest.raises(PermissionDenied):
        await open_app("users", database=db)
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    session.sign_in(session.kernel_token(get_settings(), translator.id))
    refused = await open_app("users", database=db)
    assert isinstance(refused, ErrorApp)
    assert "admins only" in refused.message


async def test_switching_language_saves_the_preference_and_rebuilds_in_french(
    db: Database, admin: User
) -> None:
    app = await open_app("tiers", database=db)
    assert isinstance(app, App)
    app.language.value = "fr"
    await app.tasks.idle()
    assert "Utilisateurs" in app.nav.value
    assert "Se déconnecter" in app.nav.value
    assert app.component is not None
    assert app.component.t.lang == "fr"
    async with db.session() as s:
        stored = await s.get(User, admin.id)
        assert stored is not None
        assert stored.preferred_language is Language.FR
    again = await open_app("tiers", database=db)
    assert isinstance(again, App)
    assert "Utilisateurs" in again.nav.value


async def test_a_deactivated_user_is_not_signed_in(
    db: Database, admin: User, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:

    async with db.session() as s:
        await users.set_active(s, translator.id, False, actor=Actor.of(admin))
        await s.commit()
    monkeypatch.setenv(session.USER_ENV, TRANSLATOR_EMAIL)
    async with db.session() as s:
        with pytest.raises(PermissionDenied):
            await session.signed_in_user(s)
