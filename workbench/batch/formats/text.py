"""Plain text: paragraphs or lines are segments; everything between them is kept.

A paragraph is a run of non-blank lines. When it reads as prose hard-wrapped at a width
(two lines or more, every line but the last filled to at least half the longest, none
starting like a list item) it is one segment, re-wrapped on the same number of lines
(:mod:`~workbench.batch.formats.rewrap`); otherwise (addresses, lists, verse, short
lines) each line is a segment. A line's indentation, trailing spaces, blank lines and
line endings (LF, CRLF or CR) stay exactly as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from workbench import inline
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.rewrap import Piece, rewrap
from workbench.batch.formats.sourcetext import Edit, Edits, Source

_LIST_ITEM = re.compile(r"(?:[-*+•–]|\d{1,9}[.)]|[a-zA-Z][.)])\s")
_WRAP_WIDTH = 40  # lines shorter than this are not taken for a wrapped paragraph


class PlainText(FileFormat):
    name = "text"
    extensions = (".txt",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        source = Source.decode(data, "text")
        edits = Edits(source, options.limits, "text")
        paragraph: list[int] = []
        for line, body in enumerate(source.bodies):
            if body.strip():
                paragraph.append(line)
            else:
                _paragraph(edits, paragraph)
                paragraph = []
        _paragraph(edits, paragraph)
        return edits.document()


def _paragraph(edits: Edits, lines: list[int]) -> None:
    if not lines:
        return
    source = edits.source
    contents = [source.bodies[line].strip() for line in lines]
    if not _wrapped(contents):
        for line, content in zip(lines, contents, strict=True):
            lead = len(source.bodies[line]) - len(source.bodies[line].lstrip())
            start = source.offset(line, lead)
            edits.add(
                Segment(inline.plain(content), f"line {line + 1}"),
                Edit(start, start + len(content), _one_line(source.endings[line] or "\n")),
            )
        return
    first, last = lines[0], lines[-1]
    leads = [len(source.bodies[line]) - len(source.bodies[line].lstrip()) for line in lines]
    separators = [
        source.endings[line] + source.bodies[following][:lead]
        for line, following, lead in zip(lines, lines[1:], leads[1:], strict=False)
    ]
    widths = [len(content) for content in contents]
    end = source.offset(last, leads[-1] + len(contents[-1]))
    edits.add(
        Segment(inline.plain(" ".join(contents)), f"line {first + 1}"),
        Edit(source.offset(first, leads[0]), end, _wrapped_writer(separators, widths)),
    )


def _wrapped(contents: list[str]) -> bool:
    if len(contents) < 2:
        return False
    longest = max(len(content) for content in contents)
    return (
        longest >= _WRAP_WIDTH
        and all(2 * len(content) >= longest for content in contents[:-1])
        and not any(_LIST_ITEM.match(content) for content in contents)
    )


def _one_line(ending: str) -> Callable[[str], str]:
    def write(translation: str) -> str:
        # A translation that comes back on several lines keeps the file's line endings.
        return re.sub(r"\r\n?|\n", ending, inline.text_of(translation))

    return write


def _wrapped_writer(separators: list[str], widths: list[int]) -> Callable[[str], str]:
    def write(translation: str) -> str:
        text = re.sub(r"\s*(?:\r\n?|\n)\s*", " ", inline.text_of(translation))
        return rewrap([Piece(text, breakable=True)], separators, widths)

    return write
