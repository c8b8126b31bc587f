"""The JSON-with-ids discipline of the chat-model providers (OpenAI, Ollama).

Models drop, invent and miscount segments; the provider must notice by id, ask again
for exactly the missing ones, and give up with ProviderBadResponse when the model
keeps failing. Run against both fakes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.providers.conftest import OPENAI_KEY, make_provider
from tests.providers.fakes.llm_api import Answer, FakeChatModel, FakeOpenAI, translated
from tests.providers.fakes.server import Reply
from workbench.errors import InvalidInput, ProviderBadResponse, ProviderQuotaExceeded
from workbench.providers import GlossarySpec, GlossaryTerm, Provider
from workbench.providers.llm import REPLY_SCHEMA

TEXTS = ["One apple", "Two pears", "Three plums", "Four figs"]


@dataclass
class Chat:
    fake: FakeChatModel
    provider: Provider

    def sent_ids(self) -> list[list[str]]:
        return [[s["id"] for s in self.fake.segments_of(chat)] for chat in self.fake.chats()]


@pytest.fixture(params=["openai", "ollama"])
async def chat(request: pytest.FixtureRequest) -> AsyncIterator[Chat]:
    fake: FakeChatModel = request.getfixturevalue(f"{request.param}_fake")
    provider = make_provider(request.param, fake)
    yield Chat(fake, provider)
    await provider.aclose()


def without(*ids: str) -> Answer:
    return Answer(pick=lambda segments: [s for s in segments if s["id"] not in ids])


async def test_segments_go_out_as_json_with_ids_under_the_schema(chat: Chat) -> None:
    assert await chat.provider.translate(TEXTS, target="fr") == [translated(t) for t in TEXTS]
    (body,) = chat.fake.chats()
    assert chat.fake.segments_of(body) == [
        {"id": str(n), "text": text} for n, text in enumerate(TEXTS, start=1)
    ]
    schema = body["format"] if "format" in body else body["response_format"]["json_schema"]
    if "response_format" in body:
        assert body["response_format"]["type"] == "json_schema"
        assert schema["strict"] is True
        assert schema["schema"] == REPLY_SCHEMA
    else:
        assert schema == REPLY_SCHEMA
        assert body["stream"] is False
    assert "French (fr)" in chat.fake.system_prompt_of(body)
    if isinstance(chat.fake, FakeOpenAI):
        assert chat.fake.requests()[0].headers["authorization"] == f"Bearer {OPENAI_KEY}"


async def test_a_missing_id_is_asked_for_again_alone(chat: Chat) -> None:
    chat.fake.plan(without("3"))
    assert await chat.provider.translate(TEXTS, target="fr") == [translated(t) for t in TEXTS]
    assert chat.sent_ids() == [["1", "2", "3", "4"], ["3"]]


async def test_a_short_reply_is_completed_by_asking_again(chat: Chat) -> None:
    chat.fake.plan(Answer(pick=lambda segments: segments[:1]), without("3"))
    assert await chat.provider.translate(TEXTS, target="fr") == [translated(t) for t in TEXTS]
    assert chat.sent_ids() == [["1", "2", "3", "4"], ["2", "3", "4"], ["3"]]


async def test_extra_and_unknown_ids_are_ignored(chat: Chat) -> None:
    extra = {"translations": [{"id": "99", "text": "invented"}]}
    content = json.dumps(
        {
            "translations": [{"id": str(n), "text": f"T{n}"} for n in range(1, 5)]
            + extra["translations"]
        }
    )
    chat.fake.plan(Answer(content=content))
    assert await chat.provider.translate(TEXTS, target="fr") == ["T1", "T2", "T3", "T4"]
    assert len(chat.fake.chats()) == 1


async def test_a_reply_in_another_order_is_put_back_in_order(chat: Chat) -> None:
    chat.fake.plan(Answer(pick=lambda segments: list(reversed(segments))))
    assert await chat.provider.translate(TEXTS, target="fr") == [translated(t) for t in TEXTS]


async def test_an_id_that_stays_missing_is_a_bad_response(chat: Chat) -> None:
    chat.fake.plan(without("2"), without("2"), without("2"))
    with pytest.raises(ProviderBadResponse, match="1 of 4 segments untranslated"):
        await chat.provider.translate(TEXTS, target="fr")
    assert chat.sent_ids() == [["1", "2", "3", "4"], ["2"], ["2"]]


async def test_a_reply_that_is_not_json_is_asked_again_then_refused(chat: Chat) -> None:
    chat.fake.plan(Answer(content="Sure! Here are your translations: ..."))
    assert await chat.provider.translate(TEXTS, target="fr") == [translated(t) for t in TEXTS]
    chat.fake.plan(*[Answer(content='{"translations": "nope"}')] * 3)
    with pytest.raises(ProviderBadResponse, match="requested JSON"):
        await chat.provider.translate(["Five kiwis"], target="fr")
    assert len(chat.fake.chats()) == 2 + 3


async def test_a_reply_cut_off_at_the_token_limit_is_a_bad_response(chat: Chat) -> None:
    chat.fake.plan(Answer(content='{"translations": [{"id": "1", "te', finish_reason="length"))
    with pytest.raises(ProviderBadResponse, match="length"):
        await chat.provider.translate(TEXTS, target="fr")
    assert len(chat.fake.chats()) == 1


async def test_only_the_glossary_terms_in_the_batch_reach_the_prompt(chat: Chat) -> None:
    glossary = GlossarySpec.build(
        [
            GlossaryTerm("apple", "pomme"),
            GlossaryTerm("plums", "prunes"),
            GlossaryTerm("banana", "banane"),
            GlossaryTerm("Figs", "Figues", case_sensitive=True),
        ],
        source_lang="en",
        target_lang="fr",
    )
    await chat.provider.translate(TEXTS, target="fr", glossary=glossary)
    prompt = chat.fake.system_prompt_of(chat.fake.chats()[0])
    assert '"apple" → "pomme"' in prompt
    assert '"plums" → "prunes"' in prompt
    assert "banana" not in prompt  # not in any segment
    assert "Figues" not in prompt  # case-sensitive and the text has "figs"
    assert "English (en)" in prompt  # the glossary's source language is the source


async def test_a_re_ask_lists_only_the_terms_of_the_missing_segments(chat: Chat) -> None:
    glossary = GlossarySpec.build(
        [GlossaryTerm("apple", "pomme"), GlossaryTerm("pears", "poires")],
        source_lang="en",
        target_lang="fr",
    )
    chat.fake.plan(without("2"))
    await chat.provider.translate(TEXTS, target="fr", glossary=glossary)
    first, second = (chat.fake.system_prompt_of(c) for c in chat.fake.chats())
    assert "pomme" in first
    assert "poires" in first
    assert "pomme" not in second
    assert "poires" in second


async def test_context_goes_into_the_prompt(chat: Chat) -> None:
    await chat.provider.translate(["Save"], target="fr", context="a button in a text editor")
    assert "a button in a text editor" in chat.fake.system_prompt_of(chat.fake.chats()[0])


async def test_an_unknown_model_is_a_usage_error(chat: Chat) -> None:
    with pytest.raises(InvalidInput, match="model"):
        await chat.provider.translate(["Hi"], target="fr", model="no-such-model")
    assert len(chat.fake.chats()) == 1  # not retried


async def test_models_are_listed_live(chat: Chat) -> None:
    models = await chat.provider.list_models()
    assert models == sorted(chat.fake.models)  # type: ignore[attr-defined]
    await chat.provider.list_models()
    listing = "/v1/models" if isinstance(chat.fake, FakeOpenAI) else "/api/tags"
    assert len(chat.fake.requests(listing)) == 1  # cached per instance


async def test_the_chosen_model_is_sent(chat: Chat) -> None:
    model = chat.fake.models[1]  # type: ignore[attr-defined]
    await chat.provider.translate(["Hi"], target="fr", model=model)
    assert chat.fake.chats()[0]["model"] == model


# --- OpenAI only ---------------------------------------------------------------------


async def test_openai_refusal_is_a_bad_response(openai_fake: FakeOpenAI, openai: Provider) -> None:
    openai_fake.plan(Answer(refusal="I can't help with that."))
    with pytest.raises(ProviderBadResponse, match="refused"):
        await openai.translate(["Hi"], target="fr")
    assert len(openai_fake.chats()) == 1


async def test_openai_insufficient_quota_is_quota_not_rate_limit(
    openai_fake: FakeOpenAI, openai: Provider
) -> None:
    body = {
        "error": {
            "message": "You exceeded your current quota, please check your plan and billing.",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    openai_fake.fail("/v1/chat/completions", Reply(429, body))
    with pytest.raises(ProviderQuotaExceeded):
        await openai.translate(["Hi"], target="fr")
    with pytest.raises(ProviderQuotaExceeded, match="not asking again"):
        await openai.translate(["Hi"], target="fr")
    assert len(openai_fake.chats()) == 1


async def test_openai_model_list_leaves_out_models_that_cannot_chat(openai: Provider) -> None:
    assert await openai.list_models() == ["gpt-4o", "gpt-4o-mini"]


async def test_openai_sdk_retries_are_off(openai_fake: FakeOpenAI, openai: Provider) -> None:
    # Our policy allows 3 attempts; the SDK's default of 2 retries each would make 9.
    openai_fake.fail("/v1/chat/completions", *[Reply(500, {"error": {"message": "x"}})] * 9)
    with pytest.raises(Exception, match="server error"):
        await openai.translate(["Hi"], target="fr")
    assert len(openai_fake.chats()) == 3


# --- Ollama only ---------------------------------------------------------------------


async def test_ollama_queue_full_is_retried(ollama_fake: FakeChatModel, ollama: Provider) -> None:
    busy = Reply(
        503, {"error": "server busy, please try again.  maximum pending requests exceeded"}
    )
    ollama_fake.fail("/api/chat", busy)
    assert await ollama.translate(["Hi"], target="fr") == [translated("Hi")]
    assert len(ollama_fake.requests("/api/chat")) == 2
