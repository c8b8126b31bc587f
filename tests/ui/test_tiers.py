"""The Tiers & pricing dashboard, driven as an admin would, against a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.accounts.support import add_tier, add_user, audit_count, audit_entries
from tests.ui.conftest import context_for, opened
from workbench.accounts.audit import AuditAction
from workbench.db import Database
from workbench.db.models import Tier, User
from workbench.ui.context import Context
from workbench.ui.tiers import NEW, TiersPage

FREE_CARD = '<div class="wb-card" data-tier="free"><h3>Free</h3>'
PRO_CARD = '<div class="wb-card" data-tier="pro"><h3>Pro</h3>'


async def load_tier(db: Database, name: str) -> Tier | None:
    async with db.session() as session:
        return await session.scalar(select(Tier).where(Tier.name == name))


async def test_table_lists_the_seeded_tiers_with_prices_and_users(ctx: Context) -> None:
    page = await opened(TiersPage, ctx)

    table = page.table.value
    assert 'class="wb-table wb-tiers-table"' in table
    assert "<td>free</td>" in table
    assert "<td>pro</td>" in table
    assert "<td>Gratuit</td>" in table  # the French label is listed too
    assert "€19.00" in table
    assert "5,000,000" in table
    # the admin is on the free tier
    assert "<td>1</td></tr><tr><td>pro</td>" in table
    assert page.select.value == "free"


async def test_editing_the_price_saves_it_and_audits_it(ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = "pro"
    page.price.value = "9.99"

    page.save.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.monthly_price_cents == 999
    [entry] = await audit_entries(db, AuditAction.TIER_UPDATE)
    assert entry.target_id == "pro"
    assert entry.actor_email == ctx.user.email
    assert entry.before == {"monthly_price_cents": 1900}
    assert entry.after == {"monthly_price_cents": 999}
    assert "€9.99" in page.table.value


@pytest.mark.parametrize("price", ["abc", "-5", "1.999"])
async def test_a_bad_price_is_explained_and_changes_nothing(
    ctx: Context, db: Database, price: str
) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = "pro"
    entries = await audit_count(db)

    page.price.value = price
    assert "9.99" in page.errors["monthly_price_cents"].value  # explained while typing
    page.save.click()
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert "marked in red" in page.status.message
    assert "9.99" in page.errors["monthly_price_cents"].value
    assert page.errors["label_en"].value == ""
    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.monthly_price_cents == 1900
    assert await audit_count(db) == entries


async def test_bad_limits_are_explained_under_their_fields(ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = "pro"

    page.daily.value = "lots"
    page.rpm.value = "0"
    page.label_fr.value = "  "
    page.save.click()
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert "whole number" in page.errors["daily_translation_limit"].value
    assert "at least 1" in page.errors["requests_per_minute"].value
    assert "label" in page.errors["label_fr"].value
    assert page.errors["monthly_character_limit"].value == ""
    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.daily_translation_limit == 500


async def test_blank_or_unlimited_limits_save_as_unlimited(ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = "pro"

    page.daily.value = ""
    page.monthly.value = "unlimited"
    page.save.click()
    await page.tasks.idle()

    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.daily_translation_limit is None
    assert tier.monthly_character_limit is None
    assert "Unlimited" in page.table.value
    assert "Unlimited translations per day" in page.preview.value


async def test_creating_a_tier(ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = NEW
    assert not page.name.disabled
    assert page.delete.disabled

    page.name.value = "team"
    page.label_en.value = "Team"
    page.label_fr.value = "Équipe"
    page.price.value = "49"
    page.currency.value = "usd"
    page.daily.value = "1000"
    page.monthly.value = ""
    page.rpm.value = "60"
    page.providers["deepl"].value = True
    page.save.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    tier = await load_tier(db, "team")
    assert tier is not None
    assert (tier.label_en, tier.label_fr) == ("Team", "Équipe")
    assert (tier.monthly_price_cents, tier.currency) == (4900, "USD")
    assert tier.daily_translation_limit == 1000
    assert tier.monthly_character_limit is None
    assert tier.requests_per_minute == 60
    assert tier.allowed_providers == ["pseudo", "deepl"]
    assert tier.sort_order == 2
    assert tier.is_public
    [entry] = await audit_entries(db, AuditAction.TIER_CREATE)
    assert entry.target_id == "team"
    assert page.select.value == "team"
    assert page.name.disabled
    assert "<td>team</td>" in page.table.value


async def test_a_new_tier_cannot_take_an_existing_name(ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = NEW
    page.name.value = "pro"
    page.label_en.value = "Another pro"
    page.label_fr.value = "Un autre pro"

    page.save.click()
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert "already exists" in page.errors["name"].value
    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.label_en == "Pro"
    assert await audit_entries(db, AuditAction.TIER_UPDATE) == []


async def test_deleting_an_unused_tier_asks_first(ctx: Context, db: Database) -> None:
    await add_tier(db, "legacy", label_en="Legacy", label_fr="Ancienne")
    page = await opened(TiersPage, ctx)
    page.select.value = "legacy"

    page.delete.click()
    assert page.confirm.layout.display == "flex"
    assert "legacy" in page.question.value
    assert await load_tier(db, "legacy") is not None

    page.delete_yes.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    assert page.confirm.layout.display == "none"
    assert await load_tier(db, "legacy") is None
    [entry] = await audit_entries(db, AuditAction.TIER_DELETE)
    assert entry.target_id == "legacy"
    assert "legacy" not in page.table.value
    assert "legacy" not in [value for _, value in page.select.options]


async def test_cancelling_the_deletion_keeps_the_tier(ctx: Context, db: Database) -> None:
    await add_tier(db, "legacy", label_en="Legacy", label_fr="Ancienne")
    page = await opened(TiersPage, ctx)
    page.select.value = "legacy"

    page.delete.click()
    page.delete_no.click()
    await page.tasks.idle()

    assert page.confirm.layout.display == "none"
    assert await load_tier(db, "legacy") is not None


async def test_deleting_a_tier_with_users_shows_why_not(ctx: Context, db: Database) -> None:
    await add_user(db, "paying@example.com", tier="pro")
    page = await opened(TiersPage, ctx)
    page.select.value = "pro"

    page.delete.click()
    page.delete_yes.click()
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert "cannot be deleted" in page.status.message
    assert "1 user(s)" in page.status.message
    assert await load_tier(db, "pro") is not None
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.email == "paying@example.com"))
    assert user is not None
    assert user.tier == "pro"


async def test_preview_follows_the_form_before_saving(ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, ctx)
    assert 'class="wb-cards"' in page.preview.value
    assert page.preview.value.index(FREE_CARD) < page.preview.value.index(PRO_CARD)
    assert "€19.00" in page.preview.value
    page.select.value = "pro"

    page.price.value = "29.50"
    assert "€29.50" in page.preview.value
    assert "€19.00" not in page.preview.value
    page.price.value = "abc"  # a bad value keeps the last valid preview
    assert "€29.50" in page.preview.value
    page.price.value = "29.50"
    page.sort_order.value = -1
    assert page.preview.value.index(PRO_CARD) < page.preview.value.index(FREE_CARD)
    page.public.value = False
    assert PRO_CARD not in page.preview.value
    assert FREE_CARD in page.preview.value

    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.monthly_price_cents == 1900
    assert tier.is_public

    page.select.value = "free"  # leaving unsaved edits shows the saved tiers again
    assert "€19.00" in page.preview.value


async def test_preview_shows_the_saved_tier(ctx: Context) -> None:
    page = await opened(TiersPage, ctx)
    page.select.value = "pro"
    page.price.value = "24"
    page.save.click()
    await page.tasks.idle()

    assert "€24.00" in page.preview.value
    page.select.value = "free"
    assert "€24.00" in page.preview.value


async def test_french_page(db: Database, admin: User) -> None:
    page = await opened(TiersPage, await context_for(db, admin.email, "fr"))

    assert page.select.description == "Offre à modifier"
    assert page.save.description == "Enregistrer"
    assert page.daily.placeholder == "Illimité"
    assert "Prix mensuel" in page.table.value
    assert "19,00\xa0€" in page.table.value
    assert "Gratuit" in page.preview.value
    assert "10 traductions par jour" in page.preview.value

    page.select.value = "pro"
    assert page.price.value == "19,00"
    page.price.value = "9,99"
    assert "9,99\xa0€" in page.preview.value
    page.monthly.value = "illimité"
    assert "Caractères illimités par mois" in page.preview.value
    page.price.value = "abc"
    assert "Saisissez un montant" in page.errors["monthly_price_cents"].value

    page.price.value = "9,99"
    page.save.click()
    await page.tasks.idle()
    assert page.status.message == "L’offre «\xa0pro\xa0» a été enregistrée."
    tier = await load_tier(db, "pro")
    assert tier is not None
    assert tier.monthly_price_cents == 999
    assert tier.monthly_character_limit is None


async def test_translators_cannot_use_the_page(translator_ctx: Context, db: Database) -> None:
    page = await opened(TiersPage, translator_ctx)

    assert page.status.kind == "error"
    assert page.save.disabled
    assert page.delete.disabled
    assert page.table.value == ""
