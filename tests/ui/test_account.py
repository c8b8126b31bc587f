"""The Account dashboard, driven by a translator, against a real database on both backends."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.accounts.support import PASSWORD, add_tier, add_user, audit_entries, load_user
from tests.ui.conftest import TRANSLATOR_EMAIL, click, context_for, opened
from workbench.accounts import api_keys, users
from workbench.accounts.api_keys import verify_api_key
from workbench.accounts.audit import Actor, AuditAction
from workbench.accounts.passwords import authenticate
from workbench.accounts.quotas import consume
from workbench.db import Database
from workbench.db.models import ApiKey, User
from workbench.ui.account import AccountPage
from workbench.ui.context import Context

KEY = re.compile(r"wb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


async def test_usage_and_quota_of_today_and_this_month(
    db: Database, translator: User, translator_ctx: Context
) -> None:
    async with db.session() as session:  # as a job takes them: counters and a usage event
        await consume(session, translator.id, provider="pseudo", characters=1234, translations=3)
        await session.commit()
    page = await opened(AccountPage, translator_ctx)
    assert "Free" in page.kpis.value
    assert "3 of " in page.kpis.value  # today's translations against the tier's limit
    assert "1,234 of " in page.kpis.value  # this month's characters
    # the charts were drawn, and each has the width of its picture (never 0)
    for chart in (page.translations_chart, page.characters_chart):
        assert bytes(chart.value).startswith(b"\x89PNG")
        assert re.fullmatch(r"[1-9]\d*px", chart.layout.width)


async def test_a_translator_creates_and_revokes_their_own_key(
    db: Database, translator: User, translator_ctx: Context
) -> None:
    await add_user(db, "someone@example.com")
    async with db.session() as session:  # someone else's key: never shown here
        other = await api_keys.create_api_key(
            session, "someone@example.com", actor=Actor.cli(), name="theirs"
        )
        await session.commit()
    page = await opened(AccountPage, translator_ctx)
    assert "You have no API key yet" in page.keys_table.value
    assert page.key_revoke.disabled
    # the tier's providers, and the admin's default, are offered
    assert [value for _label, value in page.key_provider.options] == ["", "pseudo", "google"]
    assert page.key_model.disabled

    page.key_name.value = "laptop"
    page.key_scopes.value = ("translate", "usage")
    page.key_provider.value = "pseudo"
    assert not page.key_model.disabled
    page.key_model.value = "accents"
    page.key_rate.value = "30"
    await click(page, page.key_create)
    assert page.key_create_status.kind == "ok", page.key_create_status.message
    shown = KEY.search(page.key_secret.value)
    assert shown is not None
    assert "shown only this once" in page.key_secret.value
    async with db.session() as session:
        assert (await verify_api_key(session, shown.group())).email == TRANSLATOR_EMAIL
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == shown.group()[:15]))
    assert row is not None
    assert (row.provider, row.model, row.requests_per_minute) == ("pseudo", "accents", 30)
    assert row.scopes == ["translate", "usage"]
    assert "laptop" in page.keys_table.value
    assert "accents" in page.keys_table.value
    assert "theirs" not in page.keys_table.value
    assert other.record.prefix not in page.keys_table.value
    assert [value for _label, value in page.key_select.options] == [row.prefix]

    page.key_revoke.click()
    assert page.key_revoke_confirm.layout.display == "flex"
    await click(page, page.key_revoke_yes)
    assert page.key_revoke_status.message == f"API key {row.prefix} revoked."
    assert page.key_secret.value == ""  # shown once, until the next action
    assert "Revoked" in page.keys_table.value
    assert page.key_select.options == ()
    assert page.status.message == ""  # every message went next to its button


async def test_key_mistakes_are_told_next_to_the_button_in_french(
    db: Database, translator: User
) -> None:
    ctx = await context_for(db, TRANSLATOR_EMAIL, "fr")
    page = await opened(AccountPage, ctx)
    assert "Vous n’avez pas encore de clé API" in page.keys_table.value
    page.key_name.value = "  "
    await click(page, page.key_create)
    assert page.key_create_status.kind == "error"
    assert page.key_create_status.message == "Donnez à la clé un nom de 1 à 100 caractères."
    page.key_name.value = "ci"
    page.key_rate.value = "0"
    await click(page, page.key_create)
    assert page.key_create_status.message.startswith("Le débit doit être un nombre entier")
    page.key_rate.value = ""
    page.key_scopes.value = ()
    await click(page, page.key_create)
    assert page.key_create_status.message == "Choisissez au moins une portée."
    assert page.key_secret.value == ""
    async with db.session() as session:
        assert await api_keys.list_api_keys(session, translator.id) == []
    assert page.status.message == ""


async def test_a_provider_the_tier_dropped_meanwhile_is_refused(
    db: Database, translator: User, translator_ctx: Context
) -> None:
    await add_tier(db, "team", allowed_providers=["pseudo", "deepl"])
    async with db.session() as session:
        await users.set_tier(session, translator.id, "team", actor=Actor.cli())
        await session.commit()
    page = await opened(AccountPage, translator_ctx)
    assert "deepl" in [value for _label, value in page.key_provider.options]
    async with db.session() as session:
        await users.set_tier(session, translator.id, "free", actor=Actor.cli())
        await session.commit()
    page.key_name.value = "pinned"
    page.key_provider.value = "deepl"
    await click(page, page.key_create)
    assert page.key_create_status.message == (
        "Your tier does not include this provider any more; choose another."
    )


async def test_changing_the_password_needs_the_current_one(
    db: Database, translator: User, translator_ctx: Context
) -> None:
    page = await opened(AccountPage, translator_ctx)
    before = await load_user(db, translator.id)

    page.current_password.value = "not my password"
    page.new_password.value = "my brand new secret"
    page.repeat_password.value = "my brand new secret"
    await click(page, page.password_change)
    assert page.password_status.kind == "error"
    assert page.password_status.message == "The current password is wrong; nothing was changed."
    assert (await load_user(db, translator.id)).hashed_password == before.hashed_password

    page.current_password.value = PASSWORD
    page.repeat_password.value = "my brand new secreT"
    await click(page, page.password_change)
    assert page.password_status.message.startswith("The two new passwords differ")
    page.new_password.value = page.repeat_password.value = "short"
    await click(page, page.password_change)
    assert page.password_status.message == (
        "This new password is refused. It must have at least 10 characters."
    )

    page.new_password.value = page.repeat_password.value = "my brand new secret"
    await click(page, page.password_change)
    assert page.password_status.kind == "ok", page.password_status.message
    assert "signed out everywhere, this page included" in page.password_status.message
    assert 'href="/login"' in page.sign_in_again.value
    assert page.current_password.value == page.new_password.value == ""
    assert page.password_change.layout.display == "none"  # nothing more to do on this page
    async with db.session() as session:
        await authenticate(session, TRANSLATOR_EMAIL, "my brand new secret")
    assert len(await audit_entries(db, AuditAction.USER_SET_PASSWORD)) == 1
    assert page.status.message == ""
