"""Segments with codes over each provider's real client and its fake: what the wire
carries (the "real providers receive markup raw" defect), retries, and the fallback."""

from __future__ import annotations

import pytest

from tests.providers.conftest import make_provider
from tests.providers.fakes import deepl_api, google_cloud_api, google_web_api, llm_api
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.google_cloud_api import FakeGoogleCloud
from tests.providers.fakes.google_web_api import FakeGoogleWeb
from tests.providers.fakes.llm_api import Answer, FakeChatModel
from tests.providers.fakes.server import Reply
from workbench import inline
from workbench.errors import InvalidInput
from workbench.providers import GlossarySpec, GlossaryTerm
from workbench.providers.deepl import DeepLProvider
from workbench.providers.google import GoogleWebProvider
from workbench.providers.google_cloud import GoogleCloudProvider
from workbench.providers.llm import TAG_INSTRUCTION

TAGGED = 'Press <g id="1">Save &amp; close</g> to keep <x id="2" equiv="{name}"/>.'
PLAIN = "Nothing but text &amp; an ampersand"


def prose(canonical: str) -> str:
    return inline.parse(canonical).prose


def assert_kept(source: str, translated: str) -> None:
    assert inline.code_problem(inline.parse(source), translated) is None


# --- DeepL ---------------------------------------------------------------------------------


