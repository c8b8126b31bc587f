"""The Users dashboard, driven like an admin would, against a real database."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from tests.accounts.support import add_user, audit_count, audit_entries, load_user
from tests.ui.conftest import TRANSLATOR_EMAIL, add_usage, click, context_for, opened
from workbench.accounts.api_keys import verify_api_key
from workbench.accounts.quotas import quota_day
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.base import utcnow
from workbench.db.models import ApiKey, Role, User
from workbench.ui.context import Context
from workbench.ui.users import UsersPage

PRO_EVERY = 3  # one seeded user in three is on the pro tier


async def choose(page: UsersPage, user_id: uuid.UUID) -> None:
    page.user_select.value = user_id
    await page.tasks.idle()


def today() -> date:
    """Today as the quotas (and the date pickers) count days."""
    return quota_day(utcnow(), get_settings().quota_zone)


def shown_emails(page: UsersPage) -> list[str]:
    return [label for label, _value in page.user_select.options]


async def test_search_filters_and_pages_in_the_database(db: Database, ctx: Context) -> None:
    for n in range(60):
        await add_user(db, f"person{n:02d}@example.com", tier="pro" if n % PRO_EVERY == 0 else None)
    page = await opened(UsersPage, ctx)

    # 60 people and the admin: three pages of 25, ordered by email
    assert len(shown_emails(page)) == 25
    assert "Page 1 of 3" in page.pager.value
    assert "Users found: 61" in page.pager.value
    assert page.previous_button.layout.visibility == "hidden"
    assert "admin@example.com" in page.table.value
    await click(page, page.next_button)
    await click(page, page.next_button)
    assert "Page 3 of 3" in page.pager.value
    assert len(shown_emails(page)) == 11
    assert shown_emails(page)[-1] == "person59@example.com"
    assert page.next_button.layout.visibility == "hidden"
    await click(page, page.previous_button)
    assert "Page 2 of 3" in page.pager.value

    # a search starts again at page 1 and narrows to the matching addresses
    page.search.value = "PERSON1"
    await click(page, page.search_button)
    assert shown_emails(page) == [f"person1{n}@example.com" for n in range(10)]
    assert "Page 1 of 1" in page.pager.value

    # the dropdown filters apply as soon as they change, together with the search
    page.tier_filter.value = "pro"
    await page.tasks.idle()
    assert shown_emails(page) == [
        "person12@example.com",
        "person15@example.com",
        "person18@example.com",
    ]
    page.search.value = ""
    await click(page, page.search_button)
    assert "Users found: 20" in page.pager.value
    page.tier_filter.value = ""
    page.role_filter.value = "admin"
    await page.tasks.idle()
    assert shown_emails(page) == ["admin@example.com"]
    page.role_filter.value = ""
    page.active_filter.value = "inactive"
    await page.tasks.idle()
    assert shown_emails(page) == []
    assert "No user matches these filters." in page.table.value


async def test_create_user_adds_the_account_and_audits_it(db: Database, ctx: Context) -> None:
    page = await opened(UsersPage, ctx)
    page.new_email.value = "New.Person@Example.com"
    page.new_password.value = "a long enough passphrase"
    page.new_tier.value = "pro"
    page.new_role.value = "translator"
    await click(page, page.create_button)

    assert page.status.kind == "ok", page.status.message
    assert page.status.message == "User new.person@example.com created."
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user is not None
    assert (user.tier, user.role, user.is_active) == ("pro", Role.TRANSLATOR, True)
    [entry] = [
        entry
        for entry in await audit_entries(db, "user.create")
        if entry.target_id == "new.person@example.com"
    ]
    assert entry.actor_email == ctx.user.email
    # the new account is selected and listed; the password field is emptied
    assert page.user_select.value == user.id
    assert "new.person@example.com" in page.summary.value
    assert page.new_password.value == ""


async def test_bad_email_is_refused_and_nothing_is_created(db: Database, ctx: Context) -> None:
    page = await opened(UsersPage, ctx)
    before = await audit_count(db)
    page.new_email.value = "not-an-address"
    page.new_password.value = "a long enough passphrase"
    await click(page, page.create_button)

    assert page.status.kind == "error"
    assert "not a valid email address" in page.status.message
    async with db.session() as session:
        emails = list((await session.scalars(select(User.email))).all())
    assert emails == [ctx.user.email]
    assert await audit_count(db) == before
    # what was typed stays, to be corrected
    assert page.new_email.value == "not-an-address"


async def test_change_tier_with_an_expiry(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "client@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)
    assert page.tier_choice.value == "free"

    last_day = today() + timedelta(days=40)
    page.tier_choice.value = "pro"
    page.tier_expiry.value = last_day
    await click(page, page.apply_tier_button)

    assert page.status.kind == "ok", page.status.message
    assert page.status.message == "Tier of client@example.com changed to Pro."
    user = await load_user(db, user_id)
    zone = get_settings().quota_zone
    assert user.tier == "pro"
    assert user.subscription_expires_at == datetime.combine(
        last_day + timedelta(days=1), time.min, zone
    )
    [entry] = await audit_entries(db, "user.set_tier")
    assert entry.target_id == "client@example.com"
    assert entry.after is not None
    assert entry.after["tier"] == "pro"
    # the table and the details show the new plan
    assert "until" in page.summary.value
    assert page.tier_expiry.value == last_day


async def test_an_expiry_on_the_free_tier_is_refused(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "client@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)
    before = await audit_count(db)
    page.tier_expiry.value = today() + timedelta(days=3)
    await click(page, page.apply_tier_button)

    assert page.status.kind == "error"
    assert "does not expire" in page.status.message
    assert (await load_user(db, user_id)).subscription_expires_at is None
    assert await audit_count(db) == before


async def test_deactivation_waits_for_confirmation(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "leaver@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)

    await click(page, page.deactivate_button)
    assert page.deactivate_confirm.layout.display == "flex"
    assert (await load_user(db, user_id)).is_active
    assert await audit_entries(db, "user.deactivate") == []

    await click(page, page.deactivate_yes)
    assert page.status.message == "leaver@example.com is deactivated."
    assert not (await load_user(db, user_id)).is_active
    assert len(await audit_entries(db, "user.deactivate")) == 1
    assert page.deactivate_confirm.layout.display == "none"
    assert page.activate_button.layout.display == ""
    assert page.deactivate_button.layout.display == "none"

    await click(page, page.activate_button)  # giving access back needs no confirmation
    assert (await load_user(db, user_id)).is_active
    assert len(await audit_entries(db, "user.activate")) == 1


async def test_cancelled_deactivation_changes_nothing(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "stayer@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)
    await click(page, page.deactivate_button)
    cancel = page.deactivate_confirm.children[2]
    await click(page, cancel)
    assert page.deactivate_confirm.layout.display == "none"
    assert (await load_user(db, user_id)).is_active


async def test_taking_the_admin_role_away_is_confirmed(db: Database, ctx: Context) -> None:
    other = await add_user(db, "second.admin@example.com", role=Role.ADMIN)
    page = await opened(UsersPage, ctx)
    await choose(page, other)
    page.role_choice.value = "translator"
    await click(page, page.apply_role_button)
    assert page.role_confirm.layout.display == "flex"
    assert (await load_user(db, other)).role is Role.ADMIN

    await click(page, page.role_yes)
    assert page.status.message == "Role of second.admin@example.com changed to Translator."
    assert (await load_user(db, other)).role is Role.TRANSLATOR
    [entry] = await audit_entries(db, "user.set_role")
    assert entry.after == {"role": "translator"}

    # making someone an admin takes effect at once
    page.role_choice.value = "admin"
    await click(page, page.apply_role_button)
    assert (await load_user(db, other)).role is Role.ADMIN


async def test_the_last_admin_keeps_the_role(db: Database, ctx: Context) -> None:
    page = await opened(UsersPage, ctx)
    await choose(page, ctx.user.id)
    page.role_choice.value = "translator"
    await click(page, page.apply_role_button)
    await click(page, page.role_yes)
    assert page.status.kind == "error"
    assert "last active admin" in page.status.message
    assert (await load_user(db, ctx.user.id)).role is Role.ADMIN


async def test_reset_daily_count(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "busy@example.com")
    async with db.session() as session:
        await session.execute(
            update(User)
            .where(User.id == user_id)
            .values(daily_translation_count=17, daily_count_date=today())
        )
        await session.commit()
    page = await opened(UsersPage, ctx)
    assert "<td>17</td>" in page.table.value
    await choose(page, user_id)

    await click(page, page.reset_button)
    assert page.status.message == "Today's translation count of busy@example.com is back to 0."
    assert (await load_user(db, user_id)).daily_translation_count == 0
    [entry] = await audit_entries(db, "user.reset_daily_count")
    assert entry.before == {"daily_translation_count": 17}
    assert "<td>17</td>" not in page.table.value


async def test_a_new_key_is_shown_once_and_stored_as_an_hmac(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "dev@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)
    assert "no API key" in page.keys_table.value

    page.key_name.value = "build <server>"
    await click(page, page.key_create_button)

    assert page.status.kind == "ok", page.status.message
    async with db.session() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.user_id == user_id))
    assert row is not None
    assert row.name == "build <server>"
    assert row.scopes == ["translate"]
    secret_box = page.key_secret.value
    assert "wb-secret" in secret_box
    assert "navigator.clipboard.writeText" in secret_box
    key = secret_box.split('class="wb-key-value"')[1].split('value="')[1].split('"')[0]
    assert key.startswith(row.prefix + "_")
    # the database keeps only the HMAC: the key itself is in no column
    for column in ApiKey.__table__.columns:
        assert key not in str(getattr(row, column.key)), column.key
    assert row.secret_hmac != key
    async with db.session() as session:
        assert (await verify_api_key(session, key)).id == user_id
    # listed, with the user's text escaped
    assert "build &lt;server&gt;" in page.keys_table.value
    assert row.prefix in page.keys_table.value
    assert page.key_select.value == row.prefix
    [entry] = await audit_entries(db, "api_key.create")
    assert entry.target_id == row.prefix

    # shown once: choosing another user, or opening the page again, does not show it
    await choose(page, ctx.user.id)
    assert page.key_secret.value == ""
    again = await opened(UsersPage, ctx)
    await choose(again, user_id)
    assert key not in again.key_secret.value + again.keys_table.value + again.summary.value
    assert row.prefix in again.keys_table.value


async def test_a_key_without_a_name_is_refused(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "dev@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)
    await click(page, page.key_create_button)
    assert page.status.kind == "error"
    assert "key name" in page.status.message
    assert page.key_secret.value == ""
    async with db.session() as session:
        assert await session.scalar(select(ApiKey)) is None


async def test_revoking_a_key_is_confirmed_and_audited(db: Database, ctx: Context) -> None:
    user_id = await add_user(db, "dev@example.com")
    page = await opened(UsersPage, ctx)
    await choose(page, user_id)
    page.key_name.value = "laptop"
    await click(page, page.key_create_button)
    prefix = page.key_select.value

    await click(page, page.revoke_button)
    assert page.revoke_confirm.layout.display == "flex"
    async with db.session() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert row is not None
        assert row.revoked_at is None

    await click(page, page.revoke_yes)
    assert page.status.message == f"API key {prefix} revoked."
    async with db.session() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert row is not None
        assert row.revoked_at is not None
    [entry] = await audit_entries(db, "api_key.revoke")
    assert entry.target_id == prefix
    assert "Revoked" in page.keys_table.value
    assert page.key_select.options == ()  # nothing left to revoke
    assert page.revoke_button.disabled


async def test_the_selected_user_usage_is_charted(db: Database, ctx: Context) -> None:
    idle_id = await add_user(db, "idle@example.com")
    busy_id = await add_user(db, "busy@example.com")
    await add_usage(db, busy_id, characters=900, translations=4)
    page = await opened(UsersPage, ctx)
    assert page.details_box.layout.display == "none"

    await choose(page, idle_id)
    assert page.details_box.layout.display == ""
    idle_chart = bytes(page.translations_chart.value)
    assert idle_chart.startswith(b"\x89PNG")
    await choose(page, busy_id)
    busy_chart = bytes(page.translations_chart.value)
    assert busy_chart.startswith(b"\x89PNG")
    assert busy_chart != idle_chart  # the bar of today's four translations
    assert bytes(page.characters_chart.value).startswith(b"\x89PNG")


async def test_translators_cannot_use_the_page(db: Database, translator_ctx: Context) -> None:
    await add_user(db, "someone@example.com")
    page = await opened(UsersPage, translator_ctx)
    assert page.status.kind == "error"
    assert page.body.layout.display == "none"
    assert "someone@example.com" not in page.table.value
    assert page.user_select.options == ()


async def test_french_labels(db: Database, ctx: Context) -> None:
    await add_user(db, TRANSLATOR_EMAIL)
    page = await opened(UsersPage, await context_for(db, ctx.user.email, "fr"))
    assert page.search_button.description == "Rechercher"
    assert page.apply_tier_button.description == "Changer d’offre"
    assert page.key_create_button.description == "Créer la clé"
    assert page.tier_choice.description == "Offre"
    assert "Dernière connexion" in page.table.value
    assert "Traducteur" in page.table.value
    assert "Page 1 sur 1" in page.pager.value
