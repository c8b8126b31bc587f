"""A Markdown block as a segment with codes, and its translation written back in its place.

Emphasis, strong, strikethrough, links and images are paired codes (their text is
translated and may move); code spans, inline HTML and comments, templates, math,
footnote references, autolinks and hard line breaks are standalone codes. Every code is
written back as the exact source it came from. Translated text is escaped where a
character would otherwise start markup (``*``, ``_``, ``[``, ``<tag``…) and, at the
start of a line, where it would start a block (``- ``, ``1. ``, ``#``…). Soft line
breaks are spaces in the segment; the translation is re-wrapped on the source's lines
(:mod:`~workbench.batch.formats.rewrap`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it.common.utils import normalizeReference

from workbench import inline
from workbench.batch.formats.markdown.blocks import Located
from workbench.batch.formats.markdown.spans import Atom, Break, Mark, Misaligned, Text
from workbench.batch.formats.rewrap import Piece, rewrap
from workbench.inline import Code, Kind

# A line that starts with one of these would start another block, not continue the
# paragraph: a list item, a heading, a quote, a setext underline, a table, an HTML
# block, a container, a footnote, a fence.
_BLOCK_START = re.compile(
    r"(?:[+*]|-+|=+|\d{1,9}[.)]|#{1,6})(?:[ \t]|$)|>|\||:{3}|<|\[\^|`{3}|~{3}|\$\$"
)
_ORDERED = re.compile(r"\d{1,9}(?=[.)](?:[ \t]|$))")
_INLINE_SPECIAL = (
    r"\\(?=[!-/:-@\[-`{-~]|$)|[`*$]|(?<!\w)_|_(?!\w)|<(?=[A-Za-z/!?])|&(?=#?\w+;)"
    r"|~(?=~)|(?<=~)~|\{(?=[{%#.:])|:(?=[a-z][a-z0-9_+-]*:)"
)
_SPECIAL = re.compile(_INLINE_SPECIAL)
_SPECIAL_IN_CELL = re.compile(_INLINE_SPECIAL + r"|\|")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
_BRACKET = re.compile(r"[\[\]]")
# Outside a link's text a bracket is markup only where it could make a link: "](",
# "][", "]:" (a definition), "[^" (a footnote), or "[label]" naming a definition.
_LINKING_BRACKET = re.compile(r"\](?=[(\[:])|\[(?=\^)")
_DELIMITERS = frozenset("`*_~$")
_LABEL = re.compile(r"\[([^\[\]]*)\]")
_MARKERS = {
    "list_item_open": re.compile(r"\[[ xX]\][ \t]+"),  # a task list's box
    "blockquote_open": re.compile(r"\[![A-Za-z]+\]"),  # a GitHub alert
}


@dataclass(frozen=True)
class Block:
    """One block's segment and how its translation is written over ``[start, end)``."""

    canonical: str
    start: int
    end: int
    write: Callable[[str], str]


def block(
    atoms: Sequence[Atom],
    located: Located,
    text: str,
    *,
    cell: bool = False,
    first_in: str = "",
    labels: frozenset[str] = frozenset(),
) -> Block | None:
    """The block as a segment, or None when it has no text to translate.

    ``first_in`` is the container the block is the first of: a list item's task box
    (``[x]``) and a block quote's alert (``[!NOTE]``) are codes, not text. ``labels``
    are the file's reference definitions (normalised): ``[label]`` in a translation
    would link to one.
    """
    atoms = _own_lines(_leading_marker(_collapse_empty_pairs(atoms), first_in))
    builder = inline.Builder()
    markups: dict[str, str] = {}
    closings: dict[str, str] = {}
    opened: list[str] = []
    lines = _Lines()
    touching: set[tuple[str, str]] = set()  # codes next to each other in the source
    previous = ""
    for atom in atoms:
        if isinstance(atom, Text):
            builder.text(atom.text)
            lines.width += len(atom.text)
            previous = ""
            continue
        source = text[located.at(atom.start) : located.at(atom.end)]
        if isinstance(atom, Break):
            builder.text(" ")
            lines.soft(source.lstrip(" \t"))
            previous = ""
            continue
        lines.width += len(source)  # the line's share of the output, markup and all
        if atom.kind is Kind.OPEN:
            opened.append(builder.open())
            markups[opened[-1]] = source
            key = opened[-1]
        elif atom.kind is Kind.CLOSE:
            key = opened.pop()
            closings[key] = source
            key += "/"
            builder.close()
        else:
            key = builder.code(_equiv(source))
            markups[key] = source
            if "\n" in source or "\r" in source:
                lines.hard()
        touching.add((previous, key))
        previous = key
    lines.end()
    segment = builder.build()
    if not segment.prose.strip():
        return None
    writer = _Writer(markups, closings, touching, lines, cell=cell, labels=labels)
    return Block(segment.canonical(), located.at(0), located.at(len(located.content)), writer)


