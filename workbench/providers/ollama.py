"""``ollama``: a local (or self-hosted) Ollama server over its HTTP API.

``POST /api/chat`` with ``"stream": false`` and the reply's JSON schema in ``format``
answers ``{"message": {"content": "…"}, "done_reason": "stop", …}``; models come from
``GET /api/tags``. The same JSON-with-ids discipline as OpenAI applies (:mod:`.llm`).
A 503 means the server's queue is full (``OLLAMA_MAX_QUEUE``) and is retried; a 404
names a model that is not pulled. The URL is ``WORKBENCH_OLLAMA_URL`` or
``OLLAMA_HOST``, by default ``http://127.0.0.1:11434``.
"""

from __future__ import annotations

from typing import Any

import httpx

from workbench.config import Settings
from workbench.errors import InvalidInput, ProviderBadResponse, WorkbenchError
from workbench.providers import codes
from workbench.providers.base import BatchRequest
from workbench.providers.glossary import GlossarySupport
from workbench.providers.languages import Language, common_languages
from workbench.providers.llm import REPLY_SCHEMA, Prompt, translate_by_ids
from workbench.providers.wire import HttpProvider

CHAT_PATH = "/api/chat"
TAGS_PATH = "/api/tags"


class OllamaProvider(HttpProvider):
    name = "ollama"
    label = "Ollama (local models)"
    # Small batches: local models often run with a 4k-token context that must hold the
    # prompt and the whole reply.
    max_texts_per_request = 20
    max_bytes_per_request = 3000
    glossary_support = GlossarySupport.PROMPT
    codec = codes.XML  # the canonical form; the prompt says to keep its tags
    default_model = "llama3.2"
    live_models = True
    any_language = True
    default_base_url = "http://127.0.0.1:11434"
    supported_options = frozenset({"context"})
    default_concurrency = 2

    timeout = 180.0  # a local model may have to load before it answers
    requests_per_second = 20.0

    _models: list[str] | None = None

    @classmethod
    def configured_url(cls, settings: Settings) -> str | None:
        return settings.ollama_url

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        async def ask(prompt: Prompt) -> str:
            body = {
                "model": request.model,
                "messages": [
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                "stream": False,
                "format": REPLY_SCHEMA,
                "options": {"temperature": 0},
            }
            reply = await self._request_json("POST", CHAT_PATH, json=body)
            return self._content(reply)

        return await translate_by_ids(self.name, texts, request, ask)

    def _content(self, reply: Any) -> str:
        if not isinstance(reply, dict):
            raise ProviderBadResponse(self.name, "the reply is not a chat response")
        if reply.get("done_reason") == "length":
            raise ProviderBadResponse(
                self.name, "the reply was cut off at the token limit (done_reason=length)"
            )
        message = reply.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise ProviderBadResponse(self.name, "the reply has no message content")
        return content

    async def list_models(self) -> list[str]:
        if self._models is None:
            data = await self._request_json("GET", TAGS_PATH)
            try:
                self._models = sorted(str(model["name"]) for model in data["models"])
            except (KeyError, TypeError) as exc:
                raise ProviderBadResponse(self.name, "the model list is malformed") from exc
        return list(self._models)

    async def _fetch_languages(self) -> list[Language]:
        return common_languages()

    async def check(self) -> None:
        await self.list_models()

    def _error_for(self, response: httpx.Response) -> WorkbenchError:
        if response.status_code == 404 and "not found" in _error_text(response):
            return InvalidInput(
                "ollama: that model is not on the server; pull it (`ollama pull MODEL`) "
                "or choose one `workbench providers` lists"
            )
        return super()._error_for(response)


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", "")
    except (ValueError, AttributeError):
        return ""
    return str(error).lower()
