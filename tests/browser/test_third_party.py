"""No page asks another host for anything: every request a page makes goes to the server.

On an intranet or offline server a third-party request fails; on the internet it tells a
third party about every page view. Voilà's stock page links a public CDN; ours must not.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, WebSocket

from tests.browser.conftest import ADMIN_PASSWORD, Server, open_dashboard, sign_in
from workbench.ui.pages import PAGES


def _watch(page: Page) -> list[str]:
    """Every URL the page's context requests from now on (documents, assets, sockets)."""
    seen: list[str] = []

    def on_request(request: Request) -> None:
        seen.append(request.url)

    def on_websocket(socket: WebSocket) -> None:
        seen.append(socket.url)

    page.context.on("request", on_request)
    page.on("websocket", on_websocket)
    return seen


def _other_hosts(server: Server, urls: list[str]) -> list[str]:
    own = urlsplit(server.url).netloc
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
    ]


def test_the_sign_in_page_asks_no_other_host(server: Server, page: Page) -> None:
    seen = _watch(page)
    page.goto(server.url + "/login")
    page.wait_for_load_state("networkidle")
    assert seen, "no request was recorded"
    assert _other_hosts(server, seen) == []


@pytest.mark.parametrize("name", list(PAGES))
def test_a_dashboard_asks_no_other_host(server: Server, page: Page, name: str) -> None:
    sign_in(page, server, server.accounts.admin_email, ADMIN_PASSWORD)
    seen = _watch(page)
    open_dashboard(page, server, name)
    page.wait_for_selector(PAGES[name].ready, timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert any("/api/kernels/" in url for url in seen), "the page's kernel socket was not seen"
    assert _other_hosts(server, seen) == []
    # The icon font is Voilà's own copy: a button icon is drawn with it, not left blank.
    icon = page.locator(".wb-app i.fa").first
    font = icon.evaluate("e => getComputedStyle(e, '::before').fontFamily")
    assert "Font Awesome" in font
