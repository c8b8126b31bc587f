"""The behaviour every provider shares, run against all six (the five over real HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from tests.providers.conftest import make_provider
from tests.providers.fakes import deepl_api, google_cloud_api, google_web_api, llm_api
from tests.providers.fakes.server import FakeServer, Received
from workbench import inline
from workbench.errors import InvalidInput
from workbench.providers import (
    GlossarySpec,
    GlossarySupport,
    GlossaryTerm,
    Provider,
    provider_names,
)
from workbench.providers.pseudo import pseudo_localize

TARGET = "de"


def _deepl_texts(request: Received) -> int:
    return len(request.json()["text"])


def _google_cloud_texts(request: Received) -> int:
    return len(request.json()["q"])


def _llm_texts(request: Received) -> int:
    return len(llm_api.FakeChatModel.segments_of(request.json()))


@dataclass(frozen=True)
class Wire:
    """How to read one provider's fake: its translation rule and its batches."""

    fake: str
    translated: Callable[[str, str], str]
    path: str
    texts_in: Callable[[Received], int]


WIRES = {
    "deepl": Wire("deepl_fake", deepl_api.translated, "/v2/translate", _deepl_texts),
    "google_cloud": Wire(
        "google_cloud_fake",
        google_cloud_api.translated,
        google_cloud_api.TRANSLATE,
        _google_cloud_texts,
    ),
    "google": Wire("google_fake", google_web_api.translated, google_web_api.PATH, lambda r: 1),
    "openai": Wire("openai_fake", llm_api.translated, "/v1/chat/completions", _llm_texts),
    "ollama": Wire("ollama_fake", llm_api.translated, "/api/chat", _llm_texts),
}


@dataclass
class Case:
    provider: Provider
    fake: FakeServer | None
    wire: Wire | None

    def expected(self, text: str) -> str:
        if self.wire is None:
            return pseudo_localize(text)
        return self.wire.translated(text, TARGET)

    def batches(self) -> list[Received]:
        assert self.fake is not None
        assert self.wire is not None
        return self.fake.requests(self.wire.path)


def test_every_provider_has_a_contract_case() -> None:
    assert set(provider_names()) == {"pseudo", *WIRES}


@pytest.fixture(params=provider_names())
async def case(request: pytest.FixtureRequest) -> AsyncIterator[Case]:
    name: str = request.param
    wire = WIRES.get(name)
    fake = request.getfixturevalue(wire.fake) if wire else None
    provider = make_provider(name, fake)
    try:
        yield Case(provider, fake, wire)
    finally:
        await provider.aclose()


class TestContract:
    async def test_empty_input_returns_empty_without_a_request(self, case: Case) -> None:
        assert await case.provider.translate([], target=TARGET) == []
        if case.fake is not None:
            assert case.fake.received == []

    async def test_one_text(self, case: Case) -> None:
        assert await case.provider.translate(["Good morning"], target=TARGET) == [
            case.expected("Good morning")
        ]

    async def test_order_is_preserved(self, case: Case) -> None:
        texts = [f"Sentence number {n} of the batch" for n in range(40)]
        result = await case.provider.translate(texts, target=TARGET, source="en")
        assert result == [case.expected(text) for text in texts]

    async def test_unicode_round_trips(self, case: Case) -> None:
        texts = [
            "Ship it 🚀🎉 today 👍🏽",
            "مرحبا بالعالم",  # Arabic, right-to-left
            "שלום עולם",  # Hebrew, right-to-left
            "你好，世界。東京へようこそ",
            "Zoë's café naïve — “quotes” & <tags> ' \" \\ backslash",
            "line one\nline two\ttabbed",
            "e\u0301 combining accent",
        ]
        result = await case.provider.translate(texts, target=TARGET)
        assert result == [case.expected(text) for text in texts]

    async def test_blank_texts_come_back_unsent(self, case: Case) -> None:
        result = await case.provider.translate(["", "Hello", "   "], target=TARGET)
        assert result == ["", case.expected("Hello"), "   "]
        if case.fake is not None:
            assert sum(case.wire.texts_in(r) for r in case.batches()) == 1  # type: ignore[union-attr]

    async def test_500_texts_are_split_within_the_limits(self, case: Case) -> None:
        texts = [f"Text {n}: the quick brown fox jumps over the lazy dog" for n in range(500)]
        result = await case.provider.translate(texts, target=TARGET)
        assert result == [case.expected(text) for text in texts]
        if case.fake is None:
            return
        assert case.wire is not None
        sizes = [case.wire.texts_in(request) for request in case.batches()]
        assert sum(sizes) == 500
        assert max(sizes) <= case.provider.max_texts_per_request
        assert len(sizes) >= -(-500 // case.provider.max_texts_per_request)

    async def test_a_text_too_large_for_one_request_is_a_clear_error(self, case: Case) -> None:
        huge = "word " * (case.provider.max_bytes_per_request // 5 + 10)
        with pytest.raises(InvalidInput, match=r"text 2 takes \d+ bytes"):
            await case.provider.translate(["fine", huge], target=TARGET)
        if case.fake is not None:
            assert case.batches() == []

    async def test_a_single_string_is_refused(self, case: Case) -> None:
        with pytest.raises(InvalidInput, match="list of texts"):
            await case.provider.translate("not a list", target=TARGET)

    async def test_segments_keep_every_code_and_translate_the_text(self, case: Case) -> None:
        segments = [
            'Press <g id="1">Save &amp; <g id="2">close</g></g> for <x id="3" equiv="{name}"/>.',
            '<x id="1" equiv="%d"/> files &lt;here&gt;<g id="2">!</g>',
            "No codes at all",
        ]
        results = await case.provider.translate_segments(segments, target=TARGET)
        for source, result in zip(segments, results, strict=True):
            assert result.repaired is None
            assert inline.code_problem(inline.parse(source), result.text) is None
            assert inline.parse(result.text).prose != inline.parse(source).prose

    async def test_glossary_terms_come_back_as_their_targets(self, case: Case) -> None:
        glossary = GlossarySpec.build(
            [GlossaryTerm("widget", "Gadget")], source_lang="en", target_lang=TARGET
        )
        (result,) = await case.provider.translate_segments(
            ['Open the <g id="1">widget</g> menu'], target=TARGET, source="en", glossary=glossary
        )
        assert result.repaired is None
        if case.provider.glossary_support is GlossarySupport.PROMPT:  # the model is told
            (chat,) = case.batches()
            assert '"widget" → "Gadget"' in llm_api.FakeChatModel.system_prompt_of(chat.json())
        else:  # the term went as a code whose rendering is its target
            assert "Gadget" in inline.parse(result.text).prose