async def test_deepl_gets_segments_with_codes_as_xml_with_tag_handling(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    tagged, plain = await deepl.translate_segments([TAGGED, PLAIN], target="de")
    bodies = [request.json() for request in deepl_fake.requests("/v2/translate")]
    by_mode = {body.get("tag_handling"): body for body in bodies}
    assert set(by_mode) == {"xml", None}
    xml = by_mode["xml"]
    assert xml["text"] == ['Press <g id="1">Save &amp; close</g> to keep <x id="2">{name}</x>.']
    assert xml["ignore_tags"] == ["x"]
    assert xml["tag_handling_version"] == "v2"
    assert xml["outline_detection"] is False
    assert xml["split_sentences"] == "nonewlines"
    # A segment without codes goes out as translate() sends a text: no tag handling.
    assert by_mode[None]["text"] == ["Nothing but text & an ampersand"]
    assert "ignore_tags" not in by_mode[None]
    assert tagged.repaired is None
    assert_kept(TAGGED, tagged.text)
    assert prose(tagged.text) == "<de>Press <de>Save & close<de> to keep <de>."
    assert plain.text == inline.plain(deepl_api.translated("Nothing but text & an ampersand", "DE"))


async def test_deepl_tags_moved_with_the_words_are_kept(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    deepl_fake.moves_tags = True
    (result,) = await deepl.translate_segments([TAGGED], target="de")
    assert result.repaired is None
    assert result.text == (
        '&lt;de&gt;.<x id="2" equiv="{name}"/>&lt;de&gt; to keep '
        '<g id="1">&lt;de&gt;Save &amp; close</g>&lt;de&gt;Press '
    )


async def test_deepl_a_reply_that_loses_a_code_is_asked_for_once_more(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    deepl_fake.fail("/v2/translate", _deepl_reply("Drücken Sie Speichern."))
    (result,) = await deepl.translate_segments([TAGGED], target="de")
    assert result.repaired is None
    assert_kept(TAGGED, result.text)
    sent = [request.json() for request in deepl_fake.requests("/v2/translate")]
    assert [body.get("tag_handling") for body in sent] == ["xml", "xml"]
    assert sent[0]["text"] == sent[1]["text"]


async def test_deepl_a_segment_broken_twice_falls_back_to_its_pieces_alone(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    deepl_fake.fail(
        "/v2/translate",
        _deepl_reply('<g id="1">Drücken</g> <x id="2">{name}</x> <x id="2">{name}</x>'),
        _deepl_reply('<g id="1">Drücken <x id="2"/>'),
    )
    (tagged,) = await deepl.translate_segments([TAGGED], target="de")
    assert tagged.repaired is not None
    assert "deepl did not keep the codes" in tagged.repaired
    assert "one by one" in tagged.repaired
    translated = deepl_api.translated
    assert tagged.text == (
        f"{inline.escape(translated('Press ', 'DE'))}"
        f'<g id="1">{inline.escape(translated("Save & close", "DE"))}</g>'
        f"{inline.escape(translated(' to keep ', 'DE'))}"
        f'<x id="2" equiv="{{name}}"/>{inline.escape(translated(".", "DE"))}'
    )
    last = deepl_fake.requests("/v2/translate")[-1].json()
    assert "tag_handling" not in last
    assert last["text"] == ["Press ", "Save & close", " to keep ", "."]


def _deepl_reply(*texts: str) -> Reply:
    return Reply(
        body={
            "translations": [
                {"detected_source_language": "EN", "text": text, "billed_characters": len(text)}
                for text in texts
            ]
        }
    )


async def test_deepl_unsynced_glossary_terms_travel_as_ignored_tags(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = GlossarySpec.build(
        [GlossaryTerm("Workbench", "Werkbank")], source_lang="en", target_lang="de"
    )
    (result,) = await deepl.translate_segments(
        ['Open <g id="1">the Workbench</g>'], target="de", glossary=glossary
    )
    (body,) = [request.json() for request in deepl_fake.requests("/v2/translate")]
    assert body["text"] == ['Open <g id="1">the <x id="t1">Werkbank</x></g>']
    assert body["tag_handling"] == "xml"
    assert result.text == '&lt;de&gt;Open <g id="1">&lt;de&gt;the Werkbank</g>'


# --- Google Cloud -----------------------------------------------------------------------


async def test_google_cloud_gets_segments_with_codes_as_html(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    source = 'It\'s <g id="1">"quoted" &amp; bold</g><x id="2" equiv="%s"/>'
    tagged, plain = await google_cloud.translate_segments([source, PLAIN], target="fr")
    bodies = {
        body["format"]: body
        for body in (r.json() for r in google_cloud_fake.requests(google_cloud_api.TRANSLATE))
    }
    assert bodies["html"]["q"] == [
        'It\'s <span id="1">"quoted" &amp; bold</span><span translate="no" id="2">%s</span>'
    ]
    assert bodies["text"]["q"] == ["Nothing but text & an ampersand"]
    # The fake, like Google, answers with entities (&#39; &quot; &amp; &lt;): decoded.
    assert tagged.repaired is None
    assert tagged.text == (
        '&lt;fr&gt;It\'s <g id="1">&lt;fr&gt;"quoted" &amp; bold</g><x id="2" equiv="%s"/>'
    )
    assert plain.text == inline.plain(google_cloud_api.translated(inline.text_of(PLAIN), "fr"))


async def test_google_cloud_tags_moved_with_the_words_are_kept(
    google_cloud_fake: FakeGoogleCloud, google_cloud: GoogleCloudProvider
) -> None:
    google_cloud_fake.moves_tags = True
    (result,) = await google_cloud.translate_segments([TAGGED], target="fr")
    assert result.repaired is None
    assert_kept(TAGGED, result.text)
    assert result.text.startswith("&lt;fr&gt;.")


# --- the chat models ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openai", "ollama"])
async def test_chat_models_are_told_to_keep_the_tags(
    name: str, request: pytest.FixtureRequest
) -> None:
    fake: FakeChatModel = request.getfixturevalue(f"{name}_fake")
    async with make_provider(name, fake) as provider:
        tagged, plain = await provider.translate_segments([TAGGED, PLAIN], target="fr")
    chats = fake.chats()
    prompts = {fake.system_prompt_of(chat): fake.segments_of(chat) for chat in chats}
    told = [segments for prompt, segments in prompts.items() if TAG_INSTRUCTION in prompt]
    untold = [segments for prompt, segments in prompts.items() if TAG_INSTRUCTION not in prompt]
    assert told == [[{"id": "1", "text": TAGGED}]]
    assert untold == [[{"id": "1", "text": "Nothing but text & an ampersand"}]]
    assert tagged.repaired is None
    assert tagged.text == "&lt;llm&gt;" + TAGGED
    assert plain.text == inline.plain(llm_api.translated("Nothing but text & an ampersand"))


@pytest.mark.parametrize("name", ["openai", "ollama"])
async def test_a_model_that_drops_tags_is_asked_again_then_the_segment_falls_back(
    name: str, request: pytest.FixtureRequest
) -> None:
    fake: FakeChatModel = request.getfixturevalue(f"{name}_fake")
    dropped = Answer(content='{"translations": [{"id": "1", "text": "Appuyez sur Enregistrer."}]}')
    fake.plan(dropped, dropped)
    async with make_provider(name, fake) as provider:
        (result,) = await provider.translate_segments([TAGGED], target="fr")
    assert result.repaired is not None
    assert "code 1 is missing" in result.repaired
    assert_kept(TAGGED, result.text)
    assert prose(result.text) == "<llm>Press <llm>Save & close<llm> to keep <llm>."
    asked = [fake.segments_of(chat) for chat in fake.chats()]
    assert asked[:2] == [[{"id": "1", "text": TAGGED}]] * 2
    assert sorted(s["text"] for s in asked[2]) == sorted(
        ["Press ", "Save & close", " to keep ", "."]
    )


# --- Google web (unofficial) ---------------------------------------------------------------


async def test_google_web_gets_codes_as_tokens(
    google_fake: FakeGoogleWeb, google: GoogleWebProvider
) -> None:
    (result,) = await google.translate_segments([TAGGED], target="fr")
    (sent,) = google_fake.requests(google_web_api.PATH)
    assert sent.param("q") == "Press [X0X]Save & close[X1X] to keep [X2X]."
    assert result.repaired is None
    assert (
        result.text
        == '&lt;fr&gt;Press <g id="1">Save &amp; close</g> to keep <x id="2" equiv="{name}"/>.'
    )


async def test_google_web_a_text_shaped_like_a_token_goes_piece_by_piece(
    google_fake: FakeGoogleWeb, google: GoogleWebProvider
) -> None:
    (result,) = await google.translate_segments(['Type [X0X] <x id="1"/> here'], target="fr")
    sent = [request.param("q") for request in google_fake.requests(google_web_api.PATH)]
    assert sorted(sent) == [" here", "Type [X0X] "]  # no token of ours beside the text's
    assert result.repaired is not None
    assert "shaped like a code token" in result.repaired
    assert result.text == '&lt;fr&gt;Type [X0X] <x id="1"/>&lt;fr&gt; here'


# --- every provider ------------------------------------------------------------------------


async def test_segments_without_codes_cost_what_translate_costs(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    texts = ["One", "Two &lt;three&gt;", "   ", "Four"]
    results = await deepl.translate_segments(texts, target="fr")
    by_segments = [request.json() for request in deepl_fake.requests("/v2/translate")]
    await deepl.translate([inline.text_of(text) for text in texts], target="fr")
    by_texts = [request.json() for request in deepl_fake.requests("/v2/translate")][1:]
    assert by_segments == by_texts
    assert [result.text for result in results] == [
        inline.plain(deepl_api.translated("One", "FR")),
        inline.plain(deepl_api.translated("Two <three>", "FR")),
        "   ",
        inline.plain(deepl_api.translated("Four", "FR")),
    ]


async def test_a_segment_that_is_not_canonical_is_refused_before_sending(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    with pytest.raises(InvalidInput, match="segment 2"):
        await deepl.translate_segments(["fine", "<b>raw markup</b>"], target="fr")
    assert deepl_fake.requests("/v2/translate") == []


async def test_a_segment_of_codes_only_comes_back_unsent(
    deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    results = await deepl.translate_segments(['<x id="1"/> <g id="2"></g>'], target="fr")
    assert [result.text for result in results] == ['<x id="1"/> <g id="2"></g>']
    assert deepl_fake.requests("/v2/translate") == []
