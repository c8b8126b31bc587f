"""Jobs with a glossary: enforced by placeholders (pseudo) or natively (DeepL), and QA."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from tests.providers.conftest import FAST
from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.accounts.users import create_user
from workbench.batch.engine import Engine
from workbench.batch.jobs import JobSpec
from workbench.batch.memory import MemoryKey, store
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import GlossaryRemoteCopy, JobStatus, Role
from workbench.errors import InvalidInput, NotFound
from workbench.glossary import store as glossaries
from workbench.notebook import Workbench

TERMS = pd.DataFrame({"source_term": ["Workbench", "cloud"], "target_term": ["Atelier", "nuage"]})
TEXTS = ["The Workbench runs in the cloud.", "Nothing to enforce here.", "Workbench!"]


async def make_glossary(db: Database, owner_id: uuid.UUID | None = None) -> uuid.UUID:
    async with db.session() as session:
        result = await glossaries.import_frame(
            session, TERMS, name="product", source_lang="en", target_lang="fr", owner_id=owner_id
        )
        await session.commit()
        return result.glossary.id


@pytest.fixture
async def engine(db: Database) -> AsyncIterator[Engine]:
    async with Engine(db) as engine:
        yield engine


async def test_placeholder_enforcement_puts_the_targets_in_and_qa_is_clean(
    engine: Engine, db: Database
) -> None:
    glossary_id = await make_glossary(db)
    job = await engine.translate_now(JobSpec("pseudo", "fr", glossary_id=glossary_id), TEXTS)
    assert job.status is JobStatus.COMPLETED, job.error
    assert job.qa_report == []
    async with db.session() as session:
        translations = dict((await session.execute(select_translations(job.id))).all())
    assert "Atelier" in translations[TEXTS[0]]
    assert "nuage" in translations[TEXTS[0]]
    assert "Workbench" not in translations[TEXTS[0]]
    assert "⟦" not in "".join(translations.values())  # no placeholder leaks


async def test_qa_reports_a_translation_that_lacks_a_target(engine: Engine, db: Database) -> None:
    glossary_id = await make_glossary(db)
    async with db.session() as session:
        checksum = (await glossaries.get_glossary(session, "product")).checksum
        # A remembered translation from before the glossary was enforced properly.
        await store(session, MemoryKey("pseudo", "", "", "fr", checksum), {TEXTS[2]: "Établi !"})
        await session.commit()
    job = await engine.translate_now(JobSpec("pseudo", "fr", glossary_id=glossary_id), TEXTS)
    assert job.qa_report == [
        {
            "check": "glossary term missing",
            "where": "",
            "source": "Workbench!",
            "translation": "Établi !",
            "problem": "“Atelier” is missing (the glossary's target for “Workbench”)",
        }
    ]


async def test_a_translator_cannot_use_someone_elses_glossary(engine: Engine, db: Database) -> None:
    async with db.session() as session:
        owner = await create_user(session, email="owner@example.org", hashed_password="x")
        other = await create_user(
            session,
            email="other@example.org",
            hashed_password="x",
            tier="pro",
            role=Role.TRANSLATOR,
        )
        await session.commit()
    glossary_id = await make_glossary(db, owner_id=owner.id)
    with pytest.raises(NotFound):
        await engine.translate_now(
            JobSpec("pseudo", "fr", glossary_id=glossary_id, user_id=other.id), TEXTS
        )


async def test_deepl_jobs_use_a_native_glossary_synced_by_checksum(
    db: Database, fake_deepl: FakeDeepL
) -> None:
    glossary_id = await make_glossary(db)
    async with Engine(db, provider_options={"deepl": FAST}) as engine:
        first = await engine.translate_now(JobSpec("deepl", "FR", glossary_id=glossary_id), TEXTS)
        second = await engine.translate_now(
            JobSpec("deepl", "FR", glossary_id=glossary_id), ["Workbench again"]
        )
        with pytest.raises(InvalidInput, match="glossary is for target language 'fr'"):
            await engine.translate_now(JobSpec("deepl", "DE", glossary_id=glossary_id), ["x"])
    assert first.status is JobStatus.COMPLETED, first.error
    assert second.status is JobStatus.COMPLETED, second.error
    async with db.session() as session:
        copy = (await session.scalars(select(GlossaryRemoteCopy))).one()
    created = fake_deepl.requests("/v2/glossaries", "POST")
    assert len(created) == 1  # made once, reused for the second job
    sent = [r.json() for r in fake_deepl.requests("/v2/translate", "POST")]
    assert {body.get("glossary_id") for body in sent} == {copy.remote_id}
    assert {body.get("source_lang") for body in sent} == {"EN"}  # as DeepL spells it


async def test_translate_frame_flags_rows_by_glossary_qa(
    db_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    async with await Workbench.open() as wb:
        await make_glossary(wb.db)
        frame = pd.DataFrame({"text": TEXTS})
        result = await wb.translate_frame(frame, "text", "fr", glossary="product", progress=False)
    assert result["qa_ok"].tolist() == [True, True, True]


def select_translations(job_id: uuid.UUID):  # type: ignore[no-untyped-def]
    from workbench.db.models import JobSegment

    return select(JobSegment.source_text, JobSegment.translated_text).where(
        JobSegment.job_id == job_id
    )
