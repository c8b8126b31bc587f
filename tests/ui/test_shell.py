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
from workbench.db.models import Language, Role, User
from workbench.errors import AuthenticationFailed, PermissionDenied
from workbench.ui import session
from workbench.ui.shell import App, ErrorApp, open_app
from workbench.ui.users import UsersPage


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
    session.sign_in(
        session.kernel_token(get_settings(), translator.id, translator.session_generation)
    )
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
    for title in (
        "Home",
        "Users",
        "Tiers &amp; pricing",
        "Settings",
        "Translate",
        "Glossaries",
        "Account",
    ):
        assert title in app.nav.value
    assert ADMIN_EMAIL in app.nav.value

    monkeypatch.setenv(session.USER_ENV, TRANSLATOR_EMAIL)
    with pytest.raises(PermissionDenied):
        await open_app("users", database=db)
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    session.sign_in(
        session.kernel_token(get_settings(), translator.id, translator.session_generation)
    )
    refused = await open_app("users", database=db)
    assert isinstance(refused, ErrorApp)
    assert "admins only" in refused.message
    # a translator's header: their pages, their Account among them, and no admin page
    own = await open_app("account", database=db)
    assert isinstance(own, App)
    for title in ("Translate", "Glossaries", "Account"):
        assert f">{title}</a>" in own.nav.value
    for title in ("Home", "Users", "Settings"):
        assert f">{title}</a>" not in own.nav.value


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


async def signed_in_page(db: Database, user: User, name: str) -> App:
    """Page ``name`` as Voilà builds it: its kernel signed in by the server's token."""
    session.sign_in(session.kernel_token(get_settings(), user.id, user.session_generation))
    app = await open_app(name, database=db)
    assert isinstance(app, App)
    assert app.component is not None
    return app


@pytest.mark.parametrize("loss", ["sign out", "demotion", "deactivation"])
async def test_an_open_page_refuses_the_next_click_once_its_user_lost_their_rights(
    db: Database,
    admin: User,
    translator: User,
    monkeypatch: pytest.MonkeyPatch,
    loss: str,
) -> None:
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    async with db.session() as s:  # a second admin: the first may lose the role
        await users.set_role(s, translator.id, Role.ADMIN, actor=Actor.cli())
        await s.commit()
    app = await signed_in_page(db, admin, "users")
    page = app.component
    assert isinstance(page, UsersPage)
    async with db.session() as s:
        if loss == "sign out":
            await users.end_sessions(s, admin.id)
        elif loss == "demotion":
            await users.set_role(s, admin.id, Role.TRANSLATOR, actor=Actor.cli())
        else:
            await users.set_active(s, admin.id, False, actor=Actor.cli())
        await s.commit()
    page.search.value = "example"
    page.search_button.click()
    await page.tasks.idle()
    expected = (
        "Your account is not active any more; ask an admin."
        if loss == "deactivation"
        else "You were signed out (or your password or role changed) since this page opened. "
        "Reload the page to sign in again."
    )
    assert page.status.message == app.status.message == expected
    assert app.body.children == ()  # the page closed: nothing on it works any more
    refused = await open_app("users", database=db)  # and the same kernel builds no page
    assert isinstance(refused, ErrorApp)


async def test_a_refusal_is_in_the_page_language(
    db: Database, admin: User, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    async with db.session() as s:
        await users.set_language(s, admin.id, "fr", actor=Actor.cli())
        await s.commit()
        admin = await s.get_one(User, admin.id)
    app = await signed_in_page(db, admin, "tiers")
    async with db.session() as s:
        await users.end_sessions(s, admin.id)
        await s.commit()
    app.language.value = "en"  # even the language switch is an action: refused
    await app.tasks.idle()
    assert app.status.message.startswith("Vous avez été déconnecté")
    async with db.session() as s:
        assert (await s.get_one(User, admin.id)).preferred_language is Language.FR


async def test_a_kernel_signed_in_before_its_user_signed_out_builds_no_page(
    db: Database, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    token = session.kernel_token(get_settings(), translator.id, translator.session_generation)
    async with db.session() as s:
        await users.end_sessions(s, translator.id)
        await s.commit()
    session.sign_in(token)  # a token handed out before the sign-out
    refused = await open_app("translate", database=db)
    assert isinstance(refused, ErrorApp)
    assert "reload the page to sign in again" in refused.message
    old = tornado.web.create_signed_value(  # a token from before sessions had generations
        derived_key(get_settings(), session.TOKEN_NAME),
        session.TOKEN_NAME,
        f'{{"user": "{translator.id}"}}',
    ).decode()
    with pytest.raises(AuthenticationFailed):
        session.sign_in(old)


async def test_in_jupyterlab_a_demoted_admin_is_refused_for_the_role(
    db: Database, admin: User, translator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside Voilà there is no session to end: the role itself is read at each click."""
    async with db.session() as s:
        await users.set_role(s, translator.id, Role.ADMIN, actor=Actor.cli())
        await s.commit()
    monkeypatch.setenv(session.USER_ENV, ADMIN_EMAIL)
    app = await open_app("users", database=db)
    assert isinstance(app, App)
    page = app.component
    assert isinstance(page, UsersPage)
    async with db.session() as s:
        await users.set_role(s, admin.id, Role.TRANSLATOR, actor=Actor.cli())
        await s.commit()
    page.search_button.click()
    await page.tasks.idle()
    assert page.status.message == "Only admins can do this, and you are not an admin any more."