class _Lines:
    """The source block's line breaks: per run between hard breaks, the separators of
    its soft breaks and its lines' widths."""

    def __init__(self) -> None:
        self.separators: list[list[str]] = [[]]
        self.widths: list[list[int]] = [[]]
        self.width = 0

    def soft(self, separator: str) -> None:
        self.separators[-1].append(separator)
        self.widths[-1].append(self.width)
        self.width = 0

    def hard(self) -> None:
        self.end()
        self.separators.append([])
        self.widths.append([])

    def end(self) -> None:
        self.widths[-1].append(self.width)
        self.width = 0


@dataclass(frozen=True)
class _Writer:
    markups: dict[str, str]  # open or standalone code id -> its source
    closings: dict[str, str]  # paired code id -> its closing source
    touching: set[tuple[str, str]]  # (code, code after it) with no text between, in the source
    lines: _Lines
    cell: bool
    labels: frozenset[str]

    def __call__(self, translation: str) -> str:
        parts = list(inline.parse(translation).parts)
        if self.closings:
            parts = _spaces_outside_pairs(parts)
        if parts and isinstance(parts[0], str):
            parts[0] = parts[0].lstrip()
        if parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1].rstrip()
        runs: list[list[Piece]] = [[]]  # split after each code that ends a line
        labelled = 0  # how deep in links' and images' text
        previous = ""
        for index, part in enumerate(parts):
            if isinstance(part, str):
                previous = ""
                following = parts[index + 1] if index + 1 < len(parts) else None
                after = self._markup(following)[:1] if isinstance(following, Code) else ""
                preceding = parts[index - 1] if index else None
                before = self._markup(preceding)[-1:] if isinstance(preceding, Code) else ""
                escaped = self._escape(part, in_label=labelled > 0, before=before, after=after)
                if not runs[-1]:
                    escaped = _line_start(escaped)
                runs[-1].append(Piece(escaped, breakable=True))
                continue
            markup = self._markup(part)
            if part.kind is Kind.OPEN and markup.endswith("["):
                labelled += 1
            elif part.kind is Kind.CLOSE and markup.startswith("]"):
                labelled -= 1
            key = part.id + "/" if part.kind is Kind.CLOSE else part.id
            if (
                previous
                and (previous, key) not in self.touching
                and runs[-1]
                and runs[-1][-1].text[-1:] == markup[:1]
                and markup[:1] in _DELIMITERS
            ):
                # Two codes a translation put side by side would read as one run of
                # delimiters ("`a``b`", "**a***b*"): a space keeps them apart.
                runs[-1].append(Piece(" ", breakable=True))
            previous = key
            runs[-1].append(Piece(markup, breakable=False))
            if "\n" in markup or "\r" in markup:
                runs.append([])
        out = []
        for number, run in enumerate(runs):
            if number < len(self.lines.separators):
                separators, widths = self.lines.separators[number], self.lines.widths[number]
            else:
                separators, widths = [], []
            out.append(rewrap(run, separators, widths, _may_start))
        return "".join(out)

    def _escape(self, text: str, *, in_label: bool, before: str, after: str) -> str:
        """``text`` with what would be markup escaped; ``before`` ends the code before
        it, ``after`` starts the code after it ("[ref][text]" is one link)."""
        if "\n" in text or "\r" in text:
            text = _NEWLINES.sub(" ", text)
        text = (_SPECIAL_IN_CELL if self.cell else _SPECIAL).sub(_backslash, text)
        if in_label:  # a link's text holds no brackets of its own
            return _BRACKET.sub(_backslash, text)
        if "[" not in text and "]" not in text:
            return text
        escape = {match.start() for match in _LINKING_BRACKET.finditer(text)}
        escape.update(
            match.start()
            for match in _LABEL.finditer(text)
            if normalizeReference(match.group(1)) in self.labels
        )
        if text.endswith("]") and after in ("(", "[", ":"):
            escape.add(len(text) - 1)
        if text.startswith("[") and before == "]":
            escape.add(0)
        for position in sorted(escape, reverse=True):
            text = text[:position] + "\\" + text[position:]
        return text

    def _markup(self, code: Code) -> str:
        if code.kind is Kind.CLOSE:
            return self.closings[code.id]
        return self.markups[code.id]


