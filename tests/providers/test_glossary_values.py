"""The glossary value type, term matching, and terms as codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench import inline
from workbench.errors import InvalidInput
from workbench.providers import GlossarySpec, GlossaryTerm
from workbench.providers.codes import from_text, render_terms, with_terms


def spec(*terms: GlossaryTerm) -> GlossarySpec:
    return GlossarySpec.build(terms, source_lang="en", target_lang="fr")


def found(glossary: GlossarySpec, text: str) -> list[str]:
    return [text[match.start : match.end] for match in glossary.find(text)]


def test_checksum_depends_on_content_not_order() -> None:
    a, b = GlossaryTerm("cat", "chat"), GlossaryTerm("dog", "chien")
    assert spec(a, b).checksum == spec(b, a).checksum
    assert spec(a).checksum != spec(b).checksum
    assert spec(a).checksum != GlossarySpec.build([a], source_lang="en", target_lang="de").checksum
    assert spec(a).checksum != spec(GlossaryTerm("cat", "chat", case_sensitive=True)).checksum


def test_a_spec_is_immutable_and_gets_a_remote_id_by_copy() -> None:
    original = spec(GlossaryTerm("cat", "chat"))
    synced = original.with_remote_id("gl-1")
    assert original.remote_id is None
    assert synced.remote_id == "gl-1"
    assert synced.checksum == original.checksum
    with pytest.raises(AttributeError):
        original.remote_id = "x"  # type: ignore[misc]


def test_a_term_needs_both_sides() -> None:
    with pytest.raises(InvalidInput):
        GlossaryTerm(" ", "chat")


def test_terms_match_whole_words_only() -> None:
    glossary = spec(GlossaryTerm("cat", "chat"))
    assert found(glossary, "A cat, a Cat and CAT; concatenate, cats, bobcat") == [
        "cat",
        "Cat",
        "CAT",
    ]


def test_case_sensitive_terms_match_their_case_only() -> None:
    glossary = spec(GlossaryTerm("Go", "Go", case_sensitive=True))
    assert found(glossary, "Go and go and GO") == ["Go"]


def test_longer_terms_win() -> None:
    glossary = spec(GlossaryTerm("New", "Nouveau"), GlossaryTerm("New York", "New York"))
    assert [m.term.source for m in glossary.find("New York is new")] == ["New York", "New"]


def test_terms_in_unspaced_scripts_match_inside_text() -> None:
    glossary = spec(GlossaryTerm("東京", "Tokyo"), GlossaryTerm("ราคา", "price"))
    assert found(glossary, "東京に行く ราคาถูก") == ["東京", "ราคา"]


def test_a_latin_term_next_to_an_unspaced_script_is_protected() -> None:
    glossary = spec(GlossaryTerm("iPhone", "iPhone (Apple)", case_sensitive=True))
    protected = with_terms(from_text("我喜欢iPhone和iPhones"), glossary)
    assert protected.segment.canonical() == '我喜欢<x id="t1" equiv="iPhone (Apple)"/>和iPhones'


def test_terms_inside_placeholders_and_tags_are_not_terms() -> None:
    glossary = spec(GlossaryTerm("file", "fichier"), GlossaryTerm("href", "lien"))
    text = 'file {file} %(file)s <a href="file">file</a>'
    assert [m.start for m in glossary.find(text)] == [0, text.index(">file<") + 1]


def test_matching_lists_the_terms_found_in_glossary_order() -> None:
    a, b, c = GlossaryTerm("alpha", "A"), GlossaryTerm("beta", "B"), GlossaryTerm("gamma", "C")
    assert spec(a, b, c).matching(["gamma ray", "alpha test"]) == (a, c)


def test_terms_become_codes_whose_rendering_is_the_target() -> None:
    glossary = spec(
        GlossaryTerm("pull request", "demande de tirage"), GlossaryTerm("repo", "dépôt")
    )
    protected = with_terms(
        from_text("Open a pull request on the repo, then another Pull Request"), glossary
    )
    assert protected.segment.canonical() == (
        'Open a <x id="t1" equiv="demande de tirage"/> on the <x id="t2" equiv="dépôt"/>, '
        'then another <x id="t3" equiv="demande de tirage"/>'
    )
    # An engine keeps the codes and may move them; each becomes its target.
    engine_output = inline.parse(
        'Sur le <x id="t2"/>, ouvrez une <x id="t1"/>, puis une autre <x id="t3"/>'
    )
    assert render_terms(engine_output, protected.targets).prose == (
        "Sur le dépôt, ouvrez une demande de tirage, puis une autre demande de tirage"
    )


def test_term_codes_never_take_an_id_the_segment_has() -> None:
    glossary = spec(GlossaryTerm("repo", "dépôt"))
    segment = inline.parse('<g id="t1">the repo</g> and the repo')
    protected = with_terms(segment, glossary)
    assert protected.segment.canonical() == (
        '<g id="t1">the <x id="t2" equiv="dépôt"/></g> and the <x id="t3" equiv="dépôt"/>'
    )
    assert render_terms(protected.segment, protected.targets).canonical() == (
        '<g id="t1">the dépôt</g> and the dépôt'
    )


words = st.sampled_from(["cat", "Cat", "dog", "the", "a", "concat", "{cat}", "<b>", "猫"])


@given(st.lists(words, max_size=15))
def test_terms_as_codes_rendered_without_translation_replace_exactly_the_terms(
    tokens: list[str],
) -> None:
    glossary = spec(GlossaryTerm("cat", "chat"), GlossaryTerm("猫", "neko"))
    text = " ".join(tokens)
    expected = " ".join(
        "chat" if t in ("cat", "Cat") else "neko" if t == "猫" else t for t in tokens
    )
    protected = with_terms(from_text(text), glossary)
    assert render_terms(protected.segment, protected.targets).prose == expected
