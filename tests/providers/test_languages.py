"""gettext locale names and BCP 47 tags reach each provider in its own spelling.

Each mapping is checked on the wire: the fakes answer with the target code they were
sent, so a right answer proves the provider asked for the right language.
"""

from __future__ import annotations

import pytest

from tests.providers.conftest import make_provider
from tests.providers.fakes.llm_api import FakeChatModel
from workbench.errors import UnsupportedLanguage
from workbench.glossary.rules import normalise_lang
from workbench.providers import Provider
from workbench.providers.deepl import DeepLProvider
from workbench.providers.google import GoogleWebProvider
from workbench.providers.google_cloud import GoogleCloudProvider
from workbench.providers.languages import describe, parse_tag


@pytest.mark.parametrize(
    ("code", "bcp47", "gettext"),
    [
        ("pt_BR", "pt-BR", "pt_BR"),
        ("pt-br", "pt-BR", "pt_BR"),
        ("sr@latin", "sr-Latn", "sr@latin"),
        ("sr_RS@latin", "sr-Latn-RS", "sr_RS@latin"),
        ("sr-Latn", "sr-Latn", "sr@latin"),
        ("be@latin", "be-Latn", "be@latin"),
        ("zh_Hant", "zh-Hant", "zh_Hant"),
        ("zh_TW", "zh-TW", "zh_TW"),
        ("ca_ES@valencia", "ca-ES-valencia", "ca_ES@valencia"),
        ("de_DE.UTF-8", "de-DE", "de_DE"),
        ("es-419", "es-419", "es_419"),
    ],
)
def test_gettext_names_and_bcp47_tags_mean_the_same(code: str, bcp47: str, gettext: str) -> None:
    tag = parse_tag(code)
    assert tag is not None
    assert (tag.bcp47, tag.gettext) == (bcp47, gettext)


@pytest.mark.parametrize("code", ["", "C", "french", "pt_BR@klingon", "x", "e n"])
def test_what_is_no_language_code_is_refused(code: str) -> None:
    assert parse_tag(code) is None


@pytest.mark.parametrize(
    ("code", "wire"),
    [
        ("pt_BR", "PT-BR"),
        ("pt_PT", "PT-PT"),
        ("zh_Hant", "ZH-HANT"),
        ("zh_TW", "ZH-HANT"),
        ("zh_HK", "ZH-HANT"),
        ("zh_CN", "ZH-HANS"),
        ("zh", "ZH"),
        ("pl_PL", "PL"),
        ("en_US", "EN-US"),
    ],
)
async def test_deepl_gets_its_own_codes(deepl: DeepLProvider, code: str, wire: str) -> None:
    assert await deepl.translate(["Hello"], target=code) == [f"<{wire.lower()}>Hello"]


async def test_deepl_reads_a_regional_source_as_its_language(deepl: DeepLProvider) -> None:
    assert await deepl.validate_language("pt_BR", role="source") == "PT"
    assert await deepl.validate_language("zh_TW", role="source") == "ZH"


@pytest.mark.parametrize(
    ("code", "wire"),
    [
        ("pt_BR", "pt"),
        ("pt_PT", "pt-PT"),
        ("zh_TW", "zh-TW"),
        ("zh_Hant", "zh-TW"),
        ("zh", "zh-CN"),
    ],
)
async def test_google_cloud_gets_its_own_codes(
    google_cloud: GoogleCloudProvider, code: str, wire: str
) -> None:
    assert await google_cloud.translate(["Hello"], target=code) == [f"<{wire.lower()}>Hello"]


@pytest.mark.parametrize(("code", "wire"), [("zh_Hant", "zh-TW"), ("pt_BR", "pt"), ("he", "he")])
async def test_google_web_gets_its_own_codes(
    google: GoogleWebProvider, code: str, wire: str
) -> None:
    assert await google.translate(["Hello"], target=code) == [f"<{wire.lower()}>Hello"]


@pytest.mark.parametrize("code", ["sr@latin", "be@latin"])
async def test_a_script_the_provider_does_not_write_is_refused_not_swapped(
    deepl: DeepLProvider, google_cloud: GoogleCloudProvider, code: str
) -> None:
    # Google writes sr and be in Cyrillic: sending a Latin catalog there would be wrong.
    with pytest.raises(UnsupportedLanguage, match=f"'{code}' is not a target language"):
        await google_cloud.translate(["Hello"], target=code)
    with pytest.raises(UnsupportedLanguage, match=f"'{code}' is not a target language"):
        await deepl.translate(["Hello"], target=code)


@pytest.mark.parametrize("name", ["openai", "ollama"])
@pytest.mark.parametrize(
    ("code", "tag", "said"),
    [
        ("sr@latin", "sr-Latn", "Serbian (Latin)"),
        ("be@latin", "be-Latn", "Belarusian (Latin)"),
        ("pt_BR", "pt-BR", "Portuguese (Brazil)"),
        ("zh_Hant", "zh-Hant", "Chinese (Traditional)"),
    ],
)
async def test_llms_get_a_bcp47_tag_and_the_language_named(
    request: pytest.FixtureRequest, name: str, code: str, tag: str, said: str
) -> None:
    fake: FakeChatModel = request.getfixturevalue(f"{name}_fake")
    provider: Provider = make_provider(name, fake)
    try:
        assert await provider.validate_language(code) == tag
        await provider.translate(["Hello"], target=code)
    finally:
        await provider.aclose()
    (chat,) = fake.chats()
    assert f"{said} ({tag})" in fake.system_prompt_of(chat)


def test_describe_names_what_a_model_reads() -> None:
    assert describe("fr") == "French (fr)"
    assert describe("xx-unknown") == "xx-unknown"


@pytest.mark.parametrize(
    ("given", "spelled"),
    [("pt_br", "pt-BR"), ("sr@latin", "sr-Latn"), ("be@latin", "be-Latn"), ("ZH-hant", "zh-Hant")],
)
def test_glossary_languages_take_gettext_names_too(given: str, spelled: str) -> None:
    assert normalise_lang(given) == spelled
