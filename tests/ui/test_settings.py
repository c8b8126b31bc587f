"""The settings dashboard: provider status in the background, defaults, the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from ipywidgets import HTML
from sqlalchemy import func, select

from tests.accounts.support import OPERATOR, add_user, audit_entries
from tests.providers.fakes.server import closed_port_url
from tests.ui.conftest import context_for, opened
from workbench import preferences
from workbench.accounts import tiers
from workbench.accounts.audit import AuditAction
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import Setting, User
from workbench.ui.context import Context
from workbench.ui.settings import SettingsPage, diff_lines

KEYS = ("DEEPL_AUTH_KEY", "OPENAI_API_KEY", "GOOGLE_CLOUD_API_KEY", "OLLAMA_HOST")


@pytest.fixture(autouse=True)
def offline_providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No keys, and the keyless remote providers point where nothing listens."""
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKBENCH_GOOGLE_URL", closed_port_url())
    monkeypatch.setenv("WORKBENCH_OLLAMA_URL", closed_port_url())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def provider_row(page: SettingsPage, name: str) -> list[str]:
    row = re.search(rf'<tr data-provider="{name}">(.*?)</tr>', page.providers.value)
    assert row is not None
    return re.findall(r"<td>(.*?)</td>", row.group(1))


def audit_actions(page: SettingsPage) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)">', page.audit_table.value)


async def settings_rows(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Setting)) or 0


# --- provider status -------------------------------------------------------------------


async def test_provider_status_fills_in_in_the_background(ctx: Context) -> None:
    page = SettingsPage(ctx)
    await page.load()
    # The page is there before any provider has answered.
    assert "Checking…" in page.providers.value
    assert page.check_again.disabled

    await page.tasks.idle()
    assert "Checking…" not in page.providers.value
    assert not page.check_again.disabled
    pseudo = provider_row(page, "pseudo")
    assert pseudo[1:3] == ["Yes", "Yes"]
    assert provider_row(page, "deepl")[1] == "No: set DEEPL_AUTH_KEY"
    assert provider_row(page, "openai")[1] == "No: set OPENAI_API_KEY"
    assert provider_row(page, "google_cloud")[1] == "No: set GOOGLE_CLOUD_API_KEY"
    google = provider_row(page, "google")
    assert google[1] == "Yes"
    assert google[2].startswith("No: ")  # nothing listens there


async def test_check_again_and_model_suggestions(ctx: Context) -> None:
    page = await opened(SettingsPage, ctx)
    page.default_provider.value = "deepl"
    assert "quality_optimized" in page.default_model.options

    page.check_again.click()
    assert "Checking…" in page.providers.value
    await page.tasks.idle()
    assert provider_row(page, "pseudo")[1:3] == ["Yes", "Yes"]


# --- defaults --------------------------------------------------------------------------


async def test_saving_defaults_stores_them_and_audits(
    db: Database, admin: User, ctx: Context
) -> None:
    page = await opened(SettingsPage, ctx)
    assert page.prices["deepl"].value == 20.0
    assert page.concurrency["openai"].placeholder == "default: 4"

    page.default_provider.value = "deepl"
    page.default_model.value = "quality_optimized"
    page.prices["deepl"].value = 25.5
    page.concurrency["openai"].value = "8"
    page.currency.value = "usd"
    page.ui_language.value = "fr"
    page.save_button.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    async with db.session() as session:
        prefs = await preferences.load(session)
        updated_by = set(await session.scalars(select(Setting.updated_by)))
    assert prefs.default_provider == "deepl"
    assert prefs.default_model == "quality_optimized"
    assert prefs.price_per_million("deepl") == 25.5
    assert prefs.price_per_million("google_cloud") == 20.0
    assert prefs.concurrency == {"openai": 8}
    assert prefs.currency == "USD"
    assert prefs.ui_language == "fr"
    assert updated_by == {admin.id}

    [entry] = await audit_entries(db, AuditAction.SETTINGS_UPDATE)
    assert entry.actor_email == admin.email
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["prices"] == {"deepl": 20.0}
    assert entry.after["prices"] == {"deepl": 25.5}
    assert entry.after["default_provider"] == "deepl"
    # The form shows what is stored, and the audit log shows the change at once.
    assert page.currency.value == "USD"
    assert audit_actions(page)[0] == "settings.update"
    assert "prices.deepl: 20.0 → 25.5" in page.audit_table.value

    # Blank concurrency returns the provider to its own default.
    page.concurrency["openai"].value = ""
    page.save_button.click()
    await page.tasks.idle()
    async with db.session() as session:
        assert (await preferences.load(session)).concurrency == {}
    assert len(await audit_entries(db, AuditAction.SETTINGS_UPDATE)) == 2


async def test_saving_without_changes_stores_nothing(db: Database, ctx: Context) -> None:
    page = await opened(SettingsPage, ctx)
    page.save_button.click()
    await page.tasks.idle()
    assert page.status.kind == "info"
    assert await settings_rows(db) == 0
    assert await audit_entries(db, AuditAction.SETTINGS_UPDATE) == []


