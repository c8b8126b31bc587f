"""Files uploaded to the Translate page or sent to the API (``/v2/document``); their expiry.

An upload is kept in its own folder, ``<data dir>/uploads/<user id>/<random>/<name>``,
which the page's jobs name as their inputs (workers read them from there). An upload
folder expires ``WORKBENCH_UPLOAD_RETENTION_DAYS`` after its newest file was written;
:func:`sweep` deletes expired folders that no queued or running job reads, so a job
deleted or long finished takes its uploads with it. ``workbench serve`` sweeps at start
and then every :data:`SWEEP_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
import time
import unicodedata
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath

from sqlalchemy import select

from workbench.batch.jobs import ACTIVE
from workbench.batch.paths import confine, write_atomically
from workbench.config import Settings
from workbench.db import Database
from workbench.db.models import TranslationJob

log = logging.getLogger(__name__)

UPLOADS = "uploads"
SWEEP_SECONDS = 3600


def user_folder(settings: Settings, user_id: uuid.UUID) -> Path:
    """Where ``user_id``'s uploads go, one folder each."""
    return settings.data_dir / UPLOADS / str(user_id)


def safe_filename(name: str) -> str:
    """The last part of an uploaded name, with only letters, digits, ``. _ -`` and spaces.

    Browsers may send a path (either separator); hidden names, control characters and
    over-long names are made harmless. The extension is kept: it chooses the format.
    """
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = unicodedata.normalize("NFC", base)
    cleaned = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    stem = stem.strip(" .")[:100] or "upload"
    extension = extension[:10]
    return f"{stem}.{extension}" if extension else stem


def save(settings: Settings, user_id: uuid.UUID, name: str, data: bytes) -> Path:
    """Keep ``data`` as ``name`` (made safe) in a new upload folder of ``user_id``'s."""
    root = user_folder(settings, user_id)
    path = confine(root / secrets.token_hex(8) / safe_filename(name), [root])
    write_atomically(path, data)
    return path


async def sweep(database: Database, settings: Settings, *, now: float | None = None) -> int:
    """Delete the expired upload folders no active job reads; how many were deleted."""
    root = settings.data_dir / UPLOADS
    cutoff = (time.time() if now is None else now) - settings.upload_retention_days * 86400
    expired = await asyncio.to_thread(_expired, root, cutoff)
    if not expired:
        return 0
    async with database.session() as session:
        inputs = (
            await session.scalars(
                select(TranslationJob.inputs).where(TranslationJob.status.in_(ACTIVE))
            )
        ).all()
    in_use = {_folder(root, Path(item["path"])) for job_inputs in inputs for item in job_inputs}
    doomed = [folder for folder in expired if folder not in in_use]
    await asyncio.to_thread(_delete, doomed)
    if doomed:
        log.info("deleted %d expired upload folder(s)", len(doomed))
    return len(doomed)


def _expired(root: Path, cutoff: float) -> list[Path]:
    if not root.is_dir():
        return []
    return [
        folder
        for user in root.iterdir()
        if user.is_dir() and not user.is_symlink()
        for folder in user.iterdir()
        if folder.is_dir() and not folder.is_symlink() and _newest(folder) < cutoff
    ]


def _newest(folder: Path) -> float:
    """When the folder or anything in it last changed."""
    return max([folder.stat().st_mtime, *(path.lstat().st_mtime for path in folder.rglob("*"))])


def _folder(root: Path, path: Path) -> Path | None:
    """The upload folder (``<user>/<random>``) that holds ``path``, if it is an upload."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        return None
    return root / parts[0] / parts[1] if len(parts) > 2 else None


def _delete(folders: list[Path]) -> None:
    for folder in folders:  # the user's folder stays: a page may be saving into it
        shutil.rmtree(folder, ignore_errors=True)
