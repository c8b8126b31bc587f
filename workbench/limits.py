"""Limits on every input, checked before any work starts (DESIGN §9).

A file someone hands us may be built to exhaust memory or time: a zip whose parts
inflate a thousandfold, a sheet whose few cells span a million rows, JSON nested ten
thousand deep, a catalog of a million entries, one 50 MB paragraph. Every reader calls
these checks before it parses (the batch file formats, the glossary reader, the translate
page's column list), and the engine checks a whole job before it reserves any quota. Each
limit is a setting (:class:`~workbench.config.Settings`); each refusal is one line that
names the limit and the variable that raises it.

The checks bound memory: a zip's directory is read before any part; a large XML part is
parsed as it streams, keeping nothing, and a small one (2 MB at most) whole, in C (never
a DTD, an entity expansion or the network); a CSV is counted without keeping its rows, and
JSON is measured on its brackets before it is decoded.
"""

from __future__ import annotations

import csv
import io
import lzma
import re
import string
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any

from workbench.config import Settings, get_settings, variable
from workbench.errors import InvalidInput

_MIB = 1024 * 1024
# A small part may compress far better than the ratio (a sheet of empty styled cells);
# Apache POI, whose ratio limit this is, also only judges entries past a grace size.
_GRACE_BYTES = _MIB
_CHUNK = 64 * 1024
# Parts up to this size are parsed whole by lxml first (a tree of a few MB at most).
_TREE_BYTES = 2 * _MIB
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted part
)
_XML_NAMES = (".xml", ".rels", ".vml")
_LETTERS = string.ascii_letters
# A JSON string (escapes included) and what is left once strings are gone.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


