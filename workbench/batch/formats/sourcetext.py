"""Text files translated by editing their source: the spans to replace, and nothing else.

A text format (plain text, Markdown) reads a file into a :class:`Source` (its lines, its
line endings, the byte order mark it had) and lists :class:`Edit` s: a span of the
decoded text, the segment whose translation replaces it and how that translation is
written there. Rendering copies every character outside the edits as it was, and an
edit whose translation is its own source text keeps its span as it was too, so a file
rendered with its own segments comes back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workbench.batch.formats.base import Document, Segment
from workbench.limits import InputLimits
from workbench.textfiles import decode_text

_LINE_END = re.compile(r"\r\n?|\n")
# Byte order marks the decoder accepts, and how text is encoded back behind each.


@dataclass(frozen=True)
class Source:
    """A decoded text file and what is needed to write it back the way it was."""

    text: str
    starts: tuple[int, ...]  # offset of each line's first character
    bodies: tuple[str, ...]  # each line without its ending
    endings: tuple[str, ...]  # each line's ending: "\n", "\r\n", "\r" or "" (the last)
    bom: bytes
    encoding: str

    @classmethod
    def decode(cls, data: bytes, kind: str) -> Source:
        decoded = decode_text(data, kind, legacy=False)
        text, bom, encoding = decoded.text, decoded.bom, decoded.encoding
        starts, bodies, endings = [], [], []
        position = 0
        for match in _LINE_END.finditer(text):
            starts.append(position)
            bodies.append(text[position : match.start()])
            endings.append(match.group())
            position = match.end()
        starts.append(position)
        bodies.append(text[position:])
        endings.append("")
        return cls(text, tuple(starts), tuple(bodies), tuple(endings), bom, encoding)

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line] + column


@dataclass(frozen=True)
class Edit:
    """The span ``[start, end)`` of the source text is replaced by a translation."""

    start: int
    end: int
    write: Callable[[str], str]  # canonical translation -> the text put in the span


class Edits:
    """Segments and the edits that write their translations, gathered while reading."""

    def __init__(self, source: Source, limits: InputLimits, kind: str) -> None:
        self.source, self.limits, self.kind = source, limits, kind
        self.segments: list[Segment] = []
        self.edits: list[Edit] = []
        self.notes: list[str] = []

    def add(self, segment: Segment, edit: Edit) -> None:
        # Counted as they are found: a file of millions of paragraphs stops here.
        self.limits.check_segments(len(self.segments) + 1, f"this {self.kind} file")
        self.segments.append(segment)
        self.edits.append(edit)

    def document(self) -> Document:
        # Segments follow the file's order whatever order the parser gave them in
        # (footnotes are moved to the end of Markdown's token stream, for one).
        order = sorted(range(len(self.edits)), key=lambda index: self.edits[index].start)
        segments = [self.segments[index] for index in order]
        edits = [self.edits[index] for index in order]
        source = self.source
        originals = [segment.text for segment in segments]

        def render(translations: Sequence[str]) -> bytes:
            out: list[str] = []
            position = 0
            for edit, original, translation in zip(edits, originals, translations, strict=True):
                out.append(source.text[position : edit.start])
                if translation == original:
                    out.append(source.text[edit.start : edit.end])
                else:
                    out.append(edit.write(translation))
                position = edit.end
            out.append(source.text[position:])
            return source.encode("".join(out))

        return Document(segments, render, notes=list(self.notes))
