"""Pseudo-localisation: deterministic, visibly foreign, longer, placeholders untouched."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from workbench.config import Settings
from workbench.providers import GlossarySpec, GlossaryTerm, get_provider
from workbench.providers.pseudo import PseudoProvider, pseudo_localize

PLACEHOLDERS = [
    "{name}",
    "{0}",
    "{{count}}",
    "%s",
    "%d",
    "%5.2f",
    "%(user)s",
    "%%",
    "<b>",
    "</b>",
    '<a href="https://example.com/x?a=1&b=2">',
    "<br/>",
    "&amp;",
    "&#169;",
    "[X0X]",
]

# Plain text that cannot combine with a neighbouring placeholder into another one.
plain_text = st.text(
    alphabet=st.characters(blacklist_characters="{}%<>&[]", blacklist_categories=("Cs",)),
    max_size=20,
)


def test_letters_get_accents_and_the_text_is_marked_and_longer() -> None:
    result = pseudo_localize("Hello world, save your changes")
    assert result.startswith("[")
    assert result.endswith("]")
    assert "é" in result
    assert "ö" in result
    assert "Hello" not in result
    assert len(result) >= len("Hello world, save your changes") * 1.3


def test_every_placeholder_kind_survives_in_place() -> None:
    text = "Hi {name}, {{count}} new <b>messages</b> (%d), %(user)s owes %s &amp; more"
    result = pseudo_localize(text)
    for placeholder in ("{name}", "{{count}}", "<b>", "</b>", "%d", "%(user)s", "%s", "&amp;"):
        assert placeholder in result
    assert "mésságés" in result


def test_a_percent_sign_in_prose_is_not_taken_for_a_placeholder() -> None:
    assert pseudo_localize("50% off") == "[50% öff ~~~]"


def test_blank_text_is_left_alone() -> None:
    assert pseudo_localize("") == ""
    assert pseudo_localize("  \n") == "  \n"


@given(st.text(max_size=200))
def test_pseudo_localisation_is_deterministic(text: str) -> None:
    assert pseudo_localize(text) == pseudo_localize(text)


@given(st.lists(st.tuples(plain_text, st.sampled_from(PLACEHOLDERS)), max_size=8), plain_text)
def test_placeholders_are_preserved_in_order(pieces: list[tuple[str, str]], tail: str) -> None:
    text = "".join(plain + placeholder for plain, placeholder in pieces) + tail
    result = pseudo_localize(text)
    position = 0
    for _, placeholder in pieces:
        found = result.find(placeholder, position)
        assert found >= 0, (placeholder, result)
        position = found + len(placeholder)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=100))
def test_non_blank_text_grows_by_about_a_third(text: str) -> None:
    if not text.strip():
        return
    assert len(pseudo_localize(text)) >= len(text) + 2


async def test_the_provider_is_always_available_and_labelled_as_not_real() -> None:
    async with get_provider("pseudo") as provider:
        assert "not a real translation" in provider.label
        assert PseudoProvider.is_configured(Settings())
        await provider.check()
        result = await provider.translate(["Open {file}", "Close"], target="pt-BR")
    assert result == [pseudo_localize("Open {file}"), pseudo_localize("Close")]


GLOSSARY = GlossarySpec.build(
    [
        GlossaryTerm("Workbench", "Atelier", case_sensitive=True),
        GlossaryTerm("file", "fichier"),
        GlossaryTerm("save", "enregistrer"),
    ],
    source_lang="en",
    target_lang="fr",
)


async def test_glossary_targets_appear_and_placeholders_never_leak() -> None:
    texts = [
        "Save the file in Workbench",
        "The workbench has FILE menus",  # "workbench" differs in case: case-sensitive term
        "Profile and savings",  # no whole-word match
        "file file {file} <b>save</b>",
    ]
    async with get_provider("pseudo") as provider:
        result = await provider.translate(texts, target="fr", glossary=GLOSSARY)
    assert "enregistrer" in result[0]
    assert "fichier" in result[0]
    assert "Atelier" in result[0]
    assert "Atelier" not in result[1]
    assert "fichier" in result[1]
    assert "fichier" not in result[2]
    assert "enregistrer" not in result[2]
    assert result[3].count("fichier") == 2
    assert "{file}" in result[3]  # a placeholder is not a term
    assert "<b>enregistrer</b>" in result[3]
    for text in result:
        assert not re.search(r"\[\s*X\s*\d+\s*X\s*\]", text, re.IGNORECASE)


@given(
    st.lists(st.sampled_from(["save", "file", "Workbench", "the", "a", "{n}", "x"]), max_size=12)
)
async def test_no_glossary_token_ever_leaks(words: list[str]) -> None:
    async with get_provider("pseudo") as provider:
        (result,) = await provider.translate(
            [" ".join(words) or "empty"], target="fr", glossary=GLOSSARY
        )
    assert not re.search(r"\[\s*X\s*\d+\s*X\s*\]", result, re.IGNORECASE)
    assert result.count("fichier") == words.count("file")
