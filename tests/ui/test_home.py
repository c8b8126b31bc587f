"""The home dashboard: key figures from the database, charts of the last 30 days, links."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

from tests.accounts.support import add_user
from tests.ui.conftest import add_usage, context_for, opened
from workbench.accounts import users
from workbench.accounts.audit import Actor
from workbench.db import Database
from workbench.db.base import utcnow
from workbench.db.models import JobStatus, TranslationJob, UsageEvent, User
from workbench.ui.context import Context
from workbench.ui.home import HomePage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def kpis(page: HomePage) -> dict[str, str]:
    """Each card's label → its value, as the user reads them."""
    cards = re.findall(
        r'<div class="wb-kpi-value">(.*?)</div><div class="wb-kpi-label">(.*?)</div>',
        page.kpis.value,
    )
    return {html.unescape(label): html.unescape(value) for value, label in cards}


async def seed(db: Database, admin: User) -> None:
    """Three more users (one on pro, one inactive), usage today and long ago, some jobs."""
    first = await add_user(db, "ann@example.com")
    await add_user(db, "bob@example.com", tier="pro")
    await add_user(db, "cid@example.com")
    async with db.session() as session:
        await users.set_active(session, "cid@example.com", False, actor=Actor.of(admin))
        await session.commit()
    now = utcnow()
    async with db.session() as session:
        session.add_all(
            [
                UsageEvent(user_id=first, provider="pseudo", characters=1200, translations=3),
                UsageEvent(user_id=first, provider="deepl", characters=800, translations=2),
                UsageEvent(user_id=admin.id, provider="deepl", characters=500, translations=1),
                # Before this month and outside the charts: counted nowhere here.
                UsageEvent(
                    user_id=first,
                    provider="openai",
                    characters=9_999,
                    translations=99,
                    created_at=now - timedelta(days=40),
                ),
                job(first, JobStatus.RUNNING),
                job(first, JobStatus.QUEUED),
                job(first, JobStatus.COMPLETED),
                job(first, JobStatus.FAILED),
            ]
        )
        await session.commit()


def job(user_id: uuid.UUID, status: JobStatus) -> TranslationJob:
    return TranslationJob(user_id=user_id, provider="pseudo", target_lang="fr", status=status)


async def test_key_figures_come_from_the_database(db: Database, admin: User, ctx: Context) -> None:
    await seed(db, admin)
    page = await opened(HomePage, ctx)

    shown = kpis(page)
    assert shown["Users on Free"] == "3"  # the admin, ann and cid
    assert shown["Users on Pro"] == "1"
    assert shown["Active users"] == "3"
    assert shown["Translations today"] == "6"
    assert shown["Characters this month"] == "2,500"
    assert "deepl 1,300 · pseudo 1,200" in page.kpis.value
    assert shown["Jobs running or queued"] == "2"
    assert "1 running, 1 queued" in page.kpis.value
    assert page.status.kind != "error"


async def test_charts_are_png_images_of_the_last_30_days(
    db: Database, admin: User, ctx: Context
) -> None:
    await seed(db, admin)
    page = await opened(HomePage, ctx)

    images = page.charts.children
    assert len(images) == 2
    for image in images:
        assert bytes(image.value).startswith(PNG_SIGNATURE)
    assert page.figures is not None
    assert len(page.figures.days) == 30
    assert page.figures.days[-1].characters_by_provider == {"pseudo": 1200, "deepl": 1300}


async def test_refresh_shows_new_usage(db: Database, admin: User, ctx: Context) -> None:
    page = await opened(HomePage, ctx)
    assert kpis(page)["Translations today"] == "0"
    assert kpis(page)["Characters this month"] == "0"
    assert "No use yet this month" in page.kpis.value

    await add_usage(db, admin.id, characters=40, translations=4)
    page.refresh.click()
    await page.tasks.idle()

    assert kpis(page)["Translations today"] == "4"
    assert kpis(page)["Characters this month"] == "40"
    assert page.status.kind == "ok"
    assert not page.refresh.disabled


async def test_quick_links_lead_to_the_admin_pages(ctx: Context) -> None:
    page = await opened(HomePage, ctx)
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', page.links.value))
    assert links == {
        "/voila/render/users.ipynb": "Users",
        "/voila/render/tiers.ipynb": "Tiers &amp; pricing",
        "/voila/render/settings.ipynb": "Settings",
    }


async def test_in_french(db: Database, admin: User) -> None:
    await add_user(db, "bob@example.com", tier="pro")
    await add_usage(db, admin.id, characters=1500, translations=2)
    page = await opened(HomePage, await context_for(db, admin.email, "fr"))

    assert page.refresh.description == "Actualiser"
    shown = kpis(page)
    assert shown["Utilisateurs actifs"] == "2"
    assert shown["Traductions aujourd’hui"] == "2"
    assert shown["Caractères ce mois-ci"] == "1\u202f500"  # French digit grouping
    assert "Offres et tarifs" in page.links.value
    assert "Tâches en cours ou en attente" in page.kpis.value


async def test_translators_see_no_figures(translator_ctx: Context) -> None:
    page = await opened(HomePage, translator_ctx)
    assert page.status.kind == "error"
    assert "admins only" in page.status.message
    assert page.kpis.value == ""
