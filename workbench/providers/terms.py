"""Glossary terms and the one matcher that finds them in text.

Enforcement (placeholders, the terms a prompt lists) and terminology QA both find terms
with :class:`TermMatcher`, so QA reports exactly the occurrences enforcement acted on.
The rules:

- a term respects its case sensitivity; otherwise case is folded character by character
  (``ß`` and ``ẞ`` are one letter, but ``ß`` is not ``ss``);
- a term starting or ending with a letter, digit or ``_`` needs a word boundary there
  (``cat`` is not in ``concatenate``; ``C++`` needs none after ``+``), except next to
  letters of scripts written without spaces (CJK, Thai, …), where a term is routinely
  followed by a particle; a Latin letter still continues a Latin word;
- placeholders and markup (``{file}``, ``%s``, ``<a href="…">``) are never part of a term
  and separate words like punctuation does;
- where occurrences overlap, the one starting first wins, then the longest ("New York"
  in "New York City" is one term, not also "York"), then a case-sensitive one.

Terms are compiled once into two regular expressions, one for the case-sensitive terms
(matched on the text) and one for the others (matched on the case-folded text), each an
alternation grouped by leading characters (a shallow trie), longest first, behind a
``\\b`` where the term starts with a letter or digit. Python's engine tries alternatives
one by one, so a flat alternation of 10,000 terms would try 10,000 branches at every
position; ``\\b`` rejects most positions at once and the trie tries a handful of branches
at the rest. The two kinds of occurrences are merged leftmost-longest.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from workbench.errors import InvalidInput
from workbench.providers.markup import markup_spans

# Code-point ranges of scripts written without spaces between words.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u3005-\u3007"  # ideographic iteration and closing marks, ideographic zero
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f"  # Hangul jamo extended A
    "\ua9e0-\ua9ff"  # Myanmar extended B
    "\uaa60-\uaa7f"  # Myanmar extended A
    "\uac00-\ud7ff"  # Hangul syllables (particles attach to the word), jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uffdc"  # halfwidth Katakana and Hangul
    "\U0001aff0-\U0001b16f"  # Kana extensions and supplement
    "\U00020000-\U000323af"  # CJK extensions B to H
)
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
# Where a word of a spaced script touches a character of an unspaced one, matching sees
# a separator (a non-character, never in a term). The boundaries are then plain \w
# look-arounds: a class of the unspaced ranges in each of 10,000 terms would take the
# regex compiler minutes, as it enumerates every code point of such a class.
_SEPARATOR = "\uffff"
_SCRIPT_CHANGE = re.compile(
    f"(?<=[{_UNSPACED}])(?=[^\\W{_UNSPACED}])|(?<=[^\\W{_UNSPACED}])(?=[{_UNSPACED}])"
)
# Markup is matched as a run of this non-character: positions stay those of the text,
# nothing inside it can be a term, and next to it a term has a word boundary.
_MASK = "\ufffe"
_BOUNDARY_AFTER = r"(?!\w)"
# Placed after a term's first character: the one before it does not continue a word.
_BOUNDARY_BEFORE_FIRST = r"(?<!\w.)"
_WORD_CHAR = re.compile(r"\w")
# The trie branches on this many leading characters, then lists whole suffixes; deep
# enough to keep every branch short, shallow enough for the regex parser's recursion.
_TRIE_DEPTH = 4
_FLAT_BRANCH = 8


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    source: str
    target: str
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        if not self.source.strip() or not self.target.strip():
            raise InvalidInput("a glossary term needs both a source and a target text")


class GlossaryMatch(NamedTuple):
    """An occurrence of ``term`` at ``text[start:end]``; a tuple, as QA's callers unpack
    ``(start, end, term)``."""

    start: int
    end: int
    term: GlossaryTerm


class TermMatcher:
    """Finds glossary terms in text; build it once, use it on many segments."""

    def __init__(self, terms: Iterable[GlossaryTerm]) -> None:
        self.terms: tuple[GlossaryTerm, ...] = tuple(dict.fromkeys(terms))
        self._exact: dict[str, GlossaryTerm] = {}  # case-sensitive terms by separated text
        self._folded: dict[str, GlossaryTerm] = {}  # the others by folded separated text
        for term in self.terms:
            if _SEPARATOR in term.source or _MASK in term.source:
                continue  # it would match where the matcher put these, not the text
            text = _separated(term.source)
            if term.case_sensitive:
                self._exact.setdefault(text, term)
            else:
                self._folded.setdefault(_fold(text), term)
        self._exact_pattern = _compile(self._exact)
        self._folded_pattern = _compile(self._folded)
        self._targets: dict[GlossaryTerm, re.Pattern[str]] = {}

    def find(self, text: str) -> list[GlossaryMatch]:
        """Each term occurrence in ``text`` outside markup, left to right."""
        separated, inserted = _with_separators(_masked(text))
        exact, folded = self._exact_pattern, self._folded_pattern
        if exact is not None and folded is not None:
            found = self._merged(separated, exact, folded)
        elif exact is not None:
            found = [
                GlossaryMatch(m.start(), m.end(), self._exact[m.group()])
                for m in exact.finditer(separated)
            ]
        elif folded is not None:
            found = [
                GlossaryMatch(m.start(), m.end(), self._folded[m.group()])
                for m in folded.finditer(_fold(separated))
            ]
        else:
            found = []
        if inserted:  # positions in the text as given, not separated
            found = [
                GlossaryMatch(
                    start - bisect_left(inserted, start), end - bisect_left(inserted, end), term
                )
                for start, end, term in found
            ]
        return found

    def _merged(
        self, separated: str, exact: re.Pattern[str], folded: re.Pattern[str]
    ) -> list[GlossaryMatch]:
        """Leftmost-longest occurrences of either kind of term: each pattern is searched
        again only after an occurrence has used up where its last find was."""
        lowered = _fold(separated)
        found: list[GlossaryMatch] = []
        next_exact, next_folded = exact.search(separated), folded.search(lowered)
        while next_exact is not None or next_folded is not None:
            if next_exact is not None and (
                next_folded is None
                or (next_exact.start(), -next_exact.end())
                <= (next_folded.start(), -next_folded.end())
            ):
                found.append(
                    GlossaryMatch(next_exact.start(), next_exact.end(), self._exact[next_exact[0]])
                )
            elif next_folded is not None:
                found.append(
                    GlossaryMatch(
                        next_folded.start(), next_folded.end(), self._folded[next_folded[0]]
                    )
                )
            position = found[-1].end
            if next_exact is not None and next_exact.start() < position:
                next_exact = exact.search(separated, position)
            if next_folded is not None and next_folded.start() < position:
                next_folded = folded.search(lowered, position)
        return found

    def terms_in(self, text: str) -> list[GlossaryTerm]:
        """The distinct terms occurring in ``text``, in order of first occurrence."""
        return list(dict.fromkeys(match.term for match in self.find(text)))

    def has_target(self, term: GlossaryTerm, translation: str) -> bool:
        """Whether the term's target occurs in ``translation``, under the term's case and
        boundary rules. Markup is searched too: a target may itself contain some, and
        placeholder enforcement writes the target as it is."""
        pattern = self._targets.get(term)
        if pattern is None:
            target = _separated(term.target)
            if not term.case_sensitive:
                target = _fold(target)
            pattern = self._targets[term] = re.compile(_literal(target))
        translated = _separated(translation)
        return pattern.search(translated if term.case_sensitive else _fold(translated)) is not None


def _masked(text: str) -> str:
    spans = markup_spans(text)
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        pieces += [text[position:start], _MASK * (end - start)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _separated(text: str) -> str:
    return _with_separators(text)[0]


def _with_separators(text: str) -> tuple[str, list[int]]:
    """``text`` with a separator at each script change, and where (in the result) each is."""
    if not _UNSPACED_CHAR.search(text):
        return text, []
    cuts = [match.start() for match in _SCRIPT_CHANGE.finditer(text)]
    pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return _SEPARATOR.join(pieces), [cut + index for index, cut in enumerate(cuts)]


def _fold(text: str) -> str:
    """Case-folded character for character, so positions stay those of ``text``."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded
    # "ß" folds to "ss": such a character is lower-cased instead ("ẞ" is "ß"), or kept.
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    folded = char.casefold()
    if len(folded) == 1:
        return folded
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def _needs_boundary(char: str) -> bool:
    return bool(_WORD_CHAR.match(char)) and not _UNSPACED_CHAR.match(char)


