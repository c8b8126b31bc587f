"""The links that serve files translated through the API to their owner.

``POST /translate_file`` keeps the upload as a document's is
(:func:`workbench.api.documents.translate_file`) and answers a link:
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
import uuid
from pathlib import Path
from urllib.parse import quote

from workbench.batch.paths import confine
from workbench.config import Settings, derived_key
from workbench.db.models import TranslationJob, User
from workbench.errors import PathNotAllowed

PURPOSE = "api:file-links"
LINK_SECONDS = 3600
TOKEN_LENGTH = 43  # a SHA-256 HMAC in URL-safe base64, unpadded
DOWNLOAD_PREFIX = "/download_file"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


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
