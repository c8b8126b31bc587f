"""DeepL through the official SDK against the fake API: wire, errors, native glossaries."""

from __future__ import annotations

import asyncio

import pytest

from tests.providers.conftest import DEEPL_KEY, make_provider
from tests.providers.fakes.deepl_api import FakeDeepL, translated
from tests.providers.fakes.server import Reply
from workbench.errors import (
    InvalidInput,
    NotFound,
    ProviderAuthError,
    ProviderError,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    UnsupportedLanguage,
)
from workbench.providers import (
    GlossarySpec,
    GlossaryStore,
    GlossarySupport,
    GlossaryTerm,
    get_provider,
)
from workbench.providers.deepl import DeepLProvider

TRANSLATE = "/v2/translate"
LANGUAGES = "/v2/languages"


async def test_the_request_carries_key_languages_model_and_options(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    result = await deepl.translate(
        ["Hello", "Goodbye"],
        target="de",
        source="en",
        model="latency_optimized",
        formality="prefer_less",
        context="A greeting card",
    )
    assert result == [translated("Hello", "DE"), translated("Goodbye", "DE")]
    (request,) = deepl_fake.requests(TRANSLATE)
    assert request.headers["authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"
    body = request.json()
    assert body["text"] == ["Hello", "Goodbye"]
    assert body["target_lang"] == "DE"
    assert body["source_lang"] == "EN"
    assert body["model_type"] == "latency_optimized"
    assert body["formality"] == "prefer_less"
    assert body["context"] == "A greeting card"


async def test_the_default_model_type_is_sent(deepl_fake: FakeDeepL, deepl: DeepLProvider) -> None:
    await deepl.translate(["Hello"], target="fr")
    assert deepl_fake.requests(TRANSLATE)[0].json()["model_type"] == DeepLProvider.default_model
    assert await deepl.list_models() == [
        "quality_optimized",
        "latency_optimized",
        "prefer_quality_optimized",
    ]


async def test_bad_model_or_formality_is_refused_before_sending(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    with pytest.raises(InvalidInput, match="unknown model"):
        await deepl.translate(["Hello"], target="fr", model="gpt-4o")
    with pytest.raises(InvalidInput, match="formality"):
        await deepl.translate(["Hello"], target="fr", formality="very")
    with pytest.raises(InvalidInput, match="unknown option"):
        await deepl.translate(["Hello"], target="fr", tone="warm")
    assert deepl_fake.requests(TRANSLATE) == []


async def test_concurrent_first_calls_share_one_languages_fetch(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    texts = [[f"Line {n}."] for n in range(12)]  # a job's first chunk: many calls at once
    results = await asyncio.gather(*(deepl.translate(batch, target="fr") for batch in texts))
    assert results == [[translated(batch[0], "FR")] for batch in texts]
    assert len(deepl_fake.requests(LANGUAGES)) == 2  # source and target, once


async def test_a_failed_languages_fetch_is_tried_again(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    deepl_fake.fail(LANGUAGES, Reply(400, {"message": "Bad request"}))  # not retried
    failures = await asyncio.gather(
        *(deepl.list_languages() for _ in range(3)), return_exceptions=True
    )
    assert [type(failure) for failure in failures] == [ProviderError] * 3
    assert "FR" in {language.code for language in await deepl.list_languages()}


async def test_a_bare_english_target_names_the_variants(deepl: DeepLProvider) -> None:
    with pytest.raises(UnsupportedLanguage, match="EN-GB, EN-US"):
        await deepl.translate(["Hallo"], target="en")
    assert await deepl.validate_language("en", role="source") == "EN"
    assert await deepl.validate_language("pt-br") == "PT-BR"


async def test_456_is_quota_exceeded_and_not_retried(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    deepl_fake.fail(TRANSLATE, Reply(456, {"message": "Quota Exceeded"}))
    with pytest.raises(ProviderQuotaExceeded, match="456"):
        await deepl.translate(["Hello"], target="de")
    with pytest.raises(ProviderQuotaExceeded, match="not asking again"):
        await deepl.translate(["Hello"], target="de")
    assert len(deepl_fake.requests(TRANSLATE)) == 1


async def test_a_wrong_key_is_an_auth_error(deepl_fake: FakeDeepL) -> None:
    async with make_provider("deepl", deepl_fake, api_key="wrong-key:fx") as provider:
        with pytest.raises(ProviderAuthError, match="DEEPL_AUTH_KEY"):
            await provider.check()
    assert len(deepl_fake.requests("/v2/usage")) == 1


async def test_the_sdk_does_not_retry_on_its_own(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    # Left to itself the SDK retries 429 five times, sleeping a second or more each time.
    deepl_fake.fail(TRANSLATE, *[Reply(429, {"message": "Too many requests"})] * 6)
    with pytest.raises(ProviderRateLimited):
        await deepl.translate(["Hello"], target="de")
    assert len(deepl_fake.requests(TRANSLATE)) == deepl.retry.attempts


async def test_retry_after_reaches_the_error(deepl_fake: FakeDeepL, deepl: DeepLProvider) -> None:
    deepl_fake.fail(TRANSLATE, Reply(429, {"message": "slow"}, {"Retry-After": "120"}))
    with pytest.raises(ProviderRateLimited) as raised:
        await deepl.translate(["Hello"], target="de")
    assert raised.value.retry_after == 120


def test_a_free_key_without_url_uses_the_free_endpoint() -> None:
    provider = DeepLProvider(api_key="abc:fx")
    assert provider.base_url == "https://api-free.deepl.com"
    assert DeepLProvider(api_key="abc").base_url == "https://api.deepl.com"


# --- native glossaries -------------------------------------------------------------------

SPEC = GlossarySpec.build(
    [GlossaryTerm("Workbench", "Werkbank"), GlossaryTerm("job", "Auftrag")],
    source_lang="en",
    target_lang="de",
)


async def test_glossaries_are_created_listed_read_and_deleted(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    assert DeepLProvider.glossary_support is GlossarySupport.NATIVE
    assert isinstance(deepl, GlossaryStore)
    synced = await deepl.create_glossary(SPEC)
    assert synced.remote_id is not None
    assert synced.checksum == SPEC.checksum
    (remote,) = await deepl.list_glossaries()
    assert remote.remote_id == synced.remote_id
    assert remote.checksum == SPEC.checksum
    assert (remote.source_lang, remote.target_lang, remote.entry_count) == ("EN", "DE", 2)
    assert await deepl.glossary_entries(synced.remote_id) == {
        "Workbench": "Werkbank",
        "job": "Auftrag",
    }
    created = deepl_fake.requests("/v2/glossaries", "POST")[0].json()
    assert created["entries_format"] == "tsv"
    await deepl.delete_glossary(synced.remote_id)
    assert await deepl.list_glossaries() == []
    with pytest.raises(NotFound):
        await deepl.delete_glossary(synced.remote_id)


async def test_translation_passes_the_glossary_id(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    synced = await deepl.create_glossary(SPEC)
    result = await deepl.translate(["Start the Workbench job"], target="de", glossary=synced)
    assert result == [translated("Start the Werkbank Auftrag", "DE")]
    body = deepl_fake.requests(TRANSLATE)[0].json()
    assert body["glossary_id"] == synced.remote_id
    assert body["source_lang"] == "EN"  # taken from the glossary: DeepL requires it
    assert body["text"] == ["Start the Workbench job"]  # DeepL applies the terms itself


async def test_a_glossary_not_synced_yet_is_enforced_by_placeholders(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    result = await deepl.translate(["Start the Workbench job"], target="de", glossary=SPEC)
    body = deepl_fake.requests(TRANSLATE)[0].json()
    assert "glossary_id" not in body
    assert "Workbench" not in body["text"][0]
    assert result == [translated("Start the Werkbank Auftrag", "DE")]


async def test_a_deleted_remote_glossary_is_not_found(deepl: DeepLProvider) -> None:
    stale = SPEC.with_remote_id("gl-does-not-exist")
    with pytest.raises(NotFound, match="glossary"):
        await deepl.translate(["job"], target="de", glossary=stale)


async def test_a_glossary_for_other_languages_is_refused(deepl: DeepLProvider) -> None:
    with pytest.raises(InvalidInput, match="glossary is for target language 'de'"):
        await deepl.translate(["job"], target="fr", glossary=SPEC)


async def test_only_native_providers_store_glossaries() -> None:
    async with get_provider("pseudo") as pseudo:
        assert not isinstance(pseudo, GlossaryStore)
