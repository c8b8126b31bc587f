"""SubRip subtitles: a cue's text is one segment; everything else is kept byte for byte.

The file is read in whatever encoding it was saved in (:mod:`workbench.textfiles`: UTF-8,
UTF-16 and UTF-32 with or without a byte order mark, GB18030, Shift-JIS, Windows-1252)
and written back in it, byte order mark and line endings included. Cue numbers, timings
and the blank lines between cues are copied.

A cue's lines are joined into one segment, since a sentence runs over them. In it,
styling tags (``<i>``, ``<b>``, ``<font color=…>``) are paired codes when they open and
close in the cue, and ASS override tags (``{\\an8}``) and tags without a partner are
standalone codes. A translation is wrapped back into as many lines as the cue had
(:mod:`workbench.batch.formats.wrapping`); a cue whose text comes back unchanged keeps
its own lines.

The reading is as lenient as players and the ``srt`` library are: a cue may lack its
number, a timing may use ``.`` for ``,``, a cue's text may hold a blank line when no cue
starts after it, and the blank line before a numbered cue may be missing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from workbench import inline
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.wrapping import Piece, wrap
from workbench.errors import InvalidInput
from workbench.textfiles import decode_text

_TIMESTAMP = r"\d+[,.:，．。：]\d+[,.:，．。：]\d+(?:[,.:，．。：]\d*)?"
_TIMING = re.compile(rf"[ \t]*{_TIMESTAMP} *-[ -] *> *{_TIMESTAMP}(?:[ \t].*)?")
_NUMBER = re.compile(r"[ \t]*-?\d+(?:\.\d*)?[ \t]*")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
# HTML-like tags (<i>, </i>, <font color="#fff">, and unknown ones players hide), ASS
# override blocks ({\an8}) and the HTML entities some editors write (&nbsp;).
_MARKUP = re.compile(
    r"<(/?)[ \t]*([A-Za-z][\w:-]*)(?=[\s/>])[^<>\r\n]*>"
    r"|\{\\[^{}\r\n]*\}"
    r"|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
)
_MARKS = re.compile(r"[<{&]")  # what every piece of markup starts with
_DIALOGUE_DASH = re.compile(r"(?:<[^<>]*>|\{\\[^{}]*\})*[-\u2010\u2013\u2014]")


class _Lines:
    """The text as lines: ``parts`` alternates each line's text and its line break, so
    joining them gives the text back; a cue's new text replaces its lines' texts."""

    def __init__(self, text: str) -> None:
        self.parts = _LINE_BREAK.split(text)
        if self.parts[-1]:
            self.parts.append("")  # the last line has no line break
        else:
            del self.parts[-1]  # the text ends with a line break: no line after it
        self.texts = self.parts[0::2]
        self.count = len(self.texts)
        self.blank = [not line.strip() for line in self.texts]
        # Every line is asked about more than once; an arrow is cheap to look for first.
        self.timing = [">" in line and bool(_TIMING.fullmatch(line)) for line in self.texts]
        self.timing.append(False)

    def numbered_cue(self, line: int) -> bool:
        """A cue's number on ``line`` and its timing on the next."""
        return self.timing[line + 1] and bool(_NUMBER.fullmatch(self.texts[line]))


@dataclass(frozen=True)
class _Cue:
    """A cue's text: its lines, its segment and what each code of it stands for."""

    name: str  # its number, or its place when it has none: "subtitle 12"
    first: int  # its first text line
    slots: tuple[int, ...]  # its non-blank text lines, the last one ending the text
    segment: str  # canonical
    codes: frozenset[inline.Code]  # the source's opening and standalone codes
    markup: dict[str, tuple[str, str]]  # code id -> (opening or standalone markup, closing)
    dialogue: bool  # every line starts with a speaker's dash


