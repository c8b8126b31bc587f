"""Wrapping a translation back into its number of lines: balanced, never inside markup,
never an empty line; the words and markup all there, in order."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from workbench.batch.formats.wrapping import Piece, wrap

WORD = st.text(alphabet="abcdéfghijklmnopqrstuvwxyz,.!?'-", min_size=1, max_size=9)
SPACE = st.sampled_from([" ", "  ", "\n", " \t", "\u00a0"])
MARKUP = st.sampled_from(["<i>", "</i>", '<font color="#ff0">', "</font>", "{\\an8}", "&nbsp;"])


@st.composite
def translations(draw: st.DrawFn) -> list[Piece]:
    pieces: list[Piece] = []
    for _ in range(draw(st.integers(0, 14))):
        if draw(st.booleans()) or not pieces or pieces[-1].markup:
            text = draw(SPACE) if draw(st.integers(0, 3)) == 0 else draw(WORD)
            if pieces and not pieces[-1].markup:  # a segment's texts come between codes
                pieces[-1] = Piece(pieces[-1].text + draw(SPACE) + text)
            else:
                pieces.append(Piece(text))
        else:
            pieces.append(Piece(draw(MARKUP), markup=True))
    return pieces


def visible_words(pieces: list[Piece]) -> list[str]:
    text = "".join("" if piece.markup else piece.text for piece in pieces)
    return re.split(r"[ \t\n\r\f\v]+", text.strip(" \t\n\r\f\v"))


@given(translations(), st.integers(1, 4))
def test_wrapping_keeps_every_word_and_tag_in_order_on_at_most_as_many_lines(
    pieces: list[Piece], lines: int
) -> None:
    wrapped = wrap(pieces, lines)
    one_line = wrap(pieces, 1)
    # The same words and tags, in order, however many lines.
    assert " ".join(wrapped) == " ".join(one_line)
    assert len(wrapped) <= lines
    for line in wrapped:
        assert line
        assert line == line.strip(" ")
        assert "\n" not in line
        assert "  " not in line.replace("\u00a0", "x")
    markup = "".join(piece.text for piece in pieces if piece.markup)
    assert "".join(re.findall(r"<[^<>]*>|\{[^{}]*\}|&nbsp;", " ".join(wrapped))) == markup
    words = [word for word in visible_words(pieces) if word]
    if len(words) >= lines:
        assert len(wrapped) == lines


def test_two_lines_are_balanced_by_visible_length_not_markup() -> None:
    pieces = [
        Piece('<font color="#00ff00">', markup=True),
        Piece("I used to want to save the world, this beautiful place."),
        Piece("</font>", markup=True),
    ]
    assert wrap(pieces, 2) == [
        '<font color="#00ff00">I used to want to save the',
        "world, this beautiful place.</font>",
    ]


def test_a_tag_alone_never_makes_a_line() -> None:
    pieces = [Piece("{\\an8}", markup=True), Piece(" Hello world ")]
    assert wrap(pieces, 2) == ["{\\an8} Hello", "world"]


def test_a_non_breaking_space_does_not_break() -> None:
    assert wrap([Piece("Quoi\u00a0? Vraiment\u00a0!")], 2) == ["Quoi\u00a0?", "Vraiment\u00a0!"]
    assert wrap([Piece("Quoi\u00a0?")], 2) == ["Quoi\u00a0?"]


def test_japanese_breaks_between_characters_not_before_small_kana_or_punctuation() -> None:
    assert wrap([Piece("きょうは")], 2) == ["きょ", "うは"]  # not き|ょう
    assert wrap([Piece("あ、い")], 2) == ["あ、", "い"]
    assert wrap([Piece("「あ」い")], 2) == ["「あ」", "い"]


def test_a_dialogue_breaks_before_the_second_speaker() -> None:
    text = "- Tu viens avec nous ce soir au cinéma ? - Non."
    assert wrap([Piece(text)], 2, dialogue=True) == [
        "- Tu viens avec nous ce soir au cinéma ?",
        "- Non.",
    ]
    assert wrap([Piece(text)], 2) == ["- Tu viens avec nous ce", "soir au cinéma ? - Non."]