@dataclass(frozen=True)
class InputLimits:
    """The limits in force, from the settings (:meth:`of`)."""

    uncompressed_bytes: int
    compression_ratio: int
    cells: int
    nesting: int
    segments: int
    segment_bytes: int

    @classmethod
    def of(cls, settings: Settings | None = None) -> InputLimits:
        chosen = settings or get_settings()
        return cls(
            uncompressed_bytes=chosen.max_uncompressed_mb * _MIB,
            compression_ratio=chosen.max_compression_ratio,
            cells=chosen.max_cells,
            nesting=chosen.max_nesting,
            segments=chosen.max_segments,
            segment_bytes=chosen.max_segment_bytes,
        )

    # --- zip packages (DOCX, XLSX) ------------------------------------------------------

    def check_package(self, data: bytes, kind: str) -> None:
        """An Office file (a zip of XML parts), before any library opens it.

        The zip's directory comes first: the total unpacked size and each part's
        compression ratio, before a byte is inflated. Then each part is inflated once,
        in small pieces, and refused the moment it gives more than the directory
        declared (a lying directory: zipfile itself would inflate such a part whole
        before cutting it to size). Each XML part is parsed as it inflates, keeping
        nothing: well-formed, no DTD (so no entity can expand), nested no deeper than
        the limit, and a worksheet's cells (wherever they are, whatever its declared
        ``<dimension>``) spanning no more rows × columns than the limit.
        """
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = archive.infolist()
        except _ZIP_ERRORS:
            return  # not a zip at all: the reader that follows refuses it in its words
        self._check_sizes(parts, kind)
        cells = 0
        for part in parts:
            try:
                cells += self._read_part(data, part, kind)
            except _ZIP_ERRORS as exc:
                raise InvalidInput(
                    f"this {kind} file is damaged: its part {part.filename} cannot be unpacked"
                ) from exc
            if cells > self.cells:
                raise InvalidInput(
                    f"this {kind} file's sheets span {cells:,} cells (rows × columns up to "
                    f"the farthest cell, whatever size a sheet declares); the limit is "
                    f"{self.cells:,} ({variable('max_cells')})"
                )

    def _check_sizes(self, parts: list[zipfile.ZipInfo], kind: str) -> None:
        total = sum(part.file_size for part in parts)
        if total > self.uncompressed_bytes:
            raise InvalidInput(
                f"this {kind} file unpacks to {total / _MIB:,.0f} MB; the limit is "
                f"{self.uncompressed_bytes // _MIB:,} MB ({variable('max_uncompressed_mb')})"
            )
        for part in parts:
            if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise InvalidInput(
                    f"this {kind} file's part {part.filename} is packed in a way Office "
                    "never uses; save the file again from its application"
                )
            if part.flag_bits & 0x1:
                raise InvalidInput(
                    f"this {kind} file's part {part.filename} is encrypted; save the file "
                    "again without a password"
                )
            if part.file_size > _GRACE_BYTES and (
                part.file_size > self.compression_ratio * part.compress_size
            ):
                ratio = part.file_size / max(part.compress_size, 1)
                raise InvalidInput(
                    f"this {kind} file's part {part.filename} is packed {ratio:,.0f} to 1, "
                    f"as zip bombs are; the limit is {self.compression_ratio:,} to 1 "
                    f"({variable('max_compression_ratio')})"
                )

    def _read_part(self, data: bytes, part: zipfile.ZipInfo, kind: str) -> int:
        """Inflate one part, parsing it if it is XML; the cells it spans if a worksheet.

        A small part (most of an Office file) is parsed whole by lxml, in C, and passes
        when it plainly holds no DTD, is no worksheet and nests no deeper than the limit;
        anything else, and every large part, goes through the streaming scan, which sees
        each element and says exactly what is wrong.
        """
        if part.file_size <= _TREE_BYTES:
            content = b"".join(_checked(data, part, kind))
            if _plainly_fine(content, self.nesting):
                return 0
            return self._scan([content], part, kind)
        return self._scan(_checked(data, part, kind), part, kind)

    def _scan(self, chunks: Iterable[bytes], part: zipfile.ZipInfo, kind: str) -> int:
        from lxml import etree  # imported here: only Office files need it

        parser: Any = None
        scan: _PartScan | None = None
        decided = xml_named = False
        for chunk in chunks:
            if not decided:
                lead = _lead(chunk)
                if not lead:
                    continue  # whitespace so far: what follows tells
                decided = True
                xml_named = lead.startswith(b"<?xml") or part.filename.endswith(_XML_NAMES)
                if lead.startswith(b"<"):
                    scan = _PartScan(self, kind, part.filename)
                    parser = etree.XMLParser(
                        target=scan,
                        resolve_entities=False,
                        no_network=True,
                        huge_tree=False,
                        load_dtd=False,
                    )
            if parser is not None:
                try:
                    parser.feed(chunk)
                except etree.XMLSyntaxError as exc:
                    if xml_named:
                        raise _not_xml(kind, part, exc) from exc
                    # A binary part (an image, an obfuscated font) that happened to start
                    # with "<": no library parses it as XML either.
                    parser = scan = None
        if parser is None or scan is None:
            return 0  # media, fonts, binary parts: never parsed as XML
        try:
            parser.close()
        except etree.XMLSyntaxError as exc:
            if xml_named:
                raise _not_xml(kind, part, exc) from exc
            return 0
        return scan.rows * scan.columns

    # --- text tables (CSV) --------------------------------------------------------------

    def check_table(self, text: str, delimiter: str, kind: str) -> None:
        """A CSV text, counted record by record before a reader keeps its cells."""
        try:
            deque(self.counted_rows(text, delimiter, kind), 0)
        except csv.Error:
            return  # malformed: the reader that follows says where

    def counted_rows(
        self, text: str | Iterable[str], delimiter: str, kind: str, *, strict: bool = False
    ) -> Iterator[list[str]]:
        """The records of a CSV text, refused once rows × widest row exceeds the limit.

        Rows × widest bounds a ragged list of rows and a DataFrame's grid alike. A record
        is refused before it is built: csv reads it line by line, and the delimiters on
        its lines bound how many cells it can have. ``text`` may be given as its lines
        (ends kept), for a reader that wants each record's own text too.
        """
        rows = widest = delimiters = 0

        def lines() -> Iterator[str]:
            nonlocal delimiters
            for line in io.StringIO(text, newline="") if isinstance(text, str) else text:
                delimiters += line.count(delimiter)
                if (rows + 1) * max(widest, delimiters + 1) > self.cells:
                    raise self._too_many_cells(kind, rows + 1, max(widest, delimiters + 1))
                yield line

        for record in csv.reader(lines(), delimiter=delimiter, strict=strict):
            rows, widest, delimiters = rows + 1, max(widest, len(record)), 0
            if rows * widest > self.cells:
                raise self._too_many_cells(kind, rows, widest)
            yield record

    def _too_many_cells(self, kind: str, rows: int, widest: int) -> InvalidInput:
        return InvalidInput(
            f"this {kind} file has more than {self.cells:,} cells (rows × widest row so "
            f"far: {rows:,} × {widest:,}); the limit is {self.cells:,} ({variable('max_cells')})"
        )

    # --- nested text (JSON) -------------------------------------------------------------

    def check_json(self, text: str, kind: str = "JSON") -> None:
        """A JSON text: nesting depth and string values, measured before it is decoded."""
        skeleton = _JSON_STRING.sub('"', text)  # each string is now one quote
        depth = max(
            accumulate(map(_DEPTH_STEP.__getitem__, _NOT_BRACKET.sub("", skeleton))), default=0
        )
        if depth > self.nesting:
            raise InvalidInput(
                f"this {kind} file is nested {depth:,} levels deep; the limit is "
                f"{self.nesting:,} ({variable('max_nesting')})"
            )
        # Every string is a key or a value; every key is followed by a colon.
        values = skeleton.count('"') - skeleton.count(":")
        self.check_segments(values, f"this {kind} file", noun="strings")

    # --- segments -----------------------------------------------------------------------

    def check_segments(self, count: int, where: str, *, noun: str = "segments") -> None:
        """Refuse ``count`` segments (or entries, strings… as ``noun`` says) over the limit.

        Formats call it while they read, with their running count, so a file of a
        million entries is refused before a million objects exist.
        """
        if count > self.segments:
            raise InvalidInput(
                f"{where} has more than {self.segments:,} {noun}; the limit is "
                f"{self.segments:,} segments per job ({variable('max_segments')}); split it "
                "into smaller files"
            )

    def check_segment_size(self, text: str, where: str) -> None:
        """Refuse one segment larger than the limit in UTF-8."""
        if len(text) * 4 <= self.segment_bytes:  # UTF-8 needs at most 4 bytes a character
            return
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > self.segment_bytes:
            raise InvalidInput(
                f"{where} is {size:,} bytes long; the limit is {self.segment_bytes:,} bytes "
                f"per segment ({variable('max_segment_bytes')}); split it into smaller "
                "paragraphs"
            )


