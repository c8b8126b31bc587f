"""Where each inline token of a Markdown block lies in the block's source.

markdown-it gives block tokens line numbers but inline tokens no positions. This walks
an inline token's children along its ``content`` (the block's text as the inline parser
read it) and gives back :data:`Atom` s: the text a reader sees, the codes (spans kept
as they are: code, URLs, HTML, templates, emphasis and link markers) with their offsets
in ``content``, and the soft line breaks. Every character of ``content`` belongs to
exactly one atom; anything that does not line up raises :class:`Misaligned`, and the
block is then kept as it is rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.token import Token

from workbench.inline import Kind


class Misaligned(Exception):
    """The tokens do not match the source they were parsed from."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str  # as a reader sees it: escapes and entities decoded


@dataclass(frozen=True, slots=True)
class Mark:
    """A code: the source ``content[start:end]`` is written back as it is."""

    kind: Kind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Break:
    """A soft line break: ``content[start:end]`` is the line's end and the next line's
    indentation; the segment has a space there."""

    start: int
    end: int


Atom = Text | Mark | Break

# Tokens kept whole as standalone codes: their content is their source.
_VERBATIM = {"html_inline", "template"}
_PAIRED = {"em_open", "strong_open", "s_open"}
_CLOSING = {"em_close", "strong_close", "s_close"}


def atoms(
    children: Sequence[Token], content: str, notes: Mapping[int, Sequence[Token]]
) -> list[Atom]:
    """The atoms of one block; ``notes`` are the tokens of inline footnotes by id."""
    walker = _Walker(content, notes)
    if walker.walk(children, 0) != len(content):
        raise Misaligned("the tokens end before the source does")
    return walker.atoms


class _Walker:
    def __init__(self, content: str, notes: Mapping[int, Sequence[Token]]) -> None:
        self.source = content
        self.notes = notes
        self.atoms: list[Atom] = []

    def walk(self, tokens: Sequence[Token], position: int) -> int:
        source = self.source
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "text":
                if not source.startswith(token.content, position):
                    raise Misaligned(f"text {token.content[:20]!r} not at {position}")
                self._text(token.content)
                position += len(token.content)
            elif kind == "text_special":
                self._expect(token.markup, position)
                self._text(token.content)
                position += len(token.markup)
            elif kind == "softbreak":
                end = self._line_end(position)
                self.atoms.append(Break(position, end))
                position = end
            elif kind == "hardbreak":
                end = self._line_end(position + 1 if source[position] == "\\" else position)
                self.atoms.append(Mark(Kind.STANDALONE, position, end))
                position = end
            elif kind == "code_inline":
                position = self._standalone(position, self._code_end(token.markup, position))
            elif kind in _VERBATIM:
                self._expect(token.content, position)
                position = self._standalone(position, position + len(token.content))
            elif kind in ("math_inline", "math_inline_double"):
                math = token.markup + token.content + token.markup
                self._expect(math, position)
                position = self._standalone(position, position + len(math))
            elif kind == "footnote_ref":
                note = self.notes.get(token.meta.get("id", -1))
                if source.startswith("^[", position) and note is not None:
                    # ^[an inline footnote]: its text is translated where it stands
                    self.atoms.append(Mark(Kind.OPEN, position, position + 2))
                    end = self.walk(note, position + 2)
                    self._expect("]", end)
                    self.atoms.append(Mark(Kind.CLOSE, end, end + 1))
                    position = end + 1
                else:
                    self._expect("[^", position)
                    position = self._standalone(position, _bracket_end(source, position))
            elif kind in _PAIRED or kind in _CLOSING:
                self._expect(token.markup, position)
                end = position + len(token.markup)
                self.atoms.append(Mark(Kind.OPEN if kind in _PAIRED else Kind.CLOSE, position, end))
                position = end
            elif kind == "link_open":
                closing = _closing(tokens, index)
                if token.markup == "autolink":
                    self._expect("<", position)
                    position = self._standalone(position, self._find(">", position) + 1)
                else:
                    position = self._labelled(tokens[index + 1 : closing], position, 1)
                index = closing
            elif kind == "image":
                position = self._labelled(token.children or [], position, 2)
            else:
                raise Misaligned(f"unexpected inline token {kind}")
            index += 1
        return position

    def _labelled(self, label: Sequence[Token], position: int, opener: int) -> int:
        """A link (``[``) or an image (``![``): its label is text, its tail a code."""
        self._expect("[" if opener == 1 else "![", position)
        first = len(self.atoms)
        self.atoms.append(Mark(Kind.OPEN, position, position + opener))
        end = self.walk(label, position + opener)
        self._expect("]", end)
        tail = _link_tail(self.source, end)
        if tail == end + 1 or self.source[end + 1 : tail] == "[]":
            # [label] and [label][]: the text is the reference's label, which must
            # still match its definition, so the whole link is kept as it is.
            del self.atoms[first:]
            return self._standalone(position, tail)
        self.atoms.append(Mark(Kind.CLOSE, end, tail))
        return tail

    def _text(self, text: str) -> None:
        if text:
            self.atoms.append(Text(text))

    def _standalone(self, start: int, end: int) -> int:
        self.atoms.append(Mark(Kind.STANDALONE, start, end))
        return end

    def _expect(self, wanted: str, position: int) -> None:
        if not self.source.startswith(wanted, position):
            raise Misaligned(f"{wanted[:20]!r} not at {position}")

    def _find(self, wanted: str, position: int) -> int:
        found = self.source.find(wanted, position)
        if found < 0:
            raise Misaligned(f"no {wanted!r} after {position}")
        return found

    def _line_end(self, position: int) -> int:
        """Past the spaces, the newline and the next line's indentation."""
        source = self.source
        while position < len(source) and source[position] == " ":
            position += 1
        self._expect("\n", position)
        position += 1
        while position < len(source) and source[position] in " \t":
            position += 1
        return position

    def _code_end(self, ticks: str, position: int) -> int:
        """Past the run of backticks as long as the opening one that closes the span."""
        self._expect(ticks, position)
        source = self.source
        search = position + len(ticks)
        while True:
            found = self._find(ticks, search)
            run = found
            while run < len(source) and source[run] == "`":
                run += 1
            if run - found == len(ticks):
                return run
            search = run