@pytest.mark.parametrize(
    ("widget", "value", "message"),
    [
        ("price", -1.0, "the price of deepl must be a number ≥ 0"),
        ("concurrency", "many", "must be a whole number"),
        ("concurrency", "100", "from 1 to 64"),
        ("currency", "EURO", "3-letter code"),
    ],
)
async def test_bad_input_shows_an_error_and_stores_nothing(
    db: Database, ctx: Context, widget: str, value: object, message: str
) -> None:
    page = await opened(SettingsPage, ctx)
    page.default_provider.value = "deepl"  # a good change alongside: not stored either
    if widget == "price":
        page.prices["deepl"].value = value
    elif widget == "concurrency":
        page.concurrency["deepl"].value = value
    else:
        page.currency.value = value
    page.save_button.click()
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert message in page.status.message
    assert not page.save_button.disabled
    assert await settings_rows(db) == 0
    assert await audit_entries(db, AuditAction.SETTINGS_UPDATE) == []


# --- audit log -------------------------------------------------------------------------


async def test_audit_log_filters(db: Database, admin: User, ctx: Context) -> None:
    await add_user(db, "ann@example.com")
    async with db.session() as session:
        await tiers.update_tier(session, "pro", actor=OPERATOR, daily_translation_limit=777)
        await session.commit()
    page = await opened(SettingsPage, ctx)
    page.prices["openai"].value = 6.0
    page.save_button.click()
    await page.tasks.idle()
    everything = audit_actions(page)
    assert everything[0] == "settings.update"
    assert {"user.create", "tier.update", "settings.update"} <= set(everything)

    page.audit_action.value = "tier.update"
    page.audit_search.click()
    await page.tasks.idle()
    assert audit_actions(page) == ["tier.update"]
    assert "daily_translation_limit" in page.audit_table.value

    page.audit_action.value = ""
    page.audit_actor.value = "ADMIN@example"
    page.audit_search.click()
    await page.tasks.idle()
    assert audit_actions(page) == ["settings.update"]

    page.audit_actor.value = ""
    page.audit_target.value = "user"
    page.audit_search.click()
    await page.tasks.idle()
    assert set(audit_actions(page)) == {"user.create"}

    page.audit_target.value = ""
    page.audit_from.value = datetime.now(UTC).date() + timedelta(days=1)
    page.audit_search.click()
    await page.tasks.idle()
    assert audit_actions(page) == []
    assert "No audit entries match" in page.audit_table.value

    page.audit_to.value = datetime.now(UTC).date()
    page.audit_search.click()
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert "start date is after the end date" in page.status.message


async def test_audit_log_pages(db: Database, ctx: Context) -> None:
    for n in range(4):
        await add_user(db, f"user{n}@example.com")
    page = SettingsPage(ctx)
    page.page_size = 2
    await page.load()
    await page.tasks.idle()
    # The admin and four users: five entries, newest first, two per page.
    assert len(audit_actions(page)) == 2
    assert "user3@example.com" in page.audit_table.value
    assert page.audit_previous.disabled
    assert not page.audit_next.disabled

    page.audit_next.click()
    await page.tasks.idle()
    page.audit_next.click()
    await page.tasks.idle()
    assert len(audit_actions(page)) == 1
    assert page.audit_position.value == "Page 3"
    assert page.audit_next.disabled
    assert "admin@example.com" in page.audit_table.value

    page.audit_previous.click()
    await page.tasks.idle()
    assert page.audit_position.value == "Page 2"


def test_diff_lines_are_compact() -> None:
    assert diff_lines({"prices": {"deepl": 20.0}}, {"prices": {"deepl": 25.0}}) == [
        "prices.deepl: 20.0 → 25.0"
    ]
    assert diff_lines(None, {"email": "a@example.com", "tier": "free"}) == [
        "email: a@example.com",
        "tier: free",
    ]
    assert diff_lines({"tier": "pro"}, None) == ["tier: pro → –"]
    long = diff_lines({"note": "x" * 100}, {"note": "y"})[0]
    assert len(long) < 60


# --- language and access ---------------------------------------------------------------


async def test_in_french(db: Database, admin: User) -> None:
    page = await opened(SettingsPage, await context_for(db, admin.email, "fr"))
    assert page.default_provider.description == "Fournisseur par défaut"
    assert page.save_button.description == "Enregistrer"
    assert page.check_again.description == "Vérifier à nouveau"
    assert "Configuré" in page.providers.value
    assert provider_row(page, "deepl")[1] == "Non : définir DEEPL_AUTH_KEY"
    assert page.audit_action.label == "Toutes les actions"
    assert "Paramètres modifiés" in [label for label, _value in page.audit_action.options]
    headings = [child.value for child in page.sections.children if isinstance(child, HTML)]
    assert "<h3>Journal d’audit</h3>" in headings


async def test_translators_are_turned_away(translator_ctx: Context) -> None:
    page = await opened(SettingsPage, translator_ctx)
    assert page.status.kind == "error"
    assert page.sections.layout.display == "none"
    assert "Checking…" not in page.providers.value
