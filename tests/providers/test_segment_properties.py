"""Properties of translating segments with codes: whatever a provider does to the codes,
the result holds the source's codes exactly once, properly nested.

Random segments with random nested codes go to a small provider whose "translation"
upper-cases the text and which moves codes legally (siblings in another order at every
level, as word order moves them), or damages them (drops, duplicates or mis-nests one)
in its first replies. And the same segments go through the DeepL and Google Cloud fakes,
which move tags the way their engines do, over the real clients.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.providers.conftest import make_provider
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.google_cloud_api import FakeGoogleCloud
from workbench import inline
from workbench.inline import Code, Kind, Part, Tagged
from workbench.providers import codes
from workbench.providers.base import BatchRequest, Provider
from workbench.providers.glossary import GlossarySpec, GlossarySupport, GlossaryTerm
from workbench.providers.languages import Language, common_languages

# --- random segments ---------------------------------------------------------------------

TEXT = st.text(alphabet=st.sampled_from(list("ab Zé&<>\"'.\n")), min_size=1, max_size=5)
EQUIV = st.sampled_from(["", "{name}", "%s", "<br/>", '"&"', "{{count}}"])

Tree = tuple[str, object]
LEAF: st.SearchStrategy[Tree] = st.one_of(
    TEXT.map(lambda text: ("text", text)), EQUIV.map(lambda equiv: ("code", equiv))
)
NODE = st.recursive(
    LEAF,
    lambda children: st.lists(children, max_size=3).map(lambda kids: ("pair", kids)),
    max_leaves=12,
)


def _build(builder: inline.Builder, node: Tree) -> None:
    kind, value = node
    if kind == "text":
        builder.text(str(value))
    elif kind == "code":
        builder.code(str(value))
    else:
        builder.open()
        for child in value:  # type: ignore[attr-defined]
            _build(builder, child)
        builder.close()


def _segment(nodes: list[Tree]) -> str:
    builder = inline.Builder()
    for node in nodes:
        _build(builder, node)
    return builder.canonical()


SEGMENT = st.lists(NODE, min_size=1, max_size=5).map(_segment)
# Unique, as the engine sends them: a provider counts its replies per text.
SEGMENTS = st.lists(SEGMENT, min_size=1, max_size=6, unique=True)


# --- a provider that moves codes, and damages them at first ---------------------------------


def _tree(parts: tuple[Part, ...]) -> list[object]:
    """Parts as nested lists: a paired code is [open, *children, close]."""
    root: list[object] = []
    stack = [root]
    for part in parts:
        if isinstance(part, Code) and part.kind is Kind.OPEN:
            node: list[object] = [part]
            stack[-1].append(node)
            stack.append(node)
        elif isinstance(part, Code) and part.kind is Kind.CLOSE:
            stack.pop().append(part)
        else:
            stack[-1].append(part)
    return root


def _moved(children: list[object], rng: random.Random) -> list[Part]:
    """Siblings shuffled at every level: codes move, nesting and count stay."""
    shuffled = list(children)
    rng.shuffle(shuffled)
    parts: list[Part] = []
    for child in shuffled:
        if isinstance(child, list):
            open_, *inner, close = child
            parts += [open_, *_moved(inner, rng), close]
        else:
            parts.append(child)  # type: ignore[arg-type]
    return parts


def _damaged(parts: list[Part], how: str, rng: random.Random) -> str:
    """The canonical text of ``parts`` with one code dropped, duplicated or mis-nested."""
    positions = [index for index, part in enumerate(parts) if isinstance(part, Code)]
    index = rng.choice(positions)
    part = parts[index]
    assert isinstance(part, Code)
    if how == "drop":
        damaged = parts[:index] + parts[index + 1 :]
    elif how == "duplicate":
        damaged = [*parts[: index + 1], part, *parts[index + 1 :]]
    elif part.kind is Kind.STANDALONE:  # mis-nest: a standalone code written as paired
        damaged = [*parts[:index], Code(Kind.OPEN, part.id), Code(Kind.CLOSE, part.id)]
        damaged += parts[index + 1 :]
    else:
        # Mis-nest: the paired code's closing tag goes first. (A closing tag carries no
        # id, so a closing tag moved inside another pair would only nest it differently,
        # which is legal.)
        close = Code(Kind.CLOSE, part.id)
        damaged = [close, *(p for p in parts if p != close)]
    return Tagged(tuple(damaged)).canonical()


class Shuffler(Provider):
    """Translates by upper-casing; moves codes legally; damages the first ``broken`` replies
    to each segment with codes."""

    name = "shuffler"
    label = "Moves codes (tests)"
    max_texts_per_request = 3
    max_bytes_per_request = 100_000
    glossary_support = GlossarySupport.PLACEHOLDER
    codec: ClassVar[codes.Codec] = codes.XML
    any_language = True

    def __init__(self, *, broken: int, how: str, seed: int) -> None:
        super().__init__(requests_per_second=100_000.0)
        self.broken = broken
        self.how = how
        self.rng = random.Random(seed)
        self.tagged_sends: Counter[str] = Counter()
        self.plain_sends: list[str] = []

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        if not request.tagged:
            self.plain_sends += texts
            return [text.upper() for text in texts]
        replies = []
        for text in texts:
            self.tagged_sends[text] += 1
            segment = inline.parse(text)
            parts = [part.upper() if isinstance(part, str) else part for part in segment.parts]
            if self.tagged_sends[text] <= self.broken:
                replies.append(_damaged(parts, self.how, self.rng))
            else:
                replies.append(codes.joined(_moved(_tree(tuple(parts)), self.rng)).canonical())
        return replies

    async def _fetch_languages(self) -> list[Language]:
        return common_languages()

    async def check(self) -> None:
        return None


@dataclass(frozen=True)
class Run:
    sources: list[Tagged]
    results: list[str]
    repaired: list[str | None]
    provider: Shuffler


async def _run(
    segments: list[str],
    *,
    broken: int,
    how: str,
    seed: int,
    glossary: GlossarySpec | None = None,
) -> Run:
    async with Shuffler(broken=broken, how=how, seed=seed) as provider:
        translated = await provider.translate_segments(segments, target="fr", glossary=glossary)
    for source, result in zip(segments, translated, strict=True):
        # Never a broken segment, whatever the provider did.
        assert inline.code_problem(inline.parse(source), result.text) is None
    return Run(
        [inline.parse(segment) for segment in segments],
        [result.text for result in translated],
        [result.repaired for result in translated],
        provider,
    )


def _sent_tagged(source: Tagged) -> bool:
    return bool(source.codes) and bool(source.prose.strip())


EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(segments=SEGMENTS, seed=st.integers(0, 2**16))
async def test_codes_moved_legally_are_kept_in_one_request(segments: list[str], seed: int) -> None:
    run = await _run(segments, broken=0, how="drop", seed=seed)
    assert run.repaired == [None] * len(segments)
    for source, result in zip(run.sources, run.results, strict=True):
        if source.prose.strip():
            assert Counter(inline.parse(result).prose) == Counter(source.prose.upper())
        if _sent_tagged(source):
            assert run.provider.tagged_sends[codes.XML.encode(source)] >= 1
    assert all(count == 1 for count in run.provider.tagged_sends.values())


DAMAGE = st.sampled_from(["drop", "duplicate", "misnest"])


@EXAMPLES
@given(segments=SEGMENTS, how=DAMAGE, seed=st.integers(0, 2**16))
async def test_a_damaged_reply_is_asked_for_again_and_then_kept(
    segments: list[str], how: str, seed: int
) -> None:
    run = await _run(segments, broken=1, how=how, seed=seed)
    assert run.repaired == [None] * len(segments)
    assert all(count == 2 for count in run.provider.tagged_sends.values())


@EXAMPLES
@given(segments=SEGMENTS, how=DAMAGE, seed=st.integers(0, 2**16))
async def test_a_segment_damaged_twice_falls_back_to_its_pieces_alone(
    segments: list[str], how: str, seed: int
) -> None:
    run = await _run(segments, broken=2, how=how, seed=seed)
    assert all(count == 2 for count in run.provider.tagged_sends.values())
    for source, result, repaired in zip(run.sources, run.results, run.repaired, strict=True):
        if not _sent_tagged(source):
            assert repaired is None
            continue
        assert repaired is not None
        assert "shuffler did not keep the codes" in repaired
        # The codes where they were, each text between them translated on its own.
        uppered = [part.upper() if isinstance(part, str) else part for part in source.parts]
        assert result == Tagged(tuple(uppered)).canonical()


GLOSSARY = GlossarySpec.build([GlossaryTerm("ab", "gloss")], source_lang="en", target_lang="fr")


@EXAMPLES
@given(segments=SEGMENTS, broken=st.integers(0, 2), how=DAMAGE, seed=st.integers(0, 2**16))
async def test_glossary_terms_ride_as_codes_and_come_back_as_their_targets(
    segments: list[str], broken: int, how: str, seed: int
) -> None:
    # The provider upper-cases text, so "gloss" can only come from a term's code.
    run = await _run(segments, broken=broken, how=how, seed=seed, glossary=GLOSSARY)
    for source, result in zip(run.sources, run.results, strict=True):
        found = sum(len(GLOSSARY.find(part)) for part in source.parts if isinstance(part, str))
        expected = found if source.prose.strip() else 0
        assert inline.parse(result).prose.count("gloss") == expected


# --- the same through the fakes, over the real clients ----------------------------------------


@pytest.fixture
async def deepl_moving(deepl_fake: FakeDeepL) -> AsyncIterator[Provider]:
    deepl_fake.moves_tags = True
    async with make_provider("deepl", deepl_fake) as provider:
        yield provider


@pytest.fixture
async def google_cloud_moving(google_cloud_fake: FakeGoogleCloud) -> AsyncIterator[Provider]:
    google_cloud_fake.moves_tags = True
    async with make_provider("google_cloud", google_cloud_fake) as provider:
        yield provider


# The fakes and providers are made once per test, not per example: they keep no state an
# example could leave behind for the next.
OVER_HTTP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@OVER_HTTP
@given(segments=SEGMENTS)
async def test_deepl_moving_tags_keeps_every_code(
    deepl_moving: Provider, segments: list[str]
) -> None:
    results = await deepl_moving.translate_segments(segments, target="de")
    _assert_translated_with_codes(segments, [r.text for r in results], "<de>")
    assert [result.repaired for result in results] == [None] * len(segments)


@OVER_HTTP
@given(segments=SEGMENTS)
async def test_google_cloud_moving_tags_keeps_every_code(
    google_cloud_moving: Provider, segments: list[str]
) -> None:
    results = await google_cloud_moving.translate_segments(segments, target="fr")
    _assert_translated_with_codes(segments, [r.text for r in results], "<fr>")
    assert [result.repaired for result in results] == [None] * len(segments)


def _assert_translated_with_codes(sources: list[str], results: list[str], marker: str) -> None:
    for source, result in zip(sources, results, strict=True):
        assert inline.code_problem(inline.parse(source), result) is None
        if inline.parse(source).prose.strip():
            assert marker in inline.parse(result).prose
