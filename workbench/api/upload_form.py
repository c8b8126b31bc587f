"""A file sent to the API in a ``multipart/form-data`` body, bounded before it is read.

DeepL's ``POST /v2/document`` and LibreTranslate's ``POST /translate_file`` both take one:
the file in the field ``file`` (its name, or the ``filename`` field, gives its format),
other fields beside it. :class:`UploadHandler` refuses a body announced over the server's
upload limit (``WORKBENCH_MAX_UPLOAD_MB``) before reading it, counts one sent without a
length as it comes (past the limit it is read to its end and dropped), and answers 413
either way, keeping nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from tornado import httputil

from workbench.api.base import HARD_CAP, MAX_VALUE, ApiHandler, multipart
from workbench.api.errors import RequestTooLarge
from workbench.errors import InvalidInput

_MIB = 1024 * 1024
FORM_SLACK = 64 * 1024  # the form's other fields and part headers, beyond the file itself


@dataclass(frozen=True)
class Upload:
    fields: dict[str, str]  # the form's other fields, one value each (the last sent)
    name: str
    data: bytes


class UploadHandler(ApiHandler):
    """A handler whose body is a form with one file, within the server's upload limit."""

    def file_limit(self) -> int:
        return self.services.settings.max_upload_mb * _MIB

    async def prepare(self) -> None:
        self.max_body = self.file_limit() + FORM_SLACK
        announced = self.request.headers.get("Content-Length")
        if announced is not None and (not announced.isdigit() or int(announced) > self.max_body):
            raise self.too_large()
        self.request.connection.set_max_body_size(self.max_body + HARD_CAP)  # type: ignore[union-attr]

    def too_large(self) -> RequestTooLarge:
        return RequestTooLarge(
            f"the file is over {self.file_limit() // _MIB} MB, the limit of this server "
            "(WORKBENCH_MAX_UPLOAD_MB); send a smaller file"
        )

    def upload(self) -> Upload:
        """The form's fields, the file's name and its bytes; 413 past the limit."""
        if self._size > self.max_body:
            raise self.too_large()
        kind = self.request.headers.get("Content-Type", "")
        if kind.split(";")[0].strip().lower() != "multipart/form-data":
            raise InvalidInput("send the file as multipart/form-data, in the field 'file'")
        arguments: dict[str, list[bytes]] = {}
        files: dict[str, list[httputil.HTTPFile]] = {}
        multipart(kind, self.body(), arguments, files)
        fields: dict[str, str] = {}
        for key, values in arguments.items():
            try:
                fields[key] = values[-1].decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"the field '{key[:40]}' is not valid UTF-8") from None
            if len(fields[key]) > MAX_VALUE:
                raise InvalidInput(f"the field '{key[:40]}' is longer than {MAX_VALUE} characters")
        uploaded = files.get("file")
        if not uploaded or len(uploaded) != 1:
            raise InvalidInput("Parameter 'file' not specified: send one file in 'file'")
        if len(uploaded[0].body) > self.file_limit():
            raise self.too_large()
        name = fields.get("filename") or uploaded[0].filename
        if not name.strip():
            raise InvalidInput("the file has no name: give its file name in 'filename'")
        return Upload(fields, name, uploaded[0].body)