class Srt(FileFormat):
    name = "srt"
    extensions = (".srt",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        decoded = decode_text(data, "SRT")
        lines = _Lines(decoded.text)
        cues: list[_Cue] = []
        segments: list[Segment] = []
        count = 0
        for count, cue in enumerate(_cues(lines), start=1):
            options.limits.check_segments(count, "this SRT file", noun="subtitles")
            if cue is not None:
                cues.append(cue)
                segments.append(Segment(cue.segment, f"subtitle {cue.name}"))
        if not count:
            raise InvalidInput("this SRT file has no subtitles")
        notes: list[str] = []

        def render(translations: Sequence[str]) -> bytes:
            parts = list(lines.parts)
            for cue, translated in zip(cues, translations, strict=True):
                if translated != cue.segment:
                    _fill(parts, cue, translated, notes)
            return decoded.encode("".join(parts), notes)

        return Document(segments, render, notes)


def _cues(lines: _Lines) -> Iterator[_Cue | None]:
    """Each cue's text (None when it has none), in order."""
    line = 0
    count = 0
    while line < lines.count:
        if lines.blank[line]:
            line += 1
            continue
        count += 1
        if lines.timing[line]:
            name, timing = str(count), line
        elif lines.numbered_cue(line):
            name, timing = lines.texts[line].strip(), line + 1
        else:
            raise InvalidInput(
                f"this SRT file is malformed at subtitle {count} (line {line + 1}): expected "
                "a number, a timing line (00:00:01,000 --> 00:00:02,000) and text"
            )
        end = _text_end(lines, timing + 1)
        slots = tuple(number for number in range(timing + 1, end) if not lines.blank[number])
        yield _cue(lines, name, slots) if slots else None
        line = end


def _text_end(lines: _Lines, line: int) -> int:
    """Where the text of a cue starting at ``line`` ends: at a blank line the next cue (or
    the end) follows, or at a numbered cue that comes right after without a blank line."""
    while line < lines.count:
        if not lines.blank[line]:
            if lines.numbered_cue(line):
                return line
            line += 1
            continue
        after = line
        while after < lines.count and lines.blank[after]:
            after += 1
        if after == lines.count or lines.timing[after] or lines.numbered_cue(after):
            return line
        line = after
    return line


def _cue(lines: _Lines, name: str, slots: tuple[int, ...]) -> _Cue:
    """The segment of a cue's text lines: joined by spaces, markup made codes."""
    shown = [lines.texts[line].strip() for line in slots]
    joined = " ".join(shown)
    dialogue = len(shown) > 1 and all(_DIALOGUE_DASH.match(line) for line in shown)
    tokens = list(_MARKUP.finditer(joined)) if _MARKS.search(joined) else []
    if not tokens:
        return _Cue(name, slots[0], slots, inline.plain(joined), frozenset(), {}, dialogue)
    partner = _pairs(tokens)
    dropped = _rejoined(joined, tokens, partner)
    builder = inline.Builder()
    markup: dict[str, tuple[str, str]] = {}
    position = 0
    for number, token in enumerate(tokens):
        builder.text(joined[position : token.start()])
        position = token.end()
        if number in dropped:
            continue
        if number in partner and partner[number] > number:
            code = builder.open()
            markup[code] = (token.group(), tokens[partner[number]].group())
        elif number in partner:
            builder.close()
        else:
            entity = token.group().startswith("&")
            equiv = html.unescape(token.group()) if entity else ""
            markup[builder.code(equiv)] = (token.group(), "")
    builder.text(joined[position:])
    tagged = builder.build()
    codes = frozenset(code for code in tagged.codes if code.kind is not inline.Kind.CLOSE)
    return _Cue(name, slots[0], slots, tagged.canonical(), codes, markup, dialogue)


def _pairs(tokens: list[re.Match[str]]) -> dict[int, int]:
    """Which opening tag each closing tag closes (both ways), nesting kept.

    A closing tag closes the innermost open tag of its name; tags opened inside that one
    and never closed are left unpaired, as are closing tags with no opening one.
    """
    partner: dict[int, int] = {}
    open_tags: list[tuple[str, int]] = []
    for number, token in enumerate(tokens):
        name = (token.group(2) or "").lower()
        if not name or name == "br":
            continue  # an ASS override or a line break wraps nothing
        if not token.group(1):
            open_tags.append((name, number))
            continue
        for depth in range(len(open_tags) - 1, -1, -1):
            if open_tags[depth][0] == name:
                opening = open_tags[depth][1]
                partner[opening], partner[number] = number, opening
                del open_tags[depth:]
                break
    return partner


def _rejoined(joined: str, tokens: list[re.Match[str]], partner: dict[int, int]) -> set[int]:
    """The tags to leave out because a span closes and the same span opens again right
    after it (each line in italics: one italic sentence); ``partner`` is updated."""
    dropped: set[int] = set()
    for closing in range(len(tokens) - 1):
        reopening = closing + 1
        if (
            closing in partner
            and reopening in partner
            and partner[closing] < closing < reopening < partner[reopening]
            and tokens[partner[closing]].group() == tokens[reopening].group()
            and not joined[tokens[closing].end() : tokens[reopening].start()].strip()
        ):
            opening, end = partner.pop(closing), partner.pop(reopening)
            partner[opening], partner[end] = end, opening
            dropped |= {closing, reopening}
    return dropped


def _fill(parts: list[str], cue: _Cue, translated: str, notes: list[str]) -> None:
    """Put ``translated`` in the cue's text lines, wrapped to as many lines as it had.

    Each translated line takes a text line's place; blank lines between and every line's
    own line break stay. A translation with fewer words than the cue had lines takes its
    first lines.
    """
    pieces = _pieces(cue, translated)
    if pieces is None:
        # The engine checks codes before; a translation that still breaks them is not
        # written into a file that players must read.
        problem = inline.code_problem(inline.parse(cue.segment), translated)
        notes.append(
            f"subtitle {cue.name} was left untranslated: its translation broke a code ({problem})"
        )
        return
    wrapped = wrap(pieces, len(cue.slots), dialogue=cue.dialogue)
    for slot, shown in zip(cue.slots, wrapped, strict=False):
        parts[2 * slot] = shown
    if len(wrapped) < len(cue.slots):
        # The lines left over go, with the line breaks and blank lines before them.
        last = cue.slots[len(wrapped) - 1] if wrapped else cue.first - 1
        for line in range(last + 1, cue.slots[-1] + 1):
            parts[2 * line] = ""
            parts[2 * line - 1] = ""


def _pieces(cue: _Cue, translated: str) -> list[Piece] | None:
    """The translation's text and the markup of its codes; None if its codes are not the
    source's: each one exactly once, paired codes nested."""
    if not cue.codes and "<" not in translated:
        return [Piece(inline.unescape(translated))]
    try:
        tagged = inline.parse(translated)
    except InvalidInput:
        return None
    codes = [code for code in tagged.codes if code.kind is not inline.Kind.CLOSE]
    if len(codes) != len(cue.codes) or set(codes) != cue.codes:
        return None
    return [
        Piece(part)
        if isinstance(part, str)
        else Piece(cue.markup[part.id][part.kind is inline.Kind.CLOSE], markup=True)
        for part in tagged.parts
    ]
