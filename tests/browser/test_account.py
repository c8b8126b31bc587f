"""A translator's own account in a real browser: usage, a key made and revoked, the password.

Every message must show next to the button that caused it, inside the viewport, in the
user's language. The account is made for this module, so changing its password or
language touches no other test's user.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import Server, open_dashboard, screenshot, sign_in
from workbench.accounts import users
from workbench.accounts.audit import Actor
from workbench.db.models import ApiKey, Language, User
from workbench.providers.registry import provider_class

EMAIL = "key-owner@example.com"
PASSWORD = "the key owner's password"
NEW_PASSWORD = "the key owner's new password"
KEY = re.compile(r"wb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def owner(server: Server) -> str:
    async def add(session: AsyncSession) -> None:
        await users.add_user(session, EMAIL, PASSWORD, actor=Actor.cli())
        await session.commit()

    server.query(add)
    return EMAIL


def set_language(server: Server, language: Language) -> None:
    async def change(session: AsyncSession) -> Any:
        await session.execute(
            update(User).where(User.email == EMAIL).values(preferred_language=language)
        )
        await session.commit()

    server.query(change)


def keys_of_owner(server: Server) -> list[ApiKey]:
    async def read(session: AsyncSession) -> Any:
        return list(
            await session.scalars(
                select(ApiKey).join(User, User.id == ApiKey.user_id).where(User.email == EMAIL)
            )
        )

    found: list[ApiKey] = server.query(read)
    return found


def beside(message: Locator, button: Locator, within: float = 120) -> None:
    """``message`` is on screen, right next to ``button`` (same row, or just under it)."""
    expect(message).to_be_in_viewport()
    shown, pressed = message.bounding_box(), button.bounding_box()
    assert shown is not None
    assert pressed is not None
    assert shown["y"] < pressed["y"] + pressed["height"] + within, (shown, pressed)
    assert shown["y"] + shown["height"] > pressed["y"] - 5, (shown, pressed)


def open_account(page: Page, server: Server) -> None:
    sign_in(page, server, EMAIL, PASSWORD)
    open_dashboard(page, server, "account")
    page.wait_for_selector("button.wb-account-key-create")


def test_a_translator_makes_and_revokes_a_key(server: Server, page: Page, owner: str) -> None:
    open_account(page, server)
    header = page.locator(".wb-header")
    expect(header.get_by_role("link", name="Account")).to_have_class(re.compile("wb-current"))
    expect(header.get_by_role("link", name="Users")).to_have_count(0)
    expect(page.locator(".wb-account-kpis")).to_contain_text("Translations today")
    # the usage charts are drawn and take real room on the page
    charts = page.locator(".wb-account-chart")
    expect(charts).to_have_count(2)
    for index in range(2):
        expect(charts.nth(index)).to_be_visible()  # once drawn
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 200, box
    screenshot(page, "account")

    page.locator(".wb-account-key-name input").fill("My laptop")
    provider = page.locator(".wb-account-key-provider select")
    provider.select_option(label=provider_class("pseudo").label)
    page.locator(".wb-account-key-rate input").fill("30")
    create = page.locator("button.wb-account-key-create")
    create.click()
    field = page.locator("input.wb-key-value")
    expect(field).to_have_value(KEY)
    beside(field, create, within=160)
    expect(page.locator(".wb-account-key-secret")).to_contain_text("shown only this once")
    beside(page.locator(".wb-account-key-create-status .wb-status-ok"), create)
    expect(page.locator(".wb-account-keys-table")).to_contain_text("My laptop")
    screenshot(page, "account-key-created")
    [stored] = keys_of_owner(server)
    assert field.input_value().startswith(stored.prefix + "_")
    assert (stored.provider, stored.requests_per_minute) == ("pseudo", 30)

    revoke = page.locator("button.wb-account-key-revoke")
    revoke.click()
    yes = page.locator("button.wb-account-key-revoke-yes")
    expect(page.locator(".wb-confirm")).to_contain_text("My laptop")
    yes.click()
    done = page.locator(".wb-account-key-revoke-status .wb-status-ok")
    expect(done).to_have_text(f"API key {stored.prefix} revoked.")
    beside(done, revoke)
    expect(page.locator(".wb-account-keys-table")).to_contain_text("Revoked")
    screenshot(page, "account-key-revoked")
    [revoked] = keys_of_owner(server)
    assert revoked.revoked_at is not None


def test_a_wrong_current_password_is_told_beside_the_button(
    server: Server, page: Page, owner: str
) -> None:
    open_account(page, server)
    page.locator(".wb-account-current-password input").fill("not my password at all")
    page.locator(".wb-account-new-password input").fill(NEW_PASSWORD)
    page.locator(".wb-account-repeat-password input").fill(NEW_PASSWORD)
    change = page.locator("button.wb-account-password-change")
    change.click()
    refused = page.locator(".wb-account-password-status .wb-status-error")
    expect(refused).to_have_text("The current password is wrong; nothing was changed.")
    beside(refused, change)
    expect(page.locator(".wb-status")).to_have_count(1)  # that one, and no banner at the top
    screenshot(page, "account-wrong-password")


def test_in_french_the_message_is_french_and_beside_the_button(
    server: Server, page: Page, owner: str
) -> None:
    set_language(server, Language.FR)
    try:
        open_account(page, server)
        expect(page.locator(".wb-header")).to_contain_text("Compte")
        page.locator(".wb-account-current-password input").fill("pas mon mot de passe")
        page.locator(".wb-account-new-password input").fill(NEW_PASSWORD)
        page.locator(".wb-account-repeat-password input").fill(NEW_PASSWORD + "!")
        change = page.locator("button.wb-account-password-change")
        change.click()
        refused = page.locator(".wb-account-password-status .wb-status-error")
        expect(refused).to_have_text(
            "Les deux nouveaux mots de passe diffèrent ; saisissez deux fois le même."
        )
        beside(refused, change)
        screenshot(page, "account-translator-fr")
    finally:
        set_language(server, Language.EN)


def test_a_changed_password_signs_out_and_says_so(server: Server, page: Page, owner: str) -> None:
    open_account(page, server)
    page.locator(".wb-account-current-password input").fill(PASSWORD)
    page.locator(".wb-account-new-password input").fill(NEW_PASSWORD)
    page.locator(".wb-account-repeat-password input").fill(NEW_PASSWORD)
    change = page.locator("button.wb-account-password-change")
    box = change.bounding_box()
    change.click()
    done = page.locator(".wb-account-password-status .wb-status-ok")
    expect(done).to_contain_text("signed out everywhere, this page included")
    expect(done).to_be_in_viewport()
    assert box is not None
    shown = done.bounding_box()
    assert shown is not None
    assert abs(shown["y"] - box["y"]) < 200, (shown, box)
    link = page.locator("a.wb-account-sign-in-link")
    expect(link).to_be_in_viewport()
    screenshot(page, "account-password-changed")
    link.click()
    expect(page.locator("form.wb-login")).to_be_visible()
    sign_in(page, server, EMAIL, NEW_PASSWORD)
    open_dashboard(page, server, "account")
    expect(page.locator("button.wb-account-key-create")).to_be_visible()