def _closing(tokens: Sequence[Token], index: int) -> int:
    depth = 0
    for position in range(index, len(tokens)):
        if tokens[position].type == "link_open":
            depth += 1
        elif tokens[position].type == "link_close":
            depth -= 1
            if depth == 0:
                return position
    raise Misaligned("a link that is never closed")


def _bracket_end(source: str, bracket: int) -> int:
    """Past the ``]`` that closes the ``[`` at ``bracket`` (nested pairs and escapes skipped)."""
    depth = 0
    position = bracket
    while position < len(source):
        character = source[position]
        if character == "\\":
            position += 1
        elif character == "[":
            depth += 1
        elif character == "]":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    raise Misaligned(f"no closing bracket after {bracket}")


def _link_tail(source: str, bracket: int) -> int:
    """Past a link's destination: ``(url "title")``, ``[label]``, ``[]`` or nothing."""
    position = bracket + 1
    end = len(source)
    if simple := _SIMPLE_TAIL.match(source, position):
        return simple.end()  # the common case, without the parser's character loop
    if position < end and source[position] == "(":
        position = _skip_space(source, position + 1)
        destination = parseLinkDestination(source, position, end)
        if destination.ok:
            position = destination.pos
            after = _skip_space(source, position)
            title = parseLinkTitle(source, after, end)
            if after < end and after != position and title.ok:
                position = _skip_space(source, title.pos)
            else:
                position = after
        if position < end and source[position] == ")":
            return position + 1
        return bracket + 1  # not an inline link: a shortcut reference
    if position < end and source[position] == "[":
        search = position + 1
        while search < end:
            if source[search] == "\\":
                search += 2
                continue
            if source[search] == "]":
                return search + 1
            if source[search] == "[":
                break
            search += 1
    return bracket + 1


# "(url)", "(<url>)", '(url "title")': no escapes, no nested parentheses (those take the
# parser's own helpers below).
_SIMPLE_TAIL = re.compile(
    r"""\([ \t\n]*(?:<[^<>\n\\]*>|[^\s()<>\\]+)?"""
    r"""(?:[ \t\n]+(?:"[^"\\]*"|'[^'\\]*'|\([^()\\]*\)))?[ \t\n]*\)"""
)


def _skip_space(source: str, position: int) -> int:
    while position < len(source) and source[position] in " \t\n":
        position += 1
    return position
