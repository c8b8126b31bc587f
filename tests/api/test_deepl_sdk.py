"""The official DeepL SDK against a real ``workbench api``, over loopback, on both backends."""

from __future__ import annotations

import deepl
import pytest

from tests.api.conftest import ApiServer
from workbench.providers.pseudo import pseudo_localize


def translator(server: ApiServer, key: str) -> deepl.Translator:
    return deepl.Translator(key, server_url=server.url, send_platform_info=False)


def test_one_text_and_many(api_server: ApiServer) -> None:
    account = api_server.account()
    client = translator(api_server, account.key)

    one = client.translate_text("Hello world", target_lang="DE")
    assert isinstance(one, deepl.TextResult)
    assert one.text == pseudo_localize("Hello world")
    assert one.billed_characters == len("Hello world")

    texts = ["First sentence", "a < b & c", "Second sentence", "42"]
    many = client.translate_text(texts, source_lang="EN", target_lang="EN-GB")
    assert [result.text for result in many] == [
        pseudo_localize("First sentence"),
        pseudo_localize("a < b & c"),  # plain text: its < and & are characters
        pseudo_localize("Second sentence"),
        "42",  # nothing to translate, nothing billed
    ]
    assert [result.detected_source_lang for result in many] == ["EN"] * 4
    assert [result.billed_characters for result in many] == [14, 9, 15, 0]


def test_xml_tags_come_back_as_they_were(api_server: ApiServer) -> None:
    account = api_server.account()
    client = translator(api_server, account.key)
    text = 'Press <b>Save</b> to keep <a href="x">your work</a> &amp; go on<br/>'

    result = client.translate_text(text, target_lang="FR", tag_handling="xml")

    assert result.text == (
        '[Préss <b>Sávé</b> tö kéép <a href="x">ýöûr wörk</a> &amp; gö öñ<br/> ~~~~~~~~~~~]'
    )
    assert result.billed_characters == len("Press Save to keep your work & go on")


def test_ignored_tags_keep_their_content(api_server: ApiServer) -> None:
    account = api_server.account()
    client = translator(api_server, account.key)

    result = client.translate_text(
        "Run <code>make it</code> now", target_lang="DE", tag_handling="xml", ignore_tags="code"
    )

    assert "<code>make it</code>" in result.text
    assert result.text.startswith("[Rûñ ")


def test_usage_counts_the_owners_characters(api_server: ApiServer) -> None:
    account = api_server.account(characters=10_000)
    client = translator(api_server, account.key)
    assert client.get_usage().character.count == 0
    assert client.get_usage().character.limit == 10_000

    client.translate_text(["Good morning", "Good evening"], target_lang="DE")

    usage = client.get_usage()
    assert usage.character.count == len("Good morning") + len("Good evening")
    assert not usage.any_limit_reached


def test_languages_of_the_provider_serving_the_key(api_server: ApiServer) -> None:
    client = translator(api_server, api_server.account().key)

    sources = {language.code: language for language in client.get_source_languages()}
    targets = {language.code: language for language in client.get_target_languages()}

    assert sources["DE"].name == "German"
    assert targets["FR"].name == "French"
    assert targets["ZH-TW"].supports_formality is False


def test_a_revoked_key_is_refused(api_server: ApiServer) -> None:
    account = api_server.account()
    client = translator(api_server, account.key)
    client.translate_text("Still valid", target_lang="DE")

    api_server.revoke(account)

    with pytest.raises(deepl.AuthorizationException, match="has been revoked"):
        client.translate_text("No longer", target_lang="DE")
    with pytest.raises(deepl.AuthorizationException):
        translator(api_server, account.key + "x").get_usage()


def test_a_used_up_quota_is_456(api_server: ApiServer) -> None:
    account = api_server.account(characters=20)
    client = translator(api_server, account.key)
    client.translate_text("Fifteen letters", target_lang="DE")

    with pytest.raises(deepl.QuotaExceededException, match="monthly character limit"):
        client.translate_text("Ten more characters", target_lang="DE")
    assert client.get_usage().character.count == len("Fifteen letters")


def test_a_provider_outside_the_tier_is_403_with_its_reason(api_server: ApiServer) -> None:
    account = api_server.account(providers=("pseudo",))
    client = translator(api_server, account.key)

    with pytest.raises(deepl.AuthorizationException, match="does not include the provider deepl"):
        client.translate_text(
            "Hello", target_lang="DE", extra_body_parameters={"workbench_provider": "deepl"}
        )

    api_server.pin(account, "deepl")  # a key pinned to it is refused the same way
    with pytest.raises(deepl.AuthorizationException, match="does not include the provider deepl"):
        client.translate_text("Hello", target_lang="DE")


def test_a_memory_hit_costs_no_provider_call(api_server: ApiServer) -> None:
    account = api_server.account(providers=("pseudo", "deepl"))
    api_server.pin(account, "deepl")  # the key's pinned provider serves its requests
    client = translator(api_server, account.key)
    text = f"A sentence for the memory of {account.prefix}"
    before = len(api_server.fake.requests("/v2/translate"))

    first = client.translate_text(text, source_lang="EN", target_lang="DE")
    after_first = len(api_server.fake.requests("/v2/translate"))
    second = client.translate_text(text, source_lang="EN", target_lang="DE")

    assert after_first == before + 1
    assert len(api_server.fake.requests("/v2/translate")) == after_first
    assert first.text == second.text == f"<de>{text}"
    assert first.billed_characters == len(text)
    assert second.billed_characters == 0
    assert client.get_usage().character.count == len(text)
