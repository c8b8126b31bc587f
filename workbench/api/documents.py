"""Documents sent to the API: each one a workbench job on the worker queue, in any format
the workbench reads (:data:`workbench.batch.formats.FORMATS`), not only DeepL's.

- :func:`submit`: the file is kept in a new upload folder of its owner's
  (:mod:`workbench.batch.uploads`, swept like the Translate page's), and a queued job
  translates it into ``<name>.<lang>.<ext>`` beside it, through the same engine and queue
  as the dashboards' jobs (tier, quota reserve and settle, memory, glossary). Workers
  (``workbench worker``, or ``workbench serve``'s own) run it. A file its format cannot
  read still gets a document: its job ends at once in error, with the format's message.
- :func:`status` and :func:`result`: a document is its job, seen only by its owner and
  only with its key.
- :func:`translate_file` (LibreTranslate's ``/translate_file``): a file kept the same way,
  translated within the request; :mod:`workbench.api.files` makes the link to its output.

A document's id is its job's id (32 hex digits); its key is an HMAC of that id under a
key derived from the server's secret (:func:`workbench.config.derived_key`), given once
at upload, never stored, and compared in constant time. A wrong key, another user's
document and an unknown id all get the same 404.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from workbench.api import service
from workbench.api.auth import Caller
from workbench.batch import jobs, uploads
from workbench.batch.formats import FORMATS
from workbench.batch.jobs import JobInput, JobSpec
from workbench.batch.paths import confine, default_output
from workbench.config import Settings, derived_key
from workbench.db.base import utcnow
from workbench.db.models import JobStatus, TranslationJob
from workbench.errors import InvalidInput, NotFound, UsageError

KEY_PURPOSE = "api-document-key"
MARK = "api_document"  # the job option naming a job an API document (its original name)
DocumentState = Literal["queued", "translating", "done", "error"]
NOT_FOUND = "Document not found: check the document_id and document_key the upload gave"

# What a translated file is sent as; any other extension is application/octet-stream.
CONTENT_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".po": "text/x-gettext-translation",
    ".json": "application/json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".srt": "application/x-subrip",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}


@dataclass(frozen=True)
class Handle:
    document_id: str
    document_key: str


@dataclass(frozen=True)
class Status:
    document_id: str
    state: DocumentState
    seconds_remaining: int | None = None
    billed_characters: int | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class Translated:
    job_id: uuid.UUID
    output: str  # the translated file's name


@dataclass(frozen=True)
class Result:
    name: str
    content_type: str
    data: bytes


def supported() -> str:
    """The extensions a document may have, for messages."""
    return ", ".join(extension.lstrip(".") for extension in sorted(FORMATS))


def check_name(name: str, output_format: str | None = None) -> str:
    """The document's safe name if its format is one the workbench reads, else 400.

    ``output_format`` (DeepL's) may only name the uploaded file's own format.
    """
    safe = uploads.safe_filename(name)
    extension = PurePosixPath(safe).suffix.lower()
    if extension not in FORMATS:
        raise InvalidInput(
            f"unsupported file type {extension or '(none)'} ({name[:80]!r}); "
            f"send one of: {supported()}"
        )
    if output_format is not None and output_format.strip():
        wanted = "." + output_format.strip().lower().lstrip(".")
        writes = default_output(Path(safe), "xx").suffix.lower()
        if wanted not in (extension, writes):
            raise InvalidInput(
                f"output_format {output_format.strip()[:20]!r} is not offered: a {extension} "
                f"document is translated into a {writes} file; leave output_format out"
            )
    return safe


def document_id(job_id: uuid.UUID) -> str:
    return job_id.hex.upper()


def document_key(settings: Settings, job_id: uuid.UUID) -> str:
    """The document's secret key: an HMAC of its job's id (never stored)."""
    secret = derived_key(settings, KEY_PURPOSE)
    return hmac.new(secret, job_id.bytes, hashlib.sha256).hexdigest().upper()


async def submit(
    services: service.ApiServices,
    caller: Caller,
    name: str,
    data: bytes,
    *,
    target_lang: str,
    source_lang: str = "",
    glossary_id: uuid.UUID | None = None,
    provider: str | None = None,
    model: str | None = None,
) -> Handle:
    """Keep the document and queue its job in ``caller``'s name; its id and key.

    The request is checked first (format, languages, provider in the tier): those
    errors are the caller's answer, and nothing is kept. A file its format cannot read
    becomes a document whose job has failed with the format's message.
    """
    spec = await _kept(services, caller, name, data, target_lang, source_lang, provider, model)
    spec = replace(spec, glossary_id=glossary_id, options={**spec.options, MARK: check_name(name)})
    try:
        job, _estimate = await services.engine.submit(spec)
    except InvalidInput as error:  # the file as its format reads it
        job = await _failed(services, spec, error)
    except BaseException:
        _forget(spec)
        raise
    return Handle(document_id(job.id), document_key(services.settings, job.id))


async def translate_file(
    services: service.ApiServices,
    caller: Caller,
    name: str,
    data: bytes,
    *,
    target_lang: str,
    source_lang: str = "",
    provider: str | None = None,
    model: str | None = None,
) -> Translated:
    """Translate a file for ``caller`` now, as one job run here until it ends
    (LibreTranslate's ``/translate_file``); the file is kept as a document's is."""
    spec = await _kept(services, caller, name, data, target_lang, source_lang, provider, model)
    try:
        job = await services.engine.translate_now(spec)
    except BaseException:
        _forget(spec)
        raise
    if job.status is not JobStatus.COMPLETED or not job.outputs:
        raise service.job_error(job)
    return Translated(job.id, PurePosixPath(str(job.outputs[0]["output"])).name)


async def _kept(
    services: service.ApiServices,
    caller: Caller,
    name: str,
    data: bytes,
    target_lang: str,
    source_lang: str,
    provider: str | None,
    model: str | None,
) -> JobSpec:
    """After checking the request (format, languages, provider in the tier), the file kept
    in a new upload folder of the caller's, and the job that translates it beside it."""
    safe = check_name(name)
    target = service.language_code(target_lang, "target_lang")
    source = service.language_code(source_lang, "source_lang") if source_lang.strip() else ""
    choice = await service.choose(services, caller, provider, model)
    path = await asyncio.to_thread(uploads.save, services.settings, caller.user_id, safe, data)
    return JobSpec(
        provider=choice.provider,
        model=choice.model,
        target_lang=target,
        source_lang=source,
        user_id=caller.user_id,
        inputs=(JobInput(str(path), str(default_output(path, target))),),
        options={"api_key": caller.key_prefix},
    )


def _forget(spec: JobSpec) -> None:
    """Remove a kept file whose job was never made."""
    shutil.rmtree(Path(spec.inputs[0].path).parent, ignore_errors=True)


async def status(
    services: service.ApiServices, caller: Caller, reference: str, key: str | None
) -> Status:
    """Where the document's translation is; 404 unless ``key`` is its key and the
    caller its owner."""
    job = await _document(services, caller, reference, key)
    ident = document_id(job.id)
    if job.status is JobStatus.QUEUED:
        return Status(ident, "queued")
    if job.status is JobStatus.RUNNING:
        return Status(ident, "translating", seconds_remaining=_remaining(job))
    if job.status is JobStatus.COMPLETED:
        return Status(ident, "done", billed_characters=job.billed_characters)
    message = job.error or "the translation was cancelled"
    return Status(ident, "error", error_message=message)


async def result(
    services: service.ApiServices, caller: Caller, reference: str, key: str | None
) -> Result | None:
    """The translated file once done; None while it is not (yet) there."""
    job = await _document(services, caller, reference, key)
    if job.status is not JobStatus.COMPLETED or not job.outputs:
        return None
    root = uploads.user_folder(services.settings, caller.user_id)
    output = confine(str(job.outputs[0]["output"]), [root])
    try:
        data = await asyncio.to_thread(output.read_bytes)
    except FileNotFoundError:
        raise NotFound(
            "the translated document is no longer kept (uploads expire); upload it again"
        ) from None
    content_type = CONTENT_TYPES.get(output.suffix.lower(), "application/octet-stream")
    return Result(output.name, content_type, data)


async def _document(
    services: service.ApiServices, caller: Caller, reference: str, key: str | None
) -> TranslationJob:
    """The caller's document ``reference`` if ``key`` is its key; else 404, the same
    for an unknown id, a wrong key and another user's document."""
    try:
        job_id = uuid.UUID(hex=reference.strip())
    except ValueError:
        raise NotFound(NOT_FOUND) from None
    expected = document_key(services.settings, job_id)
    if not hmac.compare_digest(expected.encode(), (key or "").strip().upper().encode()):
        raise NotFound(NOT_FOUND)
    async with services.db.session() as session:
        job = await session.get(TranslationJob, job_id)
    if job is None or job.user_id != caller.user_id or MARK not in job.options:
        raise NotFound(NOT_FOUND)
    return job


async def _failed(
    services: service.ApiServices, spec: JobSpec, error: UsageError
) -> TranslationJob:
    """A document job that ends before it starts: its file cannot be read."""
    async with services.db.session() as session:
        job = await jobs.create_job(session, spec)
        job.status = JobStatus.FAILED
        job.error = str(error).splitlines()[0] if str(error) else "the file cannot be read"
        job.finished_at = utcnow()
        job.options = {**job.options, "exit_code": error.exit_code}
        await session.commit()
    return job


def _remaining(job: TranslationJob) -> int | None:
    """Seconds left at the pace so far; None before the first segment is done."""
    if job.started_at is None or job.done_segments <= 0:
        return None
    started = job.started_at
    now = utcnow()
    if started.tzinfo is None:
        now = now.replace(tzinfo=None)
    elapsed = max(0.0, (now - started).total_seconds())
    left = max(0, job.total_segments - job.done_segments)
    return round(elapsed / job.done_segments * left)
