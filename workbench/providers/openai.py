"""``openai``: chat models through the official SDK's ``AsyncOpenAI``.

Segments go out as JSON with ids and come back under a strict JSON schema
(``response_format={"type": "json_schema", …, "strict": true}``); :mod:`.llm` checks
the ids and asks again for missing ones. The SDK's own retries are off
(``max_retries=0``): our policy retries, once, and bounded. A reply cut off at the
token limit (``finish_reason == "length"``), filtered, or refused is a bad response. A
429 whose code is ``insufficient_quota`` is the account's quota, not a rate limit.

``WORKBENCH_OPENAI_URL`` is the SDK's ``base_url`` (with its ``/v1``), so any
OpenAI-compatible server works; models come from its ``/models`` endpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from workbench.config import Settings
from workbench.errors import (
    InvalidInput,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    ProviderUnavailable,
    WorkbenchError,
)
from workbench.providers import codes
from workbench.providers.base import BatchRequest, Provider
from workbench.providers.glossary import GlossarySupport
from workbench.providers.languages import Language, common_languages
from workbench.providers.llm import REPLY_SCHEMA, REPLY_SCHEMA_NAME, Prompt, translate_by_ids
from workbench.providers.retry import parse_retry_after

if TYPE_CHECKING:
    # The SDK itself is imported at the first request: it takes half a second to import,
    # and the dashboards list this provider's facts without ever calling it.
    import openai
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.shared_params import ResponseFormatJSONSchema


# Models the models endpoint lists that cannot chat (embeddings, speech, images, …).
_NOT_CHAT = (
    "embedding", "tts", "whisper", "dall-e", "davinci", "babbage", "moderation",
    "transcribe", "realtime", "audio", "image", "sora", "search",
)  # fmt: skip

RESPONSE_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {"name": REPLY_SCHEMA_NAME, "schema": REPLY_SCHEMA, "strict": True},
}


class OpenAIProvider(Provider):
    name = "openai"
    label = "OpenAI"
    requires_key = True
    key_env = "OPENAI_API_KEY"
    max_texts_per_request = 50
    # Kept well inside a small model's output budget: the reply repeats every segment.
    max_bytes_per_request = 12_000
    glossary_support = GlossarySupport.PROMPT
    codec = codes.XML  # the canonical form; the prompt says to keep its tags
    default_model = "gpt-4o-mini"
    live_models = True
    any_language = True
    default_base_url = "https://api.openai.com/v1"
    supported_options = frozenset({"context"})
    default_concurrency = 4

    timeout = 90.0
    requests_per_second = 5.0

    _sdk: openai.AsyncOpenAI | None = None
    _models: list[str] | None = None

    @classmethod
    def configured_key(cls, settings: Settings) -> SecretStr | None:
        return settings.openai_api_key

    @classmethod
    def configured_url(cls, settings: Settings) -> str | None:
        return settings.openai_url

    @property
    def _client(self) -> openai.AsyncOpenAI:
        if self._sdk is None:
            import openai  # at the first request (see the imports above)

            self._sdk = openai.AsyncOpenAI(
                api_key=self._secret(),
                base_url=self.base_url,
                max_retries=0,
                timeout=self.timeout,
            )
        return self._sdk

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        assert request.model is not None  # default_model is set

        async def ask(prompt: Prompt) -> str:
            return await self._call(lambda: self._complete(prompt, str(request.model)))

        return await translate_by_ids(self.name, texts, request, ask)

    async def _complete(self, prompt: Prompt, model: str) -> str:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]
        import openai

        try:
            completion = await self._client.chat.completions.create(
                model=model, messages=messages, response_format=RESPONSE_FORMAT
            )
        except openai.OpenAIError as exc:
            raise self._error_for(exc) from exc
        except ValueError as exc:  # a 2xx reply whose body is not JSON
            raise ProviderBadResponse(self.name, "the reply is not valid JSON") from exc
        if not completion.choices:
            raise ProviderBadResponse(self.name, "the reply has no choices")
        choice = completion.choices[0]
        if choice.finish_reason == "length":
            raise ProviderBadResponse(
                self.name, "the reply was cut off at the token limit (finish_reason=length)"
            )
        if choice.finish_reason == "content_filter":
            raise ProviderBadResponse(self.name, "the reply was withheld by the content filter")
        if choice.message.refusal:
            raise ProviderBadResponse(
                self.name, f"the model refused: {self._redact(choice.message.refusal)[:200]}"
            )
        if choice.message.content is None:
            raise ProviderBadResponse(self.name, "the reply has no content")
        return choice.message.content

    async def list_models(self) -> list[str]:
        if self._models is None:
            self._models = await self._call(self._fetch_models)
        return list(self._models)

    async def _fetch_models(self) -> list[str]:
        import openai

        try:
            page = await self._client.models.list()
        except openai.OpenAIError as exc:
            raise self._error_for(exc) from exc
        except ValueError as exc:
            raise ProviderBadResponse(self.name, "the model list is not valid JSON") from exc
        return sorted(
            model.id for model in page.data if not any(part in model.id for part in _NOT_CHAT)
        )

    async def _fetch_languages(self) -> list[Language]:
        return common_languages()

    async def check(self) -> None:
        await self.list_models()

    def _error_for(self, exc: openai.OpenAIError) -> WorkbenchError:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return ProviderUnavailable(self.name, "timed out waiting for a reply")
        if isinstance(exc, openai.APIConnectionError):
            return ProviderUnavailable(self.name, "cannot reach the server")
        if isinstance(exc, openai.APIResponseValidationError):
            return ProviderBadResponse(self.name, "the reply does not match the API's format")
        if not isinstance(exc, openai.APIStatusError):
            return ProviderError(self.name, f"client error ({type(exc).__name__})")
        status, code = exc.status_code, exc.code or exc.type
        if status == 401 or status == 403:
            return ProviderAuthError(
                self.name, f"the API key was refused (HTTP {status}); check {self.key_env}"
            )
        if status == 429 and code == "insufficient_quota":
            return ProviderQuotaExceeded(
                self.name, "the account's quota is used up (HTTP 429 insufficient_quota)"
            )
        if status == 429:
            headers = exc.response.headers
            retry_after = parse_retry_after(headers.get("retry-after"))
            if retry_after is None and headers.get("retry-after-ms"):
                retry_after = (parse_retry_after(headers.get("retry-after-ms")) or 0) / 1000
            return ProviderRateLimited(self.name, "rate limited (HTTP 429)", retry_after)
        if status == 404 and code == "model_not_found":
            return InvalidInput(
                "openai: that model does not exist or this key cannot use it; "
                "see `workbench providers` for the models"
            )
        if status >= 500:
            return ProviderUnavailable(self.name, f"server error (HTTP {status})")
        detail = f" {code}" if code else ""
        return ProviderError(self.name, f"request rejected (HTTP {status}{detail})")

    async def aclose(self) -> None:
        if self._sdk is not None:
            await self._sdk.close()
            self._sdk = None
        await super().aclose()
