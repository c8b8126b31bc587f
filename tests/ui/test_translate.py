"""The Translate page against a real database on both backends, driven as a user would.

Jobs the page queues are worked here by the engine itself (``Engine.work``), as a
``workbench worker`` process would, while the page polls the job row.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.accounts.support import OPERATOR, add_user
from tests.attacks import input_bombs as bombs
from tests.ui.conftest import context_for, opened
from workbench.accounts import tiers
from workbench.batch.engine import Engine
from workbench.batch.jobs import JobSpec, Reading
from workbench.batch.paths import file_inputs
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import JobStatus, Setting, TranslationJob, User
from workbench.errors import ProviderNotAllowed
from workbench.glossary.store import import_file
from workbench.providers.pseudo import pseudo_localize
from workbench.ui.context import Context
from workbench.ui.translate import TranslatePage, output_url, qa_url, safe_filename

PRO_EMAIL = "pro@example.com"


def uploaded(name: str, data: bytes) -> dict[str, object]:
    return {
        "name": name,
        "type": "application/octet-stream",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": datetime(2024, 1, 1, tzinfo=UTC),
    }


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for what the page shows while its polling task keeps running."""
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


async def job_count(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(TranslationJob)) or 0


async def get_job(db: Database, job_id: uuid.UUID) -> TranslationJob:
    async with db.session() as session:
        return await session.get_one(TranslationJob, job_id)


async def work(db: Database, job_id: uuid.UUID) -> None:
    """What a ``workbench worker`` does with the job, in this process."""
    async with Engine(db) as engine:
        await engine.work(job_id, "test-worker")


async def test_only_the_tiers_configured_providers_are_offered(
    db: Database, translator_ctx: Context
) -> None:
    page = await opened(TranslatePage, translator_ctx)
    # The free tier includes pseudo and google; deepl is not even mentioned.
    assert [value for _label, value in page.provider.options] == ["pseudo", "google"]
    assert page.provider.value == "pseudo"
    assert "DeepL" not in page.provider_note.value

    await add_user(db, PRO_EMAIL, tier="pro")
    pro = await opened(TranslatePage, await context_for(db, PRO_EMAIL))
    offered = [value for _label, value in pro.provider.options]
    assert "deepl" not in offered  # included by the tier, but no key on this server
    assert "pseudo" in offered
    assert "DeepL: not configured — set DEEPL_AUTH_KEY" in pro.provider_note.value


async def test_engine_refuses_a_provider_the_tier_does_not_include(
    db: Database, translator: User, tmp_path: Path
) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("Hello world\n", encoding="utf-8")
    # Ollama needs no key, so only the tier stands in the way.
    spec = JobSpec(
        "ollama",
        "fr",
        user_id=translator.id,
        inputs=tuple(file_inputs([source], "fr", data_dir=get_settings().data_dir)),
    )
    async with Engine(db) as engine:
        with pytest.raises(ProviderNotAllowed):
            await engine.submit(spec)
    assert await job_count(db) == 0


async def test_a_provider_removed_from_the_tier_meanwhile_is_refused(db: Database) -> None:
    await add_user(db, PRO_EMAIL, tier="pro")
    page = await opened(TranslatePage, await context_for(db, PRO_EMAIL))
    page.provider.value = "google"
    await page.tasks.idle()
    page.text.value = "Hello world"
    async with db.session() as session:
        await tiers.update_tier(session, "pro", actor=OPERATOR, allowed_providers=["pseudo"])
        await session.commit()

    page.run_button.click()
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert "does not include the provider google" in page.status.message
    assert await job_count(db) == 0


async def test_the_estimate_is_the_engines(
    db: Database, translator_ctx: Context, tmp_path: Path
) -> None:
    async with db.session() as session:
        session.add(Setting(key="prices", value={"pseudo": 40_000.0}))
        await session.commit()
    rows = b"id,title,note\n1,Open the file,x\n2,Save the file,y\n3,Open the file,z\n"
    text = "Good morning.\n\nThe file is saved.\n\n12345\n"
    # Something already in the translation memory for the same provider and languages.
    async with Engine(db) as engine:
        await engine.translate_now(
            JobSpec("pseudo", "fr", user_id=translator_ctx.user.id), ["Save the file"]
        )
    page = await opened(TranslatePage, await context_for(db, translator_ctx.user.email))
    page.upload.value = (uploaded("menu.csv", rows),)
    await page.tasks.idle()
    upload = page.uploads[0]
    assert upload.columns is not None
    assert list(upload.columns.options) == ["id", "title", "note"]
    upload.columns.value = ("title",)
    page.text.value = text
    page.target.value = "fr"

    page.estimate_button.click()
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    copy_csv, copy_txt = tmp_path / "menu.csv", tmp_path / "pasted.txt"
    copy_csv.write_bytes(rows)
    copy_txt.write_text(text, encoding="utf-8")
    data_dir = get_settings().data_dir
    spec = JobSpec(
        "pseudo",
        "fr",
        user_id=translator_ctx.user.id,
        inputs=(
            *file_inputs([copy_csv], "fr", data_dir=data_dir, reading=Reading(columns=("title",))),
            *file_inputs([copy_txt], "fr", data_dir=data_dir),
        ),
    )
    async with Engine(db) as engine:
        expected = await engine.estimate(spec)
    assert expected.from_memory == 1
    assert expected.segments == 4
    assert expected.allowance is not None
    t = page.t
    shown = page.estimate_box.value
    for key, value in {
        "segments": t.number(expected.segments),
        "characters": t.number(expected.characters),
        "from_memory": t.number(expected.from_memory),
        "billed_characters": t.number(expected.billed_characters),
        "cost": t.money(expected.cost, expected.currency),
        "translations_left": f"{expected.allowance.translations_left} of "
        f"{expected.allowance.translation_limit}",
        "characters_left": f"{t.number(expected.allowance.characters_left or 0)} of "
        f"{t.number(expected.allowance.character_limit or 0)}",
    }.items():
        assert f'data-key="{key}">{value}<' in shown, key
    assert expected.cost > 0
    assert await job_count(db) == 1  # the estimate stored nothing


