"""DeepL's document translation, ``/v2/document``: upload, status and download.

- ``POST /v2/document`` (``multipart/form-data``): ``file`` (its name, or the ``filename``
  field, gives its format), ``target_lang``, ``source_lang``, ``glossary_id``,
  ``formality`` (checked, without effect), ``output_format`` (the uploaded format only),
  and the workbench's ``workbench_provider`` / ``workbench_model``. The body is bounded
  before it is read: an announced or actual size over ``WORKBENCH_MAX_UPLOAD_MB`` is 413
  and nothing is kept. Answers ``{"document_id", "document_key"}``.
- ``POST /v2/document/{id}`` with ``document_key``: ``{"document_id", "status", …}``.
- ``POST /v2/document/{id}/result`` with ``document_key``: the translated file, or 503
  while it is not done.

The work is :mod:`workbench.api.documents`'.
"""

from __future__ import annotations

import urllib.parse
import uuid
from typing import Any

from workbench.accounts.api_keys import ApiScope
from workbench.api import documents
from workbench.api.base import one
from workbench.api.deepl import FORMALITIES, MODEL, PROVIDER, DeepLHandler
from workbench.api.upload_form import UploadHandler
from workbench.errors import InvalidInput

DOCUMENT_ID = r"([^/]{1,64})"


class DocumentUploadHandler(UploadHandler, DeepLHandler):
    """``POST /v2/document``."""

    async def post(self) -> None:
        caller = await self.caller(ApiScope.TRANSLATE)
        upload = self.upload()
        fields, name, data = upload.fields, upload.name, upload.data
        target = fields.get("target_lang", "")
        if not target.strip():
            raise InvalidInput("Parameter 'target_lang' not specified: give e.g. DE or EN-GB")
        formality = fields.get("formality")
        if formality is not None and formality.strip().lower() not in FORMALITIES:
            raise InvalidInput(f"Value for 'formality' not supported; use one of {FORMALITIES}")
        documents.check_name(name, fields.get("output_format"))
        handle = await documents.submit(
            self.services,
            caller,
            name,
            data,
            target_lang=target,
            source_lang=fields.get("source_lang", ""),
            glossary_id=_glossary_id(fields.get("glossary_id", "")),
            provider=fields.get(PROVIDER),
            model=fields.get(MODEL),
        )
        self.send({"document_id": handle.document_id, "document_key": handle.document_key})


class DocumentStatusHandler(DeepLHandler):
    """``POST /v2/document/{document_id}``."""

    async def post(self, reference: str) -> None:
        caller = await self.caller(ApiScope.TRANSLATE)
        key = one(self.params(), "document_key")
        found = await documents.status(self.services, caller, reference, key)
        answer: dict[str, Any] = {"document_id": found.document_id, "status": found.state}
        if found.seconds_remaining is not None:
            answer["seconds_remaining"] = found.seconds_remaining
        if found.billed_characters is not None:
            answer["billed_characters"] = found.billed_characters
        if found.error_message is not None:
            answer["error_message"] = found.error_message
        self.send(answer)


class DocumentResultHandler(DeepLHandler):
    """``POST /v2/document/{document_id}/result``."""

    async def post(self, reference: str) -> None:
        caller = await self.caller(ApiScope.TRANSLATE)
        key = one(self.params(), "document_key")
        found = await documents.result(self.services, caller, reference, key)
        if found is None:
            self.send(
                {"message": "Document not ready: check its status until it is done"}, status=503
            )
            return
        quoted = urllib.parse.quote(found.name, safe="")
        plain = found.name.encode("ascii", "replace").decode().replace('"', "_")
        self.set_header("Content-Type", found.content_type)
        self.set_header(
            "Content-Disposition", f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quoted}"
        )
        self.finish(found.data)


def _glossary_id(value: str) -> uuid.UUID | None:
    if not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInput(f"Value for 'glossary_id' is not an id: {value[:40]!r}") from None
