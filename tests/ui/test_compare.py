"""Comparing providers on a sample, on the Translate page: pseudo against a fake DeepL."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from tests.accounts.support import OPERATOR, add_user
from tests.providers.fakes.deepl_api import FakeDeepL, translated
from tests.ui.conftest import context_for, opened
from workbench.accounts.quotas import get_allowance
from workbench.db import Database
from workbench.db.models import JobStatus, TranslationJob, UsageEvent, User
from workbench.glossary.store import import_file
from workbench.providers.pseudo import pseudo_localize
from workbench.ui.compare import MAX_SAMPLE
from workbench.ui.context import Context
from workbench.ui.translate import TranslatePage

PRO_EMAIL = "pro@example.com"


async def compare_jobs(db: Database) -> list[TranslationJob]:
    async with db.session() as session:
        rows = await session.scalars(select(TranslationJob).order_by(TranslationJob.created_at))
        return list(rows)


async def test_pseudo_and_deepl_side_by_side(db: Database, fake_deepl: FakeDeepL) -> None:
    user_id = await add_user(db, PRO_EMAIL, tier="pro")
    page = await opened(TranslatePage, await context_for(db, PRO_EMAIL))
    panel = page.compare
    assert len(panel.rows) == 2
    panel.rows[0].provider.value = "pseudo"
    panel.rows[1].provider.value = "deepl"
    await page.tasks.idle()
    assert panel.rows[1].model.options[0] == ("prefer_quality_optimized (default)", "")
    sample = ["Open the file", "Save <b>all</b> files"]
    panel.sample.value = "\n".join(sample) + "\n\n"

    panel.run.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    table = panel.table.value
    assert "<th>Pseudo-localisation (not a real translation)</th>" in table
    assert "<th>DeepL</th>" in table
    for text in sample:
        row = (
            f"<td>{html.escape(text)}</td><td>{html.escape(pseudo_localize(text))}</td>"
            f"<td>{html.escape(translated(text, 'FR'))}</td>"
        )
        assert row in table
    characters = sum(len(text) for text in sample)
    assert f"<th>Characters billed</th><td>{characters}</td><td>{characters}</td>" in table
    assert "<th>Latency</th>" in table
    assert "Glossary QA issues" not in table  # no glossary chosen
    # Each choice is an ordinary job, accounted like any translation.
    found = await compare_jobs(db)
    assert [(job.provider, job.status, job.options.get("origin")) for job in found] == [
        ("pseudo", JobStatus.COMPLETED, "compare"),
        ("deepl", JobStatus.COMPLETED, "compare"),
    ]
    async with db.session() as session:
        billed = await session.scalar(
            select(func.sum(UsageEvent.characters)).where(
                UsageEvent.user_id == user_id, UsageEvent.provider == "deepl"
            )
        )
        allowance = await get_allowance(session, user_id)
    assert billed == characters
    assert allowance.translations_used == 2
    assert "Comparison sample" in page.history.value


async def test_a_sample_over_the_limit_is_refused(db: Database, translator_ctx: Context) -> None:
    page = await opened(TranslatePage, translator_ctx)
    page.compare.sample.value = "\n".join(f"Line {n}" for n in range(MAX_SAMPLE + 1))
    page.compare.run.click()
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert page.status.message == "The sample has 21 segments; compare at most 20 at a time."
    assert await compare_jobs(db) == []

    page.compare.sample.value = "  \n"
    page.compare.run.click()
    await page.tasks.idle()
    assert page.status.message == "Paste a sample to compare: one segment per line."
    assert await compare_jobs(db) == []


async def test_two_to_four_choices(db: Database, translator_ctx: Context) -> None:
    page = await opened(TranslatePage, translator_ctx)
    panel = page.compare
    # A translator on the free tier is offered its two providers only.
    assert [value for _label, value in panel.rows[0].provider.options] == ["pseudo", "google"]
    assert [row.provider.value for row in panel.rows] == ["pseudo", "google"]
    assert all(row.remove.disabled for row in panel.rows)
    panel.add.click()
    panel.add.click()
    await page.tasks.idle()
    assert len(panel.rows) == 4
    assert panel.add.disabled
    panel.add.click()
    assert len(panel.rows) == 4
    panel.rows[3].remove.click()
    assert len(panel.rows) == 3
    assert not panel.add.disabled
    panel.rows[0].remove.click()
    assert len(panel.rows) == 2
    assert all(row.remove.disabled for row in panel.rows)


async def test_glossary_qa_per_choice(db: Database, translator: User) -> None:
    async with db.session() as session:
        await import_file(
            session,
            b"source_term,target_term\nfile,fichier\n",
            "terms.csv",
            name="Menu",
            source_lang="en",
            target_lang="fr",
            actor=OPERATOR,
        )
        await session.commit()
    page = await opened(TranslatePage, await context_for(db, translator.email))
    page.target.value = "fr"
    page.glossary.value = page.glossary.options[1][1]
    panel = page.compare
    panel.rows[1].provider.value = "pseudo"
    await page.tasks.idle()
    panel.sample.value = "Open the file\nClose the window"

    panel.run.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    assert "<th>Glossary QA issues</th><td>0</td><td>0</td>" in panel.table.value
    assert "fichier" in panel.table.value
    found = await compare_jobs(db)
    assert [job.glossary_id for job in found] == [page.glossary.value] * 2


async def test_french_labels(db: Database, translator: User) -> None:
    page = await opened(TranslatePage, await context_for(db, translator.email, "fr"))
    panel = page.compare
    assert panel.run.description == "Comparer"
    assert panel.add.description == "Ajouter un choix"
    assert panel.rows[0].provider.options[0][0] == "Pseudo-localisation (pas une vraie traduction)"
    panel.sample.value = "\n".join(f"Ligne {n}" for n in range(MAX_SAMPLE + 1))
    panel.run.click()
    await page.tasks.idle()
    assert page.status.message.startswith("L’échantillon compte 21 segments")