async def test_run_queues_a_job_a_worker_completes_with_progress_and_downloads(
    db: Database, translator_ctx: Context
) -> None:
    page = await opened(TranslatePage, translator_ctx)
    page.upload.value = (
        uploaded("../../Guide d'accueil.md", b"# Welcome\n\nRead the guide first.\n"),
        uploaded("lines.txt", b"One line.\n\nAnother line.\n"),
    )
    await page.tasks.idle()
    page.target.value = "de"

    page.run_button.click()
    await until(lambda: page.job_id is not None)

    assert page.job_id is not None
    job = await get_job(db, page.job_id)
    data_dir = get_settings().data_dir.resolve()
    assert job.status is JobStatus.QUEUED
    assert (job.provider, job.target_lang, job.source_lang) == ("pseudo", "de", "")
    assert job.user_id == translator_ctx.user.id
    assert job.total_segments == 4
    names = [Path(item["path"]).name for item in job.inputs]
    assert names == ["Guide d_accueil.md", "lines.txt"]
    for item in job.inputs:
        path = Path(item["path"])
        assert path.parent.parent == data_dir / "uploads" / str(translator_ctx.user.id)
        assert Path(item["output"]).is_relative_to(data_dir / "outputs")
    await until(lambda: "Queued" in page.progress_label.value)

    await work(db, job.id)
    await page.tasks.idle()

    job = await get_job(db, job.id)
    assert job.status is JobStatus.COMPLETED
    assert page.progress.value == page.progress.max == 4
    assert "4 of 4 segments" in page.progress_label.value
    assert "100%" in page.progress_label.value
    assert page.status.kind == "ok"
    assert f'href="{output_url(job.id, 0)}"' in page.downloads.value
    assert f'href="{output_url(job.id, 1)}"' in page.downloads.value
    assert "download>" in page.downloads.value
    written = Path(job.outputs[1]["output"]).read_text(encoding="utf-8")
    assert written == f"{pseudo_localize('One line.')}\n\n{pseudo_localize('Another line.')}\n"
    assert f'data-job="{job.id}"' in page.history.value
    assert "Completed" in page.history.value
    assert output_url(job.id, 1) in page.history.value


async def test_a_spreadsheet_column_is_translated_into_another_one(
    db: Database, translator_ctx: Context
) -> None:
    rows = b"Menu strings,,\nkey,en,fr\nopen,Open the file,\nsave,Save the file,Enregistrer\n"
    page = await opened(TranslatePage, translator_ctx)
    page.upload.value = (uploaded("menu.csv", rows),)
    await page.tasks.idle()
    upload = page.uploads[0]
    assert upload.columns is not None
    assert upload.target is not None
    # The header is found below the title row.
    assert list(upload.columns.options) == ["key", "en", "fr"]
    assert list(upload.target.options) == ["key", "en", "fr"]
    upload.columns.value = ("en", "key")
    upload.target.value = "fr"
    page.run_button.click()
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert page.status.message == "Choose one column to fill fr from in menu.csv."

    upload.columns.value = ("en",)
    page.run_button.click()
    await until(lambda: page.job_id is not None)
    assert page.job_id is not None
    job = await get_job(db, page.job_id)
    assert job.inputs[0]["columns"] == ["en:fr"]
    await work(db, job.id)
    written = Path((await get_job(db, job.id)).outputs[0]["output"]).read_bytes()
    # The empty French cell is filled, the one a translator wrote is kept, English stays.
    assert written == (
        b"Menu strings,,\nkey,en,fr\n"
        + f"open,Open the file,{pseudo_localize('Open the file')}\n".encode()
        + b"save,Save the file,Enregistrer\n"
    )


