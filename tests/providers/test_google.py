"""Google Cloud Translation v2 and the free Google web endpoint against their fakes."""

from __future__ import annotations

import pytest

from tests.providers.conftest import GOOGLE_CLOUD_KEY, make_provider
from tests.providers.fakes import google_cloud_api, google_web_api
from tests.providers.fakes.google_cloud_api import FakeGoogleCloud, quota_error, rate_error
from tests.providers.fakes.google_web_api import FakeGoogleWeb
from tests.providers.fakes.server import Reply
from workbench.errors import (
    InvalidInput,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderQuotaExceeded,
    UnsupportedLanguage,
)
from workbench.providers import GlossarySpec, GlossaryTerm
from workbench.providers.google import GoogleWebProvider
from workbench.providers.google_cloud import GoogleCloudProvider

TRANSLATE = google_cloud_api.TRANSLATE

# --- Google Cloud --------------------------------------------------------------------


async def test_cloud_request_format(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    result = await google_cloud.translate(["Hello", "World"], target="ja", source="en")
    assert result == [google_cloud_api.translated(t, "ja") for t in ("Hello", "World")]
    (request,) = google_cloud_fake.requests(TRANSLATE)
    assert request.method == "POST"
    assert request.json() == {
        "q": ["Hello", "World"],
        "target": "ja",
        "source": "en",
        "format": "text",
        "model": "nmt",
    }
    assert request.headers["x-goog-api-key"] == GOOGLE_CLOUD_KEY
    assert "key" not in request.query  # the key never travels in a URL


async def test_cloud_source_is_detected_when_not_given(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    await google_cloud.translate(["Bonjour"], target="en", model="base")
    body = google_cloud_fake.requests(TRANSLATE)[0].json()
    assert "source" not in body
    assert body["model"] == "base"


async def test_cloud_daily_quota_is_quota_exceeded(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    google_cloud_fake.fail(TRANSLATE, quota_error())
    with pytest.raises(ProviderQuotaExceeded, match="403"):
        await google_cloud.translate(["Hello"], target="fr")
    with pytest.raises(ProviderQuotaExceeded):
        await google_cloud.translate(["Hello"], target="fr")
    assert len(google_cloud_fake.requests(TRANSLATE)) == 1


async def test_cloud_per_minute_quota_is_a_rate_limit_and_retried(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    google_cloud_fake.fail(TRANSLATE, rate_error())
    assert await google_cloud.translate(["Hello"], target="fr") == ["<fr>Hello"]
    assert len(google_cloud_fake.requests(TRANSLATE)) == 2


async def test_cloud_invalid_key_is_an_auth_error(google_cloud_fake: FakeGoogleCloud) -> None:
    async with make_provider("google_cloud", google_cloud_fake, api_key="AIza-wrong") as provider:
        with pytest.raises(ProviderAuthError, match="GOOGLE_CLOUD_API_KEY"):
            await provider.translate(["Hello"], target="fr")
    # The language list is the first request; the refusal cools the provider down.
    assert len(google_cloud_fake.requests()) == 1


async def test_cloud_forbidden_without_quota_reason_is_auth(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    body = google_cloud_api.google_error(
        403, "Cloud Translation API has not been used in project 1", "accessNotConfigured", "X"
    )
    google_cloud_fake.fail(TRANSLATE, Reply(403, body))
    with pytest.raises(ProviderAuthError):
        await google_cloud.translate(["Hello"], target="fr")


async def test_cloud_languages_come_from_the_api(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    languages = await google_cloud.list_languages()
    assert {language.code for language in languages} == set(google_cloud_api.LANGUAGE_NAMES)
    with pytest.raises(UnsupportedLanguage, match="choose one of sr"):
        await google_cloud.translate(["Hello"], target="sr@latin")
    with pytest.raises(UnsupportedLanguage):
        await google_cloud.translate(["Hello"], target="fr", source="xx")
    assert google_cloud_fake.requests(TRANSLATE) == []
    assert len(google_cloud_fake.requests(google_cloud_api.LANGUAGES)) == 1  # cached


async def test_cloud_a_reply_without_translations_is_bad(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    google_cloud_fake.fail(TRANSLATE, Reply(200, {"data": {}}))
    with pytest.raises(ProviderBadResponse):
        await google_cloud.translate(["Hello"], target="fr")


async def test_cloud_glossary_terms_travel_as_codes_google_keeps(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    glossary = GlossarySpec.build(
        [GlossaryTerm("pull request", "demande de tirage")], source_lang="en", target_lang="fr"
    )
    result = await google_cloud.translate(
        ["Open a Pull Request", "No terms here"], target="fr", glossary=glossary
    )
    sent = {
        body["format"]: body["q"]
        for body in (request.json() for request in google_cloud_fake.requests(TRANSLATE))
    }
    assert sent == {
        "html": ['Open a <span translate="no" id="t1">demande de tirage</span>'],
        "text": ["No terms here"],  # a text without terms goes out as it always did
    }
    assert result == ["<fr>Open a demande de tirage", "<fr>No terms here"]


# --- Google web (unofficial) -----------------------------------------------------------


async def test_web_request_format_and_sentences_are_joined(
    google_fake: FakeGoogleWeb, google: GoogleWebProvider
) -> None:
    text = "Hello there. How are you? Fine!"
    assert await google.translate([text], target="fr") == [google_web_api.translated(text, "fr")]
    (request,) = google_fake.requests()
    assert request.method == "GET"
    assert request.path == google_web_api.PATH
    assert request.param("client") == "gtx"
    assert request.param("sl") == "auto"
    assert request.param("tl") == "fr"
    assert request.param("dt") == "t"
    assert request.param("q") == text
    assert len(google_web_api.sentences(text)) == 3  # the fake split it; we joined it


async def test_web_is_flagged_unofficial_and_needs_no_key() -> None:
    assert GoogleWebProvider.unofficial
    assert not GoogleWebProvider.requires_key
    assert not GoogleCloudProvider.unofficial


async def test_web_has_no_model_choice(google: GoogleWebProvider) -> None:
    with pytest.raises(InvalidInput, match="no model choice"):
        await google.translate(["Hi"], target="fr", model="nmt")


async def test_web_unknown_language(google: GoogleWebProvider) -> None:
    with pytest.raises(UnsupportedLanguage):
        await google.translate(["Hi"], target="klingon")


async def test_web_a_reply_of_another_shape_is_bad(
    google_fake: FakeGoogleWeb, google: GoogleWebProvider
) -> None:
    google_fake.fail(google_web_api.PATH, Reply(200, {"sentences": []}))
    with pytest.raises(ProviderBadResponse):
        await google.translate(["Hi"], target="fr")


# --- detecting languages ---------------------------------------------------------------


async def test_cloud_detects_through_its_detect_call(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    found = await google_cloud.detect("Guten Morgen, das ist gut")

    assert [item.language for item in found] == ["de"]
    assert 0.5 < found[0].confidence <= 1.0
    (request,) = google_cloud_fake.requests(google_cloud_api.DETECT)
    assert request.json() == {"q": ["Guten Morgen, das ist gut"]}
    assert not google_cloud_fake.requests(TRANSLATE)


async def test_web_detects_from_its_reply_to_auto(
    google_fake: FakeGoogleWeb, google: GoogleWebProvider
) -> None:
    found = await google.detect("Bonjour, merci " + "x" * 5000)

    assert found[0].language == "fr"
    (request,) = google_fake.requests(google_web_api.PATH)
    assert request.param("sl") == "auto"
    assert len(request.param("q") or "") == 1000  # only the start of a long text


async def test_a_provider_that_cannot_detect_says_so() -> None:
    async with make_provider("pseudo") as pseudo:
        with pytest.raises(InvalidInput, match="pseudo cannot detect languages"):
            await pseudo.detect("Hello")
