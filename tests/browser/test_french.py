"""In French, no dashboard shows a string of ours in English (checked on the rendered page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import ADMIN_PASSWORD, Server, open_dashboard, screenshot, sign_in
from tests.ui.test_i18n import marked_strings
from workbench.db.models import Language, User
from workbench.ui.i18n import catalog
from workbench.ui.pages import PAGES

TEXT_NODES = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const style = node.parentElement && getComputedStyle(node.parentElement);
    if (style && (style.display === 'none' || style.visibility === 'hidden')) continue;
    const text = node.textContent.trim();
    if (text) found.push(text);
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
    found.push(el.placeholder.trim());
  for (const el of document.querySelectorAll('button, option')) found.push(el.textContent.trim());
  return found;
}"""


def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Our English strings whose French differs, as patterns over a whole text node."""
    french = catalog("fr")
    patterns = []
    for text in marked_strings():
        if french.get(text, text) == text:
            continue  # the same in both languages (names, codes)
        parts = re.split(r"\{[a-z_]+\}", text)
        patterns.append((text, re.compile(".+?".join(map(re.escape, parts)))))
    return patterns


def set_language(server: Server, email: str, language: Language) -> None:
    async def change(session: AsyncSession) -> Any:
        await session.execute(
            update(User).where(User.email == email).values(preferred_language=language)
        )
        await session.commit()

    server.query(change)


@pytest.fixture
def admin_in_french(server: Server) -> Iterator[None]:
    set_language(server, server.accounts.admin_email, Language.FR)
    yield
    set_language(server, server.accounts.admin_email, Language.EN)


def test_no_english_is_left_on_any_french_dashboard(
    server: Server, page: Page, admin_in_french: None
) -> None:
    patterns = english_patterns()
    sign_in(page, server, server.accounts.admin_email, ADMIN_PASSWORD)
    left: dict[str, set[str]] = {}
    for name, dashboard in PAGES.items():
        open_dashboard(page, server, name)
        page.wait_for_selector(dashboard.ready)  # interactive; then every text node is read
        page.wait_for_timeout(500)  # let background tasks (provider checks) fill in
        screenshot(page, f"{name}-fr")
        texts = page.evaluate(TEXT_NODES)
        assert "Se déconnecter" in texts, name
        english = {
            source for text in texts for source, pattern in patterns if pattern.fullmatch(text)
        }
        if english:
            left[name] = english
    assert not left, f"English left on French dashboards: {left}"