def _literal(text: str) -> str:
    """``text`` as a pattern with the word boundaries its first and last characters need."""
    first = re.escape(text[0]) + (_BOUNDARY_BEFORE_FIRST if _needs_boundary(text[0]) else "")
    return first + re.escape(text[1:]) + _end(text)


def _compile(terms: dict[str, GlossaryTerm]) -> re.Pattern[str] | None:
    """One pattern for all ``terms``: those starting with a letter or digit behind ``\\b``.

    ``\\b`` first fails at once inside words, which is most positions of a text; only
    where a word starts does the engine try the trie. Terms starting otherwise ("+44",
    ".NET", "東京") have first characters of their own, so the two parts never compete.
    """
    if not terms:
        return None
    bounded = sorted(key for key in terms if _needs_boundary(key[0]))
    free = sorted(key for key in terms if not _needs_boundary(key[0]))
    parts = [rf"\b{_branch(bounded, 0, 0)}"] if bounded else []
    if free:
        parts.append(_branch(free, 0, 0))
    return re.compile("|".join(parts))


def _branch(keys: Sequence[str], offset: int, depth: int) -> str:
    """A regex for the rest (from ``offset``) of ``keys``, which share what precedes it."""
    if depth >= _TRIE_DEPTH or len(keys) <= _FLAT_BRANCH:
        ordered = sorted(keys, key=len, reverse=True)
        return "(?:" + "|".join(re.escape(key[offset:]) + _end(key) for key in ordered) + ")"
    groups: dict[str, list[str]] = defaultdict(list)
    ends_here = []
    for key in keys:
        if len(key) == offset:
            ends_here.append(key)
        else:
            groups[key[offset]].append(key)
    alternatives = [
        re.escape(char) + _branch(group, offset + 1, depth + 1) for char, group in groups.items()
    ]
    # After the longer continuations: a regex takes the first alternative that fits.
    alternatives += [_end(key) for key in ends_here]
    return "(?:" + "|".join(alternatives) + ")"


def _end(key: str) -> str:
    return _BOUNDARY_AFTER if _needs_boundary(key[-1]) else ""