def _backslash(match: re.Match[str]) -> str:
    return "\\" + match.group()


def _may_start(text: str, position: int) -> bool:
    return not _BLOCK_START.match(text, position)


def _line_start(text: str) -> str:
    """``text`` escaped so that, first on a line, it starts no block."""
    if ordered := _ORDERED.match(text):
        return f"{ordered.group()}\\{text[ordered.end() :]}"
    if _BLOCK_START.match(text):
        return "\\" + text
    return text


def _spaces_outside_pairs(parts: list[inline.Part]) -> list[inline.Part]:
    """Spaces just inside a paired code moved outside it: ``** bold**`` is no emphasis."""
    for index, part in enumerate(parts):
        if not isinstance(part, Code) or part.kind is Kind.STANDALONE:
            continue
        if part.kind is Kind.OPEN and index + 1 < len(parts):
            after = parts[index + 1]
            if isinstance(after, str) and after[:1].isspace():
                parts[index + 1] = after.lstrip()
                _add_before(parts, index, after[: len(after) - len(after.lstrip())])
        elif part.kind is Kind.CLOSE and index > 0:
            before = parts[index - 1]
            if isinstance(before, str) and before[-1:].isspace():
                parts[index - 1] = before.rstrip()
                _add_after(parts, index, before[len(before.rstrip()) :])
    return [part for part in parts if part != ""]


def _add_before(parts: list[inline.Part], index: int, space: str) -> None:
    if index > 0 and isinstance(parts[index - 1], str):
        parts[index - 1] = str(parts[index - 1]) + space
    else:
        parts.insert(index, space)


def _add_after(parts: list[inline.Part], index: int, space: str) -> None:
    if index + 1 < len(parts) and isinstance(parts[index + 1], str):
        parts[index + 1] = space + str(parts[index + 1])
    else:
        parts.insert(index + 1, space)


def _leading_marker(atoms: list[Atom], first_in: str) -> list[Atom]:
    marker = _MARKERS.get(first_in)
    if marker is None or not atoms or not isinstance(atoms[0], Text):
        return atoms
    found = marker.match(atoms[0].text)
    if not found:
        return atoms
    rest = atoms[0].text[found.end() :]
    head: list[Atom] = [Mark(Kind.STANDALONE, 0, found.end())]
    return head + ([Text(rest)] if rest else []) + atoms[1:]


def _own_lines(atoms: list[Atom]) -> list[Atom]:
    """A code alone on its source line keeps that line (a kramdown ``{: .note}``, an
    alert, an HTML tag): the line breaks around it become part of it."""
    if len(atoms) < 2:
        return atoms
    out: list[Atom] = []
    line_start = True
    index = 0
    while index < len(atoms):
        atom = atoms[index]
        after = atoms[index + 1] if index + 1 < len(atoms) else None
        if (
            isinstance(atom, Mark)
            and atom.kind is Kind.STANDALONE
            and line_start
            and (after is None or isinstance(after, Break))
        ):
            start = atom.start
            if out and isinstance(previous := out[-1], Break):
                start = previous.start
                out.pop()
            end = after.end if isinstance(after, Break) else atom.end
            out.append(Mark(Kind.STANDALONE, start, end))
            index += 2
            continue
        out.append(atom)
        line_start = isinstance(atom, Break)
        index += 1
    return out


def _collapse_empty_pairs(atoms: Sequence[Atom]) -> list[Atom]:
    """A link or emphasis around no text (an image without alt text, a link around a
    code span) becomes one standalone code: there is nothing in it to move."""
    out: list[Atom] = []
    opened: list[int] = []
    for atom in atoms:
        if isinstance(atom, Mark) and atom.kind is Kind.OPEN:
            opened.append(len(out))
        elif isinstance(atom, Mark) and atom.kind is Kind.CLOSE:
            if not opened:
                raise Misaligned("a closing marker without its opening one")
            first = opened.pop()
            inside = out[first + 1 :]
            if not any(isinstance(a, Text) and a.text.strip() for a in inside):
                start = out[first]
                assert isinstance(start, Mark)
                out[first:] = [Mark(Kind.STANDALONE, start.start, atom.end)]
                continue
        out.append(atom)
    if opened:
        raise Misaligned("an opening marker that is never closed")
    return out


def _equiv(source: str) -> str:
    # What stands in a code's place for a reader; long HTML or code is cut short.
    source = " ".join(source.split())
    return source if len(source) <= 80 else source[:77] + "…"
