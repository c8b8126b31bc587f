"""The parts of an Office file (a zip package): read them, and write some back.

A faithful translator changes the parts it translates and nothing else. :func:`replace_parts`
writes a new package in which the replaced parts are deflated again and every other entry
(its local header, its compressed bytes, its place in the order, its directory record) is
copied raw, byte for byte: media, printer settings, custom XML and parts we never read come
back exactly as they were, however their writer packed them.

Names are matched as the zip spells them; :func:`find_part` finds a part the way Office
does, whatever the case (relationship targets and entry names may disagree on it).
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Mapping

from workbench.errors import InvalidInput

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory record, 46 bytes
_END = struct.Struct("<4s4H2LH")  # end of central directory, 22 bytes
_ZIP64_END_LOCATOR = b"PK\x06\x07"
_DATA_DESCRIPTOR = 0x08
_NO_ZIP64 = 0xFFFFFFFF


def read_parts(data: bytes, kind: str) -> dict[str, bytes]:
    """Every entry of the package, inflated, by name, in the package's order."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError) as exc:
        raise InvalidInput(f"this is not {kind} (or it is damaged)") from exc


def find_part(parts: Mapping[str, bytes], name: str) -> str | None:
    """The entry named ``name``, compared without case as Office does; None if absent."""
    if name in parts:
        return name
    folded = name.casefold()
    return next((entry for entry in parts if entry.casefold() == folded), None)


def replace_parts(data: bytes, replaced: Mapping[str, bytes]) -> bytes:
    """``data`` with the named parts' content replaced; every other byte copied raw.

    Only existing parts can be replaced (adding a part would need its content type and
    relationship too). A package of nothing to replace comes back as the same bytes.
    """
    if not replaced:
        return data
    try:
        return _copy_raw(data, replaced)
    except _NotPlain:
        return _rewrite(data, replaced)


class _NotPlain(Exception):
    """A package using ZIP64 or a layout we do not copy raw: written again entry by entry."""


def _copy_raw(data: bytes, replaced: Mapping[str, bytes]) -> bytes:
    end_at = data.rfind(b"PK\x05\x06")
    if end_at < 0 or data.rfind(_ZIP64_END_LOCATOR, 0, end_at) >= 0:
        raise _NotPlain
    (_sig, disk, _disk_start, count, total, _size, directory_at, _comment) = _END.unpack_from(
        data, end_at
    )
    if disk or count != total or directory_at == _NO_ZIP64:
        raise _NotPlain
    records = []
    position = directory_at
    for _ in range(total):
        fields = list(_CENTRAL.unpack_from(data, position))
        if fields[0] != b"PK\x01\x02":
            raise _NotPlain
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        size = _CENTRAL.size + name_length + extra_length + comment_length
        raw_name = data[position + _CENTRAL.size : position + _CENTRAL.size + name_length]
        if _NO_ZIP64 in (fields[8], fields[9], fields[16]):
            raise _NotPlain
        records.append((fields, raw_name, data[position + _CENTRAL.size : position + size]))
        position += size
    # An entry's raw bytes run to the next entry's (or the directory): its data
    # descriptor, if any, is copied with it.
    starts = [*sorted(fields[16] for fields, _name, _tail in records), directory_at]
    following = dict(itertools.pairwise(starts))
    out = io.BytesIO()
    directory = io.BytesIO()
    left = dict(replaced)
    for fields, raw_name, tail in records:
        offset = fields[16]
        flags = fields[3]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        fields[16] = out.tell()
        if name in left:
            content = left.pop(name)
            local = _LOCAL.unpack_from(data, offset)
            local_extra = data[
                offset + _LOCAL.size + local[9] : offset + _LOCAL.size + local[9] + local[10]
            ]
            packed = _deflate(content) if fields[4] == zipfile.ZIP_DEFLATED else content
            crc = zlib.crc32(content)
            flags &= ~_DATA_DESCRIPTOR  # sizes go in the header: no descriptor follows
            out.write(
                _LOCAL.pack(
                    b"PK\x03\x04",
                    local[1],
                    flags,
                    fields[4],
                    local[4],
                    local[5],
                    crc,
                    len(packed),
                    len(content),
                    len(raw_name),
                    len(local_extra),
                )
            )
            out.write(raw_name + local_extra + packed)
            fields[3], fields[7], fields[8], fields[9] = flags, crc, len(packed), len(content)
        else:
            out.write(data[offset : following[offset]])
        directory.write(_CENTRAL.pack(*fields) + tail)
    if left:
        raise ValueError(f"no part named {sorted(left)[0]} in this package")
    new_directory_at = out.tell()
    out.write(directory.getvalue())
    end = list(_END.unpack_from(data, end_at))
    end[5], end[6] = directory.tell(), new_directory_at
    out.write(_END.pack(*end) + data[end_at + _END.size :])
    return out.getvalue()


def _rewrite(data: bytes, replaced: Mapping[str, bytes]) -> bytes:
    """Every entry written again in order, with the same names, dates and packing."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", allowZip64=True) as target,
    ):
        missing = set(replaced) - set(source.namelist())
        if missing:
            raise ValueError(f"no part named {sorted(missing)[0]} in this package")
        for info in source.infolist():
            content = replaced.get(info.filename)
            target.writestr(info, source.read(info) if content is None else content)
    return out.getvalue()


def _deflate(content: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(content) + packer.flush()
