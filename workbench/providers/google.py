"""``google``: the free Google Translate web endpoint (unofficial, no key).

``GET /translate_a/single?client=gtx&sl=…&tl=…&dt=t&q=…`` answers with nested arrays:
``[[["Bonjour. ", "Hello. ", …], ["Au revoir", "Goodbye", …]], null, "en", …]`` — one
entry per sentence, the translation first. It takes one text per request, may change or
block without notice (HTTP 429), and is paced conservatively so that it does not.
With ``sl=auto`` the reply also names the language it detected (``data[2]``) and how sure
it is (``data[6]``, from 0 to 1; ``data[8]`` lists the candidates when there are several):
:meth:`~GoogleWebProvider.detect` reads those (the endpoint has no call that only detects).
``WORKBENCH_GOOGLE_URL`` replaces ``https://translate.googleapis.com``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from workbench.config import Settings
from workbench.errors import ProviderBadResponse
from workbench.providers import codes
from workbench.providers.base import BatchRequest, Detection
from workbench.providers.glossary import GlossarySupport
from workbench.providers.languages import Language, common_languages
from workbench.providers.wire import HttpProvider

PATH = "/translate_a/single"


class GoogleWebProvider(HttpProvider):
    name = "google"
    label = "Google Translate (free web endpoint, unofficial)"
    unofficial = True
    max_texts_per_request = 1
    # The text travels percent-encoded in the query string; Google's front ends refuse
    # URLs much over 16 KB.
    max_bytes_per_request = 12_000
    glossary_support = GlossarySupport.PLACEHOLDER
    # Plain text only: codes travel as opaque tokens the engine copies through.
    codec = codes.TOKENS
    default_base_url = "https://translate.googleapis.com"
    default_concurrency = 2
    detects = True

    requests_per_second = 2.0
    timeout = 15.0

    @classmethod
    def configured_url(cls, settings: Settings) -> str | None:
        return settings.google_url

    def wire_size(self, text: str) -> int:
        return len(quote(text, safe=""))

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": "Mozilla/5.0 (compatible; translation-workbench)"}

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        return [await self._translate_one(text, request) for text in texts]

    async def _translate_one(self, text: str, request: BatchRequest) -> str:
        params = {
            "client": "gtx",
            "sl": request.source or "auto",
            "tl": request.target,
            "dt": "t",
            "ie": "UTF-8",
            "oe": "UTF-8",
            "q": text,
        }
        data = await self._request_json("GET", PATH, params=params)
        return self._joined_sentences(data)

    def _joined_sentences(self, data: Any) -> str:
        sentences = data[0] if isinstance(data, list) and data else None
        if not isinstance(sentences, list):
            raise ProviderBadResponse(self.name, "the reply has no translation in it")
        parts = [
            sentence[0]
            for sentence in sentences
            if isinstance(sentence, list) and sentence and isinstance(sentence[0], str)
        ]
        if not parts:
            raise ProviderBadResponse(self.name, "the reply has no translation in it")
        return "".join(parts)

    async def _detect(self, text: str) -> list[Detection]:
        params = {"client": "gtx", "sl": "auto", "tl": "en", "dt": "t", "q": text}
        data = await self._request_json("GET", PATH, params=params)
        found = _detections(data)
        if not found:
            raise ProviderBadResponse(self.name, "the reply names no detected language")
        return found

    async def _fetch_languages(self) -> list[Language]:
        # The web endpoint has no language list; these are the codes it is known to take.
        return common_languages()

    async def check(self) -> None:
        # No cheaper request exists: a one-word translation shows the endpoint still works.
        request = BatchRequest(target="fr", source="en", model=None, glossary=None, options={})
        await self._translate_one("hello", request)


def _detections(data: Any) -> list[Detection]:
    """The candidates of ``data[8]`` (``[[codes], null, [confidences], …]``), else the one
    language of ``data[2]`` with the confidence of ``data[6]``."""
    if not isinstance(data, list):
        return []
    candidates = data[8] if len(data) > 8 else None
    if isinstance(candidates, list) and len(candidates) > 2:
        codes_, confidences = candidates[0], candidates[2]
        if isinstance(codes_, list) and isinstance(confidences, list):
            found = [
                Detection(code, float(confidence))
                for code, confidence in zip(codes_, confidences, strict=False)
                if isinstance(code, str) and isinstance(confidence, int | float)
            ]
            if found:
                return sorted(found, key=lambda item: -item.confidence)
    code = data[2] if len(data) > 2 else None
    confidence = data[6] if len(data) > 6 else None
    if not isinstance(code, str) or not code or code == "auto":
        return []
    sure = float(confidence) if isinstance(confidence, int | float) else 0.0
    return [Detection(code, min(1.0, max(0.0, sure)))]
