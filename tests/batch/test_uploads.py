"""Uploads expire: a folder older than the retention goes, unless a queued or running job
still reads it; a finished, failed or deleted job keeps nothing."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete

from workbench.batch import jobs, uploads
from workbench.batch.jobs import JobInput, JobSpec
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import JobStatus, TranslationJob

DAY = 86400.0
NOW = time.time()


def upload(user: uuid.UUID, age_days: float, name: str = "text.txt") -> Path:
    """An upload folder as the Translate page makes it, written ``age_days`` ago."""
    folder = uploads.user_folder(get_settings(), user) / uuid.uuid4().hex[:16]
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text("Hello.\n")
    when = NOW - age_days * DAY
    for item in (path, folder):
        os.utime(item, (when, when))
    return folder


async def job_reading(db: Database, folder: Path, status: JobStatus) -> uuid.UUID:
    source = next(folder.iterdir())
    async with db.session() as session:
        job = await jobs.create_job(
            session,
            JobSpec("pseudo", "fr", inputs=(JobInput(str(source), f"{source}.fr"),)),
        )
        job.status = status
        await session.commit()
        return job.id


async def test_expired_uploads_go_unless_an_active_job_reads_them(db: Database) -> None:
    user = uuid.uuid4()
    expired, recent = upload(user, 8), upload(user, 6)
    queued, running = upload(user, 30), upload(user, 30)
    done, failed = upload(user, 30), upload(user, 30)
    await job_reading(db, queued, JobStatus.QUEUED)
    await job_reading(db, running, JobStatus.RUNNING)
    await job_reading(db, done, JobStatus.COMPLETED)
    await job_reading(db, failed, JobStatus.FAILED)

    assert await uploads.sweep(db, get_settings(), now=NOW) == 3
    assert {path for path in (expired, recent, queued, running, done, failed) if path.exists()} == {
        recent,
        queued,
        running,
    }
    assert await uploads.sweep(db, get_settings(), now=NOW) == 0  # nothing more to do


async def test_an_upload_goes_once_its_job_is_deleted(db: Database) -> None:
    folder = upload(uuid.uuid4(), 8)
    job_id = await job_reading(db, folder, JobStatus.QUEUED)
    assert await uploads.sweep(db, get_settings(), now=NOW) == 0
    async with db.session() as session:
        await session.execute(delete(TranslationJob).where(TranslationJob.id == job_id))
        await session.commit()
    assert await uploads.sweep(db, get_settings(), now=NOW) == 1
    assert not folder.exists()


async def test_a_file_added_lately_keeps_its_folder(db: Database) -> None:
    """An upload folder's age is its newest file's (the pasted text is saved again)."""
    folder = upload(uuid.uuid4(), 8)
    (folder / "again.txt").write_text("Hello again.\n")
    assert await uploads.sweep(db, get_settings(), now=NOW) == 0
    assert folder.exists()


@pytest.mark.parametrize("days", ["1", "0.5"])
async def test_the_retention_is_a_setting(
    db: Database, monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.setenv("WORKBENCH_UPLOAD_RETENTION_DAYS", days)
    get_settings.cache_clear()
    folder = upload(uuid.uuid4(), 2)
    assert await uploads.sweep(db, get_settings(), now=NOW) == 1
    assert not folder.exists()


async def test_no_uploads_yet_is_nothing_to_do(db: Database) -> None:
    assert await uploads.sweep(db, get_settings(), now=NOW) == 0
