"""Plain text and Markdown: paragraphs are segments; Markdown structure is kept.

Plain text: a paragraph is a run of non-blank lines; the blank lines between stay.
Markdown: fenced and indented code blocks, front matter, HTML blocks, tables' separator
rows, thematic breaks and link definitions are copied untouched; headings, list items and
block quotes keep their markers and only their text is translated; table cells are
translated one by one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.batch.formats.base import (
    Document,
    FileFormat,
    FormatOptions,
    Segment,
    decode_utf8,
)
from workbench.limits import InputLimits


@dataclass
class _Piece:
    """Either literal text to copy, or a slot filled by the segment at ``slot``."""

    literal: str = ""
    slot: int | None = None


def _assemble(pieces: list[_Piece], translations: Sequence[str]) -> bytes:
    out = [p.literal if p.slot is None else translations[p.slot] for p in pieces]
    return "".join(out).encode("utf-8")


class _Builder:
    def __init__(self, limits: InputLimits, kind: str) -> None:
        self.pieces: list[_Piece] = []
        self.segments: list[Segment] = []
        self.limits, self.kind = limits, kind

    def literal(self, text: str) -> None:
        if text:
            self.pieces.append(_Piece(literal=text))

    def slot(self, text: str, where: str) -> None:
        # Counted as they are found: a file of millions of paragraphs stops here.
        self.limits.check_segments(len(self.segments) + 1, f"this {self.kind} file")
        self.pieces.append(_Piece(slot=len(self.segments)))
        self.segments.append(Segment(text, where))

    def document(self) -> Document:
        pieces = self.pieces
        return Document(self.segments, lambda translations: _assemble(pieces, translations))


class PlainText(FileFormat):
    name = "text"
    extensions = (".txt",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        text = decode_utf8(data, "text")
        builder = _Builder(options.limits, "text")
        # Split into paragraphs while keeping every separator exactly as it was; lines are
        # counted as the text is walked (counting from the start each time is quadratic).
        position, line = 0, 1
        for match in re.finditer(r"(?:[^\S\n]*\n){2,}|\A(?:[^\S\n]*\n)+", text):
            line = _paragraph(builder, text, position, match.start(), line)
            builder.literal(match.group())
            line += match.group().count("\n")
            position = match.end()
        _paragraph(builder, text, position, len(text), line)
        return builder.document()


def _paragraph(builder: _Builder, text: str, start: int, end: int, line: int) -> int:
    """Add the paragraph ``text[start:end]`` starting on ``line``; the line after it."""
    chunk = text[start:end]
    if not chunk:
        return line
    body = chunk.rstrip("\n")
    builder.slot(body, f"line {line}")
    builder.literal(chunk[len(body) :])
    return line + chunk.count("\n")


_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
_HEADING = re.compile(r"^( {0,3}#{1,6}[ \t]+)(.*?)([ \t]+#+[ \t]*)?$")
_LIST = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)(.*)$")
_QUOTE = re.compile(r"^((?:[ \t]*>[ \t]?)+)(.*)$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}=+[ \t]*$")
_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML_BLOCK = re.compile(r"^ {0,3}<(?:!--|/?[A-Za-z][A-Za-z0-9-]*[\s/>])")


class Markdown(FileFormat):
    name = "markdown"
    extensions = (".md", ".markdown")

    def read(self, data: bytes, options: FormatOptions) -> Document:
        text = decode_utf8(data, "Markdown")
        lines = text.splitlines(keepends=True)
        builder = _Builder(options.limits, "Markdown")
        index = 0
        if lines and lines[0].rstrip() == "---":  # YAML front matter
            closing = next(
                (i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None
            )
            if closing is not None:
                builder.literal("".join(lines[: closing + 1]))
                index = closing + 1
        paragraph: list[str] = []
        paragraph_line = 0

        def flush() -> None:
            if paragraph:
                joined = "".join(paragraph)
                body = joined.rstrip("\r\n")
                builder.slot(body, f"line {paragraph_line}")
                builder.literal(joined[len(body) :])
                paragraph.clear()

        previous_blank = True
        while index < len(lines):
            line = lines[index]
            bare = line.rstrip("\r\n")
            ending = line[len(bare) :]
            number = index + 1
            fence = _FENCE.match(bare)
            if fence:
                flush()
                marker = fence.group(2)
                end = index + 1
                while end < len(lines) and not lines[end].lstrip().startswith(marker):
                    end += 1
                builder.literal("".join(lines[index : end + 1]))
                index = end + 1
                previous_blank = False
                continue
            if not bare.strip():
                flush()
                builder.literal(line)
                previous_blank = True
                index += 1
                continue
            if previous_blank and not paragraph and re.match(r"^(?: {4}|\t)", bare):
                # An indented code block runs until a non-indented, non-blank line.
                end = index
                while end < len(lines) and (
                    not lines[end].strip() or re.match(r"^(?: {4}|\t)", lines[end])
                ):
                    end += 1
                builder.literal("".join(lines[index:end]))
                index = end
                continue
            if (
                _BREAK.match(bare)
                or _SETEXT.match(bare)
                or _LINK_DEF.match(bare)
                or _HTML_BLOCK.match(bare)
                or ("|" in bare and _TABLE_SEPARATOR.match(bare))
            ):
                # A line under a paragraph made of = or - is that paragraph's heading
                # underline; either way the paragraph ends here and the line is copied.
                flush()
                builder.literal(line)
            elif heading := _HEADING.match(bare):
                flush()
                _marked(builder, heading.group(1), heading.group(2), number)
                builder.literal((heading.group(3) or "") + ending)
            elif bare.lstrip().startswith("|") and bare.rstrip().endswith("|"):
                flush()
                _table_row(builder, bare, number)
                builder.literal(ending)
            elif item := _LIST.match(bare):
                flush()
                _marked(builder, item.group(1), item.group(2), number)
                builder.literal(ending)
            elif quote := _QUOTE.match(bare):
                flush()
                _marked(builder, quote.group(1), quote.group(2), number)
                builder.literal(ending)
            else:
                if not paragraph:
                    paragraph_line = number
                paragraph.append(line)
            previous_blank = False
            index += 1
        flush()
        return builder.document()


def _marked(builder: _Builder, marker: str, body: str, line: int) -> None:
    builder.literal(marker)
    if body.strip():
        builder.slot(body, f"line {line}")
    else:
        builder.literal(body)


def _table_row(builder: _Builder, row: str, line: int) -> None:
    cells = row.split("|")
    builder.literal(cells[0])
    for cell in cells[1:-1]:
        builder.literal("|")
        stripped = cell.strip()
        if stripped:
            lead = cell[: len(cell) - len(cell.lstrip())]
            trail = cell[len(cell.rstrip()) :]
            builder.literal(lead)
            builder.slot(stripped, f"line {line}")
            builder.literal(trail)
        else:
            builder.literal(cell)
    builder.literal("|" + cells[-1])
