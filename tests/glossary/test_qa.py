"""Terminology QA: planted violations are found, clean translations pass, and QA finds a
term exactly where glossary enforcement did (the matcher itself: tests/providers/test_terms.py)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.glossary.support import csv_bytes, import_bytes, unique_name
from tests.providers.test_terms import TERMS
from workbench.db import Database
from workbench.glossary import store
from workbench.glossary.qa import Term, TermMatcher, Violation, check, check_frame
from workbench.providers import GlossarySpec
from workbench.providers.codes import from_text, with_terms


def test_a_planted_violation_is_found_and_a_clean_translation_passes() -> None:
    pairs = [
        ("The cat sleeps.", "Le chat dort."),
        ("My cat and your cat.", "Mon matou et ton matou."),
        ("NASA sends an e-mail.", "La NASA envoie un courriel."),
        ("Nothing to see.", "Rien à voir."),
    ]
    assert check(pairs, TERMS) == [
        Violation(1, "My cat and your cat.", "Mon matou et ton matou.", "cat", "chat")
    ]
    clean = [(source, "Le chat, courriel, NASA.") for source, _ in pairs]
    assert check(clean, TERMS) == []


def test_case_sensitivity_applies_to_the_translation_too() -> None:
    terms = [Term("Apple", "Apple", True), Term("pear", "poire")]
    pairs = [("Apple and pear", "apple et Poire"), ("Apple and pear", "Apple et POIRE")]
    assert [(v.segment, v.term) for v in check(pairs, terms)] == [(0, "Apple")]


def test_target_needs_its_own_word_boundaries() -> None:
    pairs = [("the cat", "les chats"), ("the cat", "un chat")]
    assert [violation.segment for violation in check(pairs, TERMS)] == [0]


def test_a_missing_translation_misses_every_term() -> None:
    assert [v.term for v in check([("cat in New York", None)], TERMS)] == ["cat", "New York"]


def test_check_frame_uses_the_index_and_accepts_an_entries_frame() -> None:
    entries = pd.DataFrame(
        {"source_term": ["cat"], "target_term": ["chat"], "case_sensitive": [False]}
    )
    frame = pd.DataFrame(
        {"source": ["a cat", "a cat", "a dog"], "translation": ["un chat", "un félin", None]},
        index=["s1", "s2", "s3"],
    )
    report = check_frame(frame, entries)
    assert report.to_dict("records") == [
        {
            "segment": "s2",
            "source": "a cat",
            "translation": "un félin",
            "term": "cat",
            "expected": "chat",
        }
    ]


async def test_qa_with_a_stored_glossary(shared_db: Database) -> None:
    name = unique_name()
    rows = [
        ["source_term", "target_term", "case_sensitive"],
        ["cat", "chat", ""],
        ["EU", "UE", "yes"],
    ]
    await import_bytes(
        shared_db, csv_bytes(rows), "g.csv", name=name, source_lang="en", target_lang="fr"
    )
    async with shared_db.session() as session:
        matcher = TermMatcher.from_frame(await store.entries_frame(session, name))
    violations = check([("The EU cat", "Le chat de l'UE"), ("eu cat", "ue matou")], matcher)
    assert [(v.segment, v.term) for v in violations] == [(1, "cat")]


def test_a_term_inside_a_placeholder_is_not_a_violation() -> None:
    pairs = [("Open {file} or <a href='x'>this</a>", "Ouvrir {file} ou <a href='x'>ceci</a>")]
    assert check(pairs, [Term("file", "fichier"), Term("href", "lien")]) == []


def test_terms_may_be_tuples_and_blank_ones_are_left_out() -> None:
    matcher = TermMatcher([("cat", "chat"), ("NASA", "NASA", True), ("", "vide"), ("dog", " ")])
    assert matcher.terms == (Term("cat", "chat"), Term("NASA", "NASA", True))
    assert matcher.find("a cat") == [(2, 5, Term("cat", "chat"))]
    assert [v.term for v in check([("cat, NASA, dog", "chat, nasa")], matcher)] == ["NASA"]


def test_a_glossary_spec_matcher_is_used_as_it_is() -> None:
    glossary = GlossarySpec.build(TERMS, source_lang="en", target_lang="fr")
    assert [v.term for v in check([("cat in New York", "")], glossary.matcher)] == [
        "cat",
        "New York",
    ]


# --- QA reports exactly the occurrences enforcement acted on -------------------------

SOURCES = st.sampled_from(["cat", "Cat", "New York", "York", "C++", "東京", "file", "e-mail"])
PIECES = st.sampled_from(
    [" ", ", ", "-", "s", "x", "東", "は", "{file}", "%s", "<b>", "</b>", "&amp;", "CAT", "ß"]
)


# A busy machine must not fail the run: generating examples is not what is tested.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sources=st.lists(st.tuples(SOURCES, st.booleans()), max_size=6, unique_by=lambda s: s[0]),
    text=st.lists(st.one_of(SOURCES, PIECES), max_size=14).map("".join),
)
def test_qa_finds_a_term_exactly_where_enforcement_made_it_a_code(
    sources: list[tuple[str, bool]], text: str
) -> None:
    terms = [Term(source, f"T{index}", case) for index, (source, case) in enumerate(sources)]
    glossary = GlossarySpec.build(terms, source_lang="en", target_lang="fr")
    protected = with_terms(from_text(text), glossary)
    targets = set(protected.targets.values())
    replaced = {term.source for term in terms if term.target in targets}
    assert {violation.term for violation in check([(text, None)], terms)} == replaced