async def test_cancel_then_resume(db: Database, translator_ctx: Context) -> None:
    page = await opened(TranslatePage, translator_ctx)
    page.text.value = "First paragraph.\n\nSecond paragraph."
    page.run_button.click()
    await until(lambda: page.job_id is not None)
    assert page.job_id is not None
    job_id = page.job_id

    page.cancel_button.click()
    assert page.cancel_row.layout.display == "flex"
    page.confirm_cancel.click()
    await page.tasks.idle()

    assert (await get_job(db, job_id)).status is JobStatus.CANCELLED
    assert "Cancelled" in page.progress_label.value
    assert page.cancel_button.disabled
    assert [value for _label, value in page.resume_choice.options] == [job_id]

    page.resume_choice.value = job_id
    page.resume_button.click()
    await until(lambda: "Queued" in page.progress_label.value)
    assert (await get_job(db, job_id)).status is JobStatus.QUEUED
    await work(db, job_id)
    await page.tasks.idle()
    assert (await get_job(db, job_id)).status is JobStatus.COMPLETED
    assert page.resume_choice.options == ()


async def test_glossaries_follow_the_language_pair_and_the_qa_report_is_linked(
    db: Database, translator_ctx: Context
) -> None:
    async with db.session() as session:
        for name, target in (("Menu FR", "fr"), ("Menu DE", "de")):
            await import_file(
                session,
                b"source_term,target_term\nfile,fichier\n",
                "terms.csv",
                name=name,
                source_lang="en",
                target_lang=target,
                actor=OPERATOR,
            )
        await session.commit()
    page = await opened(TranslatePage, translator_ctx)
    page.target.value = "fr"
    labels = [label for label, _value in page.glossary.options]
    assert labels[0] == "No glossary"
    assert any(label.startswith("Menu FR") for label in labels)
    assert not any(label.startswith("Menu DE") for label in labels)
    page.target.value = "de"
    labels = [label for label, _value in page.glossary.options]
    assert any(label.startswith("Menu DE") for label in labels)

    page.target.value = "fr"
    page.glossary.value = page.glossary.options[1][1]
    page.text.value = "Open the file."
    page.run_button.click()
    await until(lambda: page.job_id is not None)
    assert page.job_id is not None
    await work(db, page.job_id)
    await page.tasks.idle()

    job = await get_job(db, page.job_id)
    assert job.glossary_id == page.glossary.value
    assert job.qa_report == []
    assert f'href="{qa_url(job.id)}"' in page.downloads.value


async def test_bad_input_is_refused_and_changes_nothing(
    db: Database, translator_ctx: Context
) -> None:
    page = await opened(TranslatePage, translator_ctx)
    page.run_button.click()
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert page.status.message == "Upload a file or paste some text first."

    page.upload.value = (uploaded("tool.exe", b"MZ\x00\x00"),)
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert "tool.exe: this type of file cannot be translated" in page.status.message
    assert page.uploads == []

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["key", "English"])
    sheet.append(["greeting", "Hello"])
    path = Path(get_settings().data_dir) / "made.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    page.upload.value = (uploaded("strings.xlsx", path.read_bytes()),)
    await page.tasks.idle()
    assert page.uploads[0].columns is not None
    assert list(page.uploads[0].columns.options) == ["key", "English"]
    page.run_button.click()
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert page.status.message == "Choose the column(s) to translate in strings.xlsx."
    assert await job_count(db) == 0


async def test_a_sheet_over_the_cell_limit_is_refused_at_upload(
    db: Database, translator_ctx: Context
) -> None:
    page = await opened(TranslatePage, translator_ctx)
    page.upload.value = (uploaded("sparse.xlsx", bombs.sparse_xlsx({"A1": "text"})),)
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert page.status.message.startswith("sparse.xlsx: this XLSX file's sheets span 17,179,")
    assert "(WORKBENCH_MAX_CELLS)" in page.status.message
    assert page.uploads == []
    assert await job_count(db) == 0


def test_download_urls() -> None:
    job_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert output_url(job_id, 0) == f"/workbench/download/job/{job_id}/0"
    assert output_url(str(job_id), 2) == f"/workbench/download/job/{job_id}/2"
    assert qa_url(job_id) == f"/workbench/download/job/{job_id}/qa"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.docx", "report.docx"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\menu.csv", "menu.csv"),
        (".hidden.po", "hidden.po"),
        ("a<b>|c.srt", "a_b_c.srt"),
        ("..", "upload"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


async def test_french_labels(db: Database, translator: User) -> None:
    page = await opened(TranslatePage, await context_for(db, translator.email, "fr"))
    assert page.run_button.description == "Traduire"
    assert page.estimate_button.description == "Estimer"
    assert page.provider.description == "Fournisseur"
    assert page.upload.description == "Téléverser des fichiers"
    assert page.compare.run.description == "Comparer"
    assert page.glossary.options[0][0] == "Aucun glossaire"
    assert ("allemand (de)", "de") in page.target.options
    assert "Aucune tâche" in page.history.value
    page.upload.value = (uploaded("menu.csv", b"key,en\nopen,Open\n"),)
    await page.tasks.idle()
    target = page.uploads[0].target
    assert target is not None
    assert (target.description, target.placeholder) == ("Dans la colonne", "la même colonne")
