"""The lines of a gettext PO file: where each entry and each of its strings is, and how
the catalog writes a string.

A faithful PO translator edits lines rather than re-generating the catalog, so this
module keeps, for every entry, the line span of each keyword's string (``msgid``,
``msgstr[1]``, …), its flags line and where a new flags line would go. :func:`scan`
reads the whole file once; :class:`Style` is how this catalog wraps its strings, found
from the file itself, and :func:`write_string` writes a new string in that style.

Wrapping (what :meth:`Style.of` decides): a catalog whose long strings are broken over
several lines (gettext's default, polib's, Babel's) wraps new strings at its own width,
worked out from the lines it broke (79 columns, gettext's default, when that fits them,
and when it has no wrapped string to go by); a catalog that holds strings longer than
that on one line (``msgcat --no-wrap``) keeps them on one line. Either way a string that
holds a newline before its end starts with ``msgstr ""`` and breaks after each ``\\n``,
as gettext does. Widths count East Asian wide characters as two columns, and CJK text
may break between characters.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from workbench.errors import InvalidInput

GETTEXT_WIDTH = 79

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[[0-9]+\])?)[ \t]*(\".*)\Z")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"[ \t]*\Z')
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\",
    "a": "\a", "b": "\b", "f": "\f", "v": "\v", "?": "?", "'": "'",
}  # fmt: skip
# Written escaped: what every PO reader (gettext, polib, Babel) reads back; other control
# characters go as they are, which gettext reads too.
_TO_ESCAPE = re.compile(r'[\\"\n\t\r]')
_ESCAPED = {value: "\\" + key for key, value in _SIMPLE_ESCAPES.items() if key in 'ntr"\\'}
# Unicode's East Asian Wide and Fullwidth ranges (what gettext counts as two columns).
_WIDE = re.compile(
    "[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19"
    "\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U0001f300-\U0001f64f\U0001f900-\U0001f9ff"
    "\U00020000-\U0003fffd]"
)
# Where a line may break: after a run of spaces, or between wide (CJK) characters.
_BREAK = re.compile(
    r"[^ ]* +|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]|[^ ]+"
)


@dataclass(frozen=True, slots=True)
class Piece:
    """One quoted string on one line: the keyword line's or a continuation's."""

    line: int
    raw: str  # between the quotes, still escaped


@dataclass(slots=True)
class String:
    """A keyword and its string, spread over ``pieces``."""

    keyword: str  # "msgid", "msgstr[0]", …
    pieces: list[Piece] = field(default_factory=list)
    _value: str | None = None

    @property
    def value(self) -> str:
        if self._value is None:
            self._value = unescape("".join(piece.raw for piece in self.pieces))
        return self._value

    @property
    def first(self) -> int:
        return self.pieces[0].line

    @property
    def end(self) -> int:
        return self.pieces[-1].line + 1


@dataclass(slots=True)
class Entry:
    start: int  # its first line, comments included
    obsolete: bool = False
    flags: list[str] = field(default_factory=list)
    flag_line: int | None = None
    # Where a new "#, fuzzy" line goes: before "#|" lines and keywords, after the rest.
    flags_at: int | None = None
    strings: dict[str, String] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def text(self, keyword: str) -> str | None:
        found = self.strings.get(keyword)
        return found.value if found is not None else None

    @property
    def msgstrs(self) -> list[String]:
        return [self.strings[k] for k in self.order if k.startswith("msgstr")]

    @property
    def is_header(self) -> bool:
        return not self.obsolete and self.text("msgid") == "" and "msgctxt" not in self.strings


@dataclass(frozen=True, slots=True)
class Catalog:
    lines: list[str]  # with their line endings
    entries: list[Entry]
    newline: str


def split_lines(text: str) -> list[str]:
    # Not str.splitlines: it also splits at U+2028, form feeds and others a string may hold.
    return _LINE.findall(text)


def scan(text: str) -> Catalog:
    """Every entry of ``text`` with its line spans; InvalidInput naming the first bad line."""
    lines = split_lines(text)
    entries: list[Entry] = []
    pending: Entry | None = None  # comments seen, no keyword yet
    current: Entry | None = None
    last: String | None = None
    for number, line in enumerate(lines):
        content = line.strip()
        if not content:
            last = None
            continue
        obsolete = content.startswith("#~")
        if obsolete:
            content = content[2:].lstrip()
            if content.startswith("|") or not content:
                pending = pending or Entry(number, obsolete=True)
                continue
        elif content[0] == "#":
            last = None
            if pending is None:
                pending = Entry(number)
            if content.startswith("#,"):
                pending.flags.extend(
                    flag.strip() for flag in content[2:].split(",") if flag.strip()
                )
                if pending.flag_line is None:
                    pending.flag_line = number
            elif content.startswith("#|") and pending.flags_at is None:
                pending.flags_at = number
            continue
        if content[0] == '"':
            string = _STRING.match(content)
            if last is None or string is None:
                raise _malformed(number, "a string that continues nothing")
            last.pieces.append(Piece(number, string.group(1)))
            continue
        keyword = _KEYWORD.match(content)
        string = _STRING.match(keyword.group(2)) if keyword else None
        if keyword is None or string is None:
            raise _malformed(number, "not PO syntax")
        name = keyword.group(1)
        starts = name in ("msgctxt", "msgid") and (
            current is None or "msgstr" in "".join(current.order) or name in current.strings
        )
        if starts:
            if current is not None:
                _finish(current, number, entries)
            current = pending or Entry(number, obsolete=obsolete)
            current.obsolete = obsolete
            if current.flags_at is None:
                current.flags_at = number
            pending = None
        elif current is None or name in current.strings:
            raise _malformed(number, f"{name} without its msgid")
        elif pending is not None:
            raise _malformed(number, f"{name} after a comment, inside an entry")
        last = String(name, [Piece(number, string.group(1))])
        current.strings[name] = last
        current.order.append(name)
    if current is not None:
        _finish(current, len(lines), entries)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    return Catalog(lines, entries, newline)


def _finish(entry: Entry, number: int, entries: list[Entry]) -> None:
    if "msgid" not in entry.strings or not any(k.startswith("msgstr") for k in entry.order):
        raise _malformed(number, "the entry before it has no msgid or no msgstr")
    entries.append(entry)


def _malformed(number: int, what: str) -> InvalidInput:
    return InvalidInput(f"this PO file is malformed: line {number + 1} is {what}")


def unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(_unescaped, raw)


def _unescaped(match: re.Match[str]) -> str:
    octal, hexadecimal, simple = match.groups()
    if octal:
        return chr(int(octal, 8))
    if hexadecimal:
        return chr(int(hexadecimal, 16))
    return _SIMPLE_ESCAPES.get(simple, "\\" + simple)


def escape(text: str) -> str:
    return _TO_ESCAPE.sub(lambda match: _ESCAPED[match.group(0)], text)


def columns(text: str) -> int:
    """Display width: East Asian wide and fullwidth characters take two columns."""
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE.findall(text))


@dataclass(frozen=True, slots=True)
class Style:
    """How a catalog writes strings; ``width`` None: long strings stay on one line."""

    width: int | None = GETTEXT_WIDTH

    @classmethod
    def of(cls, catalog: Catalog) -> Style:
        lines = catalog.lines
        # A line broken for width is at most the width, and one more word would not fit:
        # the width lies between the widest such line and the narrowest line plus its
        # next word. gettext's 79 when it lies there, else the nearest bound.
        lowest, highest = 0, 1 << 30
        long_line = False
        for entry in catalog.entries:
            for string in entry.strings.values():
                pieces = string.pieces
                for piece, following in itertools.pairwise(pieces):
                    if piece.raw and not piece.raw.endswith("\\n"):
                        used = columns(lines[piece.line].rstrip())
                        word = _BREAK.match(following.raw)
                        lowest = max(lowest, used)
                        highest = min(highest, used + columns(word.group(0) if word else "") - 1)
                if len(pieces) == 1 and len(lines[string.first]) > GETTEXT_WIDTH + 2:
                    long_line = long_line or columns(lines[string.first].rstrip()) > GETTEXT_WIDTH
        if lowest:
            return cls(
                GETTEXT_WIDTH
                if lowest <= GETTEXT_WIDTH <= highest
                else max(lowest, min(highest, GETTEXT_WIDTH))
            )
        return cls(None) if long_line else cls()


def write_string(keyword: str, value: str, style: Style) -> list[str]:
    """The lines (without line endings) of ``keyword "value"`` in ``style``."""
    logical = _logical_lines(value)
    whole = f'{keyword} "{escape(value)}"'
    if len(logical) <= 1 and (style.width is None or columns(whole) <= style.width):
        return [whole]
    lines = [f'{keyword} ""']
    for text in logical:
        lines.extend(f'"{chunk}"' for chunk in _wrap(text, style.width))
    return lines


def _logical_lines(value: str) -> list[str]:
    """``value`` cut after each newline that is not its last character."""
    parts = value.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _wrap(text: str, width: int | None) -> Iterator[str]:
    if width is None:
        yield escape(text)
        return
    room = width - 2  # the quotes
    line = ""
    used = 0
    for match in _BREAK.finditer(text):
        token = escape(match.group(0))
        size = columns(token)
        if line and used + size > room:
            yield line
            line, used = "", 0
        line += token
        used += size
    if line or not text:
        yield line
