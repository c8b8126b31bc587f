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

from tornado import httputil

from workbench.accounts.api_keys import ApiScope
from workbench.api import documents
from workbench.api.base import HARD_CAP, MAX_VALUE, one
from workbench.api.deepl import FORMALITIES, MODEL, PROVIDER, DeepLHandler
from workbench.api.errors import RequestTooLarge
from workbench.errors import InvalidInput

_MIB = 1024 * 1024
FORM_SLACK = 64 * 1024  # the form's other fields and part headers, beyond the file itself
DOCUMENT_ID = r"([^/]{1,64})"


class DocumentUploadHandler(DeepLHandler):
    """``POST /v2/document``."""

    def file_limit(self) -> int:
        return self.services.settings.max_upload_mb * _MIB

    async def prepare(self) -> None:
        self.max_body = self.file_limit() + FORM_SLACK
        announced = self.request.headers.get("Content-Length")
        if announced is not None and (not announced.isdigit() or int(announced) > self.max_body):
            raise self.too_large()
        # A body without a length is counted as it comes; past the limit it is read to
        # its end and dropped (so the client gets its 413), up to HARD_CAP more.
        self.request.connection.set_max_body_size(self.max_body + HARD_CAP)  # type: ignore[union-attr]

    def too_large(self) -> RequestTooLarge:
        return RequestTooLarge(
            f"the document is over {self.file_limit() // _MIB} MB, the limit of this server "
            "(WORKBENCH_MAX_UPLOAD_MB); send a smaller file"
        )

    async def post(self) -> None:
        caller = await self.caller(ApiScope.TRANSLATE)
        if self._size > self.max_body:
            raise self.too_large()
        fields, name, data = self.form()
        if len(data) > self.file_limit():
            raise self.too_large()
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

    def form(self) -> tuple[dict[str, str], str, bytes]:
        """The form's fields (one value each), the file's name and its bytes."""
        kind = self.request.headers.get("Content-Type", "")
        if kind.split(";")[0].strip().lower() != "multipart/form-data":
            raise InvalidInput("send the document as multipart/form-data, its file in 'file'")
        arguments: dict[str, list[bytes]] = {}
        files: dict[str, list[httputil.HTTPFile]] = {}
        httputil.parse_body_arguments(kind, self.body(), arguments, files)
        fields: dict[str, str] = {}
        for key, values in arguments.items():
            try:
                fields[key] = values[-1].decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"the field '{key[:40]}' is not valid UTF-8") from None
            if len(fields[key]) > MAX_VALUE:
                raise InvalidInput(f"the field '{key[:40]}' is longer than {MAX_VALUE} characters")
        uploaded = files.get("file")
        if not uploaded:
            raise InvalidInput("Parameter 'file' not specified: send the document in 'file'")
        name = fields.get("filename") or uploaded[0].filename
        if not name.strip():
            raise InvalidInput("the document has no name: give its file name in 'filename'")
        return fields, name, uploaded[0].body


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
