"""Sign-in, sessions and who may open which dashboard, in a real browser."""

from __future__ import annotations

import time
import uuid

import httpx
import tornado.web
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import ADMIN_PASSWORD, Server, screenshot, sign_in
from workbench.config import Settings, derived_key
from workbench.db.models import User
from workbench.server.identity import COOKIE, SESSION_HOURS, session_cookie_value


def test_unauthenticated_requests_go_to_sign_in(server: Server, page: Page) -> None:
    for path in ("/", "/voila/render/users.ipynb", "/voila/render/translate.ipynb"):
        page.goto(server.url + path)
        expect(page.locator("form.wb-login")).to_be_visible()
        assert "/login" in page.url
    screenshot(page, "sign-in")


def test_sources_files_and_listing_are_not_served(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        assert client.get("/voila/files/users.ipynb").status_code in (403, 404)
        assert client.get("/voila/api/contents/").status_code == 404
        assert client.get("/voila/tree").status_code == 302
        kernels = client.get("/api/kernels")
        assert kernels.status_code in (302, 403, 404, 405)


def test_wrong_password_is_refused_with_the_same_message_as_an_unknown_email(
    server: Server, page: Page
) -> None:
    sign_in(page, server, server.accounts.admin_email, "not the password")
    wrong_password = page.locator("[role=alert]").inner_text()
    assert "/login" in page.url
    sign_in(page, server, "nobody@example.com", "not the password")
    assert page.locator("[role=alert]").inner_text() == wrong_password == "Wrong email or password."
    page.goto(server.url + "/voila/render/index.ipynb")
    assert "/login" in page.url


def test_translator_is_refused_admin_dashboards_and_lands_on_translate(
    server: Server, page: Page
) -> None:
    accounts = server.accounts
    sign_in(page, server, accounts.translator_email, accounts.translator_password)
    assert page.url.endswith("/voila/render/translate.ipynb")
    for name in ("users", "index", "tiers", "settings"):
        response = page.goto(f"{server.url}/voila/render/{name}.ipynb")
        assert response is not None
        assert response.status == 403, name
    screenshot(page, "translator-forbidden")
    expect(page.locator("[role=alert]")).to_have_text("You are not allowed to open this page.")
    for other in ("examples/translate-dataframe.ipynb", "nothing.ipynb", "../README.md"):
        response = page.goto(f"{server.url}/voila/render/{other}")
        assert response is not None
        assert response.status == 404, other


def test_admin_lands_on_home_and_signs_out(server: Server, page: Page) -> None:
    sign_in(page, server, server.accounts.admin_email, ADMIN_PASSWORD)
    assert page.url.endswith("/voila/render/index.ipynb")
    page.wait_for_selector(".wb-header")
    expect(page.locator(".wb-header")).to_contain_text(server.accounts.admin_email)
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(server.url + "/voila/render/users.ipynb")
    assert "/login" in page.url


def _sign_in_form(client: httpx.Client) -> str:
    client.get("/login")
    return client.cookies["_xsrf"]


def test_repeated_wrong_passwords_are_throttled(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        xsrf = _sign_in_form(client)
        email = "throttled@example.com"
        codes = [
            client.post(
                "/login", data={"_xsrf": xsrf, "email": email, "password": f"guess {n}"}
            ).status_code
            for n in range(6)
        ]
        assert codes == [401] * 5 + [429]
        refused = client.post("/login", data={"_xsrf": xsrf, "email": email, "password": "x"})
        assert "Too many sign-in attempts" in refused.text
        assert client.post("/login", data={"email": email, "password": "x"}).status_code == 403


def test_a_session_ends_after_its_hours(server: Server) -> None:
    server_settings = Settings(
        data_dir=server.data_dir, secret_key=SecretStr(server.env["WORKBENCH_SECRET_KEY"])
    )
    secret = derived_key(server_settings, "session-cookie")
    user_id, generation = server.query(_admin)

    def cookie(hours_ago: float) -> str:
        issued = time.time() - hours_ago * 3600
        value = session_cookie_value(user_id, generation, issued=issued)
        return tornado.web.create_signed_value(secret, COOKIE, value).decode()

    def home_with(value: str) -> str:
        with httpx.Client(
            base_url=server.url, cookies={COOKIE: value}, follow_redirects=False
        ) as client:
            return client.get("/").headers["location"]

    assert home_with(cookie(1)) == "/voila/render/index.ipynb"
    assert home_with(cookie(SESSION_HOURS + 1)) == "/login"
    assert home_with(cookie(1)[:-2] + "00") == "/login"  # a forged signature


async def _admin(session: AsyncSession) -> tuple[uuid.UUID, int]:
    found = (
        await session.execute(
            select(User.id, User.session_generation).where(User.email == "admin@example.com")
        )
    ).one()
    return found.id, found.session_generation
