"""Where a Markdown block's inline content lies in the file.

The inline parser reads a block's text with its container markers, indentation and
outer spaces removed (``content``); this finds, for each kind of block, the source
column every line of that content starts at, as a :class:`Located`: a map from offsets
in ``content`` to offsets in the file. A block that cannot be located returns ``None``
and is kept as it is (tabs inside a list item's indentation, for one).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

from markdown_it.common.utils import MD_TRIM_CHARS

from workbench.batch.formats.sourcetext import Source


@dataclass(frozen=True)
class Located:
    """Offsets in ``content`` from ``anchors[i]`` on are at ``targets[i]`` onward in the file."""

    content: str
    anchors: tuple[int, ...]
    targets: tuple[int, ...]

    def at(self, offset: int) -> int:
        run = bisect_right(self.anchors, offset) - 1
        return self.targets[run] + offset - self.anchors[run]


def paragraph(source: Source, content: str, first: int) -> Located | None:
    """A paragraph or setext heading: its lines from ``first`` on, each a line's tail."""
    lines = content.split("\n")
    anchors, targets = [], []
    offset = 0
    for number, line in enumerate(lines):
        body = source.bodies[first + number]
        if number == len(lines) - 1:
            body = body.rstrip(MD_TRIM_CHARS)  # the paragraph's text was trimmed
        tail = line.lstrip(" \t")
        if not body.endswith(tail):
            return None
        anchors.append(offset + len(line) - len(tail))
        targets.append(source.offset(first + number, len(body) - len(tail)))
        offset += len(line) + 1
    return Located(content, tuple(anchors), tuple(targets))


def heading(source: Source, content: str, line: int) -> Located | None:
    """An ATX heading: its text is after the first run of ``#`` on its line."""
    body = source.bodies[line]
    marker = body.find("#")
    if marker < 0:
        return None
    while marker < len(body) and body[marker] == "#":
        marker += 1
    column = body.find(content, marker)
    if column < 0 or body[marker:column].strip(MD_TRIM_CHARS):
        return None
    return Located(content, (0,), (source.offset(line, column),))


_PIPE = re.compile(r"(?<!\\)\|")
_ESCAPED_PIPE = re.compile(r"\\\|")
_ROW_START = re.compile(r"[ \t>*+\-\d.)]*")


def row(source: Source, contents: list[str], line: int) -> list[Located | None]:
    """A table row's cells, split as markdown-it splits them (``\\|`` is a ``|`` in a cell).

    The row starts after the line's container markers; markdown-it does not say where,
    so each possible start is tried until the cells it gives are the tokens' cells.
    """
    body = source.bodies[line].rstrip(MD_TRIM_CHARS)
    prefix = _ROW_START.match(body)
    for start in range(prefix.end() if prefix else 0, -1, -1):
        if start and body[start - 1] not in " \t>":
            continue
        cells = _cells(body, start)
        if [text for text, _ in cells] == contents:
            return [_cell(source, line, text, column) for text, column in cells]
    return [None] * len(contents)


def _cells(body: str, start: int) -> list[tuple[str, int]]:
    """Each cell's text (trimmed, ``\\|`` unescaped) and the column its raw text starts."""
    bounds = [start - 1, *(m.start() for m in _PIPE.finditer(body, start)), len(body)]
    cells = []
    for left, right in pairwise(bounds):
        raw = body[left + 1 : right]
        lead = len(raw) - len(raw.lstrip(MD_TRIM_CHARS))
        cells.append((_ESCAPED_PIPE.sub("|", raw).strip(MD_TRIM_CHARS), left + 1 + lead))
    if cells and not cells[0][0] and body[start : start + 1] == "|":
        cells.pop(0)
    if cells and not cells[-1][0] and body.endswith("|"):
        cells.pop()
    return cells


def _cell(source: Source, line: int, text: str, column: int) -> Located:
    anchors, targets = [0], [source.offset(line, column)]
    raw = source.bodies[line]
    # Each "\|" of the source is one "|" of the text: a run starts after every one.
    for match in _ESCAPED_PIPE.finditer(raw, column, column + len(text) + text.count("|")):
        anchors.append(match.start() - column - len(anchors) + 1)
        targets.append(source.offset(line, match.start() + 1))
    return Located(text, tuple(anchors), tuple(targets))
