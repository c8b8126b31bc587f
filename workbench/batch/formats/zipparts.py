"""Office packages (OPC: a zip of parts) read part by part and written back with some
parts replaced and every other byte copied as it was.

:class:`Package` reads a package's parts, its content types and its relationships;
:meth:`Package.write` gives the package back with some parts' bytes replaced. The parts
that are not replaced keep their zip entries exactly: the same order, names, compression,
timestamps, extra fields and compressed bytes (a raw copy, never inflated and deflated
again). A replaced part keeps its entry's name, place, method and timestamps. With nothing
replaced the input comes back unchanged.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote

from lxml import etree

from workbench.errors import InvalidInput

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_DESCRIPTOR = b"PK\x07\x08"
_ZIP64_EXTRA = 0x0001
_UNKNOWN = 0xFFFFFFFF  # a 32-bit field whose value is in the zip64 extra field
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True, slots=True)
class Relationship:
    id: str
    type: str
    target: str  # a part name (no leading '/') for internal targets, else as written
    external: bool

    def is_a(self, kind: str) -> bool:
        """Whether the relationship's type ends with ``kind`` (``"header"``,
        ``"officeDocument"``): transitional and Strict OOXML differ only before it."""
        return self.type.rsplit("/", 1)[-1] == kind


class Package:
    """An Office package: its parts by name, their content types and relationships."""

    def __init__(self, data: bytes, kind: str) -> None:
        self.data = data
        self.kind = kind
        try:
            # Parts are inflated when read: a document's pictures never are.
            self._archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            article = "an" if kind[:1].lower() in "aeiou" else "a"
            raise InvalidInput(f"this is not {article} {kind} file (or it is damaged)") from exc
        self._entries = self._archive.infolist()
        self._directory: int = self._archive.start_dir
        self._relationships: dict[str, list[Relationship]] = {}
        # Part names are case-insensitive (OPC); zip entry names are not.
        self._names = {info.filename.lower(): info for info in self._entries}

    def has(self, name: str) -> bool:
        return name.lower() in self._names

    def name(self, name: str) -> str | None:
        """The entry's own spelling of part ``name``: real files' names and relationship
        targets disagree on case."""
        info = self._names.get(name.lower())
        return info.filename if info is not None else None

    def read(self, name: str) -> bytes:
        info = self._names.get(name.lower())
        if info is None:
            raise InvalidInput(f"this {self.kind} file is damaged: its part {name} is missing")
        try:
            return self._archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InvalidInput(
                f"this {self.kind} file is damaged: its part {name} cannot be unpacked"
            ) from exc

    def xml(self, name: str) -> etree._Element:
        """A part parsed as XML (the limits check has refused DTDs and deep nesting)."""
        try:
            return etree.fromstring(self.read(name), _SAFE_PARSER)
        except etree.XMLSyntaxError as exc:
            raise InvalidInput(
                f"this {self.kind} file is damaged: its part {name} is not well-formed XML"
            ) from exc

    def relationships(self, source: str = "") -> list[Relationship]:
        """The relationships of part ``source`` ("" for the package's own), in file order."""
        if source not in self._relationships:
            self._relationships[source] = self._read_relationships(source)
        return self._relationships[source]

    def _read_relationships(self, source: str) -> list[Relationship]:
        folder, base = posixpath.split(source)
        rels = posixpath.join(folder, "_rels", f"{base}.rels")
        if not self.has(rels):
            return []
        found = []
        for element in self.xml(rels):
            if etree.QName(element).localname != "Relationship":
                continue
            target = element.get("Target", "")
            external = element.get("TargetMode") == "External"
            if not external:
                target = _resolve(folder, target)
            found.append(
                Relationship(element.get("Id", ""), element.get("Type", ""), target, external)
            )
        return found

    def content_type(self, name: str) -> str:
        overrides, defaults = self._content_types
        if (found := overrides.get(name.lower())) is not None:
            return found
        return defaults.get(posixpath.splitext(name)[1].lstrip(".").lower(), "")

    @cached_property
    def _content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        overrides: dict[str, str] = {}
        defaults: dict[str, str] = {}
        if not self.has("[Content_Types].xml"):
            return overrides, defaults
        for element in self.xml("[Content_Types].xml"):
            name = etree.QName(element).localname
            kind = element.get("ContentType", "")
            if name == "Override":
                overrides[element.get("PartName", "").lstrip("/").lower()] = kind
            elif name == "Default":
                defaults[element.get("Extension", "").lower()] = kind
        return overrides, defaults

    def write(self, replaced: Mapping[str, bytes]) -> bytes:
        """The package with the parts named in ``replaced`` holding new bytes."""
        if not replaced:
            return self.data
        wanted = {self._names[name.lower()].filename: content for name, content in replaced.items()}
        out = bytearray()
        central = bytearray()
        for info in self._entries:
            offset = len(out)
            if info.filename in wanted:
                local, record = _new_entry(
                    self.data,
                    info,
                    self._records[info.header_offset],
                    wanted[info.filename],
                    offset,
                )
            else:
                local, record = _raw_entry(
                    self.data, info, self._records[info.header_offset], offset
                )
            out += local
            central += record
        directory = len(out)
        out += central
        count = len(self._entries)
        if count > 0xFFFF or directory > _UNKNOWN or len(central) > _UNKNOWN:
            raise InvalidInput(f"this {self.kind} file is too large to be written back")
        comment = self._archive.comment
        out += _END + struct.pack(
            "<HHHHIIH", 0, 0, count, count, len(central), directory, len(comment)
        )
        out += comment
        return bytes(out)

    @cached_property
    def _records(self) -> dict[int, bytes]:
        """Each entry's central directory record, by the offset of its local header."""
        data = self.data
        records: dict[int, bytes] = {}
        position = self._directory
        while data[position : position + 4] == _CENTRAL:
            lengths = struct.unpack("<HHH", data[position + 28 : position + 34])
            record = data[position : position + 46 + sum(lengths)]
            offset = struct.unpack("<I", record[42:46])[0]
            records[_zip64_offset(record) if offset == _UNKNOWN else offset] = record
            position += len(record)
        return records


def _resolve(folder: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join("/", folder, target)).lstrip("/")


def _local_header(data: bytes, info: zipfile.ZipInfo) -> tuple[int, bytes, bytes]:
    """Where an entry's compressed bytes start, its local header, and its local extra."""
    start = info.header_offset
    header = data[start : start + 30]
    if header[:4] != _LOCAL:
        raise InvalidInput(
            f"this file is damaged: the zip entry of {info.filename} is not where its "
            "directory says"
        )
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    body = start + 30 + name_length + extra_length
    return body, data[start:body], data[start + 30 + name_length : body]


def _raw_entry(
    data: bytes, info: zipfile.ZipInfo, record: bytes, offset: int
) -> tuple[bytes, bytes]:
    body, _, local_extra = _local_header(data, info)
    end = body + info.compress_size
    if info.flag_bits & 0x08:  # a data descriptor follows the data
        wide = _extra_field(local_extra, _ZIP64_EXTRA) is not None
        end += (20 if wide else 12) + (4 if data[end : end + 4] == _DESCRIPTOR else 0)
    return data[info.header_offset : end], _moved(record, offset)


def _moved(original: bytes, offset: int) -> bytes:
    """A central directory record as it was, pointing at its entry's new ``offset``."""
    record = bytearray(original)
    if struct.unpack("<I", record[42:46])[0] != _UNKNOWN:
        record[42:46] = struct.pack("<I", offset)
        return bytes(record)
    # The offset lives in the zip64 extra field, after the sizes that are there too.
    name_length, extra_length = struct.unpack("<HH", record[28:32])
    extra_start = 46 + name_length
    position = _extra_field(bytes(record[extra_start : extra_start + extra_length]), _ZIP64_EXTRA)
    assert position is not None
    skip = sum(
        8 for field in (record[24:28], record[20:24]) if struct.unpack("<I", field)[0] == _UNKNOWN
    )
    at = extra_start + position + skip
    record[at : at + 8] = struct.pack("<Q", offset)
    return bytes(record)


def _new_entry(
    data: bytes, info: zipfile.ZipInfo, old: bytes, content: bytes, offset: int
) -> tuple[bytes, bytes]:
    """An entry in place of ``info`` holding ``content``, packed by the same method."""
    if info.compress_type == zipfile.ZIP_DEFLATED:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = packer.compress(content) + packer.flush()
    else:
        packed = content
    crc = zlib.crc32(content)
    _, header, local_extra = _local_header(data, info)
    name_length = struct.unpack("<H", header[26:28])[0]
    # Sizes now stand in the headers: no data descriptor, no zip64 field (the limits keep
    # every part far below 4 GB).
    flags = info.flag_bits & ~0x08
    extra = _without_field(local_extra, _ZIP64_EXTRA)
    local = bytearray(header[: 30 + name_length]) + extra
    local[6:8] = struct.pack("<H", flags)
    local[14:26] = struct.pack("<III", crc, len(packed), len(content))
    local[28:30] = struct.pack("<H", len(extra))
    name_length, extra_length, comment_length = struct.unpack("<HHH", old[28:34])
    central_extra = _without_field(
        old[46 + name_length : 46 + name_length + extra_length], _ZIP64_EXTRA
    )
    record = bytearray(old[: 46 + name_length]) + central_extra
    record += old[
        46 + name_length + extra_length : 46 + name_length + extra_length + comment_length
    ]
    record[8:10] = struct.pack("<H", flags)
    record[16:28] = struct.pack("<III", crc, len(packed), len(content))
    record[30:32] = struct.pack("<H", len(central_extra))
    record[42:46] = struct.pack("<I", offset)
    return bytes(local) + packed, bytes(record)


def _zip64_offset(record: bytes) -> int:
    name_length, extra_length = struct.unpack("<HH", record[28:32])
    extra = record[46 + name_length : 46 + name_length + extra_length]
    position = _extra_field(extra, _ZIP64_EXTRA)
    if position is None:
        raise InvalidInput("this file is damaged: a zip entry has no offset")
    skip = sum(
        8 for field in (record[24:28], record[20:24]) if struct.unpack("<I", field)[0] == _UNKNOWN
    )
    return int(struct.unpack("<Q", extra[position + skip : position + skip + 8])[0])


def _extra_field(extra: bytes, tag: int) -> int | None:
    """Where the data of the extra field ``tag`` starts in ``extra``, if it is there."""
    position = 0
    while position + 4 <= len(extra):
        field, size = struct.unpack("<HH", extra[position : position + 4])
        if field == tag:
            return position + 4
        position += 4 + size
    return None


def _without_field(extra: bytes, tag: int) -> bytes:
    kept = bytearray()
    position = 0
    while position + 4 <= len(extra):
        field, size = struct.unpack("<HH", extra[position : position + 4])
        if field != tag:
            kept += extra[position : position + 4 + size]
        position += 4 + size
    return bytes(kept)
