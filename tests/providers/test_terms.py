"""The term matcher enforcement and QA share: the rules, a reference, and a large glossary."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.providers import GlossarySpec, GlossaryTerm
from workbench.providers.terms import TermMatcher

TERMS = [
    GlossaryTerm("cat", "chat"),
    GlossaryTerm("New York", "New York", True),
    GlossaryTerm("York", "York"),
    GlossaryTerm("C++", "C++"),
    GlossaryTerm("NASA", "NASA", True),
    GlossaryTerm("e-mail", "courriel"),
    GlossaryTerm("東京", "Tokyo"),
]


def found(text: str, terms: list[GlossaryTerm] = TERMS) -> list[str]:
    return [match.term.source for match in TermMatcher(terms).find(text)]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("category concatenate cats", []),
        ("a cat, the CAT and Cat.", ["cat", "cat", "cat"]),
        ("I love New York City", ["New York"]),
        ("I love new york", ["York"]),  # "New York" is case-sensitive; "York" is not
        ("C++ and C++11 and xC++", ["C++", "C++"]),
        ("NASA nasa Nasa", ["NASA"]),
        ("send an e-mail or an E-Mail, not emails", ["e-mail", "e-mail"]),
        ("東京に行く", ["東京"]),
        ("Yorkshire", []),
    ],
)
def test_word_boundaries_case_and_longest_match(text: str, terms: list[str]) -> None:
    assert found(text) == terms


def test_terms_next_to_letters_of_unspaced_scripts() -> None:
    terms = [GlossaryTerm("iPhone", "iPhone", True), GlossaryTerm("Python", "Python")]
    # Japanese and Chinese put particles right after a word: no boundary is needed there,
    # while a Latin letter still continues the word.
    assert found("我喜欢iPhone和Python。", terms) == ["iPhone", "Python"]
    assert found("iPhones and Pythonic", terms) == []
    assert [match[:2] for match in TermMatcher(terms).find("我的iPhone是")] == [(2, 8)]


def test_korean_particles_and_halfwidth_katakana_attach_to_the_term() -> None:
    terms = [GlossaryTerm("서울", "Seoul"), GlossaryTerm("ﾃｽﾄ", "test"), GlossaryTerm("OK", "OK")]
    assert found("서울에서 ﾃｽﾄを OKﾃﾞｽ", terms) == ["서울", "ﾃｽﾄ", "OK"]


def test_a_case_sensitive_term_wins_over_an_equally_long_other() -> None:
    terms = [GlossaryTerm("cat", "chat"), GlossaryTerm("Cat", "Cat (le logiciel)", True)]
    assert [m.term.target for m in TermMatcher(terms).find("Cat cat CAT")] == [
        "Cat (le logiciel)",
        "chat",
        "chat",
    ]


def test_case_is_folded_letter_by_letter() -> None:
    terms = [GlossaryTerm("straße", "rue")]
    assert found("STRAẞE Straße STRASSE strasse", terms) == ["straße", "straße"]


def test_markup_is_never_part_of_a_term_and_separates_words() -> None:
    terms = [GlossaryTerm("save", "enregistrer"), GlossaryTerm("save %s", "enregistrer %s")]
    # The longer term cannot match (it has a placeholder) and does not hide the shorter.
    assert found("save %s, {save} <b>save</b> %(save)s", terms) == ["save", "save"]
    assert found("&amp;save&lt;", terms) == ["save"]


def test_the_target_follows_the_same_rules_in_the_translation() -> None:
    cat, nasa = GlossaryTerm("cat", "chat"), GlossaryTerm("NASA", "NASA", True)
    matcher = TermMatcher([cat, nasa])
    assert matcher.has_target(cat, "Le CHAT dort")
    assert not matcher.has_target(cat, "les chats")
    assert matcher.has_target(cat, "我的chat是")
    assert not matcher.has_target(nasa, "la Nasa")


def test_a_spec_compiles_its_matcher_once_and_stays_a_plain_value() -> None:
    terms = [GlossaryTerm("cat", "chat")]
    used = GlossarySpec.build(terms, source_lang="en", target_lang="fr")
    fresh = GlossarySpec.build(terms, source_lang="en", target_lang="fr")
    assert used.matcher is used.matcher
    assert used.matching(["a cat"]) == tuple(terms)
    assert used == fresh
    assert hash(used) == hash(fresh)
    assert "matcher" not in repr(used)


# --- the matcher agrees with the obvious, slow definition -----------------------------


def _continues(char: str) -> bool:
    return bool(re.match(r"\w", char)) and not ("\u3040" <= char <= "\u9fff")


def _boundary_ok(text: str, start: int, end: int, term: str) -> bool:
    before = start == 0 or not _continues(text[start - 1]) or not _continues(term[0])
    after = end == len(text) or not _continues(text[end]) or not _continues(term[-1])
    return before and after


class Reference:
    """Left to right; at each position the longest term that matches there, case-sensitive
    ones before the others of the same length. Texts here have no markup."""

    def __init__(self, terms: list[GlossaryTerm]) -> None:
        # Reversed, so that of terms with one text the first in the glossary is kept.
        self.exact = {t.source: t for t in reversed(terms) if t.case_sensitive}
        self.folded = {t.source.casefold(): t for t in reversed(terms) if not t.case_sensitive}
        self.lengths = sorted({len(term.source) for term in terms}, reverse=True)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        result = []
        position = 0
        while position < len(text):
            for end in (position + length for length in self.lengths):
                term = self._term(text, position, end) if end <= len(text) else None
                if term is not None:
                    result.append((position, end, term.source))
                    position = end
                    break
            else:
                position += 1
        return result

    def _term(self, text: str, start: int, end: int) -> GlossaryTerm | None:
        piece = text[start:end]
        for term in (self.exact.get(piece), self.folded.get(piece.casefold())):
            if term is not None and _boundary_ok(text, start, end, term.source):
                return term
        return None


WORDS = st.sampled_from(["cat", "Cat", "dog", "hot dog", "hot", "C++", "a.b", "ab", "東京", "x"])
TEXTS = st.lists(
    st.one_of(WORDS, st.sampled_from([" ", ", ", "-", "s", "東", ""])), max_size=12
).map("".join)


# A busy machine must not fail the run: generating examples is not what is tested.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=st.lists(
        st.builds(GlossaryTerm, WORDS, st.just("t"), st.booleans()),
        max_size=6,
        unique_by=lambda t: t.source,
    ),
    text=TEXTS,
)
def test_matcher_finds_what_the_reference_finds(terms: list[GlossaryTerm], text: str) -> None:
    got = [(start, end, term.source) for start, end, term in TermMatcher(terms).find(text)]
    assert got == Reference(terms).find(text)


# --- a glossary of 10,000 terms -------------------------------------------------------

_SYLLABLES = ["ka", "to", "ri", "ne", "mo", "sa", "lu", "pe", "di", "xo", "va", "ge"]


def test_a_large_glossary_over_many_segments_finds_what_the_reference_finds() -> None:
    # Before the shared matcher, a flat alternation of 10,000 terms took about a second
    # per segment; this whole test takes about one.
    rng = random.Random(20240601)
    words = list({"".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4))) for _ in range(3000)})
    terms: dict[str, GlossaryTerm] = {}
    while len(terms) < 10_000:
        source = " ".join(rng.choices(words, k=rng.randint(1, 3)))
        source = rng.choice([source, source.capitalize(), f"{source}++", f".{source}"])
        case_sensitive = rng.random() < 0.2
        terms.setdefault(source, GlossaryTerm(source, f"t{len(terms)}", case_sensitive))
    glossary = GlossarySpec.build(terms.values(), source_lang="en", target_lang="fr")
    sources = list(terms)

    def segment() -> str:
        pieces = [
            rng.choice([rng.choice(words), rng.choice(sources), rng.choice(sources).upper()])
            for _ in range(rng.randint(3, 12))
        ]
        return rng.choice([" ", ", ", " - "]).join(pieces) + rng.choice([".", "!", ""])

    segments = [segment() for _ in range(20_000)]
    results = [glossary.find(text) for text in segments]

    assert sum(map(len, results)) > 20_000
    reference = Reference(list(terms.values()))
    for index in rng.sample(range(len(segments)), 300):
        got = [(start, end, term.source) for start, end, term in results[index]]
        assert got == reference.find(segments[index]), segments[index]
