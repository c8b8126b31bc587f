"""The LibreTranslate API, as LibreTranslate's clients call it: ``/translate``,
``/languages``, ``/detect``, ``/translate_file`` and ``/frontend/settings``.

The key is the ``api_key`` field of the JSON or form body (or of the query string), as
LibreTranslate's clients send it; errors are ``{"error": …}`` with the statuses those
clients know: 400, 403, 429 (a used-up quota is a 429 here, a body too large a 400). The
work is the workbench's (:mod:`workbench.api.service`), in the name of the key's owner:
the same texts through ``/v2/translate`` and ``/translate`` share memory and billing.

- ``source=auto`` leaves the language to the provider; when the provider can detect
  (Google's), each text's language is also asked for, one unbilled request per text, and
  answered as ``detectedLanguage``; a provider that cannot detect (DeepL detects only by
  translating, which costs characters) gives no ``detectedLanguage``.
- ``alternatives``: no provider behind the workbench offers alternative translations, so
  the answer has an empty list for each text when some are asked for.
- ``/languages`` needs no key, as LibreTranslate's does not: without one it lists the
  admin's default provider's languages; with one, those of the provider serving the key.
- ``/translate_file`` translates within the request and answers a short-lived link that
  carries no key (:mod:`workbench.api.files`).

Workbench extensions: ``workbench_provider`` and ``workbench_model``, as in DeepL requests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from tornado.escape import url_escape

from workbench.accounts.api_keys import ApiScope
from workbench.api import documents, files, service
from workbench.api.auth import Caller, authenticate
from workbench.api.base import ApiHandler, FormValues, many, one
from workbench.api.deepl import MAX_TEXTS, MODEL, PROVIDER
from workbench.api.errors import QUOTA_EXCEEDED, RequestTooLarge
from workbench.api.markup import TagHandling
from workbench.api.upload_form import UploadHandler
from workbench.batch.formats import FORMATS
from workbench.db.models import TranslationJob, User
from workbench.errors import AuthenticationFailed, InvalidInput
from workbench.providers.base import Detection
from workbench.providers.languages import Language

CHAR_LIMIT = 128 * 1024  # characters of q per request (DeepL's request size, the same texts)
MAX_TRANSLATE_BODY = 1024 * 1024  # JSON escapes may take six bytes a character
MAX_ALTERNATIVES = 10
FRONTEND_TIMEOUT = 500  # milliseconds, LibreTranslate's default
AUTO = "auto"
DEFAULT_TARGET = {"code": "en", "name": "English"}
_CHUNK = 256 * 1024


class LibreHandler(ApiHandler):
    error_field = "error"
    status_aliases: ClassVar[Mapping[int, int]] = {413: 400, QUOTA_EXCEEDED: 429}

    def api_key(self) -> str | None:
        key = one(self.params(), "api_key")
        return key.strip() if key and key.strip() else None

    async def caller(self) -> Caller:
        key = self.api_key()
        if key is None:
            raise AuthenticationFailed(
                "Please provide an API key: send your workbench key as the api_key field"
            )
        return await authenticate(self.services.db, key, (ApiScope.TRANSLATE,))

    def choice(self) -> dict[str, str | None]:
        params = self.params()
        return {"provider": one(params, PROVIDER), "model": one(params, MODEL, limit=200)}


class TranslateHandler(LibreHandler):
    """``POST /translate``."""

    max_body = MAX_TRANSLATE_BODY

    async def post(self) -> None:
        caller = await self.caller()
        params = self.params()
        given = params.get("q")
        texts = many(params, "q")
        listed = isinstance(given, list) and not isinstance(given, FormValues)
        if not texts or (not listed and not texts[0]):
            raise InvalidInput("Invalid request: missing q parameter")
        if len(texts) > MAX_TEXTS:
            raise RequestTooLarge(f"Invalid request: send at most {MAX_TEXTS} texts per request")
        size = sum(len(text) for text in texts)
        if size > CHAR_LIMIT:
            raise RequestTooLarge(
                f"Invalid request: request ({size}) exceeds text limit ({CHAR_LIMIT})"
            )
        source = _required(params, "source")
        target = _required(params, "target")
        handling = _format(one(params, "format"))
        alternatives = _alternatives(params.get("alternatives"))
        auto = source.lower() == AUTO
        result = await service.translate(
            self.services,
            caller,
            texts,
            target_lang=target,
            source_lang="" if auto else source,
            tag_handling=handling,
            provider=one(params, PROVIDER),
            model=one(params, MODEL, limit=200),
        )
        translated = [item.text for item in result.translations]
        answer: dict[str, Any] = {"translatedText": translated if listed else translated[0]}
        if auto:
            found = await service.detections(self.services, result.provider, texts)
            if found is not None:
                detected = [_detection(item) for item in found]
                answer["detectedLanguage"] = detected if listed else detected[0]
        if alternatives:
            answer["alternatives"] = [[] for _ in texts] if listed else []
        self.send(answer)


class LanguagesHandler(LibreHandler):
    """``GET|POST /languages``: with a key, the languages of the provider serving it;
    without, the admin's default provider's."""

    async def get(self) -> None:
        if self.api_key() is None:
            _, offered = await service.default_languages(self.services)
        else:
            caller = await self.caller()
            sources = await service.languages(self.services, caller, "source", **self.choice())
            targets = await service.languages(self.services, caller, "target", **self.choice())
            offered = _merged(sources, targets)
        self.send(_language_list(offered))

    async def post(self) -> None:
        await self.get()


class DetectHandler(LibreHandler):
    """``POST /detect``."""

    async def post(self) -> None:
        caller = await self.caller()
        text = one(self.params(), "q", limit=CHAR_LIMIT)
        if not text or not text.strip():
            raise InvalidInput("Invalid request: missing q parameter")
        found = await service.detect(self.services, caller, text, **self.choice())
        self.send([_detection(item) for item in found])


class TranslateFileHandler(UploadHandler, LibreHandler):
    """``POST /translate_file`` (multipart): the file translated, and a link to it."""

    def params(self) -> dict[str, Any]:
        """The query's parameters, then the form's fields over them (the key may be in
        either, as LibreTranslate takes it)."""
        if self._params is None:
            self._upload = self.upload()
            params = self.query_params()
            params.update(
                (name, FormValues([value])) for name, value in self._upload.fields.items()
            )
            self._params = params
        return self._params

    async def post(self) -> None:
        caller = await self.caller()
        params = self.params()
        source = _required(params, "source")
        result = await documents.translate_file(
            self.services,
            caller,
            self._upload.name,
            self._upload.data,
            target_lang=_required(params, "target"),
            source_lang="" if source.lower() == AUTO else source,
            **self.choice(),
        )
        expires = int(time.time()) + files.LINK_SECONDS
        path = files.link_path(
            self.services.settings, result.job_id, caller.user_id, expires, result.output
        )
        self.send({"translatedFileUrl": f"{self.request.protocol}://{self.request.host}{path}"})


class DownloadFileHandler(LibreHandler):
    """``GET /download_file/<job id>/<expiry>/<token>/<name>``: a translated file, to the
    holder of the link :class:`TranslateFileHandler` gave (no key: the link is the proof)."""

    async def get(self, job_part: str, expires: str, proof: str, _name: str) -> None:
        try:
            job_id = uuid.UUID(job_part)
        except ValueError:
            job_id = None
        path = None
        if job_id is not None and expires.isascii() and expires.isdigit() and len(expires) < 12:
            async with self.services.db.session() as session:
                job = await session.get(TranslationJob, job_id)
                owner_id = job.user_id if job is not None else None
                owner = await session.get(User, owner_id) if owner_id is not None else None
            path = files.check_link(
                self.services.settings, job, owner, int(expires), proof, time.time()
            )
        if path is None:
            self.send({"error": "Not found: the link is wrong or has expired"}, 404)
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header(
            "Content-Disposition",
            f"attachment; filename*=UTF-8''{url_escape(path.name, plus=False)}",
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        for chunk in await files.read_chunks(path, _CHUNK):
            self.write(chunk)
        self.finish()


class FrontendSettingsHandler(LibreHandler):
    """``GET /frontend/settings``: what LibreTranslate front ends read first."""

    async def get(self) -> None:
        self.send(
            {
                "charLimit": CHAR_LIMIT,
                "frontendTimeout": FRONTEND_TIMEOUT,
                "apiKeys": True,
                "keyRequired": True,
                "suggestions": False,
                "filesTranslation": True,
                "supportedFilesFormat": sorted(FORMATS),
                "language": {
                    "source": {"code": AUTO, "name": "Auto Detect"},
                    "target": dict(DEFAULT_TARGET),
                },
            }
        )


# --- reading and answering ---------------------------------------------------------------


def _required(params: dict[str, Any], name: str) -> str:
    value = one(params, name)
    if value is None or not value.strip():
        raise InvalidInput(f"Invalid request: missing {name} parameter")
    return value.strip()


def _format(value: str | None) -> TagHandling:
    clean = (value or "text").strip().lower()
    if clean == "text":
        return TagHandling.NONE
    if clean == "html":
        return TagHandling.HTML
    raise InvalidInput(f"Invalid request: format must be text or html, not {clean[:20]!r}")


def _alternatives(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, FormValues) and value:
        value = value[-1]
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ALTERNATIVES:
        raise InvalidInput(
            f"Invalid request: alternatives must be a whole number from 0 to {MAX_ALTERNATIVES}"
        )
    return value


def _detection(item: Detection | None) -> dict[str, Any]:
    """A detection as LibreTranslate writes it: confidence from 0 to 100."""
    if item is None:
        return {"confidence": 0.0, "language": ""}
    return {"confidence": round(item.confidence * 100, 1), "language": item.language}


def _merged(sources: list[Language], targets: list[Language]) -> list[Language]:
    target_codes = {language.code for language in targets}
    seen = {language.code for language in sources}
    merged = [
        Language(language.code, language.name, True, language.code in target_codes)
        for language in sources
    ]
    merged += [
        Language(language.code, language.name, False, True)
        for language in targets
        if language.code not in seen
    ]
    return merged


def _language_list(offered: list[Language]) -> list[dict[str, Any]]:
    """LibreTranslate's list: each source language with every target it translates into."""
    targets = [language.code for language in offered if language.target]
    return [
        {
            "code": language.code,
            "name": language.name,
            "targets": [code for code in targets if code != language.code],
        }
        for language in offered
        if language.source
    ]
