"""Reading text files whose encoding and delimiter nobody told us, and writing them back alike.

The one text decoder and the one delimiter sniffer of the package. :func:`decode_text`
recognises, in this order:

1. a byte order mark: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
2. UTF-16 or UTF-32 without one, by where its NUL bytes fall (other NUL bytes mean a
   binary file, refused);
3. UTF-8;
4. unless the format is Unicode by definition (``legacy=False``), the legacy encodings
   spreadsheets and subtitle editors still save in: GB18030 (and its subset GB2312),
   Shift-JIS (Windows code page 932) and Windows-1252. Each is taken only when the bytes
   read as text in it (see :func:`_legacy`) and encode back to exactly the same bytes.

The :class:`DecodedText` it returns remembers the encoding, the byte order mark and the
line ending, so :meth:`DecodedText.encode` writes an output the way the input was written.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from workbench.errors import InvalidInput

DELIMITERS = ("\t", ";", ",")  # a rarer delimiter that fits every record is the likelier one
UTF8_BOM = codecs.BOM_UTF8
# Longest first: a UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (UTF8_BOM, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NAMES = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
    "gb18030": "GB18030",
    "cp932": "Shift-JIS",
    "cp1252": "Windows-1252",
}
_SNIFF_CHARS = 65_536
_SNIFF_RECORDS = 50
_LINE_BREAK = re.compile("\r\n|\r|\n")
# Text has no C0 control characters besides tab, line breaks, form feed and DOS's end of file.
_CONTROL = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")


@dataclass(frozen=True)
class DecodedText:
    """A file's text and how it was stored: Python codec, byte order mark, line ending."""

    text: str  # without the byte order mark
    encoding: str  # a Python codec name, e.g. "utf-16-le", "cp1252"
    bom: bytes = b""
    newline: str = "\n"  # the first line ending of the text ("\n" when it has none)

    @property
    def label(self) -> str:
        """The encoding as a person names it: "UTF-16 LE with BOM", "Windows-1252"."""
        name = _NAMES.get(self.encoding, self.encoding)
        return f"{name} with BOM" if self.bom else name

    @property
    def unicode(self) -> bool:
        return self.encoding.startswith("utf-")

    def encode(self, text: str, notes: list[str] | None = None) -> bytes:
        """``text`` stored as the input was: same encoding, same byte order mark.

        A text the input's legacy encoding cannot hold (a Chinese translation of a
        Windows-1252 file) is written as UTF-8 with a BOM, which the programs that read
        the input recognise too; a line saying so is added to ``notes``.
        """
        try:
            return self.bom + text.encode(self.encoding)
        except UnicodeEncodeError as error:
            if self.unicode:
                raise  # a lone surrogate: no encoding holds it
            if notes is not None:
                notes.append(
                    f"written as UTF-8 with BOM: the translation has characters "
                    f"({text[error.start : error.end]!r}…) that {self.label} cannot hold"
                )
            return UTF8_BOM + text.encode("utf-8")


class Undecodable(InvalidInput):
    """The bytes are not text in an encoding we recognise.

    ``detail`` says why and what to do; ``line`` is where the first bad byte is (None when
    it is the file as a whole). The message is both, in one line.
    """

    def __init__(self, detail: str, line: int | None = None) -> None:
        super().__init__(f"{detail} (line {line})" if line is not None else detail)
        self.detail = detail
        self.line = line


