"""Fake chat models: the OpenAI API (``/v1``) and the Ollama API (``/api``).

Both read the segments our prompt sends (``{"segments": [{"id", "text"}]}`` in the
user message) and answer ``{"translations": [{"id", "text"}]}`` with each text marked
``<llm>``; a prompt that asks to keep inline tags gets them kept and the marker written
as XML text (``&lt;llm&gt;``), as a model that follows it would. Tests queue
:class:`Answer` plans to misbehave the way models do: drop ids, invent ids, answer
non-JSON, run out of tokens, refuse.

OpenAI: ``POST /v1/chat/completions`` (``Authorization: Bearer KEY``) answers a
``chat.completion`` object; ``GET /v1/models`` a list object; errors use the
``{"error": {"message", "type", "param", "code"}}`` envelope. Ollama: ``POST /api/chat``
with ``stream: false`` answers one message with ``done_reason``; ``GET /api/tags``
lists pulled models; errors are ``{"error": "…"}``.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.providers.fakes.server import FakeServer, Received, Reply

Segment = dict[str, str]


def translated(text: str, target: str = "") -> str:
    return f"<llm>{text}"


# What tells the fake model that the texts carry tags to keep.
KEEPS_TAGS = "Keep every tag exactly once"


@dataclass
class Answer:
    """How the fake model answers one request."""

    pick: Callable[[list[Segment]], list[Segment]] = lambda segments: segments
    content: str | None = None  # raw content instead of translations
    finish_reason: str = "stop"
    refusal: str | None = None


def translations(segments: list[Segment], *, keeps_tags: bool = False) -> str:
    marker = "&lt;llm&gt;" if keeps_tags else "<llm>"
    return json.dumps(
        {"translations": [{"id": s["id"], "text": f"{marker}{s['text']}"} for s in segments]},
        ensure_ascii=False,
    )


class FakeChatModel(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.plans: deque[Answer] = deque()

    def plan(self, *answers: Answer) -> None:
        self.plans.extend(answers)

    def chats(self) -> list[dict[str, Any]]:
        """The request bodies of every chat call, in order."""
        return [request.json() for request in self.requests(self.chat_path)]

    @staticmethod
    def segments_of(chat: dict[str, Any]) -> list[Segment]:
        segments: list[Segment] = json.loads(chat["messages"][-1]["content"])["segments"]
        return segments

    @staticmethod
    def system_prompt_of(chat: dict[str, Any]) -> str:
        prompt: str = chat["messages"][0]["content"]
        return prompt

    chat_path = ""

    def _answer(self, chat: dict[str, Any]) -> Answer:
        return self.plans.popleft() if self.plans else Answer()

    def _content(self, chat: dict[str, Any], answer: Answer) -> str:
        if answer.content is not None:
            return answer.content
        keeps_tags = KEEPS_TAGS in self.system_prompt_of(chat)
        return translations(answer.pick(self.segments_of(chat)), keeps_tags=keeps_tags)


class FakeOpenAI(FakeChatModel):
    chat_path = "/v1/chat/completions"

    def __init__(self, key: str, models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o")) -> None:
        super().__init__()
        self.key = key
        self.models = models

    def handle(self, request: Received) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            given = request.headers.get("authorization", "")
            return openai_error(
                401,
                f"Incorrect API key provided: {given}",
                "invalid_request_error",
                "invalid_api_key",
            )
        if request.path == "/v1/models":
            listed = [*self.models, "text-embedding-3-small", "whisper-1", "dall-e-3"]
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "openai"} for m in listed
            ]
            return Reply(body={"object": "list", "data": data})
        if request.path == self.chat_path and request.method == "POST":
            return self._complete(request.json())
        return openai_error(404, "Unknown request URL", "invalid_request_error", None)

    def _complete(self, chat: dict[str, Any]) -> Reply:
        if chat["model"] not in self.models:
            message = f"The model `{chat['model']}` does not exist or you do not have access to it."
            return openai_error(404, message, "invalid_request_error", "model_not_found")
        answer = self._answer(chat)
        content = None if answer.refusal else self._content(chat, answer)
        message = {"role": "assistant", "content": content, "refusal": answer.refusal}
        return Reply(
            body={
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": chat["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "logprobs": None,
                        "finish_reason": answer.finish_reason,
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
        )


def openai_error(status: int, message: str, kind: str, code: str | None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


class FakeOllama(FakeChatModel):
    chat_path = "/api/chat"

    def __init__(self, models: tuple[str, ...] = ("llama3.2:latest", "qwen2.5:7b")) -> None:
        super().__init__()
        self.models = models

    def handle(self, request: Received) -> Reply:
        if request.path == "/api/tags":
            return Reply(
                body={
                    "models": [
                        {
                            "name": name,
                            "model": name,
                            "modified_at": "2024-05-01T10:00:00Z",
                            "size": 2_019_393_189,
                            "digest": "a80c4f17acd5",
                            "details": {"format": "gguf", "family": "llama"},
                        }
                        for name in self.models
                    ]
                }
            )
        if request.path == self.chat_path and request.method == "POST":
            return self._chat(request.json())
        return Reply(404, "404 page not found")

    def _chat(self, chat: dict[str, Any]) -> Reply:
        model = chat["model"]
        if model not in self.models and f"{model}:latest" not in self.models:
            return Reply(404, {"error": f'model "{model}" not found, try pulling it first'})
        if chat.get("stream") is not False or not isinstance(chat.get("format"), dict):
            return Reply(400, {"error": "this fake expects stream false and a JSON schema"})
        answer = self._answer(chat)
        return Reply(
            body={
                "model": model,
                "created_at": "2024-05-01T10:00:00Z",
                "message": {"role": "assistant", "content": self._content(chat, answer)},
                "done": True,
                "done_reason": answer.finish_reason,
                "total_duration": 1000,
                "eval_count": 10,
            }
        )
