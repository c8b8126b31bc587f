"""SubRip subtitles: each cue's text is a segment; numbers and timings are kept."""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment, decode_utf8
from workbench.errors import InvalidInput

_TIMING = re.compile(
    r"^\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s+-->\s+\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}(?:\s+.*)?$"
)


class Srt(FileFormat):
    name = "srt"
    extensions = (".srt",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        text = decode_utf8(data, "SRT")
        newline = "\r\n" if "\r\n" in text else "\n"
        blocks = [b for b in re.split(r"\r?\n(?:[ \t]*\r?\n)+", text.strip()) if b.strip()]
        if not blocks:
            raise InvalidInput("this SRT file has no subtitles")
        options.limits.check_segments(len(blocks), "this SRT file", noun="subtitles")
        cues: list[tuple[str, str]] = []
        segments: list[Segment] = []
        for number, block in enumerate(blocks, start=1):
            lines = block.splitlines()
            if (
                len(lines) < 2
                or not lines[0].strip().isdigit()
                or not _TIMING.match(lines[1].strip())
            ):
                raise InvalidInput(
                    f"this SRT file is malformed at subtitle {number}: expected a number, "
                    "a timing line (00:00:01,000 --> 00:00:02,000) and text"
                )
            cues.append((lines[0].strip(), lines[1].strip()))
            segments.append(Segment("\n".join(lines[2:]), f"subtitle {lines[0].strip()}"))

        def render(translations: Sequence[str]) -> bytes:
            out = []
            for (index, timing), translated in zip(cues, translations, strict=True):
                body = newline.join(translated.splitlines())
                out.append(
                    newline.join((index, timing, body)) if body else newline.join((index, timing))
                )
            return (newline * 2).join(out).encode("utf-8") + newline.encode()

        return Document(segments, render)
