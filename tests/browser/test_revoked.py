"""An open page keeps no power its user lost: authority is read again at every click."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import Server, open_dashboard, screenshot, sign_in
from workbench.accounts import users
from workbench.accounts.audit import Actor, AuditAction
from workbench.db.models import AuditEntry, Role, User

EMAIL = "soon-demoted@example.com"
PASSWORD = "an admin for a little while"
NEW_EMAIL = "made-by-a-former-admin@example.com"


def test_a_demoted_admin_cannot_create_a_user_from_an_open_page(server: Server, page: Page) -> None:
    async def add_admin(session: AsyncSession) -> None:
        await users.add_user(session, EMAIL, PASSWORD, actor=Actor.cli(), role=Role.ADMIN)
        await session.commit()

    server.query(add_admin)
    sign_in(page, server, EMAIL, PASSWORD)
    open_dashboard(page, server, "users")
    page.locator(".wb-users-new-email input").fill(NEW_EMAIL)
    page.locator(".wb-users-new-password input").fill("a password for the new admin")
    page.locator(".wb-users-new-role select").select_option(label="Admin")

    async def demote(session: AsyncSession) -> None:
        await users.set_role(session, EMAIL, Role.TRANSLATOR, actor=Actor.cli())
        await session.commit()

    server.query(demote)  # while the page stays open, built for an admin
    page.locator("button.wb-users-create").click()
    # The page closes: nothing on it works any more, and the reason is in view.
    refusal = page.locator(".wb-app .wb-status-error")
    expect(refusal).to_have_text(
        "You were signed out (or your password or role changed) since this page opened. "
        "Reload the page to sign in again."
    )
    expect(refusal).to_be_in_viewport()
    expect(page.locator(".wb-users")).to_have_count(0)
    screenshot(page, "users-refused-after-demotion")

    async def written(session: AsyncSession) -> Any:
        created = await session.scalar(select(func.count()).where(User.email == NEW_EMAIL))
        audited = await session.scalar(
            select(func.count()).where(
                AuditEntry.action == AuditAction.USER_CREATE, AuditEntry.target_id == NEW_EMAIL
            )
        )
        return created, audited

    assert server.query(written) == (0, 0)
    page.reload()  # the page, opened again, is the sign-in form: the session ended too
    expect(page.locator("form.wb-login")).to_be_visible()