def decode_text(data: bytes, kind: str, *, legacy: bool = True) -> DecodedText:
    """The text of ``data``, a ``kind`` file ("CSV", "SRT"), and how it was stored.

    ``legacy=False`` is for formats that are Unicode by definition (JSON, Markdown): no
    legacy encoding is guessed. Raises :class:`Undecodable` for binary or undecodable data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decoded(_strictly(data[len(bom) :], encoding, bom), encoding, bom)
    if b"\x00" in data:
        wide = _wide_unicode(data)
        if wide is None:
            raise Undecodable(
                f"this is binary data, not {kind} text: it has NUL bytes "
                f"(not in the pattern of UTF-16 or UTF-32); save it as {kind} in UTF-8"
            )
        return _decoded(_strictly(data, wide, b""), wide, b"")
    try:
        return _decoded(data.decode("utf-8"), "utf-8", b"")
    except UnicodeDecodeError as error:
        utf8_error = error
    line = _line_of(data, utf8_error.start)
    bad = f"byte 0x{data[utf8_error.start]:02x}"
    if not legacy:
        raise Undecodable(f"this {kind} file is not UTF-8 ({bad}); save it as UTF-8", line)
    found = _legacy(data)
    if found is None:
        names = ", ".join(_NAMES[codec] for codec, _ in _LEGACY)
        raise Undecodable(
            f"{bad} is not UTF-8, and the file does not read as {names} text either; "
            "save it as UTF-8",
            line,
        )
    text, encoding = found
    return _decoded(text, encoding, b"")


def _decoded(text: str, encoding: str, bom: bytes) -> DecodedText:
    first = _LINE_BREAK.search(text, 0, _SNIFF_CHARS)
    return DecodedText(text, encoding, bom, first.group() if first else "\n")


def _strictly(data: bytes, encoding: str, bom: bytes) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        name = _NAMES[encoding].split()[0]
        detail = (
            f"the file starts with a {name} byte order mark but is not valid {name} here"
            if bom
            else f"the file looks like {_NAMES[encoding]} text but is not valid {name} here"
        )
        raise Undecodable(
            f"{detail}; save it again as UTF-8",
            _line_of(data, error.start, encoding),
        ) from error


def _wide_unicode(data: bytes) -> str | None:
    """UTF-32 or UTF-16 without a byte order mark, known by where its NUL bytes are.

    Latin text in UTF-16 LE has a NUL after nearly every character, never before one;
    UTF-32 has two or three NULs per character. Binary data has them anywhere.
    """
    if len(data) % 4 == 0:
        for encoding, high in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
            if all(data[i::4].count(0) == len(data) // 4 for i in high):
                return encoding
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    # CJK characters such as U+4E00 put a NUL on the other side: most, not all, must agree;
    # and a text has enough ASCII (digits, spaces, line breaks) for a quarter of its
    # characters to carry one.
    units = len(data) // 2
    if odd >= 9 * even and odd * 4 >= units:
        encoding = "utf-16-le"
    elif even >= 9 * odd and even * 4 >= units:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    # Binary data read as UTF-16 gives control or private-use characters.
    return None if _CONTROL.search(text) or _PRIVATE_USE.search(text) else encoding


# --- legacy encodings ------------------------------------------------------------------

# A GB2312 character is two bytes from 0xA1 to 0xFE; GB18030 adds rarer ones beside them.
_GB_CHARACTER = re.compile(rb"[\x81-\xfe][\x30-\x39][\x81-\xfe][\x30-\x39]|[\x81-\xfe][\x40-\xfe]")
_KANA = re.compile("[\u3041-\u30ff]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _chinese(data: bytes, text: str) -> bool:
    """GB18030 bytes of Chinese text: nearly every character in the GB2312 area.

    Western text read as GB18030 pairs an accented letter with the ASCII letter after it,
    which falls outside that area.
    """
    characters = _GB_CHARACTER.findall(data)
    common = sum(1 for c in characters if len(c) == 2 and c[1] >= 0xA1)
    return common >= 0.9 * len(characters) and not _PRIVATE_USE.search(text)


def _japanese(data: bytes, text: str) -> bool:
    """Shift-JIS of Japanese text: kana present (every Japanese text has some) and no
    user-defined characters, which is what Chinese or Western bytes read as Shift-JIS give."""
    return bool(_KANA.search(text)) and not _PRIVATE_USE.search(text)


def _western(data: bytes, text: str) -> bool:
    """Windows-1252 of a Western text: accented letters come alone or in pairs between
    ASCII ones. Long runs of high bytes are the two-byte characters of an Asian encoding."""
    runs = _HIGH_RUN.findall(data)
    high = sum(map(len, runs))
    long = sum(len(run) for run in runs if len(run) >= 3)
    return long * 2 < high


_LEGACY: tuple[tuple[str, Callable[[bytes, str], bool]], ...] = (
    ("gb18030", _chinese),
    ("cp932", _japanese),
    ("cp1252", _western),
)


def _legacy(data: bytes) -> tuple[str, str] | None:
    """The text of ``data`` and its legacy encoding, if one reads it as text."""
    for encoding, plausible in _LEGACY:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Some code pages give two byte sequences one character: writing back would differ.
        if not _CONTROL.search(text) and plausible(data, text) and text.encode(encoding) == data:
            return text, encoding
    return None


def _line_of(data: bytes, offset: int, encoding: str = "utf-8") -> int:
    before = data[:offset].decode(encoding, errors="replace")
    return len(_LINE_BREAK.findall(before)) + 1


# --- delimiters ------------------------------------------------------------------------


def sniff_delimiter(
    text: str,
    *,
    is_header: Callable[[Sequence[str]], bool] | None = None,
    widths: Collection[int] = (),
) -> str:
    """Tab, semicolon or comma: the delimiter of a CSV text (comma when nothing tells).

    In order: the one that splits the first record into a header ``is_header`` knows;
    the one that gives every record of the start the same number of cells (one of
    ``widths`` if given, more than one anyway); the one the first line has most of.
    """
    sample = text[:_SNIFF_CHARS]
    complete = len(text) <= _SNIFF_CHARS
    parsed = {d: _sample_records(sample, d, complete) for d in DELIMITERS}
    if is_header is not None:
        for delimiter, records in parsed.items():
            if records and len(records[0]) > 1 and is_header(records[0]):
                return delimiter
    for delimiter, records in parsed.items():
        found = {len(record) for record in records}
        if len(found) == 1 and min(found) > 1 and (not widths or found <= set(widths)):
            return delimiter
    first_line = _LINE_BREAK.split(sample, maxsplit=1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _sample_records(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                records.append(record)
            if len(records) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass  # the sample may end inside a quoted cell; what was read still counts
    if not complete and records:
        records.pop()  # may be cut short by the end of the sample
    return records
