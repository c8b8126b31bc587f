"""The segment model: canonical form round trips, and what counts as a broken code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench import inline
from workbench.errors import InvalidInput
from workbench.inline import Builder, Code, Kind, Tagged


def sunset() -> Tagged:
    builder = Builder().text("The ")
    builder.open()
    builder.text("Sunset & <Co>")
    builder.close().text(" Tree ")
    builder.code("{name}")
    return builder.text("\r\n").build()


def test_canonical_form_escapes_text_and_writes_codes_as_xml() -> None:
    assert sunset().canonical() == (
        'The <g id="1">Sunset &amp; &lt;Co&gt;</g> Tree <x id="2" equiv="{name}"/>&#13;\n'
    )


def test_prose_and_readable_text() -> None:
    assert sunset().prose == "The Sunset & <Co> Tree \r\n"
    assert sunset().readable == "The Sunset & <Co> Tree {name}\r\n"


def test_plain_text_round_trips() -> None:
    text = 'a < b && "c" > d\r'
    assert inline.text_of(inline.plain(text)) == text
    assert inline.parse(inline.plain(text)).codes == []


def test_a_code_may_move() -> None:
    moved = 'Le <x id="2" equiv="{name}"/> <g id="1">Arbre</g> couchant'
    assert inline.code_problem(sunset(), moved) is None


@pytest.mark.parametrize(
    ("translation", "problem"),
    [
        ('Le <g id="1">Arbre', "opened but never closed"),
        ('Le Arbre <x id="2" equiv="{name}"/>', "code 1 is missing"),
        ('<g id="1">A</g> <x id="2" equiv="{name}"/> <x id="3"/>', "code 3 was added"),
        ('<g id="1">A</g> <x id="2" equiv="{name}"/><x id="2" equiv="{name}"/>', "twice"),
        ('<g id="1">A</g> <x id="2" equiv="{other}"/>', "changed"),
        ('<g id="1">A</g> <b>B</b> <x id="2" equiv="{name}"/>', "not one of its codes"),
        ('<g id="1"/> <x id="2" equiv="{name}"/>', "written as empty"),
        ('</g><g id="1">A <x id="2" equiv="{name}"/>', "without its opening"),
    ],
)
def test_a_broken_code_is_named(translation: str, problem: str) -> None:
    found = inline.code_problem(sunset(), translation)
    assert found is not None
    assert problem in found


def test_mis_nested_pairs_are_refused() -> None:
    builder = Builder()
    builder.open()
    builder.open()
    source = builder.text("x").close().close().build()
    assert inline.code_problem(source, '<g id="1"><g id="2">y</g></g>') is None
    # A close always ends the innermost open code, so swapped closes read as mis-nested
    # only when the ids no longer pair up: a different nesting is a broken reply.
    assert inline.code_problem(source, '<g id="2"><g id="1">y</g></g>') is None
    assert not inline.codes_balanced(
        [Code(Kind.OPEN, "1"), Code(Kind.OPEN, "2"), Code(Kind.CLOSE, "1"), Code(Kind.CLOSE, "2")]
    )


def test_builder_refuses_unclosed_and_duplicate_ids() -> None:
    builder = Builder()
    builder.open()
    with pytest.raises(ValueError, match="left open"):
        builder.build()
    builder = Builder()
    builder.code(id="a")
    with pytest.raises(ValueError, match="twice"):
        builder.code(id="a")


def test_parse_refuses_what_is_not_a_segment() -> None:
    for bad in ("a <b", '<x id="1">', '<g id="a b">x</g>', '<x id="1" href="u"/>'):
        with pytest.raises(InvalidInput):
            inline.parse(bad)


texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)


@st.composite
def segments(draw: st.DrawFn) -> Tagged:
    builder = Builder()
    depth = 0
    for _ in range(draw(st.integers(0, 12))):
        action = draw(st.sampled_from(["text", "open", "close", "code"]))
        if action == "text":
            builder.text(draw(texts))
        elif action == "open":
            builder.open()
            depth += 1
        elif action == "close" and depth:
            builder.close()
            depth -= 1
        elif action == "code":
            builder.code(draw(texts))
    for _ in range(depth):
        builder.close()
    return builder.build()


@given(segments())
def test_every_segment_round_trips_through_its_canonical_form(segment: Tagged) -> None:
    canonical = segment.canonical()
    assert inline.parse(canonical) == segment
    assert inline.code_problem(segment, canonical) is None
