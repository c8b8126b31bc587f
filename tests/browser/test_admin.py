"""An admin's day in the dashboards, in a real browser, checked in the database."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import ADMIN_PASSWORD, Server, open_dashboard, screenshot, sign_in
from workbench.db.models import ApiKey, AuditEntry, Language, Tier, User


def admin_page(page: Page, server: Server, name: str) -> None:
    sign_in(page, server, server.accounts.admin_email, ADMIN_PASSWORD)
    open_dashboard(page, server, name)


def test_edit_a_tier_price_and_watch_the_pricing_preview(server: Server, page: Page) -> None:
    admin_page(page, server, "tiers")
    page.wait_for_selector(".wb-tiers-table")
    page.locator(".wb-tiers-select select").select_option(label="Pro (pro)")
    price = page.locator(".wb-tiers-price input")
    expect(price).not_to_have_value("")
    price.fill("12.34")
    expect(page.locator(".wb-tiers-preview")).to_contain_text("12.34")
    screenshot(page, "tiers")
    page.locator("button.wb-tiers-save").click()
    expect(page.locator(".wb-status-ok")).to_contain_text("The tier “pro” was saved.")

    async def stored(session: AsyncSession) -> Any:
        tier = await session.scalar(select(Tier).where(Tier.name == "pro"))
        audit = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "tier.update")
            .order_by(AuditEntry.created_at.desc())
        )
        return tier, audit

    tier, audit = server.query(stored)
    assert tier.monthly_price_cents == 1234
    assert audit is not None
    assert audit.actor_email == server.accounts.admin_email


def test_switch_to_french_and_back(server: Server, page: Page) -> None:
    admin_page(page, server, "tiers")
    page.wait_for_selector(".wb-tiers-table")
    page.locator(".wb-app button", has_text="Français").click()
    expect(page.locator(".wb-header")).to_contain_text("Utilisateurs")
    expect(page.locator("button.wb-tiers-save")).to_contain_text("Enregistrer")

    async def language(session: AsyncSession) -> Any:
        return await session.scalar(
            select(User.preferred_language).where(User.email == server.accounts.admin_email)
        )

    assert server.query(language) is Language.FR
    open_dashboard(page, server, "users")  # the preference follows the admin
    expect(page.locator(".wb-header")).to_contain_text("Offres et tarifs")
    screenshot(page, "users-fr")
    page.locator(".wb-app button", has_text="English").click()
    expect(page.locator(".wb-header")).to_contain_text("Tiers & pricing")
    assert server.query(language) is Language.EN


def test_search_a_user_change_their_tier_and_manage_an_api_key(server: Server, page: Page) -> None:
    async def demo_user(session: AsyncSession) -> Any:
        return await session.scalar(
            select(User)
            .where(User.tier == "free", User.email.like("%.%@example.com"), User.is_active)
            .order_by(User.email)
            .limit(1)
        )

    target = server.query(demo_user)
    admin_page(page, server, "users")
    page.locator(".wb-users-search input").fill(target.email)
    page.locator("button.wb-users-search-button").click()
    expect(page.locator(".wb-users-table")).to_contain_text(target.email)
    expect(page.locator(".wb-users-table tbody tr")).to_have_count(1)
    page.locator(".wb-users-select select").select_option(label=target.email)
    expect(page.locator(".wb-users-summary")).to_contain_text(target.email)

    page.locator(".wb-users-tier select").select_option(label="Pro")
    page.locator("button.wb-users-apply-tier").click()
    expect(page.locator(".wb-status-ok")).to_contain_text(target.email)

    page.locator(".wb-users-key-name input").fill("build server")
    page.locator("button.wb-users-key-create").click()
    secret = page.locator(".wb-users-key-secret input.wb-key-value")
    expect(secret).to_have_value(re.compile(r"^wb_"))
    shown = secret.input_value()
    screenshot(page, "users")

    async def stored(session: AsyncSession) -> Any:
        user = await session.get(User, target.id, populate_existing=True)
        keys = (await session.scalars(select(ApiKey).where(ApiKey.user_id == target.id))).all()
        return user, keys

    user, keys = server.query(stored)
    assert user.tier == "pro"
    assert [key.name for key in keys] == ["build server"]
    assert keys[0].secret_hmac not in shown
    assert keys[0].prefix in shown

    page.locator(".wb-users-key-select select").select_option(index=0)
    page.locator("button.wb-users-key-revoke").click()
    page.locator("button.wb-users-key-revoke-yes").click()
    expect(page.locator(".wb-status-ok")).to_contain_text(f"API key {keys[0].prefix} revoked.")
    _, keys = server.query(stored)
    assert keys[0].revoked_at is not None