class _PartScan:
    """An lxml parser target: sees each element as it is parsed and keeps none of them.

    Counts the extent of a worksheet's cells the way spreadsheet readers place them:
    a ``<row>`` or ``<c>`` without a reference follows the one before it.
    """

    def __init__(self, limits: InputLimits, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        self.nesting = limits.nesting
        self.depth = 0
        self.worksheet = False
        self.locals: dict[str, str] = {}  # tag -> local name: a sheet has few tags, many times
        self.row = self.column = 0
        self.rows = self.columns = 0

    def doctype(self, *_declaration: Any) -> None:
        raise InvalidInput(
            f"this {self.kind} file's part {self.name} declares a DTD, which Office files "
            "never do: its entities could expand without bound, so it is refused"
        )

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        # Called for every element of every part: kept to a few comparisons.
        self.depth += 1
        if self.depth > self.nesting:
            raise InvalidInput(
                f"this {self.kind} file's part {self.name} is nested more than "
                f"{self.nesting:,} elements deep, the limit ({variable('max_nesting')})"
            )
        local = self.locals.get(tag)
        if local is None:
            local = self.locals[tag] = tag.rpartition("}")[2]
        if self.depth == 1:
            self.worksheet = local == "worksheet"
        elif not self.worksheet:
            return
        elif local == "c":
            reference = attrib.get("r", "")
            digits = reference.lstrip(_LETTERS)
            letters = reference[: len(reference) - len(digits)]
            if digits.isdigit() and 0 < len(letters) <= 3:
                self.column, self.row = _column_number(letters), int(digits)
            else:
                self.column += 1
            if self.row > self.rows:
                self.rows = self.row
            if self.column > self.columns:
                self.columns = self.column
        elif local == "row":
            number = attrib.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.column = 0

    def end(self, _tag: str) -> None:
        self.depth -= 1

    def close(self) -> None:
        return None


def _checked(data: bytes, part: zipfile.ZipInfo, kind: str) -> Iterator[bytes]:
    """The part's inflated pieces, refused the moment they exceed the size the directory
    declares (a lying directory), and checked against its size and CRC at the end."""
    size = crc = 0
    for chunk in _inflated(data, part):
        size += len(chunk)
        if size > part.file_size:
            raise InvalidInput(
                f"this {kind} file's part {part.filename} unpacks to more than the "
                f"{part.file_size:,} bytes its zip directory declares, as zip bombs do"
            )
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if size != part.file_size or crc != part.CRC:
        raise zipfile.BadZipFile(f"{part.filename}: size or CRC differs from the directory")


def _plainly_fine(content: bytes, nesting: int) -> bool:
    """Whether a small part needs no closer look: not XML at all, or XML with no DTD,
    no worksheet and no element deeper than ``nesting``, all found by lxml in C."""
    from lxml import etree

    if not _lead(content[:_CHUNK]).startswith(b"<"):
        return True  # media, fonts: never parsed as XML
    try:
        root = etree.fromstring(content, _tree_parser())
    except etree.XMLSyntaxError:
        return False
    if root.getroottree().docinfo.doctype or etree.QName(root).localname == "worksheet":
        return False
    return not root.xpath(_deeper_than(nesting))


@lru_cache(maxsize=1)
def _tree_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


@lru_cache(maxsize=4)
def _deeper_than(nesting: int) -> str:
    """An XPath finding an element nested deeper than ``nesting`` (the root is 1)."""
    return "/" + "/".join(["*"] * (nesting + 1))


def _inflated(data: bytes, part: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's content in pieces of at most ``_CHUNK`` bytes, however it was packed.

    Read from the archive's own bytes: the part's local header says where its data
    starts; the directory says how long it is.
    """
    header = data[part.header_offset : part.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{part.filename}: no local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = part.header_offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + part.compress_size]
    if part.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(raw), _CHUNK):
            yield bytes(raw[offset : offset + _CHUNK])
        return
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    offset = 0
    pending = b""
    while not decompressor.eof:
        if not pending and offset < len(raw):
            pending, offset = bytes(raw[offset : offset + _CHUNK]), offset + _CHUNK
        # At most _CHUNK bytes out per call, however far the input would inflate.
        chunk = decompressor.decompress(pending, _CHUNK)
        pending = decompressor.unconsumed_tail
        if chunk:
            yield chunk
        elif not pending and offset >= len(raw):
            break  # the data ended before the deflate stream did: the CRC check says so


def _not_xml(kind: str, part: zipfile.ZipInfo, error: Any) -> InvalidInput:
    return InvalidInput(
        f"this {kind} file is damaged: its part {part.filename} is not well-formed XML "
        f"({_first_line(error.msg)})"
    )


def _lead(chunk: bytes) -> bytes:
    """What a part starts with, past a byte order mark and white space (UTF-16 too)."""
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        chunk = chunk.removeprefix(mark)
    return chunk.lstrip(b" \t\r\n\x00")


@lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else "unreadable"
