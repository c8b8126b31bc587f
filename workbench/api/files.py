"""Files translated through the API, and the links that serve them to their owner.

``POST /translate_file`` saves the upload where the workbench keeps uploads
(``<data dir>/uploads/<user id>/<random>/<name>``, swept as the dashboards' are), runs it
as an ordinary job in the owner's name (:func:`translate_file`) and answers a link:
``/download_file/<job id>/<expiry>/<token>/<name>``.

The link carries no API key: a LibreTranslate client downloads it without credentials,
and a key in a URL ends up in logs and browser histories. Its ``token`` is an HMAC, by a
key derived from the server secret, of the job id, the owner's id and the expiry (Unix
seconds, :data:`LINK_SECONDS` after the translation): unguessable like LibreTranslate's
own, bound to that job of that owner, and short-lived. The download checks the token,
the expiry, that the job is still its owner's and that the owner is still active.
Rotating ``WORKBENCH_SECRET_KEY`` voids every link.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

from workbench.batch import uploads
from workbench.batch.formats import FORMATS
from workbench.batch.jobs import JobInput
from workbench.batch.paths import confine, file_inputs, write_atomically
from workbench.config import Settings, derived_key
from workbench.db.models import TranslationJob, User
from workbench.errors import InvalidInput, PathNotAllowed

PURPOSE = "api:file-links"
LINK_SECONDS = 3600
TOKEN_LENGTH = 43  # a SHA-256 HMAC in URL-safe base64, unpadded
DOWNLOAD_PREFIX = "/download_file"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class SavedUpload:
    path: Path
    out_dir: Path


def upload_name(name: str) -> str:
    """The last part of an uploaded name, only letters, digits, ``. _ -`` and spaces;
    its extension must be one the workbench reads (400 otherwise)."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    cleaned = re.sub(r"[^\w.\- ]+", "_", unicodedata.normalize("NFC", base)).strip(" .")
    stem, dot, extension = cleaned.rpartition(".")
    suffix = f".{extension.lower()}" if dot else ""
    if suffix not in FORMATS:
        raise InvalidInput(
            f"this type of file cannot be translated; send one of {', '.join(sorted(FORMATS))}"
        )
    return f"{stem.strip(' .')[:100] or 'upload'}{suffix}"


def save_upload(settings: Settings, user_id: uuid.UUID, name: str, data: bytes) -> SavedUpload:
    """Keep ``data`` as the owner's upload, and choose a fresh folder for its output."""
    root = uploads.user_folder(settings, user_id)
    path = confine(root / secrets.token_hex(8) / upload_name(name), [root])
    write_atomically(path, data)
    out_dir = settings.data_dir / "outputs" / str(user_id) / secrets.token_hex(8)
    return SavedUpload(path, out_dir)


def job_inputs(settings: Settings, saved: SavedUpload, target: str) -> tuple[JobInput, ...]:
    """The job's one input: the upload, its translation written into ``saved.out_dir``."""
    return tuple(
        file_inputs([saved.path], target, data_dir=settings.data_dir, out_dir=saved.out_dir)
    )


# --- links --------------------------------------------------------------------------------


def token(settings: Settings, job_id: uuid.UUID, owner: uuid.UUID, expires: int) -> str:
    """The link's proof that the server made it for ``owner``'s ``job_id`` until ``expires``."""
    message = f"{job_id}:{owner}:{expires}".encode()
    digest = hmac.new(derived_key(settings, PURPOSE), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_path(
    settings: Settings, job_id: uuid.UUID, owner: uuid.UUID, expires: int, name: str
) -> str:
    """The path (to put after the server's origin) that serves the job's output until
    ``expires``."""
    proof = token(settings, job_id, owner, expires)
    return f"{DOWNLOAD_PREFIX}/{job_id}/{expires}/{proof}/{quote(name, safe='')}"


def check_link(
    settings: Settings,
    job: TranslationJob | None,
    owner: User | None,
    expires: int,
    proof: str,
    now: float,
) -> Path | None:
    """The output file a link serves, or None when the link is wrong, expired or its job
    or owner is gone; every refusal looks the same to the caller."""
    if job is None or owner is None or job.user_id != owner.id or not owner.is_active:
        return None
    if expires < now or _TOKEN.fullmatch(proof) is None:
        return None
    if not hmac.compare_digest(proof, token(settings, job.id, owner.id, expires)):
        return None
    outputs = job.outputs or []
    if len(outputs) != 1:
        return None
    try:
        path = confine(str(outputs[0]["output"]), [settings.data_dir])
    except (PathNotAllowed, KeyError):
        return None
    return path if path.is_file() else None


async def read_chunks(path: Path, size: int) -> list[bytes]:
    """The file's bytes in chunks (read off the event loop)."""

    def read() -> list[bytes]:
        with path.open("rb") as file:
            return list(iter(lambda: file.read(size), b""))

    return await asyncio.to_thread(read)
