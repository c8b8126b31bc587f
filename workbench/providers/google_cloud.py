"""``google_cloud``: Cloud Translation - Basic (v2 REST) with an API key.

``POST /language/translate/v2`` with ``{"q": [...], "target", "source", "format",
"model"}`` answers ``{"data": {"translations": [{"translatedText": …}]}}`` in input
order; ``format`` is ``text`` for plain texts and ``html`` for segments with codes.
``GET /language/translate/v2/languages?target=en`` lists languages;
``POST /language/translate/v2/detect`` with ``{"q": [text]}`` answers
``{"data": {"detections": [[{"language", "confidence", "isReliable"}]]}}``. At most 128
segments per request, and we keep requests under 100 KB. The key travels in
the ``X-Goog-Api-Key`` header, which Google APIs accept in place of the ``key`` query
parameter, so it never appears in a URL (httpx logs URLs).

Errors come as ``{"error": {"code", "message", "errors": [{"reason"}], "status",
"details": [{"reason"}]}}``: a 403 with a daily-quota reason is quota exceeded, a 403
per-minute quota is a rate limit, other 403s and a 400 "API key not valid" are auth.
``WORKBENCH_GOOGLE_CLOUD_URL`` replaces ``https://translation.googleapis.com``.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from workbench.config import Settings
from workbench.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    WorkbenchError,
)
from workbench.providers import codes
from workbench.providers.base import BatchRequest, Detection
from workbench.providers.glossary import GlossarySupport
from workbench.providers.languages import Language
from workbench.providers.retry import parse_retry_after
from workbench.providers.wire import HttpProvider, status_error

TRANSLATE_PATH = "/language/translate/v2"
LANGUAGES_PATH = "/language/translate/v2/languages"
DETECT_PATH = "/language/translate/v2/detect"

_QUOTA_REASONS = frozenset(
    {"dailyLimitExceeded", "dailyLimitExceededUnreg", "quotaExceeded", "billingNotEnabled"}
)
_RATE_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
_KEY_REASONS = frozenset({"keyInvalid", "API_KEY_INVALID", "keyExpired", "API_KEY_EXPIRED"})


class GoogleCloudProvider(HttpProvider):
    name = "google_cloud"
    label = "Google Cloud Translation (v2, API key)"
    requires_key = True
    key_env = "GOOGLE_CLOUD_API_KEY"
    max_texts_per_request = 128
    max_bytes_per_request = 100_000
    glossary_support = GlossarySupport.PLACEHOLDER
    codec = codes.HTML
    default_model = "nmt"
    models = ("nmt", "base")
    default_base_url = "https://translation.googleapis.com"
    default_concurrency = 4
    detects = True

    @classmethod
    def configured_key(cls, settings: Settings) -> SecretStr | None:
        return settings.google_cloud_api_key

    @classmethod
    def configured_url(cls, settings: Settings) -> str | None:
        return settings.google_cloud_url

    def _headers(self) -> dict[str, str]:
        return {"X-Goog-Api-Key": self._secret()}

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        # Segments with codes go as HTML, which Google keeps the tags of (and answers with
        # entities, which the codec decodes); plain texts as text, answered as they are.
        body: dict[str, Any] = {
            "q": texts,
            "target": request.target,
            "format": "html" if request.tagged else "text",
        }
        if request.source:
            body["source"] = request.source
        if request.model:
            body["model"] = request.model
        data = await self._request_json("POST", TRANSLATE_PATH, json=body)
        try:
            return [str(item["translatedText"]) for item in data["data"]["translations"]]
        except (KeyError, TypeError) as exc:
            raise ProviderBadResponse(self.name, "the reply has no translations in it") from exc

    async def _detect(self, text: str) -> list[Detection]:
        data = await self._request_json("POST", DETECT_PATH, json={"q": [text]})
        try:
            found = [
                Detection(str(item["language"]), float(item.get("confidence", 0.0)))
                for item in data["data"]["detections"][0]
            ]
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise ProviderBadResponse(self.name, "the detection reply is malformed") from exc
        if not found:
            raise ProviderBadResponse(self.name, "the reply names no detected language")
        return sorted(found, key=lambda item: -item.confidence)

    async def _fetch_languages(self) -> list[Language]:
        data = await self._request_json("GET", LANGUAGES_PATH, params={"target": "en"})
        try:
            return [
                Language(str(item["language"]), str(item.get("name", item["language"])))
                for item in data["data"]["languages"]
            ]
        except (KeyError, TypeError) as exc:
            raise ProviderBadResponse(self.name, "the language list is malformed") from exc

    async def check(self) -> None:
        self._languages = await self._fetch_languages()

    def _error_for(self, response: httpx.Response) -> WorkbenchError:
        code = response.status_code
        reasons = _error_reasons(response)
        if code == 403 and reasons & _QUOTA_REASONS:
            return ProviderQuotaExceeded(
                self.name, "the project's translation quota is used up (HTTP 403)"
            )
        if code in (403, 429) and (reasons & _RATE_REASONS or code == 429):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return ProviderRateLimited(
                self.name, f"per-minute quota reached (HTTP {code})", retry_after
            )
        if code in (400, 401, 403) and (reasons & _KEY_REASONS or code != 400):
            return ProviderAuthError(
                self.name, f"the API key was refused (HTTP {code}); check {self.key_env}"
            )
        return status_error(self.name, response)


def _error_reasons(response: httpx.Response) -> set[str]:
    """Every ``reason`` (and the ``status``) in a Google API error body."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return set()
    if not isinstance(error, dict):
        return set()
    reasons = {str(error["status"])} if "status" in error else set()
    for key in ("errors", "details"):
        items = error.get(key)
        if isinstance(items, list):
            reasons.update(
                str(item["reason"]) for item in items if isinstance(item, dict) and "reason" in item
            )
    if "API key not valid" in str(error.get("message", "")):
        reasons.add("keyInvalid")
    return reasons
