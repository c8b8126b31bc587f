"""Wrapping a translated segment back into the number of lines its source had.

Subtitles show a sentence over two or three lines, and the translation of a cue must fit
the same screen space: :func:`wrap` breaks a text of words and markup into that many
lines of balanced length. Markup is never broken and never counted as width; a line
breaks at whitespace, or between two characters of a script written without spaces
(Chinese, Japanese), never before closing or after opening punctuation. A dialogue cue
("- Hi.\\n- Hello.") breaks before its speakers' dashes when the translation kept them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from typing import NamedTuple

_DASHES = ("-", "\u2010", "\u2013", "\u2014")
# Where lines may break between characters: ideographs, kana, CJK punctuation, full width.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_WITHOUT_SPACES = re.compile(f"[{_CJK}]")
# Spaces (not U+00A0: a non-breaking space never breaks), one CJK character, or a run of
# anything else.
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_TOKEN = re.compile(rf"(?P<space>[ \t\n\r\f\v]+)|(?P<cjk>[{_CJK}])|(?P<run>[^ \t\n\r\f\v{_CJK}]+)")
_NO_BREAK_BEFORE = frozenset(
    "、。，．：；？！）」』】〕〉》〙〗ー…‥・ゝゞヽヾ々〜ぁぃぅぇぉっゃゅょァィゥェォッャュョ"
)
_NO_BREAK_AFTER = frozenset("（「『【〔〈《〘〖")
# Balancing tries every break point of a line; beyond this many words it fills greedily.
_EXACT_WORDS = 300


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a segment: visible text, or markup (a code's tag) that is kept whole."""

    text: str
    markup: bool = False


class _Word(NamedTuple):  # a tuple: made for every word of every cue
    text: str  # with any markup glued to it
    width: int  # visible characters
    joiner: str  # what separates it from the word before: " " or ""
    first: str  # its first visible character


def wrap(pieces: Sequence[Piece], lines: int, *, dialogue: bool = False) -> list[str]:
    """The pieces as at most ``lines`` lines (fewer only when there are fewer words)."""
    if lines == 1:  # most cues: the words as they are, each run of spaces made one
        line = "".join(
            piece.text if piece.markup else _SPACES.sub(" ", piece.text) for piece in pieces
        ).strip(" ")
        return [line] if line else []
    words = _visible(_words(pieces))
    if not words:
        return []
    count = max(1, min(lines, len(words)))
    breaks = _dialogue_breaks(words, count) if dialogue else None
    if breaks is None:
        breaks = _balanced(words, count)
    starts = [0, *breaks, len(words)]
    return [
        "".join(
            (word.joiner if index > start else "") + word.text
            for index, word in enumerate(words[start:end], start=start)
        )
        for start, end in pairwise(starts)
    ]


def _words(pieces: Sequence[Piece]) -> list[_Word]:
    words: list[_Word] = []
    text, width, joiner, first = "", 0, "", ""
    previous = ""  # the last visible character of the current word, "" after markup
    for piece in pieces:
        if piece.markup:
            text += piece.text
            previous = ""  # no break beside markup: the tag would be left alone on a line
            continue
        for space, cjk, run in _TOKEN.findall(piece.text):
            if space:
                if text:
                    words.append(_Word(text, width, joiner, first))
                    joiner = " "
                text, width, first, previous = "", 0, "", ""
                continue
            chunk = cjk or run
            if previous and _breaks_between(previous, chunk[0]):
                words.append(_Word(text, width, joiner, first))
                text, width, joiner, first = "", 0, "", ""
            text += chunk
            width += len(chunk)
            first = first or chunk[0]
            previous = chunk[-1]
    if text:
        words.append(_Word(text, width, joiner, first))
    return words


def _visible(words: list[_Word]) -> list[_Word]:
    """Markup standing alone between spaces joins the next word (the last: the previous),
    so no line holds only a tag and shows empty."""
    merged: list[_Word] = []
    pending: _Word | None = None
    for word in words:
        if pending is not None:
            word = _Word(
                pending.text + word.joiner + word.text, word.width, pending.joiner, word.first
            )
            pending = None
        if word.width:
            merged.append(word)
        else:
            pending = word
    if pending is not None:
        if not merged:
            return [pending]
        last = merged[-1]
        merged[-1] = _Word(
            last.text + pending.joiner + pending.text, last.width, last.joiner, last.first
        )
    return merged


def _breaks_between(before: str, after: str) -> bool:
    if not (_WITHOUT_SPACES.match(before) or _WITHOUT_SPACES.match(after)):
        return False
    return after not in _NO_BREAK_BEFORE and before not in _NO_BREAK_AFTER


def _dialogue_breaks(words: list[_Word], lines: int) -> list[int] | None:
    """Before each speaker's dash, if the translation has one dash per line after the first."""
    dashes = [
        index for index, word in enumerate(words) if index and word.joiner and word.first in _DASHES
    ]
    return dashes if len(dashes) == lines - 1 else None


def _balanced(words: list[_Word], lines: int) -> list[int]:
    """Where lines start (after the first), so the squared line widths sum the least."""
    if lines == 1:
        return []
    # ends[i]: the width of words[0:i] laid on one line, joiners included.
    ends = [0, *accumulate(len(w.joiner) + w.width for w in words)]

    def width(start: int, end: int) -> int:
        return ends[end] - ends[start] - len(words[start].joiner)

    count = len(words)
    if lines == 2:  # most cues: every break point tried, in one pass
        total = ends[-1]
        best = min(
            range(1, count),
            key=lambda i: (
                (ends[i] - len(words[0].joiner)) ** 2
                + (total - ends[i] - len(words[i].joiner)) ** 2
            ),
        )
        return [best]
    if count > _EXACT_WORDS:
        return _greedy(words, lines, ends[-1] / lines)
    infinite = float("inf")
    # cost[k][j]: the best cost of words[0:j] on k + 1 lines; start[k][j]: its last line's start.
    cost = [[width(0, j) ** 2 if j else infinite for j in range(count + 1)]]
    start = [[0] * (count + 1)]
    for k in range(1, lines):
        row, origin = [infinite] * (count + 1), [0] * (count + 1)
        for j in range(k + 1, count + 1):
            for i in range(k, j):
                candidate = cost[k - 1][i] + width(i, j) ** 2
                if candidate < row[j]:
                    row[j], origin[j] = candidate, i
        cost.append(row)
        start.append(origin)
    breaks, end = [], count
    for k in range(lines - 1, 0, -1):
        end = start[k][end]
        breaks.append(end)
    return breaks[::-1]


def _greedy(words: list[_Word], lines: int, target: float) -> list[int]:
    breaks: list[int] = []
    filled = 0.0
    for index, word in enumerate(words):
        if (
            index
            and filled + len(word.joiner) + word.width / 2 > target
            and len(breaks) < lines - 1
        ):
            breaks.append(index)
            filled = 0.0
        filled += (len(word.joiner) if filled else 0) + word.width
    return breaks
