"""Sign-in, sessions and who may open which dashboard, in a real browser."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, Server, screenshot, sign_in


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


def test_admin_lands_on_home_and_signs_out(server: Server, page: Page) -> None:
    sign_in(page, server, server.accounts.admin_email, ADMIN_PASSWORD)
    assert page.url.endswith("/voila/render/index.ipynb")
    page.wait_for_selector(".wb-header")
    expect(page.locator(".wb-header")).to_contain_text(server.accounts.admin_email)
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(server.url + "/voila/render/users.ipynb")
    assert "/login" in page.url
